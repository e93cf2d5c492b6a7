/**
 * The execution worker's block session, in process, over a real lmdb chain: blocks of ERC-20 transfers to new
 * holders, each opened, fed in batches as the prebuilder feeds the worker, flushed ahead every `--flush`
 * transactions as an idle worker does, sealed, accepted and committed. The state grows by `--txs` holders a
 * block, so later blocks show what a larger state costs (trie depth, the lmdb write). Senders are recovered
 * before the clock starts; signing is not timed.
 *
 *   npm run bench:blocks -- [--blocks 8] [--txs 5000] [--batch 64] [--flush 2048] [--profile] [--heap-profile]
 *
 * Prints each block's phases (ms), the process's CPU for the block (lmdb's write thread and V8's helper
 * threads included) and the median over blocks 2..n. `--profile` writes a V8 CPU profile of the last block to
 * blocks.cpuprofile, `--heap-profile` a sampling heap profile of everything it allocates (collected or not) to
 * blocks.heapprofile. Times on a shared VM move by ±15% from run to run: compare alternating runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AbiCoder, Interface, Transaction, getCreateAddress } from 'ethers';
import type { HDNodeWallet } from 'ethers';
import { validateRawTx } from '../src/execution/index.ts';
import type { ValidatedTx } from '../src/execution/index.ts';
import { openChain } from '../src/node/index.ts';
import { FEE_POOL_ADDRESS } from '../src/params/index.ts';
import { hexToBytes } from '../src/primitives/index.ts';
import { createLmdbStore } from '../src/storage/index.ts';
import { createBlock } from '../src/types/index.ts';
import { loadTestToken } from '../test/utils/contracts.ts';
import { BENCH_CHAIN_ID, BENCH_GAS_PRICE, BENCH_RULES, benchGenesis, benchWallets } from './lib/benchChain.ts';

const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '8' },
    txs: { type: 'string', default: '5000' },
    batch: { type: 'string', default: '64' },
    flush: { type: 'string', default: '2048' },
    profile: { type: 'boolean', default: false },
    'heap-profile': { type: 'boolean', default: false },
  },
});
const count = (name: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not ${v}`);
  return n;
};
const BLOCKS = count('blocks', values.blocks);
const TXS = count('txs', values.txs);
const BATCH = count('batch', values.batch);
const FLUSH = count('flush', values.flush);
const SENDERS = 100;

const wallets = benchWallets(SENDERS);
const dir = mkdtempSync(join(tmpdir(), 'cmt-bench-blocks-'));
const chain = await openChain(createLmdbStore(join(dir, 'db')), benchGenesis(wallets), { allowUnlimitedContractSize: false });
const feePool = hexToBytes(FEE_POOL_ADDRESS);
const nonces = new Map<string, number>();

async function sign(w: HDNodeWallet, fields: { to?: string; data: string; gasLimit: bigint }): Promise<Uint8Array> {
  const nonce = nonces.get(w.address) ?? 0;
  nonces.set(w.address, nonce + 1);
  return hexToBytes(await w.signTransaction(Transaction.from({ type: 0, nonce, gasPrice: BENCH_GAS_PRICE, chainId: BENCH_CHAIN_ID, ...fields })));
}

interface Phases {
  add: number;
  flushAhead: number;
  seal: number;
  commit: number;
}

/** One block the way the execution worker builds it; returns each phase's wall time. */
async function runBlock(txs: ValidatedTx[]): Promise<Phases> {
  const head = chain.head();
  const phases: Phases = { add: 0, flushAhead: 0, seal: 0, commit: 0 };
  let t = performance.now();
  const lap = (phase: keyof Phases): void => {
    const now = performance.now();
    phases[phase] += now - t;
    t = now;
  };
  const builder = await chain.openBlock({
    parentHash: head.hash, height: head.header.height + 1n, timestamp: head.header.timestamp + 1n, proposer: head.header.proposer,
    gasLimit: BENCH_RULES.blockGasLimit, baseFeePerGas: BENCH_GAS_PRICE, validatorsHash: head.header.validatorsHash, lastCommit: null, feePool,
  });
  let sinceFlush = 0;
  for (let i = 0; i < txs.length; i += BATCH) {
    await builder.add(txs.slice(i, i + BATCH));
    sinceFlush += BATCH;
    if (sinceFlush >= FLUSH && i + BATCH < txs.length) {
      sinceFlush = 0;
      lap('add');
      await builder.flushState();
      chain.writeStateAhead();
      lap('flushAhead');
    }
  }
  lap('add');
  if (process.env.LIVE === '1' && (globalThis as any).stopHeap) await (globalThis as any).stopHeap();
  const executed = await builder.seal();
  await builder.accept();
  lap('seal');
  const block = createBlock(executed.header, executed.transactions.map((x) => x.raw), null);
  await chain.commitBlock(block, executed, { height: block.header.height, round: 0, blockHash: block.hash, signatures: [] });
  lap('commit');
  if (executed.transactions.length !== txs.length || executed.receipts.some((r) => r.status !== 1)) {
    throw new Error(`block ${block.header.height}: ${executed.transactions.length} of ${txs.length} included, or a transfer failed`);
  }
  return phases;
}

