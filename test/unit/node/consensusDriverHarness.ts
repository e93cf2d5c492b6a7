/**
 * The harness of consensusDriver.test.ts: a virtual clock over the simulation's EventQueue, N validators
 * with fixed ed25519 keys and their own signers (peers sign real proposals and votes), an in-memory host
 * (blocks with a distinct header per height, round and rewind epoch), a recording outbox, and a driver whose
 * signer state and write-ahead log can be files, so a test can crash it and start another over them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createValidatorSet, nextHeightValidatorSet, proposerForRound } from '../../../src/consensus/index.ts';
import type { Proposal, TimeoutOptions, ValidatorSet, Vote, VoteType } from '../../../src/consensus/index.ts';
import { ed25519KeyFromSeed, ed25519Verify } from '../../../src/crypto/index.ts';
import type { Clock } from '../../../src/node/clock.ts';
import { ConsensusDriver } from '../../../src/node/consensusDriver.ts';
import type { ConsensusHost, ConsensusOutbox, ConsensusStatus } from '../../../src/node/consensusDriver.ts';
import type { Logger } from '../../../src/node/logger.ts';
import { createMemorySignerState, createSigner } from '../../../src/node/signer.ts';
import type { Signer, SignerStateStore } from '../../../src/node/signer.ts';
import { bytesToHex, equalBytes } from '../../../src/primitives/index.ts';
import { openWriteAheadLog } from '../../../src/storage/index.ts';
import type { OpenedLog } from '../../../src/storage/index.ts';
import { createBlock, createValidator, voteSignBytes } from '../../../src/types/index.ts';
import type { Block, Commit } from '../../../src/types/index.ts';
import { EventQueue } from '../../sim/eventQueue.ts';

export const CHAIN = 'cmt-driver-test';
export const START_MS = 1_700_000_000_000;
export const POWER = 10n;
export const TIMEOUTS: TimeoutOptions = { proposeMs: 1000, proposeDeltaMs: 100, prevoteMs: 500, prevoteDeltaMs: 100, precommitMs: 500, precommitDeltaMs: 100, commitMs: 0 };

/** Clock over the simulation's event queue; cancelled timers stay queued but do nothing. */
class VirtualClock implements Clock {
  private readonly queue = new EventQueue();

  constructor(startMs: number) {
    this.queue.nowMs = startMs;
  }

  nowMs(): number {
    return this.queue.nowMs;
  }

  at(atMs: number, fn: () => void): () => void {
    let live = true;
    this.queue.at(atMs, () => {
      if (live) fn();
    });
    return () => {
      live = false;
    };
  }

  /** Moves time forward by `ms`, firing due timers in order and letting `settle` finish the work of each. */
  async advance(ms: number, settle: () => Promise<void>): Promise<void> {
    const to = this.queue.nowMs + ms;
    for (let t = this.queue.peekTimeMs(); t !== undefined && t <= to; t = this.queue.peekTimeMs()) {
      this.queue.runNext();
      await settle();
    }
    this.queue.nowMs = to;
  }
}

export interface Member {
  seed: Uint8Array;
  publicKey: Uint8Array;
  address: Uint8Array;
}

/** N equal-power validators with fixed keys; the set of height h is genesis incremented h-1 times. */
function createNetwork(n: number) {
  const members: Member[] = Array.from({ length: n }, (_, i) => {
    const seed = new Uint8Array(32).fill(0x21 + i);
    const { publicKey } = ed25519KeyFromSeed(seed);
    return { seed, publicKey, address: createValidator(publicKey, POWER).address };
  });
  const sets: ValidatorSet[] = [createValidatorSet(members.map((m) => createValidator(m.publicKey, POWER)))];
  const setFor = (height: bigint): ValidatorSet => {
    while (BigInt(sets.length) < height) sets.push(nextHeightValidatorSet(sets[sets.length - 1] as ValidatorSet));
    return sets[Number(height) - 1] as ValidatorSet;
  };
  const memberAt = (address: Uint8Array): Member => members.find((m) => equalBytes(m.address, address)) as Member;
  const proposerOf = (height: bigint, round: number): Member => memberAt(proposerForRound(setFor(height), round).address);
  // with several validators we are neither the proposer of round 0 nor of round 1 of height 1
  const us = members.find((m) => m !== proposerOf(1n, 0) && m !== proposerOf(1n, 1)) ?? (members[0] as Member);
  const peerSigners = new Map<Member, Signer>();
  const signerOf = (m: Member): Signer => {
    let s = peerSigners.get(m);
    if (s === undefined) peerSigners.set(m, (s = createSigner(m.seed, CHAIN, createMemorySignerState())));
    return s;
  };
  return { members, setFor, proposerOf, us, others: members.filter((m) => m !== us), signerOf };
}
type Network = ReturnType<typeof createNetwork>;

