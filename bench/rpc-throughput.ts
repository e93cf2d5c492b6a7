/**
 * End-to-end JSON-RPC throughput of our node next to anvil and Hardhat 2, in one run on this machine.
 *
 *   npm run bench -- [--only cmt,anvil,hardhat] [--workloads eth,erc20] [--txs 5000] [--senders 100]
 *                    [--concurrency 32] [--timeout 120] [--warmup 0] [--client-warmup 4000] [--out results.json]
 *
 * Each (node, workload) run starts a fresh node with 1 s interval mining and a 1e9 block gas limit, funds
 * `senders` fresh accounts (untimed), pre-signs the transactions (untimed), then, starting right after a new
 * block, times sending them all until every accepted one is seen in a block, and checks the receipts. Progress goes to stderr, the table
 * to stdout. `--warmup N` first sends N more transactions the same way, untimed, and waits for their block: a node
 * that has run for a while (its JIT warm) instead of a fresh process; 0 (the default) measures the fresh process.
 * Before the first run the client warms its own HTTP path against a stub server (`--client-warmup` calls, 0 = off),
 * so that the first node measured does not share the cores with a client still being compiled.
 */
import { parseArgs } from 'node:util';
import { warmClient } from './lib/clientWarmup.ts';
import { measure } from './lib/measure.ts';
import { PEER_NAMES, killAllPeers, startPeer, threadCpuMs } from './lib/peers.ts';
import type { Peer, PeerName } from './lib/peers.ts';
import { formatTable, machineInfo, summarise, writeJson } from './lib/report.ts';
import type { RunRecord } from './lib/report.ts';
import { WORKLOADS, chainParams, presign, senderAccounts, setupWorkload } from './lib/workload.ts';
import type { WorkloadName } from './lib/workload.ts';

interface BenchOptions {
  peers: PeerName[];
  workloads: WorkloadName[];
  txs: number;
  senders: number;
  concurrency: number;
  timeoutMs: number;
  warmup: number;
  clientWarmup: number;
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
      warmup: { type: 'string', default: '0' },
      'client-warmup': { type: 'string', default: '4000' },
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
    warmup: values.warmup === '0' ? 0 : positiveInt('warmup', values.warmup),
    clientWarmup: values['client-warmup'] === '0' ? 0 : positiveInt('client-warmup', values['client-warmup']),
    out: values.out,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms / 1000} s`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

/** The node's CPU by thread (main, then the three busiest others) and the bench client's, in ms. */
function cpuSummary(before: Map<string, number>, after: Map<string, number>, pid: number | undefined, client: NodeJS.CpuUsage): string {
  const used = [...after].map(([tid, ms]) => [tid, ms - (before.get(tid) ?? 0)] as const).filter(([, ms]) => ms > 0);
  const main = used.find(([tid]) => tid === String(pid))?.[1] ?? 0;
  const others = used.filter(([tid]) => tid !== String(pid)).sort((a, b) => b[1] - a[1]);
  const total = used.reduce((sum, [, ms]) => sum + ms, 0);
  const node = used.length === 0 ? 'node n/a' : `node ${total.toFixed(0)} ms (main ${main.toFixed(0)}, busiest others ${others.slice(0, 3).map(([, ms]) => ms.toFixed(0)).join('/')})`;
  return `${node}, bench client ${((client.user + client.system) / 1000).toFixed(0)} ms`;
}

async function runOne(node: PeerName, workload: WorkloadName, opts: BenchOptions): Promise<RunRecord> {
  const record: RunRecord = { node, workload, txs: opts.txs };
  let peer: Peer | undefined;
  try {
    log(`[${node}/${workload}] starting node`);
    peer = await startPeer(node, STARTUP_TIMEOUT_MS);
    record.clientVersion = peer.clientVersion;
    const rpc = peer.rpc;
    const chain = await chainParams(rpc);
    log(`[${node}/${workload}] ${peer.clientVersion}, chain id ${chain.chainId}, gas price ${chain.gasPriceWei} wei; setup`);
    const senders = senderAccounts(opts.senders);
    const token = await setupWorkload(rpc, workload, chain, senders, Math.ceil((opts.txs + opts.warmup) / opts.senders), SETUP_TIMEOUT_MS);
    const signed = await presign(rpc, workload, chain, senders, opts.txs + opts.warmup, token);
    // the first `warmup` hold every sender's lowest nonces
    const txs = signed.slice(opts.warmup);
    if (opts.warmup > 0) {
      log(`[${node}/${workload}] warm-up: ${opts.warmup} txs, untimed`);
      const w = await withTimeout(measure(rpc, signed.slice(0, opts.warmup), opts.concurrency, opts.timeoutMs), opts.timeoutMs + 60_000, 'warm-up');
      if (w.included < w.txs) throw new Error(`warm-up: only ${w.included}/${w.txs} included`);
    }
    log(`[${node}/${workload}] ${txs.length} txs signed; sending with ${Math.min(opts.concurrency, opts.senders)} workers`);
    const cpuBefore = threadCpuMs(peer.pid);
    const clientBefore = process.cpuUsage();
    record.measurement = await withTimeout(measure(rpc, txs, opts.concurrency, opts.timeoutMs), opts.timeoutMs + 60_000, 'measurement');
    const m = record.measurement;
    log(`[${node}/${workload}] ${m.included}/${m.txs} included in ${(m.elapsedMs / 1000).toFixed(2)} s, ${m.okReceipts} ok receipts`);
    log(`[${node}/${workload}] CPU in the timed part (incl. the receipt check): ${cpuSummary(cpuBefore, threadCpuMs(peer.pid), peer.pid, process.cpuUsage(clientBefore))}`);
  } catch (err) {
    record.failed = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
    log(`[${node}/${workload}] failed: ${record.failed}`);
  } finally {
    await peer?.stop();
  }
  return record;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const m = machineInfo();
  const records: RunRecord[] = [];
  if (opts.clientWarmup > 0) {
    log(`warming the bench client: ${opts.clientWarmup} calls to a stub server`);
    await warmClient(opts.clientWarmup, opts.concurrency);
  }
  for (const node of opts.peers) {
    for (const workload of opts.workloads) {
      const bound = STARTUP_TIMEOUT_MS + SETUP_TIMEOUT_MS + opts.timeoutMs + 120_000;
      records.push(await withTimeout(runOne(node, workload, opts), bound, 'run').catch((err: unknown): RunRecord => {
        killAllPeers();
        return { node, workload, txs: opts.txs, failed: String(err) };
      }));
    }
  }
  const rows = summarise(records);
  const versions = [...new Map(rows.filter((r) => r.clientVersion).map((r) => [r.node, r.clientVersion])).entries()].map(([n, v]) => `${n}=${v}`).join(', ');
  console.log(
    `\nRPC throughput: ${opts.txs} txs from ${opts.senders} senders, ${opts.concurrency} workers, 1 s blocks; ` +
      `${opts.warmup > 0 ? `after ${opts.warmup} warm-up txs; ` : ''}${m.cpus} x ${m.cpuModel}, node ${m.node}${versions ? `; ${versions}` : ''}\n`,
  );
  console.log(formatTable(rows));
  console.log('\ntx/s = included / (first send, right after a block -> block with the last tx observed); latency = send -> block observed (20 ms polling).');
  if (opts.out) {
    writeJson(opts.out, { ...opts, out: undefined }, rows);
    log(`wrote ${opts.out}`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
