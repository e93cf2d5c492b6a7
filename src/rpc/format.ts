/**
 * Chain objects to execution-apis JSON: blocks, transactions, receipts, logs. Quantities are minimal hex,
 * data is even-length hex, absent optional fields are omitted (not null) unless the spec says null.
 */
import { Bloom } from '@ethereumjs/vm';
import type { Common, TypedTransaction } from '../evm/index.ts';
import { decodeTransaction } from '../evm/index.ts';
import { RLP, toData, toQuantity } from '../encoding/index.ts';
import { keccak256 } from '../crypto/index.ts';
import { FEE_POOL_ADDRESS } from '../params/index.ts';
import type { Hex } from '../primitives/index.ts';
import { bytesToHex } from '../primitives/index.ts';
import { EMPTY_TRIE_ROOT } from '../state/index.ts';
import type { Block, Log, Receipt } from '../types/index.ts';
import { encodeBlock } from '../types/index.ts';

export type Json = Record<string, unknown>;

/**
 * A handler's result given as JSON text, which the response carries verbatim (dispatch.ts, stringify). PERF: a
 * result that is the same text time after time (a block's logs) is serialized once, not once per request.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

const EMPTY_UNCLES = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347';
const ZERO_HASH = `0x${'00'.repeat(32)}`;

export interface TxPosition {
  block: Block;
  index: number;
}

export function formatBlock(block: Block, txs: Json[] | Hex[], totalBytes?: number): Json {
  const h = block.header;
  return {
    number: toQuantity(h.height),
    hash: bytesToHex(block.hash),
    parentHash: bytesToHex(h.parentHash),
    nonce: '0x0000000000000000',
    sha3Uncles: EMPTY_UNCLES,
    logsBloom: bytesToHex(h.logsBloom),
    transactionsRoot: bytesToHex(h.transactionsRoot),
    stateRoot: bytesToHex(h.stateRoot),
    receiptsRoot: bytesToHex(h.receiptsRoot),
    miner: FEE_POOL_ADDRESS,
    proposer: bytesToHex(h.proposer),
    difficulty: '0x0',
    totalDifficulty: '0x0',
    extraData: '0x',
    size: toQuantity(totalBytes ?? encodeBlock(block).length),
    gasLimit: toQuantity(h.gasLimit),
    gasUsed: toQuantity(h.gasUsed),
    timestamp: toQuantity(h.timestamp),
    transactions: txs,
    uncles: [],
    baseFeePerGas: toQuantity(h.baseFeePerGas),
    mixHash: bytesToHex(h.prevRandao),
    withdrawals: [],
    withdrawalsRoot: bytesToHex(EMPTY_TRIE_ROOT),
    blobGasUsed: '0x0',
    excessBlobGas: '0x0',
    parentBeaconBlockRoot: ZERO_HASH,
  };
}

/** A transaction as eth_getTransactionBy* returns it; `pos` is absent for pending transactions. */
export function formatTx(tx: TypedTransaction, from: Hex, pos: TxPosition | undefined): Json {
  const json = tx.toJSON() as Record<string, unknown>;
  const baseFee = pos?.block.header.baseFeePerGas;
  const isFeeMarket = 'maxFeePerGas' in tx;
  const out: Json = {
    blockHash: pos === undefined ? null : bytesToHex(pos.block.hash),
    blockNumber: pos === undefined ? null : toQuantity(pos.block.header.height),
    ...(pos === undefined ? {} : { blockTimestamp: toQuantity(pos.block.header.timestamp) }),
    from,
    gas: json.gasLimit,
    gasPrice: isFeeMarket ? toQuantity(effectivePrice(tx, baseFee)) : json.gasPrice,
    hash: bytesToHex(tx.hash()),
    input: json.data,
    nonce: json.nonce,
    to: json.to ?? null,
    transactionIndex: pos === undefined ? null : toQuantity(pos.index),
    value: json.value,
    type: json.type,
    v: json.v,
    r: json.r,
    s: json.s,
  };
  if (tx.type !== 0 || json.v !== undefined) out.chainId = json.chainId;
  if (tx.type === 0 && typeof json.v === 'string' && BigInt(json.v) < 35n) delete out.chainId; // unprotected legacy tx
  if (tx.type !== 0) {
    out.accessList = json.accessList;
    out.yParity = json.yParity ?? json.v;
  }
  if (isFeeMarket) {
    out.maxFeePerGas = json.maxFeePerGas;
    out.maxPriorityFeePerGas = json.maxPriorityFeePerGas;
  }
  if (json.authorizationList !== undefined) out.authorizationList = json.authorizationList;
  return out;
}

