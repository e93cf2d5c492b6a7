/**
 * Checks a commit certificate against the validator set of its height: what block sync does with every
 * block it downloads (issue 4) before executing it, and what a light client would do. Every signature must
 * be from a distinct member and verify; together they must hold more than 2/3 of the set's power. An
 * invalid signature rejects the whole certificate (as CometBFT does): a peer that sends one is faulty.
 */
import { ed25519Verify } from '../crypto/index.ts';
import { ChainError, bytesToHex, equalBytes } from '../primitives/index.ts';
import type { Commit } from '../types/index.ts';
import { precommitSignBytes } from '../types/index.ts';
import { isQuorum } from './tendermint/thresholds.ts';
import type { ValidatorSet } from './tendermint/validatorSet.ts';

export type CommitErrorCode = 'COMMIT_MISMATCH' | 'COMMIT_UNKNOWN_SIGNER' | 'COMMIT_DUPLICATE_SIGNER' | 'COMMIT_BAD_SIGNATURE' | 'COMMIT_NO_QUORUM';

function reject(code: CommitErrorCode, message: string, context: Record<string, unknown> = {}): never {
  throw new ChainError(code, message, context, 'reject');
}

/** Throws a typed error unless `commit` certifies `blockHash` at `height`; returns the signed power. */
export function verifyCommit(commit: Commit, validators: ValidatorSet, consensusChainId: string, height: bigint, blockHash: Uint8Array): bigint {
  if (commit.height !== height || !equalBytes(commit.blockHash, blockHash)) {
    reject('COMMIT_MISMATCH', `commit is for block ${bytesToHex(commit.blockHash)} at height ${commit.height}, expected ${bytesToHex(blockHash)} at ${height}`);
  }
  const byAddress = new Map(validators.validators.map((v) => [bytesToHex(v.address), v]));
  const seen = new Set<string>();
  let power = 0n;
  for (const sig of commit.signatures) {
    const key = bytesToHex(sig.validatorAddress);
    const validator = byAddress.get(key);
    if (validator === undefined) reject('COMMIT_UNKNOWN_SIGNER', `commit signed by ${key}, not a validator at height ${height}`, { validator: key });
    if (seen.has(key)) reject('COMMIT_DUPLICATE_SIGNER', `validator ${key} signs the commit twice`, { validator: key });
    seen.add(key);
    const bytes = precommitSignBytes(consensusChainId, commit.height, commit.round, commit.blockHash, sig.timestampMs);
    if (!ed25519Verify(validator.publicKey, bytes, sig.signature)) reject('COMMIT_BAD_SIGNATURE', `bad precommit signature of ${key} at height ${height}`, { validator: key });
    power += validator.power;
  }
  if (!isQuorum(power, validators.totalPower)) {
    reject('COMMIT_NO_QUORUM', `commit at height ${height} holds ${power} of ${validators.totalPower} voting power; more than 2/3 is needed`);
  }
  return power;
}
