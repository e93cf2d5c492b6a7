/**
 * Read throughput through JSON-RPC, our node next to anvil and Hardhat 2: what a dapp's front end and a test
 * suite spend most of their requests on.
 *
 *   npm run bench:calls -- [--only cmt,anvil,hardhat] [--calls 5000] [--concurrency 32] [--runs fresh,warm]
 *
 * Each node is started fresh (bench/lib/peers.ts), gets the ERC-20 workload's setup (TestToken deployed, 100
 * holders given one token each; untimed), then for each method times `--calls` requests sent by `--concurrency` workers over
 * keep-alive sockets, each request for another holder: `eth_call` of balanceOf(holder) at "latest", and
 * `eth_estimateGas` of transfer(next holder, 1) from the holder (the call ethers makes before every contract
 * transaction). Every answer is checked: the balance each holder was given, and an estimate within 21,000 and
 * 100,000 gas. As in `npm run bench` (ADR 0019), the first run on a process is `fresh` and the next `warm`.
 */
import { parseArgs } from 'node:util';
import { Interface } from 'ethers';
import { warmClient } from './lib/clientWarmup.ts';
import { PEER_NAMES, killAllPeers, startPeer } from './lib/peers.ts';
import type { PeerName } from './lib/peers.ts';
import { RUN_PHASES, machineInfo } from './lib/report.ts';
import type { RunPhase } from './lib/report.ts';
import type { RpcClient } from './lib/rpc.ts';
import { TOKEN_UNIT, chainParams, senderAccounts, setupWorkload } from './lib/workload.ts';
import type { Account } from './lib/workload.ts';

const METHODS = ['eth_call', 'eth_estimateGas'] as const;
type Method = (typeof METHODS)[number];
const SENDERS = 100;
const token = new Interface(['function balanceOf(address) view returns (uint256)', 'function transfer(address to, uint256 amount) returns (bool)']);

interface Row {
  node: PeerName;
  method: Method;
  phase: RunPhase;
  perSec?: number;
  p50?: number;
  p99?: number;
  failed?: string;
}

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

function request(method: Method, tokenAddress: string, holders: Account[], i: number): unknown[] {
  const holder = holders[i % holders.length] as Account;
  if (method === 'eth_call') return [{ to: tokenAddress, data: token.encodeFunctionData('balanceOf', [holder.address]) }, 'latest'];
  const next = holders[(i + 1) % holders.length] as Account;
  return [{ from: holder.address, to: tokenAddress, data: token.encodeFunctionData('transfer', [next.address, 1n]) }];
}

function check(method: Method, result: unknown, what: string): void {
  if (typeof result !== 'string') throw new Error(`${what}: not a hex string: ${JSON.stringify(result)}`);
  const value = BigInt(result);
  if (method === 'eth_call' && value !== TOKEN_UNIT) throw new Error(`${what}: balance ${value}, expected ${TOKEN_UNIT}`);
  if (method === 'eth_estimateGas' && (value < 21_000n || value > 100_000n)) throw new Error(`${what}: estimate ${value} outside 21,000..100,000`);
}

/** Sends `calls` requests with `concurrency` workers; returns calls/s and latency percentiles (ms). */
async function timeCalls(rpc: RpcClient, method: Method, tokenAddress: string, holders: Account[], calls: number, concurrency: number): Promise<{ perSec: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      const i = next++;
      const t0 = performance.now();
      const result = await rpc.call(method, request(method, tokenAddress, holders, i));
      latencies.push(performance.now() - t0);
      check(method, result, `${method} #${i}`);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;
  return { perSec: (calls / elapsed) * 1000, p50: at(0.5), p99: at(0.99) };
}

async function runNode(node: PeerName, calls: number, concurrency: number, phases: RunPhase[]): Promise<Row[]> {
  const rows: Row[] = [];
  const peer = await startPeer(node);
  try {
    const chain = await chainParams(peer.rpc);
    const holders = senderAccounts(SENDERS);
    const tokenAddress = await setupWorkload(peer.rpc, 'erc20', chain, holders, 1, 60_000);
    if (tokenAddress === undefined) throw new Error('no token deployed');
    for (const phase of phases) {
      for (const method of METHODS) {
        try {
          const m = await timeCalls(peer.rpc, method, tokenAddress, holders, calls, concurrency);
          log(`[${node}/${method}/${phase}] ${m.perSec.toFixed(0)} calls/s, p50 ${m.p50.toFixed(1)} ms, p99 ${m.p99.toFixed(1)} ms`);
          rows.push({ node, method, phase, ...m });
        } catch (err) {
          rows.push({ node, method, phase, failed: err instanceof Error ? err.message : String(err) });
        }
      }
    }
  } finally {
    await peer.stop();
  }
  return rows;
}

function table(rows: Row[]): string {
  const peer = (r: Row, name: PeerName): number | undefined => rows.find((x) => x.node === name && x.method === r.method && x.phase === r.phase)?.perSec;
  const ratio = (r: Row, name: PeerName): string => {
    const other = peer(r, name);
    return r.perSec === undefined || other === undefined || r.node === name ? '-' : `${(r.perSec / other).toFixed(2)}x`;
  };
  const n = (v: number | undefined, digits = 0): string => (v === undefined ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
  const header = ['node', 'method', 'run', 'calls/s', 'p50 ms', 'p99 ms', 'vs anvil', 'vs hardhat', 'note'];
  const body = rows.map((r) => [r.node, r.method, r.phase, n(r.perSec), n(r.p50, 1), n(r.p99, 1), ratio(r, 'anvil'), ratio(r, 'hardhat'), r.failed ?? '']);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((b) => (b[c] as string).length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (c >= 3 && c <= 7 ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      only: { type: 'string', default: PEER_NAMES.join(',') },
      calls: { type: 'string', default: '5000' },
      concurrency: { type: 'string', default: '32' },
      runs: { type: 'string', default: RUN_PHASES.join(',') },
    },
  });
  const nodes = values.only.split(',').map((s) => s.trim()) as PeerName[];
  for (const node of nodes) if (!PEER_NAMES.includes(node)) throw new Error(`--only: unknown node "${node}" (expected ${PEER_NAMES.join(', ')})`);
  const phases = values.runs.split(',').map((s) => s.trim()) as RunPhase[];
  for (const phase of phases) if (!RUN_PHASES.includes(phase)) throw new Error(`--runs: unknown run "${phase}" (expected ${RUN_PHASES.join(', ')})`);
  const calls = Number(values.calls);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(calls) || calls < 1 || !Number.isInteger(concurrency) || concurrency < 1) throw new Error('--calls and --concurrency take positive integers');

  log('warming the bench client: 4000 calls to a stub server');
  await warmClient(4000, concurrency, 'socket');
  const rows: Row[] = [];
  for (const node of nodes) {
    log(`[${node}] starting node`);
    rows.push(...(await runNode(node, calls, concurrency, phases).catch((err: unknown): Row[] => {
      killAllPeers();
      const failed = err instanceof Error ? err.message : String(err);
      return phases.flatMap((phase) => METHODS.map((method) => ({ node, method, phase, failed })));
    })));
  }
  const m = machineInfo();
  console.log(`\nRPC reads: ${calls} calls per method and run, ${concurrency} workers, socket client; ${m.cpus} x ${m.cpuModel}, node ${m.node}\n`);
  console.log(table(rows));
  console.log('\neth_call = balanceOf(holder) of TestToken at "latest"; eth_estimateGas = transfer(next holder, 1) from the holder; each answer checked.');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    killAllPeers();
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
