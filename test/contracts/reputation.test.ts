/**
 * Reputation on a real automining dev node: ratings only by the buyer and the seller of a Completed order (or,
 * except for the loser, of one Resolved by an arbitrator's ruling), once each, within the rating window; the
 * one-call summary (counts, sums, average, distinct raters, disputes lost); and a fast-check property of the
 * aggregates against a reference. Each test starts from the same deployed state (evm_snapshot / evm_revert).
 *
 * GAS_REPORT=<dir> writes the gas used by `rate` to <dir>/reputation.md.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ContractFactory, ZeroHash, id as keccakText } from 'ethers';
import type { Contract, TransactionReceipt, Wallet } from 'ethers';
import fc from 'fast-check';
import {
  CMT, DAY, ONE_CMT, Outcome, PARAMS, Status, buy, createGasReport, createListing, decodeRevert, deploy,
  deployCommerce, disputeOfOrder, expectEvent, expectRevert, increaseTime, loadArtifacts, read, readOrder, readStruct,
  revertTo, send, snapshot, startChain, walletOf,
} from './commerceFixtures.ts';
import type { Chain, Commerce } from './commerceFixtures.ts';

const PRICE = ONE_CMT;
const WINDOW = 90 * DAY;

interface Summary {
  ratingsAsSeller: bigint;
  scoreSumAsSeller: bigint;
  ratingsAsBuyer: bigint;
  scoreSumAsBuyer: bigint;
  ratings: bigint;
  averageX100: bigint;
  uniqueRaters: bigint;
  disputesLost: bigint;
}

const EMPTY: Summary = {
  ratingsAsSeller: 0n, scoreSumAsSeller: 0n, ratingsAsBuyer: 0n, scoreSumAsBuyer: 0n, ratings: 0n, averageX100: 0n,
  uniqueRaters: 0n, disputesLost: 0n,
};

describe('Reputation on a dev node', () => {
  let chain: Chain;
  let env: Commerce;
  let market: Contract;
  let reputation: Contract;
  let seller: Wallet;
  let seller2: Wallet;
  let buyer: Wallet;
  let buyer2: Wallet;
  let stranger: Wallet;
  let listingId: bigint;
  let snap = '';
  const gas = createGasReport();

  before(async () => {
    chain = await startChain();
    env = await deployCommerce(chain);
    ({ market, reputation, stranger } = env);
    [seller, seller2] = env.sellers;
    [buyer, buyer2] = env.buyers;
    listingId = (await createListing(env, seller, [[CMT, PRICE]], 1000n)).listingId;
    gas.record('deploy Reputation', env.deployGas.Reputation);
  });

  after(async () => {
    gas.write('reputation');
    await chain?.stop();
  });

  beforeEach(async () => {
    snap = await snapshot(chain);
  });

  afterEach(async () => {
    await revertTo(chain, snap);
  });

  async function order(who = buyer, listing = listingId): Promise<bigint> {
    return (await buy(env, who, listing, CMT)).orderId;
  }

  async function completed(who = buyer, listing = listingId): Promise<bigint> {
    const orderId = await order(who, listing);
    await send(market, who, 'confirmReceipt', [orderId]);
    return orderId;
  }

  /** An order disputed by its buyer and ruled `buyerBps` by the assigned arbitrator. */
  async function ruled(buyerBps: number, who = buyer): Promise<bigint> {
    const orderId = await order(who);
    await send(market, who, 'openDispute', [orderId, '']);
    const { disputeId, dispute } = await disputeOfOrder(env, orderId);
    await send(env.pool, walletOf(env, dispute.arbitrator), 'rule', [disputeId, buyerBps]);
    return orderId;
  }

  async function rate(who: Wallet, orderId: bigint, score: number, text = ''): Promise<TransactionReceipt> {
    return send(reputation, who, 'rate', [orderId, score, text ? keccakText(text) : ZeroHash, text ? `ipfs://${text}` : '']);
  }

  async function summary(who: Wallet | string): Promise<Summary> {
    return readStruct<Summary>(reputation, 'summary', [typeof who === 'string' ? who : who.address]);
  }

  test('constructor: bound to one marketplace, which cannot be the zero address', async () => {
    assert.equal(await read(reputation, 'marketplace'), await market.getAddress());
    assert.equal(await read(reputation, 'RATING_WINDOW'), BigInt(WINDOW));
    const { abi, bytecode } = loadArtifacts().Reputation;
    await assert.rejects(new ContractFactory(abi, bytecode, env.admin).deploy(CMT), (e: unknown) => decodeRevert(e).name === 'ZeroAddress');
  });

  test('buyer and seller of a completed order rate each other once: events and summaries', async () => {
    const orderId = await completed();
    const r = await rate(buyer, orderId, 5, 'great shoes');
    gas.record('rate (first rating of the account)', r);
    expectEvent(r, reputation, 'Rated', [orderId, buyer.address, seller.address, true, 5n, keccakText('great shoes'), 'ipfs://great shoes']);
    const r2 = await rate(seller, orderId, 4);
    expectEvent(r2, reputation, 'Rated', [orderId, seller.address, buyer.address, false, 4n, ZeroHash, '']);
    assert.equal(await read(reputation, 'hasRated', [orderId, buyer.address]), true);
    assert.equal(await read(reputation, 'hasRated', [orderId, seller.address]), true);
    assert.equal(await read(reputation, 'hasRated', [orderId, stranger.address]), false);
    assert.deepEqual(await summary(seller), { ...EMPTY, ratingsAsSeller: 1n, scoreSumAsSeller: 5n, ratings: 1n, averageX100: 500n, uniqueRaters: 1n });
    assert.deepEqual(await summary(buyer), { ...EMPTY, ratingsAsBuyer: 1n, scoreSumAsBuyer: 4n, ratings: 1n, averageX100: 400n, uniqueRaters: 1n });
    await expectRevert(reputation, buyer, 'rate', [orderId, 1, ZeroHash, ''], 'AlreadyRated', [orderId, buyer.address]);
    await expectRevert(reputation, seller, 'rate', [orderId, 1, ZeroHash, ''], 'AlreadyRated', [orderId, seller.address]);
    const second = await completed();
    gas.record('rate (later rating)', await rate(buyer, second, 3));
    assert.deepEqual(await summary(seller), { ...EMPTY, ratingsAsSeller: 2n, scoreSumAsSeller: 8n, ratings: 2n, averageX100: 400n, uniqueRaters: 1n });
  });

  test('rate reverts: score out of range, not a party, unknown order', async () => {
    const orderId = await completed();
    await expectRevert(reputation, buyer, 'rate', [orderId, 0, ZeroHash, ''], 'BadScore', [0n]);
    await expectRevert(reputation, buyer, 'rate', [orderId, 6, ZeroHash, ''], 'BadScore', [6n]);
    await expectRevert(reputation, stranger, 'rate', [orderId, 5, ZeroHash, ''], 'NotParty', [orderId, stranger.address]);
    await expectRevert(reputation, buyer2, 'rate', [orderId, 5, ZeroHash, ''], 'NotParty', [orderId, buyer2.address]);
    await expectRevert(reputation, buyer, 'rate', [999n, 5, ZeroHash, ''], 'NotParty', [999n, buyer.address]);
  });

  test('orders that are open, refunded, settled or defaulted cannot be rated by either party', async () => {
    const paid = await order();
    const disputed = await order();
    await send(market, buyer, 'openDispute', [disputed, '']);
    const refunded = await order();
    await send(market, seller, 'refund', [refunded]);
    const settled = await order();
    await send(market, buyer, 'proposeSettlement', [settled, 2000]);
    await send(market, seller, 'proposeSettlement', [settled, 2000]);
    // the default: both arbitrators are parties' strangers, but nobody rules in time on any assignment
    const defaulted = await order(buyer2);
    await send(market, buyer2, 'openDispute', [defaulted, '']);
    const { disputeId } = await disputeOfOrder(env, defaulted);
    for (let i = 0; i < 3; i++) {
      await increaseTime(chain, PARAMS.rulingPeriod);
      await send(env.pool, stranger, 'timeout', [disputeId]);
      if ((await readOrder(env, defaulted)).status === Status.Resolved) break;
    }
    const cases: [bigint, Wallet, bigint, bigint][] = [
      [paid, buyer, Status.Paid, Outcome.None],
      [disputed, seller, Status.Disputed, Outcome.None],
      [refunded, buyer, Status.Refunded, Outcome.None],
      [settled, buyer, Status.Resolved, Outcome.Settled],
      [settled, seller, Status.Resolved, Outcome.Settled],
      [defaulted, buyer2, Status.Resolved, Outcome.Defaulted],
    ];
    for (const [orderId, who, status, outcome] of cases) {
      await expectRevert(reputation, who, 'rate', [orderId, 5, ZeroHash, ''], 'NotRateable', [orderId, status, outcome]);
    }
  });

  test('a ruled order: the loser cannot rate, the winner can; an even split lets both; losses show in the summary', async () => {
    const sellerLost = await ruled(8000);
    await expectRevert(reputation, seller, 'rate', [sellerLost, 1, ZeroHash, ''], 'LoserCannotRate', [sellerLost]);
    await rate(buyer, sellerLost, 1, 'never arrived');
    const buyerLost = await ruled(1000, buyer2);
    await expectRevert(reputation, buyer2, 'rate', [buyerLost, 1, ZeroHash, ''], 'LoserCannotRate', [buyerLost]);
    await rate(seller, buyerLost, 2);
    const even = await ruled(5000);
    await rate(buyer, even, 3);
    await rate(seller, even, 3);
    assert.deepEqual(await summary(seller), { ...EMPTY, ratingsAsSeller: 2n, scoreSumAsSeller: 4n, ratings: 2n, averageX100: 200n, uniqueRaters: 1n, disputesLost: 1n });
    assert.deepEqual(await summary(buyer2), { ...EMPTY, ratingsAsBuyer: 1n, scoreSumAsBuyer: 2n, ratings: 1n, averageX100: 200n, uniqueRaters: 1n, disputesLost: 1n });
    assert.equal((await summary(buyer)).disputesLost, 0n);
  });

  test('the rating window closes RATING_WINDOW after the order closed', async () => {
    const orderId = await completed();
    const { closedAt } = await readOrder(env, orderId);
    await increaseTime(chain, WINDOW - 10);
    await rate(buyer, orderId, 5);
    await increaseTime(chain, 20);
    await expectRevert(reputation, seller, 'rate', [orderId, 5, ZeroHash, ''], 'RatingWindowClosed', [orderId, closedAt + BigInt(WINDOW)]);
  });

  test('aggregates across orders and roles: counts, sums, average, distinct raters', async () => {
    // seller is rated 5, 4 by buyer and 2 by buyer2 as a seller, and 5 by seller2 as a buyer
    await rate(buyer, await completed(buyer), 5);
    await rate(buyer, await completed(buyer), 4);
    await rate(buyer2, await completed(buyer2), 2);
    const otherListing = (await createListing(env, seller2, [[CMT, PRICE]])).listingId;
    const asBuyer = await completed(seller, otherListing);
    await rate(seller2, asBuyer, 5);
    assert.deepEqual(await summary(seller), {
      ratingsAsSeller: 3n, scoreSumAsSeller: 11n, ratingsAsBuyer: 1n, scoreSumAsBuyer: 5n, ratings: 4n,
      averageX100: 400n, uniqueRaters: 3n, disputesLost: 0n,
    });
    assert.deepEqual(await summary(stranger), EMPTY);
  });

  test('orders of another marketplace are invisible: ratings come only from the bound marketplace', async () => {
    const { contract: other } = await deploy('Marketplace', env.admin, [
      env.admin.address, 0, await env.pool.getAddress(), 0, env.admin.address, 0, 5000,
    ]);
    await send(other, seller, 'createListing', [[[CMT, PRICE]], 1, PARAMS.escrowPeriod, '']);
    await send(other, buyer, 'buy', [1n, CMT, 1, PRICE], PRICE);
    await send(other, buyer, 'confirmReceipt', [1n]);
    assert.equal(await read(market, 'orderCount'), 0n);
    await expectRevert(reputation, buyer, 'rate', [1n, 5, ZeroHash, ''], 'NotParty', [1n, buyer.address]);
  });

  test('property: the summary equals a reference over random ratings by several buyers', { timeout: 60_000 }, async () => {
    const seed = Number(process.env['FC_SEED'] ?? 20240606);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ buyer: fc.nat({ max: 1 }), score: fc.integer({ min: 1, max: 5 }) }), { minLength: 1, maxLength: 5 }),
        async (ratings) => {
          const base = await snapshot(chain);
          try {
            for (const { buyer: b, score } of ratings) {
              const who = env.buyers[b]!;
              await rate(who, await completed(who), score);
            }
            const sum = ratings.reduce((s, r) => s + BigInt(r.score), 0n);
            const n = BigInt(ratings.length);
            assert.deepEqual(await summary(seller), {
              ...EMPTY, ratingsAsSeller: n, scoreSumAsSeller: sum, ratings: n, averageX100: (sum * 100n) / n,
              uniqueRaters: BigInt(new Set(ratings.map((r) => r.buyer)).size),
            });
          } finally {
            await revertTo(chain, base);
          }
        },
      ),
      { numRuns: 10, seed },
    );
  });
});
