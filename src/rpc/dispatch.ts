/**
 * JSON-RPC 2.0 request handling shared by HTTP and WebSocket: shape validation, batches, method lookup,
 * and turning every failure into an error object. Nothing a client sends can throw past this point.
 */
import type { RpcBackend } from './backend.ts';
import { RpcCode, toRpcError } from './errors.ts';
import type { RpcErrorObject } from './errors.ts';
import { RawJson } from './format.ts';
import type { HandlerTable } from './params.ts';

export interface RpcResponse {
  jsonrpc: '2.0';
  id: unknown;
  result?: unknown;
  error?: RpcErrorObject;
}

export interface DispatchOptions {
  maxBatchSize: number;
  onError?: (method: string, err: unknown) => void;
}

function errorResponse(id: unknown, code: number, message: string): RpcResponse {
  return { jsonrpc: '2.0', id: id ?? null, error: { code, message } };
}

function validId(id: unknown): boolean {
  return id === undefined || id === null || typeof id === 'string' || typeof id === 'number';
}

export async function dispatchOne(request: unknown, table: HandlerTable, backend: RpcBackend, opts: DispatchOptions): Promise<RpcResponse | undefined> {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return errorResponse(null, RpcCode.INVALID_REQUEST, 'invalid request: expected a JSON-RPC 2.0 object');
  }
  const r = request as Record<string, unknown>;
  if (!validId(r.id)) return errorResponse(null, RpcCode.INVALID_REQUEST, 'invalid request: id must be a string, number or null');
  if (r.jsonrpc !== '2.0') return errorResponse(r.id, RpcCode.INVALID_REQUEST, 'invalid request: "jsonrpc" must be "2.0"');
  if (typeof r.method !== 'string') return errorResponse(r.id, RpcCode.INVALID_REQUEST, 'invalid request: method must be a string');
  if (r.params !== undefined && r.params !== null && !Array.isArray(r.params)) {
    return errorResponse(r.id, RpcCode.INVALID_PARAMS, 'invalid params: expected an array of positional parameters');
  }
  const handler = Object.hasOwn(table, r.method) ? table[r.method] : undefined;
  if (handler === undefined) return errorResponse(r.id, RpcCode.METHOD_NOT_FOUND, `the method ${r.method} does not exist/is not available`);
  // a request without an id is a notification: it runs, and gets no response (JSON-RPC 2.0 §4.1)
  const notification = !('id' in r);
  try {
    const result = await handler((r.params as unknown[] | undefined) ?? [], backend);
    return notification ? undefined : { jsonrpc: '2.0', id: r.id ?? null, result: result === undefined ? null : result };
  } catch (err) {
    opts.onError?.(r.method, err);
    return notification ? undefined : { jsonrpc: '2.0', id: r.id ?? null, error: toRpcError(err) };
  }
}

/** Handles a parsed body: one request or a batch. Returns undefined when nothing must be sent back. */
export async function dispatchBody(body: unknown, table: HandlerTable, backend: RpcBackend, opts: DispatchOptions): Promise<RpcResponse | RpcResponse[] | undefined> {
  if (!Array.isArray(body)) return dispatchOne(body, table, backend, opts);
  if (body.length === 0) return errorResponse(null, RpcCode.INVALID_REQUEST, 'empty batch');
  if (body.length > opts.maxBatchSize) {
    return errorResponse(null, RpcCode.LIMIT_EXCEEDED, `batch too large: ${body.length} requests, limit ${opts.maxBatchSize}`);
  }
  const out: RpcResponse[] = [];
  for (const request of body) {
    const response = await dispatchOne(request, table, backend, opts);
    if (response !== undefined) out.push(response);
  }
  return out.length === 0 ? undefined : out;
}

const bigintAsHex = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v);

/**
 * JSON text of a response, a batch of them or any other value. PERF: JSON.stringify runs without a
 * replacer first (the replacer is a call per key of every response); a bigint makes that throw, and only
 * then is the replacer used. The output is the same: the replacer changes nothing but bigints. A response
 * whose result is RawJson carries that text as its result, in the place JSON.stringify would put it.
 */
export function stringify(value: unknown): string {
  if (Array.isArray(value) && value.some(hasRawResult)) return `[${value.map(stringify).join(',')}]`;
  if (hasRawResult(value)) {
    const { result, ...rest } = value;
    return `${plainStringify(rest).slice(0, -1)},"result":${result.text}}`;
  }
  return plainStringify(value);
}

function hasRawResult(value: unknown): value is { result: RawJson } {
  return typeof value === 'object' && value !== null && (value as { result?: unknown }).result instanceof RawJson;
}

function plainStringify(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return JSON.stringify(value, bigintAsHex);
  }
}
