/**
 * What execution records per transaction, stored beside the block. It keeps the sender (so RPC never
 * re-recovers signatures) and the effective gas price.
 */
import { RLP } from '../encoding/index.ts';
import type { RlpInput } from '../encoding/index.ts';
import { ChainError, bigintToBytes, bytesToBigint } from '../primitives/index.ts';

export interface Log {
  address: Uint8Array;
  topics: Uint8Array[];
  data: Uint8Array;
}

export interface Receipt {
  txType: number;
  status: 0 | 1;
  cumulativeGasUsed: bigint;
  gasUsed: bigint;
  effectiveGasPrice: bigint;
  from: Uint8Array;
  contractAddress: Uint8Array | null;
  logs: Log[];
}

function receiptToFields(r: Receipt): RlpInput {
  return [
    bigintToBytes(BigInt(r.txType)),
    bigintToBytes(BigInt(r.status)),
    bigintToBytes(r.cumulativeGasUsed),
    bigintToBytes(r.gasUsed),
    bigintToBytes(r.effectiveGasPrice),
    r.from,
    r.contractAddress ?? new Uint8Array(),
    r.logs.map((l) => [l.address, l.topics, l.data]),
  ];
}

function receiptFromFields(fields: unknown): Receipt {
  if (!Array.isArray(fields) || fields.length !== 8) {
    throw new ChainError('BAD_ENCODING', 'receipt: expected 8 fields');
  }
  const f = fields as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, unknown[]];
  return {
    txType: Number(bytesToBigint(f[0])),
    status: bytesToBigint(f[1]) === 1n ? 1 : 0,
    cumulativeGasUsed: bytesToBigint(f[2]),
    gasUsed: bytesToBigint(f[3]),
    effectiveGasPrice: bytesToBigint(f[4]),
    from: f[5],
    contractAddress: f[6].length === 0 ? null : f[6],
    logs: f[7].map((l) => {
      const [address, topics, data] = l as [Uint8Array, Uint8Array[], Uint8Array];
      return { address, topics, data };
    }),
  };
}

const STATUS_OK = Uint8Array.of(1);

/**
 * A receipt as the receipts root commits to it (EIP-2718: the type byte, then the RLP of [status, cumulative
 * gas, bloom, logs]; a legacy receipt without the byte): @ethereumjs/vm's encodeReceipt, through our RLP.
 * PERF: made once per transaction while a block is built. Cumulative gas 0 is one zero byte, as theirs.
 */
export function encodeConsensusReceipt(status: 0 | 1, cumulativeGasUsed: bigint, bloom: Uint8Array, logs: Array<[Uint8Array, Uint8Array[], Uint8Array]>, txType: number): Uint8Array {
  const gas = cumulativeGasUsed === 0n ? Uint8Array.of(0) : bigintToBytes(cumulativeGasUsed);
  const body = RLP.encode([status === 0 ? new Uint8Array() : STATUS_OK, gas, bloom, logs]);
  if (txType === 0) return body;
  const typed = new Uint8Array(body.length + 1);
  typed[0] = txType;
  typed.set(body, 1);
  return typed;
}

export function encodeReceipts(receipts: Receipt[]): Uint8Array {
  return RLP.encode(receipts.map(receiptToFields));
}

/** One receipt as an item of encodeReceipts' list: a block builder encodes each as it is made. */
export function encodeReceiptItem(receipt: Receipt): Uint8Array {
  return RLP.encode(receiptToFields(receipt));
}

/** encodeReceipts' bytes from its items' encodings (encodeReceiptItem), without encoding them again. */
export function joinReceiptItems(items: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const item of items) length += item.length;
  const header = listHeader(length);
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let at = header.length;
  for (const item of items) {
    out.set(item, at);
    at += item.length;
  }
  return out;
}

/** An RLP list's prefix for a payload of `length` bytes. */
function listHeader(length: number): Uint8Array {
  if (length < 56) return new Uint8Array([0xc0 + length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return new Uint8Array([0xf7 + bytes.length, ...bytes]);
}

export function decodeReceipts(bytes: Uint8Array): Receipt[] {
  const fields = RLP.decode(bytes);
  if (!Array.isArray(fields)) throw new ChainError('BAD_ENCODING', 'receipts: expected a list');
  return fields.map(receiptFromFields);
}
