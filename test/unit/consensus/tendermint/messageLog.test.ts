/**
 * The message log's bounds and bookkeeping (vote tallies, the future-round budget per validator), the
 * evidence pairing rule and the timeout presets.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEV_TIMEOUTS,
  FUTURE_ROUNDS_PER_VALIDATOR,
  MAINNET_TIMEOUTS,
  createDuplicateVoteEvidence,
  isDuplicateVoteEvidence,
  timeoutDurationMs,
  validateTimeoutOptions,
} from '../../../../src/consensus/index.ts';
import { feed, input as i, machine, proposal, validatorSet, vote } from './fixtures.ts';
import { isChainErrorCode } from './proposerHelpers.ts';

describe('message log', () => {
  test('a validator occupies at most FUTURE_ROUNDS_PER_VALIDATOR future rounds; higher ones evict the lowest', () => {
    assert.equal(FUTURE_ROUNDS_PER_VALIDATOR, 2);
    const set = validatorSet([1n, 1n, 1n, 1n]);
    let s = feed(machine(4), [i.start(set), i.precommit(1, 5, null), i.prevote(1, 6, 'A'), i.precommit(1, 6, 'A')]).state;
    assert.deepEqual([...s.log.rounds.keys()].filter((r) => (s.log.rounds.get(r)?.senderPower ?? 0n) > 0n), [5, 6]);
    s = feed(s, [i.prevote(1, 7, null)]).state;
    assert.equal(s.log.rounds.get(5)?.senderPower, 0n, 'round 5 evicted');
    assert.equal(s.log.rounds.get(5)?.precommits.power, 0n);
    assert.equal(s.log.rounds.get(6)?.precommits.power, 1n);
    assert.deepEqual(s.log.roundsBySender.get('0x0000000000000000000000000000000000000001'), [6, 7]);
    const before = s;
    s = feed(s, [i.prevote(1, 4, 'B')]).state;
    assert.equal(s, before, 'a lower future round is dropped');
    // rounds at or below ours are never limited
    s = feed(s, [i.prevote(1, 0, 'A'), i.precommit(1, 0, 'A')]).state;
    assert.equal(s.log.rounds.get(0)?.senderPower, 1n);
  });

  test('evicting a future round removes all of the validator\'s messages there, extra votes included', () => {
    const set = validatorSet([1n, 1n, 1n, 1n]);
    // V1 proposes round 4 (proposers cycle V1..V4), prevotes nil, then A: an extra vote, counted for A
    let s = feed(machine(4), [i.start(set), { kind: 'proposal', proposal: proposal(1, 4, 'A') }, i.prevote(1, 4, null), i.prevote(1, 4, 'A')]).state;
    const r4 = s.log.rounds.get(4);
    assert.equal(r4?.prevotes.power, 1n);
    assert.equal(r4?.prevotes.extras.size, 1);
    assert.equal([...(r4?.prevotes.powerByValue.values() ?? [])].reduce((a, b) => a + b, 0n), 2n);
    s = feed(s, [i.prevote(1, 5, null), i.prevote(1, 6, null)]).state;
    const evicted = s.log.rounds.get(4);
    assert.equal(evicted?.proposal, null);
    assert.equal(evicted?.prevotes.power, 0n);
    assert.equal(evicted?.prevotes.extras.size, 0);
    assert.deepEqual([...(evicted?.prevotes.powerByValue.values() ?? [])], [0n, 0n]);
  });

  test('tallies per value and for anything; nil is its own value', () => {
    const set = validatorSet([3n, 2n, 1n, 1n]);
    const s = feed(machine(4), [i.start(set), i.prevote(1, 0, 'A'), i.prevote(2, 0, null), i.prevote(3, 0, 'A')]).state;
    const prevotes = s.log.rounds.get(0)?.prevotes;
    assert.equal(prevotes?.power, 6n);
    assert.equal(prevotes?.powerByValue.get('nil'), 2n);
    assert.equal([...(prevotes?.powerByValue.entries() ?? [])].find(([k]) => k !== 'nil')?.[1], 4n);
    assert.equal(s.log.rounds.get(0)?.senderPower, 6n);
  });
});

describe('duplicate-vote evidence', () => {
  test('pairs are ordered canonically and checked structurally', () => {
    const a = vote('prevote', 1, 0, 'B');
    const b = vote('prevote', 1, 0, 'A');
    const nil = vote('prevote', 1, 0, null);
    const e1 = createDuplicateVoteEvidence(a, b);
    assert.equal(e1.voteA, b);
    assert.deepEqual(createDuplicateVoteEvidence(b, a), e1);
    assert.equal(createDuplicateVoteEvidence(a, nil).voteA, nil);
    assert.ok(isDuplicateVoteEvidence(e1));
    assert.ok(!isDuplicateVoteEvidence({ kind: 'duplicateVote', voteA: a, voteB: b }), 'not canonical');
    assert.ok(!isDuplicateVoteEvidence(createDuplicateVoteEvidence(a, a)), 'same value');
    assert.ok(!isDuplicateVoteEvidence(createDuplicateVoteEvidence(a, vote('prevote', 2, 0, 'A'))), 'two validators');
    assert.ok(!isDuplicateVoteEvidence(createDuplicateVoteEvidence(a, vote('precommit', 1, 0, 'A'))), 'two types');
    assert.ok(!isDuplicateVoteEvidence(createDuplicateVoteEvidence(a, vote('prevote', 1, 1, 'A'))), 'two rounds');
    assert.ok(!isDuplicateVoteEvidence(createDuplicateVoteEvidence(a, vote('prevote', 1, 0, 'A', 2n))), 'two heights');
  });
});

describe('timeouts', () => {
  test('the mainnet preset is CyberMiles: propose 3 s +0.5 s/round, prevote and precommit 1 s +0.5 s, commit 10 s', () => {
    assert.deepEqual(
      [0, 1, 4].map((r) => [timeoutDurationMs(MAINNET_TIMEOUTS, 'propose', r), timeoutDurationMs(MAINNET_TIMEOUTS, 'prevote', r), timeoutDurationMs(MAINNET_TIMEOUTS, 'precommit', r)]),
      [
        [3000, 1000, 1000],
        [3500, 1500, 1500],
        [5000, 3000, 3000],
      ],
    );
    assert.equal(timeoutDurationMs(MAINNET_TIMEOUTS, 'commit', 7), 10_000);
    assert.ok(DEV_TIMEOUTS.commitMs < MAINNET_TIMEOUTS.commitMs && DEV_TIMEOUTS.proposeMs < MAINNET_TIMEOUTS.proposeMs);
  });

  test('validation rejects negative and fractional values', () => {
    validateTimeoutOptions(DEV_TIMEOUTS);
    assert.ok(isChainErrorCode(() => validateTimeoutOptions({ ...DEV_TIMEOUTS, prevoteMs: -1 }), 'BAD_OPTION'));
    assert.ok(isChainErrorCode(() => validateTimeoutOptions({ ...DEV_TIMEOUTS, commitMs: 0.5 }), 'BAD_OPTION'));
    assert.ok(isChainErrorCode(() => machine(1, { ...DEV_TIMEOUTS, proposeMs: Number.NaN }), 'BAD_OPTION'));
  });
});
