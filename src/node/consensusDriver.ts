/**
 * Runs the Tendermint machine (consensus/tendermint) for one node: every input goes through one queue,
 * is written to the write-ahead log, stepped, and its effects run in order. The machine stays pure; this
 * is where its requests meet the world: the signer (which refuses double-signs), timers on the node's
 * clock, the host that builds, validates and commits blocks, and the outbox that gossips to peers.
 *
 * Two ways to pace heights: a network starts the next height as soon as one is committed (the machine's
 * commit timeout sets the interval); a single-validator chain lets the pacer decide (runHeight), which is
 * how automine, interval and manual mining stay one-validator cases of the same engine.
 *
 * Blocks: the machine deals in block hashes. The driver keeps the blocks of the current height by hash
 * (ours once built, others' once reassembled from parts), answers valid(v) when a proposed block arrives
 * (asking the host to execute it), and hands the decided block to the host to commit.
 *
 * Restart: the log of the current height is replayed into a fresh machine and the effects of the replay
 * run again. They are safe to repeat: the signer returns the same signature for the same message and
 * refuses anything else, stale timeouts and duplicate messages are ignored by the machine, and a block
 * already built (its proposalBuilt is in the log) is not built again.
 */
import { createTendermintState, proposalsOf, stepTendermint } from '../consensus/index.ts';
import type { DuplicateVoteEvidence, Proposal, TendermintEffect, TendermintInput, TendermintState, TimeoutOptions, ValidatorSet, Vote } from '../consensus/index.ts';
import { ChainError, bytesToHex, invariant } from '../primitives/index.ts';
import type { WriteAheadLog } from '../storage/index.ts';
import type { Block, Commit } from '../types/index.ts';
import type { Clock } from './clock.ts';
import { decodeWalEntry, encodeWalEntry } from './consensusWal.ts';
import type { WalEntry } from './consensusWal.ts';
import type { Logger } from './logger.ts';
import type { Signer } from './signer.ts';

/** What the driver needs from the node: blocks and validator sets. */
export interface ConsensusHost {
  /** The set that decides `height`, and the certificate of height-1 its first proposal carries. */
  heightInputs(height: bigint): { validators: ValidatorSet; lastCommit: Commit | null };
  /** getValue(): our block for (height, round), carrying lastCommit; undefined when none could be built. */
  buildProposal(height: bigint, round: number, lastCommit: Commit | null): Promise<Block | undefined>;
  /** valid(v) of a block another validator proposed for the current height. */
  validateBlock(block: Block): Promise<boolean>;
  /** Makes a decided block the head; resolves once it is. */
  commitBlock(block: Block, commit: Commit): Promise<void>;
  /** Whether the chain stops at the head just committed (a governance halt): then no next height starts. */
  halted?(): boolean;
}

/** Where the driver's own messages go: the gossip layer, or nowhere for a node alone. */
export interface ConsensusOutbox {
  proposal(proposal: Proposal, block: Block): void;
  vote(vote: Vote): void;
  evidence(evidence: DuplicateVoteEvidence): void;
  /** The machine entered a new height, round or step: peers are told so they can send what we lack. */
  progress(height: bigint, round: number, step: TendermintState['step']): void;
}

export const SILENT_OUTBOX: ConsensusOutbox = { proposal() {}, vote() {}, evidence() {}, progress() {} };

export interface ConsensusDriverOptions {
  /** Our validator address (the signer's); a full node passes an address outside every set. */
  address: Uint8Array;
  timeouts: TimeoutOptions;
  /** Absent on a full node: it never signs. */
  signer: Signer | undefined;
  /** Absent where progress need not survive a restart (dev chains, which can also be rewound). */
  wal: WriteAheadLog | undefined;
  /** Start the next height by itself after each commit (a network) or wait for runHeight (the pacer). */
  autoAdvance: boolean;
  host: ConsensusHost;
  outbox: ConsensusOutbox;
  clock: Clock;
  logger: Logger;
}

export interface ConsensusStatus {
  height: bigint;
  round: number;
  step: TendermintState['step'];
}

export class ConsensusDriver {
  private state: TendermintState;
  private queue: Promise<void> = Promise.resolve();
  private readonly blocks = new Map<string, Block>();
  /** Blocks whose valid(v) the machine asked for before we had them. */
  private readonly awaitingBlock = new Set<string>();
  private readonly timers = new Set<() => void>();
  /** runHeight callers, told when their height is committed or consensus failed. */
  private readonly committed = new Map<bigint, { resolve: () => void; reject: (err: unknown) => void }>();
  private stopped = false;
  private signer: Signer | undefined;
  private readonly o: ConsensusDriverOptions;
  /** Rounds the last decided height took (metrics). */
  lastDecisionRound = 0;

