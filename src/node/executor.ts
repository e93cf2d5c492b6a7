/**
 * Where blocks are executed and committed. In process (one thread does everything), or in a worker
 * thread (executionWorker.ts) so that JSON-RPC admission and block execution run on two cores at once:
 * the single JS thread was the throughput ceiling (docs/performance.md).
 */
import { Worker } from 'node:worker_threads';
import type { BlockBuilder, BlockContext, ExecutedBlock, ValidatedTx } from '../execution/index.ts';
import { ChainError, equalBytes, invariant } from '../primitives/index.ts';
import type { DevEdit } from '../rpc/index.ts';
import { createBlock, decodeHeader, decodeReceipts, decodeValidatorUpdates, encodeCommit, knowTxHashes } from '../types/index.ts';
import type { Block, Commit, Genesis, Receipt } from '../types/index.ts';
import type { Chain } from './chain.ts';
import { applyDevEdits } from './devEdits.ts';
import type { WireTx, WorkerInit, WorkerRequest, WorkerResponse } from './executorProtocol.ts';

export interface BlockExecutor {
  build(ctx: BlockContext, candidates: ValidatedTx[], edits: DevEdit[]): Promise<{ block: Block; executed: ExecutedBlock }>;
  /**
   * A block built in steps (see Prebuilder): open on the head state, add transactions in batches (each
   * batch runs at once), then seal (same result as `build` of everything added) or abort. One at a time;
   * any other call than add/seal ends an open one.
   */
  open(ctx: BlockContext): Promise<void>;
  add(txs: ValidatedTx[]): Promise<void>;
  seal(): Promise<{ block: Block; executed: ExecutedBlock }>;
  abort(): Promise<void>;
  commit(block: Block, executed: ExecutedBlock, commit: Commit): Promise<void>;
  rewind(height: bigint): Promise<void>;
  close(): Promise<void>;
}

/** What block production and dev controls use: whole proposals, commits and rewinds (the Prebuilder's face). */
export type ProposalExecutor = Pick<BlockExecutor, 'build' | 'commit' | 'rewind' | 'close'>;

export function createInProcessExecutor(chain: Chain): BlockExecutor {
  let session: BlockBuilder | undefined;
  const end = async (): Promise<void> => {
    const open = session;
    session = undefined;
    await open?.abort();
  };
  const current = (): BlockBuilder => {
    if (session === undefined) throw new ChainError('EXECUTOR_FAILED', 'no block is open', {}, 'internal');
    return session;
  };
  return {
    async build(ctx, candidates, edits) {
      await end();
      return chain.buildBlock(ctx, candidates, edits.length > 0 ? { beginBlock: (state) => applyDevEdits(state, edits) } : {});
    },
    async open(ctx) {
      await end();
      session = await chain.openBlock(ctx);
    },
    add: (txs) => current().add(txs),
    async seal() {
      const builder = current();
      session = undefined;
      const executed = await builder.seal();
      return { block: createBlock(executed.header, executed.transactions.map((t) => t.raw), builder.ctx.lastCommit, builder.ctx.evidence), executed };
    },
    abort: end,
    async commit(block, executed, commit) {
      await end();
      await chain.commitBlock(block, executed, commit);
    },
    async rewind(height) {
      await end();
      await chain.rewindTo(height);
    },
    close: async () => {},
  };
}

export interface WorkerExecutorOptions {
  dbPath: string;
  genesis: Genesis;
  allowUnlimitedContractSize: boolean;
  /**
   * Run the worker below the JSON-RPC thread's scheduling priority (DEV_WORKER_NICE nice steps, Linux). For a
   * dev chain: blocks come on a timer and clients wait on the JSON-RPC thread, which is what limits how
   * fast transactions get in; the worker executes them as they come and has time to spare before each
   * tick. A validator keeps the worker at the same priority: there, executing a proposal is on
   * consensus's critical path. ADR 0021.
   */
  belowRpc: boolean;
}

/**
 * Measured 2026-11-27 (ADR 0021), `npm run bench -- --only cmt --workloads eth --runs warm --warmup 5000`,
 * alternating, eight runs each way: at nice 5 every run admitted its 5,000 transfers before the tick (one
 * block, 5,108-5,878/s); at nice 0, five of eight did (4,580-6,043/s).
 */
