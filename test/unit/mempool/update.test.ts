/** After a block: update(), plus remove() and pendingNonce(). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AccountState, Mempool } from '../../../src/mempool/index.ts';
import { BASE_FEE, RICH, SENDERS, pool, snapshot, tx } from './helpers.ts';
import type { TxSpec } from './helpers.ts';

const A = SENDERS.A;
const B = SENDERS.B;
const hash = (s: TxSpec): string => tx(s).hash;

/** One update step: the accounts after a block, what update() reports and the pool afterwards. */
interface UpdateStep {
  name: string;
  accounts: Record<string, AccountState>;
  stale: TxSpec[];
  unpayable: TxSpec[];
  state: string;
}

function runUpdates(p: Mempool<string>, steps: UpdateStep[]): void {
  for (const step of steps) {
    const asked: string[] = [];
    const result = p.update((sender) => {
      asked.push(sender);
      const account = step.accounts[sender];
      assert.ok(account !== undefined, `${step.name}: unexpected sender ${sender}`);
      return account;
    }, BASE_FEE);
    assert.equal(new Set(asked).size, asked.length, `${step.name}: getAccount once per sender`);
    assert.deepEqual(result, { stale: step.stale.map(hash), unpayable: step.unpayable.map(hash) }, `${step.name}: result`);
    assert.equal(snapshot(p), step.state, `${step.name}: state`);
    const { pending, queued } = p.stats();
    assert.equal(pending + queued, p.size, `${step.name}: stats add up`);
  }
}

describe('mempool update after a block', () => {
  test('mined nonces leave, balance drops demote or drop, promotion resumes', () => {
    const p = pool();
    const a = (nonce: number): TxSpec => ({ from: 'A', nonce, value: 20n }); // cost 30 each
    for (const n of [0, 1, 2, 4]) p.add(tx(a(n)), { nonce: 0n, balance: 1000n }, BASE_FEE);
    p.add(tx({ from: 'B', nonce: 0 }), { nonce: 0n, balance: RICH }, BASE_FEE);
    assert.equal(snapshot(p), 'A[0,1,2|4] B[0|]');
    assert.deepEqual(p.senders(), [A, B]);
    runUpdates(p, [
      { name: 'nothing changed', accounts: { [A]: { nonce: 0n, balance: 1000n }, [B]: { nonce: 0n, balance: RICH } }, stale: [], unpayable: [], state: 'A[0,1,2|4] B[0|]' },
      { name: 'A0 and B0 mined', accounts: { [A]: { nonce: 1n, balance: 1000n }, [B]: { nonce: 1n, balance: RICH } }, stale: [a(0), { from: 'B', nonce: 0 }], unpayable: [], state: 'A[1,2|4]' },
      { name: 'balance 50 pays A1 (30) but not A1 + A2 (60): A2 demoted, kept', accounts: { [A]: { nonce: 1n, balance: 50n } }, stale: [], unpayable: [], state: 'A[1|2,4]' },
      { name: 'balance 20 cannot pay A1 alone: dropped, the rest wait behind the gap', accounts: { [A]: { nonce: 1n, balance: 20n } }, stale: [], unpayable: [a(1)], state: 'A[|2,4]' },
      { name: 'funds back: A2 is the next nonce again and is promoted', accounts: { [A]: { nonce: 2n, balance: 100n } }, stale: [], unpayable: [], state: 'A[2|4]' },
      { name: 'an account nonce past every transaction empties the sender', accounts: { [A]: { nonce: 9n, balance: 100n } }, stale: [a(2), a(4)], unpayable: [], state: '' },
    ]);
    assert.deepEqual(p.senders(), []);
    assert.equal(p.size, 0);
  });

  test('a queued transaction that costs more than the balance is kept, not dropped', () => {
    const p = pool();
    p.add(tx({ from: 'A', nonce: 3, value: 90n }), { nonce: 0n, balance: 200n }, BASE_FEE);
    runUpdates(p, [{ name: 'balance 10', accounts: { [A]: { nonce: 0n, balance: 10n } }, stale: [], unpayable: [], state: 'A[|3]' }]);
  });

  test('remove opens a gap: later pending transactions are demoted until update or a refill', () => {
    const p = pool();
    for (const n of [0, 1, 2]) p.add(tx({ from: 'A', nonce: n }), { nonce: 0n, balance: RICH }, BASE_FEE);
    assert.equal(p.remove(hash({ from: 'A', nonce: 1 })), true);
    assert.equal(snapshot(p), 'A[0|2]');
    assert.equal(p.remove(hash({ from: 'A', nonce: 1 })), false, 'already gone');
    assert.equal(p.has(hash({ from: 'A', nonce: 1 })), false);
    assert.equal(p.remove(hash({ from: 'A', nonce: 2 })), true, 'a queued one');
    assert.equal(snapshot(p), 'A[0|]');
    assert.equal(p.remove(hash({ from: 'A', nonce: 0 })), true);
    assert.equal(snapshot(p), '');
    assert.deepEqual(p.senders(), []);
  });

  test('remove of a mined head followed by update restores the pending run', () => {
    const p = pool();
    for (const n of [0, 1, 2]) p.add(tx({ from: 'A', nonce: n }), { nonce: 0n, balance: RICH }, BASE_FEE);
    p.remove(hash({ from: 'A', nonce: 0 }));
    assert.equal(snapshot(p), 'A[|1,2]');
    p.update(() => ({ nonce: 1n, balance: RICH }), BASE_FEE);
    assert.equal(snapshot(p), 'A[1,2|]');
  });
});

describe('mempool pendingNonce', () => {
  const p = pool();
  for (const n of [3, 4, 6]) p.add(tx({ from: 'A', nonce: n }), { nonce: 3n, balance: RICH }, BASE_FEE);
  const table: Array<{ name: string; sender: string; accountNonce: bigint; expected: bigint }> = [
    { name: 'no transactions: the account nonce', sender: B, accountNonce: 7n, expected: 7n },
    { name: 'account nonce plus the contiguous pending 3, 4 (6 is queued)', sender: A, accountNonce: 3n, expected: 5n },
    { name: 'a newer account nonce than the pool has seen wins', sender: A, accountNonce: 8n, expected: 8n },
  ];
  for (const row of table) test(row.name, () => assert.equal(p.pendingNonce(row.sender, row.accountNonce), row.expected));
});
