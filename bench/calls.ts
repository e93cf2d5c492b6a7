/**
 * Read throughput through JSON-RPC, our node next to anvil and Hardhat 2: what a dapp's front end, a wallet and
 * a test suite spend most of their requests on.
 *
 *   npm run bench:calls -- [--only cmt,anvil,hardhat] [--methods eth_call,...] [--calls 5000] [--concurrency 32]
 *                          [--runs fresh,warm]
 *
 * Each node is started fresh (bench/lib/peers.ts) and gets the ERC-20 workload's setup (TestToken deployed, 100
 * holders given ETH and one token each; untimed). Then for each method it times `--calls` requests sent by
 * `--concurrency` workers over keep-alive sockets, each about another holder or setup transaction (SPECS below
 * says what each asks and what answer it must get; every answer is checked). As in `npm run bench` (ADR 0019),
 * the first run on a process is `fresh` and the next `warm`.
 */
import { parseArgs } from 'node:util';
import { Interface } from 'ethers';
import { warmClient } from './lib/clientWarmup.ts';
import { PEER_NAMES, killAllPeers, runBenchmark, startPeer } from './lib/peers.ts';
import type { PeerName } from './lib/peers.ts';
import { RUN_PHASES, machineInfo, textTable } from './lib/report.ts';
import type { RunPhase } from './lib/report.ts';
import type { RpcClient } from './lib/rpc.ts';
import { TOKEN_UNIT, chainParams, senderAccounts, setupWorkload } from './lib/workload.ts';
import type { Account } from './lib/workload.ts';

const SENDERS = 100;
const token = new Interface(['function balanceOf(address) view returns (uint256)', 'function transfer(address to, uint256 amount) returns (bool)']);

/** What a method's requests need from the set-up chain. */
interface Fixture {
  token: string;
  holders: Account[];
  /** Hashes of the setup's transactions (token deployment and hand-outs). */
  txHashes: string[];
}

interface MethodSpec {
  params(f: Fixture, i: number): unknown[];
  /** Throws unless `result` is the right answer to request `i`. */
  check(f: Fixture, i: number, result: unknown): void;
}

const holderOf = (f: Fixture, i: number): Account => f.holders[i % f.holders.length] as Account;
const quantity = (result: unknown): bigint => {
  if (typeof result !== 'string' || !result.startsWith('0x')) throw new Error(`not a quantity: ${JSON.stringify(result)?.slice(0, 80)}`);
  return BigInt(result);
};
const expect = (ok: boolean, what: string): void => {
  if (!ok) throw new Error(what);
};

const SPECS = {
  /** balanceOf(holder) at "latest": every holder got one token. */
  eth_call: {
    params: (f, i) => [{ to: f.token, data: token.encodeFunctionData('balanceOf', [holderOf(f, i).address]) }, 'latest'],
    check: (_f, _i, r) => expect(quantity(r) === TOKEN_UNIT, `balance ${String(r)}, expected ${TOKEN_UNIT}`),
  },
  /** transfer(next holder, 1) from the holder: what ethers asks before a contract transaction. */
  eth_estimateGas: {
    params: (f, i) => [{ from: holderOf(f, i).address, to: f.token, data: token.encodeFunctionData('transfer', [holderOf(f, i + 1).address, 1n]) }],
    check: (_f, _i, r) => expect(quantity(r) >= 21_000n && quantity(r) <= 100_000n, `estimate ${String(r)} outside 21,000..100,000`),
  },
  eth_getBalance: {
    params: (f, i) => [holderOf(f, i).address, 'latest'],
    check: (_f, _i, r) => expect(quantity(r) > 0n, 'a funded holder has a balance'),
  },
  eth_getTransactionCount: {
    params: (f, i) => [holderOf(f, i).address, 'pending'],
    check: (_f, _i, r) => expect(quantity(r) === 0n, `a holder that never sent has nonce 0, got ${String(r)}`),
  },
  eth_getTransactionReceipt: {
    params: (f, i) => [f.txHashes[i % f.txHashes.length]],
    check: (f, i, r) => expect((r as { transactionHash?: string; status?: string } | null)?.transactionHash === f.txHashes[i % f.txHashes.length] && (r as { status?: string }).status === '0x1', 'the receipt of a setup transaction, status 1'),
  },
  /** The token's Transfer logs over the whole chain: the mint and one per holder. */
  eth_getLogs: {
    params: (f) => [{ fromBlock: '0x0', toBlock: 'latest', address: f.token }],
    check: (f, _i, r) => expect(Array.isArray(r) && r.length === f.holders.length + 1, `${Array.isArray(r) ? r.length : 'no'} logs, expected ${f.holders.length + 1}`),
  },
} satisfies Record<string, MethodSpec>;
type Method = keyof typeof SPECS;
const METHODS = Object.keys(SPECS) as Method[];

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

