import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeReceipt } from '@ethereumjs/vm';
import { decodeReceipts, encodeConsensusReceipt, encodeReceiptItem, encodeReceipts, joinReceiptItems } from '../../../src/types/index.ts';
import type { Receipt } from '../../../src/types/index.ts';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const receiptArb: fc.Arbitrary<Receipt> = fc.record({
  txType: fc.constantFrom(0, 1, 2),
  status: fc.constantFrom(0 as const, 1 as const),
  cumulativeGasUsed: fc.bigInt({ min: 0n, max: 2n ** 64n }),
  gasUsed: fc.bigInt({ min: 0n, max: 30_000_000n }),
  effectiveGasPrice: fc.bigInt({ min: 0n, max: 10n ** 12n }),
  from: bytes(20),
  contractAddress: fc.option(bytes(20), { nil: null }),
  logs: fc.array(fc.record({ address: bytes(20), topics: fc.array(bytes(32), { maxLength: 4 }), data: fc.uint8Array({ maxLength: 300 }) }), { maxLength: 3 }),
});

describe('receipts encoding', () => {
  it('joins items encoded one by one into the bytes encodeReceipts gives (property, seeded)', () => {
    // list payloads from empty (0xc0) across the 55-byte short-list limit to several kilobytes
    fc.assert(
      fc.property(fc.array(receiptArb, { maxLength: 40 }), (receipts) => {
        const joined = joinReceiptItems(receipts.map(encodeReceiptItem));
        assert.deepEqual(joined, encodeReceipts(receipts));
        const plain = receipts.map((r) => ({ ...r, logs: r.logs.map((l) => ({ ...l })) })); // fast-check's records have no prototype
        assert.deepEqual(decodeReceipts(joined), plain);
      }),
      { seed: 20261127, numRuns: 200 },
    );
  });

  it('gives long-list prefixes for large blocks', () => {
    const r: Receipt = { txType: 2, status: 1, cumulativeGasUsed: 21_000n, gasUsed: 21_000n, effectiveGasPrice: 2n * 10n ** 9n, from: new Uint8Array(20).fill(7), contractAddress: null, logs: [] };
    for (const n of [0, 1, 2, 3000, 70_000]) {
      const receipts = Array.from({ length: n }, () => r);
      assert.deepEqual(joinReceiptItems(receipts.map(encodeReceiptItem)), encodeReceipts(receipts), `${n} receipts`);
    }
  });

  it('encodes the receipt the receipts root commits to as @ethereumjs/vm does (property, seeded)', () => {
    fc.assert(
      fc.property(receiptArb, fc.constantFrom(0, 1, 2, 4), bytes(256), (r, txType, bloom) => {
        const logs = r.logs.map((l) => [l.address, l.topics, l.data] as [Uint8Array, Uint8Array[], Uint8Array]);
        const expected = encodeReceipt({ status: r.status, cumulativeBlockGasUsed: r.cumulativeGasUsed, bitvector: bloom, logs }, txType);
        assert.deepEqual(encodeConsensusReceipt(r.status, r.cumulativeGasUsed, bloom, logs, txType), expected);
      }),
      { seed: 20261127, numRuns: 300 },
    );
  });
});
