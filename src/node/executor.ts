/**
 * Where blocks are executed and committed. In process (one thread does everything), or in a worker
 * thread (executionWorker.ts) so that JSON-RPC admission and block execution run on two cores at once:
 * the single JS thread was the throughput ceiling (docs/performance.md).
 */
import { Worker } from 'node:worker_threads';
import type { BlockContext, ExecutedBlock, ValidatedTx } from '../execution/index.ts';
import { ChainError, hexToBytes } from '../primitives/index.ts';
import type { DevEdit } from '../rpc/index.ts';
import { decodeBlock, decodeReceipts, encodeCommit } from '../types/index.ts';
import type { Block, Commit, Genesis } from '../types/index.ts';
import type { Chain } from './chain.ts';
import { applyDevEdits } from './devEdits.ts';
import type { WorkerRequest, WorkerResponse } from './executorProtocol.ts';

export interface BlockExecutor {
  build(ctx: BlockContext, candidates: ValidatedTx[], edits: DevEdit[]): Promise<{ block: Block; executed: ExecutedBlock }>;
  commit(block: Block, executed: ExecutedBlock, commit: Commit): Promise<void>;
  rewind(height: bigint): Promise<void>;
  close(): Promise<void>;
}

export function createInProcessExecutor(chain: Chain): BlockExecutor {
  return {
    build: (ctx, candidates, edits) =>
      chain.buildBlock(ctx, candidates, edits.length > 0 ? { beginBlock: (state) => applyDevEdits(state, edits) } : {}),
    commit: (block, executed, commit) => chain.commitBlock(block, executed.receipts, executed.transactions.map((t) => hexToBytes(t.hash)), commit),
    rewind: (height) => chain.rewindTo(height),
    close: async () => {},
  };
}

export interface WorkerExecutorOptions {
  dbPath: string;
  genesis: Genesis;
  allowUnlimitedContractSize: boolean;
}

/** Executes in a worker; the main thread's chain (`reader`) only reads, and reloads its head after writes. */
export function createWorkerExecutor(reader: Chain, opts: WorkerExecutorOptions): BlockExecutor {
  const worker = new Worker(new URL('./executionWorker.boot.js', import.meta.url), { workerData: opts });
  const waiting = new Map<number, { resolve: (v: WorkerResponse) => void; reject: (e: unknown) => void }>();
  let nextId = 1;
  let failure: unknown;
  worker.on('message', (res: WorkerResponse) => {
    const w = waiting.get(res.id);
    waiting.delete(res.id);
    w?.resolve(res);
  });
  worker.on('error', (err) => {
    failure = err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  });
  const call = async (req: WorkerRequest): Promise<WorkerResponse & { ok: true }> => {
    if (failure !== undefined) throw failure;
    const id = nextId++;
    const res = await new Promise<WorkerResponse>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ ...req, id });
    });
    if (!res.ok) throw new ChainError('EXECUTOR_FAILED', `block executor: ${res.error}`, {}, 'internal');
    return res as WorkerResponse & { ok: true };
  };

  return {
    async build(ctx, candidates, edits) {
      const txs = candidates.map((t) => ({ raw: t.raw, sender: t.sender, publicKey: t.senderPublicKey }));
      const res = await call({ kind: 'build', ctx, txs, edits });
      if (res.kind !== 'built') throw new ChainError('EXECUTOR_FAILED', 'block executor answered out of turn', {}, 'internal');
      const block = decodeBlock(res.block);
      const executed: ExecutedBlock = {
        header: block.header,
        transactions: res.included.map((i) => candidates[i] as ValidatedTx),
        receipts: decodeReceipts(res.receipts),
        rejected: res.rejected.map((r) => ({ tx: candidates[r.index] as ValidatedTx, reason: r.reason })),
      };
      return { block, executed };
    },
    async commit(_block, _executed, commit) {
      await call({ kind: 'commit', commit: encodeCommit(commit) });
      await reader.reloadHead();
    },
    async rewind(height) {
      await call({ kind: 'rewind', height });
      await reader.reloadHead();
    },
    async close() {
      if (failure === undefined) await call({ kind: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
