/**
 * Building ahead must not change blocks: a block whose transactions were offered while they arrived is
 * the block an ordinary build of the same transactions gives; a proposal with another context or with dev
 * edits is built the ordinary way. Real chains (memory store) and the real in-process executor; the only
 * wrapper records which executor calls were made, to show which path ran.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateRawTx } from '../../../src/execution/index.ts';
import type { BlockContext, ValidatedTx } from '../../../src/execution/index.ts';
import { openChain } from '../../../src/node/index.ts';
import type { Chain } from '../../../src/node/index.ts';
import { createInProcessExecutor } from '../../../src/node/executor.ts';
import type { BlockExecutor } from '../../../src/node/executor.ts';
import { Prebuilder } from '../../../src/node/prebuilder.ts';
import { createLogger } from '../../../src/node/logger.ts';
import { bytesToHex } from '../../../src/primitives/index.ts';
import { createMemoryStore } from '../../../src/storage/index.ts';
import { encodeBlock, encodeReceipts } from '../../../src/types/index.ts';
import { ONE, nextBlockContext, signTransfer, testGenesis } from '../../utils/chain.ts';

const genesis = testGenesis(3);

function recording(inner: BlockExecutor, calls: string[]): BlockExecutor {
  const wrap =
    <K extends keyof BlockExecutor>(k: K) =>
    (...args: Parameters<BlockExecutor[K]>) => {
      calls.push(String(k));
      return (inner[k] as (...a: Parameters<BlockExecutor[K]>) => ReturnType<BlockExecutor[K]>)(...args);
    };
  return { build: wrap('build'), open: wrap('open'), add: wrap('add'), seal: wrap('seal'), abort: wrap('abort'), commit: wrap('commit'), rewind: wrap('rewind'), close: wrap('close') };
}

function contextOn(chain: Chain): BlockContext {
  return nextBlockContext(chain.head(), new Uint8Array(20).fill(0xfe));
}

async function transfers(chain: Chain, count: number): Promise<ValidatedTx[]> {
  const rules = { chainId: genesis.chainId, maxTxSizeBytes: 131072, blockGasLimit: 30_000_000n, minGasPriceWei: 2_000_000_000n };
  const txs: ValidatedTx[] = [];
  for (let i = 0; i < count; i++) {
    const to = i % 4 === 0 ? '0x00000000000000000000000000000000000000aa' : `0x${(0x5000 + i).toString(16).padStart(40, '0')}`; // some through the EVM
    txs.push(validateRawTx(await signTransfer(i % 3, Math.floor(i / 3), to, ONE + BigInt(i)), chain.txCommon, rules));
  }
  return txs;
}

const fingerprint = (built: { block: Parameters<typeof encodeBlock>[0]; executed: { receipts: Parameters<typeof encodeReceipts>[0] } }) =>
  `${bytesToHex(encodeBlock(built.block))}/${bytesToHex(encodeReceipts(built.executed.receipts))}`;

async function setup(upcoming: () => BlockContext | undefined, chainForCandidates: { txs: ValidatedTx[] }) {
  const chain = await openChain(createMemoryStore(), genesis, { allowUnlimitedContractSize: false });
  const calls: string[] = [];
  const prebuilder = new Prebuilder({
    executor: recording(createInProcessExecutor(chain), calls),
    upcoming,
    candidates: () => chainForCandidates.txs,
    logger: createLogger('error', () => {}),
  });
  return { chain, calls, prebuilder };
}

test('a block built from offered batches equals the ordinary build of the same transactions', async () => {
  const reference = await openChain(createMemoryStore(), genesis, { allowUnlimitedContractSize: false });
  const pool = { txs: [] as ValidatedTx[] };
  let ctx: BlockContext | undefined;
  const { chain, calls, prebuilder } = await setup(() => ctx, pool);
  ctx = contextOn(chain);
  const txs = await transfers(chain, 12);
  for (const batch of [txs.slice(0, 3), txs.slice(3, 4), txs.slice(4, 9)]) {
    pool.txs.push(...batch);
    for (const tx of batch) prebuilder.offer(tx);
    await prebuilder.settled();
  }
  pool.txs.push(...txs.slice(9)); // arrived but not offered yet: the proposal adds them before sealing
  const built = await prebuilder.build(ctx, pool.txs, []);
  assert.deepEqual(calls, ['open', 'add', 'add', 'add', 'add', 'seal']);
  assert.equal(built.executed.transactions.length, 12);
  const ordinary = await createInProcessExecutor(reference).build(contextOn(reference), txs, []);
  assert.equal(fingerprint(built), fingerprint(ordinary));
  await prebuilder.commit(built.block, built.executed, { height: 1n, round: 0, blockHash: built.block.hash, signatures: [] });
  assert.equal(chain.head().header.height, 1n);
});

test('a proposal with another context, or with dev edits, drops the open block and builds the ordinary way', async () => {
  for (const variant of ['context', 'edits'] as const) {
    const reference = await openChain(createMemoryStore(), genesis, { allowUnlimitedContractSize: false });
    const pool = { txs: [] as ValidatedTx[] };
    let ctx: BlockContext | undefined;
    const { chain, calls, prebuilder } = await setup(() => ctx, pool);
    ctx = contextOn(chain);
    const txs = await transfers(chain, 6);
    pool.txs.push(...txs);
    for (const tx of txs) prebuilder.offer(tx);
    await prebuilder.settled();
    const proposal = variant === 'context' ? { ...ctx, timestamp: ctx.timestamp + 5n } : ctx;
    const edits = variant === 'edits' ? [{ kind: 'balance' as const, address: new Uint8Array(20).fill(7), value: 5n }] : [];
    const built = await prebuilder.build(proposal, txs, edits);
    assert.deepEqual(calls, ['open', 'add', 'abort', 'build'], variant);
    const ordinary = await createInProcessExecutor(reference).build({ ...contextOn(reference), timestamp: proposal.timestamp }, txs, edits);
    assert.equal(fingerprint(built), fingerprint(ordinary), variant);
  }
});

test('nothing is built ahead without an upcoming context, nor between a proposal and its commit', async () => {
  const pool = { txs: [] as ValidatedTx[] };
  let ctx: BlockContext | undefined;
  const { chain, calls, prebuilder } = await setup(() => ctx, pool);
  const txs = await transfers(chain, 4);
  pool.txs.push(...txs);
  prebuilder.offer(txs[0] as ValidatedTx);
  await prebuilder.settled();
  assert.deepEqual(calls, []);
  ctx = contextOn(chain);
  const built = await prebuilder.build(ctx, txs, []);
  prebuilder.offer(txs[1] as ValidatedTx); // the head is about to move: ignored
  await prebuilder.settled();
  assert.deepEqual(calls, ['build']);
  await prebuilder.commit(built.block, built.executed, { height: 1n, round: 0, blockHash: built.block.hash, signatures: [] });
  assert.deepEqual(calls, ['build', 'commit']);
});

test('a block built ahead that cannot be sealed (the executor dropped it) is built the ordinary way', async () => {
  const reference = await openChain(createMemoryStore(), genesis, { allowUnlimitedContractSize: false });
  const pool = { txs: [] as ValidatedTx[] };
  let ctx: BlockContext | undefined;
  const chain = await openChain(createMemoryStore(), genesis, { allowUnlimitedContractSize: false });
  const calls: string[] = [];
  const inner = recording(createInProcessExecutor(chain), calls);
  const prebuilder = new Prebuilder({
    // as the worker answers when writing the open block's state ahead failed and it dropped the block
    executor: { ...inner, seal: async () => (calls.push('seal'), await inner.abort(), Promise.reject(new Error('seal without an open block'))) },
    upcoming: () => ctx,
    candidates: () => pool.txs,
    logger: createLogger('error', () => {}),
  });
  ctx = contextOn(chain);
  const txs = await transfers(chain, 5);
  pool.txs.push(...txs);
  for (const tx of txs) prebuilder.offer(tx);
  await prebuilder.settled();
  const built = await prebuilder.build(ctx, txs, []);
  assert.deepEqual(calls, ['open', 'add', 'seal', 'abort', 'build']);
  const ordinary = await createInProcessExecutor(reference).build(contextOn(reference), txs, []);
  assert.equal(fingerprint(built), fingerprint(ordinary));
});
