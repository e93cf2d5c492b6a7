/**
 * The execution worker: owns the head state and VM, builds proposed blocks and commits decided ones into
 * the same lmdb database the main thread reads. One request at a time, in order.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { decodeValidatedTx } from '../execution/index.ts';
import type { BlockBuilder, BlockHooks, ExecutedBlock, ValidatedTx } from '../execution/index.ts';
import type { DevEdit } from '../rpc/index.ts';
import { createLmdbStore } from '../storage/index.ts';
import { createBlock, decodeCommit, encodeHeader, encodeReceipts, encodeValidatorUpdates } from '../types/index.ts';
import type { Block } from '../types/index.ts';
import { openChain } from './chain.ts';
import { applyDevEdits } from './devEdits.ts';
import type { WireTx, WorkerInit, WorkerRequest, WorkerResult } from './executorProtocol.ts';

const init = workerData as WorkerInit;
const port = parentPort;
if (port === null) throw new Error('executionWorker must run in a worker thread');
if (init.nice !== 0) lowerThisThreadsPriority(init.nice);
const chain = await openChain(createLmdbStore(init.dbPath), init.genesis, { allowUnlimitedContractSize: init.allowUnlimitedContractSize });
// the sealed block waiting for its commit (or to be dropped: any other request than commit drops it), with
// its receipts' encoding: sent to the node, and stored with the block
let pending: { block: Block; executed: ExecutedBlock & { encodedReceipts: Uint8Array }; builder: BlockBuilder } | undefined;
// a block being built from batches: its transactions in the order they were sent (what indices refer to)
let session: { builder: BlockBuilder; txs: ValidatedTx[]; unflushed: number } | undefined;
/**
 * Transactions added since the last flush before an idle executor flushes the open block's state. Each flush
 * rewrites the top of the account trie and every account touched since the last one, senders again included:
 * flushing after every small batch cost ~30% more worker CPU in the benchmark; per 2,048 instead of 512 the
 * flushes of a 5,000-transfer block took 38-40 instead of 44-47 µs per transfer in-process (ADR 0021), and
 * what is left at an idle moment still goes after IDLE_FLUSH_MS.
 */
const FLUSH_MIN_TXS = 2048;
/**
 * PERF: below FLUSH_MIN_TXS the rest is flushed once the executor has been idle this long, so that a block
 * whose transactions stopped arriving before its tick has nothing left to write at the seal (up to ~20 ms
 * for 500 transfers, on the critical path after the tick).
 */
const IDLE_FLUSH_MS = 10;

const decode = (t: WireTx): ValidatedTx => decodeValidatedTx(t.raw, chain.txCommon, t.sender, t.publicKey);

function hooksFor(edits: DevEdit[]): BlockHooks {
  return edits.length > 0 ? { beginBlock: (state) => applyDevEdits(state, edits) } : {};
}

function built(builder: BlockBuilder, executed: ExecutedBlock, txs: ValidatedTx[]): WorkerResult {
  const index = new Map(txs.map((t, i) => [t.hash, i]));
  const block = createBlock(executed.header, executed.transactions.map((t) => t.raw), builder.ctx.lastCommit, builder.ctx.evidence);
  const receipts = executed.encodedReceipts ?? encodeReceipts(executed.receipts);
  pending = { block, executed: { ...executed, encodedReceipts: receipts }, builder };
  return {
    ok: true,
    kind: 'built',
    header: encodeHeader(executed.header),
    receipts,
    included: executed.transactions.map((t) => index.get(t.hash) as number),
    rejected: executed.rejected.map((r) => ({ index: index.get(r.tx.hash) as number, reason: r.reason })),
    validatorUpdates: encodeValidatorUpdates(executed.validatorUpdates),
  };
}

/** Any other request ends a block left open (its transactions are still in the node's pool). */
async function dropSession(): Promise<void> {
  const open = session;
  session = undefined;
  await open?.builder.abort();
}

/** A sealed block that was not committed is undone: its state changes must not leak into the next one. */
async function dropPending(): Promise<void> {
  const sealed = pending;
  pending = undefined;
  await sealed?.builder.abort();
}

