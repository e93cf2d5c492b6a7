/** MempoolOptions: defaults and validation. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MempoolErrorCode, createMempool, defaultMempoolOptions, testMempoolOptions, validateMempoolOptions } from '../../../src/mempool/index.ts';
import type { MempoolOptions } from '../../../src/mempool/index.ts';
import { isChainError } from '../../../src/primitives/index.ts';
import { BASE_FEE, RICH, tx } from './helpers.ts';

describe('mempool options', () => {
  test('defaults follow geth, with CyberMiles pool size', () => {
    assert.deepEqual(defaultMempoolOptions, { maxTxSizeBytes: 131_072, maxPerAccount: 1024, maxQueuedPerAccount: 256, maxTotal: 100_000, priceBumpPercent: 10 });
  });

  test('createMempool fills in the defaults', () => {
    const p = createMempool<string>({ minGasPrice: 1n });
    const ok = p.add(tx({ from: 'A', nonce: 0, size: 131_072 }), { nonce: 0n, balance: RICH }, BASE_FEE);
    assert.deepEqual(ok, { status: 'pending' });
    assert.throws(() => p.add(tx({ from: 'A', nonce: 1, size: 131_073 }), { nonce: 0n, balance: RICH }, BASE_FEE), { code: MempoolErrorCode.OVERSIZED });
  });

  const bad: Array<{ name: string; patch: Partial<MempoolOptions>; message: string }> = [
    { name: 'zero size limit', patch: { maxTxSizeBytes: 0 }, message: 'invalid mempool option maxTxSizeBytes: 0 is not an integer >= 1' },
    { name: 'fractional per-account limit', patch: { maxPerAccount: 1.5 }, message: 'invalid mempool option maxPerAccount: 1.5 is not an integer >= 1' },
    { name: 'zero queued limit', patch: { maxQueuedPerAccount: 0 }, message: 'invalid mempool option maxQueuedPerAccount: 0 is not an integer >= 1' },
    { name: 'NaN pool size', patch: { maxTotal: Number.NaN }, message: 'invalid mempool option maxTotal: NaN is not an integer >= 1' },
    { name: 'negative bump', patch: { priceBumpPercent: -1 }, message: 'invalid mempool option priceBumpPercent: -1 is not an integer >= 0' },
    { name: 'negative minimum gas price', patch: { minGasPrice: -1n }, message: 'invalid mempool option minGasPrice: -1 is not a bigint >= 0' },
  ];
  for (const row of bad) {
    test(`rejects ${row.name}`, () => {
      const check = (err: unknown): boolean => isChainError(err) && err.code === MempoolErrorCode.BAD_OPTION && err.message === row.message;
      assert.throws(() => validateMempoolOptions({ ...testMempoolOptions, ...row.patch }), check);
      assert.throws(() => createMempool({ ...testMempoolOptions, ...row.patch }), check);
    });
  }

  test('accepts the test values', () => {
    assert.deepEqual(validateMempoolOptions({ ...testMempoolOptions }), testMempoolOptions);
  });
});
