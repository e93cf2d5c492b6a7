/**
 * Block header. It is CyberMiles' own header (Tendermint-style: proposer, validator set and last-commit
 * hashes) carrying the Ethereum fields that the EVM and JSON-RPC clients need. Hash = keccak256(RLP).
 */
import { keccak256 } from '../crypto/index.ts';
import { RLP } from '../encoding/index.ts';
import { ChainError, bigintToBytes, bytesToBigint } from '../primitives/index.ts';

export interface Header {
  height: bigint;
  timestamp: bigint; // seconds, as the EVM's TIMESTAMP sees it
  parentHash: Uint8Array;
  proposer: Uint8Array; // 20-byte validator address (SHA-256 prefix of its ed25519 key)
  stateRoot: Uint8Array;
  transactionsRoot: Uint8Array;
  receiptsRoot: Uint8Array;
  logsBloom: Uint8Array;
  gasUsed: bigint;
  gasLimit: bigint;
  baseFeePerGas: bigint;
  prevRandao: Uint8Array; // randomness seed for the EVM's PREVRANDAO
  validatorsHash: Uint8Array;
  lastCommitHash: Uint8Array;
  /** hashEvidence of the double-sign evidence the block carries (zero when none). */
  evidenceHash: Uint8Array;
}

const FIELD_COUNT = 15;

export function encodeHeader(h: Header): Uint8Array {
  return RLP.encode([
    bigintToBytes(h.height),
    bigintToBytes(h.timestamp),
    h.parentHash,
    h.proposer,
    h.stateRoot,
    h.transactionsRoot,
    h.receiptsRoot,
    h.logsBloom,
    bigintToBytes(h.gasUsed),
    bigintToBytes(h.gasLimit),
    bigintToBytes(h.baseFeePerGas),
    h.prevRandao,
    h.validatorsHash,
    h.lastCommitHash,
    h.evidenceHash,
  ]);
}

export function headerFromFields(fields: unknown): Header {
  if (!Array.isArray(fields) || fields.length !== FIELD_COUNT || !fields.every((f) => f instanceof Uint8Array)) {
    throw new ChainError('BAD_ENCODING', 'header: expected a list of 15 byte strings');
  }
  const f = fields as Uint8Array[];
  const at = (i: number): Uint8Array => f[i] as Uint8Array;
  return {
    height: bytesToBigint(at(0)),
    timestamp: bytesToBigint(at(1)),
    parentHash: at(2),
    proposer: at(3),
    stateRoot: at(4),
    transactionsRoot: at(5),
    receiptsRoot: at(6),
    logsBloom: at(7),
    gasUsed: bytesToBigint(at(8)),
    gasLimit: bytesToBigint(at(9)),
    baseFeePerGas: bytesToBigint(at(10)),
    prevRandao: at(11),
    validatorsHash: at(12),
    lastCommitHash: at(13),
    evidenceHash: at(14),
  };
}

export function decodeHeader(bytes: Uint8Array): Header {
  return headerFromFields(RLP.decode(bytes));
}

export function hashHeader(h: Header): Uint8Array {
  return keccak256(encodeHeader(h));
}
