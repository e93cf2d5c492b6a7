/**
 * What the strict p2p codecs (consensusMessages.ts, blockSyncMessages.ts) share: the frame (one kind byte,
 * then one RLP list) and readers of its fields that accept only the canonical encoding of a well-formed
 * value. Each codec binds them to its own error code, because the node bans a peer on exactly the code of
 * the channel the bytes came from; the `field` in every error names what was wrong.
 */
import { RLP } from '../encoding/index.ts';
import type { RlpInput } from '../encoding/index.ts';
import { ChainError, bigintToBytes, bytesToBigint, bytesToHex, concatBytes, equalBytes } from '../primitives/index.ts';
import type { Block } from './block.ts';
import { decodeBlock } from './block.ts';
import type { Commit, CommitSignature } from './commit.ts';
import { MAX_BLOCK_BYTES } from './partSet.ts';

/** CometBFT heights are int64; Tendermint rounds are int32. */
export const MAX_HEIGHT = (1n << 63n) - 1n;
export const MAX_ROUND = 2 ** 31 - 1;
export const MAX_U64 = (1n << 64n) - 1n;
const MAX_U256 = (1n << 256n) - 1n;
/** Evidence a block may carry: every validator of a large set equivocating once, with room. */
export const MAX_BLOCK_EVIDENCE = 1000;

/** Far above any realistic validator set; bounds what one commit message can make us allocate. */
export const MAX_COMMIT_SIGNATURES = 10_000;

/** The layout of encodeHeader: a byte length for hashes and addresses, a maximum for integers. */
const HEADER_FIELDS: ReadonlyArray<readonly [string, number | bigint]> = [
  ['height', MAX_HEIGHT],
  ['timestamp', MAX_U64],
  ['parentHash', 32],
  ['proposer', 20],
  ['stateRoot', 32],
  ['transactionsRoot', 32],
  ['receiptsRoot', 32],
  ['logsBloom', 256],
  ['gasUsed', MAX_U64],
  ['gasLimit', MAX_U64],
  // uint256 as in Ethereum: the chain's constant base fee comes from genesis.json and is not ours to cap.
  ['baseFeePerGas', MAX_U256],
  ['prevRandao', 32],
  ['validatorsHash', 32],
  ['lastCommitHash', 32],
  ['evidenceHash', 32],
];

export interface WireCodec<K extends string> {
  bad(field: string, problem: string): ChainError;
  /** Refuses what bigintToBytes would silently mangle (negative or fractional values). */
  uintBytes(value: bigint | number, field: string): Uint8Array;
  encodeFrame(kind: K, fields: RlpInput[]): Uint8Array;
  /** The kind and body list of a message; the body is checked to be canonical RLP. */
  decodeFrame(data: Uint8Array): { kind: K; fields: unknown[] };
  /** RLP-decodes `data`, accepting only the canonical encoding of what it decodes to. */
  rlp(data: Uint8Array, field: string): unknown;
  list(f: unknown, field: string, length: number): unknown[];
  bytes(f: unknown, field: string): Uint8Array;
  fixed(f: unknown, field: string, length: number): Uint8Array;
  /** A canonical unsigned integer (no leading zero, zero as empty bytes) no larger than max. */
  uint(f: unknown, field: string, max: bigint): bigint;
  smallUint(f: unknown, field: string, max: number): number;
  /** A block height: 1..MAX_HEIGHT. */
  height(f: unknown, field: string): bigint;
  /** The strict twin of commitFromFields (which trusts our own database): same layout, every field checked. */
  commit(f: unknown, field: string): Commit;
  /** encodeBlock's bytes, every field checked before decodeBlock sees them. */
  block(data: Uint8Array, field: string): Block;
}

function byteLength(max: bigint): number {
  return Math.ceil(max.toString(16).length / 2);
}

