/**
 * Block = header + raw signed transactions + the commit certificate of the parent block (Tendermint's
 * LastCommit), so every stored block proves the one before it, + the double-sign evidence it commits
 * (which execution sees, for slashing).
 */
import { keccak256 } from '../crypto/index.ts';
import { RLP } from '../encoding/index.ts';
import { ChainError, bytesToHex, invariant } from '../primitives/index.ts';
import type { Hex } from '../primitives/index.ts';
import type { Commit } from './commit.ts';
import { commitFromFields, commitToFields } from './commit.ts';
import type { Header } from './header.ts';
import { evidenceFromFields, evidenceToFields } from './vote.ts';
import type { DuplicateVoteEvidence } from './vote.ts';
import { encodeHeader, hashHeader, headerFromFields } from './header.ts';

export interface Block {
  header: Header;
  hash: Uint8Array;
  transactions: Uint8Array[]; // canonical encoded signed txs (typed-tx envelope or legacy RLP)
  lastCommit: Commit | null;
  evidence: DuplicateVoteEvidence[];
}

export function createBlock(header: Header, transactions: Uint8Array[], lastCommit: Commit | null, evidence: DuplicateVoteEvidence[] = []): Block {
  return { header, hash: hashHeader(header), transactions, lastCommit, evidence };
}

/**
 * The hashes of a block's transactions, once per block object. PERF: eth_getBlockByNumber of a 5,000-
 * transaction block spent ~10 ms hashing them, on the JSON-RPC thread, for every call.
 */
const txHashesOf = new WeakMap<Block, readonly Hex[]>();

export function blockTxHashes(block: Block): readonly Hex[] {
  let hashes = txHashesOf.get(block);
  if (hashes === undefined) txHashesOf.set(block, (hashes = block.transactions.map((raw) => bytesToHex(keccak256(raw)))));
  return hashes;
}

/** Records the hashes of a block's transactions where they are known already (one per transaction, in order). */
export function knowTxHashes(block: Block, hashes: readonly Hex[]): void {
  invariant(hashes.length === block.transactions.length, 'one known hash per transaction');
  txHashesOf.set(block, hashes);
}

export function encodeBlock(b: Block): Uint8Array {
  return RLP.encode([
    RLP.decode(encodeHeader(b.header)),
    b.transactions,
    b.lastCommit === null ? [] : commitToFields(b.lastCommit),
    b.evidence.map(evidenceToFields),
  ]);
}

export function decodeBlock(bytes: Uint8Array): Block {
  const fields = RLP.decode(bytes);
  if (!Array.isArray(fields) || fields.length !== 4 || !Array.isArray(fields[3])) {
    throw new ChainError('BAD_ENCODING', 'block: expected [header, transactions, lastCommit, evidence]');
  }
  const [h, txs, lc, ev] = fields as [unknown, unknown, unknown, unknown[]];
  if (!Array.isArray(txs) || !txs.every((t) => t instanceof Uint8Array)) {
    throw new ChainError('BAD_ENCODING', 'block: transactions must be byte strings');
  }
  const header = headerFromFields(h);
  const lastCommit = Array.isArray(lc) && lc.length > 0 ? commitFromFields(lc) : null;
  return { header, hash: hashHeader(header), transactions: txs as Uint8Array[], lastCommit, evidence: ev.map(evidenceFromFields) };
}
