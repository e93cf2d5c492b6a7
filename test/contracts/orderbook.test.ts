/**
 * OrderBook on our own node: markets for token/token and CMT/token pairs; limit, immediate-or-cancel and
 * fill-or-kill orders with price-time priority, partial fills and the maker-favour rounding rule; cancel and
 * expiry; self-trade prevention; dust; bounded matching; path payments through one or two books; reentrancy and
 * fee-on-transfer tokens; and property tests against the reference matcher in settlementFixtures.ts
 * (priority, rounding, conservation of both tokens, sendMax and exact delivery of path payments).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Wallet } from 'ethers';
import type { Contract, TransactionReceipt } from 'ethers';
import {
  CloseReason, GasRecorder, Kind, fcRuns, NATIVE, ONE, PRICE_SCALE, RefError, RefExchange, as, balanceOf, call, deploy, eventsOf,
  expectEvent, expectFullyBacked, expectRevert, feeOf, mulDivDown, mulDivUp, now, revertTo, send, setNextTimestamp, snapshot,
  startSettlementNode,
} from './settlementFixtures.ts';
import type { KindValue, SettlementEnv } from './settlementFixtures.ts';

const MAX = 2n ** 255n;
const FAR = 10n ** 9n; // seconds: "does not expire during the test"
const MINT = 10n ** 30n;

interface Placed {
  r: TransactionReceipt;
  orderId: bigint;
  filledBase: bigint;
  filledQuote: bigint;
  unfilled: bigint;
  trades: unknown[][];
}

describe('OrderBook', () => {
  let env: SettlementEnv;
  let admin: Wallet;
  let m1: Wallet;
  let m2: Wallet;
  let m3: Wallet;
  let taker: Wallet;
  let payer: Wallet;
  let merchant: Wallet;
  let stranger: Wallet;
  let book: Contract;
  let bookAddr: string;
  let A: string; // base token
  let B: string; // quote token ("stable coin")
  let C: string; // a third token
  let tokens: Contract[];
  let minBaseSeed = 100n; // markets with an explicit minBase use values below 100
  const gas = new GasRecorder('OrderBook');

  before(async () => {
    env = await startSettlementNode();
    [admin, m1, m2, m3, taker, payer, merchant, stranger] = env.wallets as [Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet];
    book = await deploy('OrderBook', admin);
    bookAddr = await book.getAddress();
    tokens = [];
    for (const sym of ['AAA', 'BBB', 'CCC']) tokens.push(await deploy('MintableTestToken', admin, sym, sym, 18));
    [A, B, C] = await Promise.all(tokens.map((t) => t.getAddress())) as [string, string, string];
    // every actor mints for itself and approves the book; actors run in parallel (distinct senders)
    await Promise.all([m1, m2, m3, taker, payer].map(async (w) => {
      for (const t of tokens) {
        await send(as(t, w), 'mint', w.address, MINT);
        await send(as(t, w), 'approve', bookAddr, MAX);
      }
    }));
  });

  after(async () => {
    gas.report();
    await env?.close();
  });

  /**
   * A new market so that each test starts from an empty book. Markets are unique per (base, quote, tick, minBase):
   * by default minBase is a fresh value; tests that need tiny orders pass their own small minBase (one per test).
   */
  async function market(base: string, quote: string, tick = 10n ** 15n, minBase?: bigint): Promise<bigint> {
    const r = await send(book, 'createMarket', base, quote, tick, minBase ?? ++minBaseSeed);
    gas.record('createMarket', r);
    return call<bigint>(book, 'marketCount');
  }

  async function place(w: Wallet, marketId: bigint, isBuy: boolean, price: bigint, amount: bigint,
    opts: { kind?: KindValue; expiration?: bigint; hint?: bigint; value?: bigint; label?: string } = {}): Promise<Placed> {
    const expiration = opts.expiration ?? (await now(env.provider)) + FAR;
    const r = await send(as(book, w), 'placeOrder',
      { marketId, isBuy, price, baseAmount: amount, kind: opts.kind ?? Kind.Limit, expiration, hint: opts.hint ?? 0n },
      { value: opts.value ?? 0n });
    if (opts.label) gas.record(opts.label, r);
    const events = eventsOf(r, book);
    const s = events.find((e) => e[0] === 'OrderSettled');
    assert.ok(s, 'OrderSettled');
    return {
      r, filledBase: s[6] as bigint, filledQuote: s[7] as bigint, unfilled: s[8] as bigint, orderId: s[9] as bigint,
      trades: events.filter((e) => e[0] === 'Trade'),
    };
  }

  function placeTx(w: Wallet, marketId: bigint, isBuy: boolean, price: bigint, amount: bigint,
    opts: { kind?: KindValue; expiration: bigint; hint?: bigint; value?: bigint }): Promise<unknown> {
    return as(book, w).getFunction('placeOrder')(
      { marketId, isBuy, price, baseAmount: amount, kind: opts.kind ?? Kind.Limit, expiration: opts.expiration, hint: opts.hint ?? 0n },
      { value: opts.value ?? 0n });
  }

  async function order(id: bigint): Promise<Record<string, unknown>> {
    return (await call<{ toObject(): Record<string, unknown> }>(book, 'getOrder', id)).toObject();
  }

  const owed = (who: string, asset: string): Promise<bigint> => call<bigint>(book, 'owed', who, asset);

  test('createMarket: one per parameter set, both assets must be CMT or contracts', async () => {
    const r = await send(book, 'createMarket', A, B, 10n ** 15n, 10n ** 16n);
    const id = await call<bigint>(book, 'marketCount');
    expectEvent(r, book, 'MarketCreated', [id, A, B, 10n ** 15n, 10n ** 16n]);
    const mk = (await call<{ toObject(): Record<string, unknown> }>(book, 'getMarket', id)).toObject();
    assert.deepEqual(mk, { base: A, quote: B, tickSize: 10n ** 15n, minBase: 10n ** 16n, bestBid: 0n, bestAsk: 0n });
    await expectRevert(book.getFunction('createMarket')(A, B, 10n ** 15n, 10n ** 16n), book, 'MarketExists', [id]);
    await expectRevert(book.getFunction('createMarket')(A, A, 1n, 1n), book, 'SameAsset');
    await expectRevert(book.getFunction('createMarket')(A, stranger.address, 1n, 1n), book, 'NotAToken', [stranger.address]);
    await expectRevert(book.getFunction('createMarket')(A, B, 0n, 1n), book, 'InvalidMarketParameters');
    await expectRevert(book.getFunction('createMarket')(A, B, 1n, 0n), book, 'InvalidMarketParameters');
    // CMT on either side
    await send(book, 'createMarket', NATIVE, B, 1n, 7n);
    await send(book, 'createMarket', A, NATIVE, 1n, 7n);
  });

  test('placeOrder: invalid orders revert with their own error', async () => {
    const mk = await market(A, B, 10n ** 15n, 10n ** 17n);
    const exp = (await now(env.provider)) + FAR;
    await expectRevert(placeTx(m1, 999n, true, ONE, ONE, { expiration: exp }), book, 'UnknownMarket', [999n]);
    await expectRevert(placeTx(m1, mk, true, 0n, ONE, { expiration: exp }), book, 'InvalidPrice', [0n, 10n ** 15n]);
    await expectRevert(placeTx(m1, mk, true, ONE + 1n, ONE, { expiration: exp }), book, 'InvalidPrice', [ONE + 1n, 10n ** 15n]);
    await expectRevert(placeTx(m1, mk, true, ONE, 10n ** 17n - 1n, { expiration: exp }), book, 'BelowMinimumSize', [10n ** 17n - 1n, 10n ** 17n]);
    const t = (await now(env.provider)) + 5n;
    await setNextTimestamp(env.provider, t);
    await expectRevert(placeTx(m1, mk, true, ONE, ONE, { expiration: t }), book, 'InvalidExpiration', [t]);
    await expectRevert(placeTx(m1, mk, true, ONE, ONE, { expiration: exp, value: 1n }), book, 'UnexpectedValue', [1n]);
  });

  test('limit orders rest with their funds escrowed: asks hold base, bids hold ceil(base * price / 1e18) quote', async () => {
    const mk = await market(A, B);
    const a0 = await balanceOf(env.provider, A, m1.address);
    const ask = await place(m1, mk, false, 1_100n * 10n ** 15n, 3n * ONE, { label: 'placeOrder (limit, rests, new level)' });
    assert.equal(ask.filledBase, 0n);
    expectEvent(ask.r, book, 'OrderPlaced', [ask.orderId, mk, m1.address, false, 1_100n * 10n ** 15n, 3n * ONE, 3n * ONE,
      (await order(ask.orderId))['expiration']]);
    assert.equal(await balanceOf(env.provider, A, m1.address), a0 - 3n * ONE);
    // a bid whose quote is not a whole number of units: 1.234567 base at 0.999 → 1.233332433 quote, escrow rounds up
    const bidBase = 1_234_567_000_000_000_001n;
    const price = 999n * 10n ** 15n;
    const b0 = await balanceOf(env.provider, B, m2.address);
    const bid = await place(m2, mk, true, price, bidBase);
    const escrow = mulDivUp(bidBase, price, PRICE_SCALE);
    assert.equal(escrow, mulDivDown(bidBase, price, PRICE_SCALE) + 1n, 'the example needs rounding');
    assert.equal(await balanceOf(env.provider, B, m2.address), b0 - escrow);
    assert.deepEqual(await order(bid.orderId), {
      maker: m2.address, expiration: (await order(bid.orderId))['expiration'], isBuy: true, marketId: mk, escrowQuote: escrow,
      prev: 0n, next: 0n, price, remainingBase: bidBase,
    });
    const second = await place(m3, mk, false, 1_100n * 10n ** 15n, ONE, { label: 'placeOrder (limit, rests, existing level)' });
    assert.deepEqual([...(await call<bigint[]>(book, 'levelOrders', mk, false, 1_100n * 10n ** 15n))], [ask.orderId, second.orderId]);
    const [prices, amounts] = await call<[bigint[], bigint[]]>(book, 'depth', mk, false, 10n);
    assert.deepEqual([[...prices], [...amounts]], [[1_100n * 10n ** 15n], [4n * ONE]]);
    const mkt = (await call<{ toObject(): Record<string, unknown> }>(book, 'getMarket', mk)).toObject();
    assert.equal(mkt['bestBid'], price);
    assert.equal(mkt['bestAsk'], 1_100n * 10n ** 15n);
    await expectFullyBacked(env.provider, book, [A, B]);
  });

  test('price-time priority: best price first, then oldest; partial fills round quote in the maker\'s favour', async () => {
    const mk = await market(A, B, 1n, 4n);
    const p1 = 333_333_333_333_333_333n; // 1/3, so products are rarely whole
    const p0 = p1 - 1n; // a better ask placed later
    const first = await place(m1, mk, false, p1, 10n);
    const second = await place(m2, mk, false, p1, 10n);
    const better = await place(m3, mk, false, p0, 10n);
    assert.deepEqual([...(await call<bigint[]>(book, 'levelOrders', mk, false, p1))], [first.orderId, second.orderId]);
    const q0 = await owed(m3.address, B);
    const q1 = await owed(m1.address, B);
    const q2 = await owed(m2.address, B);
    const b0 = await balanceOf(env.provider, A, taker.address);
    const B0 = await balanceOf(env.provider, B, taker.address);
    const res = await place(taker, mk, true, p1, 25n, { label: 'placeOrder (taker, 3 fills)' });
    // better (10 @ p0), first (10 @ p1), then 5 of second (@ p1); each quote rounded up for the selling maker
    assert.deepEqual(res.trades.map((t) => [t[2], t[7], t[8]]), [
      [better.orderId, 10n, mulDivUp(10n, p0, PRICE_SCALE)],
      [first.orderId, 10n, mulDivUp(10n, p1, PRICE_SCALE)],
      [second.orderId, 5n, mulDivUp(5n, p1, PRICE_SCALE)],
    ]);
    assert.deepEqual(res.trades.map((t) => t[8]), [4n, 4n, 2n], 'exact quotes: 3.33→4, 3.33→4, 1.67→2');
    assert.equal(res.filledBase, 25n);
    assert.equal(res.filledQuote, 10n);
    assert.equal(res.orderId, 0n);
    assert.equal(await owed(m3.address, B), q0 + 4n);
    assert.equal(await owed(m1.address, B), q1 + 4n);
    assert.equal(await owed(m2.address, B), q2 + 2n);
    assert.equal(await balanceOf(env.provider, A, taker.address), b0 + 25n);
    assert.equal(await balanceOf(env.provider, B, taker.address), B0 - 10n);
    expectEvent(res.r, book, 'OrderClosed', [first.orderId, m1.address, CloseReason.Filled, A, 0n]);
    assert.equal((await order(second.orderId))['remainingBase'], 5n);
    // selling into bids (a fresh book): the buying maker's quote rounds down
    const mkBids = await market(A, B, 1n, 2n);
    const bid = await place(m1, mkBids, true, p1, 10n);
    assert.equal((await order(bid.orderId))['escrowQuote'], 4n);
    const sell = await place(taker, mkBids, false, p1, 4n, { kind: Kind.ImmediateOrCancel });
    assert.deepEqual(sell.trades.map((t) => [t[7], t[8]]), [[4n, mulDivDown(4n, p1, PRICE_SCALE)]]);
    assert.equal(sell.filledQuote, 1n, '1.33 → 1');
    assert.equal((await order(bid.orderId))['escrowQuote'], 3n);
    // the last 6 base pay floor(1.99) = 1 of the 3 escrowed; the bid is filled and its leftover 2 returned to the maker
    const q = await owed(m1.address, B);
    const rest = await place(taker, mkBids, false, p1, 6n, { kind: Kind.ImmediateOrCancel });
    assert.equal(rest.filledQuote, mulDivDown(6n, p1, PRICE_SCALE));
    expectEvent(rest.r, book, 'OrderClosed', [bid.orderId, m1.address, CloseReason.Filled, B, 3n - 1n]);
    assert.equal(await owed(m1.address, B), q + 2n);
    await expectFullyBacked(env.provider, book, [A, B]);
  });

  test('a limit order takes what crosses and rests the rest; a buy pays fills plus the escrow of the rest', async () => {
    const mk = await market(A, B);
    const pa = 1_000n * 10n ** 15n;
    await place(m1, mk, false, pa, ONE);
    const B0 = await balanceOf(env.provider, B, taker.address);
    const limit = 1_010n * 10n ** 15n;
    const res = await place(taker, mk, true, limit, 3n * ONE, { label: 'placeOrder (limit, 1 fill + rests)' });
    assert.equal(res.filledBase, ONE);
    assert.notEqual(res.orderId, 0n);
    const escrow = mulDivUp(2n * ONE, limit, PRICE_SCALE);
    assert.equal(await balanceOf(env.provider, B, taker.address), B0 - res.filledQuote - escrow);
    assert.equal((await order(res.orderId))['remainingBase'], 2n * ONE);
    assert.equal((await call<{ toObject(): Record<string, unknown> }>(book, 'getMarket', mk)).toObject()['bestBid'], limit);
    await expectFullyBacked(env.provider, book, [A, B]);
  });

  test('immediate-or-cancel never rests; fill-or-kill fills all or reverts', async () => {
    const mk = await market(A, B);
    const p = ONE;
    await place(m1, mk, false, p, 2n * ONE);
    await place(m2, mk, false, p + 10n ** 15n, 2n * ONE);
    const ioc = await place(taker, mk, true, p, 5n * ONE, { kind: Kind.ImmediateOrCancel, label: 'placeOrder (IOC, 1 fill)' });
    assert.deepEqual([ioc.filledBase, ioc.unfilled, ioc.orderId], [2n * ONE, 3n * ONE, 0n]);
    expectEvent(ioc.r, book, 'OrderSettled', [mk, taker.address, true, BigInt(Kind.ImmediateOrCancel), p, 2n * ONE, 2n * ONE, 3n * ONE, 0n]);
    const none = await place(taker, mk, true, p, ONE, { kind: Kind.ImmediateOrCancel });
    assert.deepEqual([none.filledBase, none.unfilled], [0n, ONE]);
    const exp = (await now(env.provider)) + FAR;
    await expectRevert(placeTx(taker, mk, true, p + 10n ** 15n, 3n * ONE, { kind: Kind.FillOrKill, expiration: exp }), book,
      'FillOrKillNotFilled', [3n * ONE, 2n * ONE]);
    assert.equal((await call<[bigint[], bigint[]]>(book, 'depth', mk, false, 5n))[1][0], 2n * ONE, 'the failed FOK changed nothing');
    const fok = await place(taker, mk, true, p + 10n ** 15n, 2n * ONE, { kind: Kind.FillOrKill, label: 'placeOrder (FOK, 1 fill)' });
    assert.deepEqual([fok.filledBase, fok.unfilled, fok.orderId], [2n * ONE, 0n, 0n]);
    assert.equal((await call<{ toObject(): Record<string, unknown> }>(book, 'getMarket', mk)).toObject()['bestAsk'], 0n);
  });

  test('cancelOrder: the maker any time (refund sent), anyone after expiry (refund credited); expired orders are skipped when met', async () => {
    const mk = await market(A, B);
    const p = ONE;
    const t = (await now(env.provider)) + 5n;
    const mine = await place(m1, mk, true, p, ONE);
    await expectRevert(as(book, stranger).getFunction('cancelOrder')(mine.orderId), book, 'NotAuthorized', [mine.orderId, stranger.address]);
    const B0 = await balanceOf(env.provider, B, m1.address);
    const r = gas.record('cancelOrder (maker)', await send(as(book, m1), 'cancelOrder', mine.orderId));
    expectEvent(r, book, 'OrderClosed', [mine.orderId, m1.address, CloseReason.Cancelled, B, ONE]);
    assert.equal(await balanceOf(env.provider, B, m1.address), B0 + ONE);
    await expectRevert(as(book, m1).getFunction('cancelOrder')(mine.orderId), book, 'UnknownOrder', [mine.orderId]);
    assert.equal((await call<{ toObject(): Record<string, unknown> }>(book, 'getMarket', mk)).toObject()['bestBid'], 0n);

    await setNextTimestamp(env.provider, t + 10n);
    const shortLived = await place(m2, mk, false, p, ONE, { expiration: t + 100n });
    const longLived = await place(m3, mk, false, p, ONE);
    const other = await place(m1, mk, false, p + 10n ** 15n, ONE, { expiration: t + 100n });
    await setNextTimestamp(env.provider, t + 99n);
    await expectRevert(as(book, stranger).getFunction('cancelOrder')(other.orderId), book, 'NotAuthorized', [other.orderId, stranger.address]);
    await setNextTimestamp(env.provider, t + 100n);
    const c = gas.record('cancelOrder (anyone, expired)', await send(as(book, stranger), 'cancelOrder', other.orderId));
    expectEvent(c, book, 'OrderClosed', [other.orderId, m1.address, CloseReason.Expired, A, ONE]);
    const a2 = await owed(m2.address, A);
    const res = await place(taker, mk, true, p, ONE);
    expectEvent(res.r, book, 'OrderClosed', [shortLived.orderId, m2.address, CloseReason.Expired, A, ONE]);
    assert.deepEqual(res.trades.map((x) => x[2]), [longLived.orderId]);
    assert.equal(await owed(m2.address, A), a2 + ONE);
    await expectFullyBacked(env.provider, book, [A, B]);
  });

  test('self-trade prevention: a taker meeting its own resting order cancels it and trades on', async () => {
    const mk = await market(A, B);
    const own = await place(taker, mk, false, ONE, ONE);
    const theirs = await place(m1, mk, false, ONE, ONE);
    const a0 = await owed(taker.address, A);
    const res = await place(taker, mk, true, ONE, ONE);
    expectEvent(res.r, book, 'OrderClosed', [own.orderId, taker.address, CloseReason.SelfTrade, A, ONE]);
    assert.deepEqual(res.trades.map((x) => x[2]), [theirs.orderId]);
    assert.equal(await owed(taker.address, A), a0 + ONE);
  });

  test('dust: a bid whose remainder is worth less than one quote unit is closed when met and its escrow returned', async () => {
    const mk = await market(A, B, 1n, 3n);
    const dust = await place(m1, mk, true, 1n, 10n ** 17n); // 0.1 quote unit of value, escrow ceil = 1
    assert.equal((await order(dust.orderId))['escrowQuote'], 1n);
    const b0 = await owed(m1.address, B);
    const res = await place(taker, mk, false, 1n, 10n ** 17n, { kind: Kind.ImmediateOrCancel });
    expectEvent(res.r, book, 'OrderClosed', [dust.orderId, m1.address, CloseReason.Dust, B, 1n]);
    assert.equal(res.filledBase, 0n);
    assert.equal(await owed(m1.address, B), b0 + 1n);
    const w = await send(as(book, m1), 'withdraw', B);
    expectEvent(w, book, 'Withdrawn', [m1.address, B, b0 + 1n]);
    await expectFullyBacked(env.provider, book, [A, B]);
  });

  test('CMT markets: CMT as quote (buy with msg.value, excess refunded) and as base (sell CMT for a token)', async () => {
    const mk = await market(A, NATIVE); // token A priced in CMT
    await place(m1, mk, false, 2n * ONE, 3n * ONE); // sells 3 A at 2 CMT
    const exp = (await now(env.provider)) + FAR;
    await expectRevert(placeTx(taker, mk, true, 2n * ONE, ONE, { kind: Kind.ImmediateOrCancel, expiration: exp, value: 2n * ONE - 1n }), book,
      'InsufficientValue', [2n * ONE, 2n * ONE - 1n]);
    const cmt0 = await env.provider.getBalance(taker.address);
    const a0 = await balanceOf(env.provider, A, taker.address);
    const owedCmt = await owed(m1.address, NATIVE);
    const res = await place(taker, mk, true, 2n * ONE, ONE, { kind: Kind.ImmediateOrCancel, value: 5n * ONE, label: 'placeOrder (IOC, CMT quote)' });
    assert.equal(await env.provider.getBalance(taker.address), cmt0 - 2n * ONE - feeOf(res.r));
    assert.equal(await balanceOf(env.provider, A, taker.address), a0 + ONE);
    assert.equal(await owed(m1.address, NATIVE), owedCmt + 2n * ONE);
    // a limit bid in CMT escrows msg.value
    const bid = await place(m2, mk, true, ONE, ONE, { value: ONE });
    assert.equal((await order(bid.orderId))['escrowQuote'], ONE);
    await expectFullyBacked(env.provider, book, [A, NATIVE]);

    const mk2 = await market(NATIVE, B); // CMT priced in token B
    const ask = await place(m3, mk2, false, 3n * ONE, 2n * ONE, { value: 2n * ONE }); // sells 2 CMT at 3 B
    await expectRevert(placeTx(m3, mk2, false, 3n * ONE, ONE, { expiration: exp, value: ONE - 1n }), book, 'InsufficientValue', [ONE, ONE - 1n]);
    const c0 = await env.provider.getBalance(taker.address);
    const b0 = await balanceOf(env.provider, B, taker.address);
    const buy = await place(taker, mk2, true, 3n * ONE, ONE);
    assert.equal(await env.provider.getBalance(taker.address), c0 + ONE - feeOf(buy.r));
    assert.equal(await balanceOf(env.provider, B, taker.address), b0 - 3n * ONE);
    assert.equal((await order(ask.orderId))['remainingBase'], ONE);
    await expectFullyBacked(env.provider, book, [NATIVE, B]);
  });

  test('a maker contract that rejects CMT cannot block takers: its proceeds are credited', async () => {
    const recv = await deploy('MaliciousReceiver', admin);
    const recvAddr = await recv.getAddress();
    const tokenA = tokens[0]!;
    await send(tokenA, 'mint', recvAddr, 10n * ONE);
    await send(recv, 'execute', A, 0n, tokenA.interface.encodeFunctionData('approve', [bookAddr, MAX]));
    const mk = await market(A, NATIVE);
    const exp = (await now(env.provider)) + FAR;
    await send(recv, 'execute', bookAddr, 0n, book.interface.encodeFunctionData('placeOrder',
      [{ marketId: mk, isBuy: false, price: ONE, baseAmount: 5n * ONE, kind: Kind.Limit, expiration: exp, hint: 0n }]));
    await send(recv, 'configure', 1, NATIVE, '0x');
    const res = await place(taker, mk, true, ONE, 2n * ONE, { value: 2n * ONE });
    assert.equal(res.filledBase, 2n * ONE);
    assert.equal(await owed(recvAddr, NATIVE), 2n * ONE);
  });

  test('bounded gas: 70 dust levels need a hint to insert deep, and a taker touches at most MAX_MATCHES orders per call', async () => {
    const mk = await market(A, B, 1n, 1n);
    const base = ONE;
    const exp = (await now(env.provider)) + FAR;
    // 69 levels in one block (automine off, explicit nonces; each hint is the level the previous tx created)
    const nonce = await env.provider.getTransactionCount(m1.address, 'pending');
    const fees = await env.provider.getFeeData();
    const { chainId } = await env.provider.getNetwork();
    await env.provider.send('evm_setAutomine', [false]);
    const sent = [];
    try {
      for (let i = 0n; i < 69n; i++) {
        const tx = await as(book, m1).getFunction('placeOrder').populateTransaction(
          { marketId: mk, isBuy: false, price: base + i, baseAmount: 1n, kind: Kind.Limit, expiration: exp, hint: i === 0n ? 0n : base + i - 1n });
        sent.push(await m1.sendTransaction({ ...tx, nonce: nonce + Number(i), gasLimit: 500_000n, type: 2, chainId,
          maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas }));
      }
      await env.provider.send('evm_mine', []);
    } finally {
      await env.provider.send('evm_setAutomine', [true]);
    }
    const receipts = await Promise.all(sent.map((tx) => tx.wait()));
    assert.ok(receipts.every((r) => r?.status === 1 && r.blockNumber === receipts[0]?.blockNumber), 'all 69 in one block');
    await place(m1, mk, false, base + 69n, 1n, { hint: base + 68n, label: 'placeOrder (rests, 70th level via hint)' });
    await expectRevert(placeTx(m2, mk, false, base + 100n, 1n, { expiration: exp }), book, 'InsertionTooDeep', [base + 100n]);
    const h = await call<bigint>(book, 'insertionHint', mk, false, base + 100n);
    assert.equal(h, base + 69n);
    await place(m2, mk, false, base + 100n, 1n, { hint: h });
    // a hint that is not a level, or a level on the wrong side of the price, falls back to the walk from the best
    await expectRevert(placeTx(m2, mk, false, base + 80n, 1n, { expiration: exp, hint: base + 1_000n }), book, 'InsertionTooDeep', [base + 80n]);
    await expectRevert(placeTx(m2, mk, false, base + 80n, 1n, { expiration: exp, hint: base + 100n }), book, 'InsertionTooDeep', [base + 80n]);
    await place(m2, mk, false, base + 80n, 1n, { hint: base + 69n });
    const [levels] = await call<[bigint[], bigint[]]>(book, 'depth', mk, false, 100n);
    assert.deepEqual([...levels].slice(-3), [base + 69n, base + 80n, base + 100n]);
    await expectRevert(placeTx(taker, mk, true, base + 100n, 100n, { kind: Kind.FillOrKill, expiration: exp }), book,
      'FillOrKillNotFilled', [100n, 32n]);
    const res = await place(taker, mk, true, base + 100n, 100n, { label: 'placeOrder (taker, 32 fills = cap)' });
    assert.equal(res.trades.length, 32);
    assert.equal(res.filledBase, 32n);
    assert.deepEqual(res.trades.map((x) => x[6]), Array.from({ length: 32 }, (_, i) => base + BigInt(i)), 'best price first');
    assert.equal(res.orderId, 0n, 'the remainder still crosses the book, so it is returned, not rested');
    assert.equal(res.unfilled, 68n);
    assert.ok(res.r.gasUsed < 4_000_000n, `gasUsed ${res.r.gasUsed} is bounded`);
    await expectFullyBacked(env.provider, book, [A, B]);
  });

  test('solvency gate: with its base balance slashed below what it owes, the book refuses to move that token', async () => {
    const tokenA = tokens[0]!;
    const mk = await market(A, B);
    const ask = await place(m1, mk, false, ONE, ONE);
    await send(tokenA, 'slash', bookAddr, 1n);
    const exp = (await now(env.provider)) + FAR;
    await expectRevert(placeTx(taker, mk, true, ONE, ONE, { expiration: exp }), book, 'Insolvent');
    await expectRevert(as(book, m1).getFunction('cancelOrder')(ask.orderId), book, 'Insolvent');
    await send(tokenA, 'mint', bookAddr, 1n);
    await send(as(book, m1), 'cancelOrder', ask.orderId);
    await expectRevert(as(book, stranger).getFunction('withdraw')(A), book, 'NothingToWithdraw', [A]);
    await expectFullyBacked(env.provider, book, [A, B]);
  });

  test('fee-on-transfer tokens are refused when they come in', async () => {
    const fee = await deploy('FeeOnTransferToken', admin);
    const feeAddr = await fee.getAddress();
    await send(fee, 'mint', m1.address, 10n ** 20n);
    await send(as(fee, m1), 'approve', bookAddr, MAX);
    const mk = await market(feeAddr, B);
    const exp = (await now(env.provider)) + FAR;
    await expectRevert(placeTx(m1, mk, false, ONE, 1000n, { expiration: exp }), book, 'FeeOnTransferToken', [feeAddr, 1000n, 990n]);
  });

  test('reentrancy: a token hook re-entering cancelOrder/placeOrder/withdraw, and a CMT receiver re-entering, are refused', async () => {
    const evil = await deploy('ReentrantToken', admin);
    const evilAddr = await evil.getAddress();
    await send(evil, 'mint', m1.address, 10n ** 21n);
    await send(evil, 'mint', taker.address, 10n ** 21n);
    await send(as(evil, m1), 'approve', bookAddr, MAX);
    await send(as(evil, taker), 'approve', bookAddr, MAX);
    const mk = await market(A, evilAddr); // the malicious token is the quote
    const resting = await place(m1, mk, true, ONE, ONE); // m1 escrows 1 evil-token
    // the hook fires while m1's next bid pulls its escrow and tries to cancel m1's first bid
    await send(evil, 'arm', bookAddr, book.interface.encodeFunctionData('cancelOrder', [resting.orderId]));
    await place(m1, mk, true, ONE / 2n, ONE);
    assert.equal(await call(evil, 'attempted'), true);
    assert.equal(book.interface.parseError(await call<string>(evil, 'lastReturn'))?.name, 'ReentrancyGuardReentrantCall');
    assert.equal((await order(resting.orderId))['maker'], m1.address, 'still resting');
    assert.equal((await order(resting.orderId))['remainingBase'], ONE);
    // the taker sells A into the bid; while the evil quote is pushed to the taker, the hook tries to place an order
    const exp = (await now(env.provider)) + FAR;
    await send(evil, 'arm', bookAddr, book.interface.encodeFunctionData('placeOrder',
      [{ marketId: mk, isBuy: true, price: ONE, baseAmount: ONE, kind: Kind.Limit, expiration: exp, hint: 0n }]));
    const sold = await place(taker, mk, false, ONE, ONE, { kind: Kind.ImmediateOrCancel });
    assert.equal(sold.filledQuote, ONE);
    assert.equal(book.interface.parseError(await call<string>(evil, 'lastReturn'))?.name, 'ReentrancyGuardReentrantCall');
    // m1 cancels its other bid; while the refund is pushed, the hook tries to withdraw
    await send(evil, 'arm', bookAddr, book.interface.encodeFunctionData('withdraw', [A]));
    await send(as(book, m1), 'cancelOrder', (await call<bigint>(book, 'orderCount')));
    assert.equal(await call(evil, 'attempted'), true);
    assert.equal(book.interface.parseError(await call<string>(evil, 'lastReturn'))?.name, 'ReentrancyGuardReentrantCall');
    await expectFullyBacked(env.provider, book, [A, evilAddr]);

    const recv = await deploy('MaliciousReceiver', admin);
    const recvAddr = await recv.getAddress();
    const mkN = await market(A, NATIVE);
    const ask = await place(m2, mkN, false, ONE, 2n * ONE);
    await admin.sendTransaction({ to: recvAddr, value: 3n * ONE }).then((tx) => tx.wait());
    await send(recv, 'configure', 2, bookAddr, book.interface.encodeFunctionData('cancelOrder', [ask.orderId]));
    // the receiver buys with too much CMT; the refund push triggers its re-entry attempt
    await send(recv, 'execute', bookAddr, 3n * ONE, book.interface.encodeFunctionData('placeOrder',
      [{ marketId: mkN, isBuy: true, price: ONE, baseAmount: ONE, kind: Kind.ImmediateOrCancel, expiration: exp, hint: 0n }]), { value: 0n });
    assert.equal(await call(recv, 'attempted'), true);
    assert.equal(book.interface.parseError(await call<string>(recv, 'lastReturn'))?.name, 'ReentrancyGuardReentrantCall');
    assert.equal((await order(ask.orderId))['remainingBase'], ONE);
    await expectFullyBacked(env.provider, book, [A, NATIVE]);
  });

  // ---------------------------------------------------------------------------------------------- path payments

  async function pay(w: Wallet, p: { sendAsset: string; sendMax: bigint; deliverAsset: string; deliverAmount: bigint; destination?: string;
    path: bigint[]; deadline?: bigint; value?: bigint }): Promise<TransactionReceipt> {
    const deadline = p.deadline ?? (await now(env.provider)) + FAR;
    return send(as(book, w), 'pathPayment', { ...p, destination: p.destination ?? merchant.address, deadline },
      { value: p.value ?? (p.sendAsset === NATIVE ? p.sendMax : 0n) });
  }

  function payTx(w: Wallet, p: { sendAsset: string; sendMax: bigint; deliverAsset: string; deliverAmount: bigint; destination?: string;
    path: bigint[]; deadline: bigint; value?: bigint }): Promise<unknown> {
    return as(book, w).getFunction('pathPayment')({ ...p, destination: p.destination ?? merchant.address },
      { value: p.value ?? (p.sendAsset === NATIVE ? p.sendMax : 0n) });
  }

  test('path payment, one hop: the merchant receives exactly the amount, the payer pays the book price within sendMax', async () => {
    const mk = await market(C, B, 1n, 1n); // merchant wants C; payer holds B
    await place(m1, mk, false, 2n * ONE + 1n, 5n * ONE + 7n);
    await place(m2, mk, false, 3n * ONE, 5n * ONE);
    const deliver = 7n * ONE + 3n;
    const cost = mulDivUp(5n * ONE + 7n, 2n * ONE + 1n, PRICE_SCALE) + mulDivUp(deliver - (5n * ONE + 7n), 3n * ONE, PRICE_SCALE);
    const c0 = await balanceOf(env.provider, C, merchant.address);
    const b0 = await balanceOf(env.provider, B, payer.address);
    const exp = (await now(env.provider)) + FAR;
    await expectRevert(payTx(payer, { sendAsset: B, sendMax: cost - 1n, deliverAsset: C, deliverAmount: deliver, path: [mk], deadline: exp }),
      book, 'SendMaxExceeded', [cost, cost - 1n]);
    const r = gas.record('pathPayment (1 hop, 2 fills)', await pay(payer, { sendAsset: B, sendMax: cost + 10n ** 18n, deliverAsset: C, deliverAmount: deliver, path: [mk] }));
    expectEvent(r, book, 'PathPaid', [payer.address, merchant.address, B, cost, C, deliver]);
    assert.equal(await balanceOf(env.provider, C, merchant.address), c0 + deliver);
    assert.equal(await balanceOf(env.provider, B, payer.address), b0 - cost);
    await expectFullyBacked(env.provider, book, [B, C]);
  });

  test('path payment, selling into bids for an exact quote amount: each bid pays exactly, receives base rounded up', async () => {
    const mk = await market(A, B, 1n, 6n); // payer holds A, merchant wants B
    const p = 700_000_000_000_000_001n;
    await place(m1, mk, true, p, 3n * ONE);
    const deliver = ONE + 12345n;
    const need = mulDivUp(deliver, PRICE_SCALE, p);
    const b0 = await balanceOf(env.provider, B, merchant.address);
    const a0 = await balanceOf(env.provider, A, payer.address);
    const r = await pay(payer, { sendAsset: A, sendMax: 2n * ONE, deliverAsset: B, deliverAmount: deliver, path: [mk] });
    expectEvent(r, book, 'PathPaid', [payer.address, merchant.address, A, need, B, deliver]);
    assert.equal(await balanceOf(env.provider, B, merchant.address), b0 + deliver);
    assert.equal(await balanceOf(env.provider, A, payer.address), a0 - need);
    await expectFullyBacked(env.provider, book, [A, B]);
  });

  test('path payment, two hops through an intermediate asset, paid in CMT with the unspent part refunded', async () => {
    const mkNB = await market(NATIVE, B, 1n, 1n); // CMT priced in B: payer sells CMT into bids for B
    const mkCB = await market(C, B, 1n, 2n); // C priced in B: then buys C with B
    await place(m1, mkNB, true, 4n * ONE, 10n * ONE); // m1 buys CMT at 4 B
    await place(m2, mkCB, false, 2n * ONE, 10n * ONE); // m2 sells C at 2 B
    const deliver = 3n * ONE;
    const midB = mulDivUp(deliver, 2n * ONE, PRICE_SCALE); // 6 B
    const cmt = mulDivUp(midB, PRICE_SCALE, 4n * ONE); // 1.5 CMT
    const cmt0 = await env.provider.getBalance(payer.address);
    const c0 = await balanceOf(env.provider, C, merchant.address);
    const [o1, o2] = [await owed(m1.address, NATIVE), await owed(m2.address, B)];
    const r = gas.record('pathPayment (2 hops, CMT in)', await pay(payer, { sendAsset: NATIVE, sendMax: 2n * ONE, deliverAsset: C, deliverAmount: deliver, path: [mkNB, mkCB] }));
    expectEvent(r, book, 'PathPaid', [payer.address, merchant.address, NATIVE, cmt, C, deliver]);
    assert.equal(await env.provider.getBalance(payer.address), cmt0 - cmt - feeOf(r));
    assert.equal(await balanceOf(env.provider, C, merchant.address), c0 + deliver);
    assert.equal(await owed(m1.address, NATIVE), o1 + cmt);
    assert.equal(await owed(m2.address, B), o2 + midB);
    await expectFullyBacked(env.provider, book, [NATIVE, B, C]);
  });

  test('path payment refusals', async () => {
    const mk = await market(C, B, 1n, 3n);
    const other = await market(A, NATIVE, 1n, 1n);
    await place(m1, mk, false, ONE, ONE);
    const exp = (await now(env.provider)) + FAR;
    const ok = { sendAsset: B, sendMax: 10n * ONE, deliverAsset: C, deliverAmount: ONE, path: [mk], deadline: exp };
    await expectRevert(payTx(payer, { ...ok, destination: NATIVE }), book, 'ZeroAddress');
    await expectRevert(payTx(payer, { ...ok, deliverAmount: 0n }), book, 'ZeroAmount');
    await expectRevert(payTx(payer, { ...ok, path: [] }), book, 'InvalidPath');
    await expectRevert(payTx(payer, { ...ok, path: [mk, mk, mk] }), book, 'InvalidPath');
    await expectRevert(payTx(payer, { ...ok, path: [other] }), book, 'InvalidPath');
    await expectRevert(payTx(payer, { ...ok, deliverAsset: B }), book, 'InvalidPath');
    await expectRevert(payTx(payer, { ...ok, deliverAsset: A }), book, 'InvalidPath');
    await expectRevert(payTx(payer, { ...ok, path: [4242n] }), book, 'UnknownMarket', [4242n]);
    await expectRevert(payTx(payer, { ...ok, value: 1n }), book, 'ValueMismatch', [0n, 1n]);
    await expectRevert(payTx(payer, { ...ok, sendAsset: NATIVE, path: [other], deliverAsset: A, value: 1n }), book, 'ValueMismatch', [10n * ONE, 1n]);
    await expectRevert(payTx(payer, { ...ok, deliverAmount: ONE + 1n }), book, 'InsufficientLiquidity', [mk, 1n]);
    const t = (await now(env.provider)) + 5n;
    await setNextTimestamp(env.provider, t);
    await expectRevert(payTx(payer, { ...ok, deadline: t }), book, 'InvalidExpiration', [t]);
  });

  // ---------------------------------------------------------------------------------------------- properties

  test('property: random order sequences match the reference matcher exactly and conserve both tokens', async (ctx) => {
    const actors = [m1, m2, m3];
    const tick = 10n ** 15n;
    const prices = [947n, 973n, 991n, 1000n, 1009n, 1027n, 1051n].map((x) => x * tick);
    type Op =
      | { kind: 'place'; who: number; isBuy: boolean; price: number; amount: bigint; tif: KindValue; life: number; dt: number }
      | { kind: 'cancel'; who: number; pick: number; dt: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.record({
        kind: fc.constant('place' as const), who: fc.nat(2), isBuy: fc.boolean(), price: fc.nat(prices.length - 1),
        amount: fc.bigInt(10n ** 15n, 3n * ONE), tif: fc.constantFrom<KindValue>(Kind.Limit, Kind.Limit, Kind.Limit, Kind.ImmediateOrCancel, Kind.FillOrKill),
        life: fc.integer({ min: 10, max: 300 }), dt: fc.integer({ min: 1, max: 10 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), who: fc.nat(2), pick: fc.nat(), dt: fc.integer({ min: 1, max: 20 }) }) },
    );
    const mk = await market(A, B, tick, 10n ** 15n);
    const wallet0 = new Map<string, bigint>();
    for (const w of actors) for (const t of [A, B]) wallet0.set(`${w.address}|${t}`, await balanceOf(env.provider, t, w.address));
    const supply = async (t: string): Promise<bigint> => {
      let s = await balanceOf(env.provider, t, bookAddr);
      for (const w of actors) s += await balanceOf(env.provider, t, w.address);
      return s;
    };
    const supplyA = await supply(A);
    const supplyB = await supply(B);
    const held0 = { A: await balanceOf(env.provider, A, bookAddr), B: await balanceOf(env.provider, B, bookAddr) };
    const owed0 = new Map<string, bigint>();
    for (const w of actors) for (const t of [A, B]) owed0.set(`${w.address}|${t}`, await owed(w.address, t));
    let snap = await snapshot(env.provider);
    let fills = 0;
    let rests = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 6, maxLength: 12 }), async (ops) => {
        await revertTo(env.provider, snap);
        snap = await snapshot(env.provider);
        const ref = new RefExchange();
        ref.addMarket(mk, A, B);
        ref.nextOrderId = (await call<bigint>(book, 'orderCount')) + 1n;
        const wallets = new Map(wallet0);
        const move = (who: string, asset: string, delta: bigint): void => {
          const k = `${who}|${asset}`;
          wallets.set(k, (wallets.get(k) ?? 0n) + delta);
        };
        let t = await now(env.provider);
        for (const op of ops) {
          t += BigInt(op.dt);
          await setNextTimestamp(env.provider, t);
          const w = actors[op.who]!;
          if (op.kind === 'cancel') {
            const target = ref.orders[op.pick % Math.max(ref.orders.length, 1)];
            if (!target) continue;
            try {
              const res = ref.cancel(target.id, w.address, t);
              await send(as(book, w), 'cancelOrder', target.id);
              if (res.maker === w.address.toLowerCase()) move(w.address, res.asset === A.toLowerCase() ? A : B, res.refund);
            } catch (e) {
              assert.ok(e instanceof RefError, String(e));
              await expectRevert(as(book, w).getFunction('cancelOrder')(target.id), book, e.errorName);
            }
            continue;
          }
          // bids lean high and asks low (indices 2..6 and 0..4) so that sequences cross often
          const price = prices[op.isBuy ? 2 + (op.price % 5) : op.price % 5]!;
          const expiration = t + BigInt(op.life);
          let want;
          try {
            want = ref.place(mk, w.address, op.isBuy, price, op.amount, op.tif, expiration, t);
          } catch (e) {
            assert.ok(e instanceof RefError, String(e));
            await expectRevert(placeTx(w, mk, op.isBuy, price, op.amount, { kind: op.tif, expiration }), book, e.errorName, e.args);
            continue;
          }
          const got = await place(w, mk, op.isBuy, price, op.amount, { kind: op.tif, expiration });
          assert.deepEqual([got.filledBase, got.filledQuote, got.unfilled, got.orderId], [want.filledBase, want.filledQuote, want.unfilled, want.orderId]);
          assert.deepEqual(got.trades.map((x) => [x[2], x[7], x[8]]), want.trades.map((x) => [x.makerOrderId, x.base, x.quote]));
          fills += want.trades.length;
          if (want.orderId !== 0n) rests++;
          move(w.address, want.payAsset === A.toLowerCase() ? A : B, -want.payIn);
          move(w.address, want.getAsset === A.toLowerCase() ? A : B, want.getOut);
        }
        // the book: every resting order, in priority order, with its exact remaining amount and escrow
        for (const isBuy of [true, false]) {
          const side = ref.side(mk, isBuy);
          const levels = [...new Set(side.map((o) => o.price))];
          const [chainPrices] = await call<[bigint[], bigint[]]>(book, 'depth', mk, isBuy, 100n);
          assert.deepEqual([...chainPrices], levels);
          for (const p of levels) {
            assert.deepEqual([...(await call<bigint[]>(book, 'levelOrders', mk, isBuy, p))], side.filter((o) => o.price === p).map((o) => o.id));
          }
          for (const o of side) {
            const c = await order(o.id);
            assert.deepEqual([c['remainingBase'], c['escrowQuote'], String(c['maker']).toLowerCase()], [o.remaining, o.escrowQuote, o.maker]);
          }
        }
        for (const w of actors) {
          for (const asset of [A, B]) {
            assert.equal((await owed(w.address, asset)) - owed0.get(`${w.address}|${asset}`)!, ref.owedOf(w.address, asset), `owed ${asset}`);
            assert.equal(await balanceOf(env.provider, asset, w.address), wallets.get(`${w.address}|${asset}`), `wallet ${asset}`);
          }
        }
        // conservation: nothing created or lost, and the book holds exactly escrow + owed of both tokens
        assert.equal(await supply(A), supplyA);
        assert.equal(await supply(B), supplyB);
        assert.equal((await balanceOf(env.provider, A, bookAddr)) - held0.A, ref.liabilities(A));
        assert.equal((await balanceOf(env.provider, B, bookAddr)) - held0.B, ref.liabilities(B));
        await expectFullyBacked(env.provider, book, [A, B]);
      }),
      { numRuns: fcRuns(4), seed: 6004, endOnFailure: true, plugins: [fc.unbiased()] },
    );
    assert.ok(fills > 0 && rests > 0, `sequences traded (${fills} fills) and rested (${rests} orders)`);
    ctx.diagnostic(`${fills} fills, ${rests} resting orders`);
    await revertTo(env.provider, snap);
  });

  test('property: a path payment never spends more than sendMax and delivers exactly the amount (or reverts and changes nothing)', async (ctx) => {
    const mkAB = await market(A, B, 1n, 5n);
    const mkCB = await market(C, B, 1n, 5n);
    type Route = 'A>B' | 'B>C' | 'A>B>C';
    const arb = fc.record({
      bids: fc.array(fc.record({ who: fc.nat(2), price: fc.bigInt(5n * 10n ** 17n, 2n * ONE), amount: fc.bigInt(5n, 4n * ONE) }), { minLength: 1, maxLength: 3 }),
      asks: fc.array(fc.record({ who: fc.nat(2), price: fc.bigInt(5n * 10n ** 17n, 2n * ONE), amount: fc.bigInt(5n, 4n * ONE) }), { minLength: 1, maxLength: 3 }),
      route: fc.constantFrom<Route>('A>B', 'B>C', 'A>B>C'),
      deliver: fc.bigInt(1n, 2n * ONE),
      slackPermille: fc.integer({ min: 950, max: 1100 }),
    });
    const makers = [m1, m2, m3];
    const owed0 = new Map<string, bigint>();
    for (const w of makers) for (const t of [A, B, C]) owed0.set(`${w.address}|${t}`, await owed(w.address, t));
    let snap = await snapshot(env.provider);
    let paid = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(arb, async ({ bids, asks, route, deliver, slackPermille }) => {
        await revertTo(env.provider, snap);
        snap = await snapshot(env.provider);
        const ref = new RefExchange();
        ref.addMarket(mkAB, A, B);
        ref.addMarket(mkCB, C, B);
        ref.nextOrderId = (await call<bigint>(book, 'orderCount')) + 1n;
        const t0 = await now(env.provider);
        for (const b of bids) {
          const w = makers[b.who]!;
          ref.place(mkAB, w.address, true, b.price, b.amount, Kind.Limit, t0 + FAR, t0);
          await place(w, mkAB, true, b.price, b.amount, { expiration: t0 + FAR });
        }
        for (const a of asks) {
          const w = makers[a.who]!;
          ref.place(mkCB, w.address, false, a.price, a.amount, Kind.Limit, t0 + FAR, t0);
          await place(w, mkCB, false, a.price, a.amount, { expiration: t0 + FAR });
        }
        const [sendAsset, deliverAsset, path] = route === 'A>B' ? [A, B, [mkAB]] : route === 'B>C' ? [B, C, [mkCB]] : [A, C, [mkAB, mkCB]];
        const t = (await now(env.provider)) + 1n;
        let spent: bigint | undefined;
        let refusal: RefError | undefined;
        try {
          spent = ref.pathPayment(payer.address, sendAsset, deliver, path, t);
        } catch (e) {
          assert.ok(e instanceof RefError, String(e));
          refusal = e;
        }
        const sendMax = spent === undefined ? 10n * ONE : (spent * BigInt(slackPermille)) / 1000n;
        if (spent !== undefined && spent > sendMax) refusal = new RefError('SendMaxExceeded', [spent, sendMax]);
        const s0 = await balanceOf(env.provider, sendAsset, payer.address);
        const d0 = await balanceOf(env.provider, deliverAsset, merchant.address);
        await setNextTimestamp(env.provider, t);
        if (refusal) {
          await expectRevert(payTx(payer, { sendAsset, sendMax, deliverAsset, deliverAmount: deliver, path, deadline: t + FAR }), book,
            refusal.errorName, refusal.args);
          assert.equal(await balanceOf(env.provider, deliverAsset, merchant.address), d0);
          refused++;
        } else {
          await pay(payer, { sendAsset, sendMax, deliverAsset, deliverAmount: deliver, path, deadline: t + FAR });
          const used = s0 - (await balanceOf(env.provider, sendAsset, payer.address));
          assert.equal(used, spent);
          assert.ok(used <= sendMax, 'never more than sendMax');
          assert.equal((await balanceOf(env.provider, deliverAsset, merchant.address)) - d0, deliver, 'exactly the amount');
          for (const w of makers) {
            for (const asset of [A, B, C]) {
              assert.equal((await owed(w.address, asset)) - owed0.get(`${w.address}|${asset}`)!, ref.owedOf(w.address, asset));
            }
          }
          paid++;
        }
        await expectFullyBacked(env.provider, book, [A, B, C]);
      }),
      { numRuns: fcRuns(6), seed: 6005, endOnFailure: true, plugins: [fc.unbiased()] },
    );
    assert.ok(paid > 0 && refused > 0, `both outcomes exercised (${paid} paid, ${refused} refused)`);
    ctx.diagnostic(`${paid} paid, ${refused} refused`);
    await revertTo(env.provider, snap);
  });
});
