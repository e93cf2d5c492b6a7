/**
 * ConsensusDriver with real parts around it: ed25519 signers with their double-sign guard (memory and file
 * state), the write-ahead log on a temporary file, a virtual clock over the simulation's EventQueue (time
 * moves only when a test advances it), a recording outbox and an in-memory host. Peers' proposals and votes
 * are signed by their own signers, so every certificate the driver produces is checked with verifyCommit.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { createValidatorSet, nextHeightValidatorSet, proposerForRound, verifyCommit } from '../../../src/consensus/index.ts';
import type { Proposal, TimeoutOptions, ValidatorSet, Vote, VoteType } from '../../../src/consensus/index.ts';
import { ed25519KeyFromSeed, ed25519Verify } from '../../../src/crypto/index.ts';
import type { Clock } from '../../../src/node/clock.ts';
import { ConsensusDriver } from '../../../src/node/consensusDriver.ts';
import type { ConsensusHost, ConsensusOutbox, ConsensusStatus } from '../../../src/node/consensusDriver.ts';
import { decodeWalEntry } from '../../../src/node/consensusWal.ts';
import type { Logger } from '../../../src/node/logger.ts';
import { createFileSignerState, createMemorySignerState, createSigner } from '../../../src/node/signer.ts';
import type { Signer, SignerStateStore } from '../../../src/node/signer.ts';
import { bytesToHex, equalBytes } from '../../../src/primitives/index.ts';
import { openWriteAheadLog } from '../../../src/storage/index.ts';
import type { OpenedLog } from '../../../src/storage/index.ts';
import { createBlock, createValidator, proposalSignBytes, voteSignBytes } from '../../../src/types/index.ts';
import type { Block, Commit } from '../../../src/types/index.ts';
import { EventQueue } from '../../sim/eventQueue.ts';

const CHAIN = 'cmt-driver-test';
const START_MS = 1_700_000_000_000;
const POWER = 10n;
const TIMEOUTS: TimeoutOptions = { proposeMs: 1000, proposeDeltaMs: 100, prevoteMs: 500, prevoteDeltaMs: 100, precommitMs: 500, precommitDeltaMs: 100, commitMs: 0 };

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

interface Member {
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
function makeBlock(height: bigint, round: number, proposer: Uint8Array, lastCommit: Commit | null, epoch = 0): Block {
  const zero = new Uint8Array(32);
  const randao = new Uint8Array(32);
  randao[0] = round;
  randao[1] = epoch;
  return createBlock(
    {
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
    },
    [],
    lastCommit,
  );
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

  commitAt(height: bigint): Commit | undefined {
    return this.commits.find((c) => c.block.header.height === height)?.commit;
  }

  /** A dev rewind: the head moves back, blocks built from now on differ from the dropped ones. */
  rewind(height: bigint): void {
    this.commits.splice(this.commits.findIndex((c) => c.block.header.height > height));
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

interface HarnessOptions {
  validators: number;
  autoAdvance?: boolean;
  timeouts?: Partial<TimeoutOptions>;
  /** The signer's state store; a fresh memory one when absent. */
  signerState?: () => SignerStateStore;
  walPath?: string;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cmt-driver-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function createHarness(o: HarnessOptions) {
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
  const newDriver = (signer: Signer): ConsensusDriver => {
    wal?.log.close();
    wal = o.walPath === undefined ? undefined : openWriteAheadLog(o.walPath);
    if (wal !== undefined) cleanups.push(() => wal?.log.close());
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
type Harness = ReturnType<typeof createHarness>;

/** The precommit certificate of `block` signed by `by` (peers' real signatures). */
function commitBy(h: Harness, by: readonly Member[], block: Block, round = 0): Commit {
  const signatures = by.map((m) => {
    const v = h.voteFrom(m, 'precommit', block.header.height, round, block.hash);
    return { validatorAddress: v.validatorAddress, timestampMs: v.timestampMs, signature: v.signature };
  });
  return { height: block.header.height, round, blockHash: block.hash, signatures };
}

const hashOf = (v: Vote | undefined): string | null | undefined => (v === undefined ? undefined : v.blockHash === null ? null : bytesToHex(v.blockHash));

describe('ConsensusDriver, one validator paced by runHeight', () => {
  test('runHeight(1) commits a certified block; runHeight(2) carries the commit of height 1 into its proposal', async () => {
    const h = createHarness({ validators: 1 });
    const set1 = h.net.setFor(1n);
    await h.driver.runHeight(1n);
    assert.equal(h.host.commits.length, 1);
    const first = h.host.commits[0] as { block: Block; commit: Commit };
    assert.deepEqual(h.host.built, [{ height: 1n, round: 0, lastCommit: null }]);
    assert.equal(verifyCommit(first.commit, set1, CHAIN, 1n, first.block.hash), POWER);
    assert.equal(first.commit.round, 0);
    assert.deepEqual(h.driver.status(), { height: 1n, round: 0, step: 'commit' });

    assert.equal(h.outbox.proposals.length, 1);
    const { proposal, block } = h.outbox.proposals[0] as { proposal: Proposal; block: Block };
    assert.equal(block, first.block, 'the proposed block is the committed one');
    assert.ok(ed25519Verify(h.us.publicKey, proposalSignBytes(CHAIN, 1n, 0, block.hash, -1), proposal.signature));
    assert.deepEqual(h.ourVotes().map((v) => [v.type, v.height, v.round, hashOf(v)]), [
      ['prevote', 1n, 0, bytesToHex(block.hash)],
      ['precommit', 1n, 0, bytesToHex(block.hash)],
    ]);
    assert.deepEqual(h.outbox.progresses[0], { height: 1n, round: 0, step: 'propose' });

    await h.driver.runHeight(2n);
    assert.equal(h.host.commits.length, 2);
    const carried = h.host.built[1];
    assert.equal(carried?.height, 2n);
    assert.ok(carried?.lastCommit, 'height 2 is built with the certificate of height 1');
    assert.deepEqual(carried.lastCommit, first.commit);
    assert.equal(verifyCommit(carried.lastCommit, set1, CHAIN, 1n, first.block.hash), POWER);
    const second = h.host.commits[1] as { block: Block; commit: Commit };
    assert.deepEqual(second.block.lastCommit, first.commit);
    assert.equal(verifyCommit(second.commit, h.net.setFor(2n), CHAIN, 2n, second.block.hash), POWER);
    h.checkOurVotes();
    assert.deepEqual(h.errors, []);
  });

  test('with a commit timeout, the next height waits for it on the clock', async () => {
    const h = createHarness({ validators: 1, timeouts: { commitMs: 200 } });
    await h.driver.runHeight(1n);
    const next = h.driver.runHeight(2n);
    await h.settle();
    assert.deepEqual(h.driver.status(), { height: 2n, round: 0, step: 'newHeight' });
    await h.advance(199);
    assert.equal(h.host.built.length, 1, 'not started before the commit timeout');
    await h.advance(1);
    await next;
    assert.equal(h.host.built.length, 2);
    assert.equal(h.host.commits.length, 2);
    assert.deepEqual(h.errors, []);
  });

  test('a proposer that cannot build a block prevotes and precommits nil at the propose timeout, then decides in round 1', async () => {
    const h = createHarness({ validators: 1 });
    h.host.buildNothing = true;
    const done = h.driver.runHeight(1n);
    await h.settle();
    assert.equal(h.host.built.length, 1);
    await h.advance(TIMEOUTS.proposeMs - 1);
    assert.deepEqual(h.ourVotes(), [], 'no vote before the propose timeout');
    await h.advance(1);
    assert.deepEqual(h.ourVotes().map((v) => [v.type, v.round, v.blockHash]), [
      ['prevote', 0, null],
      ['precommit', 0, null],
    ]);
    h.host.buildNothing = false;
    await h.advance(TIMEOUTS.precommitMs);
    await done;
    assert.deepEqual(h.host.built.map((b) => b.round), [0, 1]);
    const { block, commit } = h.host.commits[0] as { block: Block; commit: Commit };
    assert.equal(commit.round, 1);
    assert.equal(h.driver.lastDecisionRound, 1);
    assert.equal(verifyCommit(commit, h.net.setFor(1n), CHAIN, 1n, block.hash), POWER);
    h.checkOurVotes();
    assert.deepEqual(h.errors, []);
  });
});

describe('ConsensusDriver, one of four validators', () => {
  /** Height 1, round 0: its proposer's block and signed proposal. */
  function round0(h: Harness): { block: Block; proposal: Proposal; proposer: Member } {
    const proposer = h.net.proposerOf(1n, 0);
    assert.notEqual(proposer, h.us, 'premise: we do not propose round 0');
    const block = makeBlock(1n, 0, proposer.address, null);
    return { block, proposal: h.proposalFrom(proposer, 1n, 0, block), proposer };
  }

  test('proposal and block from the proposer, then peers\' votes: we prevote and precommit it, and commit it', async () => {
    const h = createHarness({ validators: 4 });
    await h.driver.start(1n);
    assert.deepEqual(h.driver.status(), { height: 1n, round: 0, step: 'propose' });
    assert.equal(h.host.built.length, 0, 'not the proposer: nothing built');
    const { block, proposal } = round0(h);
    await h.driver.receiveBlock(block);
    await h.driver.receiveProposal(proposal);
    assert.deepEqual(h.host.validated, [block]);
    assert.deepEqual(h.ourVotes().map((v) => [v.type, hashOf(v)]), [['prevote', bytesToHex(block.hash)]]);
    assert.deepEqual(h.driver.status(), { height: 1n, round: 0, step: 'prevote' });

    const [a, b] = h.net.others;
    await h.votesFrom([a as Member, b as Member], 'prevote', 1n, 0, block.hash);
    assert.deepEqual(h.ourVotes('precommit').map(hashOf), [bytesToHex(block.hash)]);
    assert.equal(h.host.commits.length, 0, 'one precommit is no certificate');

    await h.votesFrom([a as Member], 'precommit', 1n, 0, block.hash);
    assert.equal(h.host.commits.length, 0, 'two of four precommits are no certificate');
    await h.votesFrom([b as Member], 'precommit', 1n, 0, block.hash);
    assert.equal(h.host.commits.length, 1);
    const { block: committed, commit } = h.host.commits[0] as { block: Block; commit: Commit };
    assert.equal(committed, block);
    assert.equal(commit.signatures.length, 3);
    assert.equal(verifyCommit(commit, h.net.setFor(1n), CHAIN, 1n, block.hash), 3n * POWER);
    assert.ok(commit.signatures.some((s) => equalBytes(s.validatorAddress, h.us.address)), 'our precommit is in the certificate');
    assert.deepEqual(h.driver.status(), { height: 1n, round: 0, step: 'commit' });
    assert.equal(h.outbox.proposals.length, 0, 'we proposed nothing');
    h.checkOurVotes();
    assert.deepEqual(h.errors, []);
  });

  test('a block arriving after its proposal: validation waits for it, then we prevote it', async () => {
    const h = createHarness({ validators: 4 });
    await h.driver.start(1n);
    const { block, proposal } = round0(h);
    await h.driver.receiveProposal(proposal);
    assert.equal(h.host.validated.length, 0, 'nothing to validate without the block');
    assert.deepEqual(h.ourVotes(), []);
    assert.equal(h.driver.block(block.hash), undefined);
    await h.driver.receiveBlock(block);
    assert.deepEqual(h.host.validated, [block]);
    assert.equal(h.driver.block(block.hash), block);
    assert.deepEqual(h.ourVotes().map((v) => [v.type, hashOf(v)]), [['prevote', bytesToHex(block.hash)]]);
    await h.driver.receiveBlock(block);
    assert.equal(h.host.validated.length, 1, 'a block already held is not validated again');
    h.checkOurVotes();
    assert.deepEqual(h.errors, []);
  });

  test('an invalid block gets a nil prevote and is never committed', async () => {
    const h = createHarness({ validators: 4 });
    await h.driver.start(1n);
    const { block, proposal } = round0(h);
    h.host.invalid.add(bytesToHex(block.hash));
    await h.driver.receiveProposal(proposal);
    await h.driver.receiveBlock(block);
    assert.deepEqual(h.ourVotes().map((v) => [v.type, v.blockHash]), [['prevote', null]]);
    const [a, b] = h.net.others;
    await h.votesFrom([a as Member, b as Member], 'prevote', 1n, 0, block.hash);
    assert.deepEqual(h.ourVotes('precommit'), [], 'no precommit for an invalid block');
    assert.equal(h.host.commits.length, 0);
    h.checkOurVotes();
    assert.deepEqual(h.errors, []);
  });

  test('a block of another height is not held', async () => {
    const h = createHarness({ validators: 4 });
    await h.driver.start(1n);
    const other = makeBlock(2n, 0, h.net.proposerOf(2n, 0).address, null);
    await h.driver.receiveBlock(other);
    assert.equal(h.driver.block(other.hash), undefined);
    assert.deepEqual(h.errors, []);
  });
});

describe('ConsensusDriver timeouts on the virtual clock', () => {
  test('no proposal: nil prevote at the propose timeout, nil precommit on a nil polka, round 1 at the precommit timeout', async () => {
    const h = createHarness({ validators: 4 });
    await h.driver.start(1n);
    await h.advance(TIMEOUTS.proposeMs - 1);
    assert.deepEqual(h.ourVotes(), [], 'still waiting for a proposal');
    await h.advance(1);
    const [prevote] = h.ourVotes('prevote', 1n, 0);
    assert.ok(prevote);
    assert.equal(prevote.blockHash, null);
    assert.equal(prevote.timestampMs, BigInt(START_MS + TIMEOUTS.proposeMs), 'signed at the clock\'s time');
    assert.deepEqual(h.driver.status(), { height: 1n, round: 0, step: 'prevote' });

    const [a, b] = h.net.others;
    await h.votesFrom([a as Member, b as Member], 'prevote', 1n, 0, null);
    assert.deepEqual(h.ourVotes('precommit', 1n, 0).map((v) => v.blockHash), [null]);
    await h.votesFrom([a as Member, b as Member], 'precommit', 1n, 0, null);
    await h.advance(TIMEOUTS.precommitMs - 1);
    assert.equal(h.driver.status().round, 0);
    await h.advance(1);
    assert.deepEqual(h.driver.status(), { height: 1n, round: 1, step: 'propose' });

    // round 1's propose timeout is longer by one delta
    await h.advance(TIMEOUTS.proposeMs + TIMEOUTS.proposeDeltaMs - 1);
    assert.deepEqual(h.ourVotes('prevote', 1n, 1), []);
    await h.advance(1);
    assert.deepEqual(h.ourVotes('prevote', 1n, 1).map((v) => v.blockHash), [null]);
    assert.equal(h.host.commits.length, 0);
    h.checkOurVotes();
    assert.deepEqual(h.errors, []);
  });
});

describe('ConsensusDriver crash and restart through the write-ahead log', () => {
  /** A four-validator harness whose signer state and log are files, that has received round 0's proposal and block. */
  async function prevotedBlock() {
    const dir = tempDir();
    const signerPath = join(dir, 'priv_validator_state.json');
    const h = createHarness({ validators: 4, walPath: join(dir, 'cs.wal'), signerState: () => createFileSignerState(signerPath) });
    await h.driver.start(1n);
    const proposer = h.net.proposerOf(1n, 0);
    const block = makeBlock(1n, 0, proposer.address, null);
    await h.driver.receiveBlock(block);
    await h.driver.receiveProposal(h.proposalFrom(proposer, 1n, 0, block));
    assert.deepEqual(h.ourVotes().map((v) => [v.type, hashOf(v)]), [['prevote', bytesToHex(block.hash)]]);
    return { h, block, walPath: join(dir, 'cs.wal') };
  }

  test('locked on a block, a restarted driver resumes at the same step, repeats its votes and keeps the lock', async () => {
    const { h, block } = await prevotedBlock();
    const [a, b] = h.net.others.filter((m) => m !== h.net.proposerOf(1n, 1));
    await h.votesFrom([a as Member, b as Member], 'prevote', 1n, 0, block.hash);
    const [precommit] = h.ourVotes('precommit', 1n, 0);
    assert.equal(hashOf(precommit), bytesToHex(block.hash), 'locked: precommitted the block');
    const before = h.driver.status();
    assert.deepEqual(before, { height: 1n, round: 0, step: 'precommit' });

    await h.restart();
    const sentBefore = h.outbox.votes.length;
    assert.ok(h.walRecords().length > 1);
    assert.equal(await h.driver.replay(h.walRecords(), h.host.head), true);
    assert.deepEqual(h.driver.status(), before);
    assert.equal(h.driver.block(block.hash)?.hash.length, 32, 'the block came back from the log');
    const resent = h.outbox.votes.slice(sentBefore).filter((v) => v.type === 'precommit');
    assert.ok(resent.length > 0, 'the precommit is sent again');
    for (const v of resent) assert.deepEqual(v, precommit, 'the same precommit: same timestamp and signature');

    // round 0 ends without a decision; round 1's proposer proposes another block
    await h.votesFrom([a as Member, b as Member], 'precommit', 1n, 0, null);
    await h.advance(TIMEOUTS.precommitMs);
    assert.deepEqual(h.driver.status(), { height: 1n, round: 1, step: 'propose' });
    const p1 = h.net.proposerOf(1n, 1);
    assert.notEqual(p1, h.us, 'premise: we do not propose round 1');
    const other = makeBlock(1n, 1, p1.address, null);
    await h.driver.receiveBlock(other);
    await h.driver.receiveProposal(h.proposalFrom(p1, 1n, 1, other));
    assert.deepEqual(h.ourVotes('prevote', 1n, 1).map(hashOf), [null], 'the lock on round 0\'s block survived the restart');
    h.checkOurVotes();
    assert.deepEqual(h.errors, []);
  });

  test('a crash between the signer\'s save and the log\'s record: the replay signs the same prevote again', async () => {
    const { h, walPath } = await prevotedBlock();
    const [prevote] = h.ourVotes('prevote');
    await h.driver.stop();
    // keep the log up to (not including) the record of our signed prevote
    const { log, records } = openWriteAheadLog(walPath);
    const cut = records.findIndex((r) => {
      const e = decodeWalEntry(r);
      return e.kind === 'input' && e.input.kind === 'voteSigned';
    });
    assert.ok(cut > 0);
    log.reset(records.slice(0, cut));
    log.close();
    await h.clock.advance(100, () => Promise.resolve());

    await h.restart();
    const sentBefore = h.outbox.votes.length;
    assert.equal(await h.driver.replay(h.walRecords(), h.host.head), true);
    assert.deepEqual(h.driver.status(), { height: 1n, round: 0, step: 'prevote' });
    assert.deepEqual(h.outbox.votes.slice(sentBefore), [prevote], 'the signer repeats the prevote with its first timestamp');
    assert.deepEqual(h.refusals, []);
    h.checkOurVotes();
    assert.deepEqual(h.errors, []);
  });

  test('a restart that lost the proposal from its log: the propose timeout asks for a nil prevote and the signer refuses it', async () => {
    const { h, block, walPath } = await prevotedBlock();
    await h.driver.stop();
    // power loss: only the durable start of the height survives (the proposal and block were not synced)
    const { log, records } = openWriteAheadLog(walPath);
    log.reset(records.slice(0, 1));
    log.close();

    await h.restart();
    assert.equal(h.walRecords().length, 1);
    assert.equal(await h.driver.replay(h.walRecords(), h.host.head), true);
    assert.deepEqual(h.driver.status(), { height: 1n, round: 0, step: 'propose' });
    await h.advance(TIMEOUTS.proposeMs);
    assert.equal(h.refusals.length, 1, 'the signer refused the nil prevote');
    assert.match(h.refusals[0] as string, /round 0 step 2 was already signed for another value/);
    assert.deepEqual(h.ourVotes('prevote', 1n, 0).map(hashOf), [bytesToHex(block.hash)], 'only the first prevote ever left');
    h.checkOurVotes();
    assert.deepEqual(h.errors, []);
  });

  test('decided but crashed before the commit: the replay commits it; once committed, replay returns false and clears the log', async () => {
    const dir = tempDir();
    const signerPath = join(dir, 'priv_validator_state.json');
    const walPath = join(dir, 'cs.wal');
    const h = createHarness({ validators: 1, walPath, signerState: () => createFileSignerState(signerPath) });
    h.host.crashOnCommit = true;
    await assert.rejects(h.driver.runHeight(1n), /simulated crash/);
    assert.equal(h.host.commits.length, 0);
    assert.equal(h.errors.length, 1, 'the failed step is logged');
    h.errors.length = 0;
    h.host.crashOnCommit = false;

    await h.restart();
    assert.equal(await h.driver.replay(h.walRecords(), h.host.head), true);
    assert.equal(h.host.commits.length, 1);
    const { block, commit } = h.host.commits[0] as { block: Block; commit: Commit };
    assert.equal(h.host.built.length, 1, 'the block in the log is not built again');
    assert.equal(verifyCommit(commit, h.net.setFor(1n), CHAIN, 1n, block.hash), POWER);
    assert.deepEqual(h.driver.status(), { height: 1n, round: 0, step: 'commit' });

    await h.restart();
    assert.ok(h.walRecords().length > 1, 'the log still holds height 1');
    assert.equal(await h.driver.replay(h.walRecords(), h.host.head), false, 'height 1 is already committed');
    assert.deepEqual(h.driver.status(), { height: 0n, round: 0, step: 'idle' });
    assert.equal(openWriteAheadLog(walPath).records.length, 0, 'the stale log is cleared');
    assert.equal(await h.driver.replay([], h.host.head), false, 'no log: nothing to resume');
    assert.equal(h.host.commits.length, 1);
    h.checkOurVotes();
    assert.deepEqual(h.errors, []);
  });
});

describe('ConsensusDriver.applyCommitted (block sync)', () => {
  test('a certified block of the current height is committed and the next height starts; other heights are ignored', async () => {
    const h = createHarness({ validators: 4, autoAdvance: true });
    await h.driver.start(1n);
    const peers = h.net.others;
    const block1 = makeBlock(1n, 0, h.net.proposerOf(1n, 0).address, null);
    const commit1 = commitBy(h, peers, block1);
    assert.equal(verifyCommit(commit1, h.net.setFor(1n), CHAIN, 1n, block1.hash), 3n * POWER);

    const ahead = makeBlock(2n, 0, h.net.proposerOf(2n, 0).address, commit1);
    await h.driver.applyCommitted(ahead, commitBy(h, peers, ahead));
    assert.equal(h.host.commits.length, 0, 'a block of a later height is ignored');
    assert.deepEqual(h.driver.status(), { height: 1n, round: 0, step: 'propose' });

    await h.driver.applyCommitted(block1, commit1);
    assert.equal(h.host.commits.length, 1);
    assert.equal(h.host.commits[0]?.block, block1);
    assert.equal(h.host.commits[0]?.commit, commit1);
    assert.deepEqual(h.driver.status(), { height: 2n, round: 0, step: 'propose' });
    assert.equal(h.driver.validatorsFor(2n), h.net.setFor(2n));
    assert.deepEqual(h.outbox.progresses.at(-1), { height: 2n, round: 0, step: 'propose' });

    await h.driver.applyCommitted(block1, commit1);
    assert.equal(h.host.commits.length, 1, 'a block of a past height is ignored');

    // height 1's timers are gone; height 2's run
    assert.notEqual(h.net.proposerOf(2n, 0), h.us, 'premise: we do not propose height 2');
    await h.advance(TIMEOUTS.proposeMs);
    assert.deepEqual(h.ourVotes('prevote', 1n), []);
    assert.deepEqual(h.ourVotes('prevote', 2n, 0).map((v) => v.blockHash), [null]);
    h.checkOurVotes();
    assert.deepEqual(h.errors, []);
  });

  test('without autoAdvance, it resolves the runHeight waiting for that height', async () => {
    const h = createHarness({ validators: 4 });
    const waiting = h.driver.runHeight(1n);
    await h.settle();
    const block1 = makeBlock(1n, 0, h.net.proposerOf(1n, 0).address, null);
    await h.driver.applyCommitted(block1, commitBy(h, h.net.others, block1));
    await waiting;
    assert.equal(h.host.head, 1n);
    assert.equal(h.driver.status().height, 1n, 'the next height waits for runHeight');
    assert.deepEqual(h.errors, []);
  });
});

describe('ConsensusDriver.reset (dev rewinds)', () => {
  test('after a rewind, a fresh signer lets the chain decide a lower height again; the old signer cannot', async () => {
    const h = createHarness({ validators: 1 });
    await h.driver.runHeight(1n);
    await h.driver.runHeight(2n);
    const dropped = h.host.commits[1]?.block as Block;
    h.host.rewind(1n);

    await h.driver.reset();
    await h.driver.start(2n);
    assert.equal(h.host.built.length, 3, 'height 2 was built again');
    assert.equal(h.host.commits.length, 1, 'the old signer refuses height 2 again');
    assert.ok(h.refusals.length > 0);

    await h.driver.reset(h.newSigner());
    await h.driver.runHeight(2n);
    assert.equal(h.host.commits.length, 2);
    const { block, commit } = h.host.commits[1] as { block: Block; commit: Commit };
    assert.notDeepEqual(block.hash, dropped.hash, 'a new block for height 2');
    assert.deepEqual(block.lastCommit, h.host.commitAt(1n));
    assert.equal(verifyCommit(commit, h.net.setFor(2n), CHAIN, 2n, block.hash), POWER);
    assert.deepEqual(h.driver.status(), { height: 2n, round: 0, step: 'commit' });
    assert.deepEqual(h.errors, []);
  });
});
