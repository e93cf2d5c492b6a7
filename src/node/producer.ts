/**
 * Block production for the node: the ConsensusHost the Tendermint driver calls (build our proposal,
 * validate others', commit the decided block), and when heights start. On a network each height starts
 * once the previous one is committed; on a single-validator chain the pacer (consensus/pacer.ts) decides,
 * which gives interval mining, automine and manual mining. Dev-mode time controls (evm_increaseTime and
 * friends) shape the next block's context here.
 */
import { createPacerState, stepPacer, validatorSetHash } from '../consensus/index.ts';
import type { PacerEffect, PacerInput, PacerState, TimeoutOptions, ValidatorSet } from '../consensus/index.ts';
import { prevRandaoFor } from '../execution/index.ts';
import type { BlockContext, ExecutedBlock, ValidatedTx } from '../execution/index.ts';
import { ChainError, bytesToHex, equalBytes } from '../primitives/index.ts';
import type { OpenedLog } from '../storage/index.ts';
import { governanceInfo } from '../staking/index.ts';
import { evidenceKey } from '../types/index.ts';
import type { Block, Commit, DuplicateVoteEvidence } from '../types/index.ts';
import type { DevEdit } from '../rpc/index.ts';
import { checkProposedHeader } from './blockChecks.ts';
import { checkEvidence, isTooOld } from './evidencePool.ts';
import type { EvidencePool } from './evidencePool.ts';
import type { Chain } from './chain.ts';
import { ConsensusDriver } from './consensusDriver.ts';
import type { ConsensusHost, ConsensusOutbox } from './consensusDriver.ts';
import type { ProposalExecutor } from './executor.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';
import type { Signer } from './signer.ts';
import { createValidatorSets } from './validatorSets.ts';
import type { ValidatorSets } from './validatorSets.ts';

export interface ProducerDeps {
  chain: Chain;
  executor: ProposalExecutor;
  clock: Clock;
  logger: Logger;
  feePool: Uint8Array;
  /** Executable transactions in block order. */
  candidates(baseFee: bigint, maxCount: number): ValidatedTx[];
  /** A proposed block's transactions with their senders; throws on one that is not a valid transaction. */
  blockTransactions(block: Block): ValidatedTx[];
  /** Double-sign evidence waiting for a block, and what is already committed. */
  evidence: EvidencePool;
  onCommitted(block: Block, executed: ExecutedBlock): Promise<void>;
  /** The chain has just halted (governance): whatever waits for a block gets this error instead. */
  onHalted(err: ChainError): void;
}

export interface ConsensusSetup {
  /** 'paced': a single validator whose heights start when the pacer says; 'network': one after another. */
  mode: 'paced' | 'network';
  /** Absent on a full node. */
  signer: Signer | undefined;
  /** Dev chains only: a signer that has signed nothing, for after a rewind (the old one would refuse). */
  freshSigner?: () => Signer;
  /** The consensus write-ahead log, as opened (its records are replayed at start). */
  wal: OpenedLog | undefined;
  timeouts: TimeoutOptions;
  outbox: ConsensusOutbox;
}

/** Dev-mode controls of the next block's time, gas limit and randomness (evm_increaseTime and friends). */
export interface BlockTimeControl {
  offsetSec: bigint;
  nextTimestamp: bigint | undefined;
  gasLimit: bigint;
  /** hardhat_setPrevRandao: the next block's prevRandao instead of the derived one; used once. */
  prevRandao: Uint8Array | undefined;
}

/**
 * PERF: a network proposal must be built and on the wire before the other validators' propose timeout
 * (1 s on the dev preset), or they prevote nil and the round is lost, with all its work. A backlog of
 * thousands of transactions took ~2 s to build on a loaded 2-core machine (docs/performance.md), so a
 * proposal carries at most this many; the rest go in the next block, a few hundred milliseconds later.
 */
export const NETWORK_PROPOSAL_MAX_TXS = 500;

/** A full node signs nothing; this address is in no validator set. */
const NO_VALIDATOR = new Uint8Array(20);

