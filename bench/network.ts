/**
 * Throughput and latency of a local multi-validator network under a stepped, paced load (CometBFT's QA method,
 * ../shared/reference/anchors.md §1.1: raise the offered load step by step until the network saturates, and
 * report commit latency p50/p99 at every step).
 *
 *   npm run bench:network -- [--quick] [--steps 100,250,500] [--duration 10] [--drain 10] [--senders 200]
 *                            [--validators 4] [--keep]
 *
 * Setup (untimed): `cmt testnet init --validators 4 --dev --accounts <senders>` in a temp dir on free loopback
 * ports, so the genesis funds every sender (dev accounts 0..senders-1 of the test mnemonic); each home runs as
 * `cmt start --home DIR/nodeK --silent`, a child process in its own process group. The bench waits until
 * every node answers and all of them follow a growing chain.
 *
 * Each step sends `rate x duration` pre-signed EIP-1559 ETH transfers (signed before the step) at a paced,
 * open-loop rate: transaction i is due at t0 + i/rate, whatever the answers to earlier ones. Transaction i is
 * signed by sender i mod S and sent to node (sender mod N), so consecutive transactions go round-robin over
 * the nodes while each sender's nonce chain reaches one node in order. Every node's blocks are followed
 * through `eth_subscribe newHeads` over WebSocket (each new head's block fetched with eth_getBlockByNumber,
 * full=false); a transaction's commit time is when the first block holding it was seen on the node it was
 * sent to. After sending, the step waits up to `drain` seconds for the rest to commit.
 *
 * Committed tx/s is the steady-state rate in node0's view: this step's transactions in the blocks seen
 * from t0 + warm-up to the end of sending, divided by the time between the first and last of those blocks
 * (the first block's transactions are not counted, so block granularity does not bias it). The run stops at
 * the first step where that rate is below 80% of the offered rate, or fewer than 80% of the step's
 * transactions committed by the end of the drain wait (saturation). Progress goes to stderr, the tables to
 * stdout. The whole run is bounded (4 min; --quick 90 s); every node is killed by pid at the end, on error
 * and on Ctrl-C.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { checkSigned, deriveSigners, signTransfer } from './lib/eip1559.ts';
import type { Signer } from './lib/eip1559.ts';
import { DEV_MNEMONIC, sleep } from './lib/peers.ts';
import { machineInfo } from './lib/report.ts';
import { createRpcClient, toHex } from './lib/rpc.ts';
import type { RpcClient, RpcResponse } from './lib/rpc.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CMT = join(ROOT, 'bin/cmt.js');
const SATURATION = 0.8;
const MAX_PRIORITY_FEE_WEI = 1_000_000_000n;
const TRANSFER_GAS = 21_000n;
const TRANSFER_VALUE_WEI = 1_000_000_000n;
const STARTUP_TIMEOUT_MS = 60_000;
const SEND_TIMEOUT_MS = 10_000;
const PACE_TICK_MS = 4;
/** Rough upper bound of signing cost, used only to decide whether a step still fits the time budget. */
const SIGN_MS_PER_TX = 0.4;

// ------------------------------------------------------------------------------------------------ options