const DEV_WORKER_NICE = 5;

/**
 * PERF: execution allocates a lot that dies young (EVM frames and memory, RLP, receipts); a larger young
 * generation than V8's default scavenges less often. Measured 2026-11-27 15:38-15:41, `npm run bench -- --only
 * cmt --txs 3000` twice each way, warm runs: ETH 2,918 and 2,895 tx/s (admission 3,419 and 3,553/s) against
 * 2,899 and 2,743 (3,264 and 3,237/s); ERC-20 1,478 and 1,385 against 1,374 and 1,290.
 */
const WORKER_YOUNG_GENERATION_MB = 64;

/** Executes in a worker; the main thread's chain (`reader`) only reads, and reloads its head after writes. */
export function createWorkerExecutor(reader: Chain, opts: WorkerExecutorOptions): BlockExecutor {
  const init: WorkerInit = { dbPath: opts.dbPath, genesis: opts.genesis, allowUnlimitedContractSize: opts.allowUnlimitedContractSize, nice: opts.belowRpc ? DEV_WORKER_NICE : 0 };
  const worker = new Worker(new URL('./executionWorker.boot.js', import.meta.url), { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
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

  const wire = (txs: ValidatedTx[]): WireTx[] => txs.map((t) => ({ raw: t.raw, sender: t.sender, publicKey: t.senderPublicKey }));
  /**
   * The worker answers with the header and indices into the transactions it was sent, in the order sent; the
   * block is put together here from them and the context's last commit and evidence (what the worker used).
   * Receipts are decoded when first read: usually never, the worker stores its own encoding.
   */
  const result = (res: WorkerResponse & { ok: true }, ctx: BlockContext, sent: ValidatedTx[]): { block: Block; executed: ExecutedBlock } => {
    if (res.kind !== 'built') throw new ChainError('EXECUTOR_FAILED', 'block executor answered out of turn', {}, 'internal');
    const header = decodeHeader(res.header);
    const transactions = res.included.map((i) => sent[i] as ValidatedTx);
    const block = createBlock(header, transactions.map((t) => t.raw), ctx.lastCommit, ctx.evidence);
    knowTxHashes(block, transactions.map((t) => t.hash));
    let receipts: Receipt[] | undefined;
    const executed: ExecutedBlock = {
      header,
      transactions,
      get receipts() {
        receipts ??= decodeReceipts(res.receipts);
        return receipts;
      },
      rejected: res.rejected.map((r) => ({ tx: sent[r.index] as ValidatedTx, reason: r.reason })),
      validatorUpdates: decodeValidatorUpdates(res.validatorUpdates),
    };
    return { block, executed };
  };
  let sent: ValidatedTx[] = []; // transactions of the open block
  let opened: BlockContext | undefined; // and its context

  return {
    async build(ctx, candidates, edits) {
      return result(await call({ kind: 'build', ctx, txs: wire(candidates), edits }), ctx, candidates);
    },
    async open(ctx) {
      sent = [];
      opened = ctx;
      await call({ kind: 'open', ctx, edits: [] });
    },
    async add(txs) {
      sent.push(...txs);
      await call({ kind: 'add', txs: wire(txs) });
    },
    async seal() {
      const txs = sent;
      const ctx = opened;
      sent = [];
      opened = undefined;
      if (ctx === undefined) throw new ChainError('EXECUTOR_FAILED', 'seal without an open block', {}, 'internal');
      return result(await call({ kind: 'seal' }), ctx, txs);
    },
    async abort() {
      sent = [];
      opened = undefined;
      await call({ kind: 'abort' });
    },
    async commit(block, _executed, commit) {
      await call({ kind: 'commit', commit: encodeCommit(commit) });
      await reader.reloadHead(block);
      // the next proposal is built on this thread's head: it must be the block the worker just stored
      invariant(equalBytes(reader.head().hash, block.hash), `head after commit is block ${reader.head().header.height}, not ${block.header.height}`);
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