export class BlockProducer implements ConsensusHost {
  readonly consensus: ConsensusDriver;
  readonly validatorSets: ValidatorSets;
  private pacer: PacerState;
  private queue: Promise<void> = Promise.resolve();
  private cancelTimer: (() => void) | undefined;
  /** The last block built or validated, with its execution: committing it needs no second run. */
  private pending: { block: Block; executed: ExecutedBlock } | undefined;
  /** Counts requests to the executor, which keeps only the last block: a result older than that is gone. */
  private executorSeq = 0;
  private prebuilt: { height: bigint; built: Promise<{ block: Block; executed: ExecutedBlock } | undefined> } | undefined;
  private stopped = false;
  /** The height a governance halt stopped the chain at (CyberMiles' retire_program): nothing after it. */
  private haltHeight: bigint | undefined;
  private edits: DevEdit[] = [];
  private randaoCache: { parent: Uint8Array; value: Uint8Array } | undefined;
  private contextCache: { key: string; ctx: BlockContext } | undefined;
  /** When the pending timeout will fire, and when the one that fired was due (the block's time). */
  private scheduledTickMs: number | undefined;
  private firedTickMs: number | undefined;
  readonly time: BlockTimeControl;
  private readonly deps: ProducerDeps;
  private readonly setup: ConsensusSetup;
  private readonly proposer: Uint8Array;

  constructor(blockTimeMs: number, deps: ProducerDeps, setup: ConsensusSetup) {
    this.deps = deps;
    this.setup = setup;
    this.pacer = createPacerState(blockTimeMs);
    this.proposer = setup.signer?.address ?? NO_VALIDATOR;
    this.validatorSets = createValidatorSets(deps.chain.genesis, { store: deps.chain.store, headHeight: () => deps.chain.head().header.height });
    this.time = { offsetSec: 0n, nextTimestamp: undefined, gasLimit: deps.chain.genesis.blockGasLimit, prevRandao: undefined };
    const paced = setup.mode === 'paced';
    this.consensus = new ConsensusDriver({
      address: this.proposer,
      // alone, nobody's late precommit can join our certificate: the next height need not wait for one
      timeouts: paced ? { ...setup.timeouts, commitMs: 0 } : setup.timeouts,
      signer: setup.signer,
      wal: setup.wal?.log,
      autoAdvance: !paced,
      host: this,
      outbox: setup.outbox,
      clock: deps.clock,
      logger: deps.logger,
    });
  }

  get blockTimeMs(): number {
    return this.pacer.blockTimeMs;
  }

  /** Starts (or, after a dev rewind, restarts) deciding the height above the head; not past a governance halt. */
  async start(): Promise<void> {
    const head = this.deps.chain.head();
    const now = this.deps.clock.nowMs();
    this.haltHeight = undefined; // a dev rewind may have gone back before the halt
    if (await this.reachedHalt(head.header.height)) return;
    if (this.setup.mode === 'network') {
      const records = this.setup.wal?.records ?? [];
      void this.consensus.replay(records, head.header.height).then((resumed) => (resumed ? undefined : this.consensus.start(head.header.height + 1n)));
      return;
    }
    const records = this.setup.wal?.records ?? [];
    if (this.setup.freshSigner !== undefined || records.length === 0) void this.consensus.reset(this.setup.freshSigner?.());
    // a validator that crashed mid-height resumes it (the pacer's start of the same height is then a no-op)
    else void this.consensus.replay(records, head.header.height).catch(() => undefined);
    if (this.setup.wal !== undefined) this.setup.wal.records = [];
    this.dispatch({ kind: 'start', height: head.header.height + 1n, lastBlockTimeMs: now, nowMs: now }).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    await this.consensus.stop();
    await this.queue;
  }

  /** Feeds the pacer; resolves once every effect it caused has run (a started height is committed). */
  dispatch(input: PacerInput): Promise<void> {
    if (this.setup.mode === 'network') return Promise.resolve(); // a network paces itself
    const run = (): Promise<void> => this.step(input);
    this.queue = this.queue.then(run, run);
    return this.queue;
  }

