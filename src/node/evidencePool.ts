/**
 * Double-sign evidence between detection and commitment: consensus (or a peer) reports it, the gossip
 * layer verifies it, and the next block we propose carries it so that every node's execution sees the
 * same evidence at the same height (the staking issue slashes from there). One piece per validator,
 * height, round and vote type: a second conflicting pair proves nothing new.
 *
 * Committed evidence is remembered so it is neither proposed nor accepted twice: the chain store keeps the
 * key of each piece with the block that committed it, and a restarting node loads them (as CometBFT's
 * evidence database does). Evidence older than MAX_EVIDENCE_AGE_BLOCKS is refused, as CometBFT's
 * max_age_num_blocks: the stake it would slash may have left long ago.
 */
import { isDuplicateVoteEvidence } from '../consensus/index.ts';
import type { ValidatorSet } from '../consensus/index.ts';
import { findValidator } from '../consensus/index.ts';
import { ed25519Verify } from '../crypto/index.ts';
import { bytesToHex } from '../primitives/index.ts';
import { evidenceKey, voteSignBytes } from '../types/index.ts';
import type { DuplicateVoteEvidence, Vote } from '../types/index.ts';

/** How much evidence one block carries at most; the rest waits for the next. */
export const MAX_EVIDENCE_PER_BLOCK = 16;

/** CometBFT's default max_age_num_blocks. */
export const MAX_EVIDENCE_AGE_BLOCKS = 100_000n;

export class EvidencePool {
  private readonly pending = new Map<string, DuplicateVoteEvidence>();
  private readonly committed: Set<string>;

  /** `committed`: the keys the chain store holds (evidence committed before this process started). */
  constructor(committed: Iterable<string> = []) {
    this.committed = new Set(committed);
  }

  /** Adds verified evidence; false when it is already known or committed. */
  add(e: DuplicateVoteEvidence): boolean {
    const key = evidenceKey(e);
    if (this.committed.has(key) || this.pending.has(key)) return false;
    this.pending.set(key, e);
    return true;
  }

  /** What block `height` should carry (evidence too old for it is dropped). */
  forProposal(height: bigint): DuplicateVoteEvidence[] {
    for (const [key, e] of this.pending) if (isTooOld(e, height)) this.pending.delete(key);
    return [...this.pending.values()].slice(0, MAX_EVIDENCE_PER_BLOCK);
  }

  isCommitted(e: DuplicateVoteEvidence): boolean {
    return this.committed.has(evidenceKey(e));
  }

  markCommitted(list: readonly DuplicateVoteEvidence[]): void {
    for (const e of list) {
      const key = evidenceKey(e);
      this.pending.delete(key);
      this.committed.add(key);
    }
  }

  size(): number {
    return this.pending.size;
  }
}

export function isTooOld(e: DuplicateVoteEvidence, blockHeight: bigint): boolean {
  return blockHeight - e.voteA.height > MAX_EVIDENCE_AGE_BLOCKS;
}

/** Why evidence is not proof of a double-sign by a member of `set` (the set of its height), or undefined. */
export function checkEvidence(e: DuplicateVoteEvidence, set: ValidatorSet, consensusChainId: string): string | undefined {
  if (!isDuplicateVoteEvidence(e)) return 'the two votes are not a conflicting pair in canonical order';
  const member = findValidator(set, bytesToHex(e.voteA.validatorAddress));
  if (member === undefined) return `${bytesToHex(e.voteA.validatorAddress)} was not a validator at height ${e.voteA.height}`;
  const signed = (v: Vote): boolean => ed25519Verify(member.publicKey, voteSignBytes(consensusChainId, v.type, v.height, v.round, v.blockHash, v.timestampMs), v.signature);
  if (!signed(e.voteA) || !signed(e.voteB)) return 'a vote signature does not verify';
  return undefined;
}
