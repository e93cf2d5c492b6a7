/**
 * What a test suite feels: one client, one request at a time, against a node that mines each transaction as it
 * arrives (cmt's --block-time 0, anvil's and Hardhat's automine). Our node next to anvil and Hardhat 2.
 *
 *   npm run bench:automine -- [--only cmt,anvil,hardhat] [--txs 500]
 *
 * Each node is started fresh (bench/lib/peers.ts) and gets the ERC-20 workload's setup (TestToken, 10 senders
 * funded; untimed). Then, one at a time and in order:
 * - `eth transfer`, `erc20 transfer`: eth_sendRawTransaction of a pre-signed transaction, then
 *   eth_getTransactionReceipt until it answers (anvil answers the send before it mines; cmt and Hardhat after);
 *   every receipt must have status 1;
 * - `erc20 transfer + eth_call`: a token transfer as above, then balanceOf at the block it made (a test's act, then
 *   assert);
 * - `eth_sendTransaction`: a transfer from the node's first unlocked account, signed by the node, then its receipt;
 * - `eth_call` (balanceOf) and `eth_estimateGas` (a token transfer), each answer checked.
 * It prints the median and 99th percentile of each operation's latency.
 */
import { parseArgs } from 'node:util';
import { Interface } from 'ethers';
import { warmClient } from './lib/clientWarmup.ts';
import { PEER_NAMES, killAllPeers, runBenchmark, startPeer } from './lib/peers.ts';
import type { PeerName } from './lib/peers.ts';
import { machineInfo, textTable } from './lib/report.ts';
import type { RpcClient } from './lib/rpc.ts';
import { TOKEN_UNIT, chainParams, presign, senderAccounts, setupWorkload } from './lib/workload.ts';

const SENDERS = 10;
const OPERATIONS = ['eth transfer', 'erc20 transfer', 'erc20 transfer + eth_call', 'eth_sendTransaction', 'eth_call', 'eth_estimateGas'] as const;
type Operation = (typeof OPERATIONS)[number];
const token = new Interface(['function balanceOf(address) view returns (uint256)', 'function transfer(address to, uint256 amount) returns (bool)']);

interface Row {
  node: PeerName;
  operation: Operation;
  p50?: number;
  p99?: number;
  perSec?: number;
  failed?: string;
}

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

/** Runs `one(i)` `count` times in sequence; returns the latency percentiles (ms) and operations a second. */
async function timeSequential(count: number, one: (i: number) => Promise<void>): Promise<{ p50: number; p99: number; perSec: number }> {
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await one(i);
    latencies.push(performance.now() - t0);
  }
  const elapsed = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;
  return { p50: at(0.5), p99: at(0.99), perSec: (count / elapsed) * 1000 };
}

async function mined(rpc: RpcClient, raw: string, hash: string): Promise<void> {
  await rpc.call('eth_sendRawTransaction', [raw]);
  await receiptOf(rpc, hash);
}

async function receiptOf(rpc: RpcClient, hash: string): Promise<void> {
  for (;;) {
    const receipt = await rpc.call<{ status: string } | null>('eth_getTransactionReceipt', [hash]);
    if (receipt === null) continue;
    if (receipt.status !== '0x1') throw new Error(`transaction ${hash} failed`);
    return;
  }
}