  /** Inputs produced while running an effect are stepped at once, inside the same queue slot. */
  private async step(input: PacerInput): Promise<void> {
    if (this.stopped || this.haltHeight !== undefined) return;
    const out = stepPacer(this.pacer, input);
    this.pacer = out.state;
    for (const effect of out.effects) await this.run(effect);
  }

  /** Resolves when the queue is idle (every height started so far is committed). */
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

  private async run(effect: PacerEffect): Promise<void> {
    switch (effect.kind) {
      case 'scheduleTimeout':
        this.cancelTimer?.();
        this.scheduledTickMs = effect.atMs;
        this.cancelTimer = this.deps.clock.at(effect.atMs, () => {
          this.firedTickMs = effect.atMs;
          this.dispatch({ kind: 'timeout', height: effect.height, nowMs: this.deps.clock.nowMs() }).catch(() => undefined);
        });
        return;
      case 'startHeight':
        if (!effect.allowEmpty && this.candidates().length === 0) return this.step({ kind: 'skipped', height: effect.height });
        await this.consensus.runHeight(effect.height);
        return this.step({ kind: 'committed', height: effect.height, nowMs: this.deps.clock.nowMs() });
    }
  }

  private candidates(): ValidatedTx[] {
    const byGas = Number(this.time.gasLimit / 21_000n);
    const max = this.setup.mode === 'network' ? Math.min(byGas, NETWORK_PROPOSAL_MAX_TXS) : byGas;
    return this.deps.candidates(this.deps.chain.genesis.minGasPriceWei, max);
  }

