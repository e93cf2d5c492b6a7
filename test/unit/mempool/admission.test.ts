/** Admission: one step table per rejection code, each with the message the sender will read. */
import { describe, test } from 'node:test';
import { MempoolErrorCode } from '../../../src/mempool/index.ts';
import { RICH, SENDERS, pool, runAddSteps, tx } from './helpers.ts';

const A = SENDERS.A;
const B = SENDERS.B;

describe('mempool admission', () => {
  test('duplicates, size and price floor', () => {
    const a0 = tx({ from: 'A', nonce: 0 });
    runAddSteps(pool({ minGasPrice: 3n, maxTxSizeBytes: 1024 }), [
      { name: 'first tx at the account nonce is pending', tx: a0, result: { status: 'pending' }, state: 'A[0|]' },
      {
        name: 'the same hash again',
        tx: a0,
        error: { code: MempoolErrorCode.ALREADY_KNOWN, message: `already known: transaction ${a0.hash} is in the pool` },
        state: 'A[0|]',
      },
      {
        name: 'one byte over the size limit',
        tx: tx({ from: 'A', nonce: 1, size: 1025 }),
        error: { code: MempoolErrorCode.OVERSIZED, message: 'oversized data: transaction size 1025 bytes, limit 1024' },
        state: 'A[0|]',
      },
      { name: 'exactly the size limit', tx: tx({ from: 'A', nonce: 1, size: 1024 }), result: { status: 'pending' }, state: 'A[0,1|]' },
      {
        name: 'fee cap under the chain minimum',
        tx: tx({ from: 'A', nonce: 2, fee: 2n, tip: 1n }),
        error: {
          code: MempoolErrorCode.UNDERPRICED,
          message: 'transaction underpriced: max fee per gas 2 wei is below the minimum 3 wei (min gas price 3, base fee 1)',
        },
        state: 'A[0,1|]',
      },
      {
        name: 'fee cap under a base fee above the chain minimum',
        tx: tx({ from: 'A', nonce: 2, fee: 4n, tip: 1n }),
        baseFee: 5n,
        error: {
          code: MempoolErrorCode.UNDERPRICED,
          message: 'transaction underpriced: max fee per gas 4 wei is below the minimum 5 wei (min gas price 3, base fee 5)',
        },
        state: 'A[0,1|]',
      },
      { name: 'fee cap equal to the floor', tx: tx({ from: 'A', nonce: 2, fee: 5n, tip: 1n }), baseFee: 5n, result: { status: 'pending' }, state: 'A[0,1,2|]' },
    ]);
  });

  test('nonce too low', () => {
    runAddSteps(pool(), [
      {
        name: 'nonce below the account nonce',
        tx: tx({ from: 'B', nonce: 3 }),
        account: { nonce: 5n, balance: RICH },
        error: { code: MempoolErrorCode.NONCE_TOO_LOW, message: 'nonce too low: next nonce 5, tx nonce 3' },
        state: '',
      },
      { name: 'nonce equal to the account nonce', tx: tx({ from: 'B', nonce: 5 }), account: { nonce: 5n, balance: RICH }, result: { status: 'pending' }, state: 'B[5|]' },
    ]);
  });

  test('insufficient funds, counting earlier pending transactions', () => {
    const account = { nonce: 5n, balance: 100n };
    runAddSteps(pool(), [
      {
        name: 'costs more than the balance on its own (value 100 + gas 1 x fee 10)',
        tx: tx({ from: 'B', nonce: 5, value: 100n }),
        account,
        error: { code: MempoolErrorCode.INSUFFICIENT_FUNDS, message: `insufficient funds for gas * price + value: address ${B} has balance 100 wei, tx cost 110 wei` },
        state: '',
      },
      { name: 'cost 60 fits', tx: tx({ from: 'B', nonce: 5, value: 50n }), account, result: { status: 'pending' }, state: 'B[5|]' },
      {
        name: 'cost 50 fits alone but not after the pending 60',
        tx: tx({ from: 'B', nonce: 6, value: 40n }),
        account,
        error: {
          code: MempoolErrorCode.INSUFFICIENT_FUNDS,
          message: `insufficient funds for gas * price + value: address ${B} has balance 100 wei, needs 110 wei: tx cost 50 plus 60 for the sender's other pending transactions`,
        },
        state: 'B[5|]',
      },
      { name: 'a queued one only has to fit alone', tx: tx({ from: 'B', nonce: 8, value: 40n }), account, result: { status: 'queued' }, state: 'B[5|8]' },
      { name: 'cost 40 fits after the pending 60', tx: tx({ from: 'B', nonce: 6, value: 30n }), account, result: { status: 'pending' }, state: 'B[5,6|8]' },
      {
        name: 'a pending replacement must keep the later pending ones payable (60 -> 70, plus 40)',
        tx: tx({ from: 'B', nonce: 5, value: 59n, fee: 11n, tip: 3n }),
        account,
        error: {
          code: MempoolErrorCode.INSUFFICIENT_FUNDS,
          message: `insufficient funds for gas * price + value: address ${B} has balance 100 wei, needs 110 wei: tx cost 70 plus 40 for the sender's other pending transactions`,
        },
        state: 'B[5,6|8]',
      },
    ]);
  });

  test('replacement underpriced', () => {
    const old = tx({ from: 'A', nonce: 0, fee: 20n, tip: 10n });
    const prefix = `replacement transaction underpriced: nonce 0 of ${A} is taken by ${old.hash}; a 10% bump needs`;
    runAddSteps(pool({ priceBumpPercent: 10 }), [
      { name: 'original', tx: old, result: { status: 'pending' }, state: 'A[0|]' },
      {
        name: 'same prices',
        tx: tx({ from: 'A', nonce: 0, fee: 20n, tip: 10n, tag: 'copy' }),
        error: { code: MempoolErrorCode.REPLACEMENT_UNDERPRICED, message: `${prefix} max fee per gas >= 22 (got 20) and max priority fee per gas >= 11 (got 10)` },
        state: 'A[0|]',
      },
      {
        name: 'fee cap bumped, tip not',
        tx: tx({ from: 'A', nonce: 0, fee: 30n, tip: 10n }),
        error: { code: MempoolErrorCode.REPLACEMENT_UNDERPRICED, message: `${prefix} max fee per gas >= 22 (got 30) and max priority fee per gas >= 11 (got 10)` },
        state: 'A[0|]',
      },
      {
        name: 'tip bumped, fee cap one wei short of 10%',
        tx: tx({ from: 'A', nonce: 0, fee: 21n, tip: 11n }),
        error: { code: MempoolErrorCode.REPLACEMENT_UNDERPRICED, message: `${prefix} max fee per gas >= 22 (got 21) and max priority fee per gas >= 11 (got 11)` },
        state: 'A[0|]',
      },
    ]);
  });

  test('the bump is rounded up: +10% of 15 needs 17, not 16', () => {
    const old = tx({ from: 'B', nonce: 0, fee: 15n, tip: 5n });
    runAddSteps(pool({ priceBumpPercent: 10 }), [
      { name: 'original fee 15, tip 5', tx: old, result: { status: 'pending' }, state: 'B[0|]' },
      {
        name: 'fee 16 is only a 6.7% bump',
        tx: tx({ from: 'B', nonce: 0, fee: 16n, tip: 6n }),
        error: {
          code: MempoolErrorCode.REPLACEMENT_UNDERPRICED,
          message: `replacement transaction underpriced: nonce 0 of ${B} is taken by ${old.hash}; a 10% bump needs max fee per gas >= 17 (got 16) and max priority fee per gas >= 6 (got 6)`,
        },
        state: 'B[0|]',
      },
      { name: 'fee 17, tip 6', tx: tx({ from: 'B', nonce: 0, fee: 17n, tip: 6n }), result: { status: 'replaced', replaced: old.hash, executable: true }, state: 'B[0|]' },
    ]);
  });

  test('account limits: total per sender and queued per sender', () => {
    const account = { nonce: 0n, balance: RICH };
    runAddSteps(pool({ maxPerAccount: 3, maxQueuedPerAccount: 2 }), [
      { name: 'queued 2', tx: tx({ from: 'A', nonce: 2 }), account, result: { status: 'queued' }, state: 'A[|2]' },
      { name: 'queued 3', tx: tx({ from: 'A', nonce: 3 }), account, result: { status: 'queued' }, state: 'A[|2,3]' },
      {
        name: 'a third queued one',
        tx: tx({ from: 'A', nonce: 5 }),
        account,
        error: {
          code: MempoolErrorCode.ACCOUNT_LIMIT,
          message: `account limit exceeded: ${A} has 2 queued transactions, limit 2; nonce 5 is beyond the next executable nonce 0`,
        },
        state: 'A[|2,3]',
      },
      { name: 'nonce 0 is not queued, so it still fits', tx: tx({ from: 'A', nonce: 0 }), account, result: { status: 'pending' }, state: 'A[0|2,3]' },
      {
        name: 'a fourth transaction, even an executable one',
        tx: tx({ from: 'A', nonce: 1 }),
        account,
        error: { code: MempoolErrorCode.ACCOUNT_LIMIT, message: `account limit exceeded: ${A} has 3 transactions in the pool, limit 3` },
        state: 'A[0|2,3]',
      },
      {
        name: 'replacing does not count against the limit',
        tx: tx({ from: 'A', nonce: 3, fee: 11n, tip: 3n }),
        account,
        result: { status: 'replaced', replaced: tx({ from: 'A', nonce: 3 }).hash, executable: false },
        state: 'A[0|2,3]',
      },
    ]);
  });

  test('pool full with nothing cheaper to evict', () => {
    runAddSteps(pool({ maxTotal: 2 }), [
      { name: 'A0', tx: tx({ from: 'A', nonce: 0, tip: 5n }), result: { status: 'pending' }, state: 'A[0|]' },
      { name: 'B0', tx: tx({ from: 'B', nonce: 0, tip: 5n }), result: { status: 'pending' }, state: 'A[0|] B[0|]' },
      {
        name: 'an equal tip does not evict',
        tx: tx({ from: 'C', nonce: 0, tip: 5n }),
        error: {
          code: MempoolErrorCode.POOL_FULL,
          message: 'txpool is full: 2 transactions; effective tip 5 wei does not beat 5 wei, the cheapest evictable transaction',
        },
        state: 'A[0|] B[0|]',
      },
    ]);
  });
});
