/**
 * Executes the next block's transactions while they arrive, so that an interval-mined block's tick only
 * seals it. PERF: without it the whole interval's transactions start executing at the tick, and the
 * block lands one execution time after it (docs/performance.md).
 *
 * Speculative and invisible: transactions go into a block opened on the context the producer expects
 * the next block to have (`upcoming`, the same object the proposal will use when nothing changed). When
 * the proposal comes with another context, or with dev edits, the open block is dropped and the proposal
 * is built the ordinary way. A block built in steps holds the transactions in the order they were offered
 * (the pool's catch-up batch first), then the pool's remaining candidates: an order the proposer may choose.
 */
import type { BlockContext, ExecutedBlock, ValidatedTx } from '../execution/index.ts';
import type { Hex } from '../primitives/index.ts';
import type { DevEdit } from '../rpc/index.ts';
import type { Block, Commit } from '../types/index.ts';
import type { BlockExecutor, ProposalExecutor } from './executor.ts';
import type { Logger } from './logger.ts';

export interface PrebuilderDeps {
  executor: BlockExecutor;
  /** The context the next block will have at its scheduled tick; undefined: do not build ahead. */
  upcoming(): BlockContext | undefined;
  /** The pool's executable transactions in block order: the first batch of a newly opened block. */
  candidates(): ValidatedTx[];
  logger: Logger;
}

export class Prebuilder implements ProposalExecutor {
  private queue: Promise<unknown> = Promise.resolve();
  private openBlock: { ctx: BlockContext; fed: Set<Hex> } | undefined;
  private inbox: ValidatedTx[] = [];
  private flushScheduled = false;
  /** A batch job is queued behind the executor's current work; it takes whatever the inbox holds when it runs. */
  private batchQueued = false;
  /** From a proposal's build to its commit: the head is about to move, nothing can be built on it. */
  private proposing = false;
  private readonly deps: PrebuilderDeps;

  constructor(deps: PrebuilderDeps) {
    this.deps = deps;
  }

  /** A transaction that just became executable. Batched per event-loop turn. */
  offer(tx: ValidatedTx): void {
    if (this.proposing) return;
    this.inbox.push(tx);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * PERF: one executor request per batch, and while the executor is busy the offers of many event-loop turns
   * gather into the next batch (one message to the worker for many transactions, not one per turn).
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.batchQueued || this.proposing || this.inbox.length === 0) return;
    this.batchQueued = true;
    this.serial(async () => {
      this.batchQueued = false;
      const batch = this.inbox;
      this.inbox = [];
      if (this.proposing || batch.length === 0) return;
      const ctx = this.deps.upcoming();
      if (ctx === undefined) return this.dropOpenBlock();
      let open = this.openBlock;
      let txs = batch;
      if (open === undefined || open.ctx !== ctx) {
        await this.dropOpenBlock();
        await this.deps.executor.open(ctx);
        open = { ctx, fed: new Set() };
        this.openBlock = open;
        txs = this.deps.candidates(); // everything already pending, this batch included
      }
      const fresh = txs.filter((t) => !open.fed.has(t.hash));
      for (const t of fresh) open.fed.add(t.hash);
      if (fresh.length > 0) await this.deps.executor.add(fresh);
    }).catch((err: unknown) => {
      // the executor ends an open block on the next request; the proposal is then built the ordinary way
      this.openBlock = undefined;
      this.deps.logger.warn('building ahead failed', { error: err instanceof Error ? err.message : String(err) });
    });
  }

  /** Resolves when every offered transaction has been executed (or dropped): tests and shutdown. */
  async settled(): Promise<void> {
    while (this.flushScheduled) await new Promise((resolve) => setImmediate(resolve));
    await this.queue;
  }

  private async dropOpenBlock(): Promise<void> {
    if (this.openBlock === undefined) return;
    this.openBlock = undefined;
    await this.deps.executor.abort();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn, fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  build(ctx: BlockContext, candidates: ValidatedTx[], edits: DevEdit[]): Promise<{ block: Block; executed: ExecutedBlock }> {
    this.proposing = true;
    this.inbox = [];
    const built = this.serial(async () => {
      const open = this.openBlock;
      this.openBlock = undefined;
      if (open !== undefined && open.ctx === ctx && edits.length === 0) {
        const rest = candidates.filter((t) => !open.fed.has(t.hash));
        this.deps.logger.debug('sealing a block built ahead', { height: ctx.height, ahead: open.fed.size, atSeal: rest.length });
        try {
          if (rest.length > 0) await this.deps.executor.add(rest);
          return await this.deps.executor.seal();
        } catch (err) {
          // e.g. the worker dropped the block when writing its state ahead failed: build it the ordinary way
          this.deps.logger.warn('sealing a block built ahead failed', { height: ctx.height, error: err instanceof Error ? err.message : String(err) });
          return this.deps.executor.build(ctx, candidates, edits);
        }
      }
      if (open !== undefined) await this.deps.executor.abort();
      return this.deps.executor.build(ctx, candidates, edits);
    });
    built.catch(() => (this.proposing = false));
    return built;
  }

  commit(block: Block, executed: ExecutedBlock, commit: Commit): Promise<void> {
    return this.serial(async () => {
      try {
        await this.deps.executor.commit(block, executed, commit);
      } finally {
        this.proposing = false;
      }
    });
  }

  rewind(height: bigint): Promise<void> {
    return this.serial(async () => {
      await this.dropOpenBlock();
      await this.deps.executor.rewind(height);
      this.proposing = false;
    });
  }

  close(): Promise<void> {
    return this.serial(async () => {
      await this.dropOpenBlock();
      await this.deps.executor.close();
    });
  }
}
