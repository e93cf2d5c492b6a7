/**
 * Random sequences of add / block / state drift / remove / pending, run against the real pool and the
 * reference model (reference.ts); after every step the two must agree and the pool's invariants must
 * hold. Limits are tiny so that funds, gaps, account limits and eviction all happen often.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createMempool, txCost } from '../../../src/mempool/index.ts';
import type { AccountState, Mempool, MempoolOptions, PoolTx } from '../../../src/mempool/index.ts';
import { isChainError } from '../../../src/primitives/index.ts';
import { ReferencePool } from './reference.ts';
import type { RefAdd } from './reference.ts';

const OPTS: MempoolOptions = { maxTxSizeBytes: 1000, maxPerAccount: 4, maxQueuedPerAccount: 2, maxTotal: 5, priceBumpPercent: 10, minGasPrice: 2n };
const SENDERS = ['0x' + '1'.repeat(40), '0x' + '2'.repeat(40), '0x' + '3'.repeat(40)];

const addOp = fc.record({
  kind: fc.constant('add' as const),
  sender: fc.nat(2),
  nonceDelta: fc.integer({ min: -1, max: 4 }),
  fee: fc.integer({ min: 1, max: 12 }),
  tipShare: fc.integer({ min: 0, max: 4 }),
  value: fc.integer({ min: 0, max: 60 }),
  gas: fc.integer({ min: 1, max: 3 }),
  big: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  baseFee: fc.integer({ min: 1, max: 4 }),
});
const againOp = fc.record({ kind: fc.constant('again' as const), pick: fc.nat(), baseFee: fc.integer({ min: 1, max: 4 }) });
const blockOp = fc.record({
  kind: fc.constant('block' as const),
  mined: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 }),
  balances: fc.array(fc.integer({ min: 0, max: 250 }), { minLength: 3, maxLength: 3 }),
});
const driftOp = fc.record({ kind: fc.constant('drift' as const), sender: fc.nat(2), mined: fc.integer({ min: 0, max: 2 }), balance: fc.integer({ min: 0, max: 250 }) });
const removeOp = fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() });
const pendingOp = fc.record({ kind: fc.constant('pending' as const), baseFee: fc.integer({ min: 0, max: 13 }), limit: fc.integer({ min: 0, max: 8 }) });
const op = fc.oneof({ arbitrary: addOp, weight: 6 }, againOp, { arbitrary: blockOp, weight: 2 }, driftOp, removeOp, pendingOp);
type Op = typeof op extends fc.Arbitrary<infer O> ? O : never;

/** The world the caller reads account state from; the pool only learns it through add and update. */
class World {
  accounts = SENDERS.map((): AccountState => ({ nonce: 0n, balance: 150n }));
  history: PoolTx<string>[] = [];
  account(sender: string): AccountState {
    return this.accounts[SENDERS.indexOf(sender)] as AccountState;
  }
}

function apply(o: Op, world: World, pool: Mempool<string>, ref: ReferencePool): void {
  switch (o.kind) {
    case 'add': {
      const sender = SENDERS[o.sender] as string;
      const nonce = world.account(sender).nonce + BigInt(o.nonceDelta);
      if (nonce < 0n) return;
      const fee = BigInt(o.fee);
      const t: PoolTx<string> = {
        hash: `0x${world.history.length.toString(16).padStart(64, '0')}`,
        sender,
        nonce,
        gasLimit: BigInt(o.gas),
        maxFeePerGas: fee,
        maxPriorityFeePerGas: (fee * BigInt(o.tipShare)) / 4n,
        value: BigInt(o.value),
        size: o.big ? 1001 : 100,
        payload: '',
      };
      world.history.push(t);
      return compareAdd(t, world, BigInt(o.baseFee), pool, ref);
    }
    case 'again': {
      const t = world.history[o.pick % Math.max(1, world.history.length)];
      if (t !== undefined) compareAdd(t, world, BigInt(o.baseFee), pool, ref);
      return;
    }
    case 'block': {
      world.accounts = world.accounts.map((a, i) => ({ nonce: a.nonce + BigInt(o.mined[i] ?? 0), balance: BigInt(o.balances[i] ?? 0) }));
      const asked: string[] = [];
      const before = ref.senders();
      const got = pool.update((s) => (asked.push(s), world.account(s)), 1n);
      const want = ref.update((s) => world.account(s));
      assert.deepEqual(asked.slice().sort(), before, 'getAccount exactly once per sender in the pool');
      assert.deepEqual(got.stale.slice().sort(), want.stale.slice().sort(), 'stale');
      assert.deepEqual(got.unpayable.slice().sort(), want.unpayable.slice().sort(), 'unpayable');
      if (got.stale.length > 0) seen.set('update-stale', (seen.get('update-stale') ?? 0) + 1);
      if (got.unpayable.length > 0) seen.set('update-unpayable', (seen.get('update-unpayable') ?? 0) + 1);
      return;
    }
    case 'drift': {
      const a = world.accounts[o.sender] as AccountState;
      world.accounts[o.sender] = { nonce: a.nonce + BigInt(o.mined), balance: BigInt(o.balance) };
      return;
    }
    case 'remove': {
      const t = world.history[o.pick % Math.max(1, world.history.length)];
      if (t !== undefined) assert.equal(pool.remove(t.hash), ref.remove(t.hash), 'remove');
      return;
    }
    case 'pending': {
      const got = pool.pending(BigInt(o.baseFee), o.limit).map((t) => t.hash);
      assert.deepEqual(got, ref.pending(BigInt(o.baseFee), o.limit), 'pending order');
    }
  }
}

