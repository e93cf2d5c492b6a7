/**
 * The validator set of each height from genesis and the stored changes: against a plain reference walk
 * (set(k+1) = increment(update(set(k), changes of block k-1))) over seeded random change histories,
 * including a one-member set that grows and shrinks again (the jump over unchanged heights), asked in
 * random order; the cache follows a rewind; a height whose set is not decided yet is refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createValidatorSet, nextHeightValidatorSet, updateValidatorSet } from '../../../src/consensus/index.ts';
import type { ValidatorSet } from '../../../src/consensus/index.ts';
import { ed25519KeyFromSeed } from '../../../src/crypto/index.ts';
import { createValidatorSets } from '../../../src/node/validatorSets.ts';
import { bytesToHex } from '../../../src/primitives/index.ts';
import { createValidator } from '../../../src/types/index.ts';
import type { Genesis, Validator } from '../../../src/types/index.ts';
import { testGenesis } from '../../utils/chain.ts';
import { Prng } from '../../sim/prng.ts';

const keys = Array.from({ length: 6 }, (_, i) => ed25519KeyFromSeed(new Uint8Array(32).fill(90 + i)));

function genesisWith(members: number[]): Genesis {
  return { ...testGenesis(1), validators: members.map((i) => ({ name: `v${i}`, publicKey: (keys[i] as { publicKey: Uint8Array }).publicKey, power: 10n, shares: 0n, maxAmount: 0n, compRate: '1/5' })) };
}

/** A change store as chainStore keeps it: heights ascending, the same array until it changes. */
function fakeStore(changes: Map<bigint, Validator[]>) {
  let heights = [...changes.keys()].sort((a, b) => (a < b ? -1 : 1));
  return {
    validatorUpdates: (h: bigint) => changes.get(h) ?? [],
    validatorUpdateHeights: () => heights,
    forgetAbove(h: bigint) {
      for (const k of [...changes.keys()]) if (k > h) changes.delete(k);
      heights = [...changes.keys()].sort((a, b) => (a < b ? -1 : 1));
    },
  };
}

function reference(genesis: Genesis, changes: Map<bigint, Validator[]>, height: bigint): ValidatorSet {
  let set = createValidatorSet(genesis.validators.map((v) => createValidator(v.publicKey, v.power)));
  for (let k = 1n; k < height; k++) set = nextHeightValidatorSet(updateValidatorSet(set, changes.get(k - 1n) ?? []));
  return set;
}

const view = (set: ValidatorSet) => set.validators.map((v) => `${bytesToHex(v.address)}:${v.power}:${v.proposerPriority}`);

/** Random changes keeping at least one member: adds, power changes and removals. */
function randomHistory(seed: number, genesisMembers: number[], lastHeight: bigint): Map<bigint, Validator[]> {
  const rng = new Prng(seed);
  const members = new Map<number, bigint>(genesisMembers.map((i) => [i, 10n]));
  const changes = new Map<bigint, Validator[]>();
  for (let h = 1n; h <= lastHeight; h++) {
    if (rng.float() > 0.25) continue;
    const i = Math.floor(rng.float() * keys.length);
    const key = (keys[i] as { publicKey: Uint8Array }).publicKey;
    const remove = members.has(i) && members.size > 1 && rng.float() < 0.5;
    const power = remove ? 0n : BigInt(1 + Math.floor(rng.float() * 30));
    if (remove) members.delete(i);
    else members.set(i, power);
    changes.set(h, [createValidator(key, power)]);
  }
  return changes;
}

describe('validator sets from stored changes', () => {
  for (const [seed, genesisMembers] of [[1, [0]], [2, [0]], [3, [0, 1, 2, 3]], [4, [2, 5]]] as const) {
    it(`match the reference walk (seed ${seed}, genesis members ${genesisMembers.join(',')})`, () => {
      const genesis = genesisWith([...genesisMembers]);
      const last = 80n;
      const changes = randomHistory(seed, [...genesisMembers], last);
      assert.ok(changes.size > 5, 'the history has changes');
      const sets = createValidatorSets(genesis, { store: fakeStore(changes), headHeight: () => last });
      const rng = new Prng(seed * 7);
      const order = Array.from({ length: Number(last) + 2 }, (_, i) => BigInt(i + 1)).sort(() => rng.float() - 0.5);
      for (const h of order) assert.deepEqual(view(sets.at(h)), view(reference(genesis, changes, h)), `height ${h}`);
    });
  }

  it('a one-member chain answers a far height at once, and sees a change there', () => {
    const genesis = genesisWith([0]);
    const far = 10_000_000n;
    const changes = new Map<bigint, Validator[]>([[far - 5n, [createValidator((keys[1] as { publicKey: Uint8Array }).publicKey, 10n)]]]);
    const sets = createValidatorSets(genesis, { store: fakeStore(changes), headHeight: () => far });
    assert.equal(sets.at(far - 6n).validators.length, 1);
    assert.equal(sets.at(far - 4n).validators.length, 1, 'the set of the height after the change was already fixed');
    assert.equal(sets.at(far - 3n).validators.length, 2);
    assert.equal(sets.at(far).validators.length, 2);
  });

  it('follows a rewind that forgot a change', () => {
    const genesis = genesisWith([0, 1]);
    const changes = new Map<bigint, Validator[]>([[4n, [createValidator((keys[2] as { publicKey: Uint8Array }).publicKey, 10n)]]]);
    const store = fakeStore(changes);
    let head = 10n;
    const sets = createValidatorSets(genesis, { store, headHeight: () => head });
    assert.equal(sets.at(8n).validators.length, 3);
    store.forgetAbove(3n);
    head = 3n;
    assert.equal(sets.at(5n).validators.length, 2);
  });

  it('refuses a height whose set depends on a block not committed yet', () => {
    const sets = createValidatorSets(genesisWith([0, 1]), { store: fakeStore(new Map()), headHeight: () => 10n });
    assert.equal(sets.at(12n).validators.length, 2);
    assert.throws(() => sets.at(13n), /not known yet/);
  });
});