interface Options {
  steps: number[];
  durationMs: number;
  drainMs: number;
  senders: number;
  validators: number;
  budgetMs: number;
  keep: boolean;
  quick: boolean;
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer, got "${value}"`);
  return n;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      steps: { type: 'string' },
      duration: { type: 'string' },
      drain: { type: 'string' },
      senders: { type: 'string' },
      validators: { type: 'string', default: '4' },
      keep: { type: 'boolean', default: false },
    },
  });
  const quick = values.quick === true;
  const steps = (values.steps ?? (quick ? '50,100' : '100,250,500,750,1000,1500')).split(',').map((s) => positiveInt('steps', s.trim()));
  const validators = positiveInt('validators', values.validators);
  // Senders: a multiple of the node count, so that every node gets the same number of senders.
  const senders = Math.ceil(positiveInt('senders', values.senders ?? (quick ? '40' : '200')) / validators) * validators;
  return {
    steps,
    durationMs: positiveInt('duration', values.duration ?? (quick ? '5' : '10')) * 1000,
    drainMs: positiveInt('drain', values.drain ?? (quick ? '4' : '10')) * 1000,
    senders,
    validators,
    budgetMs: quick ? 90_000 : 230_000,
    keep: values.keep === true,
    quick,
  };
}

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
const now = (): number => performance.now();

// ------------------------------------------------------------------------------------------------ processes

interface BlockSeen {
  number: number;
  seenAt: number;
  txCount: number;
  /** This bench's transactions in the block, by step index. */
  byStep: Map<number, number>;
}

interface NetNode {
  index: number;
  home: string;
  rpcPort: number;
  logFile: string;
  child: ChildProcess;
  pid: number;
  exited: string | undefined;
  /** Sends. */
  rpc: RpcClient;
  /** Block fetches and status calls, so that they never queue behind sends. */
  obs: RpcClient;
  ws: WebSocket | undefined;
  pollTimer: NodeJS.Timeout | undefined;
  lastFetched: number;
  target: number;
  headSeenAt: Map<number, number>;
  fetching: boolean;
  blocks: BlockSeen[];
  fetchErrors: number;
}

const nodes: NetNode[] = [];
let tempDir: string | undefined;
let keepDir = false;

/** Synchronous: SIGKILL every node's process group (by pid) and remove the temp dir. Safe to call twice. */
function killAll(): void {
  for (const n of nodes) {
    n.ws?.terminate();
    if (n.pollTimer) clearInterval(n.pollTimer);
    if (n.child.exitCode === null && n.child.signalCode === null) {
      try {
        process.kill(-n.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  if (tempDir && !keepDir) rmSync(tempDir, { recursive: true, force: true });
}

/** SIGTERM, up to 5 s for a clean exit, then SIGKILL. */
async function stopAll(): Promise<void> {
  for (const n of nodes) {
    n.ws?.close();
    if (n.pollTimer) clearInterval(n.pollTimer);
    if (n.child.exitCode === null && n.child.signalCode === null) {
      try {
        process.kill(-n.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
  }
  const deadline = now() + 5000;
  while (nodes.some((n) => n.child.exitCode === null && n.child.signalCode === null) && now() < deadline) await sleep(50);
  for (const n of nodes) {
    n.rpc.close();
    n.obs.close();
  }
  killAll();
}

function installExitHandlers(): void {
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAll();
      process.stderr.write(`\n${signal}: killed the nodes\n`);
      process.exit(130);
    });
  }
}

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port b such that b..b+count-1 are free on 127.0.0.1 and outside `avoid`. */
async function freePortRange(count: number, avoid: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = !avoid.has(p) && (await tryListen(p));
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

function tail(file: string, lines = 6): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}

/** CPU seconds (user + system) of a process, all its threads, from /proc/<pid>/stat; undefined when unavailable. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name: state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

const CLOCK_TICKS = ((): number => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

async function startNetwork(opts: Options): Promise<void> {
  tempDir = mkdtempSync(join(tmpdir(), 'bench-network-'));
  const netDir = join(tempDir, 'net');
  const rpcBase = await freePortRange(opts.validators, new Set());
  const p2pBase = await freePortRange(opts.validators, new Set(Array.from({ length: opts.validators }, (_, i) => rpcBase + i)));
  const init = spawnSync(
    process.execPath,
    [CMT, 'testnet', 'init', '--validators', String(opts.validators), '--dir', netDir, '--dev', '--accounts', String(opts.senders), '--rpc-base-port', String(rpcBase), '--p2p-base-port', String(p2pBase)],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  if (init.status !== 0) throw new Error(`cmt testnet init failed (${init.status ?? init.signal}): ${(init.stderr || init.stdout || String(init.error)).trim()}`);
  log(`testnet: ${opts.validators} validators in ${netDir}, JSON-RPC ${rpcBase}..${rpcBase + opts.validators - 1}, p2p ${p2pBase}..${p2pBase + opts.validators - 1}`);

  // Per-node CMT_* variables would override every home's ports; CMT_NODE_FLAGS (e.g. --cpu-prof) goes to node.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CMT_')));
  const nodeFlags = process.env.CMT_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  // extra `cmt start` flags for a diagnosis run, e.g. BENCH_NODE_ARGS="--log-level debug" with --keep
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  for (let i = 0; i < opts.validators; i++) {
    const home = join(netDir, `node${i}`);
    const logFile = join(tempDir, `node${i}.log`);
    const fd = openSync(logFile, 'w');
    // Output to a file rather than a pipe: reading it would cost this process CPU.
    const child = spawn(process.execPath, [...nodeFlags, CMT, 'start', '--home', home, '--silent', ...nodeArgs], { cwd: ROOT, detached: true, stdio: ['ignore', fd, fd], env });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`node${i} did not start`);
    const url = `http://127.0.0.1:${rpcBase + i}`;
    const node: NetNode = {
      index: i,
      home,
      rpcPort: rpcBase + i,
      logFile,
      child,
      pid: child.pid,
      exited: undefined,
      rpc: createRpcClient(url, SEND_TIMEOUT_MS),
      obs: createRpcClient(url, 10_000),
      ws: undefined,
      pollTimer: undefined,
      lastFetched: 0,
      target: 0,
      headSeenAt: new Map(),
      fetching: false,
      blocks: [],
      fetchErrors: 0,
    };
    child.on('error', (err) => (node.exited ??= err.message));
    child.on('exit', (code, signal) => (node.exited ??= `exited with ${signal ?? `code ${code}`}`));
    nodes.push(node);
  }
  log(`started ${nodes.map((n) => `node${n.index} (pid ${n.pid})`).join(', ')}`);
}

