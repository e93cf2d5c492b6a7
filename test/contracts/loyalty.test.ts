/**
 * LoyaltyPoints on a real automining dev node: a merchant's points awarded by its minters (with one-time
 * references), redeemed against its reward catalogue (cost, stock, active, a maximum cost the customer accepts),
 * non-transferable unless the merchant switches transfers on, and expiring by batch: all points earned in one
 * epoch expire together at the end of the `validityEpochs`-th epoch after it, redemptions and transfers taking
 * the oldest live batch first. Every external function's success path and each revert with its exact custom
 * error, the events, the expiry boundary to the second, FIFO consumption, and a fast-check property over random
 * earn / redeem / transfer / time sequences: balances and the supply equal a reference model, and nothing is
 * ever redeemed beyond the points earned and unexpired at that moment.
 *
 * GAS_REPORT=<dir> writes the gas used by the main functions to <dir>/loyalty.md.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { keccak256, toUtf8Bytes } from 'ethers';
import type { Contract, Wallet } from 'ethers';
import fc from 'fast-check';
import {
  DAY, HOUR, ZERO_ADDRESS, ZERO_HASH, blockTime, createGasReport, deploy, expectDeployRevert, expectEvent, expectRevert,
  latestTimestamp, mineAt, read, readStruct, revertTo, send, setNextTimestamp, snapshot, startChain,
} from './miscFixtures.ts';
import type { Chain } from './miscFixtures.ts';

const EPOCH = BigInt(DAY);
const VALIDITY = 2n;
const MINTER = keccak256(toUtf8Bytes('MINTER_ROLE'));
const CATALOGUE = keccak256(toUtf8Bytes('CATALOGUE_ROLE'));
const ref = (label: string): string => keccak256(toUtf8Bytes(label));

interface Reward {
  cost: bigint;
  stock: bigint;
  active: boolean;
  name: string;
}

describe('LoyaltyPoints on a dev node', () => {
  let chain: Chain;
  let points: Contract;
  let merchant: Wallet;
  let pos: Wallet; // a point-of-sale minter
  let alice: Wallet;
  let bob: Wallet;
  let carol: Wallet;
  let stranger: Wallet;
  /** Start of an epoch a little in the future, where every test begins. */
  let t0: bigint;
  let e0: bigint;
  let snap = '';
  const gas = createGasReport();

  before(async () => {
    chain = await startChain();
    [merchant, pos, alice, bob, carol, stranger] = chain.wallets as [Wallet, Wallet, Wallet, Wallet, Wallet, Wallet];
    const d = await deploy('LoyaltyPoints', merchant, ['Acme Points', 'ACME', merchant.address, 0, EPOCH, VALIDITY, false]);
    gas.record('deploy LoyaltyPoints', d.receipt);
    points = d.contract;
    await send(points, merchant, 'grantRole', [MINTER, pos.address]);
    await send(points, merchant, 'addReward', ['Coffee', 100n, 1000n]); // id 0
    await send(points, merchant, 'addReward', ['Mug', 250n, 2n]); // id 1
    e0 = (await latestTimestamp(chain)) / EPOCH + 2n;
    t0 = e0 * EPOCH;
    await mineAt(chain, t0);
  });

  after(async () => {
    gas.write('loyalty');
    await chain?.stop();
  });

  beforeEach(async () => {
    snap = await snapshot(chain);
  });

  afterEach(async () => {
    await revertTo(chain, snap);
  });

  const balance = (who: string): Promise<bigint> => read<bigint>(points, 'balanceOf', [who]);
  const expiry = (epoch: bigint, validity = VALIDITY, len = EPOCH): bigint => (epoch + validity + 1n) * len;

  async function earnAt(at: bigint, who: string, amount: bigint, r = ZERO_HASH) {
    await setNextTimestamp(chain, at);
    return send(points, pos, 'earn', [who, amount, r]);
  }

  async function batches(who: string): Promise<[bigint, bigint, bigint][]> {
    const [epochs, amounts, expiries] = await read<[bigint[], bigint[], bigint[]]>(points, 'batchesOf', [who]);
    return epochs.map((e, i) => [e, amounts[i]!, expiries[i]!]);
  }

  // ------------------------------------------------------------ deployment

  describe('deployment', () => {
    test('configuration, roles and metadata; bad expiry configurations and empty names are refused', async () => {
      assert.equal(await read(points, 'name'), 'Acme Points');
      assert.equal(await read(points, 'symbol'), 'ACME');
      assert.equal(await read(points, 'decimals'), 0n);
      assert.equal(await read(points, 'epochLength'), EPOCH);
      assert.equal(await read(points, 'validityEpochs'), VALIDITY);
      assert.equal(await read(points, 'transfersEnabled'), false);
      assert.equal(await read(points, 'owner'), merchant.address);
      assert.equal(await read(points, 'hasRole', [MINTER, merchant.address]), true);
      assert.equal(await read(points, 'hasRole', [CATALOGUE, merchant.address]), true);
      assert.equal(await read(points, 'MINTER_ROLE'), MINTER);
      assert.equal(await read(points, 'CATALOGUE_ROLE'), CATALOGUE);
      assert.equal(await read(points, 'currentEpoch'), e0);
      assert.equal(await read(points, 'expiresAt', [e0]), expiry(e0));
      const ok = ['P', 'P', merchant.address, 0, HOUR, 48, true];
      await deploy('LoyaltyPoints', merchant, ok);
      await deploy('LoyaltyPoints', merchant, ['P', 'P', merchant.address, 0, 366 * DAY, 0, true]);
      await expectDeployRevert('LoyaltyPoints', merchant, ['P', 'P', merchant.address, 0, HOUR - 1, 1, true], 'BadExpiryConfig', [BigInt(HOUR - 1), 1n]);
      await expectDeployRevert('LoyaltyPoints', merchant, ['P', 'P', merchant.address, 0, 366 * DAY + 1, 1, true], 'BadExpiryConfig', [BigInt(366 * DAY + 1), 1n]);
      await expectDeployRevert('LoyaltyPoints', merchant, ['P', 'P', merchant.address, 0, HOUR, 49, true], 'BadExpiryConfig', [BigInt(HOUR), 49n]);
      await expectDeployRevert('LoyaltyPoints', merchant, ['', 'P', merchant.address, 0, HOUR, 1, true], 'EmptyNameOrSymbol');
      await expectDeployRevert('LoyaltyPoints', merchant, ['P', '', merchant.address, 0, HOUR, 1, true], 'EmptyNameOrSymbol');
      await expectDeployRevert('LoyaltyPoints', merchant, ['P', 'P', ZERO_ADDRESS, 0, HOUR, 1, true], 'AccessControlInvalidDefaultAdmin', [ZERO_ADDRESS]);
    });
  });

  // ------------------------------------------------------------ earning and expiry

  describe('earning and expiry', () => {
    test('earn: events, balances, supply, one batch per epoch; references are single-use; role, zero address and amount', async () => {
      const r = await earnAt(t0 + 10n, alice.address, 40n, ref('order-1'));
      gas.record('earn (new batch)', r);
      expectEvent(r, points, 'Transfer', [ZERO_ADDRESS, alice.address, 40n]);
      expectEvent(r, points, 'Earned', [alice.address, 40n, e0, expiry(e0), ref('order-1'), pos.address]);
      gas.record('earn (same batch)', await earnAt(t0 + 20n, alice.address, 60n));
      await earnAt(t0 + 30n, alice.address, 5n); // zero references can repeat
      assert.equal(await read(points, 'referenceUsed', [ref('order-1')]), true);
      assert.equal(await read(points, 'referenceUsed', [ZERO_HASH]), false);
      await expectRevert(points, pos, 'earn', [bob.address, 1n, ref('order-1')], 'ReferenceUsed', [ref('order-1')]);
      await expectRevert(points, pos, 'earn', [ZERO_ADDRESS, 1n, ZERO_HASH], 'ZeroAddress');
      await expectRevert(points, pos, 'earn', [bob.address, 0n, ZERO_HASH], 'ZeroAmount');
      await expectRevert(points, stranger, 'earn', [stranger.address, 1n, ZERO_HASH], 'AccessControlUnauthorizedAccount', [stranger.address, MINTER]);
      await earnAt(t0 + EPOCH, alice.address, 7n);
      await earnAt(t0 + EPOCH + 1n, bob.address, 3n);
      assert.equal(await balance(alice.address), 112n);
      assert.equal(await read(points, 'totalSupply'), 115n);
      assert.equal(await read(points, 'totalEarned'), 115n);
      assert.deepEqual(await batches(alice.address), [[e0, 105n, expiry(e0)], [e0 + 1n, 7n, expiry(e0 + 1n)]]);
      // the merchant can take the minter role away
      await send(points, merchant, 'revokeRole', [MINTER, pos.address]);
      await expectRevert(points, pos, 'earn', [bob.address, 1n, ZERO_HASH], 'AccessControlUnauthorizedAccount', [pos.address, MINTER]);
    });

    test('a batch counts until the second before expiresAt and not at expiresAt; balance and supply shrink by themselves', async () => {
      await earnAt(t0 + EPOCH - 1n, alice.address, 10n); // last second of e0
      await earnAt(t0 + EPOCH, alice.address, 20n); // first second of e0 + 1
      const x0 = expiry(e0);
      assert.equal(x0, t0 + (VALIDITY + 1n) * EPOCH);
      await mineAt(chain, x0 - 1n);
      assert.equal(await balance(alice.address), 30n);
      assert.equal(await read(points, 'totalSupply'), 30n);
      await mineAt(chain, x0);
      assert.equal(await balance(alice.address), 20n);
      assert.equal(await read(points, 'totalSupply'), 20n);
      assert.deepEqual(await batches(alice.address), [[e0 + 1n, 20n, x0 + EPOCH]]);
      await mineAt(chain, x0 + EPOCH);
      assert.equal(await balance(alice.address), 0n);
      assert.equal(await read(points, 'totalSupply'), 0n);
      assert.deepEqual(await batches(alice.address), []);
      assert.equal(await read(points, 'totalEarned'), 30n, 'earned is a lifetime counter');
    });
  });

  // ------------------------------------------------------------ redeeming

  describe('redeeming', () => {
    test('redeem burns cost x quantity, oldest batch first; stock, ids, events, totals', async () => {
      await earnAt(t0 + 1n, alice.address, 150n);
      await earnAt(t0 + EPOCH + 1n, alice.address, 200n);
      await earnAt(t0 + 2n * EPOCH + 1n, alice.address, 300n);
      const r = await send(points, alice, 'redeem', [0n, 2n, 100n]);
      gas.record('redeem (two batches)', r);
      expectEvent(r, points, 'Transfer', [alice.address, ZERO_ADDRESS, 200n]);
      expectEvent(r, points, 'Redeemed', [1n, alice.address, 0n, 2n, 200n]);
      assert.deepEqual(await batches(alice.address), [[e0 + 1n, 150n, expiry(e0 + 1n)], [e0 + 2n, 300n, expiry(e0 + 2n)]]);
      const r2 = await send(points, alice, 'redeem', [1n, 1n, 300n]);
      gas.record('redeem (one batch)', r2);
      expectEvent(r2, points, 'Redeemed', [2n, alice.address, 1n, 1n, 250n]);
      assert.deepEqual(await batches(alice.address), [[e0 + 2n, 200n, expiry(e0 + 2n)]]);
      assert.equal(await read(points, 'redemptionCount'), 2n);
      assert.equal(await read(points, 'totalRedeemed'), 450n);
      assert.equal(await read(points, 'totalSupply'), 200n);
      const mug = await readStruct<Reward>(points, 'rewardOf', [1n]);
      assert.deepEqual(mug, { cost: 250n, stock: 1n, active: true, name: 'Mug' });
      const coffee = await readStruct<Reward>(points, 'rewardOf', [0n]);
      assert.equal(coffee.stock, 998n);
    });

    test('redeem reverts: unknown reward, zero quantity, inactive, out of stock, cost raised, not enough unexpired points', async () => {
      await earnAt(t0 + 1n, alice.address, 120n);
      await earnAt(t0 + EPOCH + 1n, alice.address, 100n);
      await expectRevert(points, alice, 'redeem', [2n, 1n, 100n], 'UnknownReward', [2n]);
      await expectRevert(points, alice, 'redeem', [0n, 0n, 100n], 'ZeroAmount');
      await expectRevert(points, alice, 'redeem', [1n, 3n, 250n], 'OutOfStock', [1n, 2n, 3n]);
      await expectRevert(points, alice, 'redeem', [0n, 1n, 99n], 'CostAboveMax', [0n, 100n, 99n]);
      await expectRevert(points, alice, 'redeem', [0n, 3n, 100n], 'InsufficientPoints', [alice.address, 220n, 300n]);
      await expectRevert(points, bob, 'redeem', [0n, 1n, 100n], 'InsufficientPoints', [bob.address, 0n, 100n]);
      await send(points, merchant, 'updateReward', [0n, 100n, 10n, false]);
      await expectRevert(points, alice, 'redeem', [0n, 1n, 100n], 'RewardInactive', [0n]);
      await send(points, merchant, 'updateReward', [0n, 110n, 10n, true]);
      await expectRevert(points, alice, 'redeem', [0n, 1n, 100n], 'CostAboveMax', [0n, 110n, 100n]);
      await send(points, alice, 'redeem', [0n, 2n, 110n]);
      assert.equal(await balance(alice.address), 0n, 'both batches were used up');
      await earnAt(t0 + 2n * EPOCH, alice.address, 100n);
      await mineAt(chain, expiry(e0));
      assert.equal(await balance(alice.address), 100n);
      await expectRevert(points, alice, 'redeem', [0n, 1n, 110n], 'InsufficientPoints', [alice.address, 100n, 110n]);
    });

    test('points that expired cannot be redeemed even though they were earned', async () => {
      await earnAt(t0 + 1n, alice.address, 500n);
      await mineAt(chain, expiry(e0) - 1n);
      assert.equal(await (points.connect(alice) as Contract).getFunction('redeem').staticCall(0n, 1n, 100n), 1n, 'still redeemable a second before');
      await mineAt(chain, expiry(e0));
      await expectRevert(points, alice, 'redeem', [0n, 1n, 100n], 'InsufficientPoints', [alice.address, 0n, 100n]);
    });
  });

  // ------------------------------------------------------------ transfers

  describe('transfers', () => {
    test('off by default; the merchant switches them on and off; points move oldest first and keep their expiry', async () => {
      await earnAt(t0 + 1n, alice.address, 30n);
      await earnAt(t0 + EPOCH + 1n, alice.address, 50n);
      await expectRevert(points, alice, 'transfer', [bob.address, 1n], 'TransfersDisabled');
      await expectRevert(points, pos, 'setTransfersEnabled', [true], 'AccessControlUnauthorizedAccount', [pos.address, ZERO_HASH]);
      const on = await send(points, merchant, 'setTransfersEnabled', [true]);
      expectEvent(on, points, 'TransfersEnabledSet', [true, merchant.address]);
      const r = await send(points, alice, 'transfer', [bob.address, 40n]);
      gas.record('transfer (two batches)', r);
      expectEvent(r, points, 'Transfer', [alice.address, bob.address, 40n]);
      assert.deepEqual(await batches(alice.address), [[e0 + 1n, 40n, expiry(e0 + 1n)]]);
      assert.deepEqual(await batches(bob.address), [[e0, 30n, expiry(e0)], [e0 + 1n, 10n, expiry(e0 + 1n)]]);
      assert.equal(await read(points, 'totalSupply'), 80n, 'transfers do not change the supply');
      await expectRevert(points, alice, 'transfer', [ZERO_ADDRESS, 1n], 'ZeroAddress');
      await expectRevert(points, alice, 'transfer', [alice.address, 1n], 'SelfTransfer');
      await expectRevert(points, alice, 'transfer', [bob.address, 0n], 'ZeroAmount');
      await expectRevert(points, alice, 'transfer', [bob.address, 41n], 'InsufficientPoints', [alice.address, 40n, 41n]);
      // bob's transferred points expire with alice's original batch
      await mineAt(chain, expiry(e0));
      assert.equal(await balance(bob.address), 10n);
      await send(points, merchant, 'setTransfersEnabled', [false]);
      await expectRevert(points, bob, 'transfer', [carol.address, 1n], 'TransfersDisabled');
    });
  });

  // ------------------------------------------------------------ catalogue

  describe('catalogue', () => {
    test('addReward and updateReward: role, zero cost, unknown id, events, views', async () => {
      assert.equal(await read(points, 'rewardCount'), 2n);
      const r = await send(points, merchant, 'addReward', ['Tote bag', 500n, 20n]);
      gas.record('addReward', r);
      expectEvent(r, points, 'RewardAdded', [2n, 'Tote bag', 500n, 20n]);
      assert.deepEqual(await readStruct<Reward>(points, 'rewardOf', [2n]), { cost: 500n, stock: 20n, active: true, name: 'Tote bag' });
      await expectRevert(points, merchant, 'addReward', ['Free', 0n, 1n], 'ZeroAmount');
      await expectRevert(points, pos, 'addReward', ['X', 1n, 1n], 'AccessControlUnauthorizedAccount', [pos.address, CATALOGUE]);
      const u = await send(points, merchant, 'updateReward', [2n, 450n, 5n, false]);
      gas.record('updateReward', u);
      expectEvent(u, points, 'RewardUpdated', [2n, 450n, 5n, false]);
      assert.deepEqual(await readStruct<Reward>(points, 'rewardOf', [2n]), { cost: 450n, stock: 5n, active: false, name: 'Tote bag' });
      await expectRevert(points, merchant, 'updateReward', [3n, 1n, 1n, true], 'UnknownReward', [3n]);
      await expectRevert(points, merchant, 'updateReward', [2n, 0n, 1n, true], 'ZeroAmount');
      await expectRevert(points, pos, 'updateReward', [2n, 1n, 1n, true], 'AccessControlUnauthorizedAccount', [pos.address, CATALOGUE]);
      await expectRevert(points, merchant, 'rewardOf', [3n], 'UnknownReward', [3n]);
      await send(points, merchant, 'grantRole', [CATALOGUE, carol.address]);
      await send(points, carol, 'addReward', ['Pen', 10n, 100n]);
      assert.equal(await read(points, 'rewardCount'), 4n);
    });

    test('the merchant role changes hands in two steps', async () => {
      const r = await send(points, merchant, 'beginDefaultAdminTransfer', [carol.address]);
      const at = await blockTime(chain, r);
      await setNextTimestamp(chain, at + 1n);
      await send(points, carol, 'acceptDefaultAdminTransfer');
      assert.equal(await read(points, 'owner'), carol.address);
      await send(points, carol, 'setTransfersEnabled', [true]);
      await expectRevert(points, merchant, 'setTransfersEnabled', [false], 'AccessControlUnauthorizedAccount', [merchant.address, ZERO_HASH]);
    });
  });

  test('gas: redeem across a full 49-epoch window (the most batches any operation touches)', async () => {
    const len = BigInt(HOUR);
    const { contract: wide } = await deploy('LoyaltyPoints', merchant, ['Wide', 'W', merchant.address, 0, len, 48, false]);
    await send(wide, merchant, 'addReward', ['All', 49n, 10n]);
    const start = ((await latestTimestamp(chain)) / len + 1n) * len;
    for (let i = 0n; i < 49n; i++) {
      await setNextTimestamp(chain, start + i * len);
      await send(wide, merchant, 'earn', [alice.address, 1n, ZERO_HASH]);
    }
    assert.equal(await read(wide, 'balanceOf', [alice.address]), 49n);
    const r = await send(wide, alice, 'redeem', [0n, 1n, 49n]);
    gas.record('redeem (49 batches, validityEpochs = 48)', r);
    assert.equal(await read(wide, 'balanceOf', [alice.address]), 0n);
  });

  // ------------------------------------------------------------ property

  describe('money invariants (fast-check)', () => {
    const seed = Number(process.env['FC_SEED'] ?? 20240613);

    const planArb = fc.record({
      validity: fc.integer({ min: 0, max: 3 }).map(BigInt),
      transfers: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      cost: fc.bigInt({ min: 1n, max: 15n }),
      ops: fc.array(
        fc.oneof(
          { weight: 3, arbitrary: fc.record({ kind: fc.constant('earn' as const), who: fc.nat({ max: 2 }), amount: fc.bigInt({ min: 1n, max: 100n }) }) },
          { weight: 2, arbitrary: fc.record({ kind: fc.constant('redeem' as const), who: fc.nat({ max: 2 }), quantity: fc.bigInt({ min: 1n, max: 3n }) }) },
          { weight: 2, arbitrary: fc.record({ kind: fc.constant('transfer' as const), from: fc.nat({ max: 2 }), to: fc.nat({ max: 2 }), amount: fc.bigInt({ min: 1n, max: 40n }) }) },
          { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), seconds: fc.bigInt({ min: 1n, max: 4n * BigInt(HOUR) }) }) },
        ),
        { minLength: 6, maxLength: 20 },
      ),
    });

    test('balances and supply equal the model; redemptions never exceed the points earned and unexpired', { timeout: 90_000 }, async () => {
      const customers = [alice, bob, carol];
      const len = BigInt(HOUR);
      const stats = { redeemed: 0, refused: 0, expiredSome: 0, transfers: 0 };
      await fc.assert(
        fc.asyncProperty(planArb, async (plan) => {
          const base = await snapshot(chain);
          try {
            const { contract: p } = await deploy('LoyaltyPoints', merchant, ['Prop', 'P', merchant.address, 0, len, plan.validity, plan.transfers]);
            await send(p, merchant, 'addReward', ['R', plan.cost, 1_000_000n]);
            // model: account -> epoch -> points
            const model = new Map<string, Map<bigint, bigint>>(customers.map((c) => [c.address, new Map()]));
            let now = ((await latestTimestamp(chain)) / len + 1n) * len;
            let earned = 0n;
            let redeemed = 0n;
            const live = (who: string, t: bigint): bigint => {
              const cur = t / len;
              let sum = 0n;
              for (const [e, v] of model.get(who)!) if (e + plan.validity >= cur) sum += v;
              return sum;
            };
            const take = (who: string, amount: bigint, t: bigint, to?: string): void => {
              const cur = t / len;
              const batches = [...model.get(who)!.entries()].filter(([e]) => e + plan.validity >= cur).sort(([a], [b]) => (a < b ? -1 : 1));
              let left = amount;
              for (const [e, v] of batches) {
                const n = v < left ? v : left;
                model.get(who)!.set(e, v - n);
                if (to) model.get(to)!.set(e, (model.get(to)!.get(e) ?? 0n) + n);
                left -= n;
                if (left === 0n) break;
              }
              assert.equal(left, 0n);
            };
            for (const op of plan.ops) {
              now += 1n;
              if (op.kind === 'wait') {
                now += op.seconds;
                await mineAt(chain, now);
                continue;
              }
              await setNextTimestamp(chain, now);
              if (op.kind === 'earn') {
                const who = customers[op.who]!.address;
                await send(p, merchant, 'earn', [who, op.amount, ZERO_HASH]);
                const e = now / len;
                model.get(who)!.set(e, (model.get(who)!.get(e) ?? 0n) + op.amount);
                earned += op.amount;
              } else if (op.kind === 'redeem') {
                const c = customers[op.who]!;
                const need = plan.cost * op.quantity;
                const have = live(c.address, now);
                const everEarned = [...model.get(c.address)!.values()].reduce((s, v) => s + v, 0n);
                if (everEarned > have) stats.expiredSome++;
                if (need > have) {
                  // eth_call runs on the latest block: mine `now` first so the check sees the same time
                  await mineAt(chain, now);
                  await expectRevert(p, c, 'redeem', [0n, op.quantity, plan.cost], 'InsufficientPoints', [c.address, have, need]);
                  stats.refused++;
                } else {
                  await send(p, c, 'redeem', [0n, op.quantity, plan.cost]);
                  take(c.address, need, now);
                  redeemed += need;
                  stats.redeemed++;
                }
              } else {
                const from = customers[op.from]!;
                const to = customers[op.to]!;
                const have = live(from.address, now);
                let expected: [string, unknown[]] | undefined;
                if (!plan.transfers) expected = ['TransfersDisabled', []];
                else if (from === to) expected = ['SelfTransfer', []];
                else if (op.amount > have) expected = ['InsufficientPoints', [from.address, have, op.amount]];
                if (expected) {
                  await mineAt(chain, now);
                  await expectRevert(p, from, 'transfer', [to.address, op.amount], ...expected);
                } else {
                  await send(p, from, 'transfer', [to.address, op.amount]);
                  take(from.address, op.amount, now, to.address);
                  stats.transfers++;
                }
              }
              assert.ok(redeemed <= earned, 'never redeems more than was earned');
            }
            await mineAt(chain, now + 1n);
            const t = now + 1n;
            let supply = 0n;
            for (const c of customers) {
              const want = live(c.address, t);
              assert.equal(await read(p, 'balanceOf', [c.address]), want, `balance of ${c.address}`);
              supply += want;
            }
            assert.equal(await read(p, 'totalSupply'), supply);
            assert.equal(await read(p, 'totalEarned'), earned);
            assert.equal(await read(p, 'totalRedeemed'), redeemed);
            assert.ok(redeemed + supply <= earned, 'redeemed + unexpired never exceeds earned');
          } finally {
            await revertTo(chain, base);
          }
        }),
        { numRuns: Number(process.env['FC_RUNS'] ?? 10), seed, endOnFailure: true },
      );
      if (process.env['FC_DEBUG']) console.log(stats);
      if (process.env['FC_SEED'] === undefined) {
        assert.ok(stats.redeemed > 3 && stats.refused > 3 && stats.expiredSome > 0 && stats.transfers > 3, `too little exercised: ${JSON.stringify(stats)}`);
      }
    });
  });
});
