import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createValidatorSet, verifyCommit } from '../../../src/consensus/index.ts';
import { ed25519KeyFromSeed, ed25519Sign } from '../../../src/crypto/index.ts';
import { ChainError } from '../../../src/primitives/index.ts';
import { createValidator, precommitSignBytes } from '../../../src/types/index.ts';
import type { Commit } from '../../../src/types/index.ts';

const CHAIN = 'cmt-test';
const seeds = [1, 2, 3, 4].map((i) => new Uint8Array(32).fill(i));
const keys = seeds.map((s) => ed25519KeyFromSeed(s));
const powers = [40n, 30n, 20n, 10n];
const set = createValidatorSet(keys.map((k, i) => createValidator(k.publicKey, powers[i] as bigint)));
const BLOCK = new Uint8Array(32).fill(0xab);

function commitBy(signers: number[], mutate: (c: Commit) => void = () => {}): Commit {
  const c: Commit = {
    height: 7n,
    round: 2,
    blockHash: BLOCK,
    signatures: signers.map((i) => ({
      validatorAddress: createValidator((keys[i] as { publicKey: Uint8Array }).publicKey, 1n).address,
      timestampMs: 1000n + BigInt(i),
      signature: ed25519Sign(seeds[i] as Uint8Array, precommitSignBytes(CHAIN, 7n, 2, BLOCK, 1000n + BigInt(i))),
    })),
  };
  mutate(c);
  return c;
}

const code = (fn: () => unknown): string => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof ChainError);
    return e.code;
  }
};

test('commit certificates: accepted with more than 2/3 of the power, each fault rejected with its own code', () => {
  const cases: Array<[string, Commit, string, string?, bigint?]> = [
    ['70 of 100', commitBy([0, 1]), 'ok'],
    ['all', commitBy([3, 2, 1, 0]), 'ok'],
    ['60 of 100', commitBy([0, 2]), 'COMMIT_NO_QUORUM'],
    ['66 of 100 (30+20+10)', commitBy([1, 2, 3]), 'COMMIT_NO_QUORUM'],
    ['a signer twice', commitBy([0, 0, 3]), 'COMMIT_DUPLICATE_SIGNER'],
    ['a stranger', commitBy([0, 1], (c) => c.signatures.push({ ...(c.signatures[0] as Commit['signatures'][0]), validatorAddress: new Uint8Array(20).fill(9) })), 'COMMIT_UNKNOWN_SIGNER'],
    ['a tampered timestamp', commitBy([0, 1], (c) => ((c.signatures[1] as { timestampMs: bigint }).timestampMs += 1n)), 'COMMIT_BAD_SIGNATURE'],
    ['another round', commitBy([0, 1], (c) => (c.round = 3)), 'COMMIT_BAD_SIGNATURE'],
    ['another chain', commitBy([0, 1]), 'COMMIT_BAD_SIGNATURE', 'other-chain'],
    ['another block than expected', commitBy([0, 1], (c) => (c.blockHash = new Uint8Array(32).fill(1))), 'COMMIT_MISMATCH'],
    ['another height than expected', commitBy([0, 1]), 'COMMIT_MISMATCH', CHAIN, 8n],
  ];
  for (const [name, commit, expected, chain = CHAIN, height = 7n] of cases) {
    assert.equal(code(() => verifyCommit(commit, set, chain, height, BLOCK)), expected, name);
  }
  assert.equal(verifyCommit(commitBy([0, 1, 2]), set, CHAIN, 7n, BLOCK), 90n);
});