function checkAlive(): void {
  const dead = nodes.filter((n) => n.exited !== undefined);
  if (dead.length > 0) throw new Error(dead.map((n) => `node${n.index} ${n.exited}: ${tail(n.logFile)}`).join('; '));
}

async function head(rpc: RpcClient): Promise<number> {
  return Number(BigInt(await rpc.call<string>('eth_blockNumber')));
}

/** Every node answers, and every node has seen at least two new blocks since it first answered. */
async function waitForNetwork(): Promise<number> {
  const t0 = now();
  const deadline = t0 + STARTUP_TIMEOUT_MS;
  const first = new Map<number, number>();
  for (;;) {
    checkAlive();
    const heads = await Promise.all(nodes.map((n) => head(n.obs).catch(() => undefined)));
    heads.forEach((h, i) => {
      if (h !== undefined && !first.has(i)) first.set(i, h);
    });
    if (heads.every((h, i) => h !== undefined && h >= (first.get(i) as number) + 2 && h >= 2)) {
      log(`network up in ${((now() - t0) / 1000).toFixed(1)} s: heads ${heads.join(', ')}`);
      return Math.min(...(heads as number[]));
    }
    if (now() > deadline) {
      throw new Error(`network not making blocks within ${STARTUP_TIMEOUT_MS / 1000} s (heads ${heads.map((h) => h ?? '-').join(', ')}): ${nodes.map((n) => `node${n.index}: ${tail(n.logFile, 3)}`).join(' || ')}`);
    }
    await sleep(250);
  }
}

// ------------------------------------------------------------------------------------------------ observing blocks

interface TxRecord {
  hash: string;
  raw: string;
  sender: number;
  node: number;
  step: number;
  sentAt: number;
  answered: boolean;
  ok: boolean;
  commitAt: number | undefined;
}

const byHash = new Map<string, TxRecord>();