  /** The timestamp the next block on top of `parentTimestamp` will have (also what pending calls see). */
  peekTimestamp(parentTimestamp: bigint, atMs: number = this.deps.clock.nowMs()): bigint {
    if (this.time.nextTimestamp !== undefined) return this.time.nextTimestamp;
    const now = BigInt(Math.floor(atMs / 1000)) + this.time.offsetSec;
    // a network makes several blocks a second: its time must not run ahead of the clock, so equal is allowed
    if (this.setup.mode === 'network') return now > parentTimestamp ? now : parentTimestamp;
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
  private contextFor(head: Block, height: bigint, timestamp: bigint, lastCommit: Commit | null = this.lastCommit(head), evidence: DuplicateVoteEvidence[] = []): BlockContext {
    const prevRandao = this.time.prevRandao;
    const signers = lastCommit === null ? 0 : lastCommit.signatures.length;
    const key = `${bytesToHex(head.hash)}/${height}/${timestamp}/${this.time.gasLimit}/${prevRandao === undefined ? '' : bytesToHex(prevRandao)}/${signers}/${evidence.length}`;
    if (this.contextCache?.key === key) return this.contextCache.ctx;
    const ctx: BlockContext = {
      parentHash: head.hash,
      height,
      timestamp,
      proposer: this.proposer,
      gasLimit: this.time.gasLimit,
      baseFeePerGas: this.deps.chain.genesis.minGasPriceWei,
      validatorsHash: validatorSetHash(this.validatorSets.at(height)),
      lastCommit,
      feePool: this.deps.feePool,
      ...(prevRandao === undefined ? {} : { prevRandao }),
      ...(evidence.length === 0 ? {} : { evidence }),
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

  // ---- ConsensusHost ----

  heightInputs(height: bigint): { validators: ValidatorSet; lastCommit: Commit | null } {
    return { validators: this.validatorSets.at(height), lastCommit: height <= 1n ? null : (this.deps.chain.store.commit(height - 1n) ?? null) };
  }

  async buildProposal(height: bigint, round: number, lastCommit: Commit | null): Promise<Block | undefined> {
    const head = this.deps.chain.head();
    if (head.header.height + 1n !== height) return undefined; // block sync moved the head meanwhile
    const early = this.prebuilt;
    this.prebuilt = undefined;
    if (early !== undefined && early.height === height && round === 0) {
      const built = await early.built;
      // only while it is still the executor's block (nothing else went through the executor since)
      if (built !== undefined && this.pending?.block === built.block) return built.block;
    }
    return (await this.build(height, round, lastCommit)).block;
  }

  /**
   * PERF: a network proposer knows it proposes round 0 of the next height as soon as this one commits, so
   * it builds that block during the commit timeout instead of after it (docs/performance.md).
   */
  private prebuild(height: bigint): void {
    if (!equalBytes(this.validatorSets.at(height).proposer.address, this.proposer)) return;
    this.prebuilt = { height, built: this.build(height, 0, this.lastCommit(this.deps.chain.head())).catch(() => undefined) };
  }

  private async build(height: bigint, round: number, lastCommit: Commit | null): Promise<{ block: Block; executed: ExecutedBlock }> {
    const { chain } = this.deps;
    const head = chain.head();
    const seq = ++this.executorSeq;
    const candidates = this.candidates();
    // an interval-mined block is stamped with its scheduled tick, which the prebuilder could foresee
    const now = this.deps.clock.nowMs();
    const fired = this.firedTickMs;
    const atMs = fired !== undefined && fired <= now && now - fired < Math.max(1000, this.blockTimeMs) ? fired : now;
    this.firedTickMs = undefined;
    this.scheduledTickMs = undefined;
    const timestamp = this.nextTimestamp(head.header.timestamp, atMs);
    // a network's certificate may have gained late precommits since it was stored; alone, it is the stored one
    const ctx =
      this.setup.mode === 'network' ? this.contextFor(head, height, timestamp, lastCommit, this.deps.evidence.forProposal(height)) : this.contextFor(head, height, timestamp);
    const edits = this.edits;
    this.edits = [];
    const startedMs = this.deps.clock.nowMs();
    let built: { block: Block; executed: ExecutedBlock };
    try {
      built = await this.deps.executor.build(ctx, candidates, edits);
    } catch (err) {
      this.edits = [...edits, ...this.edits]; // still pending: reads at the head show them
      throw err;
    }
    if (seq === this.executorSeq) this.pending = built;
    this.time.prevRandao = undefined;
    this.deps.logger.debug('block built', { height, round, txs: built.block.transactions.length, ms: this.deps.clock.nowMs() - startedMs });
    return built;
  }

  async validateBlock(block: Block): Promise<boolean> {
    const head = this.deps.chain.head();
    const height = block.header.height;
    let problem = checkProposedHeader(block, {
      parent: head,
      genesis: this.deps.chain.genesis,
      validators: this.validatorSets.at(height),
      parentValidators: height > 1n ? this.validatorSets.at(height - 1n) : undefined,
      nowMs: this.deps.clock.nowMs(),
    });
    if (problem === undefined) problem = this.checkBlockEvidence(block);
    if (problem === undefined) {
      try {
        this.pending = await this.execute(block);
        return true;
      } catch (err) {
        if (!(err instanceof ChainError) || err.action === 'internal') throw err;
        this.deps.logger.warn('proposed block is invalid', { height, hash: bytesToHex(block.hash), reason: err.message });
        return false;
      }
    }
    this.deps.logger.warn('proposed block is invalid', { height, hash: bytesToHex(block.hash), reason: problem });
    return false;
  }

  async commitBlock(block: Block, commit: Commit): Promise<void> {
    let pending = this.pending;
    this.pending = undefined;
    // the executor keeps one block: a later round's proposal may have replaced the one decided
    const t0 = this.deps.clock.nowMs();
    const reexecuted = pending === undefined || !equalBytes(pending.block.hash, block.hash);
    if (reexecuted) pending = await this.execute(block);
    const { executed } = pending as { block: Block; executed: ExecutedBlock };
    const t1 = this.deps.clock.nowMs();
    await this.deps.executor.commit(block, executed, commit);
    const t2 = this.deps.clock.nowMs();
    await this.deps.onCommitted(block, executed);
    const t3 = this.deps.clock.nowMs();
    // PERF: the answers onCommitted released (an automined transaction's sender waits for one) go out first;
    // the halt check's state reads ran between their microtasks and held them ~0.2 ms (ADR 0027)
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (await this.reachedHalt(block.header.height)) return;
    if (this.setup.mode === 'network') this.prebuild(block.header.height + 1n);
    this.deps.logger.debug('block committed', { height: block.header.height, round: commit.round, txs: block.transactions.length, reexecuteMs: reexecuted ? t1 - t0 : 0, storeMs: t2 - t1, afterMs: t3 - t2 });
  }

  /** Refuses what would need a block after a governance halt (transactions, dev mining). */
  requireRunning(): void {
    if (this.haltHeight !== undefined) throw this.haltedError(this.haltHeight);
  }

  private haltedError(haltHeight: bigint): ChainError {
    return new ChainError('CHAIN_HALTED', `the chain halted at height ${haltHeight} by a governance proposal: it takes no more blocks or transactions`);
  }

  halted(): boolean {
    return this.haltHeight !== undefined;
  }

  /**
   * Whether an approved halt proposal stops the chain at `height` (committed): the block at the halt height is
   * the last one; every later height is refused, and a restart stays halted (continuing needs new software,
   * as CyberMiles' retire_program intended: it preceded upgrades).
   */
  private async reachedHalt(height: bigint): Promise<boolean> {
    if (this.haltHeight !== undefined) return true;
    const { haltHeight } = await governanceInfo(this.deps.chain.readState(height));
    if (haltHeight === 0n || haltHeight > height) return false;
    this.haltHeight = haltHeight;
    this.cancelTimer?.();
    // a transaction admitted between the last block's commit and this check waits for a block that will not come
    this.deps.onHalted(this.haltedError(haltHeight));
    this.deps.logger.warn('chain halted by governance: no block after this height', { haltHeight, head: height });
    return true;
  }

  /** Each piece must prove a double-sign by a member of its height's set, once, and not be committed already. */
  private checkBlockEvidence(block: Block): string | undefined {
    const keys = new Set<string>();
    for (const e of block.evidence) {
      const key = evidenceKey(e);
      if (keys.has(key) || this.deps.evidence.isCommitted(e)) return `evidence against ${bytesToHex(e.voteA.validatorAddress)} is repeated`;
      keys.add(key);
      if (e.voteA.height > block.header.height || e.voteA.height < 1n) return `evidence of height ${e.voteA.height} in block ${block.header.height}`;
      if (isTooOld(e, block.header.height)) return `evidence of height ${e.voteA.height} is too old for block ${block.header.height}`;
      const problem = checkEvidence(e, this.validatorSets.at(e.voteA.height), this.deps.chain.genesis.consensusChainId);
      if (problem !== undefined) return `evidence: ${problem}`;
    }
    return undefined;
  }

  /**
   * Re-executes another proposer's block on our head with the context its header claims; throws a
   * rejection unless the result is the very same block (same hash, so same roots, gas and bloom).
   */
  private async execute(block: Block): Promise<{ block: Block; executed: ExecutedBlock }> {
    const head = this.deps.chain.head();
    const h = block.header;
    const ctx: BlockContext = {
      parentHash: head.hash,
      height: h.height,
      timestamp: h.timestamp,
      proposer: h.proposer,
      gasLimit: this.deps.chain.genesis.blockGasLimit,
      baseFeePerGas: this.deps.chain.genesis.minGasPriceWei,
      validatorsHash: validatorSetHash(this.validatorSets.at(h.height)),
      lastCommit: block.lastCommit,
      feePool: this.deps.feePool,
      ...(block.evidence.length === 0 ? {} : { evidence: block.evidence }),
    };
    const txs = this.deps.blockTransactions(block);
    this.executorSeq++;
    const built = await this.deps.executor.build(ctx, txs, []);
    if (!equalBytes(built.block.hash, block.hash)) {
      const why = built.executed.rejected.length > 0 ? `transaction ${built.executed.rejected[0]?.tx.hash} fails: ${built.executed.rejected[0]?.reason}` : 'its header differs from the re-executed one';
      throw new ChainError('INVALID_BLOCK', `block ${h.height} ${bytesToHex(block.hash)}: ${why}`, { height: h.height.toString() }, 'reject');
    }
    return built;
  }
}
