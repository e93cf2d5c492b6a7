/**
 * A tiny JSON-RPC client over HTTP keep-alive. Two transports: `socket` (socketPost.ts, the default: plain
 * keep-alive sockets, the least client CPU per call) and `http` (node:http with a keep-alive Agent, the
 * client of the figures before ADR 0021; both take less CPU than Node 20's fetch). It matters because the
 * client shares the machine's cores with the node under test.
 */
import { Agent, request } from 'node:http';
import { socketPost } from './socketPost.ts';
import type { PostFn } from './socketPost.ts';

export const TRANSPORTS = ['socket', 'http'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface RpcCall {
  method: string;
  params?: unknown[];
}

export interface RpcResponse {
  id?: number | string | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(method: string, error: { code: number; message: string; data?: unknown }) {
    super(`${method}: ${error.message} (${error.code})`);
    this.name = 'RpcError';
    this.code = error.code;
    this.data = error.data;
  }
}

export interface RpcClient {
  readonly url: string;
  call<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Sends one batch request; rejects if the node answers a batch with anything but an array. */
  batch(calls: RpcCall[]): Promise<RpcResponse[]>;
  close(): void;
}

export function createRpcClient(url: string, timeoutMs = 30_000, transport: Transport = 'socket'): RpcClient {
  const { post, close } = transport === 'socket' ? socketPost(url, timeoutMs) : httpPost(url, timeoutMs);
  let nextId = 1;
  return {
    url,
    async call<T>(method: string, params: unknown[] = []): Promise<T> {
      const res = (await post(JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }))) as RpcResponse;
      if (res.error) throw new RpcError(method, res.error);
      return res.result as T;
    },
    async batch(calls: RpcCall[]): Promise<RpcResponse[]> {
      const first = nextId;
      nextId += calls.length;
      const body = calls.map((c, i) => ({ jsonrpc: '2.0', id: first + i, method: c.method, params: c.params ?? [] }));
      const res = await post(JSON.stringify(body));
      if (!Array.isArray(res)) throw new Error(`batch not supported: ${JSON.stringify(res).slice(0, 200)}`);
      const byId = new Map((res as RpcResponse[]).map((r) => [r.id, r]));
      return body.map((b) => byId.get(b.id) ?? { error: { code: -32603, message: 'missing from batch answer' } });
    },
    close,
  };
}

function httpPost(url: string, timeoutMs: number): { post: PostFn; close: () => void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const post = (body: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const req = request(
        url,
        { method: 'POST', agent, timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve(JSON.parse(text));
            } catch {
              reject(new Error(`HTTP ${res.statusCode ?? '?'}: ${text.slice(0, 200)}`));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });

  return { post, close: () => agent.destroy() };
}

/**
 * Runs calls in batches of `chunk`, falling back to one call at a time (for the whole rest) the first time
 * the node refuses a batch.
 */
export async function batchedCalls(rpc: RpcClient, calls: RpcCall[], chunk = 100): Promise<RpcResponse[]> {
  const out: RpcResponse[] = [];
  let batches = true;
  for (let i = 0; i < calls.length; i += chunk) {
    const part = calls.slice(i, i + chunk);
    if (batches) {
      try {
        out.push(...(await rpc.batch(part)));
        continue;
      } catch {
        batches = false;
      }
    }
    for (const c of part) {
      try {
        out.push({ result: await rpc.call(c.method, c.params) });
      } catch (err) {
        out.push({ error: { code: err instanceof RpcError ? err.code : -32603, message: String(err) } });
      }
    }
  }
  return out;
}

export const toHex = (n: bigint | number): string => `0x${n.toString(16)}`;
