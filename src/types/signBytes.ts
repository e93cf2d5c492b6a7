/**
 * What validators sign: votes and proposals, each with the consensus chain id (no replay across chains)
 * and its kind (a prevote can never pass for a precommit). A precommit's bytes are the commit
 * certificate's (`precommitSignBytes`), so certificates made by the single-validator chain stay valid.
 */
import { RLP } from '../encoding/index.ts';
import { bigintToBytes, utf8ToBytes } from '../primitives/index.ts';
import { precommitSignBytes } from './commit.ts';

export type SignedMessageKind = 'proposal' | 'prevote' | 'precommit';

/** nil (no block) is signed as empty bytes. */
export function voteSignBytes(
  consensusChainId: string,
  type: 'prevote' | 'precommit',
  height: bigint,
  round: number,
  blockHash: Uint8Array | null,
  timestampMs: bigint,
): Uint8Array {
  const hash = blockHash ?? new Uint8Array();
  if (type === 'precommit') return precommitSignBytes(consensusChainId, height, round, hash, timestampMs);
  return RLP.encode([utf8ToBytes(consensusChainId), utf8ToBytes('prevote'), bigintToBytes(height), bigintToBytes(BigInt(round)), hash, bigintToBytes(timestampMs)]);
}

/** validRound -1 (a fresh value) is signed as empty bytes, any other round as round + 1. */
export function proposalSignBytes(consensusChainId: string, height: bigint, round: number, blockHash: Uint8Array, validRound: number): Uint8Array {
  return RLP.encode([
    utf8ToBytes(consensusChainId),
    utf8ToBytes('proposal'),
    bigintToBytes(height),
    bigintToBytes(BigInt(round)),
    blockHash,
    bigintToBytes(BigInt(validRound + 1)),
  ]);
}
