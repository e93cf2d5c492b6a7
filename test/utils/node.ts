/**
 * Starts the real `cmt` binary as a child process, for end-to-end tests that talk to it only through
 * JSON-RPC. `spawnCmt` runs any command line; `startCmt` is `cmt start --dev` on a free port in a temporary
 * home. Always stop (or kill) what you start; `withDevNode` does it for a describe block.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import type { JsonRpcProvider } from 'ethers';
import { createEthersProvider } from './e2e-clients.ts';

export const BIN = resolve(import.meta.dirname, '../../bin/cmt.js');

export interface RpcClient {
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  rpcRaw(body: unknown): Promise<unknown>;
}

export interface CmtProcess extends RpcClient {
  url: string;
  wsUrl: string;
  home: string;
  proc: ChildProcess;
  output(): string;
  /** SIGINT and wait for exit (clean shutdown). */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit (crash). */
  kill9(): Promise<void>;
}

export interface Spawned {
  proc: ChildProcess;
  output(): string;
  /** Resolves with the port once the node prints where it listens, rejects if it exits or times out first. */
  listening: Promise<number>;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export function tempHome(prefix = 'cmt-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeHome(home: string): void {
  rmSync(home, { recursive: true, force: true });
}

/** The runner's environment without CMT_* variables (they would change the node under test), plus `extra`. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CMT_')) env[k] = v;
  return { ...env, ...extra };
}

/**
 * Starts `cmt <args>` with exactly these arguments. Node flags for profiling can be passed through the
 * runner's CMT_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
export function spawnCmt(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Spawned {
  const nodeFlags = process.env.CMT_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const proc = spawn(process.execPath, [...nodeFlags, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv(env) });
  let out = '';
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  const listening = new Promise<number>((res, rej) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL'); // never leave a half-started node behind
      rej(new Error(`cmt did not listen within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /Listening on [\d.]+:(\d+)/.exec(out) ?? /JSON-RPC listening url=http:\/\/[\d.]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`cmt exited with ${code} before listening:\n${out}`));
    });
  });
  listening.catch(() => {}); // observed by whoever awaits it
  return {
    proc,
    output: () => out,
    listening,
    exited,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill('SIGINT');
      return exited;
    },
  };
}

/** A minimal JSON-RPC client; errors are thrown with their JSON-RPC code and data attached. */
export function rpcClient(url: string): RpcClient {
  let id = 0;
  const rpcRaw = async (body: unknown): Promise<unknown> => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return res.json();
  };
  return {
    rpcRaw,
    async rpc<T>(method: string, params: unknown[] = []): Promise<T> {
      const r = (await rpcRaw({ jsonrpc: '2.0', id: ++id, method, params })) as { result?: T; error?: { code: number; message: string; data?: unknown } };
      if (r.error !== undefined) {
        throw Object.assign(new Error(`${method}: ${r.error.message}`), { code: r.error.code, data: r.error.data });
      }
      return r.result as T;
    },
  };
}

/**
 * `cmt start --dev` on a free port; `args` are extra flags (e.g. ['--block-time', '0']). The home is reused
 * when given, which is how restart tests continue a chain. Resolves once the node listens.
 */
export async function startCmt(args: string[] = [], opts: { home?: string; timeoutMs?: number } = {}): Promise<CmtProcess> {
  const home = opts.home ?? tempHome();
  const node = spawnCmt(['start', '--dev', '--home', home, '--rpc.port', '0', ...args], {}, opts.timeoutMs);
  const port = await node.listening;
  const url = `http://127.0.0.1:${port}`;
  return {
    ...rpcClient(url),
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    home,
    proc: node.proc,
    output: node.output,
    stop: node.stop,
    async kill9() {
      if (node.proc.exitCode !== null || node.proc.signalCode !== null) return;
      node.proc.kill('SIGKILL');
      await node.exited;
    },
  };
}

/**
 * A dev node (`cmt start --dev` with `args`) and an ethers provider on it for the enclosing describe block:
 * started in its `before` hook, which hands both to `use`, and stopped, its home removed, in its `after` hook.
 */
export function withDevNode(args: string[], use: (node: CmtProcess, provider: JsonRpcProvider) => void): void {
  let node: CmtProcess | undefined;
  let provider: JsonRpcProvider | undefined;
  before(async () => {
    node = await startCmt(args);
    provider = createEthersProvider(node.url);
    use(node, provider);
  });
  after(async () => {
    provider?.destroy();
    if (node) {
      await node.stop();
      removeHome(node.home);
    }
  });
}