function effectivePrice(tx: TypedTransaction, baseFee: bigint | undefined): bigint {
  const t = tx as unknown as { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };
  if (baseFee === undefined) return t.maxFeePerGas;
  const p = baseFee + t.maxPriorityFeePerGas;
  return p < t.maxFeePerGas ? p : t.maxFeePerGas;
}

export function decodeBlockTx(block: Block, index: number, txCommon: Common): TypedTransaction {
  return decodeTransaction(block.transactions[index] as Uint8Array, txCommon);
}

/** A block's fields that each of its logs repeats, formatted once per block object (eth_getLogs formats thousands). */
const logBlockFields = new WeakMap<Block, { blockNumber: Hex; blockHash: Hex; blockTimestamp: Hex }>();

function blockFieldsOf(block: Block): { blockNumber: Hex; blockHash: Hex; blockTimestamp: Hex } {
  let fields = logBlockFields.get(block);
  if (fields === undefined) {
    fields = { blockNumber: toQuantity(block.header.height), blockHash: bytesToHex(block.hash), blockTimestamp: toQuantity(block.header.timestamp) };
    logBlockFields.set(block, fields);
  }
  return fields;
}

export function formatLog(log: Log, block: Block, txHash: Hex, txIndex: number, logIndex: number): Json {
  const b = blockFieldsOf(block);
  return {
    address: bytesToHex(log.address),
    topics: log.topics.map((t) => bytesToHex(t)),
    data: toData(log.data),
    blockNumber: b.blockNumber,
    transactionHash: txHash,
    transactionIndex: toQuantity(txIndex),
    blockHash: b.blockHash,
    blockTimestamp: b.blockTimestamp,
    logIndex: toQuantity(logIndex),
    removed: false,
  };
}

export function logsBloom(logs: Log[], common: Common): Uint8Array {
  const bloom = new Bloom(undefined, common);
  for (const log of logs) {
    bloom.add(log.address);
    for (const topic of log.topics) bloom.add(topic);
  }
  return bloom.bitvector;
}

/** Index of a receipt's first log within its block (logIndex is block-wide). */
export function firstLogIndex(receipts: Receipt[], txIndex: number): number {
  let n = 0;
  for (let i = 0; i < txIndex; i++) n += receipts[i]?.logs.length ?? 0;
  return n;
}

/** Field positions of `to` by transaction type (legacy, 2930, 1559, 4844, 7702). */
const TO_FIELD = [3, 4, 5, 5, 5];

/**
 * A stored transaction's hash and recipient (null for a creation), read from its bytes. PERF: a receipt needs
 * only these two; decoding an @ethereumjs transaction and having it re-serialize itself for its hash cost
 * ~20 µs of each eth_getTransactionReceipt, which wallets poll after every send.
 */
export function txHashAndTo(raw: Uint8Array): { hash: Hex; to: Hex | null } {
  const type = (raw[0] as number) >= 0xc0 ? 0 : (raw[0] as number);
  const fields = RLP.decode(type === 0 ? raw : raw.subarray(1)) as Uint8Array[];
  const to = fields[TO_FIELD[type] as number] as Uint8Array;
  return { hash: bytesToHex(keccak256(raw)), to: to.length === 0 ? null : bytesToHex(to) };
}

export function formatReceipt(block: Block, receipts: Receipt[], index: number, common: Common): Json {
  const r = receipts[index] as Receipt;
  const { hash: txHash, to } = txHashAndTo(block.transactions[index] as Uint8Array);
  const base = firstLogIndex(receipts, index);
  return {
    transactionHash: txHash,
    transactionIndex: toQuantity(index),
    blockHash: bytesToHex(block.hash),
    blockNumber: toQuantity(block.header.height),
    from: bytesToHex(r.from),
    to,
    cumulativeGasUsed: toQuantity(r.cumulativeGasUsed),
    gasUsed: toQuantity(r.gasUsed),
    contractAddress: r.contractAddress === null ? null : bytesToHex(r.contractAddress),
    logs: r.logs.map((log, i) => formatLog(log, block, txHash, index, base + i)),
    logsBloom: bytesToHex(logsBloom(r.logs, common)),
    status: toQuantity(r.status),
    effectiveGasPrice: toQuantity(r.effectiveGasPrice),
    type: toQuantity(r.txType),
  };
}
