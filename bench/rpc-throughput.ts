/**
 * End-to-end JSON-RPC throughput of our node next to anvil and Hardhat 2, in one run on this machine.
 *
 *   npm run bench -- [--only cmt,anvil,hardhat] [--workloads eth,erc20] [--txs 5000] [--senders 100]
 *                    [--concurrency 32] [--timeout 120] [--runs fresh,warm] [--warmup 0] [--client-warmup 4000]
 *                    [--client socket|http]
 *                    [--out results.json]
 *
 * Each (node, workload) run starts a fresh node with 1 s interval mining and a 1e9 block gas limit, funds
 * `senders` fresh accounts (untimed), pre-signs the transactions (untimed), then, starting right after a new
 * block, times sending them all until every accepted one is seen in a block, and checks the receipts. Progress goes to stderr, the table
 * to stdout. Each node is timed twice (`--runs`): `fresh`, the process's first `--txs` transactions, then `warm`,
 * as many again on the same process right after (ADR 0019: a JavaScript node's JIT is cold at first; the two
 * rows show both, each compared with the same run of the peers). `--warmup N` first sends N more transactions
 * the same way, untimed, and waits for their block.
 * Before the first run the client warms its own HTTP path against a stub server (`--client-warmup` calls, 0 = off),
 * so that the first node measured does not share the cores with a client still being compiled. `--client`
 * picks its transport (bench/lib/rpc.ts): `socket`, plain keep-alive sockets (the default since ADR 0021), or
 * `http`, node:http, which took ~3x the client CPU per call.
 */
import { parseArgs } from 'node:util';
import { warmClient } from './lib/clientWarmup.ts';
import { measure } from './lib/measure.ts';
import { PEER_NAMES, killAllPeers, runBenchmark, ownThreadTimes, startPeer, threadTimes } from './lib/peers.ts';
import type { ThreadTime } from './lib/peers.ts';
import type { Peer, PeerName } from './lib/peers.ts';
import { TRANSPORTS } from './lib/rpc.ts';
import type { Transport } from './lib/rpc.ts';
import { RUN_PHASES, formatTable, machineInfo, summarise, writeJson } from './lib/report.ts';
import type { RunPhase, RunRecord } from './lib/report.ts';
import { WORKLOADS, chainParams, presign, senderAccounts, setupWorkload } from './lib/workload.ts';
import type { WorkloadName } from './lib/workload.ts';

interface BenchOptions {
  peers: PeerName[];
  workloads: WorkloadName[];
  txs: number;
  senders: number;
  concurrency: number;
  timeoutMs: number;
  runs: RunPhase[];
  warmup: number;
  clientWarmup: number;
  client: Transport;
  out: string | undefined;
}

const STARTUP_TIMEOUT_MS = 60_000;
const SETUP_TIMEOUT_MS = 60_000;

function parseList<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`--${flag}: unknown "${item}" (expected ${allowed.join(', ')})`);
  return items as T[];
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer, got "${value}"`);
  return n;
}

function transportOf(value: string): Transport {
  if (!(TRANSPORTS as readonly string[]).includes(value)) throw new Error(`--client: expected one of ${TRANSPORTS.join(', ')}, got "${value}"`);
  return value as Transport;
}

function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string', default: PEER_NAMES.join(',') },
      workloads: { type: 'string', default: WORKLOADS.join(',') },
      txs: { type: 'string', default: '5000' },
      senders: { type: 'string', default: '100' },
      concurrency: { type: 'string', default: '32' },
      timeout: { type: 'string', default: '120' },
      runs: { type: 'string', default: RUN_PHASES.join(',') },
      warmup: { type: 'string', default: '0' },
      'client-warmup': { type: 'string', default: '4000' },
      client: { type: 'string', default: 'socket' },
      out: { type: 'string' },
    },
  });
  return {
    peers: parseList('only', values.only, PEER_NAMES),
    workloads: parseList('workloads', values.workloads, WORKLOADS),
    txs: positiveInt('txs', values.txs),
    senders: positiveInt('senders', values.senders),
    concurrency: positiveInt('concurrency', values.concurrency),
    timeoutMs: positiveInt('timeout', values.timeout) * 1000,
    runs: RUN_PHASES.filter((p) => parseList('runs', values.runs, RUN_PHASES).includes(p)),
    warmup: values.warmup === '0' ? 0 : positiveInt('warmup', values.warmup),
    clientWarmup: values['client-warmup'] === '0' ? 0 : positiveInt('client-warmup', values['client-warmup']),
    client: transportOf(values.client),
    out: values.out,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms / 1000} s`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

type Times = Map<string, ThreadTime>;

function used(before: Times, after: Times): Array<[string, ThreadTime]> {
  const out: Array<[string, ThreadTime]> = [];
  for (const [tid, t] of after) {
    const b = before.get(tid) ?? { run: 0, wait: 0 };
    if (t.run - b.run > 0 || t.wait - b.wait > 0) out.push([tid, { run: t.run - b.run, wait: t.wait - b.wait }]);
  }
  return out;
}

const sum = (xs: Array<[string, ThreadTime]>, k: keyof ThreadTime): number => xs.reduce((s, [, t]) => s + t[k], 0);

/**
 * The node's CPU by thread (main, then the three busiest others) and the bench client's, in ms, each with the
 * time it waited for a core (ready to run, no core free).
 */
