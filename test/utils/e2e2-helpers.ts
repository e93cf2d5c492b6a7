/**
 * Shared helpers of the mempool, durability, bad-input and CLI end-to-end tests: dev wallets, signed
 * transfers, raw JSON-RPC error capture, polling with a deadline, running `cmt` commands to completion.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { HDNodeWallet, Mnemonic, Wallet } from 'ethers';
import { BIN, cleanEnv, rpcClient, spawnCmt } from './node.ts';
import type { CmtProcess, Spawned } from './node.ts';

// the process helpers live in node.ts; re-exported for the suites that import them from here
export { BIN, rpcClient, spawnCmt };
export type { Spawned };

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
