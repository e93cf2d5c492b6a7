/**
 * Starts and stops the nodes under test: ours (`bin/cmt.js`), anvil and Hardhat 2, each on a free port in its
 * own process group with a fresh temp directory. Every child is killed when the bench exits, also on SIGINT.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, openSync, readFileSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRpcClient } from './rpc.ts';
import type { RpcClient, Transport } from './rpc.ts';

export const PEER_NAMES = ['cmt', 'anvil', 'hardhat'] as const;
export type PeerName = (typeof PEER_NAMES)[number];
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BLOCK_GAS_LIMIT = 1_000_000_000;

export interface Peer {
  name: PeerName;
  url: string;
  rpc: RpcClient;
  chainId: bigint;
  clientVersion: string;
  /** The node's process id (for its CPU use). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** One thread's time on a core and waiting in the run queue for one, in ms (Linux schedstat). */
export interface ThreadTime {
  run: number;
  wait: number;
}

/**
 * Each thread's run and run-queue wait time of process `pid` (empty where there is no /proc). The wait shows
 * how much of a run the threads spent ready but without a core: on two shared cores, that is the contention.
 */
export function threadTimes(pid: number | undefined): Map<string, ThreadTime> {
  const out = new Map<string, ThreadTime>();
  if (pid === undefined) return out;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      out.set(tid, { run: (run as number) / 1e6, wait: (wait as number) / 1e6 });
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** The calling process's own threads (the bench client, all of its event loop and helpers). */
export const ownThreadTimes = (): Map<string, ThreadTime> => threadTimes(process.pid);

interface Command {
  cmd: string;
  args: string[];
}

/**
 * How a node makes blocks: `interval`, one every second (the throughput benches); `auto`, one per transaction as
 * soon as it arrives (cmt's --block-time 0, anvil's and Hardhat's automine: what a test suite runs against).
 */
export type Mining = 'interval' | 'auto';

function commandFor(name: PeerName, port: number, dir: string, mining: Mining): Command {
  switch (name) {
    case 'cmt':
      return {
        cmd: process.execPath,
        args: [...(process.env.CMT_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), join(ROOT, 'bin/cmt.js'), 'start', '--dev', '--home', dir, '--rpc.port', String(port), '--block-time', mining === 'auto' ? '0' : '1', '--gas-limit', String(BLOCK_GAS_LIMIT)],
      };
    case 'anvil':
      return { cmd: anvilBinary(), args: ['--port', String(port), ...(mining === 'auto' ? [] : ['--block-time', '1']), '--gas-limit', String(BLOCK_GAS_LIMIT), '--silent'] };
    case 'hardhat': {
      const config = join(dir, 'hardhat.config.cjs');
      writeFileSync(config, hardhatConfig(mining));
      return { cmd: process.execPath, args: [join(ROOT, 'node_modules/hardhat/internal/cli/bootstrap.js'), 'node', '--config', config, '--hostname', '127.0.0.1', '--port', String(port)] };
    }
  }
}

/** The native binary, not the npm shim, so that the shim's extra node process does not share the CPU. */
function anvilBinary(): string {
  const native = join(ROOT, `node_modules/@foundry-rs/anvil-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}/bin/anvil`);
  return existsSync(native) ? native : join(ROOT, 'node_modules/.bin/anvil');
}

/** Interval mining at 1 s with automine off, like the other two nodes; or automine alone. */
function hardhatConfig(mining: Mining): string {
  const network = {
    chainId: 31337,
    accounts: { mnemonic: DEV_MNEMONIC, count: 10 },
    mining: mining === 'auto' ? { auto: true, interval: 0 } : { auto: false, interval: 1000 },
    blockGasLimit: BLOCK_GAS_LIMIT,
  };
  return `module.exports = ${JSON.stringify({ networks: { hardhat: network } }, null, 2)};\n`;
}

/** Running children and their temp directories. */
const live = new Map<ChildProcess, string>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Synchronous, for exit handlers. */
export function killAllPeers(): void {
  for (const [child, dir] of live) {
    killGroup(child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}

/** Runs a benchmark's main: exits 0 when it ends, or 1 with its message when it fails, leaving no peer running. */
export function runBenchmark(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      killAllPeers();
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}

let handlersInstalled = false;
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllPeers);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAllPeers();
      process.stderr.write(`\n${signal}: stopped the nodes\n`);
      process.exit(130);
    });
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function tail(file: string, lines = 8): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}

/** Starts a fresh node and resolves once `eth_chainId` answers; rejects with the reason (and its log tail). */
export async function startPeer(name: PeerName, startTimeoutMs = 60_000, transport: Transport = 'socket', mining: Mining = 'interval'): Promise<Peer> {
  installExitHandlers();
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const port = await freePort();
  const { cmd, args } = commandFor(name, port, dir, mining);
  const logFile = join(dir, 'node.log');
  const logFd = openSync(logFile, 'w');
  // Output goes to a file rather than a pipe so reading it costs the bench process no CPU.
  const child = spawn(cmd, args, { cwd: ROOT, detached: true, stdio: ['ignore', logFd, logFd], env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' } });
  closeSync(logFd);
  live.set(child, dir);
  let exited: string | undefined;
  child.on('error', (err) => (exited = err.message));
  child.on('exit', (code, signal) => (exited ??= `exited with ${signal ?? `code ${code}`}`));

  const url = `http://127.0.0.1:${port}`;
  const rpc = createRpcClient(url, 10_000, transport);
  const stop = async (): Promise<void> => {
    killGroup(child, 'SIGTERM');
    const deadline = Date.now() + 3000;
    while (child.exitCode === null && child.signalCode === null && exited === undefined && Date.now() < deadline) await sleep(50);
    killGroup(child, 'SIGKILL');
    live.delete(child);
    rpc.close();
    // BENCH_KEEP_LOGS=DIR keeps each node's output (e.g. with CMT_LOG_LEVEL=debug) as DIR/<name>-<pid>.log
    const keep = process.env.BENCH_KEEP_LOGS;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      if (existsSync(logFile)) copyFileSync(logFile, join(keep, `${name}-${child.pid ?? 'x'}.log`));
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exited !== undefined) {
      const reason = `${exited}${tail(logFile) ? `: ${tail(logFile)}` : ''}`;
      await stop();
      throw new Error(reason);
    }
    try {
      const chainId = BigInt(await rpc.call<string>('eth_chainId'));
      const clientVersion = await rpc.call<string>('web3_clientVersion').catch(() => 'unknown');
      return { name, url, rpc, chainId, clientVersion, pid: child.pid, stop };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      const reason = `eth_chainId did not answer within ${startTimeoutMs / 1000} s: ${tail(logFile)}`;
      await stop();
      throw new Error(reason);
    }
    await sleep(200);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
