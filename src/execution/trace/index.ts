/**
 * trace: geth-compatible transaction tracing (debug_trace*). Owns the tracers (geth's struct logger and
 * callTracer), which listen to a VM's EVM events for one transaction, and the replays that produce a
 * committed transaction's trace: its block is run again on the parent state, earlier transactions
 * untraced. It does not own parameter decoding or JSON-RPC errors (rpc/namespaces/debug.ts) and never
 * writes state: every replay is reverted.
 *
 * Main flow: traceTransaction(deps, hash, spec) -> locate the tx -> replayBlock on stateAt(height - 1)
 * with createTracer(spec) attached to the target tx only -> tracer.finish(gas limit, receipt gas).
 */
export { DEFAULT_CALL_TRACER_CONFIG, createCallTracer } from './callTracer.ts';
export type { CallFrame, CallLog, CallTracerConfig, CallType } from './callTracer.ts';
export { TraceErrorCode } from './errors.ts';
export {
  TRACER_NAMES,
  blockEnvOf,
  createTracer,
  traceBlockByHash,
  traceBlockByNumber,
  traceCall,
  traceTransaction,
} from './replay.ts';
export type { BlockTraceEntry, CallSite, TraceDeps, TraceResult, TraceStore, TracerSpec } from './replay.ts';
export { DEFAULT_STRUCT_LOGGER_CONFIG, createStructLogger } from './structLogger.ts';
export type { StructLog, StructLoggerConfig, StructLoggerResult } from './structLogger.ts';
export { evmEvents, withTracer } from './tracer.ts';
export type { EvmEvents, TxSummary, TxTracer } from './tracer.ts';
