/**
 * Runs the consensus machine's effects: schedules its timeouts, builds proposals from the mempool, signs
 * precommits with the validator key, and commits decided blocks. Effects run one at a time, in order, so
 * the machine never sees two blocks in flight.
 */
import { ed25519Address, ed25519Sign } from '../crypto/index.ts';
import type { Ed25519Key } from '../crypto/index.ts';
import { createSoloState, stepSolo } from '../consensus/index.ts';
import type { ConsensusEffect, ConsensusInput, SoloState } from '../consensus/index.ts';
import { prevRandaoFor } from '../execution/index.ts';
import type { BlockContext, ExecutedBlock, ValidatedTx } from '../execution/index.ts';
import { bytesToHex } from '../primitives/index.ts';
import { precommitSignBytes } from '../types/index.ts';
import type { Block, Commit } from '../types/index.ts';
import type { DevEdit } from '../rpc/index.ts';
import type { Chain } from './chain.ts';
import type { ProposalExecutor } from './executor.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';

export interface ProducerDeps {
  chain: Chain;
  executor: ProposalExecutor;
  clock: Clock;
  logger: Logger;
  validatorKey: Ed25519Key;
  feePool: Uint8Array;
  /** Executable transactions in block order. */
  candidates(baseFee: bigint, maxCount: number): ValidatedTx[];
  onCommitted(block: Block, executed: ExecutedBlock): Promise<void>;
}

/** Dev-mode controls of the next block's time, gas limit and randomness (evm_increaseTime and friends). */
export interface BlockTimeControl {
  offsetSec: bigint;
  nextTimestamp: bigint | undefined;
  gasLimit: bigint;
  /** hardhat_setPrevRandao: the next block's prevRandao instead of the derived one; used once. */
  prevRandao: Uint8Array | undefined;
}

export class BlockProducer {
  private state: SoloState;
  private queue: Promise<void> = Promise.resolve();
  private cancelTimer: (() => void) | undefined;
  private pending: { block: Block; executed: ExecutedBlock } | undefined;
  private stopped = false;
  private edits: DevEdit[] = [];
  private randaoCache: { parent: Uint8Array; value: Uint8Array } | undefined;
  private contextCache: { key: string; ctx: BlockContext } | undefined;
  /** When the pending timeout will fire, and when the one that fired was due (the block's time). */
  private scheduledTickMs: number | undefined;
  private firedTickMs: number | undefined;
  readonly time: BlockTimeControl;
  private readonly deps: ProducerDeps;
  private readonly proposer: Uint8Array;

  constructor(blockTimeMs: number, deps: ProducerDeps) {
    this.deps = deps;
    this.state = createSoloState(blockTimeMs);
    this.proposer = ed25519Address(deps.validatorKey.publicKey);
    this.time = { offsetSec: 0n, nextTimestamp: undefined, gasLimit: deps.chain.genesis.blockGasLimit, prevRandao: undefined };
  }

  get blockTimeMs(): number {
    return this.state.blockTimeMs;
  }

  start(): void {
    const head = this.deps.chain.head();
    const now = this.deps.clock.nowMs();
    this.dispatch({ kind: 'start', height: head.header.height + 1n, lastBlockTimeMs: now, nowMs: now });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    await this.queue;
  }

  /** Feeds an input to the machine; resolves once every effect it caused has run. */
  dispatch(input: ConsensusInput): Promise<void> {
    const run = (): Promise<void> => this.step(input);
    this.queue = this.queue.then(run, run);
    return this.queue;
  }

  /** Inputs produced while running an effect are stepped at once, inside the same queue slot. */
  private async step(input: ConsensusInput): Promise<void> {
    if (this.stopped) return;
    const out = stepSolo(this.state, input);
    this.state = out.state;
    for (const effect of out.effects) await this.run(effect);
  }

  /** Resolves when the queue is idle (every block requested so far is committed). */
  idle(): Promise<void> {
    return this.queue;
  }

  /** Runs `fn` between blocks, never while one is being built (dev-mode rewinds). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn, fn);
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Queues a state edit for the next block (dev mode). */
  queueEdit(edit: DevEdit): void {
    this.edits.push(edit);
  }

  /** The edits the next block will apply first. */
  pendingEdits(): readonly DevEdit[] {
    return this.edits;
  }

  /** evm_revert: the edits that were pending when the snapshot was taken. */
  replaceEdits(edits: readonly DevEdit[]): void {
    this.edits = [...edits];
  }

  private async run(effect: ConsensusEffect): Promise<void> {
    switch (effect.kind) {
      case 'scheduleTimeout':
        this.cancelTimer?.();
        this.scheduledTickMs = effect.atMs;
        this.cancelTimer = this.deps.clock.at(effect.atMs, () => {
          this.firedTickMs = effect.atMs;
          void this.dispatch({ kind: 'timeout', height: effect.height, nowMs: this.deps.clock.nowMs() });
        });
        return;
      case 'buildProposal':
        return this.buildProposal(effect.height, effect.round, effect.allowEmpty);
      case 'signPrecommit': {
        const timestampMs = BigInt(this.deps.clock.nowMs());
        const msg = precommitSignBytes(this.deps.chain.genesis.consensusChainId, effect.height, effect.round, effect.blockHash, timestampMs);
        const signature = { validatorAddress: this.proposer, timestampMs, signature: ed25519Sign(this.deps.validatorKey.seed, msg) };
        return this.step({ ...effect, kind: 'precommitSigned', signature });
      }
      case 'decide':
        return this.decide(effect.height, effect.commit);
    }
  }