async function handle(req: WorkerRequest): Promise<WorkerResult> {
  if (req.kind !== 'add' && req.kind !== 'seal') await dropSession();
  if (req.kind !== 'commit') await dropPending();
  switch (req.kind) {
    case 'build': {
      const txs = req.txs.map(decode);
      const builder = await chain.openBlock(req.ctx, hooksFor(req.edits));
      try {
        await builder.add(txs);
      } catch (err) {
        await builder.abort();
        throw err;
      }
      return built(builder, await builder.seal(), txs);
    }
    case 'open':
      session = { builder: await chain.openBlock(req.ctx, hooksFor(req.edits)), txs: [], unflushed: 0 };
      return { ok: true, kind: 'done' };
    case 'add': {
      if (session === undefined) return { ok: false, error: 'transactions added without an open block' };
      const txs = req.txs.map(decode);
      session.txs.push(...txs);
      session.unflushed += txs.length;
      await session.builder.add(txs);
      return { ok: true, kind: 'done' };
    }
    case 'seal': {
      if (session === undefined) return { ok: false, error: 'seal without an open block' };
      const { builder, txs } = session;
      session = undefined;
      return built(builder, await builder.seal(), txs);
    }
    case 'abort':
      return { ok: true, kind: 'done' };
    case 'commit': {
      if (pending === undefined) return { ok: false, error: 'commit without a built block' };
      const { block, executed, builder } = pending;
      pending = undefined;
      await builder.accept(); // its trie nodes reach the node store, to be written with the block
      await chain.commitBlock(block, executed, decodeCommit(req.commit));
      return { ok: true, kind: 'done' };
    }
    case 'rewind':
      await chain.rewindTo(req.height);
      return { ok: true, kind: 'done' };
    case 'close':
      await chain.close();
      return { ok: true, kind: 'done' };
  }
}

/**
 * PERF: with nothing else to do after a batch, the open block's changes go into the trie now, so that the
 * seal at the tick only writes the last batch's (docs/performance.md), and the new trie nodes start going to
 * disk, so that the block's own write after its tick carries fewer. A failure drops the block (its trie
 * may be half written): the next add or seal is refused, and the proposal is then built the ordinary way.
 */
async function flushWhileIdle(minTxs: number): Promise<void> {
  const open = session;
  if (open === undefined || open.unflushed < minTxs) return;
  open.unflushed = 0;
  try {
    await open.builder.flushState();
    chain.writeStateAhead();
  } catch {
    if (session === open) await dropSession().catch(() => undefined);
  }
}

let queue: Promise<void> = Promise.resolve();
let waiting = 0; // requests received and not yet handled
/** Flushes the rest once no request has come for IDLE_FLUSH_MS: the transactions have stopped before the tick. */
let idleFlush: NodeJS.Timeout | undefined;
port.on('message', (req: WorkerRequest & { id: number }) => {
  waiting++;
  clearTimeout(idleFlush);
  queue = queue.then(async () => {
    waiting--;
    let res: WorkerResult;
    try {
      res = await handle(req);
    } catch (err) {
      res = { ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
    port.postMessage({ ...res, id: req.id });
    if (req.kind !== 'add' || !res.ok || waiting > 0) return;
    await flushWhileIdle(FLUSH_MIN_TXS);
    if (waiting === 0 && (session?.unflushed ?? 0) > 0) {
      idleFlush = setTimeout(() => {
        queue = queue.then(() => (waiting === 0 ? flushWhileIdle(1) : undefined));
      }, IDLE_FLUSH_MS);
    }
  });
});

/**
 * Lowers this thread's priority by `by` nice steps from where it is (a node started under `nice` keeps the
 * difference). On Linux setpriority with a thread id applies to that thread alone, and /proc/thread-self
 * names the calling thread; raising one's own nice value needs no privilege. Elsewhere the thread keeps the
 * process's priority.
 */
function lowerThisThreadsPriority(by: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, Math.min(19, getPriority(tid) + by));
  } catch {
    // not Linux, or no /proc: the same priority as the JSON-RPC thread
  }
}
