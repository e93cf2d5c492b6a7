/**
 * ConsensusDriver with real parts around it (consensusDriverHarness.ts): ed25519 signers with their
 * double-sign guard (memory and file state), the write-ahead log on a temporary file, a virtual clock that
 * moves only when a test advances it, a recording outbox and an in-memory host. Peers' proposals and votes
 * are signed by their own signers, so every certificate the driver produces is checked with verifyCommit.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { verifyCommit } from '../../../src/consensus/index.ts';
import type { Proposal } from '../../../src/consensus/index.ts';
import { ed25519Verify } from '../../../src/crypto/index.ts';
import { decodeWalEntry } from '../../../src/node/consensusWal.ts';
import { createFileSignerState } from '../../../src/node/signer.ts';
import { bytesToHex, equalBytes } from '../../../src/primitives/index.ts';
import { openWriteAheadLog } from '../../../src/storage/index.ts';
import { proposalSignBytes } from '../../../src/types/index.ts';
import type { Block, Commit } from '../../../src/types/index.ts';
import { CHAIN, POWER, START_MS, TIMEOUTS, cleanUp, commitBy, createHarness, hashOf, makeBlock, tempDir } from './consensusDriverHarness.ts';
import type { Harness, Member } from './consensusDriverHarness.ts';

afterEach(cleanUp);

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
    const reopened = openWriteAheadLog(walPath);
    reopened.log.close();
    assert.equal(reopened.records.length, 0, 'the stale log is cleared');
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

    // height 2 runs on its own timers
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

describe('ConsensusDriver and a governance halt', () => {
  test('after committing the halt height no next height starts, by consensus or block sync', async () => {
    const h = createHarness({ validators: 4, autoAdvance: true });
    h.host.haltAt = 1n;
    await h.driver.start(1n);
    const block1 = makeBlock(1n, 0, h.net.proposerOf(1n, 0).address, null);
    await h.driver.applyCommitted(block1, commitBy(h, h.net.others, block1));
    assert.equal(h.host.commits.length, 1);
    assert.equal(h.driver.status().height, 1n, 'height 2 never starts');
    const proposalsBefore = h.outbox.proposals.length;
    await h.advance(60_000);
    assert.equal(h.outbox.proposals.length, proposalsBefore, 'no timer starts anything either');
    assert.equal(h.driver.status().height, 1n);
  });
});