async function runNode(node: PeerName, txs: number): Promise<Row[]> {
  const rows: Row[] = [];
  const peer = await startPeer(node, 60_000, 'socket', 'auto');
  try {
    const rpc = peer.rpc;
    const chain = await chainParams(rpc);
    const senders = senderAccounts(SENDERS);
    // two operations send token transfers: enough tokens and gas for both
    const tokenAddress = await setupWorkload(rpc, 'erc20', chain, senders, 2 * Math.ceil(txs / SENDERS) + 1, 60_000);
    if (tokenAddress === undefined) throw new Error('no token deployed');
    const holder = (i: number): string => (senders[i % SENDERS] as { address: string }).address;
    const operations: Record<Operation, () => Promise<(i: number) => Promise<void>>> = {
      'eth transfer': async () => {
        const signed = await presign(rpc, 'eth', chain, senders, txs, tokenAddress);
        return (i) => mined(rpc, (signed[i] as { raw: string }).raw, (signed[i] as { hash: string }).hash);
      },
      'erc20 transfer': async () => {
        const signed = await presign(rpc, 'erc20', chain, senders, txs, tokenAddress);
        return (i) => mined(rpc, (signed[i] as { raw: string }).raw, (signed[i] as { hash: string }).hash);
      },
      // what a test does: act, then read what it changed, at the block the act made
      'erc20 transfer + eth_call': async () => {
        const signed = await presign(rpc, 'erc20', chain, senders, txs, tokenAddress);
        return async (i) => {
          await mined(rpc, (signed[i] as { raw: string }).raw, (signed[i] as { hash: string }).hash);
          const balance = BigInt(await rpc.call<string>('eth_call', [{ to: tokenAddress, data: token.encodeFunctionData('balanceOf', [holder(i)]) }, 'latest']));
          if (balance > BigInt(txs + SENDERS) * TOKEN_UNIT) throw new Error(`balance ${balance} of ${holder(i)}`);
        };
      },
      // the node signs: what a Hardhat suite's signers do against a node whose accounts are "remote"
      eth_sendTransaction: async () => {
        const [from] = await rpc.call<string[]>('eth_accounts', []);
        if (from === undefined) throw new Error('the node has no unlocked account');
        return async (i) => {
          const hash = await rpc.call<string>('eth_sendTransaction', [{ from, to: holder(i), value: '0x1' }]);
          await receiptOf(rpc, hash);
        };
      },
      eth_call: async () => async (i) => {
        const balance = BigInt(await rpc.call<string>('eth_call', [{ to: tokenAddress, data: token.encodeFunctionData('balanceOf', [holder(i)]) }, 'latest']));
        if (balance === 0n || balance > BigInt(txs + SENDERS) * TOKEN_UNIT) throw new Error(`balance ${balance} of ${holder(i)}`);
      },
      eth_estimateGas: async () => async (i) => {
        const gas = BigInt(await rpc.call<string>('eth_estimateGas', [{ from: holder(i), to: tokenAddress, data: token.encodeFunctionData('transfer', [holder(i + 1), 1n]) }]));
        if (gas < 21_000n || gas > 100_000n) throw new Error(`estimate ${gas}`);
      },
    };
    for (const operation of OPERATIONS) {
      try {
        const one = await operations[operation]();
        const m = await timeSequential(txs, one);
        log(`[${node}/${operation}] p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, ${m.perSec.toFixed(0)}/s`);
        rows.push({ node, operation, ...m });
      } catch (err) {
        rows.push({ node, operation, failed: err instanceof Error ? err.message : String(err) });
      }
    }
  } finally {
    await peer.stop();
  }
  return rows;
}

function table(rows: Row[]): string {
  const p50Of = (r: Row, name: PeerName): number | undefined => rows.find((x) => x.node === name && x.operation === r.operation)?.p50;
  const ratio = (r: Row, name: PeerName): string => {
    const other = p50Of(r, name);
    return r.p50 === undefined || other === undefined || r.node === name ? '-' : `${(r.p50 / other).toFixed(2)}x`;
  };
  const n = (v: number | undefined, digits: number): string => (v === undefined ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
  const header = ['node', 'operation', 'p50 ms', 'p99 ms', 'per s', 'p50 / anvil', 'p50 / hardhat', 'note'];
  const body = rows.map((r) => [r.node, r.operation, n(r.p50, 2), n(r.p99, 2), n(r.perSec, 0), ratio(r, 'anvil'), ratio(r, 'hardhat'), r.failed ?? '']);
  return textTable(header, body, new Set([2, 3, 4, 5, 6]));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { only: { type: 'string', default: PEER_NAMES.join(',') }, txs: { type: 'string', default: '500' } } });
  const nodes = values.only.split(',').map((s) => s.trim()) as PeerName[];
  for (const node of nodes) if (!PEER_NAMES.includes(node)) throw new Error(`--only: unknown node "${node}" (expected ${PEER_NAMES.join(', ')})`);
  const txs = Number(values.txs);
  if (!Number.isInteger(txs) || txs < 1) throw new Error('--txs takes a positive integer');
  log('warming the bench client: 4000 calls to a stub server');
  await warmClient(4000, 1, 'socket');
  const rows: Row[] = [];
  for (const node of nodes) {
    log(`[${node}] starting node (automine)`);
    rows.push(...(await runNode(node, txs).catch((err: unknown): Row[] => {
      killAllPeers();
      return OPERATIONS.map((operation) => ({ node, operation, failed: err instanceof Error ? err.message : String(err) }));
    })));
  }
  const m = machineInfo();
  console.log(`\nAutomine, one request at a time: ${txs} of each operation; ${m.cpus} x ${m.cpuModel}, node ${m.node}\n`);
  console.log(table(rows));
  console.log('\ntransfer = eth_sendRawTransaction, then eth_getTransactionReceipt until it answers (status 1 checked); eth_call = balanceOf; eth_estimateGas = a token transfer. Lower is better.');
}

runBenchmark(main);