  constructor(opts: ConsensusDriverOptions) {
    this.o = opts;
    this.signer = opts.signer;
    this.state = createTendermintState({ address: opts.address, timeouts: opts.timeouts });
  }

  status(): ConsensusStatus {
    return { height: this.state.height, round: this.state.round, step: this.state.step };
  }

  /** The set deciding the current height, and the one that decided the previous (for late precommits). */
  validatorsFor(height: bigint): ValidatorSet | undefined {
    if (height === this.state.height) return this.state.validators ?? undefined;
    if (height === this.state.height - 1n) return this.state.lastValidators ?? undefined;
    return undefined;
  }

  /** Starts deciding `height` (a network's first height, or after a restart without a log to replay). */
  start(height: bigint): Promise<void> {
    return this.enqueue(() => this.process([this.startInput(height)]));
  }

  /** The pacer's way: start `height` and resolve once it is committed. */
  runHeight(height: bigint): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.committed.set(height, { resolve, reject }));
    this.enqueue(async () => {
      // a height a replayed log already decided is done
      if (this.state.height > height || (this.state.height === height && this.state.decision !== null)) {
        this.committed.get(height)?.resolve();
        this.committed.delete(height);
        return;
      }
      await this.process([this.startInput(height)]);
    }).catch(() => undefined); // a failure reaches `done` through the queue's handler
    return done;
  }

  /**
   * Forget the machine's state: dev rewinds move the head backwards, and the next start begins afresh,
   * with a fresh signer when given (a rewound dev chain signs its heights again; nobody else saw them).
   */
  reset(signer?: Signer): Promise<void> {
    return this.enqueue(async () => {
      this.cancelTimers();
      if (signer !== undefined) this.signer = signer;
      this.state = createTendermintState({ address: this.o.address, timeouts: this.o.timeouts });
      this.blocks.clear();
      this.awaitingBlock.clear();
      this.o.wal?.reset();
    });
  }

  /** A proposal or vote from a peer, its signature already verified against validatorsFor(height). */
  receiveProposal(proposal: Proposal): Promise<void> {
    return this.enqueue(() => this.process([{ kind: 'proposal', proposal }]));
  }

  receiveVote(vote: Vote): Promise<void> {
    return this.enqueue(() => this.process([{ kind: 'vote', vote }]));
  }

  /** A proposed block reassembled from parts whose hash matched its proposal. */
  receiveBlock(block: Block): Promise<void> {
    return this.enqueue(async () => {
      if (block.header.height !== this.state.height) return;
      const key = bytesToHex(block.hash);
      if (this.blocks.has(key)) return;
      this.holdBlock(block);
      if (!this.awaitingBlock.delete(key)) return;
      const startedMs = this.o.clock.nowMs();
      const valid = await this.o.host.validateBlock(block);
      this.o.logger.debug('block validated', { height: block.header.height, txs: block.transactions.length, valid, ms: this.o.clock.nowMs() - startedMs });
      await this.process([{ kind: 'blockValidity', height: block.header.height, blockHash: block.hash, valid }]);
    });
  }

  /**
   * A block the network already decided (block sync, its certificate verified by the caller): committed
   * as if we had decided it, and consensus moves to the next height. A block for a height we are no
   * longer deciding is ignored.
   */
  applyCommitted(block: Block, commit: Commit): Promise<void> {
    return this.enqueue(async () => {
      if (block.header.height !== this.state.height || this.state.step === 'commit') return;
      this.cancelTimers();
      await this.o.host.commitBlock(block, commit);
      this.committed.get(block.header.height)?.resolve();
      this.committed.delete(block.header.height);
      if (this.o.autoAdvance && this.o.host.halted?.() !== true) await this.process([this.startInput(block.header.height + 1n)]);
    });
  }

  /** The proposals and votes of the current height the machine holds (re-gossip after lost messages). */
  heldMessages(): { proposals: Proposal[]; votes: Vote[] } {
    const proposals: Proposal[] = [];
    const votes: Vote[] = [];
    for (const rm of this.state.log.rounds.values()) {
      proposals.push(...proposalsOf(rm));
      for (const set of [rm.prevotes, rm.precommits]) votes.push(...set.votes.values());
    }
    return { proposals, votes };
  }

  /** A block of the current height we hold, by hash (for peers that ask for a proposal's parts). */
  block(hash: Uint8Array): Block | undefined {
    return this.blocks.get(bytesToHex(hash));
  }

  /**
   * Rebuilds the machine from the log of an interrupted height. Returns false (and clears the log) when
   * there is nothing to resume: no log, or its height is already committed (`headHeight`).
   */
  replay(records: readonly Uint8Array[], headHeight: bigint): Promise<boolean> {
    return this.enqueue(async () => {
      const entries: WalEntry[] = records.map(decodeWalEntry);
      const first = entries[0];
      if (first === undefined || first.kind !== 'height' || first.height !== headHeight + 1n) {
        this.o.wal?.reset();
        return false;
      }
      const effects: TendermintEffect[] = [];
      const built = new Set<string>();
      for (const e of entries) {
        if (e.kind === 'block') {
          this.blocks.set(bytesToHex(e.block.hash), e.block);
          continue;
        }
        const input = e.kind === 'height' ? this.startInput(e.height) : e.input;
        if (input.kind === 'proposalBuilt') built.add(`${input.height}/${input.round}`);
        if (input.kind === 'proposalSigned') built.add(`proposal/${input.proposal.height}/${input.proposal.round}`);
        if (input.kind === 'voteSigned') built.add(`${input.vote.type}/${input.vote.height}/${input.vote.round}`);
        const out = stepTendermint(this.state, input);
        this.state = out.state;
        effects.push(...out.effects);
      }
      this.o.logger.info('consensus resumed from its write-ahead log', { height: this.state.height, round: this.state.round, step: this.state.step, records: entries.length });
      // what the log shows done is not asked again (the signer would refuse all but the last signature)
      const done = (e: TendermintEffect): boolean =>
        (e.kind === 'buildProposal' && built.has(`${e.height}/${e.round}`)) ||
        (e.kind === 'signProposal' && built.has(`proposal/${e.height}/${e.round}`)) ||
        (e.kind === 'signVote' && built.has(`${e.voteType}/${e.height}/${e.round}`));
      const again = effects.filter((e) => !done(e));
      const follow: TendermintInput[] = [];
      for (const effect of again) await this.run(effect, follow);
      await this.process(follow);
      return true;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimers();
    await this.queue;
    for (const waiter of this.committed.values()) waiter.resolve();
    this.committed.clear();
  }

  /** Resolves when every input queued so far has been processed. */
  idle(): Promise<void> {
    return this.queue;
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      if (this.stopped) throw new ChainError('NODE_STOPPED', 'consensus is stopped', {}, 'internal');
      return job();
    });
    // a failed job must not wedge the queue; its caller still sees the failure
    this.queue = result.then(
      () => undefined,
      (err: unknown) => {
        if (!this.stopped) this.o.logger.error('consensus step failed', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
        for (const waiter of this.committed.values()) waiter.reject(err);
        this.committed.clear();
      },
    );
    return result;
  }

  private startInput(height: bigint): TendermintInput {
    const { validators, lastCommit } = this.o.host.heightInputs(height);
    return { kind: 'startHeight', height, validators, lastCommit };
  }

  private holdBlock(block: Block): void {
    this.blocks.set(bytesToHex(block.hash), block);
    this.o.wal?.append(encodeWalEntry({ kind: 'block', block }), false);
  }

  private log(input: TendermintInput): void {
    const wal = this.o.wal;
    if (wal === undefined) return;
    if (input.kind === 'startHeight') {
      // a new height needs nothing of the last one's log; a start the machine ignores must not erase it
      if (this.state.step === 'idle' || input.height > this.state.height) wal.reset([encodeWalEntry({ kind: 'height', height: input.height })]);
      return;
    }
    // our own signed messages are synced before they leave (they carry our lock); the rest can be re-sent by peers
    const own = input.kind === 'voteSigned' || input.kind === 'proposalSigned';
    wal.append(encodeWalEntry({ kind: 'input', input }), own);
  }

  /** Steps inputs in order; effects that produce inputs (signatures, 0 ms timeouts) add to the work list. */
  private async process(work: TendermintInput[]): Promise<void> {
    while (work.length > 0 && !this.stopped) {
      const input = work.shift() as TendermintInput;
      const before = this.state;
      if (input.kind === 'startHeight' && input.height > before.height) {
        this.blocks.clear();
        this.awaitingBlock.clear();
      }
      this.log(input);
      const out = stepTendermint(before, input);
      this.state = out.state;
      for (const effect of out.effects) await this.run(effect, work);
      const s = this.state;
      if (s.height !== before.height || s.round !== before.round || s.step !== before.step) {
        this.o.logger.debug('consensus step', { height: s.height, round: s.round, step: s.step, on: input.kind });
        this.o.outbox.progress(s.height, s.round, s.step);
      }
    }
  }

  private async run(effect: TendermintEffect, work: TendermintInput[]): Promise<void> {
    switch (effect.kind) {
      case 'buildProposal': {
        const block = await this.o.host.buildProposal(effect.height, effect.round, effect.lastCommit);
        if (block === undefined) return; // the propose timeout ends the round
        this.holdBlock(block);
        work.push({ kind: 'proposalBuilt', height: effect.height, round: effect.round, blockHash: block.hash });
        return;
      }
      case 'signProposal': {
        const signer = this.signer;
        invariant(signer !== undefined, 'consensus asked a node without a signer to propose');
        const signature = signer.signProposal(effect.height, effect.round, effect.blockHash, effect.validRound);
        if (signature === undefined) return;
        const proposal: Proposal = { height: effect.height, round: effect.round, blockHash: effect.blockHash, validRound: effect.validRound, proposerAddress: signer.address, signature };
        work.push({ kind: 'proposalSigned', proposal });
        return;
      }
      case 'broadcastProposal': {
        const block = this.blocks.get(bytesToHex(effect.proposal.blockHash));
        invariant(block !== undefined, 'proposing a block the driver does not hold');
        this.o.outbox.proposal(effect.proposal, block);
        return;
      }
      case 'signVote': {
        const signer = this.signer;
        invariant(signer !== undefined, 'consensus asked a node without a signer to vote');
        const signed = signer.signVote(effect.voteType, effect.height, effect.round, effect.blockHash, BigInt(this.o.clock.nowMs()));
        if (signed === undefined) return;
        const vote: Vote = { type: effect.voteType, height: effect.height, round: effect.round, blockHash: effect.blockHash, validatorAddress: signer.address, ...signed };
        work.push({ kind: 'voteSigned', vote });
        return;
      }
      case 'broadcastVote':
        this.o.outbox.vote(effect.vote);
        return;
      case 'validateBlock': {
        const block = this.blocks.get(bytesToHex(effect.blockHash));
        if (block === undefined) {
          this.awaitingBlock.add(bytesToHex(effect.blockHash));
          return;
        }
        const startedMs = this.o.clock.nowMs();
        const valid = await this.o.host.validateBlock(block);
        this.o.logger.debug('block validated', { height: effect.height, txs: block.transactions.length, valid, ms: this.o.clock.nowMs() - startedMs });
        work.push({ kind: 'blockValidity', height: effect.height, blockHash: effect.blockHash, valid });
        return;
      }
      case 'scheduleTimeout': {
        const input: TendermintInput = { kind: 'timeout', step: effect.step, height: effect.height, round: effect.round };
        if (effect.durationMs <= 0) {
          work.push(input);
          return;
        }
        const cancel = this.o.clock.at(this.o.clock.nowMs() + effect.durationMs, () => {
          this.timers.delete(cancel);
          this.enqueue(() => this.process([input])).catch(() => undefined); // logged by the queue
        });
        this.timers.add(cancel);
        return;
      }
      case 'decide': {
        const block = this.blocks.get(bytesToHex(effect.blockHash));
        // the machine decides only a value it holds valid, and it learns validity from blocks we hold
        invariant(block !== undefined, `decided block ${bytesToHex(effect.blockHash)} is not held`);
        const startedMs = this.o.clock.nowMs();
        await this.o.host.commitBlock(block, effect.commit);
        this.o.logger.debug('block decided and committed', { height: effect.height, round: effect.round, ms: this.o.clock.nowMs() - startedMs });
        this.lastDecisionRound = effect.round;
        this.committed.get(effect.height)?.resolve();
        this.committed.delete(effect.height);
        if (this.o.autoAdvance && this.o.host.halted?.() !== true) work.push(this.startInput(effect.height + 1n));
        return;
      }
      case 'reportEvidence':
        this.o.logger.warn('double-sign evidence', { validator: bytesToHex(effect.evidence.voteA.validatorAddress), height: effect.evidence.voteA.height });
        this.o.outbox.evidence(effect.evidence);
        return;
    }
  }

  private cancelTimers(): void {
    for (const cancel of this.timers) cancel();
    this.timers.clear();
  }
}
