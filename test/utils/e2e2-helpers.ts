/**
 * Shared helpers of the mempool, durability, bad-input and CLI end-to-end tests: dev wallets, signed
 * transfers, raw JSON-RPC error capture, polling with a deadline, and a `cmt` spawner that takes any
 * arguments and environment (startCmt always adds --dev and --rpc.port 0).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { HDNodeWallet, Mnemonic, Wallet } from 'ethers';
import type { CmtProcess } from './node.ts';

export const BIN = resolve(import.meta.dirname, '../../bin/cmt.js');
export const GWEI = 1_000_000_000n;
export const MIN_GAS_PRICE = 2n * GWEI;
export const CHAIN_ID = 1234;
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';

/** Dev account i of the test mnemonic (the anvil/Hardhat accounts). */
export function devWallet(i: number): Wallet {
  const hd = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`);
  return new Wallet(hd.privateKey);
}

export interface TransferOpts {
  nonce: number;
  to?: string;
  value?: bigint;
  gasPrice?: bigint;
  gasLimit?: bigint;
  chainId?: number;
  data?: string;
}

/** A signed legacy (EIP-155) transfer; legacy so that gas price is one number. */
export function signTransfer(w: Wallet, o: TransferOpts): Promise<string> {
  return w.signTransaction({
    type: 0,
    chainId: o.chainId ?? CHAIN_ID,
    nonce: o.nonce,
    to: o.to ?? '0x000000000000000000000000000000000000dEaD',
    value: o.value ?? 1n,
    gasPrice: o.gasPrice ?? MIN_GAS_PRICE,
    gasLimit: o.gasLimit ?? 21_000n,
    data: o.data ?? '0x',
  });
}

export interface RpcErr {
  code: number;
  message: string;
}

/** Calls `method` and returns its JSON-RPC error; fails the test when the call succeeds. */
export async function rpcError(node: Pick<CmtProcess, 'rpcRaw'>, method: string, params: unknown[]): Promise<RpcErr> {
  const r = (await node.rpcRaw({ jsonrpc: '2.0', id: 1, method, params })) as { result?: unknown; error?: RpcErr };
  if (r.error === undefined) throw new Error(`${method} succeeded with ${JSON.stringify(r.result)}, expected an error`);
  return r.error;
}

/** Polls `fn` until it returns a value other than undefined/null/false, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

/** The test runner's environment without CMT_* settings, so only what a test sets reaches the node. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CMT_')) env[k] = v;
  return { ...env, ...extra };
}

/** Runs `cmt <args>` to completion (for commands that exit). */
export function runCmt(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: cleanEnv(env), encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Like runCmt without blocking the event loop, so independent commands can run side by side. */
export function runCmtAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const proc = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv(env) });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.once('error', rej);
    proc.once('close', (code) => res({ code, stdout, stderr }));
  });
}

export interface Spawned {
  proc: ChildProcess;
  output(): string;
  /** Resolves with the port once the node prints where it listens, rejects if it exits first. */
  listening: Promise<number>;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** Starts `cmt <args>` with exactly these arguments (no implicit --dev or port). */
export function spawnCmt(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Spawned {
  const proc = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv(env) });
  let out = '';
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  const listening = new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`cmt did not listen within ${timeoutMs} ms:\n${out}`)), timeoutMs);
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

/** A minimal JSON-RPC client for a node started by spawnCmt. */
export function rpcClient(url: string): Pick<CmtProcess, 'rpc' | 'rpcRaw'> {
  let id = 0;
  const rpcRaw = async (body: unknown): Promise<unknown> => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return res.json();
  };
  return {
    rpcRaw,
    async rpc<T>(method: string, params: unknown[] = []): Promise<T> {
      const r = (await rpcRaw({ jsonrpc: '2.0', id: ++id, method, params })) as { result?: T; error?: RpcErr };
      if (r.error !== undefined) throw Object.assign(new Error(`${method}: ${r.error.message}`), { code: r.error.code });
      return r.result as T;
    },
  };
}