const validate = (raws: Uint8Array[]): ValidatedTx[] => raws.map((r) => validateRawTx(r, chain.txCommon, BENCH_RULES));

// the token, and tokens for every sender (untimed)
const token = loadTestToken();
const abi = new Interface(token.abi);
const owner = wallets[0] as HDNodeWallet;
await runBlock(validate([await sign(owner, { data: token.bytecode + AbiCoder.defaultAbiCoder().encode(['uint256'], [10n ** 30n]).slice(2), gasLimit: 5_000_000n })]));
const tokenAddress = getCreateAddress({ from: owner.address, nonce: 0 });
const funding: Uint8Array[] = [];
for (const w of wallets.slice(1)) funding.push(await sign(owner, { to: tokenAddress, data: abi.encodeFunctionData('transfer', [w.address, 10n ** 24n]), gasLimit: 100_000n }));
await runBlock(validate(funding));

const { Session } = await import('node:inspector/promises');
const session = new Session();
const rows: Array<Phases & { cpu: number; total: number }> = [];
let holder = 0x200000;
for (let b = 0; b < BLOCKS; b++) {
  const raws: Uint8Array[] = [];
  for (let i = 0; i < TXS; i++) {
    const to = `0x${(holder++).toString(16).padStart(40, '0')}`;
    raws.push(await sign(wallets[i % SENDERS] as HDNodeWallet, { to: tokenAddress, data: abi.encodeFunctionData('transfer', [to, 1n]), gasLimit: 100_000n }));
  }
  const txs = validate(raws);
  const profiling = values.profile && b === BLOCKS - 1;
  const heapProfiling = values['heap-profile'] && b === BLOCKS - 1;
  if (profiling || heapProfiling) session.connect();
  if (profiling) {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  if (heapProfiling) {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: process.env.LIVE !== '1', includeObjectsCollectedByMinorGC: process.env.LIVE !== '1' });
  }
  if (heapProfiling) (globalThis as any).stopHeap = async () => { const { profile } = await session.post('HeapProfiler.stopSampling'); writeFileSync('blocks.heapprofile', JSON.stringify(profile)); (globalThis as any).stopHeap = undefined; };
  const cpu0 = process.cpuUsage();
  const phases = await runBlock(txs);
  const cpu = process.cpuUsage(cpu0);
  if (profiling) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync('blocks.cpuprofile', JSON.stringify(profile));
  }
  if (heapProfiling && process.env.LIVE !== '1') {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync('blocks.heapprofile', JSON.stringify(profile));
  }
  rows.push({ ...phases, cpu: (cpu.user + cpu.system) / 1000, total: phases.add + phases.flushAhead + phases.seal + phases.commit });
}
await chain.close();
rmSync(dir, { recursive: true, force: true });

const fmt = (n: number): string => n.toFixed(0).padStart(7);
console.log(`\nblocks of ${TXS} ERC-20 transfers to new holders, batches of ${BATCH}, flushed every ${FLUSH}; node ${process.versions.node}\n`);
console.log('block      add  flush-ahead     seal   commit    total   cpu ms');
rows.forEach((r, i) => console.log(`${String(i + 1).padStart(5)}  ${fmt(r.add)}  ${fmt(r.flushAhead)}      ${fmt(r.seal)}  ${fmt(r.commit)}  ${fmt(r.total)}  ${fmt(r.cpu)}`));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const later = rows.slice(1);
if (later.length > 0) console.log(`median over blocks 2-${rows.length}: total ${median(later.map((r) => r.total)).toFixed(0)} ms, cpu ${median(later.map((r) => r.cpu)).toFixed(0)} ms`);
