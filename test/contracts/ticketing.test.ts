/**
 * EventTicketing on a real automining dev node: events with ticket classes priced in CMT (supply, sale window,
 * per-buyer cap), ERC-721 tickets that move only through purchase and the contract's own capped resale market,
 * check-in by the organiser or its scanners with the holder's EIP-712 signature (EOA or ERC-1271), cancellation
 * by the organiser (or by anyone once an event ended without a single check-in) with pulled refunds of exactly
 * what each buyer paid, and proceeds paid only after the refund window. Every external function's success path
 * and each revert with its exact custom error, the phase boundaries to the second, events, reentrancy from
 * receiving contracts (refunds, proceeds, resale proceeds), receivers that refuse CMT, and a fast-check property
 * over random purchases, resales, check-ins and outcomes of two events side by side: every buyer's refund is
 * exactly what it paid, payees get exactly the primary sales and sellers exactly their resale proceeds, and
 * refunds + proceeds never exceed what was paid in (and end equal to it).
 *
 * GAS_REPORT=<dir> writes the gas used by the main functions to <dir>/ticketing.md.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Contract, TypedDataEncoder, Wallet, id as keccakText } from 'ethers';
import type { TransactionReceipt, TypedDataDomain } from 'ethers';
import fc from 'fast-check';
import {
  CHAIN_ID, DAY, HOUR, MAX_UINT256, ONE_CMT, ZERO_ADDRESS, createGasReport, deploy, errorData, eventsOf, expectEvent,
  expectRevert, latestTimestamp, mineAt, read, readStruct, revertTo, send, setNextTimestamp, snapshot, startChain,
} from './miscFixtures.ts';
import type { Chain } from './miscFixtures.ts';

const Phase = { None: 0n, Upcoming: 1n, Live: 2n, RefundWindow: 3n, Unattended: 4n, Settled: 5n, Cancelled: 6n } as const;
const CHECK_IN_LEAD = 12n * BigInt(HOUR);
const REFUND_WINDOW = 2n * BigInt(DAY);
const GA_PRICE = ONE_CMT;
const VIP_PRICE = 3n * ONE_CMT;
const CHECK_IN_TYPES = {
  CheckIn: [{ name: 'ticketId', type: 'uint256' }, { name: 'holder', type: 'address' }, { name: 'validUntil', type: 'uint256' }],
};

interface EventParams {
  payee: string;
  start: bigint;
  end: bigint;
  refundWindow: bigint;
  resaleAllowed: boolean;
  resaleCapBps: bigint;
  metadataURI: string;
}

interface ClassParams {
  price: bigint;
  supply: bigint;
  maxPerBuyer: bigint;
  saleStart: bigint;
  saleEnd: bigint;
}

interface EventInfo {
  organiser: string;
  start: bigint;
  end: bigint;
  payee: string;
  refundWindow: bigint;
  resaleCapBps: bigint;
  resaleAllowed: boolean;
  cancelled: boolean;
  proceedsWithdrawn: boolean;
  classCount: bigint;
  ticketsSold: bigint;
  checkedIn: bigint;
  primarySales: bigint;
  resaleVolume: bigint;
  held: bigint;
  metadataURI: string;
}

const toTuple = (p: EventParams): unknown[] => [p.payee, p.start, p.end, p.refundWindow, p.resaleAllowed, p.resaleCapBps, p.metadataURI];
const classTuple = (c: ClassParams): unknown[] => [c.price, c.supply, c.maxPerBuyer, c.saleStart, c.saleEnd];

describe('EventTicketing on a dev node', () => {
  let chain: Chain;
  let tix: Contract;
  let tixAddr: string;
  let organiser: Wallet;
  let scanner: Wallet;
  let alice: Wallet;
  let bob: Wallet;
  let carol: Wallet;
  let stranger: Wallet;
  let dave: Wallet;
  let domain: TypedDataDomain;
  let snap = '';
  const gas = createGasReport();

  before(async () => {
    chain = await startChain();
    [organiser, scanner, alice, bob, carol, stranger, dave] = chain.wallets as [Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet];
    const d = await deploy('EventTicketing', organiser);
    gas.record('deploy EventTicketing', d.receipt);
    tix = d.contract;
    tixAddr = await tix.getAddress();
    domain = { name: 'CyberMiles EventTicketing', version: '1', chainId: CHAIN_ID, verifyingContract: tixAddr };
  });

  after(async () => {
    gas.write('ticketing');
    await chain?.stop();
  });

  beforeEach(async () => {
    snap = await snapshot(chain);
  });

  afterEach(async () => {
    await revertTo(chain, snap);
  });

  // ------------------------------------------------------------ helpers

  const fresh = (): string => Wallet.createRandom().address;
  const cmt = (who: string): Promise<bigint> => chain.provider.getBalance(who);
  const phase = (id: bigint): Promise<bigint> => read<bigint>(tix, 'phaseOf', [id]);
  const info = (id: bigint): Promise<EventInfo> => readStruct<EventInfo>(tix, 'eventOf', [id]);

  async function defaultParams(opts: Partial<EventParams> = {}): Promise<EventParams> {
    const now = await latestTimestamp(chain);
    const start = now + 10n * BigInt(DAY);
    return {
      payee: fresh(), start, end: start + BigInt(DAY), refundWindow: REFUND_WINDOW, resaleAllowed: true, resaleCapBps: 11_000n,
      metadataURI: 'ipfs://concert', ...opts,
    };
  }

  function defaultClasses(p: EventParams, now: bigint): ClassParams[] {
    return [
      { price: GA_PRICE, supply: 100n, maxPerBuyer: 0n, saleStart: now, saleEnd: p.start },
      { price: VIP_PRICE, supply: 2n, maxPerBuyer: 1n, saleStart: now, saleEnd: p.end },
    ];
  }

  async function createEvent(
    opts: Partial<EventParams> = {}, classes?: ClassParams[], from = organiser,
  ): Promise<{ id: bigint; params: EventParams; classes: ClassParams[]; receipt: TransactionReceipt }> {
    const params = await defaultParams(opts);
    const cls = classes ?? defaultClasses(params, await latestTimestamp(chain));
    const receipt = await send(tix, from, 'createEvent', [toTuple(params), cls.map(classTuple)]);
    const ev = eventsOf(receipt, tix, 'EventCreated')[0];
    assert.ok(ev);
    return { id: ev.args[0] as bigint, params, classes: cls, receipt };
  }

  async function buy(id: bigint, classId: bigint, quantity: bigint, from: Wallet, price = classId === 0n ? GA_PRICE : VIP_PRICE): Promise<{ first: bigint; receipt: TransactionReceipt }> {
    const receipt = await send(tix, from, 'buy', [id, classId, quantity], price * quantity);
    const ev = eventsOf(receipt, tix, 'TicketsPurchased')[0];
    assert.ok(ev);
    return { first: ev.args[3] as bigint, receipt };
  }

  async function sign(holder: Wallet, ticketId: bigint, validUntil: bigint, d = domain, claimedHolder = holder.address): Promise<string> {
    return holder.signTypedData(d, CHECK_IN_TYPES, { ticketId, holder: claimedHolder, validUntil });
  }

  /** Checks `ticketId` (held by `holder`) in at `at`, by `by`. */
  async function checkInAt(at: bigint, ticketId: bigint, holder: Wallet, by = organiser): Promise<TransactionReceipt> {
    const sig = await sign(holder, ticketId, at + 60n);
    await setNextTimestamp(chain, at);
    return send(tix, by, 'checkIn', [ticketId, at + 60n, sig]);
  }

  async function assertSolvent(): Promise<void> {
    assert.equal(await cmt(tixAddr), await read<bigint>(tix, 'totalHeld'), 'the contract holds exactly what it owes');
  }

  // ------------------------------------------------------------ creating events

  describe('createEvent', () => {
    test('stores the event and its classes, emits one EventCreated and a TicketClassCreated per class', async () => {
      const { id, params, classes, receipt } = await createEvent();
      gas.record('createEvent (two classes)', receipt);
      assert.equal(id, 1n);
      assert.equal(await read(tix, 'eventCount'), 1n);
      expectEvent(receipt, tix, 'EventCreated', [id, organiser.address, params.payee, params.start, params.end, params.refundWindow, true, 11_000n, 'ipfs://concert']);
      const created = eventsOf(receipt, tix, 'TicketClassCreated');
      assert.deepEqual(created.map((e) => [...e.args]), classes.map((c, i) => [id, BigInt(i), c.price, c.supply, c.maxPerBuyer, c.saleStart, c.saleEnd]));
      const e = await info(id);
      assert.deepEqual(e, {
        organiser: organiser.address, start: params.start, end: params.end, payee: params.payee, refundWindow: REFUND_WINDOW,
        resaleCapBps: 11_000n, resaleAllowed: true, cancelled: false, proceedsWithdrawn: false, classCount: 2n, ticketsSold: 0n,
        checkedIn: 0n, primarySales: 0n, resaleVolume: 0n, held: 0n, metadataURI: 'ipfs://concert',
      });
      assert.deepEqual(await readStruct(tix, 'classOf', [id, 1n]), { ...classes[1]!, sold: 0n });
      await expectRevert(tix, alice, 'classOf', [id, 2n], 'UnknownClass', [id, 2n]);
      assert.equal(await phase(id), Phase.Upcoming);
      assert.equal(await phase(99n), Phase.None);
      const now = await latestTimestamp(chain);
      const one = await createEvent({ start: now + 100n, end: now + 200n }, [{ price: 0n, supply: 1n, maxPerBuyer: 0n, saleStart: 0n, saleEnd: now + 100n }]);
      gas.record('createEvent (one class)', one.receipt);
    });

    test('reverts: zero payee, bad times, refund window, class count, bad classes', async () => {
      const now = await latestTimestamp(chain);
      const p = await defaultParams();
      const cls = defaultClasses(p, now).map(classTuple);
      const create = (params: EventParams, classes: unknown[] = cls) => [toTuple(params), classes];
      await expectRevert(tix, alice, 'createEvent', create({ ...p, payee: ZERO_ADDRESS }), 'ZeroAddress');
      // eth_call runs at the latest block's time: start must be later
      await expectRevert(tix, alice, 'createEvent', create({ ...p, start: now, end: now + 10n }, [classTuple({ price: 1n, supply: 1n, maxPerBuyer: 0n, saleStart: 0n, saleEnd: now })]), 'BadEventTimes', [now, now + 10n]);
      await expectRevert(tix, alice, 'createEvent', create({ ...p, end: p.start }), 'BadEventTimes', [p.start, p.start]);
      await expectRevert(tix, alice, 'createEvent', create({ ...p, end: p.start + 30n * BigInt(DAY) + 1n }), 'BadEventTimes', [p.start, p.start + 30n * BigInt(DAY) + 1n]);
      const far = now + 730n * BigInt(DAY) + 1n;
      await expectRevert(tix, alice, 'createEvent', create({ ...p, start: far, end: far + 1n }), 'BadEventTimes', [far, far + 1n]);
      await expectRevert(tix, alice, 'createEvent', create({ ...p, refundWindow: BigInt(DAY) - 1n }), 'BadRefundWindow', [BigInt(DAY) - 1n]);
      await expectRevert(tix, alice, 'createEvent', create({ ...p, refundWindow: 90n * BigInt(DAY) + 1n }), 'BadRefundWindow', [90n * BigInt(DAY) + 1n]);
      await expectRevert(tix, alice, 'createEvent', create(p, []), 'BadClassCount', [0n]);
      await expectRevert(tix, alice, 'createEvent', create(p, Array(17).fill(cls[0])), 'BadClassCount', [17n]);
      const good = defaultClasses(p, now)[0]!;
      await expectRevert(tix, alice, 'createEvent', create(p, [cls[0], classTuple({ ...good, supply: 0n })]), 'BadClass', [1n]);
      await expectRevert(tix, alice, 'createEvent', create(p, [classTuple({ ...good, saleStart: good.saleEnd })]), 'BadClass', [0n]);
      await expectRevert(tix, alice, 'createEvent', create(p, [classTuple({ ...good, saleEnd: p.end + 1n })]), 'BadClass', [0n]);
      // the bounds themselves are accepted
      await send(tix, alice, 'createEvent', create({ ...p, end: p.start + 30n * BigInt(DAY), refundWindow: 90n * BigInt(DAY) }, [classTuple({ ...good, saleEnd: p.start + 30n * BigInt(DAY) })]));
      await send(tix, alice, 'createEvent', create({ ...p, refundWindow: BigInt(DAY) }, Array(16).fill(cls[0])));
    });
  });

  // ------------------------------------------------------------ buying

  describe('buy', () => {
    test('mints consecutive tickets, records what the buyer paid, holds the money', async () => {
      const { id } = await createEvent();
      const { first, receipt } = await buy(id, 0n, 3n, alice);
      gas.record('buy (3 tickets)', receipt);
      assert.equal(first, 1n);
      expectEvent(receipt, tix, 'TicketsPurchased', [id, 0n, alice.address, 1n, 3n, 3n * GA_PRICE]);
      assert.deepEqual(eventsOf(receipt, tix, 'Transfer').map((e) => [...e.args]), [1n, 2n, 3n].map((t) => [ZERO_ADDRESS, alice.address, t]));
      gas.record('buy (1 ticket)', (await buy(id, 1n, 1n, bob)).receipt);
      gas.record('buy (10 tickets)', (await buy(id, 0n, 10n, carol)).receipt);
      assert.equal(await read(tix, 'ownerOf', [4n]), bob.address);
      assert.equal(await read(tix, 'balanceOf', [carol.address]), 10n);
      assert.deepEqual(await readStruct(tix, 'ticketOf', [4n]), { eventId: id, classId: 1n, checkedIn: false });
      assert.equal(await read(tix, 'facePrice', [4n]), VIP_PRICE);
      assert.equal(await read(tix, 'paidBy', [id, alice.address]), 3n * GA_PRICE);
      assert.equal(await read(tix, 'boughtBy', [id, 1n, bob.address]), 1n);
      const e = await info(id);
      assert.equal(e.ticketsSold, 14n);
      assert.equal(e.primarySales, 13n * GA_PRICE + VIP_PRICE);
      assert.equal(e.held, e.primarySales);
      assert.equal(await read(tix, 'ticketCount'), 14n);
      assert.equal(await read(tix, 'tokenURI', [2n]), 'ipfs://concert');
      assert.equal(await read(tix, 'name'), 'CyberMiles Event Ticket');
      assert.equal(await read(tix, 'symbol'), 'CMTIX');
      assert.equal(await read(tix, 'supportsInterface', ['0x80ac58cd']), true);
      await assertSolvent();
    });

    test('reverts: unknown event or class, outside the sale window, quantity, sold out, buyer cap, wrong payment, cancelled', async () => {
      const now = await latestTimestamp(chain);
      const p = await defaultParams();
      const classes = [
        { price: GA_PRICE, supply: 5n, maxPerBuyer: 0n, saleStart: now + 100n, saleEnd: now + 200n },
        { price: VIP_PRICE, supply: 2n, maxPerBuyer: 1n, saleStart: now, saleEnd: p.end },
      ];
      const { id } = await createEvent(p, classes);
      await expectRevert(tix, alice, 'buy', [id + 1n, 0n, 1n], 'UnknownEvent', [id + 1n], GA_PRICE);
      await expectRevert(tix, alice, 'buy', [id, 2n, 1n], 'UnknownClass', [id, 2n], GA_PRICE);
      await expectRevert(tix, alice, 'buy', [id, 0n, 1n], 'OutsideSaleWindow', [id, 0n], GA_PRICE);
      await mineAt(chain, now + 100n);
      await expectRevert(tix, alice, 'buy', [id, 0n, 0n], 'BadQuantity', [0n], 0n);
      await expectRevert(tix, alice, 'buy', [id, 0n, 21n], 'BadQuantity', [21n], 21n * GA_PRICE);
      await expectRevert(tix, alice, 'buy', [id, 0n, 6n], 'SoldOut', [id, 0n, 5n], 6n * GA_PRICE);
      await expectRevert(tix, alice, 'buy', [id, 0n, 2n], 'WrongPayment', [2n * GA_PRICE, GA_PRICE], GA_PRICE);
      await expectRevert(tix, alice, 'buy', [id, 0n, 1n], 'WrongPayment', [GA_PRICE, GA_PRICE + 1n], GA_PRICE + 1n);
      await buy(id, 0n, 4n, alice);
      await expectRevert(tix, bob, 'buy', [id, 0n, 2n], 'SoldOut', [id, 0n, 1n], 2n * GA_PRICE);
      await buy(id, 0n, 1n, bob);
      await expectRevert(tix, bob, 'buy', [id, 0n, 1n], 'SoldOut', [id, 0n, 0n], GA_PRICE);
      await buy(id, 1n, 1n, alice);
      await expectRevert(tix, alice, 'buy', [id, 1n, 1n], 'BuyerCapExceeded', [id, 1n, 1n], VIP_PRICE);
      await mineAt(chain, now + 200n);
      await expectRevert(tix, carol, 'buy', [id, 0n, 1n], 'OutsideSaleWindow', [id, 0n], GA_PRICE);
      await send(tix, organiser, 'cancelEvent', [id]);
      await expectRevert(tix, carol, 'buy', [id, 1n, 1n], 'WrongPhase', [id, Phase.Cancelled], VIP_PRICE);
    });

    test('tickets cannot be transferred outside the resale market, even with an approval', async () => {
      const { id } = await createEvent();
      const { first } = await buy(id, 0n, 1n, alice);
      await expectRevert(tix, alice, 'transferFrom', [alice.address, bob.address, first], 'TransferRestricted', [first]);
      await expectRevert(tix, alice, 'safeTransferFrom(address,address,uint256)', [alice.address, bob.address, first], 'TransferRestricted', [first]);
      await send(tix, alice, 'approve', [bob.address, first]);
      await send(tix, alice, 'setApprovalForAll', [bob.address, true]);
      await expectRevert(tix, bob, 'transferFrom', [alice.address, bob.address, first], 'TransferRestricted', [first]);
      await expectRevert(tix, bob, 'safeTransferFrom(address,address,uint256,bytes)', [alice.address, bob.address, first, '0x'], 'TransferRestricted', [first]);
      assert.equal(await read(tix, 'ownerOf', [first]), alice.address);
      await expectRevert(tix, alice, 'ticketOf', [99n], 'UnknownTicket', [99n]);
      await expectRevert(tix, alice, 'facePrice', [99n], 'UnknownTicket', [99n]);
      await expectRevert(tix, alice, 'tokenURI', [99n], 'ERC721NonexistentToken', [99n]);
    });
  });

  // ------------------------------------------------------------ resale

  describe('resale market', () => {
    test('list, buy and cancel: the price is capped, held until settlement, credited to the seller, paid by the buyer', async () => {
      const { id } = await createEvent();
      const { first } = await buy(id, 0n, 2n, alice);
      const cap = (GA_PRICE * 11_000n) / 10_000n;
      assert.equal(await read(tix, 'resaleCap', [first]), cap);
      await expectRevert(tix, alice, 'listForResale', [first, cap + 1n, ZERO_ADDRESS], 'PriceAboveCap', [first, cap + 1n, cap]);
      await expectRevert(tix, bob, 'listForResale', [first, cap, ZERO_ADDRESS], 'NotHolder', [first, bob.address]);
      await expectRevert(tix, alice, 'listForResale', [first, cap, alice.address], 'OwnTicket', [first]);
      await expectRevert(tix, alice, 'listForResale', [99n, cap, ZERO_ADDRESS], 'UnknownTicket', [99n]);
      const l = await send(tix, alice, 'listForResale', [first, cap, ZERO_ADDRESS]);
      gas.record('listForResale', l);
      expectEvent(l, tix, 'ResaleListed', [first, alice.address, cap, ZERO_ADDRESS]);
      assert.deepEqual(await readStruct(tix, 'listingOf', [first]), { active: true, buyer: ZERO_ADDRESS, price: cap });
      await expectRevert(tix, alice, 'buyResale', [first], 'OwnTicket', [first], cap);
      await expectRevert(tix, bob, 'buyResale', [first], 'WrongPayment', [cap, cap - 1n], cap - 1n);
      await expectRevert(tix, bob, 'buyResale', [first + 1n], 'NotListed', [first + 1n], cap);
      const r = await send(tix, bob, 'buyResale', [first], cap);
      gas.record('buyResale', r);
      expectEvent(r, tix, 'ResaleSold', [first, alice.address, bob.address, cap]);
      expectEvent(r, tix, 'Transfer', [alice.address, bob.address, first]);
      assert.equal(await read(tix, 'ownerOf', [first]), bob.address);
      assert.deepEqual(await readStruct(tix, 'listingOf', [first]), { active: false, buyer: ZERO_ADDRESS, price: 0n });
      assert.equal(await read(tix, 'paidBy', [id, bob.address]), cap);
      assert.equal(await read(tix, 'resaleProceedsOf', [id, alice.address]), cap);
      const e = await info(id);
      assert.equal(e.resaleVolume, cap);
      assert.equal(e.held, 2n * GA_PRICE + cap);
      await assertSolvent();
      await expectRevert(tix, carol, 'buyResale', [first], 'NotListed', [first], cap);
      // the new holder relists and withdraws
      await send(tix, bob, 'listForResale', [first, 1n, ZERO_ADDRESS]);
      await expectRevert(tix, alice, 'cancelResale', [first], 'NotHolder', [first, alice.address]);
      const c = await send(tix, bob, 'cancelResale', [first]);
      gas.record('cancelResale', c);
      expectEvent(c, tix, 'ResaleCancelled', [first, bob.address]);
      await expectRevert(tix, bob, 'cancelResale', [first], 'NotListed', [first]);
      await expectRevert(tix, bob, 'cancelResale', [99n], 'UnknownTicket', [99n]);
    });

    test('a reserved offer (a gift at price 0) is for its buyer only; relisting replaces an offer', async () => {
      const { id } = await createEvent();
      const { first } = await buy(id, 0n, 1n, alice);
      await send(tix, alice, 'listForResale', [first, GA_PRICE, ZERO_ADDRESS]);
      await send(tix, alice, 'listForResale', [first, 0n, carol.address]);
      await expectRevert(tix, bob, 'buyResale', [first], 'NotDesignatedBuyer', [first, bob.address], 0n);
      await expectRevert(tix, carol, 'buyResale', [first], 'WrongPayment', [0n, GA_PRICE], GA_PRICE);
      await send(tix, carol, 'buyResale', [first], 0n);
      assert.equal(await read(tix, 'ownerOf', [first]), carol.address);
      assert.equal(await read(tix, 'paidBy', [id, carol.address]), 0n);
      assert.equal(await read(tix, 'resaleProceedsOf', [id, alice.address]), 0n);
    });

    test('without a cap any price is allowed; without resale nothing can be listed; resale stops at the end and at check-in', async () => {
      const { id: uncapped } = await createEvent({ resaleCapBps: 0n });
      const { first } = await buy(uncapped, 0n, 2n, alice);
      assert.equal(await read(tix, 'resaleCap', [first]), MAX_UINT256);
      await send(tix, alice, 'listForResale', [first, 1000n * ONE_CMT, ZERO_ADDRESS]);
      const { id: closed } = await createEvent({ resaleAllowed: false });
      const { first: t2 } = await buy(closed, 0n, 1n, alice);
      await expectRevert(tix, alice, 'listForResale', [t2, 0n, ZERO_ADDRESS], 'ResaleDisabled', [closed]);
      await expectRevert(tix, bob, 'buyResale', [t2], 'ResaleDisabled', [closed], 0n);
      // a checked-in ticket cannot be resold; checking in withdraws its offer
      const e = await info(uncapped);
      await checkInAt(e.start - CHECK_IN_LEAD, first, alice);
      assert.deepEqual(await readStruct(tix, 'listingOf', [first]), { active: false, buyer: ZERO_ADDRESS, price: 0n });
      await expectRevert(tix, alice, 'listForResale', [first, 1n, ZERO_ADDRESS], 'AlreadyCheckedIn', [first]);
      await send(tix, alice, 'listForResale', [first + 1n, 1n, ZERO_ADDRESS]);
      await mineAt(chain, e.end);
      await expectRevert(tix, bob, 'buyResale', [first + 1n], 'WrongPhase', [uncapped, Phase.RefundWindow], 1n);
      await expectRevert(tix, alice, 'listForResale', [first + 1n, 1n, ZERO_ADDRESS], 'WrongPhase', [uncapped, Phase.RefundWindow]);
    });
  });

  // ------------------------------------------------------------ check-in

  describe('check-in', () => {
    test('scanners: only the organiser sets them; a scanner checks in with the holder signature, once, from 12 h before the start', async () => {
      const { id, params } = await createEvent();
      const { first } = await buy(id, 0n, 3n, alice);
      await expectRevert(tix, stranger, 'setScanner', [id, scanner.address, true], 'NotOrganiser', [id, stranger.address]);
      await expectRevert(tix, organiser, 'setScanner', [id, ZERO_ADDRESS, true], 'ZeroAddress');
      await expectRevert(tix, organiser, 'setScanner', [id + 1n, scanner.address, true], 'UnknownEvent', [id + 1n]);
      const s = await send(tix, organiser, 'setScanner', [id, scanner.address, true]);
      gas.record('setScanner', s);
      expectEvent(s, tix, 'ScannerSet', [id, scanner.address, true]);
      assert.equal(await read(tix, 'isScanner', [id, scanner.address]), true);
      const opens = params.start - CHECK_IN_LEAD;
      const validUntil = params.start + 1000n;
      const sig = await sign(alice, first, validUntil);
      assert.equal(await read(tix, 'CHECK_IN_TYPEHASH'), keccakText('CheckIn(uint256 ticketId,address holder,uint256 validUntil)'));
      assert.equal(
        await read(tix, 'checkInDigest', [first, alice.address, validUntil]),
        TypedDataEncoder.hash(domain, CHECK_IN_TYPES, { ticketId: first, holder: alice.address, validUntil }),
      );
      await mineAt(chain, opens - 1n);
      await expectRevert(tix, scanner, 'checkIn', [first, validUntil, sig], 'CheckInNotOpen', [id, opens]);
      await expectRevert(tix, stranger, 'checkIn', [first, validUntil, sig], 'NotScanner', [id, stranger.address]);
      await expectRevert(tix, scanner, 'checkIn', [99n, validUntil, sig], 'UnknownTicket', [99n]);
      await setNextTimestamp(chain, opens);
      const r = await send(tix, scanner, 'checkIn', [first, validUntil, sig]);
      gas.record('checkIn (EOA holder)', r);
      expectEvent(r, tix, 'CheckedIn', [id, first, alice.address, scanner.address]);
      assert.equal((await readStruct<{ checkedIn: boolean }>(tix, 'ticketOf', [first])).checkedIn, true);
      assert.equal((await info(id)).checkedIn, 1n);
      await expectRevert(tix, scanner, 'checkIn', [first, validUntil, sig], 'AlreadyCheckedIn', [first]);
      // the organiser may always check in; a revoked scanner may not
      await send(tix, organiser, 'setScanner', [id, scanner.address, false]);
      const sig2 = await sign(alice, first + 1n, validUntil);
      await expectRevert(tix, scanner, 'checkIn', [first + 1n, validUntil, sig2], 'NotScanner', [id, scanner.address]);
      await send(tix, organiser, 'checkIn', [first + 1n, validUntil, sig2]);
      // the authorisation is valid up to and including validUntil, and check-in closes at the end
      const sig3 = await sign(alice, first + 2n, params.start);
      await mineAt(chain, params.start + 1n);
      await expectRevert(tix, organiser, 'checkIn', [first + 2n, params.start, sig3], 'CheckInExpired', [params.start]);
      const sig4 = await sign(alice, first + 2n, params.end + 10n);
      await mineAt(chain, params.end);
      await expectRevert(tix, organiser, 'checkIn', [first + 2n, params.end + 10n, sig4], 'WrongPhase', [id, Phase.RefundWindow]);
    });

    test('signatures that are not the current holder\'s for this ticket, contract and chain are refused', async () => {
      const { id, params } = await createEvent();
      const { first } = await buy(id, 0n, 2n, alice);
      await mineAt(chain, params.start);
      const until = params.start + 600n;
      const bad = async (sig: string, ticket = first) => expectRevert(tix, organiser, 'checkIn', [ticket, until, sig], 'BadHolderSignature', [ticket]);
      await bad(await sign(bob, first, until));
      await bad(await sign(alice, first + 1n, until)); // signed for the other ticket
      await bad(await sign(alice, first, until + 1n)); // another validUntil
      await bad(await sign(alice, first, until, { ...domain, chainId: CHAIN_ID + 1 }));
      await bad(await sign(alice, first, until, { ...domain, verifyingContract: fresh() }));
      await bad(await sign(alice, first, until, domain, bob.address)); // claims another holder
      await bad('0x');
      await bad(`0x${'11'.repeat(65)}`);
      // after a resale the previous holder's signature is worthless, the new holder's works
      const old = await sign(alice, first, until);
      await send(tix, alice, 'listForResale', [first, GA_PRICE, bob.address]);
      await send(tix, bob, 'buyResale', [first], GA_PRICE);
      await bad(old);
      await send(tix, organiser, 'checkIn', [first, until, await sign(bob, first, until)]);
    });

    test('a contract holder (ERC-1271) checks in with its owner\'s signature', async () => {
      const { id, params } = await createEvent();
      const { contract: actor } = await deploy('MiscActor', dave);
      const actorAddr = await actor.getAddress();
      await send(actor, dave, 'exec', [tixAddr, tix.interface.encodeFunctionData('buy', [id, 0n, 1n])], GA_PRICE);
      const ticket = 1n;
      assert.equal(await read(tix, 'ownerOf', [ticket]), actorAddr);
      await mineAt(chain, params.start);
      const until = params.start + 600n;
      const byOwner = await dave.signTypedData(domain, CHECK_IN_TYPES, { ticketId: ticket, holder: actorAddr, validUntil: until });
      const byOther = await alice.signTypedData(domain, CHECK_IN_TYPES, { ticketId: ticket, holder: actorAddr, validUntil: until });
      await expectRevert(tix, organiser, 'checkIn', [ticket, until, byOther], 'BadHolderSignature', [ticket]);
      const r = await send(tix, organiser, 'checkIn', [ticket, until, byOwner]);
      gas.record('checkIn (ERC-1271 holder)', r);
      expectEvent(r, tix, 'CheckedIn', [id, ticket, actorAddr, organiser.address]);
    });
  });

  // ------------------------------------------------------------ cancellation and refunds

  describe('cancellation and refunds', () => {
    test('the organiser cancels; every buyer pulls back exactly what it paid (primary and resale); sellers get nothing', async () => {
      const { id } = await createEvent();
      const { first } = await buy(id, 0n, 2n, alice);
      await buy(id, 1n, 1n, bob);
      await send(tix, alice, 'listForResale', [first, GA_PRICE + 5n, ZERO_ADDRESS]);
      await send(tix, carol, 'buyResale', [first], GA_PRICE + 5n);
      await expectRevert(tix, stranger, 'cancelEvent', [id], 'NotOrganiser', [id, stranger.address]);
      await expectRevert(tix, alice, 'claimRefund', [id, alice.address], 'WrongPhase', [id, Phase.Upcoming]);
      const c = await send(tix, organiser, 'cancelEvent', [id]);
      gas.record('cancelEvent', c);
      expectEvent(c, tix, 'EventCancelled', [id, organiser.address]);
      assert.equal(await phase(id), Phase.Cancelled);
      await expectRevert(tix, organiser, 'cancelEvent', [id], 'WrongPhase', [id, Phase.Cancelled]);
      await expectRevert(tix, organiser, 'cancelEvent', [id + 1n], 'UnknownEvent', [id + 1n]);
      await expectRevert(tix, alice, 'listForResale', [first + 1n, 1n, ZERO_ADDRESS], 'WrongPhase', [id, Phase.Cancelled]);
      await expectRevert(tix, alice, 'withdrawResaleProceeds', [id, alice.address], 'WrongPhase', [id, Phase.Cancelled]);
      await expectRevert(tix, stranger, 'withdrawProceeds', [id], 'WrongPhase', [id, Phase.Cancelled]);
      const expected = new Map([[alice, 2n * GA_PRICE], [bob, VIP_PRICE], [carol, GA_PRICE + 5n]]);
      let total = 0n;
      for (const [who, amount] of expected) {
        const to = fresh();
        await expectRevert(tix, who, 'claimRefund', [id, ZERO_ADDRESS], 'ZeroAddress');
        const r = await send(tix, who, 'claimRefund', [id, to]);
        gas.record('claimRefund', r);
        expectEvent(r, tix, 'Refunded', [id, who.address, to, amount]);
        assert.equal(await cmt(to), amount);
        total += amount;
        await expectRevert(tix, who, 'claimRefund', [id, to], 'NothingToWithdraw');
        await assertSolvent();
      }
      await expectRevert(tix, stranger, 'claimRefund', [id, stranger.address], 'NothingToWithdraw');
      const e = await info(id);
      assert.equal(total, e.primarySales + e.resaleVolume);
      assert.equal(e.held, 0n);
      assert.equal(await cmt(tixAddr), 0n);
    });

    test('anyone cancels an event that ended without a check-in; the organiser may cancel until settlement, not after', async () => {
      const { id, params } = await createEvent();
      await buy(id, 0n, 1n, alice);
      await mineAt(chain, params.start);
      assert.equal(await phase(id), Phase.Live);
      await expectRevert(tix, stranger, 'cancelEvent', [id], 'NotOrganiser', [id, stranger.address]);
      await mineAt(chain, params.end);
      assert.equal(await phase(id), Phase.Unattended);
      await expectRevert(tix, stranger, 'withdrawProceeds', [id], 'WrongPhase', [id, Phase.Unattended]);
      await mineAt(chain, params.end + REFUND_WINDOW + 100n);
      assert.equal(await phase(id), Phase.Unattended, 'never settles without a check-in');
      const r = await send(tix, stranger, 'cancelEvent', [id]);
      expectEvent(r, tix, 'EventCancelled', [id, stranger.address]);
      await send(tix, alice, 'claimRefund', [id, alice.address]);

      // attended: the organiser can cancel during the refund window, nobody else, and nobody after it
      const b = await createEvent();
      const { first } = await buy(b.id, 0n, 1n, alice);
      await checkInAt(b.params.start, first, alice);
      await mineAt(chain, b.params.end);
      assert.equal(await phase(b.id), Phase.RefundWindow);
      await expectRevert(tix, stranger, 'cancelEvent', [b.id], 'NotOrganiser', [b.id, stranger.address]);
      await mineAt(chain, b.params.end + REFUND_WINDOW - 2n);
      await expectRevert(tix, alice, 'withdrawResaleProceeds', [b.id, alice.address], 'WrongPhase', [b.id, Phase.RefundWindow]);
      const s = await snapshot(chain);
      await setNextTimestamp(chain, b.params.end + REFUND_WINDOW - 1n); // the last second of the window
      await send(tix, organiser, 'cancelEvent', [b.id]);
      await send(tix, alice, 'claimRefund', [b.id, alice.address]);
      await revertTo(chain, s);
      await mineAt(chain, b.params.end + REFUND_WINDOW);
      assert.equal(await phase(b.id), Phase.Settled);
      await expectRevert(tix, organiser, 'cancelEvent', [b.id], 'WrongPhase', [b.id, Phase.Settled]);
    });
  });

  // ------------------------------------------------------------ proceeds

  describe('proceeds', () => {
    test('after the refund window anyone pays the primary sales to the payee, once; sellers pull their resale proceeds', async () => {
      const { id, params } = await createEvent();
      const { first } = await buy(id, 0n, 2n, alice);
      await buy(id, 1n, 1n, bob);
      await send(tix, alice, 'listForResale', [first, GA_PRICE + 7n, ZERO_ADDRESS]);
      await send(tix, carol, 'buyResale', [first], GA_PRICE + 7n);
      await checkInAt(params.start, first, carol);
      await expectRevert(tix, stranger, 'setPayee', [id, stranger.address], 'NotOrganiser', [id, stranger.address]);
      await expectRevert(tix, organiser, 'setPayee', [id, ZERO_ADDRESS], 'ZeroAddress');
      const payee = fresh();
      const pc = await send(tix, organiser, 'setPayee', [id, payee]);
      expectEvent(pc, tix, 'PayeeChanged', [id, payee]);
      await mineAt(chain, params.end + REFUND_WINDOW - 1n);
      await expectRevert(tix, stranger, 'withdrawProceeds', [id], 'WrongPhase', [id, Phase.RefundWindow]);
      await setNextTimestamp(chain, params.end + REFUND_WINDOW);
      const r = await send(tix, stranger, 'withdrawProceeds', [id]);
      gas.record('withdrawProceeds', r);
      expectEvent(r, tix, 'ProceedsWithdrawn', [id, payee, 2n * GA_PRICE + VIP_PRICE]);
      assert.equal(await cmt(payee), 2n * GA_PRICE + VIP_PRICE);
      await expectRevert(tix, stranger, 'withdrawProceeds', [id], 'ProceedsAlreadyWithdrawn', [id]);
      await expectRevert(tix, alice, 'claimRefund', [id, alice.address], 'WrongPhase', [id, Phase.Settled]);
      const to = fresh();
      await expectRevert(tix, alice, 'withdrawResaleProceeds', [id, ZERO_ADDRESS], 'ZeroAddress');
      const w = await send(tix, alice, 'withdrawResaleProceeds', [id, to]);
      gas.record('withdrawResaleProceeds', w);
      expectEvent(w, tix, 'ResaleProceedsWithdrawn', [id, alice.address, to, GA_PRICE + 7n]);
      assert.equal(await cmt(to), GA_PRICE + 7n);
      await expectRevert(tix, alice, 'withdrawResaleProceeds', [id, to], 'NothingToWithdraw');
      await expectRevert(tix, bob, 'withdrawResaleProceeds', [id, to], 'NothingToWithdraw');
      assert.equal((await info(id)).held, 0n);
      assert.equal(await cmt(tixAddr), 0n);
      assert.equal((await info(id)).proceedsWithdrawn, true);
    });
  });

  // ------------------------------------------------------------ hostile receivers

  describe('reentrancy and receivers that refuse CMT', () => {
    test('a buyer contract re-entering claimRefund (or buy) from its receive() gets nothing more', async () => {
      const { id } = await createEvent();
      const { contract: actor } = await deploy('MiscActor', dave);
      const actorAddr = await actor.getAddress();
      await send(actor, dave, 'exec', [tixAddr, tix.interface.encodeFunctionData('buy', [id, 0n, 2n])], 2n * GA_PRICE);
      await buy(id, 0n, 1n, alice);
      await send(tix, organiser, 'cancelEvent', [id]);
      await send(actor, dave, 'setHook', [tixAddr, tix.interface.encodeFunctionData('claimRefund', [id, actorAddr])]);
      await send(actor, dave, 'exec', [tixAddr, tix.interface.encodeFunctionData('claimRefund', [id, actorAddr])]);
      assert.equal(await read(actor, 'hookRuns'), 1n);
      assert.equal(await read(actor, 'lastHookSucceeded'), false);
      assert.equal(await read(actor, 'lastHookData'), errorData('ReentrancyGuardReentrantCall'));
      assert.equal(await cmt(actorAddr), 2n * GA_PRICE, 'refunded exactly once');
      assert.equal(await cmt(tixAddr), GA_PRICE, "alice's refund is still there");
      await assertSolvent();
    });

    test('a payee or seller contract re-entering withdrawProceeds / withdrawResaleProceeds gets nothing more', async () => {
      const { contract: actor } = await deploy('MiscActor', dave);
      const actorAddr = await actor.getAddress();
      const { id, params } = await createEvent({ payee: actorAddr });
      // the actor also bought a ticket and resold it
      await send(actor, dave, 'exec', [tixAddr, tix.interface.encodeFunctionData('buy', [id, 0n, 1n])], GA_PRICE);
      await send(actor, dave, 'exec', [tixAddr, tix.interface.encodeFunctionData('listForResale', [1n, GA_PRICE, ZERO_ADDRESS])]);
      await send(tix, bob, 'buyResale', [1n], GA_PRICE);
      const { first } = await buy(id, 0n, 1n, alice);
      await checkInAt(params.start, first, alice);
      await mineAt(chain, params.end + REFUND_WINDOW);
      await send(actor, dave, 'setHook', [tixAddr, tix.interface.encodeFunctionData('withdrawProceeds', [id])]);
      await send(tix, stranger, 'withdrawProceeds', [id]);
      assert.equal(await read(actor, 'lastHookData'), errorData('ReentrancyGuardReentrantCall'));
      assert.equal(await cmt(actorAddr), 2n * GA_PRICE);
      await send(actor, dave, 'setHook', [tixAddr, tix.interface.encodeFunctionData('withdrawResaleProceeds', [id, actorAddr])]);
      await send(actor, dave, 'exec', [tixAddr, tix.interface.encodeFunctionData('withdrawResaleProceeds', [id, actorAddr])]);
      assert.equal(await read(actor, 'hookRuns'), 2n);
      assert.equal(await read(actor, 'lastHookData'), errorData('ReentrancyGuardReentrantCall'));
      assert.equal(await cmt(actorAddr), 3n * GA_PRICE);
      assert.equal(await cmt(tixAddr), 0n);
    });

    test('a receiver that refuses CMT only blocks its own payment; it can redirect it', async () => {
      const { contract: actor } = await deploy('MiscActor', dave);
      const actorAddr = await actor.getAddress();
      await send(actor, dave, 'setRejectCmt', [true]);
      const { id, params } = await createEvent({ payee: actorAddr });
      await send(actor, dave, 'exec', [tixAddr, tix.interface.encodeFunctionData('buy', [id, 0n, 1n])], GA_PRICE);
      const { first } = await buy(id, 0n, 1n, alice);
      await checkInAt(params.start, first, alice);
      await mineAt(chain, params.end + REFUND_WINDOW);
      await expectRevert(tix, stranger, 'withdrawProceeds', [id], 'PaymentFailed', [actorAddr, 2n * GA_PRICE]);
      const payee = fresh();
      await send(tix, organiser, 'setPayee', [id, payee]);
      await send(tix, stranger, 'withdrawProceeds', [id]);
      assert.equal(await cmt(payee), 2n * GA_PRICE);
      // a refund to a refusing contract: the contract claims to another address instead
      const e2 = await createEvent();
      await send(actor, dave, 'exec', [tixAddr, tix.interface.encodeFunctionData('buy', [e2.id, 0n, 1n])], GA_PRICE);
      await send(tix, organiser, 'cancelEvent', [e2.id]);
      const call = tix.interface.encodeFunctionData('claimRefund', [e2.id, actorAddr]);
      await expectRevert(actor, dave, 'exec', [tixAddr, call], 'PaymentFailed', [actorAddr, GA_PRICE]);
      const sink = fresh();
      await send(actor, dave, 'exec', [tixAddr, tix.interface.encodeFunctionData('claimRefund', [e2.id, sink])]);
      assert.equal(await cmt(sink), GA_PRICE);
    });
  });

  // ------------------------------------------------------------ property

  describe('money invariants (fast-check)', () => {
    const seed = Number(process.env['FC_SEED'] ?? 20240614);

    const planArb = fc.record({
      prices: fc.array(fc.bigInt({ min: 0n, max: 5n * ONE_CMT }), { minLength: 4, maxLength: 4 }),
      caps: fc.array(fc.constantFrom(0n, 10_000n, 12_500n), { minLength: 2, maxLength: 2 }),
      actions: fc.array(
        fc.oneof(
          { weight: 3, arbitrary: fc.record({ kind: fc.constant('buy' as const), ev: fc.nat({ max: 1 }), cls: fc.nat({ max: 1 }), who: fc.nat({ max: 3 }), quantity: fc.integer({ min: 1, max: 3 }) }) },
          { weight: 2, arbitrary: fc.record({ kind: fc.constant('resell' as const), ev: fc.nat({ max: 1 }), to: fc.nat({ max: 3 }), pick: fc.nat({ max: 20 }), priceBps: fc.integer({ min: 0, max: 15_000 }) }) },
        ),
        { minLength: 3, maxLength: 12 },
      ),
      outcomes: fc.array(fc.constantFrom('cancel' as const, 'settle' as const, 'unattended' as const), { minLength: 2, maxLength: 2 }),
    });

    test('refunds are exactly what each buyer paid; payees and sellers get exactly theirs; out never exceeds in', { timeout: 120_000 }, async () => {
      const people = [alice, bob, carol, dave];
      const stats = { cancel: 0, settle: 0, unattended: 0, resales: 0, refunds: 0 };
      await fc.assert(
        fc.asyncProperty(planArb, async (plan) => {
          const base = await snapshot(chain);
          try {
            const now = await latestTimestamp(chain);
            const start = now + 5n * BigInt(DAY);
            const events: { id: bigint; params: EventParams; prices: bigint[] }[] = [];
            for (let i = 0; i < 2; i++) {
              const prices = [plan.prices[2 * i]!, plan.prices[2 * i + 1]!];
              const classes = prices.map((price) => ({ price, supply: 8n, maxPerBuyer: 0n, saleStart: now, saleEnd: start }));
              const { id, params } = await createEvent({ start, end: start + BigInt(HOUR), resaleCapBps: plan.caps[i]!, payee: fresh() }, classes);
              events.push({ id, params, prices });
            }
            // model
            const paid = new Map<string, bigint>(); // `${ev}:${addr}` -> wei paid in
            const proceeds = new Map<string, bigint>(); // resale proceeds
            const primary = [0n, 0n];
            const sold = [[0n, 0n], [0n, 0n]];
            const holders = [new Map<bigint, Wallet>(), new Map<bigint, Wallet>()]; // ticket -> holder, per event
            const face = new Map<bigint, bigint>();
            const add = (m: Map<string, bigint>, k: string, v: bigint) => m.set(k, (m.get(k) ?? 0n) + v);
            let paidIn = 0n;
            let paidOut = 0n;
            for (const a of plan.actions) {
              const ev = events[a.ev]!;
              if (a.kind === 'buy') {
                const price = ev.prices[a.cls]!;
                const q = BigInt(a.quantity);
                if (sold[a.ev]![a.cls]! + q > 8n) {
                  await expectRevert(tix, people[a.who]!, 'buy', [ev.id, a.cls, q], 'SoldOut', [ev.id, BigInt(a.cls), 8n - sold[a.ev]![a.cls]!], price * q);
                  continue;
                }
                const { first } = await buy(ev.id, BigInt(a.cls), q, people[a.who]!, price);
                for (let t = first; t < first + q; t++) {
                  holders[a.ev]!.set(t, people[a.who]!);
                  face.set(t, price);
                }
                sold[a.ev]![a.cls]! += q;
                primary[a.ev]! += price * q;
                add(paid, `${a.ev}:${people[a.who]!.address}`, price * q);
                paidIn += price * q;
              } else {
                const all = [...holders[a.ev]!.entries()];
                if (all.length === 0) continue;
                const [ticket, seller] = all[a.pick % all.length]!;
                const buyer = people[a.to]!;
                const capBps = plan.caps[a.ev]!;
                const cap = capBps === 0n ? MAX_UINT256 : (face.get(ticket)! * capBps) / 10_000n;
                const price = (face.get(ticket)! * BigInt(a.priceBps)) / 10_000n;
                if (price > cap) {
                  await expectRevert(tix, seller, 'listForResale', [ticket, price, ZERO_ADDRESS], 'PriceAboveCap', [ticket, price, cap]);
                  continue;
                }
                await send(tix, seller, 'listForResale', [ticket, price, ZERO_ADDRESS]);
                if (buyer === seller) {
                  await expectRevert(tix, buyer, 'buyResale', [ticket], 'OwnTicket', [ticket], price);
                  await send(tix, seller, 'cancelResale', [ticket]);
                  continue;
                }
                await send(tix, buyer, 'buyResale', [ticket], price);
                holders[a.ev]!.set(ticket, buyer);
                add(paid, `${a.ev}:${buyer.address}`, price);
                add(proceeds, `${a.ev}:${seller.address}`, price);
                paidIn += price;
                stats.resales++;
              }
              await assertSolvent();
              assert.equal(await cmt(tixAddr), paidIn - paidOut);
            }
            // outcomes: check in one ticket for 'settle' (if any was sold), then move past both refund windows
            for (let i = 0; i < 2; i++) {
              const first = [...holders[i]!.entries()][0];
              if (plan.outcomes[i] === 'settle' && first) await checkInAt(start + BigInt(i), first[0], first[1]);
            }
            await mineAt(chain, start + BigInt(HOUR) + REFUND_WINDOW + 1n);
            for (let i = 0; i < 2; i++) {
              const ev = events[i]!;
              const attended = plan.outcomes[i] === 'settle' && holders[i]!.size > 0;
              if (attended) {
                stats.settle++;
                assert.equal(await phase(ev.id), Phase.Settled);
                await send(tix, stranger, 'withdrawProceeds', [ev.id]);
                assert.equal(await cmt(ev.params.payee), primary[i], 'the payee gets exactly the primary sales');
                paidOut += primary[i]!;
                for (const p of people) {
                  const owed = proceeds.get(`${i}:${p.address}`) ?? 0n;
                  await expectRevert(tix, p, 'claimRefund', [ev.id, p.address], 'WrongPhase', [ev.id, Phase.Settled]);
                  if (owed === 0n) {
                    await expectRevert(tix, p, 'withdrawResaleProceeds', [ev.id, p.address], 'NothingToWithdraw');
                    continue;
                  }
                  const to = fresh();
                  await send(tix, p, 'withdrawResaleProceeds', [ev.id, to]);
                  assert.equal(await cmt(to), owed, 'a seller gets exactly its resale proceeds');
                  paidOut += owed;
                  assert.ok(paidOut <= paidIn, 'never pays out more than was paid in');
                }
              } else {
                assert.equal(await phase(ev.id), Phase.Unattended);
                if (plan.outcomes[i] === 'cancel') {
                  stats.cancel++;
                  await send(tix, organiser, 'cancelEvent', [ev.id]);
                } else {
                  stats.unattended++;
                  await send(tix, stranger, 'cancelEvent', [ev.id]);
                }
                await expectRevert(tix, stranger, 'withdrawProceeds', [ev.id], 'WrongPhase', [ev.id, Phase.Cancelled]);
                for (const p of people) {
                  const owed = paid.get(`${i}:${p.address}`) ?? 0n;
                  assert.equal(await read(tix, 'paidBy', [ev.id, p.address]), owed);
                  if (owed === 0n) {
                    await expectRevert(tix, p, 'claimRefund', [ev.id, p.address], 'NothingToWithdraw');
                    continue;
                  }
                  const to = fresh();
                  await send(tix, p, 'claimRefund', [ev.id, to]);
                  assert.equal(await cmt(to), owed, 'a refund is exactly what the buyer paid');
                  paidOut += owed;
                  stats.refunds++;
                  assert.ok(paidOut <= paidIn, 'never pays out more than was paid in');
                }
              }
              assert.equal((await info(ev.id)).held, 0n);
              await assertSolvent();
            }
            assert.equal(paidOut, paidIn, 'in the end everything paid in is paid out');
            assert.equal(await cmt(tixAddr), 0n);
          } finally {
            await revertTo(chain, base);
          }
        }),
        { numRuns: Number(process.env['FC_RUNS'] ?? 6), seed, endOnFailure: true },
      );
      if (process.env['FC_DEBUG']) console.log(stats);
      if (process.env['FC_SEED'] === undefined) {
        assert.ok(stats.settle > 0 && stats.cancel + stats.unattended > 0 && stats.resales > 0 && stats.refunds > 1, `too little exercised: ${JSON.stringify(stats)}`);
      }
    });
  });
});
