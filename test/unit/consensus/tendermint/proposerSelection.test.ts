/**
 * Proposer selection: CometBFT's weighted round robin, checked against the sequences and priorities in
 * CometBFT's own tests (types/validator_set_test.go) and spec (spec/consensus/proposer-selection.md), and
 * for fairness: over many heights each validator proposes in proportion to its voting power.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createValidatorSet,
  incrementProposerPriority,
  isChainErrorCode,
  nextHeightValidatorSet,
  proposerForRound,
  updateValidatorSet,
} from './proposerHelpers.ts';
import type { ValidatorSet } from '../../../../src/consensus/index.ts';

function named(name: string, power: bigint): { address: Uint8Array; publicKey: Uint8Array; power: bigint } {
  return { address: new Uint8Array(Buffer.from(name)), publicKey: new Uint8Array(32), power };
}

function nameOf(address: Uint8Array): string {
  return Buffer.from(address).toString();
}

/** Proposers of round 0 of `heights` consecutive heights. */
function proposersOverHeights(set: ValidatorSet, heights: number): string[] {
  const out: string[] = [];
  let s = set;
  for (let h = 0; h < heights; h++) {
    out.push(nameOf(s.proposer.address));
    s = nextHeightValidatorSet(s);
  }
  return out;
}

function byte(i: number): Uint8Array {
  const a = new Uint8Array(20);
  a[19] = i;
  return a;
}

