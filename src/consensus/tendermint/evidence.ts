/**
 * Duplicate-vote evidence: two votes signed by one validator for different values at the same height,
 * round and type. The pair is ordered canonically so that every node that sees the same two votes builds
 * byte-identical evidence (and an evidence pool can de-duplicate it). Signatures are the caller's to check.
 */
import { equalBytes } from '../../primitives/index.ts';
import type { DuplicateVoteEvidence, Vote } from './types.ts';

function compareValues(a: Uint8Array | null, b: Uint8Array | null): number {
  if (a === null) return b === null ? 0 : -1;
  if (b === null) return 1;
  return Buffer.compare(a, b);
}

export function sameValue(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return compareValues(a, b) === 0;
}

export function createDuplicateVoteEvidence(a: Vote, b: Vote): DuplicateVoteEvidence {
  return compareValues(a.blockHash, b.blockHash) <= 0 ? { kind: 'duplicateVote', voteA: a, voteB: b } : { kind: 'duplicateVote', voteA: b, voteB: a };
}

/**
 * The structural rule for evidence received from peers or found in a block: same validator, height,
 * round and type, different values, canonical order. The node still verifies both signatures against the
 * validator set of that height before acting on it.
 */
export function isDuplicateVoteEvidence(e: DuplicateVoteEvidence): boolean {
  const { voteA: a, voteB: b } = e;
  return (
    equalBytes(a.validatorAddress, b.validatorAddress) &&
    a.height === b.height &&
    a.round === b.round &&
    a.type === b.type &&
    compareValues(a.blockHash, b.blockHash) < 0
  );
}