function cpuSummary(node: [Times, Times], pid: number | undefined, client: [Times, Times]): string {
  const n = used(...node);
  const main = n.find(([tid]) => tid === String(pid))?.[1] ?? { run: 0, wait: 0 };
  const others = n.filter(([tid]) => tid !== String(pid)).sort((a, b) => b[1].run - a[1].run);
  const c = used(...client);
  const f = (ms: number): string => ms.toFixed(0);
  const nodePart = n.length === 0 ? 'node n/a' : `node ${f(sum(n, 'run'))} ms (main ${f(main.run)}, busiest others ${others.slice(0, 3).map(([, t]) => f(t.run)).join('/')}; waited for a core: main ${f(main.wait)}, all ${f(sum(n, 'wait'))})`;
  return `${nodePart}, bench client ${f(sum(c, 'run'))} ms (waited ${f(sum(c, 'wait'))})`;
}

/** Starts `node`, sets up `workload`, and times each run phase on that one process, in order. */
async function runNode(node: PeerName, workload: WorkloadName, opts: BenchOptions): Promise<RunRecord[]> {
  const records: RunRecord[] = opts.runs.map((phase) => ({ node, workload, phase, txs: opts.txs }));
  let peer: Peer | undefined;
  let current: RunRecord | undefined;
  try {
    log(`[${node}/${workload}] starting node`);
    peer = await startPeer(node, STARTUP_TIMEOUT_MS, opts.client);
    for (const r of records) r.clientVersion = peer.clientVersion;
    const rpc = peer.rpc;
    const chain = await chainParams(rpc);
    log(`[${node}/${workload}] ${peer.clientVersion}, chain id ${chain.chainId}, gas price ${chain.gasPriceWei} wei; setup`);
    const senders = senderAccounts(opts.senders);
    const total = opts.warmup + opts.txs * records.length;
    const token = await setupWorkload(rpc, workload, chain, senders, Math.ceil(total / opts.senders), SETUP_TIMEOUT_MS);
    // in nonce order: the warm-up first, then each run's share
    const signed = await presign(rpc, workload, chain, senders, total, token);
    if (opts.warmup > 0) {
      log(`[${node}/${workload}] warm-up: ${opts.warmup} txs, untimed`);
      const w = await withTimeout(measure(rpc, signed.slice(0, opts.warmup), opts.concurrency, opts.timeoutMs), opts.timeoutMs + 60_000, 'warm-up');
      if (w.included < w.txs) throw new Error(`warm-up: only ${w.included}/${w.txs} included`);
    }
    for (const [i, record] of records.entries()) {
      current = record;
      const txs = signed.slice(opts.warmup + i * opts.txs, opts.warmup + (i + 1) * opts.txs);
      const tag = `[${node}/${workload}/${record.phase}]`;
      log(`${tag} ${txs.length} txs signed; sending with ${Math.min(opts.concurrency, opts.senders)} workers`);
      const pid = peer.pid;
      const snap = (): [Times, Times] => [threadTimes(pid), ownThreadTimes()];
      let start = snap();
      let sent = start;
      const hooks = { started: () => void (start = snap()), sent: () => void (sent = snap()) };
      record.measurement = await withTimeout(measure(rpc, txs, opts.concurrency, opts.timeoutMs, hooks), opts.timeoutMs + 60_000, 'measurement');
      const end = snap();
      const m = record.measurement;
      log(`${tag} ${m.included}/${m.txs} included in ${(m.elapsedMs / 1000).toFixed(2)} s, ${m.okReceipts} ok receipts`);
      log(`${tag} CPU while sending: ${cpuSummary([start[0], sent[0]], pid, [start[1], sent[1]])}`);
      log(`${tag} CPU in the timed part (incl. the receipt check): ${cpuSummary([start[0], end[0]], pid, [start[1], end[1]])}`);
      if (m.included < m.txs) throw new Error(`only ${m.included}/${m.txs} included: the later runs would start on missing nonces`);
    }
  } catch (err) {
    const failed = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
    for (const r of records) if (r.measurement === undefined || r === current) r.failed ??= failed;
    log(`[${node}/${workload}] failed: ${failed}`);
  } finally {
    await peer?.stop();
  }
  return records;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const m = machineInfo();
  const records: RunRecord[] = [];
  if (opts.clientWarmup > 0) {
    log(`warming the bench client: ${opts.clientWarmup} calls to a stub server`);
    await warmClient(opts.clientWarmup, opts.concurrency, opts.client);
  }
  for (const node of opts.peers) {
    for (const workload of opts.workloads) {
      const bound = STARTUP_TIMEOUT_MS + SETUP_TIMEOUT_MS + (opts.timeoutMs + 120_000) * opts.runs.length;
      records.push(
        ...(await withTimeout(runNode(node, workload, opts), bound, 'run').catch((err: unknown): RunRecord[] => {
          killAllPeers();
          return opts.runs.map((phase) => ({ node, workload, phase, txs: opts.txs, failed: String(err) }));
        })),
      );
    }
  }
  const rows = summarise(records);
  const versions = [...new Map(rows.filter((r) => r.clientVersion).map((r) => [r.node, r.clientVersion])).entries()].map(([n, v]) => `${n}=${v}`).join(', ');
  console.log(
    `\nRPC throughput: ${opts.txs} txs from ${opts.senders} senders, ${opts.concurrency} workers, 1 s blocks, ${opts.client} client; ` +
      `runs ${opts.runs.join(' then ')} on one process${opts.warmup > 0 ? `, after ${opts.warmup} warm-up txs` : ''}; ${m.cpus} x ${m.cpuModel}, node ${m.node}${versions ? `; ${versions}` : ''}\n`,
  );
  console.log(formatTable(rows));
  console.log('\ntx/s = included / (first send, right after a block -> block with the last tx observed); latency = send -> block observed (20 ms polling).');
  if (opts.out) {
    writeJson(opts.out, { ...opts, out: undefined }, rows);
    log(`wrote ${opts.out}`);
  }
}

runBenchmark(main);
