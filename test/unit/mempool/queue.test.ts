/** Nonce gaps, promotion and replacement, as step tables over one pool. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BASE_FEE, RICH, pool, runAddSteps, snapshot, tx } from './helpers.ts';

describe('mempool queue and promotion', () => {
  test('a gap queues later nonces until the gap-filling transaction promotes them', () => {
    runAddSteps(pool(), [
      { name: 'nonce 2 with account nonce 0 waits', tx: tx({ from: 'A', nonce: 2 }), result: { status: 'queued' }, state: 'A[|2]' },
      { name: 'nonce 0 is executable', tx: tx({ from: 'A', nonce: 0 }), result: { status: 'pending' }, state: 'A[0|2]' },
      { name: 'nonce 1 fills the gap and promotes 2', tx: tx({ from: 'A', nonce: 1 }), result: { status: 'pending' }, state: 'A[0,1,2|]' },
      { name: 'nonce 4 waits behind the new gap at 3', tx: tx({ from: 'A', nonce: 4 }), result: { status: 'queued' }, state: 'A[0,1,2|4]' },
      { name: 'another sender is independent', tx: tx({ from: 'B', nonce: 1 }), result: { status: 'queued' }, state: 'A[0,1,2|4] B[|1]' },
      { name: 'nonce 3 promotes 4', tx: tx({ from: 'A', nonce: 3 }), result: { status: 'pending' }, state: 'A[0,1,2,3,4|] B[|1]' },
    ]);
  });

  test('promotion stops at the first transaction the balance cannot pay after the earlier ones', () => {
    const account = { nonce: 0n, balance: 100n };
    const p = pool();
    runAddSteps(p, [
      { name: 'B0 costs 40', tx: tx({ from: 'B', nonce: 0, value: 30n }), account, result: { status: 'pending' }, state: 'B[0|]' },
      { name: 'B2 costs 50, fits alone', tx: tx({ from: 'B', nonce: 2, value: 40n }), account, result: { status: 'queued' }, state: 'B[0|2]' },
      { name: 'B1 costs 30: 40 + 30 + 50 > 100, so B2 stays queued', tx: tx({ from: 'B', nonce: 1, value: 20n }), account, result: { status: 'pending' }, state: 'B[0,1|2]' },
    ]);
    assert.equal(p.pendingNonce(tx({ from: 'B', nonce: 0 }).sender, 0n), 2n);
    runAddSteps(p, [
      {
        name: 'a cheaper B2 (cost 21) replaces it and is promoted',
        tx: tx({ from: 'B', nonce: 2, value: 10n, fee: 11n, tip: 3n }),
        account,
        result: { status: 'replaced', replaced: tx({ from: 'B', nonce: 2, value: 40n }).hash, executable: true },
        state: 'B[0,1,2|]',
      },
    ]);
  });

  test('replacement keeps the slot, swaps the transaction and accepts an exact bump', () => {
    const old = tx({ from: 'A', nonce: 1, fee: 20n, tip: 10n });
    const exact = tx({ from: 'A', nonce: 1, fee: 22n, tip: 11n });
    const queuedOld = tx({ from: 'A', nonce: 3, fee: 20n, tip: 10n });
    const p = pool();
    runAddSteps(p, [
      { name: 'A0', tx: tx({ from: 'A', nonce: 0 }), result: { status: 'pending' }, state: 'A[0|]' },
      { name: 'A1', tx: old, result: { status: 'pending' }, state: 'A[0,1|]' },
      { name: 'A3', tx: queuedOld, result: { status: 'queued' }, state: 'A[0,1|3]' },
      { name: 'pending A1 with exactly +10% on both caps', tx: exact, result: { status: 'replaced', replaced: old.hash, executable: true }, state: 'A[0,1|3]' },
      {
        name: 'queued A3 replaced stays queued',
        tx: tx({ from: 'A', nonce: 3, fee: 40n, tip: 20n }),
        result: { status: 'replaced', replaced: queuedOld.hash, executable: false },
        state: 'A[0,1|3]',
      },
      {
        name: 'the replaced one can be replaced again with a bump over the new prices',
        tx: tx({ from: 'A', nonce: 1, fee: 25n, tip: 13n }),
        result: { status: 'replaced', replaced: exact.hash, executable: true },
        state: 'A[0,1|3]',
      },
    ]);
    assert.equal(p.has(old.hash), false);
    assert.equal(p.get(old.hash), undefined);
    assert.equal(p.get(exact.hash), undefined);
    assert.equal(p.get(tx({ from: 'A', nonce: 1, fee: 25n, tip: 13n }).hash)?.maxFeePerGas, 25n);
    assert.equal(p.size, 3);
    assert.deepEqual(p.stats(), { pending: 2, queued: 1 });
  });

  test('a zero-priced original still needs a strictly higher replacement', () => {
    runAddSteps(pool({ minGasPrice: 0n, priceBumpPercent: 0 }), [
      { name: 'tip 0', tx: tx({ from: 'A', nonce: 0, fee: 5n, tip: 0n }), baseFee: 0n, result: { status: 'pending' }, state: 'A[0|]' },
      {
        name: 'a 0% bump still means more than before on both caps',
        tx: tx({ from: 'A', nonce: 0, fee: 6n, tip: 1n }),
        baseFee: 0n,
        result: { status: 'replaced', replaced: tx({ from: 'A', nonce: 0, fee: 5n, tip: 0n }).hash, executable: true },
        state: 'A[0|]',
      },
    ]);
  });

  test('add refreshes the sender with the newer account state it is given', () => {
    const p = pool();
    for (const n of [0, 1, 2]) p.add(tx({ from: 'A', nonce: n }), { nonce: 0n, balance: RICH }, BASE_FEE);
    // Nonces 0 and 1 were mined but update() has not run yet.
    const r = p.add(tx({ from: 'A', nonce: 4 }), { nonce: 2n, balance: RICH }, BASE_FEE);
    assert.deepEqual(r, { status: 'queued' });
    assert.equal(snapshot(p), 'A[2|4]');
    assert.equal(p.has(tx({ from: 'A', nonce: 0 }).hash), false);
    assert.equal(p.size, 2);
  });

  test('content lists queued transactions in nonce order whatever the arrival order', () => {
    const p = pool();
    for (const n of [7, 3, 5]) p.add(tx({ from: 'C', nonce: n }), { nonce: 0n, balance: RICH }, BASE_FEE);
    const queued = p.content().queued.get(tx({ from: 'C', nonce: 0 }).sender) ?? [];
    assert.deepEqual(queued.map((t) => t.nonce), [3n, 5n, 7n]);
    assert.equal(p.content().pending.size, 0);
  });
});
