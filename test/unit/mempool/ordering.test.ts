/** Block order from pending(): tips across senders, nonces within a sender, arrival on ties. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Mempool } from '../../../src/mempool/index.ts';
import { BASE_FEE, RICH, labelOf, pool, tx } from './helpers.ts';
import type { TxSpec } from './helpers.ts';

const rich = { nonce: 0n, balance: RICH };

function fill(specs: TxSpec[]): Mempool<string> {
  const p = pool({ maxTotal: 100, maxPerAccount: 50, maxQueuedPerAccount: 50 });
  for (const s of specs) p.add(tx(s), rich, BASE_FEE);
  return p;
}

/** `A0` = sender A, nonce 0. */
const order = (p: Mempool<string>, baseFee: bigint, limit?: number): string[] =>
  p.pending(baseFee, limit).map((t) => `${labelOf(t.sender)}${t.nonce}`);

describe('mempool pending order', () => {
  const specs: TxSpec[] = [
    { from: 'A', nonce: 0, tip: 1n },
    { from: 'A', nonce: 1, tip: 9n },
    { from: 'B', nonce: 0, tip: 5n },
    { from: 'B', nonce: 1, tip: 3n },
    { from: 'C', nonce: 0, tip: 5n },
    { from: 'C', nonce: 2, tip: 9n },
  ];
  const table: Array<{ name: string; baseFee: bigint; limit?: number; expected: string[] }> = [
    {
      name: 'best tip first; B0 before C0 (same tip, earlier); A1 (tip 9) waits for A0 (tip 1); C2 is queued',
      baseFee: 1n,
      expected: ['B0', 'C0', 'B1', 'A0', 'A1'],
    },
    { name: 'limit cuts the same order', baseFee: 1n, limit: 3, expected: ['B0', 'C0', 'B1'] },
    { name: 'limit 0', baseFee: 1n, limit: 0, expected: [] },
    { name: 'base fee 7 caps tips at 3: B and C tie and go by arrival; A0 (tip 1) holds A1 back', baseFee: 7n, expected: ['B0', 'B1', 'C0', 'A0', 'A1'] },
    { name: 'base fee 11 is above every fee cap: nothing is includable', baseFee: 11n, expected: [] },
  ];
  for (const row of table) {
    test(row.name, () => {
      assert.deepEqual(order(fill(specs), row.baseFee, row.limit), row.expected);
    });
  }

  test('effective tip, not the nominal tip, ranks senders', () => {
    const p = fill([
      { from: 'A', nonce: 0, fee: 12n, tip: 9n },
      { from: 'B', nonce: 0, fee: 20n, tip: 5n },
    ]);
    assert.deepEqual(order(p, 1n), ['A0', 'B0'], 'base fee 1: tips 9 and 5');
    assert.deepEqual(order(p, 10n), ['B0', 'A0'], 'base fee 10: tips min(9, 2) = 2 and 5');
  });

  test('a sender is cut at its first transaction under the base fee, and its later nonces with it', () => {
    const p = fill([
      { from: 'A', nonce: 0, fee: 10n },
      { from: 'A', nonce: 1, fee: 5n },
      { from: 'A', nonce: 2, fee: 10n },
      { from: 'B', nonce: 0, fee: 10n },
    ]);
    assert.deepEqual(order(p, 6n), ['A0', 'B0']);
    assert.deepEqual(p.stats(), { pending: 4, queued: 0 }, 'still pending: the base fee can fall again');
  });

  test('the order is a function of the arrival sequence alone', () => {
    // Many equal tips, so ties decide most places; a fixed LCG makes the arrival order varied but reproducible.
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed >>> 16) % n;
    };
    const labels = ['A', 'B', 'C', 'D'] as const;
    const next = new Map<string, number>();
    const many: TxSpec[] = [];
    for (let i = 0; i < 40; i++) {
      const from = labels[rand(4)] ?? 'A';
      const nonce = next.get(from) ?? 0;
      next.set(from, nonce + 1);
      many.push({ from, nonce, tip: BigInt(1 + rand(3)) });
    }
    const first = order(fill(many), 1n);
    assert.equal(first.length, 40);
    assert.deepEqual(order(fill(many), 1n), first, 'a second pool fed the same sequence');
    const p = fill(many);
    assert.deepEqual(order(p, 1n), order(p, 1n), 'pending() does not consume or reorder');
    // Every pick is the best head at that moment: highest tip, then earliest arrival.
    const arrival = many.map((s) => `${s.from}${s.nonce}`);
    const heads = new Map(labels.map((l) => [l as string, 0]));
    for (const picked of first) {
      const candidates = labels.filter((l) => (heads.get(l) ?? 0) < (next.get(l) ?? 0)).map((l) => `${l}${heads.get(l) ?? 0}`);
      const tipOf = (id: string): bigint => many[arrival.indexOf(id)]?.tip ?? 0n;
      const best = candidates.sort((x, y) => (tipOf(x) === tipOf(y) ? arrival.indexOf(x) - arrival.indexOf(y) : tipOf(y) > tipOf(x) ? 1 : -1))[0];
      assert.equal(picked, best);
      const sender = picked.slice(0, 1);
      heads.set(sender, (heads.get(sender) ?? 0) + 1);
    }
  });
});
