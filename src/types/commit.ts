/**
 * Commit certificate: the +2/3 precommit signatures for a block, stored with it. The single-validator
 * dev chain produces the one-signature case of the same structure the BFT engine will (issue 4).
 */
import { RLP } from '../encoding/index.ts';
import type { RlpInput } from '../encoding/index.ts';
import { ChainError, bigintToBytes, bytesToBigint, utf8ToBytes } from '../primitives/index.ts';

export interface CommitSignature {
  validatorAddress: Uint8Array;
  timestampMs: bigint;
  signature: Uint8Array; // ed25519 over precommitSignBytes
}

export interface Commit {
  height: bigint;
  round: number;
  blockHash: Uint8Array;
  signatures: CommitSignature[];
}

/** What a validator signs when it precommits a block; the chain id string prevents cross-chain replay. */
export function precommitSignBytes(
  consensusChainId: string,
  height: bigint,
  round: number,
  blockHash: Uint8Array,
  timestampMs: bigint,
): Uint8Array {
  return RLP.encode([
    utf8ToBytes(consensusChainId),
    utf8ToBytes('precommit'),
    bigintToBytes(height),
    bigintToBytes(BigInt(round)),
    blockHash,
    bigintToBytes(timestampMs),
  ]);
}

export function commitToFields(c: Commit): RlpInput[] {
  return [
    bigintToBytes(c.height),
    bigintToBytes(BigInt(c.round)),
    c.blockHash,
    c.signatures.map((s) => [s.validatorAddress, bigintToBytes(s.timestampMs), s.signature]),
  ];
}

export function commitFromFields(fields: unknown): Commit {
  if (!Array.isArray(fields) || fields.length !== 4 || !Array.isArray(fields[3])) {
    throw new ChainError('BAD_ENCODING', 'commit: expected [height, round, blockHash, signatures]');
  }
  const [h, r, bh, sigs] = fields as [Uint8Array, Uint8Array, Uint8Array, unknown[]];
  return {
    height: bytesToBigint(h),
    round: Number(bytesToBigint(r)),
    blockHash: bh,
    signatures: sigs.map((s) => {
      const [a, t, sig] = s as [Uint8Array, Uint8Array, Uint8Array];
      return { validatorAddress: a, timestampMs: bytesToBigint(t), signature: sig };
    }),
  };
}

export function encodeCommit(c: Commit): Uint8Array {
  return RLP.encode(commitToFields(c));
}

export function decodeCommit(bytes: Uint8Array): Commit {
  return commitFromFields(RLP.decode(bytes));
}