/** How often each outcome occurred over all runs: the generators must reach every rule. */
const seen = new Map<string, number>();

function compareAdd(t: PoolTx<string>, world: World, baseFee: bigint, pool: Mempool<string>, ref: ReferencePool): void {
  let got: RefAdd;
  try {
    got = { ...pool.add(t, world.account(t.sender), baseFee) };
  } catch (err) {
    assert.ok(isChainError(err), `unexpected ${String(err)}`);
    got = { error: err.code };
  }
  const outcome = 'error' in got ? got.error : 'evicted' in got ? 'evicted' : got.executable === true ? 'replaced-executable' : got.status;
  seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
  assert.deepEqual(got, ref.add(t, world.account(t.sender), baseFee), `add nonce ${t.nonce} of ${t.sender}`);
}

/** The pool's own invariants, stated directly, plus agreement with the reference. */
function check(pool: Mempool<string>, ref: ReferencePool, world: World): void {
  const { pending, queued } = pool.content();
  let counted = 0;
  for (const sender of ref.senders()) {
    const view = ref.accounts.get(sender) as AccountState;
    const p = pending.get(sender) ?? [];
    const q = queued.get(sender) ?? [];
    counted += p.length + q.length;
    assert.deepEqual(p.map((t) => t.nonce), p.map((_t, i) => view.nonce + BigInt(i)), 'pending starts at the account nonce with no gaps');
    assert.ok(p.reduce((s, t) => s + txCost(t), 0n) <= view.balance, 'pending is payable in order');
    const end = view.nonce + BigInt(p.length);
    assert.ok(q.every((t) => t.nonce > end || (t.nonce === end && p.reduce((s, x) => s + txCost(x), 0n) + txCost(t) > view.balance)), 'queued only behind a gap or the balance');
    assert.ok(p.length + q.length <= OPTS.maxPerAccount, 'per-account limit');
    const r = ref.split(sender);
    assert.deepEqual(p.map((t) => t.hash), r.pending.map((x) => x.tx.hash), 'pending matches the reference');
    assert.deepEqual(q.map((t) => t.hash), r.queued.map((x) => x.tx.hash), 'queued matches the reference');
    for (const t of [...p, ...q]) assert.equal(pool.get(t.hash), t);
    const acct = world.account(sender).nonce;
    assert.equal(pool.pendingNonce(sender, acct), end > acct ? end : acct, 'pendingNonce');
  }
  assert.deepEqual(pool.senders().slice().sort(), ref.senders(), 'senders');
  const s = pool.stats();
  assert.equal(s.pending + s.queued, pool.size, 'stats add up to size');
  assert.equal(counted, pool.size, 'content holds size transactions');
  assert.equal(s.pending, [...pending.values()].reduce((n, l) => n + l.length, 0), 'stats.pending');
  assert.ok(pool.size <= OPTS.maxTotal, 'pool limit');
  assert.deepEqual(pool.pending(1n).map((t) => t.hash), ref.pending(1n, Number.POSITIVE_INFINITY), 'block order');
}

test('random add/update/remove sequences agree with the reference and keep the invariants', () => {
  seen.clear();
  const property = fc.property(fc.array(op, { minLength: 10, maxLength: 80, size: 'max' }), (ops) => {
    const world = new World();
    const pool = createMempool<string>(OPTS);
    const ref = new ReferencePool(OPTS);
    ops.forEach((o, i) => {
      try {
        apply(o, world, pool, ref);
        check(pool, ref, world);
      } catch (err) {
        throw new Error(`step ${i} ${fc.stringify(o)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  });
  // fc.check rather than fc.assert: node's reporter does not print the failing assertion kept in `cause`.
  const run = fc.check(property, { numRuns: 300 });
  if (run.failed) {
    assert.fail(`seed ${run.seed} path ${run.counterexamplePath}\n${String(run.errorInstance)}\ncounterexample: ${fc.stringify(run.counterexample)}`);
  }
  const outcomes = ['pending', 'queued', 'replaced', 'replaced-executable', 'evicted', 'ALREADY_KNOWN', 'NONCE_TOO_LOW', 'UNDERPRICED',
    'REPLACEMENT_UNDERPRICED', 'INSUFFICIENT_FUNDS', 'OVERSIZED', 'ACCOUNT_LIMIT', 'POOL_FULL', 'update-stale', 'update-unpayable'];
  for (const o of outcomes) assert.ok((seen.get(o) ?? 0) > 0, `the generated sequences never produced ${o}: ${JSON.stringify([...seen])}`);
});
