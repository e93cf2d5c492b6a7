/**
 * Double-sign evidence between detection and commitment: consensus (or a peer) reports it, the gossip
 * layer verifies it, and the next block we propose carries it so that every node's execution sees the
 * same evidence at the same height (the staking issue slashes from there). One piece per validator,
 * height, round and vote type: a second conflicting pair proves nothing new.
 *
 * Committed evidence is remembered so it is neither proposed nor accepted twice. The memory is this
 * process's; a restarted node relearns it from the blocks it syncs or decides (CometBFT keeps it in its
 * evidence database; ours will move into the chain state with slashing).
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

export class EvidencePool {
  private readonly pending = new Map<string, DuplicateVoteEvidence>();
  private readonly committed = new Set<string>();

  /** Adds verified evidence; false when it is already known or committed. */
  add(e: DuplicateVoteEvidence): boolean {
    const key = evidenceKey(e);
    if (this.committed.has(key) || this.pending.has(key)) return false;
    this.pending.set(key, e);
    return true;
  }

  /** What the next block should carry. */
  forProposal(): DuplicateVoteEvidence[] {
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

/** Why evidence is not proof of a double-sign by a member of `set` (the set of its height), or undefined. */
export function checkEvidence(e: DuplicateVoteEvidence, set: ValidatorSet, consensusChainId: string): string | undefined {
  if (!isDuplicateVoteEvidence(e)) return 'the two votes are not a conflicting pair in canonical order';
  const member = findValidator(set, bytesToHex(e.voteA.validatorAddress));
  if (member === undefined) return `${bytesToHex(e.voteA.validatorAddress)} was not a validator at height ${e.voteA.height}`;
  const signed = (v: Vote): boolean => ed25519Verify(member.publicKey, voteSignBytes(consensusChainId, v.type, v.height, v.round, v.blockHash, v.timestampMs), v.signature);
  if (!signed(e.voteA) || !signed(e.voteB)) return 'a vote signature does not verify';
  return undefined;
}
