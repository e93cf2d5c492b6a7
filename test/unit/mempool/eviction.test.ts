/** A full pool: who may evict whom. */
import { describe, test } from 'node:test';
import { MempoolErrorCode } from '../../../src/mempool/index.ts';
import { pool, runAddSteps, tx } from './helpers.ts';

describe('mempool eviction when full', () => {
  test('queued tails go first, then pending tails, only for a strictly higher tip', () => {
    const b5 = tx({ from: 'B', nonce: 5, tip: 4n });
    const a1 = tx({ from: 'A', nonce: 1, tip: 1n });
    const d0 = tx({ from: 'D', nonce: 0, tip: 2n });
    runAddSteps(pool({ maxTotal: 3 }), [
      { name: 'A0 tip 5', tx: tx({ from: 'A', nonce: 0, tip: 5n }), result: { status: 'pending' }, state: 'A[0|]' },
      { name: 'A1 tip 1', tx: a1, result: { status: 'pending' }, state: 'A[0,1|]' },
      { name: 'B5 tip 4, queued', tx: b5, result: { status: 'queued' }, state: 'A[0,1|] B[|5]' },
      {
        name: 'C0 tip 5 evicts the queued B5 although the pending A1 pays less',
        tx: tx({ from: 'C', nonce: 0, tip: 5n }),
        result: { status: 'pending', evicted: b5.hash },
        state: 'A[0,1|] C[0|]',
      },
      {
        name: 'a future-nonce newcomer cannot evict pending transactions',
        tx: tx({ from: 'D', nonce: 3, tip: 9n }),
        error: {
          code: MempoolErrorCode.POOL_FULL,
          message: 'txpool is full: 3 transactions; no queued transaction of another sender can be evicted (a future-nonce transaction can only evict queued ones)',
        },
        state: 'A[0,1|] C[0|]',
      },
      { name: 'D0 tip 2 evicts the cheapest pending tail A1 (tip 1), not A0', tx: d0, result: { status: 'pending', evicted: a1.hash }, state: 'A[0|] C[0|] D[0|]' },
      { name: 'B0 tip 3 evicts D0 (tip 2)', tx: tx({ from: 'B', nonce: 0, tip: 3n }), result: { status: 'pending', evicted: d0.hash }, state: 'A[0|] B[0|] C[0|]' },
      {
        name: 'a replacement never needs room',
        tx: tx({ from: 'B', nonce: 0, fee: 11n, tip: 4n }),
        result: { status: 'replaced', replaced: tx({ from: 'B', nonce: 0, tip: 3n }).hash, executable: true },
        state: 'A[0|] B[0|] C[0|]',
      },
    ]);
  });

  test('a cheap transaction in the middle of a lane is not evictable: that would open a gap', () => {
    runAddSteps(pool({ maxTotal: 2 }), [
      { name: 'A0 tip 1', tx: tx({ from: 'A', nonce: 0, tip: 1n }), result: { status: 'pending' }, state: 'A[0|]' },
      { name: 'A1 tip 9', tx: tx({ from: 'A', nonce: 1, tip: 9n }), result: { status: 'pending' }, state: 'A[0,1|]' },
      {
        name: 'B0 tip 5 beats A0 but only A1 (tip 9) may go',
        tx: tx({ from: 'B', nonce: 0, tip: 5n }),
        error: { code: MempoolErrorCode.POOL_FULL, message: 'txpool is full: 2 transactions; effective tip 5 wei does not beat 9 wei, the cheapest evictable transaction' },
        state: 'A[0,1|]',
      },
    ]);
  });

  test('a sender never evicts its own transactions', () => {
    runAddSteps(pool({ maxTotal: 2 }), [
      { name: 'A0', tx: tx({ from: 'A', nonce: 0, tip: 1n }), result: { status: 'pending' }, state: 'A[0|]' },
      { name: 'A1', tx: tx({ from: 'A', nonce: 1, tip: 1n }), result: { status: 'pending' }, state: 'A[0,1|]' },
      {
        name: 'A2 tip 9',
        tx: tx({ from: 'A', nonce: 2, tip: 9n }),
        error: { code: MempoolErrorCode.POOL_FULL, message: 'txpool is full: 2 transactions; no transaction of another sender can be evicted' },
        state: 'A[0,1|]',
      },
    ]);
  });

  test('effective tips decide, capped by the fee cap above the base fee; ties evict the latest arrival', () => {
    const b3 = tx({ from: 'B', nonce: 3, fee: 100n, tip: 50n });
    const c3 = tx({ from: 'C', nonce: 3, fee: 100n, tip: 50n });
    runAddSteps(pool({ maxTotal: 2 }), [
      { name: 'B3 queued', tx: b3, baseFee: 90n, result: { status: 'queued' }, state: 'B[|3]' },
      { name: 'C3 queued, same prices, later', tx: c3, baseFee: 90n, result: { status: 'queued' }, state: 'B[|3] C[|3]' },
      {
        name: 'tip 50 capped to 100 - 90 = 10 does not beat 10',
        tx: tx({ from: 'A', nonce: 0, fee: 100n, tip: 50n }),
        baseFee: 90n,
        error: { code: MempoolErrorCode.POOL_FULL, message: 'txpool is full: 2 transactions; effective tip 10 wei does not beat 10 wei, the cheapest evictable transaction' },
        state: 'B[|3] C[|3]',
      },
      { name: 'effective tip 11 evicts the later of the two equal queued tails', tx: tx({ from: 'A', nonce: 0, fee: 101n, tip: 11n }), baseFee: 90n, result: { status: 'pending', evicted: c3.hash }, state: 'A[0|] B[|3]' },
    ]);
  });
});