/** `label` starts every message ("consensus message: vote.round exceeds ..."). */
export function createWireCodec<K extends string>(code: string, label: string, kinds: Readonly<Record<K, number>>): WireCodec<K> {
  const kindByByte = new Map<number, K>(Object.entries<number>(kinds).map(([k, v]) => [v, k as K]));

  const bad = (field: string, problem: string): ChainError => new ChainError(code, `${label}: ${field} ${problem}`, { field });

  const uintBytes = (value: bigint | number, field: string): Uint8Array => {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw bad(field, 'must be an integer');
    const v = BigInt(value);
    if (v < 0n) throw bad(field, 'must not be negative');
    return bigintToBytes(v);
  };

  const list = (f: unknown, field: string, length: number): unknown[] => {
    if (!Array.isArray(f)) throw bad(field, 'must be a list');
    if (f.length !== length) throw bad(field, `must have ${length} fields, has ${f.length}`);
    return f;
  };

  const bytes = (f: unknown, field: string): Uint8Array => {
    if (!(f instanceof Uint8Array)) throw bad(field, 'must be a byte string');
    return f;
  };

  const fixed = (f: unknown, field: string, length: number): Uint8Array => {
    const b = bytes(f, field);
    if (b.length !== length) throw bad(field, `must be ${length} bytes, is ${b.length}`);
    return b;
  };

  const uint = (f: unknown, field: string, max: bigint): bigint => {
    const b = bytes(f, field);
    if (b.length > 0 && b[0] === 0) throw bad(field, 'has a leading zero byte');
    if (b.length > byteLength(max)) throw bad(field, 'is too large');
    const v = bytesToBigint(b);
    if (v > max) throw bad(field, `exceeds ${max}`);
    return v;
  };

  const smallUint = (f: unknown, field: string, max: number): number => Number(uint(f, field, BigInt(max)));

  const height = (f: unknown, field: string): bigint => {
    const h = uint(f, field, MAX_HEIGHT);
    if (h < 1n) throw bad(field, 'must be at least 1');
    return h;
  };

  const rlp = (data: Uint8Array, field: string): unknown => {
    let decoded: unknown;
    try {
      decoded = RLP.decode(data);
    } catch (err) {
      // The RLP library throws plain Errors (bad prefix, trailing bytes, truncation): convert, never leak.
      throw bad(field, `is malformed (${err instanceof Error ? err.message : String(err)})`);
    }
    // Belt and braces over the library's own checks: only the canonical encoding of a value is accepted.
    if (!equalBytes(RLP.encode(decoded as RlpInput), data)) throw bad(field, 'is not canonical');
    return decoded;
  };

  const commitSignature = (f: unknown, field: string): CommitSignature => {
    const [addr, ts, sig] = list(f, field, 3);
    return { validatorAddress: fixed(addr, `${field}.validatorAddress`, 20), timestampMs: uint(ts, `${field}.timestampMs`, MAX_U64), signature: fixed(sig, `${field}.signature`, 64) };
  };

  const commit = (f: unknown, field: string): Commit => {
    const [h, r, hash, sigs] = list(f, field, 4);
    if (!Array.isArray(sigs)) throw bad(`${field}.signatures`, 'must be a list');
    if (sigs.length < 1 || sigs.length > MAX_COMMIT_SIGNATURES) throw bad(`${field}.signatures`, `must number 1..${MAX_COMMIT_SIGNATURES}`);
    const seen = new Set<string>();
    const signatures = sigs.map((s, k) => {
      const signature = commitSignature(s, `${field}.signatures[${k}]`);
      const key = bytesToHex(signature.validatorAddress);
      if (seen.has(key)) throw bad(`${field}.signatures[${k}].validatorAddress`, 'appears twice');
      seen.add(key);
      return signature;
    });
    return { height: height(h, `${field}.height`), round: smallUint(r, `${field}.round`, MAX_ROUND), blockHash: fixed(hash, `${field}.blockHash`, 32), signatures };
  };

  const header = (f: unknown, field: string): void => {
    const values = list(f, field, HEADER_FIELDS.length);
    HEADER_FIELDS.forEach(([name, spec], i) => {
      const at = `${field}.${name}`;
      if (typeof spec === 'number') fixed(values[i], at, spec);
      else if (name === 'height') height(values[i], at);
      else uint(values[i], at, spec);
    });
  };

  const block = (data: Uint8Array, field: string): Block => {
    if (data.length > MAX_BLOCK_BYTES) throw bad(field, `is ${data.length} bytes, over ${MAX_BLOCK_BYTES}`);
    const [h, txs, lastCommit, evidence] = list(rlp(data, field), field, 4);
    header(h, `${field}.header`);
    if (!Array.isArray(txs)) throw bad(`${field}.transactions`, 'must be a list');
    txs.forEach((tx, k) => {
      if (bytes(tx, `${field}.transactions[${k}]`).length === 0) throw bad(`${field}.transactions[${k}]`, 'is empty');
    });
    // A block without a parent certificate (height 1) carries an empty list, never an empty string.
    if (!Array.isArray(lastCommit)) throw bad(`${field}.lastCommit`, 'must be a list');
    if (lastCommit.length > 0) commit(lastCommit, `${field}.lastCommit`);
    // shape only: consensus checks each piece's signatures against the validator set of its height
    if (!Array.isArray(evidence)) throw bad(`${field}.evidence`, 'must be a list');
    if (evidence.length > MAX_BLOCK_EVIDENCE) throw bad(`${field}.evidence`, `holds more than ${MAX_BLOCK_EVIDENCE} items`);
    try {
      return decodeBlock(data);
    } catch (err) {
      // Unreachable after the checks above, unless decodeBlock grows a rule they lack: still the peer's fault.
      throw bad(field, `is malformed (${err instanceof Error ? err.message : String(err)})`);
    }
  };

  const encodeFrame = (kind: K, fields: RlpInput[]): Uint8Array => {
    const byte = kinds[kind];
    if (byte === undefined) throw bad('kind', `${String(kind)} is unknown`);
    return concatBytes(Uint8Array.of(byte), RLP.encode(fields));
  };

  const decodeFrame = (data: Uint8Array): { kind: K; fields: unknown[] } => {
    if (!(data instanceof Uint8Array)) throw bad('message', 'must be bytes');
    if (data.length < 2) throw bad('message', 'is too short');
    const kind = kindByByte.get(data[0] as number);
    if (kind === undefined) throw bad('kind', `0x${(data[0] as number).toString(16).padStart(2, '0')} is unknown`);
    const fields = rlp(data.subarray(1), 'rlp');
    if (!Array.isArray(fields)) throw bad(kind, 'must be a list');
    return { kind, fields };
  };

  return { bad, uintBytes, encodeFrame, decodeFrame, rlp, list, bytes, fixed, uint, smallUint, height, commit, block };
}
