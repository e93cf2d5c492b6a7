/**
 * Starts the real `cmt` binary as a child process on a free port in a temporary home, for end-to-end
 * tests that talk to it only through JSON-RPC. Always stop (or kill) what you start.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '../../bin/cmt.js');

export interface CmtProcess {
  url: string;
  wsUrl: string;
  home: string;
  proc: ChildProcess;
  output(): string;
  /** SIGINT and wait for exit (clean shutdown). */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit (crash). */
  kill9(): Promise<void>;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  rpcRaw(body: unknown): Promise<unknown>;
}

export function tempHome(prefix = 'cmt-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeHome(home: string): void {
  rmSync(home, { recursive: true, force: true });
}

/**
 * `args` are extra flags for `cmt start` (e.g. ['--block-time', '0']). The home is reused when given,
 * which is how restart tests continue a chain. Resolves once the node prints its listening address.
 */
export async function startCmt(args: string[] = [], opts: { home?: string; timeoutMs?: number } = {}): Promise<CmtProcess> {
  const home = opts.home ?? tempHome();
  const proc = spawn(process.execPath, [...(process.env.CMT_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), BIN, 'start', '--dev', '--home', home, '--rpc.port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CMT_HOME: '' },
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL'); // never leave a half-started node behind
      rej(new Error(`cmt did not start within ${opts.timeoutMs ?? 30000} ms:\n${out}`));
    }, opts.timeoutMs ?? 30_000);
    const check = (): void => {
      const m = /Listening on [\d.]+:(\d+)/.exec(out) ?? /JSON-RPC listening url=http:\/\/[\d.]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      }
    };
    proc.stdout?.on('data', check);
    proc.stderr?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`cmt exited with ${code} before listening:\n${out}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  let id = 0;
  const rpcRaw = async (body: unknown): Promise<unknown> => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return res.json();
  };
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    home,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGINT');
      return exited;
    },
    async kill9() {
      if (proc.exitCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
    rpcRaw,
    async rpc<T>(method: string, params: unknown[] = []): Promise<T> {
      const r = (await rpcRaw({ jsonrpc: '2.0', id: ++id, method, params })) as { result?: T; error?: { code: number; message: string; data?: unknown } };
      if (r.error !== undefined) {
        const err = new Error(`${method}: ${r.error.message}`) as Error & { code?: number; data?: unknown };
        err.code = r.error.code;
        err.data = r.error.data;
        throw err;
      }
      return r.result as T;
    },
  };
}