function onHead(node: NetNode, n: number, at: number): void {
  if (!node.headSeenAt.has(n)) node.headSeenAt.set(n, at);
  if (n > node.target) node.target = n;
  void fetchBlocks(node);
}

/** Fetches the blocks up to the highest head heard of, in order, one fetch at a time per node. */
async function fetchBlocks(node: NetNode): Promise<void> {
  if (node.fetching) return;
  node.fetching = true;
  try {
    while (node.lastFetched < node.target) {
      const n = node.lastFetched + 1;
      let block: { transactions: string[] } | null;
      try {
        block = await node.obs.call<{ transactions: string[] } | null>('eth_getBlockByNumber', [toHex(n), false]);
      } catch {
        node.fetchErrors++;
        await sleep(50);
        continue;
      }
      if (!block) {
        await sleep(10);
        continue;
      }
      // A block fetched because a later head revealed it counts as seen when that head arrived.
      const seenAt = node.headSeenAt.get(n) ?? node.headSeenAt.get(node.target) ?? now();
      node.headSeenAt.delete(n);
      const byStep = new Map<number, number>();
      for (const h of block.transactions) {
        const rec = byHash.get(h.toLowerCase());
        if (!rec) continue;
        byStep.set(rec.step, (byStep.get(rec.step) ?? 0) + 1);
        if (rec.node === node.index && rec.commitAt === undefined) rec.commitAt = seenAt;
      }
      node.blocks.push({ number: n, seenAt, txCount: block.transactions.length, byStep });
      node.lastFetched = n;
    }
  } finally {
    node.fetching = false;
  }
}

