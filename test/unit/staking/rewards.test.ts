/**
 * Block rewards: the lazy accounting (a ratio per candidate, settled per delegation) against a naive
 * reference that pays every delegation its share in every block, over random histories (fast-check,
 * seeded) of delegations, withdrawals and blocks signed by random subsets of the validators, with and
 * without backups. Checked: each delegation's rewards differ from the reference by at most one wei per
 * block it lived through (the reference rounds every block, the lazy way once), owners' commissions by at
 * most a wei per block; and nothing paid out exceeds what was minted plus fees. Delegations below
 * minEarningStake earn nothing; candidates lower single delegations' commission rates (setCompRate).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Account, Address } from '@ethereumjs/util';
import { ed25519KeyFromSeed, ed25519Address } from '../../../src/crypto/index.ts';
import { createChainCommon } from '../../../src/evm/index.ts';
import { bytesToHex } from '../../../src/primitives/index.ts';
import { MAINNET_STAKING_PARAMS, RATE_ONE, StakingStore, pendingRewards, stakingGenesis } from '../../../src/staking/index.ts';
import type { ElectedValidator, StakingParams } from '../../../src/staking/index.ts';
import { distributeBlockRewards } from '../../../src/staking/rewards.ts';
import { delegate, setCompRate, withdraw } from '../../../src/staking/rules.ts';
import { UNDISTRIBUTED, rewardBalance } from '../../../src/staking/layout.ts';
import { TrieNodeStore, createWorldState } from '../../../src/state/index.ts';
import { createMemoryStore } from '../../../src/storage/index.ts';

const CMT = 10n ** 18n;
const FEE_POOL = new Uint8Array(20).fill(0xfe);
const owners = [1, 2, 3].map((i) => new Uint8Array(20).fill(i));
const keys = [1, 2, 3].map((i) => ed25519KeyFromSeed(new Uint8Array(32).fill(110 + i)).publicKey);
const delegators = [11, 12, 13, 14].map((i) => new Uint8Array(20).fill(i));
const COMMISSIONS = [RATE_ONE / 5n, RATE_ONE / 10n, RATE_ONE / 2n];
const params: StakingParams = { ...MAINNET_STAKING_PARAMS, unbondingBlocks: 1_000_000n, blockIssuance: 25n * CMT + 123_456_789n };

type Op =
  | { kind: 'delegate'; candidate: number; delegator: number; amount: bigint }
  | { kind: 'withdraw'; candidate: number; delegator: number; permille: number }
  | { kind: 'rate'; candidate: number; delegator: number; permille: number }
  | { kind: 'block'; present: boolean[]; fees: bigint; withBackup: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('delegate' as const), candidate: fc.integer({ min: 0, max: 2 }), delegator: fc.integer({ min: 0, max: 3 }), amount: fc.bigInt({ min: 1n, max: 50_000n * CMT }) }),
  fc.record({ kind: fc.constant('withdraw' as const), candidate: fc.integer({ min: 0, max: 2 }), delegator: fc.integer({ min: 0, max: 3 }), permille: fc.integer({ min: 1, max: 1000 }) }),
  fc.record({ kind: fc.constant('rate' as const), candidate: fc.integer({ min: 0, max: 2 }), delegator: fc.integer({ min: 0, max: 3 }), permille: fc.integer({ min: 1, max: 1000 }) }),
  fc.record({ kind: fc.constant('block' as const), present: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fees: fc.bigInt({ min: 0n, max: 10n ** 17n }), withBackup: fc.boolean() }),
);

async function setup() {
  const nodes = new TrieNodeStore(createMemoryStore());
  const state = createWorldState(nodes, createChainCommon(1234n, 'osaka'), undefined, { caches: true });
  await stakingGenesis(
    state,
    params,
    owners.map((owner, i) => ({ owner, pubKey: keys[i] as Uint8Array, power: 10n, selfStake: 1_000n * CMT, maxStake: 10n ** 30n, commission: COMMISSIONS[i] as bigint, name: `v${i}` })),
  );
  return { state, nodes, store: new StakingStore(state) };
}

describe('block rewards', () => {
  it('lazy accounting matches paying every delegation every block, within a wei per block', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), async (ops) => {
        const { state, store } = await setup();
        // reference: stakes, rewards per (candidate, delegator), owners' commission; all integers
        const stakes = owners.map((o) => new Map<string, bigint>([[bytesToHex(o), 1_000n * CMT]]));
        const expected = new Map<string, bigint>(); // `${c}/${delegator}` -> rewards
        const commission = new Map<string, bigint>();
        const blocksLived = new Map<string, number>();
        const rates = owners.map((o, i) => new Map<string, bigint>([[bytesToHex(o), COMMISSIONS[i] as bigint]]));
        let blocks = 0;
        let height = 1n;
        let minted = 0n;
        let feesTaken = 0n;
        for (const op of ops) {
          if (op.kind === 'delegate') {
            const who = delegators[op.delegator] as Uint8Array;
            await delegate({ store, params, height, sender: who, value: op.amount }, owners[op.candidate] as Uint8Array);
            const m = stakes[op.candidate] as Map<string, bigint>;
            // a new (or emptied) delegation takes the candidate's rate
            if ((m.get(bytesToHex(who)) ?? 0n) === 0n) (rates[op.candidate] as Map<string, bigint>).set(bytesToHex(who), COMMISSIONS[op.candidate] as bigint);
            m.set(bytesToHex(who), (m.get(bytesToHex(who)) ?? 0n) + op.amount);
          } else if (op.kind === 'withdraw') {
            const who = delegators[op.delegator] as Uint8Array;
            const m = stakes[op.candidate] as Map<string, bigint>;
            const have = m.get(bytesToHex(who)) ?? 0n;
            const amount = (have * BigInt(op.permille)) / 1000n;
            if (amount === 0n) continue;
            await withdraw({ store, params, height, sender: who, value: 0n }, owners[op.candidate] as Uint8Array, amount);
            m.set(bytesToHex(who), have - amount);
          } else if (op.kind === 'rate') {
            const who = delegators[op.delegator] as Uint8Array;
            if (((stakes[op.candidate] as Map<string, bigint>).get(bytesToHex(who)) ?? 0n) === 0n) continue;
            const rate = ((COMMISSIONS[op.candidate] as bigint) * BigInt(op.permille)) / 1000n;
            await setCompRate({ store, params, height, sender: owners[op.candidate] as Uint8Array, value: 0n }, who, rate);
            (rates[op.candidate] as Map<string, bigint>).set(bytesToHex(who), rate);
          } else {
            blocks++;
            // fees arrive in the fee pool during the block
            const pool = new Address(FEE_POOL);
            await state.putAccount(pool, new Account(0n, op.fees));
            const present = owners.map((_, i) => i).filter((i) => op.present[i]);
            const backup: ElectedValidator[] = op.withBackup ? [{ owner: owners[2] as Uint8Array, pubKey: keys[2] as Uint8Array, votingPower: 0n, power: 7n }] : [];
            const signers = present.map((i) => ed25519Address(keys[i] as Uint8Array));
            const carryBefore = await store.get(UNDISTRIBUTED);
            minted += await distributeBlockRewards(store, params, { signers, feePool: FEE_POOL, backups: backup });
            feesTaken += op.fees;
            // the reference: the same split per candidate, then every delegation paid by stake, rounding each time
            const amount = params.blockIssuance + op.fees + carryBefore;
            if (present.length === 0) continue;
            const forBackups = backup.length === 0 ? 0n : amount - (amount * 9n) / 10n;
            const groups: Array<[number[], bigint, (i: number) => bigint]> = [[present, amount - forBackups, () => 10n], [backup.length === 0 ? [] : [2], forBackups, () => 7n]];
            for (const [members, groupAmount, weight] of groups) {
              const total = members.reduce((s, i) => s + weight(i), 0n);
              for (const i of members) {
                const part = (groupAmount * weight(i)) / total;
                const m = stakes[i] as Map<string, bigint>;
                const r = rates[i] as Map<string, bigint>;
                const earningOf = (stake: bigint) => (stake >= params.minEarningStake ? stake : 0n);
                const earning = [...m.values()].reduce((s, x) => s + earningOf(x), 0n);
                if (earning === 0n) {
                  commission.set(String(i), (commission.get(String(i)) ?? 0n) + part);
                  continue;
                }
                for (const [who, stake] of m) {
                  if (earningOf(stake) === 0n) continue;
                  const rate = r.get(who) as bigint;
                  const c = (part * stake * rate) / (earning * RATE_ONE);
                  commission.set(String(i), (commission.get(String(i)) ?? 0n) + c);
                  const key = `${i}/${who}`;
                  expected.set(key, (expected.get(key) ?? 0n) + (part * stake * (RATE_ONE - rate)) / (earning * RATE_ONE));
                  blocksLived.set(key, (blocksLived.get(key) ?? 0) + 1);
                }
              }
            }
          }
          height++;
        }
        // everything owed: each delegation's pending rewards and each address's settled balance
        let paidOut = 0n;
        for (const owner of owners) for (const who of [...owners, ...delegators]) paidOut += await pendingRewards(store, owner, who);
        const settledOf = async (who: Uint8Array) => store.get(rewardBalance(who));
        for (const who of [...owners, ...delegators]) paidOut += await settledOf(who);
        assert.ok(paidOut <= minted + feesTaken, `paid ${paidOut} > minted ${minted} + fees ${feesTaken}`);
        // per address: all its delegations' rewards (+ commission for owners) vs the reference
        for (const who of [...owners, ...delegators]) {
          let lazy = await settledOf(who);
          let ref = 0n;
          let slack = 0n;
          for (const [i, owner] of owners.entries()) {
            lazy += await pendingRewards(store, owner, who);
            ref += expected.get(`${i}/${bytesToHex(who)}`) ?? 0n;
            slack += BigInt(blocksLived.get(`${i}/${bytesToHex(who)}`) ?? 0) + 1n;
            if (who === owner) {
              ref += commission.get(String(i)) ?? 0n;
              slack += BigInt(blocks) * 5n; // one rounding per delegation paying it, per block
            }
          }
          const diff = lazy > ref ? lazy - ref : ref - lazy;
          assert.ok(diff <= slack, `${bytesToHex(who)}: lazy ${lazy}, reference ${ref}, allowed ${slack}`);
        }
      }),
      { numRuns: 40, seed: 20261127 },
    );
  });

  it('a block nobody known signed pays nothing and carries its rewards to the next', async () => {
    const { store } = await setup();
    await distributeBlockRewards(store, params, { signers: [], feePool: FEE_POOL, backups: [] });
    for (const o of owners) assert.equal(await store.get(rewardBalance(o)), 0n);
    await distributeBlockRewards(store, params, { signers: [ed25519Address(keys[0] as Uint8Array)], feePool: FEE_POOL, backups: [] });
    // owner 0 alone: its commission (20%) of two blocks' issuance, the rest on its stake (pending)
    const two = 2n * params.blockIssuance;
    const commission = await store.get(rewardBalance(owners[0] as Uint8Array));
    assert.ok((two * COMMISSIONS[0]!) / RATE_ONE - commission <= 1n, `commission ${commission}`);
    const pending = await pendingRewards(store, owners[0] as Uint8Array, owners[0] as Uint8Array);
    assert.ok(two - (two * COMMISSIONS[0]!) / RATE_ONE - pending <= 1n, `pending ${pending}`);
  });

  it('a block that pays what the last one paid rewrites only the words that change', async () => {
    const { state, nodes, store } = await setup();
    const block = { signers: [ed25519Address(keys[0] as Uint8Array)], feePool: FEE_POOL, backups: [] };
    await distributeBlockRewards(store, params, block);
    await distributeBlockRewards(store, params, block);
    await state.getStateRoot();
    nodes.takeWrites();
    // the third block: the award list, the award and its role, and the undistributed rest stay as they are;
    // the minted total, owner 0's reward ratio and commission, and the staking account's balance change
    await distributeBlockRewards(store, params, block);
    await state.getStateRoot();
    const third = nodes.takeWrites().length;
    await store.set(UNDISTRIBUTED, await store.get(UNDISTRIBUTED)); // a word written with its own value
    await state.getStateRoot();
    assert.equal(nodes.takeWrites().length, 0, 'rewriting a word with its value writes no trie node');
    // 18 when every word was written again (each unchanged word re-hashed its path of the storage trie)
    assert.ok(third > 0 && third <= 12, `the third block wrote ${third} nodes`);
  });
});