describe('proposer selection (CometBFT proposer priority)', () => {
  test('CometBFT TestProposerSelection1: foo 1000, bar 300, baz 330 over 99 heights', () => {
    const set = createValidatorSet([named('foo', 1000n), named('bar', 300n), named('baz', 330n)]);
    const expected =
      'foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar foo baz foo foo bar foo baz foo foo bar foo baz foo foo foo baz bar foo foo foo baz foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar foo baz foo foo bar foo baz foo foo';
    assert.equal(proposersOverHeights(set, 99).join(' '), expected);
  });

  test('CometBFT TestProposerSelection2: equal power goes in address order; 400 vs 100s; 401 proposes twice in a row', () => {
    const equal = createValidatorSet([0, 1, 2].map((i) => ({ address: byte(i), publicKey: new Uint8Array(32), power: 100n })));
    const order = proposersOverHeights(equal, 15).map((n) => Buffer.from(n).at(19));
    assert.deepEqual(order, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);

    const s400 = createValidatorSet([{ address: byte(0), publicKey: new Uint8Array(32), power: 100n }, { address: byte(1), publicKey: new Uint8Array(32), power: 100n }, { address: byte(2), publicKey: new Uint8Array(32), power: 400n }]);
    assert.deepEqual([s400.proposer.address[19], nextHeightValidatorSet(s400).proposer.address[19]], [2, 0]);

    const s401 = createValidatorSet([{ address: byte(0), publicKey: new Uint8Array(32), power: 100n }, { address: byte(1), publicKey: new Uint8Array(32), power: 100n }, { address: byte(2), publicKey: new Uint8Array(32), power: 401n }]);
    const next = nextHeightValidatorSet(s401);
    assert.deepEqual([s401.proposer.address[19], next.proposer.address[19], nextHeightValidatorSet(next).proposer.address[19]], [2, 2, 0]);
  });

  test('CometBFT TestProposerSelection2: powers 4, 5, 3 propose exactly 40, 50, 30 times in 120 heights', () => {
    const set = createValidatorSet([4n, 5n, 3n].map((power, i) => ({ address: byte(i), publicKey: new Uint8Array(32), power })));
    const counts = [0, 0, 0];
    let s = set;
    for (let h = 0; h < 120; h++) {
      counts[s.proposer.address[19] as number]! += 1;
      s = nextHeightValidatorSet(s);
    }
    assert.deepEqual(counts, [40, 50, 30]);
  });

  test('spec examples: p1=1, p2=3 gives p2 p1 p2 p2 repeating; (4,2,2,2) gives p0 p1 p2 p3 p0', () => {
    const twoSet = createValidatorSet([named('p1', 1n), named('p2', 3n)]);
    assert.equal(proposersOverHeights(twoSet, 8).join(' '), 'p2 p1 p2 p2 p2 p1 p2 p2');
    const four = createValidatorSet([named('p0', 4n), named('p1', 2n), named('p2', 2n), named('p3', 2n)]);
    assert.equal(proposersOverHeights(four, 10).join(' '), 'p0 p1 p2 p3 p0 p0 p1 p2 p3 p0');
    const eight = createValidatorSet([named('p0', 3n), ...[1, 2, 3, 4, 5, 6, 7].map((i) => named(`p${i}`, 1n))]);
    assert.equal(proposersOverHeights(eight, 10).join(' '), 'p0 p1 p2 p3 p0 p4 p5 p6 p7 p0');
  });

  test('CometBFT TestAveragingInIncrementProposerPriorityWithVotingPower: priorities after 1..11 increments of (10, 1, 1)', () => {
    const base: ValidatorSet = {
      validators: [10n, 1n, 1n].map((power, i) => ({ address: new Uint8Array([i]), publicKey: new Uint8Array(32), power, proposerPriority: 0n })),
      totalPower: 12n,
      proposer: { address: new Uint8Array([0]), publicKey: new Uint8Array(32), power: 10n, proposerPriority: 0n },
    };
    const [vp0, vp1, vp2, total] = [10n, 1n, 1n, 12n];
    const want: Array<[bigint[], number]> = [
      [[vp0 - total, vp1, vp2], 0],
      [[2n * (vp0 - total), 2n * vp1, 2n * vp2], 0],
      [[3n * (vp0 - total), 3n * vp1, 3n * vp2], 0],
      [[4n * (vp0 - total), 4n * vp1, 4n * vp2], 0],
      [[4n * (vp0 - total) + vp0, 5n * vp1 - total, 5n * vp2], 1],
      [[6n * vp0 - 5n * total, 6n * vp1 - total, 6n * vp2], 0],
      [[7n * vp0 - 6n * total, 7n * vp1 - total, 7n * vp2], 0],
      [[8n * vp0 - 7n * total, 8n * vp1 - total, 8n * vp2], 0],
      [[9n * vp0 - 7n * total, 9n * vp1 - total, 9n * vp2 - total], 2],
      [[10n * vp0 - 8n * total, 10n * vp1 - total, 10n * vp2 - total], 0],
      [[11n * vp0 - 9n * total, 11n * vp1 - total, 11n * vp2 - total], 0],
    ];
    for (const [k, [priorities, proposer]] of want.entries()) {
      const after = incrementProposerPriority(base, k + 1);
      assert.deepEqual(after.validators.map((v) => v.proposerPriority), priorities, `after ${k + 1} increments`);
      assert.equal(after.proposer.address[0], proposer, `proposer after ${k + 1} increments`);
    }
  });

  test('round r of a height is the proposer r increments later, and the schedule does not depend on the path', () => {
    const set = createValidatorSet([named('a', 7n), named('b', 3n), named('c', 2n), named('d', 1n)]);
    for (let r = 1; r < 40; r++) assert.deepEqual(proposerForRound(set, r).address, incrementProposerPriority(set, r).proposer.address, `round ${r}`);
    // asking for a high round first, then low ones, gives the same answers (the memo is only a cache)
    const fresh = createValidatorSet([named('a', 7n), named('b', 3n), named('c', 2n), named('d', 1n)]);
    const high = proposerForRound(fresh, 39);
    assert.deepEqual(high.address, proposerForRound(set, 39).address);
    for (let r = 0; r < 39; r++) assert.deepEqual(proposerForRound(fresh, r).address, proposerForRound(set, r).address);
  });

  test('a validator with twice the power proposes twice as often over many heights and rounds', () => {
    const powers = [2n, 1n, 1n, 1n, 1n, 2n, 4n];
    const set = createValidatorSet(powers.map((power, i) => ({ address: byte(i + 1), publicKey: new Uint8Array(32), power })));
    const total = 12;
    const windows = 250;
    const counts = new Array<number>(powers.length).fill(0);
    let s = set;
    for (let h = 0; h < total * windows; h++) {
      counts[(s.proposer.address[19] as number) - 1]! += 1;
      s = nextHeightValidatorSet(s);
    }
    // a stable set elects each validator exactly `power` times in every window of P heights
    assert.deepEqual(counts, powers.map((p) => Number(p) * windows));
    // rounds of one height follow the same rule
    const roundCounts = new Array<number>(powers.length).fill(0);
    for (let r = 0; r < total * windows; r++) roundCounts[(proposerForRound(set, r).address[19] as number) - 1]! += 1;
    for (const [k, p] of powers.entries()) assert.ok(Math.abs((roundCounts[k] as number) - Number(p) * windows) <= 1, `validator ${k + 1}: ${roundCounts[k]} rounds`);
  });

  test('validator set changes follow CometBFT: a newcomer starts at -1.125 P, removals, errors', () => {
    const set = createValidatorSet([named('p1', 1n), named('p2', 3n)]);
    const zero: ValidatorSet = { ...set, validators: set.validators.map((v) => ({ ...v, proposerPriority: 0n })) };
    const added = updateValidatorSet(zero, [named('p3', 8n)]);
    // p3 enters at -(12 + (12 >> 3)) = -13; centring subtracts floor(-13 / 3) = -5 from everyone
    assert.deepEqual(Object.fromEntries(added.validators.map((v) => [nameOf(v.address), v.proposerPriority])), { p1: 5n, p2: 5n, p3: -8n });
    assert.deepEqual(added.validators.map((v) => nameOf(v.address)), ['p3', 'p2', 'p1']);
    assert.equal(added.totalPower, 12n);

    const removed = updateValidatorSet(added, [named('p1', 0n)]);
    assert.deepEqual(removed.validators.map((v) => nameOf(v.address)), ['p3', 'p2']);
    assert.equal(removed.totalPower, 11n);
    const repowered = updateValidatorSet(removed, [named('p2', 5n)]);
    assert.equal(repowered.totalPower, 13n);

    assert.ok(isChainErrorCode(() => updateValidatorSet(set, [named('zz', 0n)]), 'UNKNOWN_VALIDATOR'));
    assert.ok(isChainErrorCode(() => updateValidatorSet(set, [named('p1', 0n), named('p2', 0n)]), 'EMPTY_VALIDATOR_SET'));
    assert.ok(isChainErrorCode(() => updateValidatorSet(set, [named('p1', 2n), named('p1', 3n)]), 'DUPLICATE_VALIDATOR'));
    assert.ok(isChainErrorCode(() => createValidatorSet([]), 'EMPTY_VALIDATOR_SET'));
    assert.ok(isChainErrorCode(() => createValidatorSet([named('a', 0n)]), 'BAD_VOTING_POWER'));
    assert.ok(isChainErrorCode(() => createValidatorSet([named('a', 1n), named('a', 2n)]), 'DUPLICATE_VALIDATOR'));
    assert.ok(isChainErrorCode(() => createValidatorSet([named('a', 2n ** 62n)]), 'BAD_VOTING_POWER'));
    assert.ok(isChainErrorCode(() => incrementProposerPriority(set, 0), 'BAD_OPTION'));
  });

  test('priorities stay within 2 P after rescaling, however skewed they start', () => {
    const skewed: ValidatorSet = {
      validators: [
        { address: byte(1), publicKey: new Uint8Array(32), power: 10n, proposerPriority: 90_000n },
        { address: byte(2), publicKey: new Uint8Array(32), power: 10n, proposerPriority: -90_000n },
      ],
      totalPower: 20n,
      proposer: { address: byte(1), publicKey: new Uint8Array(32), power: 10n, proposerPriority: 90_000n },
    };
    const after = incrementProposerPriority(skewed, 1);
    const ps = after.validators.map((v) => v.proposerPriority);
    assert.ok((ps[0] as bigint) - (ps[1] as bigint) <= 2n * 20n + 20n, `range ${ps}`);
  });
});
