/**
 * The execution worker: owns the head state and VM, builds proposed blocks and commits decided ones into
 * the same lmdb database the main thread reads. One request at a time, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { hexToBytes } from '../primitives/index.ts';
import { decodeValidatedTx } from '../execution/index.ts';
import type { ExecutedBlock } from '../execution/index.ts';
import { createLmdbStore } from '../storage/index.ts';
import { decodeCommit, encodeBlock, encodeReceipts } from '../types/index.ts';
import type { Block } from '../types/index.ts';
import { openChain } from './chain.ts';
import { applyDevEdits } from './devEdits.ts';
import type { WorkerInit, WorkerRequest, WorkerResult } from './executorProtocol.ts';

const init = workerData as WorkerInit;
const port = parentPort;
if (port === null) throw new Error('executionWorker must run in a worker thread');
const chain = await openChain(createLmdbStore(init.dbPath), init.genesis, { allowUnlimitedContractSize: init.allowUnlimitedContractSize });
let pending: { block: Block; executed: ExecutedBlock } | undefined;

async function handle(req: WorkerRequest): Promise<WorkerResult> {
  switch (req.kind) {
    case 'build': {
      const txs = req.txs.map((t) => decodeValidatedTx(t.raw, chain.txCommon, t.sender, t.publicKey));
      const index = new Map(txs.map((t, i) => [t.hash, i]));
      const hooks = req.edits.length > 0 ? { beginBlock: (state: Parameters<typeof applyDevEdits>[0]) => applyDevEdits(state, req.edits) } : {};
      pending = await chain.buildBlock(req.ctx, txs, hooks);
      return {
        ok: true,
        kind: 'built',
        block: encodeBlock(pending.block),
        receipts: encodeReceipts(pending.executed.receipts),
        included: pending.executed.transactions.map((t) => index.get(t.hash) as number),
        rejected: pending.executed.rejected.map((r) => ({ index: index.get(r.tx.hash) as number, reason: r.reason })),
      };
    }
    case 'commit': {
      if (pending === undefined) return { ok: false, error: 'commit without a built block' };
      const { block, executed } = pending;
      pending = undefined;
      await chain.commitBlock(block, executed.receipts, executed.transactions.map((t) => hexToBytes(t.hash)), decodeCommit(req.commit));
      return { ok: true, kind: 'done' };
    }
    case 'rewind':
      pending = undefined;
      await chain.rewindTo(req.height);
      return { ok: true, kind: 'done' };
    case 'close':
      await chain.close();
      return { ok: true, kind: 'done' };
  }
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (req: WorkerRequest & { id: number }) => {
  queue = queue.then(async () => {
    let res: WorkerResult;
    try {
      res = await handle(req);
    } catch (err) {
      res = { ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
    port.postMessage({ ...res, id: req.id });
  });
});
