/**
 * debug_ tracing (geth's API): debug_traceTransaction, debug_traceCall, debug_traceBlockByNumber and
 * debug_traceBlockByHash with the default struct logger or the callTracer. Decodes the trace options,
 * calls execution/trace, returns its JSON.
 */
import {
  DEFAULT_CALL_TRACER_CONFIG,
  DEFAULT_STRUCT_LOGGER_CONFIG,
  traceBlockByHash,
  traceBlockByNumber,
  traceCall,
  traceTransaction,
} from '../../execution/index.ts';
import type { CallSite, TracerSpec } from '../../execution/index.ts';
import { parseHash } from '../../encoding/index.ts';
import type { RpcBackend } from '../backend.ts';
import { invalidParams } from '../errors.ts';
import type { HandlerTable } from '../params.ts';
import { callBlockEnv, callGasCap, parseCallRequest, requireParam, resolveHeight } from '../params.ts';

const SUPPORTED = 'callTracer, or no tracer for the default struct logger';

type Options = Record<string, unknown>;

function flag(o: Options, name: string): boolean {
  const v = o[name];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw invalidParams(`invalid trace config: ${name} must be a boolean`);
  return v;
}

function asObject(value: unknown, what: string): Options {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParams(`invalid ${what}: expected an object`);
  return value as Options;
}

/** geth's TraceConfig: no tracer means the struct logger with its own options. */
export function parseTraceOptions(value: unknown): TracerSpec {
  const o = asObject(value, 'trace config');
  const name = o.tracer;
  if (name === undefined || name === null || name === '' || name === 'structLogger') {
    const limit = o.limit ?? 0;
    if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0) throw invalidParams('invalid trace config: limit must be a non-negative integer');
    return {
      tracer: 'structLogger',
      config: {
        ...DEFAULT_STRUCT_LOGGER_CONFIG,
        disableStack: flag(o, 'disableStack'),
        disableStorage: flag(o, 'disableStorage'),
        enableMemory: flag(o, 'enableMemory'),
        enableReturnData: flag(o, 'enableReturnData'),
        limit,
      },
    };
  }
  if (name === 'callTracer') {
    const c = asObject(o.tracerConfig, 'tracerConfig');
    return { tracer: 'callTracer', config: { ...DEFAULT_CALL_TRACER_CONFIG, onlyTopCall: flag(c, 'onlyTopCall'), withLog: flag(c, 'withLog') } };
  }
  throw invalidParams(`tracer ${JSON.stringify(name)} is not supported: use ${SUPPORTED}`);
}

/** As eth_call: the block environment of callBlockEnv, "latest" when no tag is given. */
function callSite(backend: RpcBackend, tag: unknown, gas: bigint | undefined): CallSite {
  const height = resolveHeight(tag, backend);
  const env = callBlockEnv(backend, tag ?? 'latest', height);
  const cap = callGasCap(backend, env);
  return { height, env, gasLimit: gas !== undefined && gas < cap ? gas : cap };
}

export const debugHandlers: HandlerTable = {
  async debug_traceTransaction(params, backend) {
    const hash = parseHash(requireParam(params, 0, 'transaction hash'), 'transaction hash');
    return traceTransaction(backend, hash, parseTraceOptions(params[1]));
  },
  async debug_traceCall(params, backend) {
    const req = parseCallRequest(requireParam(params, 0, 'call object'));
    const spec = parseTraceOptions(params[2]);
    return traceCall(backend, req, callSite(backend, params[1], req.gas), spec);
  },
  async debug_traceBlockByNumber(params, backend) {
    const height = resolveHeight(requireParam(params, 0, 'block number'), backend);
    return traceBlockByNumber(backend, height, parseTraceOptions(params[1]));
  },
  async debug_traceBlockByHash(params, backend) {
    const hash = parseHash(requireParam(params, 0, 'block hash'), 'block hash');
    return traceBlockByHash(backend, hash, parseTraceOptions(params[1]));
  },
};