/** A block with a distinct header per (height, round, proposer, epoch): epoch changes after a dev rewind. */
export function makeBlock(height: bigint, round: number, proposer: Uint8Array, lastCommit: Commit | null, epoch = 0): Block {
  const zero = new Uint8Array(32);
  const randao = new Uint8Array(32);
  randao[0] = round;
  randao[1] = epoch;
  const header = {
    height,
    timestamp: 1_700_000_000n + height,
    parentHash: zero,
    proposer,
    stateRoot: zero,
    transactionsRoot: zero,
    receiptsRoot: zero,
    logsBloom: new Uint8Array(256),
    gasUsed: 0n,
    gasLimit: 30_000_000n,
    baseFeePerGas: 0n,
    prevRandao: randao,
    validatorsHash: zero,
    lastCommitHash: zero,
    evidenceHash: zero,
  };
  return createBlock(header, [], lastCommit);
}

class TestHost implements ConsensusHost {
  readonly commits: Array<{ block: Block; commit: Commit }> = [];
  readonly built: Array<{ height: bigint; round: number; lastCommit: Commit | null }> = [];
  readonly validated: Block[] = [];
  readonly invalid = new Set<string>();
  head = 0n;
  epoch = 0;
  buildNothing = false;
  crashOnCommit = false;
  /** A governance halt: no height after this one starts. */
  haltAt: bigint | undefined;

  constructor(
    private readonly net: Network,
    private readonly proposer: Uint8Array,
  ) {}

  heightInputs(height: bigint): { validators: ValidatorSet; lastCommit: Commit | null } {
    return { validators: this.net.setFor(height), lastCommit: this.commitAt(height - 1n) ?? null };
  }

  async buildProposal(height: bigint, round: number, lastCommit: Commit | null): Promise<Block | undefined> {
    this.built.push({ height, round, lastCommit });
    return this.buildNothing ? undefined : makeBlock(height, round, this.proposer, lastCommit, this.epoch);
  }

  async validateBlock(block: Block): Promise<boolean> {
    this.validated.push(block);
    return !this.invalid.has(bytesToHex(block.hash));
  }

  async commitBlock(block: Block, commit: Commit): Promise<void> {
    if (this.crashOnCommit) throw new Error('simulated crash while committing');
    assert.equal(block.header.height, this.head + 1n, 'a commit extends the head');
    this.commits.push({ block, commit });
    this.head = block.header.height;
  }

  halted(): boolean {
    return this.haltAt !== undefined && this.head >= this.haltAt;
  }

  commitAt(height: bigint): Commit | undefined {
    return this.commits.find((c) => c.block.header.height === height)?.commit;
  }

  /** A dev rewind: the head moves back, blocks built from now on differ from the dropped ones. */
  rewind(height: bigint): void {
    const above = this.commits.findIndex((c) => c.block.header.height > height);
    if (above >= 0) this.commits.splice(above);
    this.head = height;
    this.epoch++;
  }
}

class RecordingOutbox implements ConsensusOutbox {
  readonly proposals: Array<{ proposal: Proposal; block: Block }> = [];
  readonly votes: Vote[] = [];
  readonly evidences: unknown[] = [];
  readonly progresses: ConsensusStatus[] = [];
  proposal(proposal: Proposal, block: Block): void {
    this.proposals.push({ proposal, block });
  }
  vote(vote: Vote): void {
    this.votes.push(vote);
  }
  evidence(evidence: unknown): void {
    this.evidences.push(evidence);
  }
  progress(height: bigint, round: number, step: ConsensusStatus['step']): void {
    this.progresses.push({ height, round, step });
  }
}

export interface HarnessOptions {
  validators: number;
  autoAdvance?: boolean;
  timeouts?: Partial<TimeoutOptions>;
  /** The signer's state store; a fresh memory one when absent. */
  signerState?: () => SignerStateStore;
  walPath?: string;
}

const cleanups: Array<() => void> = [];