  /** The timestamp the next block on top of `parentTimestamp` will have (also what pending calls see). */
  peekTimestamp(parentTimestamp: bigint, atMs: number = this.deps.clock.nowMs()): bigint {
    if (this.time.nextTimestamp !== undefined) return this.time.nextTimestamp;
    const now = BigInt(Math.floor(atMs / 1000)) + this.time.offsetSec;
    // strictly increasing, as Ethereum tooling expects; bursts of automined blocks run ahead of the clock
    return now > parentTimestamp ? now : parentTimestamp + 1n;
  }

  /** Like peekTimestamp, and consumes an evm_setNextBlockTimestamp: later blocks continue from it. */
  private nextTimestamp(parentTimestamp: bigint, atMs: number): bigint {
    const t = this.peekTimestamp(parentTimestamp, atMs);
    if (this.time.nextTimestamp !== undefined) {
      this.time.nextTimestamp = undefined;
      this.time.offsetSec = t - BigInt(Math.floor(this.deps.clock.nowMs() / 1000));
    }
    return t;
  }

  /** The prevRandao the next block will have (also what pending calls see). */
  peekPrevRandao(): Uint8Array {
    if (this.time.prevRandao !== undefined) return this.time.prevRandao;
    const head = this.deps.chain.head();
    if (this.randaoCache === undefined || this.randaoCache.parent !== head.hash) {
      this.randaoCache = { parent: head.hash, value: prevRandaoFor({ parentHash: head.hash, lastCommit: this.lastCommit(head) }) };
    }
    return this.randaoCache.value;
  }

  private lastCommit(head: Block): Commit | null {
    return head.header.height === 0n ? null : (this.deps.chain.store.commit(head.header.height) ?? null);
  }

  /**
   * The context of a block on `head`. The same inputs give the same object, so the prebuilder can tell
   * by identity whether a proposal is the block it executed transactions into ahead of time.
   */
  private contextFor(head: Block, height: bigint, timestamp: bigint): BlockContext {
    const prevRandao = this.time.prevRandao;
    const key = `${bytesToHex(head.hash)}/${height}/${timestamp}/${this.time.gasLimit}/${prevRandao === undefined ? '' : bytesToHex(prevRandao)}`;
    if (this.contextCache?.key === key) return this.contextCache.ctx;
    const ctx: BlockContext = {
      parentHash: head.hash,
      height,
      timestamp,
      proposer: this.proposer,
      gasLimit: this.time.gasLimit,
      baseFeePerGas: this.deps.chain.genesis.minGasPriceWei,
      validatorsHash: head.header.validatorsHash,
      lastCommit: this.lastCommit(head),
      feePool: this.deps.feePool,
      ...(prevRandao === undefined ? {} : { prevRandao }),
    };
    this.contextCache = { key, ctx };
    return ctx;
  }

  /**
   * The context the next block will have if it is proposed at the scheduled tick and no dev control
   * changes it first; undefined when there is no such tick (automine, manual mining) or a control is set.
   */
  upcomingContext(): BlockContext | undefined {
    if (this.scheduledTickMs === undefined || this.edits.length > 0) return undefined;
    if (this.time.nextTimestamp !== undefined || this.time.prevRandao !== undefined) return undefined;
    const head = this.deps.chain.head();
    return this.contextFor(head, head.header.height + 1n, this.peekTimestamp(head.header.timestamp, this.scheduledTickMs));
  }

  private async buildProposal(height: bigint, round: number, allowEmpty: boolean): Promise<void> {
    const { chain } = this.deps;
    const head = chain.head();
    const baseFee = chain.genesis.minGasPriceWei;
    const maxCount = Number(this.time.gasLimit / 21_000n);
    const candidates = this.deps.candidates(baseFee, maxCount);
    if (candidates.length === 0 && !allowEmpty) return this.step({ kind: 'proposalSkipped', height });
    // an interval-mined block is stamped with its scheduled tick, which the prebuilder could foresee
    const now = this.deps.clock.nowMs();
    const fired = this.firedTickMs;
    const atMs = fired !== undefined && fired <= now && now - fired < Math.max(1000, this.blockTimeMs) ? fired : now;
    this.firedTickMs = undefined;
    this.scheduledTickMs = undefined;
    const ctx = this.contextFor(head, height, this.nextTimestamp(head.header.timestamp, atMs));
    const edits = this.edits;
    this.edits = [];
    const startedMs = this.deps.clock.nowMs();
    try {
      this.pending = await this.deps.executor.build(ctx, candidates, edits);
    } catch (err) {
      this.edits = [...edits, ...this.edits]; // still pending: reads at the head show them
      throw err;
    }
    this.time.prevRandao = undefined;
    this.deps.logger.debug('block built', { height, txs: this.pending.block.transactions.length, ms: this.deps.clock.nowMs() - startedMs });
    return this.step({ kind: 'proposalReady', height, round, blockHash: this.pending.block.hash });
  }

  private async decide(height: bigint, commit: Parameters<Chain['commitBlock']>[3]): Promise<void> {
    const pending = this.pending;
    if (pending === undefined || pending.block.header.height !== height) return;
    this.pending = undefined;
    const { block, executed } = pending;
    await this.deps.executor.commit(block, executed, commit);
    this.deps.logger.debug('block committed', { height: block.header.height, txs: block.transactions.length, gasUsed: block.header.gasUsed });
    await this.deps.onCommitted(block, executed);
    return this.step({ kind: 'committed', height, nowMs: this.deps.clock.nowMs() });
  }
}
