/**
 * execution: the deterministic state transition. `validateRawTx` (stateless admission),
 * `executeBlock` (beginBlock -> txs -> fees to the fee pool -> roots; build or apply mode) and
 * `applyGenesis`. Price-0 calls to a contract with a GasSponsor deposit run paid by it (ADR 0016);
 * `quoteSponsorship` is the same rule for mempool admission. It never reads a clock or does I/O; the node hands it the block context.
 */
export { TxErrorCode } from './errors.ts';
export { BlockBuilder, executeBlock, prevRandaoFor } from './executeBlock.ts';
export type { BlockContext, BlockEnvironment, BlockHooks, ExecuteOptions, ExecutedBlock, ExecutionMode } from './executeBlock.ts';
export { applyGenesis, genesisValidators } from './genesis.ts';
export { contractCallRuns } from './contractCall.ts';
export { nativeContractsOf, stakingParamsOf, systemHooksOf } from './chainSystem.ts';
export { EXTENSIONS_ABI, EXTENSIONS_ADDRESS, extensionsInterface } from './extensions/contract.ts';
export { JsonLookupError, jsonLookup } from './extensions/jsonLookup.ts';
export { CALL_STATUS, MAX_SCHEDULED_CALL_GAS, SCHEDULED_GAS_PER_BLOCK, SCHEDULER_ABI, SCHEDULER_ADDRESS, schedulerInterface } from './extensions/scheduler.ts';
export { SPONSOR_ABI, SPONSOR_ADDRESS, sponsorInterface } from './extensions/gasSponsor.ts';
export { isSponsoredPrice, quoteSponsorship } from './extensions/sponsoredTx.ts';
export type { SponsorQuote } from './extensions/sponsoredTx.ts';
export { OrderedTrie, orderedTrieRoot, trieRoot } from './roots.ts';
export { decodeValidatedTx, firstLine, prepareRawTx, transferTarget, validateRawTx } from './validateTx.ts';
export type { AdmissionRules, AwaitingSender, ValidatedTx } from './validateTx.ts';
export { ExecutionRevertedError, decodeRevertReason, estimateGas, isCallOutcome, runCall, simulateCall, throwIfFailed } from './simulateCall.ts';
export { interpretCall } from './interpretCall.ts';
export type { CallOutcome, CallRequest } from './simulateCall.ts';
export {
  DEFAULT_CALL_TRACER_CONFIG,
  DEFAULT_STRUCT_LOGGER_CONFIG,
  TRACER_NAMES,
  blockEnvOf,
  traceBlockByHash,
  traceBlockByNumber,
  traceCall,
  traceTransaction,
} from './trace/index.ts';
export type { CallSite, TraceDeps, TraceResult, TracerSpec } from './trace/index.ts';