/** Closes the logs and removes the directories of the harnesses made since the last call (afterEach). */
export function cleanUp(): void {
  for (const c of cleanups.splice(0).reverse()) c();
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cmt-driver-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function createHarness(o: HarnessOptions) {
  const net = createNetwork(o.validators);
  const us = net.us;
  const clock = new VirtualClock(START_MS);
  const host = new TestHost(net, us.address);
  const outbox = new RecordingOutbox();
  const errors: string[] = [];
  const refusals: string[] = [];
  const logger: Logger = { error: (msg, ctx) => errors.push(`${msg} ${JSON.stringify(ctx)}`), warn() {}, info() {}, debug() {} };
  const signerState = o.signerState ?? (() => createMemorySignerState());
  const newSigner = (): Signer => createSigner(us.seed, CHAIN, signerState(), (reason) => refusals.push(reason));
  let wal: OpenedLog | undefined;
  cleanups.push(() => wal?.log.close());
  const newDriver = (signer: Signer): ConsensusDriver => {
    wal?.log.close();
    wal = o.walPath === undefined ? undefined : openWriteAheadLog(o.walPath);
    const opts = { address: us.address, timeouts: { ...TIMEOUTS, ...o.timeouts }, signer, wal: wal?.log, autoAdvance: o.autoAdvance ?? false, host, outbox, clock, logger };
    return new ConsensusDriver(opts);
  };
  const h = {
    net,
    us,
    clock,
    host,
    outbox,
    errors,
    refusals,
    newSigner,
    driver: newDriver(newSigner()),
    settle: (): Promise<void> => h.driver.idle(),
    advance: (ms: number): Promise<void> => clock.advance(ms, () => h.driver.idle()),
    /** The records the log held when it was (re)opened for the current driver. */
    walRecords: (): Uint8Array[] => wal?.records ?? [],
    /** A crash: the driver and its log are dropped; a new driver gets a new signer over the same state. */
    async restart(): Promise<void> {
      await h.driver.stop();
      h.driver = newDriver(newSigner());
    },
    ourVotes: (type?: VoteType, height?: bigint, round?: number): Vote[] =>
      outbox.votes.filter((v) => equalBytes(v.validatorAddress, us.address) && (type === undefined || v.type === type) && (height === undefined || v.height === height) && (round === undefined || v.round === round)),
    proposalFrom(m: Member, height: bigint, round: number, block: Block, validRound = -1): Proposal {
      const signature = net.signerOf(m).signProposal(height, round, block.hash, validRound);
      assert.ok(signature !== undefined, 'the peer signs its proposal');
      return { height, round, blockHash: block.hash, validRound, proposerAddress: m.address, signature };
    },
    voteFrom(m: Member, type: VoteType, height: bigint, round: number, blockHash: Uint8Array | null): Vote {
      const signed = net.signerOf(m).signVote(type, height, round, blockHash, BigInt(clock.nowMs()));
      assert.ok(signed !== undefined, 'the peer signs its vote');
      return { type, height, round, blockHash, validatorAddress: m.address, ...signed };
    },
    /** Feeds the same vote from each of `from`. */
    async votesFrom(from: readonly Member[], type: VoteType, height: bigint, round: number, blockHash: Uint8Array | null): Promise<void> {
      for (const m of from) await h.driver.receiveVote(h.voteFrom(m, type, height, round, blockHash));
    },
    /** Checks every vote we sent is signed by our key and no (height, round, type) carries two values. */
    checkOurVotes(): void {
      const byStep = new Map<string, string>();
      for (const v of h.ourVotes()) {
        assert.ok(ed25519Verify(us.publicKey, voteSignBytes(CHAIN, v.type, v.height, v.round, v.blockHash, v.timestampMs), v.signature), 'our vote verifies');
        const key = `${v.height}/${v.round}/${v.type}`;
        const value = v.blockHash === null ? 'nil' : bytesToHex(v.blockHash);
        assert.equal(byStep.get(key) ?? value, value, `two different ${v.type}s from us at height ${v.height} round ${v.round}`);
        byStep.set(key, value);
      }
    },
  };
  return h;
}
export type Harness = ReturnType<typeof createHarness>;

/** The precommit certificate of `block` signed by `by` (peers' real signatures). */
export function commitBy(h: Harness, by: readonly Member[], block: Block, round = 0): Commit {
  const signatures = by.map((m) => {
    const v = h.voteFrom(m, 'precommit', block.header.height, round, block.hash);
    return { validatorAddress: v.validatorAddress, timestampMs: v.timestampMs, signature: v.signature };
  });
  return { height: block.header.height, round, blockHash: block.hash, signatures };
}

export const hashOf = (v: Vote | undefined): string | null | undefined => (v === undefined ? undefined : v.blockHash === null ? null : bytesToHex(v.blockHash));