/** newHeads over WebSocket; falls back to polling eth_blockNumber every 25 ms if the subscription fails. */
async function observe(node: NetNode, from: number): Promise<'ws' | 'poll'> {
  node.lastFetched = from;
  node.target = from;
  const subscribed = await new Promise<boolean>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${node.rpcPort}`);
    node.ws = ws;
    const timer = setTimeout(() => resolve(false), 5000);
    let subId: string | undefined;
    ws.on('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] })));
    ws.on('message', (data) => {
      const at = now();
      let msg: { id?: number; result?: unknown; method?: string; params?: { subscription?: string; result?: { number?: string } } };
      try {
        msg = JSON.parse(String(data)) as typeof msg;
      } catch {
        return;
      }
      if (msg.id === 1) {
        clearTimeout(timer);
        subId = typeof msg.result === 'string' ? msg.result : undefined;
        resolve(subId !== undefined);
      } else if (msg.method === 'eth_subscription' && subId !== undefined && msg.params?.subscription === subId) {
        const number = msg.params.result?.number;
        if (number !== undefined) onHead(node, Number(BigInt(number)), at);
      }
    });
    ws.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (subscribed) return 'ws';
  node.ws?.terminate();
  node.ws = undefined;
  let polling = false;
  node.pollTimer = setInterval(() => {
    if (polling) return;
    polling = true;
    head(node.obs)
      .then((h) => onHead(node, h, now()))
      .catch(() => undefined)
      .finally(() => (polling = false));
  }, 25);
  return 'poll';
}

// ------------------------------------------------------------------------------------------------ one step

interface StepResult {
  offered: number;
  txs: number;
  accepted: number;
  failed: number;
  errors: Map<string, number>;
  sendPerSec: number | null;
  committedPerSec: number | null;
  /** The rate fell back to committed / (last commit - t0): too few blocks in the window. */
  rateApprox: boolean;
  committedShare: number;
  p50Ms: number | null;
  p99Ms: number | null;
  blocksPerSec: number | null;
  txsPerBlock: number | null;
  intervalP50Ms: number | null;
  intervalMaxMs: number | null;
  /** Last send to last commit, or null when not all accepted transactions committed within the drain wait. */
  drainMs: number | null;
  nodeCpu: (number | null)[];
  benchCpu: number;
  mempool: (number | null)[];
  heads: (number | null)[];
  load1: number;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? null;
}

async function pendingNonces(senders: Signer[], opts: Options): Promise<number[]> {
  const nonces = new Array<number>(senders.length).fill(0);
  await Promise.all(
    nodes.map(async (node) => {
      const mine = senders.map((_, s) => s).filter((s) => s % opts.validators === node.index);
      for (let i = 0; i < mine.length; i += 100) {
        const part = mine.slice(i, i + 100);
        const res: RpcResponse[] = await node.obs.batch(part.map((s) => ({ method: 'eth_getTransactionCount', params: [(senders[s] as Signer).address, 'pending'] })));
        res.forEach((r, j) => {
          if (typeof r.result !== 'string') throw new Error(`eth_getTransactionCount on node${node.index}: ${r.error?.message ?? 'no result'}`);
          nonces[part[j] as number] = Number(BigInt(r.result));
        });
      }
    }),
  );
  return nonces;
}

async function mempoolSize(node: NetNode): Promise<number | null> {
  try {
    const s = await node.obs.call<{ pending: string; queued: string }>('txpool_status');
    return Number(BigInt(s.pending)) + Number(BigInt(s.queued));
  } catch {
    return null;
  }
}

async function runStep(step: number, rate: number, senders: Signer[], chainId: bigint, maxFeePerGas: bigint, opts: Options): Promise<StepResult> {
  const count = Math.max(1, Math.round((rate * opts.durationMs) / 1000));
  const nonces = await pendingNonces(senders, opts);
  const signStart = now();
  const recs: TxRecord[] = [];
  for (let i = 0; i < count; i++) {
    const s = i % senders.length;
    const signer = senders[s] as Signer;
    const nonce = nonces[s] as number;
    nonces[s] = nonce + 1;
    const tx = signTransfer(signer, { chainId, nonce, maxPriorityFeePerGas: MAX_PRIORITY_FEE_WEI, maxFeePerGas, gasLimit: TRANSFER_GAS, to: randomBytes(20), value: TRANSFER_VALUE_WEI });
    if (i === 0) checkSigned(tx, signer, chainId);
    const rec: TxRecord = { hash: tx.hash, raw: tx.raw, sender: s, node: s % opts.validators, step, sentAt: 0, answered: false, ok: false, commitAt: undefined };
    recs.push(rec);
    byHash.set(rec.hash, rec);
  }
  log(`[step ${rate} tx/s] ${count} txs signed in ${((now() - signStart) / 1000).toFixed(1)} s; sending for ${opts.durationMs / 1000} s`);

  // Start right after node0 sees a block, so every step begins at the same phase of the block interval.
  const node0 = nodes[0] as NetNode;
  const seen = node0.blocks.length;
  const phaseDeadline = now() + 3000;
  while (node0.blocks.length === seen && now() < phaseDeadline) await sleep(2);

  const errors = new Map<string, number>();
  const brokenSenders = new Set<number>();
  let skipped = 0;
  let lastAnswer = 0;
  const inFlight: Promise<void>[] = [];
  const send = (rec: TxRecord): void => {
    if (brokenSenders.has(rec.sender)) {
      skipped++;
      return;
    }
    rec.sentAt = now();
    const node = nodes[rec.node] as NetNode;
    inFlight.push(
      node.rpc.call('eth_sendRawTransaction', [rec.raw]).then(
        () => {
          rec.answered = rec.ok = true;
          lastAnswer = now();
        },
        (err: unknown) => {
          rec.answered = true;
          // A later nonce of this sender could never commit: skip the rest of its transactions in this step.
          brokenSenders.add(rec.sender);
          const msg = (err instanceof Error ? err.message : String(err)).replace(/0x[0-9a-f]{16,}/gi, '0x…');
          errors.set(msg, (errors.get(msg) ?? 0) + 1);
        },
      ),
    );
    rec.raw = '';
  };

  const cpu0 = nodes.map((n) => cpuSeconds(n.pid));
  const bench0 = process.cpuUsage();
  const t0 = now();
  const tEnd = t0 + opts.durationMs;
  let next = 0;
  while (next < count) {
    const due = Math.min(count, Math.floor(((now() - t0) * rate) / 1000) + 1);
    for (; next < due; next++) send(recs[next] as TxRecord);
    if (next < count) await sleep(PACE_TICK_MS);
  }
  const lastSend = now();
  while (now() < tEnd) await sleep(2);
  const sendWindowMs = now() - t0;
  const cpu1 = nodes.map((n) => cpuSeconds(n.pid));
  const bench1 = process.cpuUsage(bench0);
  const [mempool, heads] = await Promise.all([Promise.all(nodes.map(mempoolSize)), Promise.all(nodes.map((n) => head(n.obs).catch(() => null)))]);

  // Drain: until every accepted transaction has committed on the node it was sent to, or the deadline.
  const drainDeadline = tEnd + opts.drainMs;
  const allCommitted = (): boolean => recs.every((r) => r.sentAt === 0 || (r.answered && (!r.ok || r.commitAt !== undefined)));
  while (!allCommitted() && now() < drainDeadline) {
    checkAlive();
    await sleep(25);
  }
  await Promise.race([Promise.allSettled(inFlight), sleep(Math.max(0, drainDeadline - now()))]);
  const unanswered = recs.filter((r) => r.sentAt !== 0 && !r.answered).length;
  if (unanswered > 0) errors.set('no answer by the end of the drain wait', unanswered);

  const accepted = recs.filter((r) => r.ok);
  const committed = accepted.filter((r) => r.commitAt !== undefined);
  const latencies = committed.map((r) => (r.commitAt as number) - r.sentAt).sort((a, b) => a - b);
  const lastCommit = committed.reduce((max, r) => Math.max(max, r.commitAt as number), lastSend);
  const drainMs = committed.length === accepted.length ? Math.max(0, lastCommit - lastSend) : null;

  // Steady state in node0's view: blocks seen from t0 + warm-up to the end of sending.
  const warm = Math.min(2000, opts.durationMs / 4);
  const windowBlocks = node0.blocks.filter((b) => b.seenAt >= t0 + warm && b.seenAt <= tEnd);
  let committedPerSec: number | null = null;
  let rateApprox = false;
  let blocksPerSec: number | null = null;
  let txsPerBlock: number | null = null;
  const intervals: number[] = [];
  for (let i = 1; i < windowBlocks.length; i++) intervals.push((windowBlocks[i] as BlockSeen).seenAt - (windowBlocks[i - 1] as BlockSeen).seenAt);
  intervals.sort((a, b) => a - b);
  if (windowBlocks.length >= 3) {
    const first = windowBlocks[0] as BlockSeen;
    const last = windowBlocks[windowBlocks.length - 1] as BlockSeen;
    const later = windowBlocks.slice(1);
    const span = last.seenAt - first.seenAt;
    committedPerSec = (later.reduce((sum, b) => sum + (b.byStep.get(step) ?? 0), 0) * 1000) / span;
    blocksPerSec = (later.length * 1000) / span;
    txsPerBlock = later.reduce((sum, b) => sum + b.txCount, 0) / later.length;
  } else if (committed.length > 0) {
    rateApprox = true;
    committedPerSec = (committed.length * 1000) / Math.max(lastCommit - t0, sendWindowMs);
  }

  for (const r of recs) byHash.delete(r.hash);
  const elapsedS = sendWindowMs / 1000;
  return {
    offered: rate,
    txs: count,
    accepted: accepted.length,
    failed: count - accepted.length,
    errors: skipped > 0 ? new Map([...errors, ['skipped after an earlier failure of the same sender', skipped]]) : errors,
    sendPerSec: accepted.length > 0 && lastAnswer > t0 ? (accepted.length * 1000) / (lastAnswer - t0) : null,
    committedPerSec,
    rateApprox,
    committedShare: committed.length / count,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    blocksPerSec,
    txsPerBlock,
    intervalP50Ms: percentile(intervals, 50),
    intervalMaxMs: intervals.length > 0 ? (intervals[intervals.length - 1] as number) : null,
    drainMs,
    nodeCpu: cpu0.map((c, i) => {
      const c1 = cpu1[i];
      return c === undefined || c1 === undefined ? null : (c1 - c) / elapsedS;
    }),
    benchCpu: (bench1.user + bench1.system) / 1e6 / elapsedS,
    mempool,
    heads,
    load1: loadavg()[0] ?? 0,
  };
}

// ------------------------------------------------------------------------------------------------ report

const fmt = (v: number | null, digits = 0): string => (v === null ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const pct = (v: number | null): string => (v === null ? '-' : `${Math.round(v * 100)}%`);

function table(header: string[], rows: string[][], leftColumns = 0): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (c < leftColumns ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  ').trimEnd(), ...rows.map(line)].join('\n');
}

function saturated(r: StepResult): boolean {
  return (r.committedPerSec ?? 0) < SATURATION * r.offered || r.committedShare < SATURATION;
}

function report(results: StepResult[], opts: Options, notes: string[]): void {
  const m = machineInfo();
  console.log(
    `\nNetwork throughput: ${opts.validators} validators on 127.0.0.1 (dev timeouts), EIP-1559 ETH transfers from ${opts.senders} senders, ` +
      `round-robin over the nodes, ${opts.durationMs / 1000} s per step (+ up to ${opts.drainMs / 1000} s drain); ${m.cpus} x ${m.cpuModel}, node ${m.node}\n`,
  );
  const rows = results.map((r) => [
    fmt(r.offered),
    fmt(r.sendPerSec),
    `${r.rateApprox ? '~' : ''}${fmt(r.committedPerSec)}`,
    pct(r.committedShare),
    fmt(r.p50Ms),
    fmt(r.p99Ms),
    fmt(r.blocksPerSec, 2),
    fmt(r.txsPerBlock, 0),
    String(r.failed),
    saturated(r) ? 'saturated' : '',
  ]);
  console.log(table(['offered tx/s', 'sent tx/s', 'committed tx/s', 'committed', 'p50 ms', 'p99 ms', 'blocks/s', 'txs/block', 'failed sends', ''], rows));

  console.log('\nWhere the time goes (send window of each step; CPU 100% = one core of ' + m.cpus + '):\n');
  const diag = results.map((r) => [
    fmt(r.offered),
    fmt(r.intervalP50Ms),
    fmt(r.intervalMaxMs),
    r.drainMs === null ? 'timeout' : fmt(r.drainMs),
    r.nodeCpu.map((c) => pct(c)).join(' '),
    pct(r.benchCpu),
    r.mempool.map((x) => fmt(x)).join(' '),
    r.heads.map((x) => fmt(x)).join(' '),
    fmt(r.load1, 1),
  ]);
  console.log(table(['offered tx/s', 'block interval p50 ms', 'max ms', 'drain ms', 'node CPU (node0..)', 'bench CPU', 'mempool at end', 'heads at end', 'load1'], diag));

  const errorLines = results.flatMap((r) => [...r.errors].map(([msg, n]) => `  ${r.offered} tx/s: ${n}x ${msg}`));
  if (errorLines.length > 0) console.log(`\nFailed sends:\n${errorLines.join('\n')}`);
  for (const n of notes) console.log(`\n${n}`);
  console.log(
    '\nsent tx/s = accepted / (first send -> last accepted answer); committed tx/s = steady state in node0\'s view (this step\'s txs in the blocks seen from ' +
      't0 + warm-up to the end of sending, over the time between the first and last of them; "~": too few blocks, committed / time to last commit); ' +
      'committed = share of the step\'s txs committed by the end of the drain wait; latency = send -> first block holding the tx seen on the node it was sent to ' +
      '(eth_subscribe newHeads); blocks/s, txs/block, block interval: node0\'s blocks in the window; drain = last send -> last commit. ' +
      `Saturation: committed tx/s < ${SATURATION * 100}% of offered, or < ${SATURATION * 100}% of the txs committed.`,
  );
}

// ------------------------------------------------------------------------------------------------ main

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  keepDir = opts.keep;
  const started = now();
  installExitHandlers();
  const results: StepResult[] = [];
  const notes: string[] = [];
  // Hard bound: whatever hangs, print what was measured, kill the nodes and exit.
  const watchdog = setTimeout(() => {
    log(`\nwatchdog: the run exceeded ${(opts.budgetMs + 10_000) / 1000} s; killing the nodes`);
    if (results.length > 0) report(results, opts, ['Stopped by the watchdog.']);
    killAll();
    process.exit(2);
  }, opts.budgetMs + 10_000);
  watchdog.unref();

  const loadBefore = loadavg()[0] ?? 0;
  if (loadBefore > 1) log(`note: load average ${loadBefore.toFixed(1)} before the start: other work shares the CPU, figures will be low`);
  try {
    await startNetwork(opts);
    const from = await waitForNetwork();
    const rpc0 = (nodes[0] as NetNode).obs;
    const chainId = BigInt(await rpc0.call<string>('eth_chainId'));
    const gasPrice = BigInt(await rpc0.call<string>('eth_gasPrice'));
    const maxFeePerGas = 2n * gasPrice + MAX_PRIORITY_FEE_WEI;
    const modes = await Promise.all(nodes.map((n) => observe(n, from)));
    if (modes.includes('poll')) notes.push(`Blocks observed by polling on ${modes.filter((x) => x === 'poll').length} node(s): eth_subscribe newHeads failed.`);
    const senders = deriveSigners(DEV_MNEMONIC, opts.senders);
    log(`chain id ${chainId}, gas price ${gasPrice} wei; ${senders.length} senders (genesis-funded dev accounts); blocks observed via ${modes.join(', ')}`);

    for (const [i, rate] of opts.steps.entries()) {
      const need = (rate * opts.durationMs * SIGN_MS_PER_TX) / 1000 + opts.durationMs + opts.drainMs + 3000;
      if (now() - started + need > opts.budgetMs) {
        notes.push(`Stopped before the ${rate} tx/s step: it would not finish within the ${opts.budgetMs / 1000} s budget.`);
        break;
      }
      checkAlive();
      const r = await runStep(i, rate, senders, chainId, maxFeePerGas, opts);
      results.push(r);
      log(
        `[step ${rate} tx/s] committed ${r.rateApprox ? '~' : ''}${fmt(r.committedPerSec)} tx/s (${pct(r.committedShare)} of ${r.txs}), p50 ${fmt(r.p50Ms)} ms, p99 ${fmt(r.p99Ms)} ms, ` +
          `${fmt(r.blocksPerSec, 2)} blocks/s, ${r.failed} failed, node CPU ${r.nodeCpu.map((c) => pct(c)).join(' ')}`,
      );
      if (saturated(r)) {
        notes.push(`Saturated at ${rate} tx/s offered (committed ${fmt(r.committedPerSec)} tx/s, ${pct(r.committedShare)} of the step's txs).`);
        break;
      }
    }
    if (results.length > 0 && !saturated(results[results.length - 1] as StepResult)) notes.push('Not saturated at the highest step run.');
    const fetchErrors = nodes.reduce((s, n) => s + n.fetchErrors, 0);
    if (fetchErrors > 0) notes.push(`${fetchErrors} block fetches failed and were retried.`);
  } catch (err) {
    notes.push(`Error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    if (results.length > 0 || process.exitCode === 1) report(results, opts, notes);
    log(`stopping the nodes${opts.keep && tempDir ? ` (keeping ${tempDir})` : ''}; total ${((now() - started) / 1000).toFixed(1)} s`);
    await stopAll();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    killAll();
    process.exit(1);
  },
);