/** Sends `calls` requests with `concurrency` workers; returns calls/s and latency percentiles (ms). */
async function timeCalls(rpc: RpcClient, method: Method, f: Fixture, calls: number, concurrency: number): Promise<{ perSec: number; p50: number; p99: number }> {
  const spec: MethodSpec = SPECS[method];
  const latencies: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      const i = next++;
      const t0 = performance.now();
      const result = await rpc.call(method, spec.params(f, i));
      latencies.push(performance.now() - t0);
      try {
        spec.check(f, i, result);
      } catch (err) {
        throw new Error(`${method} #${i}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;
  return { perSec: (calls / elapsed) * 1000, p50: at(0.5), p99: at(0.99) };
}

/** The hashes of the transactions in the chain's blocks, newest block first (the setup's, on a fresh node). */
async function setupTxHashes(rpc: RpcClient): Promise<string[]> {
  const head = quantity(await rpc.call('eth_blockNumber'));
  const hashes: string[] = [];
  for (let h = head; h >= 0n && head - h < 200n; h--) {
    const block = await rpc.call<{ transactions: string[] } | null>('eth_getBlockByNumber', [`0x${h.toString(16)}`, false]);
    hashes.push(...(block?.transactions ?? []));
  }
  return hashes;
}

async function runNode(node: PeerName, methods: Method[], calls: number, concurrency: number, phases: RunPhase[]): Promise<Row[]> {
  const rows: Row[] = [];
  const peer = await startPeer(node);
  try {
    const chain = await chainParams(peer.rpc);
    const holders = senderAccounts(SENDERS);
    const tokenAddress = await setupWorkload(peer.rpc, 'erc20', chain, holders, 1, 60_000);
    if (tokenAddress === undefined) throw new Error('no token deployed');
    const fixture: Fixture = { token: tokenAddress, holders, txHashes: await setupTxHashes(peer.rpc) };
    if (fixture.txHashes.length < 2 * SENDERS + 1) throw new Error(`found ${fixture.txHashes.length} setup transactions, expected ${2 * SENDERS + 1}`);
    for (const phase of phases) {
      for (const method of methods) {
        try {
          const m = await timeCalls(peer.rpc, method, fixture, calls, concurrency);
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
  return textTable(header, body, new Set([3, 4, 5, 6, 7]));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      only: { type: 'string', default: PEER_NAMES.join(',') },
      methods: { type: 'string', default: METHODS.join(',') },
      calls: { type: 'string', default: '5000' },
      concurrency: { type: 'string', default: '32' },
      runs: { type: 'string', default: RUN_PHASES.join(',') },
    },
  });
  const nodes = values.only.split(',').map((s) => s.trim()) as PeerName[];
  for (const node of nodes) if (!PEER_NAMES.includes(node)) throw new Error(`--only: unknown node "${node}" (expected ${PEER_NAMES.join(', ')})`);
  const phases = values.runs.split(',').map((s) => s.trim()) as RunPhase[];
  for (const phase of phases) if (!RUN_PHASES.includes(phase)) throw new Error(`--runs: unknown run "${phase}" (expected ${RUN_PHASES.join(', ')})`);
  const methods = values.methods.split(',').map((s) => s.trim()) as Method[];
  for (const method of methods) if (!METHODS.includes(method)) throw new Error(`--methods: unknown method "${method}" (expected ${METHODS.join(', ')})`);
  const calls = Number(values.calls);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(calls) || calls < 1 || !Number.isInteger(concurrency) || concurrency < 1) throw new Error('--calls and --concurrency take positive integers');

  log('warming the bench client: 4000 calls to a stub server');
  await warmClient(4000, concurrency, 'socket');
  const rows: Row[] = [];
  for (const node of nodes) {
    log(`[${node}] starting node`);
    rows.push(...(await runNode(node, methods, calls, concurrency, phases).catch((err: unknown): Row[] => {
      killAllPeers();
      const failed = err instanceof Error ? err.message : String(err);
      return phases.flatMap((phase) => methods.map((method) => ({ node, method, phase, failed })));
    })));
  }
  const m = machineInfo();
  console.log(`\nRPC reads: ${calls} calls per method and run, ${concurrency} workers, socket client; ${m.cpus} x ${m.cpuModel}, node ${m.node}\n`);
  console.log(table(rows));
  console.log(
    '\neth_call = balanceOf(holder) of TestToken at "latest"; eth_estimateGas = transfer(next holder, 1) from the holder; ' +
      'eth_getBalance, eth_getTransactionCount ("pending") of a holder; eth_getTransactionReceipt of a setup transaction; ' +
      'eth_getLogs = the token\'s Transfer logs from block 0; every answer checked.',
  );
}

runBenchmark(main);
