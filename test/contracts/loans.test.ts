/**
 * LoanBook (peer-to-peer loans) on a real automining dev node, with the real CreditHistory, AttestationRegistry
 * and Reputation contracts around it: offers and requests (escrow, validation of every term, cancellation by the
 * maker or by anyone after expiry), taking a loan (acceptOffer, fundRequest -> drawdown or cancelLoan), identity-
 * backed loans refused without the attestation and allowed with it, a minimum reputation, repayment along the
 * schedule, the state machine Scheduled -> Active -> Late -> Defaulted -> Recovered / WrittenOff and Repaid with
 * every deadline checked at its exact second and every default exit pushed by a third party, collateral seizure
 * with the surplus returned, the history records each step writes, and money safety (pull payments, the solvency
 * check, fee-on-transfer and shrinking tokens, re-entry from a malicious token and from a malicious receiver).
 * Two fast-check properties: the schedule and seizure rule against bigint references, and random loan lives
 * against a model (payments never exceed principal + interest, the lender never receives more than what is owed
 * plus the collateral, collateral always ends returned or seized, the contract's holdings equal its liabilities,
 * and the credit history equals a replay of its events). Each test starts from the same deployed state.
 *
 * GAS_REPORT=<dir> writes the gas used by the main functions to <dir>/loans.md.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hexlify, randomBytes } from 'ethers';
import type { Contract, LogDescription, TransactionReceipt, Wallet } from 'ethers';
import fc from 'fast-check';
import {
  CMT, DAY, HistoryReference, KYC, LoanStatus, MAX_UINT128, MAX_UINT256, PostKind, PostStatus, RecordState, WAD, ZERO_HASH,
  allErrors, allEventsOf, attestKyc, balanceOf, blockTime, commitment, createGasReport, decodeRevert, deploy, deployCredit,
  emptySummary, eventsOf, expectDeployRevert, expectEvent, expectNoEvent, expectRevert, fcRuns, fcSeed, gasCost,
  latestTimestamp, mineAt, read, readStruct, referenceSchedule, referenceSeizure, referenceTotalDue, revertTo, send,
  sendRaw, setNextTimestamp, snapshot, startChain, termsTuple,
} from './creditFixtures.ts';
import type { Chain, Credit, LoanView, PostView, Summary, Terms } from './creditFixtures.ts';

const UNIT = 10n ** 18n;
const INTERVAL = 30 * DAY;
const GRACE = 3 * DAY;
const DEFAULT_DELAY = 7 * DAY;
const RECOVERY = 30 * DAY;
const POST_TTL = 7n * BigInt(DAY);

describe('LoanBook on a dev node', () => {
  let chain: Chain;
  let env: Credit;
  let book: Contract;
  let bookAddr: string;
  let history: Contract;
  let usd: string;
  let gold: string;
  let l1: Wallet;
  let l2: Wallet;
  let b1: Wallet;
  let b2: Wallet;
  let stranger: Wallet;
  let keeper: Wallet;
  let spare: Wallet;
  let REENTRANT = '';
  let snap = '';
  const gas = createGasReport();

  before(async () => {
    chain = await startChain();
    env = await deployCredit(chain);
    ({ book, bookAddr, history, stranger, keeper, spare } = env);
    usd = env.usdAddr;
    gold = env.goldAddr;
    [l1, l2] = env.lenders;
    [b1, b2] = env.borrowers;
    await attestKyc(env, b1, hexlify(randomBytes(32)));
    REENTRANT = allErrors().getError('ReentrancyGuardReentrantCall')!.selector;
    gas.record('deploy CreditHistory', env.deployGas.CreditHistory);
    gas.record('deploy LoanBook', env.deployGas.LoanBook);
  });

  after(async () => {
    gas.write('loans');
    await chain?.stop();
  });

  beforeEach(async () => {
    snap = await snapshot(chain);
  });

  afterEach(async () => {
    await revertTo(chain, snap);
  });

  // ------------------------------------------------------------ helpers

  /** Three monthly instalments of 1000 usd, 10% a year, 5000 gold collateral at one gold per usd. */
  function terms(over: Partial<Terms> = {}): Terms {
    return {
      asset: usd, instalments: 3, interval: INTERVAL, gracePeriod: GRACE, collateralAsset: gold, defaultDelay: DEFAULT_DELAY,
      recoveryPeriod: RECOVERY, minRatings: 0, principal: 3000n * UNIT, collateralAmount: 5000n * UNIT, rateWad: WAD / 10n,
      collateralPerDebtWad: WAD, issuerSetId: 0n, minAverageX100: 0, identityKind: ZERO_HASH, ...over,
    };
  }

  /** Unsecured terms backed by a KYC attestation from the fixture's issuer set. */
  function unsecured(over: Partial<Terms> = {}): Terms {
    return terms({ collateralAsset: CMT, collateralAmount: 0n, collateralPerDebtWad: 0n, identityKind: KYC, issuerSetId: env.issuerSetId, ...over });
  }

  async function expiry(ttl = POST_TTL): Promise<bigint> {
    return (await latestTimestamp(chain)) + ttl;
  }

  async function postOffer(lender: Wallet, t: Terms, ttl = POST_TTL): Promise<{ postId: bigint; receipt: TransactionReceipt; expiresAt: bigint }> {
    const expiresAt = await expiry(ttl);
    const receipt = await send(book, lender, 'postOffer', [t, expiresAt], t.asset === CMT ? t.principal : 0n);
    return { postId: eventsOf(receipt, book, 'OfferPosted')[0]!.args[0] as bigint, receipt, expiresAt };
  }

  async function postRequest(borrower: Wallet, t: Terms, ttl = POST_TTL): Promise<{ postId: bigint; receipt: TransactionReceipt; expiresAt: bigint }> {
    const expiresAt = await expiry(ttl);
    const value = t.collateralAsset === CMT ? t.collateralAmount : 0n;
    const receipt = await send(book, borrower, 'postRequest', [t, expiresAt], value);
    return { postId: eventsOf(receipt, book, 'RequestPosted')[0]!.args[0] as bigint, receipt, expiresAt };
  }

  async function accept(borrower: Wallet, postId: bigint, t: Terms): Promise<{ loanId: bigint; receipt: TransactionReceipt }> {
    const receipt = await send(book, borrower, 'acceptOffer', [postId], t.collateralAsset === CMT ? t.collateralAmount : 0n);
    return { loanId: eventsOf(receipt, book, 'LoanCreated')[0]!.args[0] as bigint, receipt };
  }

  async function fund(lender: Wallet, postId: bigint, t: Terms): Promise<{ loanId: bigint; receipt: TransactionReceipt }> {
    const receipt = await send(book, lender, 'fundRequest', [postId], t.asset === CMT ? t.principal : 0n);
    return { loanId: eventsOf(receipt, book, 'LoanCreated')[0]!.args[0] as bigint, receipt };
  }

  /** An offer by `lender` accepted by `borrower`: a running (Active) loan. */
  async function openLoan(t = terms(), lender = l1, borrower = b1): Promise<{ loanId: bigint; loan: LoanView; receipt: TransactionReceipt }> {
    const { postId } = await postOffer(lender, t);
    const { loanId, receipt } = await accept(borrower, postId, t);
    return { loanId, loan: await loanOf(loanId), receipt };
  }

  async function repay(payer: Wallet, loanId: bigint, amount: bigint, t: Terms): Promise<TransactionReceipt> {
    return send(book, payer, 'repay', [loanId, amount], t.asset === CMT ? amount : 0n);
  }

  async function loanOf(loanId: bigint): Promise<LoanView> {
    return readStruct<LoanView>(book, 'getLoan', [loanId]);
  }

  async function postOf(postId: bigint): Promise<PostView> {
    return readStruct<PostView>(book, 'getPost', [postId]);
  }

  async function owed(account: string, asset: string): Promise<bigint> {
    return read<bigint>(book, 'owed', [account, asset]);
  }

  async function summary(borrower: string, asset = usd): Promise<Summary> {
    return readStruct<Summary>(history, 'summary', [borrower, asset]);
  }

  function statusChanges(receipt: TransactionReceipt, loanId: bigint): [bigint, bigint][] {
    return eventsOf(receipt, book, 'LoanStatusChanged')
      .filter((e) => e.args[0] === loanId)
      .map((e) => [e.args[1] as bigint, e.args[2] as bigint]);
  }

  /** The book holds exactly what it owes in each asset (nothing sent to it outside the tests' calls). */
  async function assertBacked(...assets: string[]): Promise<void> {
    const pairs = await Promise.all(assets.map((asset) => Promise.all([balanceOf(env, asset, bookAddr), read<bigint>(book, 'liabilities', [asset])])));
    pairs.forEach(([held, owes], k) => assert.equal(held, owes, `holdings of ${assets[k]} equal liabilities`));
  }

  function schedule(t: Terms): { due: bigint[]; cum: bigint[]; total: bigint } {
    const s = referenceSchedule(t.principal, t.instalments, t.rateWad, t.interval);
    const due = s.map((x) => x.principalPart + x.interestPart);
    const cum: bigint[] = [];
    due.reduce((acc, d) => {
      cum.push(acc + d);
      return acc + d;
    }, 0n);
    return { due, cum, total: cum[cum.length - 1]! };
  }

  // ------------------------------------------------------------ deployment and views

  describe('deployment and views', () => {
    test('the constructor stores its registries and refuses a missing credit history', async () => {
      assert.equal(await read(book, 'creditHistory'), await history.getAddress());
      assert.equal(await read(book, 'identity'), await env.registry.getAddress());
      assert.equal(await read(book, 'reputation'), await env.reputation.getAddress());
      assert.equal(await read(book, 'MAX_INSTALMENTS'), 60n);
      assert.equal(await read(book, 'DRAW_PERIOD'), BigInt(3 * DAY));
      assert.equal(await read(book, 'MAX_RATE_WAD'), 10n * WAD);
      assert.equal(await read(book, 'postCount'), 0n);
      assert.equal(await read(book, 'loanCount'), 0n);
      assert.equal(await read(history, 'hasRole', [env.recorderRole, bookAddr]), true);
      await expectDeployRevert('LoanBook', env.admin, [CMT, CMT, CMT], 'ZeroAddress', []);
      assert.equal((await loanOf(1n)).status, LoanStatus.None); // getLoan returns zeros for an unknown id
      await expectRevert(book, stranger, 'termsOf', [1n], 'UnknownLoan', [1n]);
      await expectRevert(book, stranger, 'outstanding', [1n], 'UnknownLoan', [1n]);
      await expectRevert(book, stranger, 'deadlineOf', [1n], 'UnknownLoan', [1n]);
    });

    test('instalmentOf and totalDueOf follow the reference schedule, rounding interest up per instalment', async () => {
      const t = terms({ principal: 1000n, rateWad: WAD / 10n });
      const ref = referenceSchedule(1000n, 3, WAD / 10n, INTERVAL);
      assert.deepEqual(ref.map((x) => x.principalPart), [333n, 333n, 334n]);
      // 1000 * 10% * 30/365 = 8.219... -> 9; 667 * ... = 5.48 -> 6; 334 * ... = 2.74 -> 3
      assert.deepEqual(ref.map((x) => x.interestPart), [9n, 6n, 3n]);
      for (let i = 1; i <= 3; i++) {
        const r = await read<bigint[]>(book, 'instalmentOf', [t, i]);
        assert.deepEqual([...r], [ref[i - 1]!.dueOffset, ref[i - 1]!.principalPart, ref[i - 1]!.interestPart]);
      }
      assert.equal(await read(book, 'totalDueOf', [t]), 1018n);
      assert.equal(await read(book, 'totalDueOf', [terms({ rateWad: 0n })]), 3000n * UNIT);
      await expectRevert(book, stranger, 'instalmentOf', [t, 0], 'BadInstalmentIndex', [0n]);
      await expectRevert(book, stranger, 'instalmentOf', [t, 4], 'BadInstalmentIndex', [4n]);
      await expectRevert(book, stranger, 'instalmentOf', [terms({ instalments: 0 }), 1], 'BadInstalments', [0n]);
      await expectRevert(book, stranger, 'totalDueOf', [terms({ instalments: 61 })], 'BadInstalments', [61n]);
      await expectRevert(book, stranger, 'totalDueOf', [terms({ rateWad: 10n * WAD + 1n })], 'RateTooHigh', [10n * WAD + 1n]);
    });

    test('seizure: the claim is rounded up, the debt covered by short collateral rounded down', async () => {
      const cases: [bigint, bigint, bigint][] = [
        [100n, 500n, WAD], [100n, 100n, WAD], [100n, 99n, WAD], [3n, 10n, WAD / 2n], [10n, 3n, (2n * WAD) / 3n],
        [7n, 1000n, 3n * WAD + 1n], [1n, 1n, 1n], [10n ** 30n, 10n ** 12n, 10n ** 6n],
      ];
      for (const [debt, collateral, rate] of cases) {
        const r = await read<bigint[]>(book, 'seizure', [debt, collateral, rate]);
        const ref = referenceSeizure(debt, collateral, rate);
        assert.deepEqual([...r], [ref.seized, ref.covered], `seizure(${debt}, ${collateral}, ${rate})`);
      }
      // 3 debt at 0.5 gold each: 1.5 rounds up to 2 gold for the lender
      assert.deepEqual([...(await read<bigint[]>(book, 'seizure', [3n, 10n, WAD / 2n]))], [2n, 3n]);
      // 3 gold cover 4.5 debt at 2/3 gold each: only 4 count as covered
      assert.deepEqual([...(await read<bigint[]>(book, 'seizure', [10n, 3n, (2n * WAD) / 3n]))], [3n, 4n]);
    });
  });

  // ------------------------------------------------------------ posts

  describe('offers and requests', () => {
    test('postOffer escrows the principal (ERC-20 or CMT) and emits the terms', async () => {
      const t = terms();
      const before = await balanceOf(env, usd, l1.address);
      const { postId, receipt, expiresAt } = await postOffer(l1, t);
      gas.record('postOffer (ERC-20 principal, 3 instalments)', receipt);
      assert.equal(postId, 1n);
      expectEvent(receipt, book, 'OfferPosted', [1n, l1.address, termsTuple(t), expiresAt]);
      assert.equal(before - (await balanceOf(env, usd, l1.address)), t.principal);
      const post = await postOf(postId);
      assert.equal(post.maker, l1.address);
      assert.equal(post.kind, PostKind.Offer);
      assert.equal(post.status, PostStatus.Open);
      assert.equal(post.expiresAt, expiresAt);
      assert.deepEqual(Object.values(post.terms), termsTuple(t));
      assert.equal(await read(book, 'liabilities', [usd]), t.principal);
      const tc = terms({ asset: CMT, principal: 5n * UNIT, instalments: 12 });
      const r2 = await postOffer(l2, tc);
      gas.record('postOffer (CMT principal, 12 instalments)', r2.receipt);
      assert.equal(r2.postId, 2n);
      assert.equal(await read(book, 'liabilities', [CMT]), 5n * UNIT);
      await assertBacked(usd, CMT, gold);
    });

    test('postOffer validates every term and the CMT sent', async () => {
      const exp = await expiry();
      const bad: [Partial<Terms>, string, unknown[]][] = [
        [{ asset: stranger.address }, 'NotAToken', [stranger.address]],
        [{ principal: 0n }, 'ZeroPrincipal', []],
        [{ instalments: 0 }, 'BadInstalments', [0n]],
        [{ instalments: 61 }, 'BadInstalments', [61n]],
        [{ interval: 3599 }, 'BadInterval', [3599n]],
        [{ interval: 366 * DAY + 1 }, 'BadInterval', [BigInt(366 * DAY + 1)]],
        [{ gracePeriod: 90 * DAY + 1 }, 'BadGracePeriod', [BigInt(90 * DAY + 1)]],
        [{ defaultDelay: 365 * DAY + 1 }, 'BadDefaultDelay', [BigInt(365 * DAY + 1)]],
        [{ recoveryPeriod: DAY - 1 }, 'BadRecoveryPeriod', [BigInt(DAY - 1)]],
        [{ recoveryPeriod: 730 * DAY + 1 }, 'BadRecoveryPeriod', [BigInt(730 * DAY + 1)]],
        [{ rateWad: 10n * WAD + 1n }, 'RateTooHigh', [10n * WAD + 1n]],
        [{ collateralAmount: 0n }, 'BadCollateralTerms', []], // gold named, no amount
        [{ collateralAmount: 0n, collateralAsset: CMT }, 'BadCollateralTerms', []], // a seizure rate without collateral
        [{ collateralPerDebtWad: 0n }, 'BadCollateralTerms', []],
        [{ collateralAsset: stranger.address }, 'NotAToken', [stranger.address]],
        [{ collateralAmount: 0n, collateralAsset: CMT, collateralPerDebtWad: 0n }, 'UnsecuredNeedsIdentity', []],
        [{ minAverageX100: 501 }, 'BadReputationTerms', []],
      ];
      for (const [over, error, args] of bad) {
        await expectRevert(book, l1, 'postOffer', [terms(over), exp], error, args);
      }
      const huge = terms({ principal: MAX_UINT128, rateWad: 10n * WAD, instalments: 1, interval: 366 * DAY });
      await expectRevert(book, l1, 'postOffer', [huge, exp], 'AmountTooLarge', [referenceTotalDue(MAX_UINT128, 1, 10n * WAD, 366 * DAY)]);
      const now = await latestTimestamp(chain);
      await expectRevert(book, l1, 'postOffer', [terms(), now], 'BadExpiry', [now]);
      await expectRevert(book, l1, 'postOffer', [terms(), now + 365n * BigInt(DAY) + 1n], 'BadExpiry', [now + 365n * BigInt(DAY) + 1n]);
      const tc = terms({ asset: CMT, principal: 10n });
      await expectRevert(book, l1, 'postOffer', [tc, exp], 'ValueMismatch', [10n, 9n], 9n);
      await expectRevert(book, l1, 'postOffer', [terms(), exp], 'ValueMismatch', [0n, 1n], 1n);
      // the longest expiry is accepted
      await send(book, l1, 'postOffer', [terms(), (await latestTimestamp(chain)) + 365n * BigInt(DAY)]);
    });

    test('a book without registries refuses identity and reputation terms', async () => {
      const { contract: bare } = await deploy('LoanBook', env.admin, [await history.getAddress(), CMT, CMT]);
      const exp = await expiry();
      await expectRevert(bare, l1, 'postOffer', [unsecured(), exp], 'IdentityUnavailable', []);
      await expectRevert(bare, l1, 'postOffer', [terms({ minRatings: 1 }), exp], 'BadReputationTerms', []);
      await expectRevert(bare, l1, 'postOffer', [terms({ minAverageX100: 100 }), exp], 'BadReputationTerms', []);
    });

    test('postRequest escrows the collateral and checks the borrower at once', async () => {
      const t = terms();
      const before = await balanceOf(env, gold, b1.address);
      const { postId, receipt, expiresAt } = await postRequest(b1, t);
      gas.record('postRequest (ERC-20 collateral)', receipt);
      expectEvent(receipt, book, 'RequestPosted', [postId, b1.address, termsTuple(t), expiresAt]);
      assert.equal(before - (await balanceOf(env, gold, b1.address)), t.collateralAmount);
      assert.equal((await postOf(postId)).kind, PostKind.Request);
      assert.equal(await read(book, 'liabilities', [gold]), t.collateralAmount);
      // unsecured: only with the attestation
      await expectRevert(book, b2, 'postRequest', [unsecured(), expiresAt], 'NoValidAttestation', [b2.address, KYC, env.issuerSetId]);
      const r = await postRequest(b1, unsecured());
      gas.record('postRequest (unsecured, identity checked)', r.receipt);
      const tc = terms({ collateralAsset: CMT, collateralAmount: 7n });
      await expectRevert(book, b1, 'postRequest', [tc, expiresAt], 'ValueMismatch', [7n, 0n]);
      await postRequest(b1, tc);
      assert.equal(await read(book, 'liabilities', [CMT]), 7n);
      await assertBacked(usd, gold, CMT);
    });

    test('cancelPost: the maker at any time (paid now), anyone after expiry (credited), never twice', async () => {
      const t = terms();
      const { postId, expiresAt } = await postOffer(l1, t);
      await expectRevert(book, stranger, 'cancelPost', [postId], 'PostNotExpired', [postId, expiresAt]);
      const before = await balanceOf(env, usd, l1.address);
      const r = await send(book, l1, 'cancelPost', [postId]);
      gas.record('cancelPost (maker, refund pushed)', r);
      expectEvent(r, book, 'PostCancelled', [postId, l1.address]);
      expectNoEvent(r, book, 'Credited');
      assert.equal((await balanceOf(env, usd, l1.address)) - before, t.principal);
      assert.equal((await postOf(postId)).status, PostStatus.Cancelled);
      await expectRevert(book, l1, 'cancelPost', [postId], 'PostNotOpen', [postId, PostStatus.Cancelled]);
      await expectRevert(book, b1, 'acceptOffer', [postId], 'PostNotOpen', [postId, PostStatus.Cancelled]);

      const req = await postRequest(b1, t);
      await mineAt(chain, req.expiresAt); // the last second of the request: still the maker's only
      await expectRevert(book, stranger, 'cancelPost', [req.postId], 'PostNotExpired', [req.postId, req.expiresAt]);
      await setNextTimestamp(chain, req.expiresAt + 1n);
      const r2 = await send(book, stranger, 'cancelPost', [req.postId]);
      gas.record('cancelPost (anyone after expiry, credited)', r2);
      expectEvent(r2, book, 'PostCancelled', [req.postId, stranger.address]);
      expectEvent(r2, book, 'Credited', [b1.address, gold, t.collateralAmount]);
      assert.equal(await owed(b1.address, gold), t.collateralAmount);
      await expectRevert(book, stranger, 'cancelPost', [99n], 'UnknownPost', [99n]);
      assert.equal(await read(book, 'liabilities', [usd]), 0n);
      await assertBacked(usd, gold);
    });
  });

  // ------------------------------------------------------------ taking a loan

  describe('taking a loan', () => {
    test('acceptOffer: collateral in, principal out, Scheduled -> Active in one call, the history opens a record', async () => {
      const t = terms();
      const { postId } = await postOffer(l1, t);
      const usdBefore = await balanceOf(env, usd, b1.address);
      const goldBefore = await balanceOf(env, gold, b1.address);
      const { loanId, receipt } = await accept(b1, postId, t);
      gas.record('acceptOffer (ERC-20 collateral, history opened)', receipt);
      const now = await blockTime(chain, receipt);
      const total = schedule(t).total;
      assert.equal(loanId, 1n);
      expectEvent(receipt, book, 'LoanCreated', [1n, postId, b1.address, l1.address, now + BigInt(3 * DAY)]);
      assert.deepEqual(statusChanges(receipt, 1n), [[LoanStatus.None, LoanStatus.Scheduled], [LoanStatus.Scheduled, LoanStatus.Active]]);
      expectEvent(receipt, book, 'LoanStarted', [1n, now, total]);
      expectEvent(receipt, history, 'LoanOpened', [bookAddr, 1n, b1.address, l1.address, usd, t.principal]);
      assert.equal((await balanceOf(env, usd, b1.address)) - usdBefore, t.principal);
      assert.equal(goldBefore - (await balanceOf(env, gold, b1.address)), t.collateralAmount);
      const loan = await loanOf(1n);
      assert.deepEqual(loan, {
        lender: l1.address, status: LoanStatus.Active, instalmentsPaid: 0n, lateThrough: 0n, lateInstalments: 0n,
        borrower: b1.address, startAt: now, postId, drawDeadline: now + BigInt(3 * DAY), defaultedAt: 0n, repaid: 0n,
        nextCumDue: schedule(t).cum[0]!, totalDue: total, coveredByCollateral: 0n,
      });
      assert.deepEqual(Object.values(await readStruct<Record<string, unknown>>(book, 'termsOf', [1n])), termsTuple(t));
      assert.equal(await read(book, 'outstanding', [1n]), total);
      assert.equal(await read(book, 'deadlineOf', [1n]), now + BigInt(INTERVAL + GRACE));
      assert.equal((await postOf(postId)).status, PostStatus.Taken);
      assert.deepEqual(await readStruct(history, 'recordOf', [bookAddr, 1n]), { borrower: b1.address, state: RecordState.Open, asset: usd });
      const s = await summary(b1.address);
      assert.equal(s.loansTaken, 1n);
      assert.equal(s.borrowed, t.principal);
      assert.equal(await read(book, 'liabilities', [usd]), 0n);
      assert.equal(await read(book, 'liabilities', [gold]), t.collateralAmount);
      await assertBacked(usd, gold);
    });

    test('acceptOffer refuses unknown posts, requests, the lender itself, expired or taken offers and a wrong value', async () => {
      const t = terms({ collateralAsset: CMT, collateralAmount: 4n * UNIT });
      const { postId, expiresAt } = await postOffer(l1, t);
      const req = await postRequest(b1, terms());
      await expectRevert(book, b1, 'acceptOffer', [99n], 'UnknownPost', [99n]);
      await expectRevert(book, b2, 'acceptOffer', [req.postId], 'WrongPostKind', [req.postId, PostKind.Request]);
      await expectRevert(book, l2, 'fundRequest', [postId], 'WrongPostKind', [postId, PostKind.Offer]);
      await expectRevert(book, l1, 'acceptOffer', [postId], 'SelfLoan', [], 4n * UNIT);
      await expectRevert(book, b1, 'acceptOffer', [postId], 'ValueMismatch', [4n * UNIT, 0n]);
      await mineAt(chain, expiresAt + 1n);
      await expectRevert(book, b1, 'acceptOffer', [postId], 'PostExpired', [postId, expiresAt], 4n * UNIT);
    });

    test('an offer can be accepted in the last second of its life, and only once', async () => {
      const t = terms({ collateralAsset: CMT, collateralAmount: 4n * UNIT });
      const { postId, expiresAt } = await postOffer(l1, t);
      await setNextTimestamp(chain, expiresAt);
      const { receipt } = await accept(b1, postId, t);
      gas.record('acceptOffer (CMT collateral)', receipt);
      await expectRevert(book, b2, 'acceptOffer', [postId], 'PostNotOpen', [postId, PostStatus.Taken], 4n * UNIT);
      await assertBacked(CMT, usd);
    });

    test('fundRequest: a Scheduled loan the borrower draws (only it, until the draw deadline)', async () => {
      const t = terms();
      const req = await postRequest(b1, t);
      await expectRevert(book, b1, 'fundRequest', [req.postId], 'SelfLoan', []);
      const { loanId, receipt } = await fund(l1, req.postId, t);
      gas.record('fundRequest', receipt);
      const funded = await blockTime(chain, receipt);
      const drawDeadline = funded + BigInt(3 * DAY);
      expectEvent(receipt, book, 'LoanCreated', [loanId, req.postId, b1.address, l1.address, drawDeadline]);
      assert.deepEqual(statusChanges(receipt, loanId), [[LoanStatus.None, LoanStatus.Scheduled]]);
      expectNoEvent(receipt, history, 'LoanOpened');
      assert.equal((await loanOf(loanId)).status, LoanStatus.Scheduled);
      assert.equal(await read(book, 'deadlineOf', [loanId]), drawDeadline);
      assert.equal(await read(book, 'outstanding', [loanId]), 0n);
      assert.equal(await read(book, 'liabilities', [usd]), t.principal);
      assert.equal((await readStruct<{ state: bigint }>(history, 'recordOf', [bookAddr, loanId])).state, RecordState.None);
      for (const [fn, args] of [['repay', [loanId, 1n]], ['markLate', [loanId]], ['markDefault', [loanId]], ['writeOff', [loanId]]] as const) {
        await expectRevert(book, b1, fn, [...args], 'WrongLoanStatus', [loanId, LoanStatus.Scheduled]);
      }
      await expectRevert(book, stranger, 'drawdown', [loanId], 'NotBorrower', [loanId]);
      const before = await balanceOf(env, usd, b1.address);
      await setNextTimestamp(chain, drawDeadline);
      const r = await send(book, b1, 'drawdown', [loanId]);
      gas.record('drawdown', r);
      assert.deepEqual(statusChanges(r, loanId), [[LoanStatus.Scheduled, LoanStatus.Active]]);
      expectEvent(r, book, 'LoanStarted', [loanId, drawDeadline, schedule(t).total]);
      expectEvent(r, history, 'LoanOpened', [bookAddr, loanId, b1.address, l1.address, usd, t.principal]);
      assert.equal((await balanceOf(env, usd, b1.address)) - before, t.principal);
      assert.equal(await read(book, 'deadlineOf', [loanId]), drawDeadline + BigInt(INTERVAL + GRACE));
      await expectRevert(book, b1, 'drawdown', [loanId], 'WrongLoanStatus', [loanId, LoanStatus.Active]);
      await expectRevert(book, b1, 'cancelLoan', [loanId], 'WrongLoanStatus', [loanId, LoanStatus.Active]);
      await assertBacked(usd, gold);
    });

    test('fundRequest refuses unknown, expired or taken requests, a wrong value and a borrower no longer eligible', async () => {
      const t = terms({ asset: CMT, principal: 2n * UNIT });
      const req = await postRequest(b1, t);
      await expectRevert(book, l1, 'fundRequest', [99n], 'UnknownPost', [99n], t.principal);
      await expectRevert(book, l1, 'fundRequest', [req.postId], 'ValueMismatch', [t.principal, 0n]);
      const u = unsecured();
      const ureq = await postRequest(b1, u);
      await send(env.registry, env.issuer, 'revoke', [b1.address, KYC]);
      await expectRevert(book, l1, 'fundRequest', [ureq.postId], 'NoValidAttestation', [b1.address, KYC, env.issuerSetId]);
      const { loanId } = await fund(l1, req.postId, t);
      assert.equal(await read(book, 'postCount'), 2n);
      assert.equal(await read(book, 'loanCount'), loanId);
      await expectRevert(book, l2, 'fundRequest', [req.postId], 'PostNotOpen', [req.postId, PostStatus.Taken], t.principal);
      const late = await postRequest(b1, terms());
      await mineAt(chain, late.expiresAt + 1n);
      await expectRevert(book, l1, 'fundRequest', [late.postId], 'PostExpired', [late.postId, late.expiresAt]);
      await assertBacked(CMT, usd, gold);
    });

    test('cancelLoan: the borrower declines at any time; anyone after the draw deadline; both escrows go back', async () => {
      const t = terms();
      const a = await fund(l1, (await postRequest(b1, t)).postId, t);
      const goldBefore = await balanceOf(env, gold, b1.address);
      const r = await send(book, b1, 'cancelLoan', [a.loanId]);
      gas.record('cancelLoan (borrower declines)', r);
      assert.deepEqual(statusChanges(r, a.loanId), [[LoanStatus.Scheduled, LoanStatus.Cancelled]]);
      expectEvent(r, book, 'Credited', [l1.address, usd, t.principal]);
      assert.equal((await balanceOf(env, gold, b1.address)) - goldBefore, t.collateralAmount);
      assert.equal(await read(book, 'deadlineOf', [a.loanId]), 0n);
      await expectRevert(book, b1, 'cancelLoan', [a.loanId], 'WrongLoanStatus', [a.loanId, LoanStatus.Cancelled]);

      const b = await fund(l2, (await postRequest(b1, t)).postId, t);
      const deadline = (await loanOf(b.loanId)).drawDeadline;
      await expectRevert(book, l2, 'cancelLoan', [b.loanId], 'DrawPeriodNotOver', [b.loanId, deadline]);
      await mineAt(chain, deadline);
      await expectRevert(book, stranger, 'cancelLoan', [b.loanId], 'DrawPeriodNotOver', [b.loanId, deadline]);
      await mineAt(chain, deadline + 1n);
      await expectRevert(book, b1, 'drawdown', [b.loanId], 'DrawPeriodOver', [b.loanId, deadline]);
      const r2 = await send(book, stranger, 'cancelLoan', [b.loanId]);
      gas.record('cancelLoan (anyone after the draw deadline)', r2);
      const credited = eventsOf(r2, book, 'Credited').map((e) => [...e.args]);
      assert.deepEqual(credited, [[l2.address, usd, t.principal], [b1.address, gold, t.collateralAmount]]);
      assert.equal(await owed(l2.address, usd), t.principal);
      assert.equal(await owed(b1.address, gold), t.collateralAmount);
      // nothing about cancelled loans reaches the history
      assert.deepEqual(await summary(b1.address), emptySummary());
      await assertBacked(usd, gold);
    });
  });

  // ------------------------------------------------------------ identity and reputation

  describe('identity and reputation', () => {
    test('an unsecured loan is refused without the attestation and allowed with it', async () => {
      const t = unsecured({ principal: 100n * UNIT });
      const { postId } = await postOffer(l1, t);
      await expectRevert(book, b2, 'acceptOffer', [postId], 'NoValidAttestation', [b2.address, KYC, env.issuerSetId]);
      // an accredited issuer outside the lender's issuer set does not count
      await send(env.registry, env.admin, 'setIssuer', [KYC, spare.address, true]);
      const salt = hexlify(randomBytes(32));
      const c = commitment(KYC, 'level=2', salt, b2.address);
      await send(env.registry, b2, 'registerCommitment', [KYC, c]);
      await send(env.registry, spare, 'attest', [b2.address, KYC, c, (await latestTimestamp(chain)) + BigInt(DAY * 30)]);
      assert.equal(await read(env.registry, 'hasValidAttestation', [b2.address, KYC, env.issuerSetId]), false);
      await expectRevert(book, b2, 'acceptOffer', [postId], 'NoValidAttestation', [b2.address, KYC, env.issuerSetId]);
      // the set's issuer attests: the same offer is now open to b2
      await send(env.registry, env.issuer, 'attest', [b2.address, KYC, c, (await latestTimestamp(chain)) + BigInt(DAY * 30)]);
      const { loanId, receipt } = await accept(b2, postId, t);
      gas.record('acceptOffer (unsecured, attestation checked)', receipt);
      assert.equal((await loanOf(loanId)).status, LoanStatus.Active);
      assert.equal(await read(book, 'liabilities', [gold]), 0n);
    });

    test('an attestation revoked after funding stops the drawdown; the loan is then cancelled', async () => {
      const t = unsecured();
      const req = await postRequest(b1, t);
      const { loanId } = await fund(l1, req.postId, t);
      await send(env.registry, env.issuer, 'revoke', [b1.address, KYC]);
      await expectRevert(book, b1, 'drawdown', [loanId], 'NoValidAttestation', [b1.address, KYC, env.issuerSetId]);
      await send(book, b1, 'cancelLoan', [loanId]);
      assert.equal(await owed(l1.address, usd), t.principal);
      await assertBacked(usd);
    });

    test('a minimum reputation is read from the Reputation summary', async () => {
      const t = terms({ minAverageX100: 400, minRatings: 2 });
      const { postId } = await postOffer(l1, t);
      await expectRevert(book, b1, 'acceptOffer', [postId], 'ReputationTooLow', [b1.address, 0n, 0n]);
      // b1 bought from l2 and from the stranger; both sellers rate the buyer
      await send(env.orders, env.admin, 'setCompleted', [1n, b1.address, l2.address]);
      await send(env.orders, env.admin, 'setCompleted', [2n, b1.address, stranger.address]);
      await send(env.reputation, l2, 'rate', [1n, 5, ZERO_HASH, '']);
      await expectRevert(book, b1, 'acceptOffer', [postId], 'ReputationTooLow', [b1.address, 500n, 1n]);
      await send(env.reputation, stranger, 'rate', [2n, 3, ZERO_HASH, '']);
      const { loanId, receipt } = await accept(b1, postId, t);
      gas.record('acceptOffer (ERC-20 collateral, reputation checked)', receipt);
      assert.equal((await loanOf(loanId)).status, LoanStatus.Active);
    });
  });

  // ------------------------------------------------------------ repayment and the state machine

  describe('repayment and the state machine', () => {
    test('instalments paid on time: events, credits to the lender, Repaid with the collateral back, history on time', async () => {
      const t = terms();
      const { cum, due, total } = schedule(t);
      const { loanId, loan } = await openLoan(t);
      const start = loan.startAt;
      await setNextTimestamp(chain, start + BigInt(INTERVAL - DAY));
      const r1 = await repay(b1, loanId, due[0]!, t);
      gas.record('repay (one instalment, ERC-20)', r1);
      expectEvent(r1, book, 'Repayment', [loanId, b1.address, due[0]!, due[0]!, total - due[0]!]);
      expectEvent(r1, book, 'Credited', [l1.address, usd, due[0]!]);
      expectEvent(r1, history, 'RepaymentRecorded', [bookAddr, loanId, b1.address, usd, due[0]!]);
      assert.deepEqual(statusChanges(r1, loanId), []);
      let view = await loanOf(loanId);
      assert.equal(view.instalmentsPaid, 1n);
      assert.equal(view.nextCumDue, cum[1]!);
      assert.equal(await read(book, 'deadlineOf', [loanId]), start + BigInt(2 * INTERVAL + GRACE));
      // the second instalment in two parts, the second part in the last second of its grace period, paid by a friend
      const half = due[1]! / 2n;
      await repay(b1, loanId, half, t);
      await setNextTimestamp(chain, start + BigInt(2 * INTERVAL + GRACE));
      const r2 = await repay(b2, loanId, due[1]! - half, t);
      expectNoEvent(r2, book, 'InstalmentsLate');
      view = await loanOf(loanId);
      assert.equal(view.instalmentsPaid, 2n);
      assert.equal(view.lateInstalments, 0n);
      const r3 = await repay(b1, loanId, due[2]!, t);
      gas.record('repay (the last instalment, closes the loan)', r3);
      assert.deepEqual(statusChanges(r3, loanId), [[LoanStatus.Active, LoanStatus.Repaid]]);
      expectEvent(r3, history, 'RepaidRecorded', [bookAddr, loanId, b1.address, true]);
      assert.deepEqual(eventsOf(r3, book, 'Credited').map((e) => [...e.args]), [[l1.address, usd, due[2]!], [b1.address, gold, t.collateralAmount]]);
      assert.equal(await read(book, 'outstanding', [loanId]), 0n);
      assert.equal(await read(book, 'deadlineOf', [loanId]), 0n);
      assert.equal(await owed(l1.address, usd), total);
      await expectRevert(book, b1, 'repay', [loanId, 1n], 'WrongLoanStatus', [loanId, LoanStatus.Repaid]);
      await expectRevert(book, keeper, 'markLate', [loanId], 'WrongLoanStatus', [loanId, LoanStatus.Repaid]);
      await expectRevert(book, keeper, 'markDefault', [loanId], 'WrongLoanStatus', [loanId, LoanStatus.Repaid]);
      const before = await balanceOf(env, usd, l1.address);
      const w = await send(book, l1, 'withdraw', [usd, l1.address]);
      gas.record('withdraw (ERC-20)', w);
      expectEvent(w, book, 'Withdrawn', [l1.address, usd, l1.address, total]);
      assert.equal((await balanceOf(env, usd, l1.address)) - before, total);
      await send(book, b1, 'withdraw', [gold, b1.address]);
      assert.equal(await balanceOf(env, gold, bookAddr), 0n);
      assert.equal(await balanceOf(env, usd, bookAddr), 0n);
      const s = await summary(b1.address);
      assert.equal(s.loansTaken, 1n);
      assert.equal(s.openLoans, 0n);
      assert.equal(s.loansRepaid, 1n);
      assert.equal(s.loansRepaidOnTime, 1n);
      assert.equal(s.latePayments, 0n);
      assert.equal(s.borrowed, t.principal);
      assert.equal(s.repaid, total);
      await assertBacked(usd, gold);
    });

    test('repay refuses zero, more than outstanding, unknown loans and a wrong value; a CMT loan is repaid in CMT', async () => {
      const t = terms({ asset: CMT, principal: 2n * UNIT });
      const { loanId } = await openLoan(t);
      const total = schedule(t).total;
      await expectRevert(book, b1, 'repay', [loanId, 0n], 'ZeroAmount', []);
      await expectRevert(book, b1, 'repay', [loanId, total + 1n], 'Overpayment', [loanId, total + 1n, total], total + 1n);
      await expectRevert(book, b1, 'repay', [99n, 1n], 'UnknownLoan', [99n]);
      await expectRevert(book, b1, 'repay', [loanId, 5n], 'ValueMismatch', [5n, 4n], 4n);
      const r = await repay(b1, loanId, total, t);
      gas.record('repay (everything at once, CMT)', r);
      assert.deepEqual(statusChanges(r, loanId), [[LoanStatus.Active, LoanStatus.Repaid]]);
      const tokenLoan = await openLoan(terms(), l2, b1);
      await expectRevert(book, b1, 'repay', [tokenLoan.loanId, 5n], 'ValueMismatch', [0n, 5n], 5n);
      const before = await chain.provider.getBalance(l1.address);
      const w = await send(book, l1, 'withdraw', [CMT, l1.address]);
      gas.record('withdraw (CMT)', w);
      assert.equal((await chain.provider.getBalance(l1.address)) - before + gasCost(w), total);
      await assertBacked(CMT, usd, gold);
    });

    test('lateness: on time through the grace period; one second later anyone marks it Late; catching up cures it', async () => {
      const t = terms();
      const { due } = schedule(t);
      const { loanId, loan } = await openLoan(t);
      const lateAt = loan.startAt + BigInt(INTERVAL + GRACE);
      await mineAt(chain, lateAt);
      await expectRevert(book, keeper, 'markLate', [loanId], 'NotOverdue', [loanId, lateAt]);
      assert.equal(await read(book, 'deadlineOf', [loanId]), lateAt);
      await setNextTimestamp(chain, lateAt + 1n);
      const r = await send(book, keeper, 'markLate', [loanId]);
      gas.record('markLate', r);
      expectEvent(r, book, 'InstalmentsLate', [loanId, 1n, 1n]);
      assert.deepEqual(statusChanges(r, loanId), [[LoanStatus.Active, LoanStatus.Late]]);
      expectEvent(r, history, 'LatePaymentsRecorded', [bookAddr, loanId, b1.address, 1n]);
      assert.equal(await read(book, 'deadlineOf', [loanId]), lateAt + BigInt(DEFAULT_DELAY));
      // nothing new is overdue: the next candidate is instalment 2
      await expectRevert(book, keeper, 'markLate', [loanId], 'NotOverdue', [loanId, loan.startAt + BigInt(2 * INTERVAL + GRACE)]);
      const r2 = await repay(b1, loanId, due[0]!, t);
      assert.deepEqual(statusChanges(r2, loanId), [[LoanStatus.Late, LoanStatus.Active]]);
      expectNoEvent(r2, book, 'InstalmentsLate');
      await repay(b1, loanId, due[1]!, t);
      const r3 = await repay(b1, loanId, due[2]!, t);
      expectEvent(r3, history, 'RepaidRecorded', [bookAddr, loanId, b1.address, false]);
      const s = await summary(b1.address);
      assert.equal(s.latePayments, 1n);
      assert.equal(s.loansRepaid, 1n);
      assert.equal(s.loansRepaidOnTime, 0n);
      assert.equal(s.lastLateAt, await blockTime(chain, r));
    });

    test('a payment after a grace period records the lateness itself, several instalments at once', async () => {
      const t = terms({ instalments: 4, defaultDelay: 120 * DAY, principal: 4000n * UNIT });
      const { due } = schedule(t);
      const { loanId, loan } = await openLoan(t);
      await setNextTimestamp(chain, loan.startAt + BigInt(3 * INTERVAL + GRACE + 1));
      const r = await repay(b1, loanId, due[0]!, t);
      gas.record('repay (records three late instalments)', r);
      expectEvent(r, book, 'InstalmentsLate', [loanId, 3n, 3n]);
      expectEvent(r, history, 'LatePaymentsRecorded', [bookAddr, loanId, b1.address, 3n]);
      assert.deepEqual(statusChanges(r, loanId), [[LoanStatus.Active, LoanStatus.Late]]);
      const r2 = await repay(b1, loanId, due[1]! + due[2]!, t);
      assert.deepEqual(statusChanges(r2, loanId), [[LoanStatus.Late, LoanStatus.Active]]);
      const view = await loanOf(loanId);
      assert.equal(view.instalmentsPaid, 3n);
      assert.equal(view.lateInstalments, 3n);
      // every unpaid instalment already recorded: markLate waits for instalment 4
      await expectRevert(book, keeper, 'markLate', [loanId], 'NotOverdue', [loanId, loan.startAt + BigInt(4 * INTERVAL + GRACE)]);
      assert.equal((await summary(b1.address)).latePayments, 3n);
    });

    test('default by anyone after the default delay: collateral seized at the agreed rate, surplus back, Recovered', async () => {
      const t = terms({ collateralAsset: CMT, collateralAmount: 5000n * UNIT });
      const { due, total } = schedule(t);
      const { loanId, loan } = await openLoan(t);
      await repay(b1, loanId, due[0]!, t);
      const defaultAt = loan.startAt + BigInt(2 * INTERVAL + GRACE + DEFAULT_DELAY);
      await mineAt(chain, defaultAt);
      await expectRevert(book, keeper, 'markDefault', [loanId], 'NotDefaultable', [loanId, defaultAt]);
      await setNextTimestamp(chain, defaultAt + 1n);
      const r = await send(book, keeper, 'markDefault', [loanId]);
      gas.record('markDefault (collateral covers the debt, surplus returned)', r);
      const debt = total - due[0]!;
      const surplus = t.collateralAmount - debt;
      expectEvent(r, book, 'InstalmentsLate', [loanId, 1n, 1n]);
      assert.deepEqual(statusChanges(r, loanId), [
        [LoanStatus.Active, LoanStatus.Late], [LoanStatus.Late, LoanStatus.Defaulted], [LoanStatus.Defaulted, LoanStatus.Recovered],
      ]);
      expectEvent(r, book, 'CollateralSeized', [loanId, debt, surplus, debt]);
      assert.deepEqual(eventsOf(r, book, 'Credited').map((e) => [...e.args]), [[l1.address, CMT, debt], [b1.address, CMT, surplus]]);
      expectEvent(r, history, 'DefaultRecorded', [bookAddr, loanId, b1.address, usd, debt, debt]);
      expectEvent(r, history, 'RecoveryRecorded', [bookAddr, loanId, b1.address]);
      const view = await loanOf(loanId);
      assert.equal(view.defaultedAt, defaultAt + 1n);
      assert.equal(view.coveredByCollateral, debt);
      assert.equal(await read(book, 'outstanding', [loanId]), 0n);
      assert.equal(await read(book, 'deadlineOf', [loanId]), 0n);
      await expectRevert(book, keeper, 'markDefault', [loanId], 'WrongLoanStatus', [loanId, LoanStatus.Recovered]);
      await expectRevert(book, b1, 'repay', [loanId, 1n], 'WrongLoanStatus', [loanId, LoanStatus.Recovered]);
      await expectRevert(book, l1, 'writeOff', [loanId], 'WrongLoanStatus', [loanId, LoanStatus.Recovered]);
      const s = await summary(b1.address);
      assert.equal(s.defaults, 1n);
      assert.equal(s.recoveries, 1n);
      assert.equal(s.openLoans, 0n);
      assert.equal(s.recoveredFromCollateral, debt);
      assert.equal(s.repaid, due[0]!);
      assert.equal(s.latePayments, 1n);
      // the lender got debt-worth of collateral, the borrower the rest: nothing left in the book
      await send(book, l1, 'withdraw', [CMT, l1.address]);
      await send(book, b1, 'withdraw', [CMT, b1.address]);
      assert.equal(await chain.provider.getBalance(bookAddr), 0n);
      await assertBacked(CMT, usd);
    });

    test('collateral short of the debt: all of it is seized and the rest stays owed, to be paid (Recovered) or written off', async () => {
      const t = terms({ collateralAmount: 1000n * UNIT, defaultDelay: 0 });
      const { total } = schedule(t);
      const { loanId, loan } = await openLoan(t);
      const defaultAt = loan.startAt + BigInt(INTERVAL + GRACE);
      await setNextTimestamp(chain, defaultAt + 1n);
      const r = await send(book, stranger, 'markDefault', [loanId]);
      gas.record('markDefault (collateral short, debt remains)', r);
      assert.deepEqual(statusChanges(r, loanId), [[LoanStatus.Active, LoanStatus.Late], [LoanStatus.Late, LoanStatus.Defaulted]]);
      expectEvent(r, book, 'CollateralSeized', [loanId, t.collateralAmount, 0n, t.collateralAmount]);
      expectEvent(r, history, 'DefaultRecorded', [bookAddr, loanId, b1.address, usd, total, t.collateralAmount]);
      const residual = total - t.collateralAmount;
      assert.equal(await read(book, 'outstanding', [loanId]), residual);
      const writeOffAt = defaultAt + 1n + BigInt(RECOVERY);
      assert.equal(await read(book, 'deadlineOf', [loanId]), writeOffAt);
      await expectRevert(book, keeper, 'markLate', [loanId], 'WrongLoanStatus', [loanId, LoanStatus.Defaulted]);
      const mid = await snapshot(chain);

      // the borrower pays the rest after all: Recovered
      await repay(b1, loanId, residual / 2n, t);
      const r2 = await repay(b1, loanId, residual - residual / 2n, t);
      gas.record('repay (clears a defaulted loan: Recovered)', r2);
      assert.deepEqual(statusChanges(r2, loanId), [[LoanStatus.Defaulted, LoanStatus.Recovered]]);
      expectEvent(r2, history, 'RecoveryRecorded', [bookAddr, loanId, b1.address]);
      expectNoEvent(r2, history, 'RepaidRecorded');
      let s = await summary(b1.address);
      assert.deepEqual([s.defaults, s.recoveries, s.writeOffs, s.repaid, s.recoveredFromCollateral], [1n, 1n, 0n, residual, t.collateralAmount]);
      assert.equal(await owed(l1.address, usd), residual);
      assert.equal(await owed(l1.address, gold), t.collateralAmount);
      await revertTo(chain, mid);

      // nobody pays: only the lender may write off before the recovery period ends, anyone after
      await mineAt(chain, writeOffAt);
      await expectRevert(book, stranger, 'writeOff', [loanId], 'RecoveryPeriodNotOver', [loanId, writeOffAt]);
      await setNextTimestamp(chain, writeOffAt + 1n);
      const r3 = await send(book, stranger, 'writeOff', [loanId]);
      gas.record('writeOff (anyone after the recovery period)', r3);
      expectEvent(r3, book, 'LoanWrittenOff', [loanId, stranger.address, residual]);
      assert.deepEqual(statusChanges(r3, loanId), [[LoanStatus.Defaulted, LoanStatus.WrittenOff]]);
      expectEvent(r3, history, 'WriteOffRecorded', [bookAddr, loanId, b1.address, usd, residual]);
      await expectRevert(book, b1, 'repay', [loanId, 1n], 'WrongLoanStatus', [loanId, LoanStatus.WrittenOff]);
      await expectRevert(book, l1, 'writeOff', [loanId], 'WrongLoanStatus', [loanId, LoanStatus.WrittenOff]);
      s = await summary(b1.address);
      assert.deepEqual([s.defaults, s.recoveries, s.writeOffs, s.writtenOff, s.openLoans], [1n, 0n, 1n, residual, 0n]);
      await assertBacked(usd, gold);
    });

    test('an unsecured loan defaults with nothing to seize; the lender may write it off at once', async () => {
      const t = unsecured({ instalments: 1 });
      const { total } = schedule(t);
      const { loanId, loan } = await openLoan(t);
      await setNextTimestamp(chain, loan.startAt + BigInt(INTERVAL + GRACE + DEFAULT_DELAY + 1));
      const r = await send(book, keeper, 'markDefault', [loanId]);
      gas.record('markDefault (unsecured)', r);
      assert.deepEqual(statusChanges(r, loanId), [[LoanStatus.Active, LoanStatus.Late], [LoanStatus.Late, LoanStatus.Defaulted]]);
      expectNoEvent(r, book, 'CollateralSeized');
      expectNoEvent(r, book, 'Credited');
      expectEvent(r, history, 'DefaultRecorded', [bookAddr, loanId, b1.address, usd, total, 0n]);
      await expectRevert(book, keeper, 'writeOff', [loanId], 'RecoveryPeriodNotOver', [loanId, (await loanOf(loanId)).defaultedAt + BigInt(RECOVERY)]);
      const r2 = await send(book, l1, 'writeOff', [loanId]);
      gas.record('writeOff (the lender, at once)', r2);
      expectEvent(r2, book, 'LoanWrittenOff', [loanId, l1.address, total]);
      const s = await summary(b1.address);
      assert.deepEqual([s.defaults, s.writeOffs, s.writtenOff, s.latePayments], [1n, 1n, total, 1n]);
    });

    test('a loan in Late state defaults from Late; markDefault refuses unknown loans', async () => {
      const t = terms();
      const { loanId, loan } = await openLoan(t);
      await setNextTimestamp(chain, loan.startAt + BigInt(INTERVAL + GRACE + 1));
      await send(book, keeper, 'markLate', [loanId]);
      await setNextTimestamp(chain, loan.startAt + BigInt(INTERVAL + GRACE + DEFAULT_DELAY + 1));
      const r = await send(book, keeper, 'markDefault', [loanId]);
      assert.deepEqual(statusChanges(r, loanId), [[LoanStatus.Late, LoanStatus.Defaulted], [LoanStatus.Defaulted, LoanStatus.Recovered]]);
      expectNoEvent(r, book, 'InstalmentsLate'); // instalment 1 was recorded by markLate, 2 is not due yet
      await expectRevert(book, keeper, 'markDefault', [99n], 'UnknownLoan', [99n]);
      await expectRevert(book, keeper, 'markLate', [99n], 'UnknownLoan', [99n]);
      await expectRevert(book, keeper, 'writeOff', [99n], 'UnknownLoan', [99n]);
      await expectRevert(book, keeper, 'drawdown', [99n], 'UnknownLoan', [99n]);
      await expectRevert(book, keeper, 'cancelLoan', [99n], 'UnknownLoan', [99n]);
    });

    test('a loan book whose recorder role is withdrawn still runs its loans; only new ones are refused', async () => {
      const t = terms();
      const { due } = schedule(t);
      const { loanId } = await openLoan(t);
      const { postId } = await postOffer(l2, t);
      await send(history, env.admin, 'revokeRole', [env.recorderRole, bookAddr]);
      await expectRevert(book, b2, 'acceptOffer', [postId], 'AccessControlUnauthorizedAccount', [bookAddr, env.recorderRole]);
      await repay(b1, loanId, due[0]! + due[1]! + due[2]!, t);
      assert.equal((await loanOf(loanId)).status, LoanStatus.Repaid);
      assert.equal((await summary(b1.address)).loansRepaid, 1n);
      // the refused offer's principal is not stuck
      await send(book, l2, 'cancelPost', [postId]);
      await assertBacked(usd, gold);
    });
  });

  // ------------------------------------------------------------ money safety

  describe('money safety', () => {
    test('withdraw: nothing owed, zero address, to another address', async () => {
      await expectRevert(book, l1, 'withdraw', [usd, l1.address], 'NothingToWithdraw', [usd]);
      const t = terms();
      const { postId, expiresAt } = await postOffer(l1, t);
      await setNextTimestamp(chain, expiresAt + 1n);
      await send(book, stranger, 'cancelPost', [postId]);
      await expectRevert(book, l1, 'withdraw', [usd, CMT], 'ZeroAddress', []);
      const before = await balanceOf(env, usd, spare.address);
      const r = await send(book, l1, 'withdraw', [usd, spare.address]);
      expectEvent(r, book, 'Withdrawn', [l1.address, usd, spare.address, t.principal]);
      assert.equal((await balanceOf(env, usd, spare.address)) - before, t.principal);
      await expectRevert(book, l1, 'withdraw', [usd, l1.address], 'NothingToWithdraw', [usd]);
    });

    test('fee-on-transfer tokens are refused on every way in', async () => {
      const { contract: bad } = await deploy('BadToken', env.admin, [10n ** 30n]);
      const badAddr = await bad.getAddress();
      for (const w of [l1, b1]) {
        await send(bad, env.admin, 'transfer', [w.address, 10n ** 26n]);
        await send(bad, w, 'approve', [bookAddr, MAX_UINT256]);
      }
      // a loan in the bad token while it charges nothing
      const t = terms({ asset: badAddr, principal: 1000n });
      const { loanId } = await openLoan(t);
      await send(bad, env.admin, 'setTransferFee', [100]);
      const exp = await expiry();
      await expectRevert(book, l1, 'postOffer', [t, exp], 'FeeOnTransferToken', [badAddr, 1000n, 990n]);
      await expectRevert(book, b1, 'postRequest', [terms({ collateralAsset: badAddr, collateralAmount: 1000n }), exp], 'FeeOnTransferToken', [badAddr, 1000n, 990n]);
      await expectRevert(book, b1, 'repay', [loanId, 100n], 'FeeOnTransferToken', [badAddr, 100n, 99n]);
      const offer = await postOffer(l2, terms({ collateralAsset: badAddr, collateralAmount: 1000n }));
      await expectRevert(book, b1, 'acceptOffer', [offer.postId], 'FeeOnTransferToken', [badAddr, 1000n, 990n]);
    });

    test('a token that loses balance makes its calls revert Insolvent; other assets keep working', async () => {
      const { contract: bad } = await deploy('BadToken', env.admin, [10n ** 30n]);
      const badAddr = await bad.getAddress();
      for (const w of [l1, l2]) {
        await send(bad, env.admin, 'transfer', [w.address, 10n ** 26n]);
        await send(bad, w, 'approve', [bookAddr, MAX_UINT256]);
      }
      const t = terms({ asset: badAddr, principal: 1000n });
      const a = await postOffer(l1, t);
      await postOffer(l2, t);
      const u = await postOffer(l1, terms());
      await send(bad, env.admin, 'seize', [bookAddr, 1n]);
      await expectRevert(book, l1, 'cancelPost', [a.postId], 'Insolvent', [badAddr, 999n, 1000n]);
      await send(book, l1, 'cancelPost', [u.postId]);
      await assertBacked(usd);
    });

    test('a malicious debt token re-entering from inside repay or withdraw is stopped by the guard', async () => {
      const { contract: hook } = await deploy('ReentrantToken', env.admin, [10n ** 30n]);
      const hookAddr = await hook.getAddress();
      for (const w of [l1, b1]) {
        await send(hook, env.admin, 'transfer', [w.address, 10n ** 26n]);
        await send(hook, w, 'approve', [bookAddr, MAX_UINT256]);
      }
      const t = terms({ asset: hookAddr, principal: 3000n });
      const { due } = schedule(t);
      const { loanId } = await openLoan(t);
      for (const data of [
        book.interface.encodeFunctionData('repay', [loanId, 1n]),
        book.interface.encodeFunctionData('markDefault', [loanId]),
        book.interface.encodeFunctionData('withdraw', [hookAddr, stranger.address]),
        book.interface.encodeFunctionData('cancelPost', [1n]),
      ]) {
        await send(hook, env.admin, 'arm', [bookAddr, data, true]);
        await expectRevert(book, b1, 'repay', [loanId, due[0]!], 'ReentrancyGuardReentrantCall', []);
      }
      // recorded instead of bubbled: the outer repay counts once, the inner one failed
      await send(hook, env.admin, 'arm', [bookAddr, book.interface.encodeFunctionData('repay', [loanId, 1n]), false]);
      await repay(b1, loanId, due[0]!, t);
      assert.equal(await read(hook, 'lastHookSucceeded'), false);
      assert.equal(await read(hook, 'lastHookData'), REENTRANT);
      assert.equal((await loanOf(loanId)).repaid, due[0]!);
      await send(hook, env.admin, 'arm', [bookAddr, book.interface.encodeFunctionData('withdraw', [hookAddr, l1.address]), false]);
      const before = await read<bigint>(hook, 'balanceOf', [l1.address]);
      await send(book, l1, 'withdraw', [hookAddr, l1.address]);
      assert.equal(await read(hook, 'lastHookData'), REENTRANT);
      assert.equal((await read<bigint>(hook, 'balanceOf', [l1.address])) - before, due[0]!);
      assert.equal(await owed(l1.address, hookAddr), 0n);
      await assertBacked(hookAddr, gold);
    });

    test('a borrower contract re-entering from receive() gets the principal once; a lender contract refusing CMT is credited', async () => {
      const { contract: actor } = await deploy('Actor', b2);
      const actorAddr = await actor.getAddress();
      const t = terms({ asset: CMT, principal: 3n * UNIT, collateralAsset: CMT, collateralAmount: 5n * UNIT });
      const { postId } = await postOffer(l1, t);
      await send(actor, b2, 'setHook', [bookAddr, book.interface.encodeFunctionData('repay', [1n, 1n])]);
      await send(actor, b2, 'exec', [bookAddr, book.interface.encodeFunctionData('acceptOffer', [postId])], t.collateralAmount);
      assert.equal(await read(actor, 'hookRuns'), 1n);
      assert.equal(await read(actor, 'lastHookSucceeded'), false);
      assert.equal(await read(actor, 'lastHookData'), REENTRANT);
      assert.equal(await chain.provider.getBalance(actorAddr), t.principal);
      assert.equal((await loanOf(1n)).repaid, 0n);

      // a lender contract that refuses CMT: repayments are credited, and it withdraws to another address
      const { contract: lenderActor } = await deploy('Actor', l2);
      const la = await lenderActor.getAddress();
      const tl = terms({ asset: CMT, principal: UNIT });
      await send(lenderActor, l2, 'exec', [bookAddr, book.interface.encodeFunctionData('postOffer', [tl, await expiry()])], UNIT);
      await send(lenderActor, l2, 'setRejectCmt', [true]);
      const { loanId } = await accept(b1, 2n, tl);
      const total = schedule(tl).total;
      await repay(b1, loanId, total, tl);
      assert.equal(await owed(la, CMT), total);
      await expectRevert(lenderActor, l2, 'exec', [bookAddr, book.interface.encodeFunctionData('withdraw', [CMT, la])], 'NativeTransferFailed', [la, total]);
      const before = await chain.provider.getBalance(spare.address);
      await send(lenderActor, l2, 'exec', [bookAddr, book.interface.encodeFunctionData('withdraw', [CMT, spare.address])]);
      assert.equal((await chain.provider.getBalance(spare.address)) - before, total);
      await assertBacked(CMT, gold);
    });
  });

  // ------------------------------------------------------------ properties

  describe('properties', () => {
    test('property: instalmentOf, totalDueOf and seizure equal their bigint references', async () => {
      const termsArb = fc.record({
        principal: fc.bigInt(1n, 10n ** 30n),
        instalments: fc.integer({ min: 1, max: 60 }),
        rateWad: fc.oneof(fc.constant(0n), fc.bigInt(0n, 10n * WAD)),
        interval: fc.integer({ min: 3600, max: 366 * DAY }),
      });
      await fc.assert(
        fc.asyncProperty(termsArb, fc.nat(), fc.bigInt(1n, 10n ** 30n), fc.bigInt(0n, 10n ** 30n), fc.bigInt(1n, 10n ** 24n), async (p, pick, debt, collateral, rate) => {
          const t = terms(p);
          const ref = referenceSchedule(p.principal, p.instalments, p.rateWad, p.interval);
          const i = (pick % p.instalments) + 1;
          const got = await read<bigint[]>(book, 'instalmentOf', [t, i]);
          assert.deepEqual([...got], [ref[i - 1]!.dueOffset, ref[i - 1]!.principalPart, ref[i - 1]!.interestPart]);
          const total = ref.reduce((s, x) => s + x.principalPart + x.interestPart, 0n);
          assert.equal(await read(book, 'totalDueOf', [t]), total);
          // rounding in the lender's favour, by less than one unit per instalment
          const q = p.principal / BigInt(p.instalments);
          let exact = 0n; // the exact interest times den
          for (let k = 0; k < p.instalments; k++) exact += (p.principal - q * BigInt(k)) * p.rateWad * BigInt(p.interval);
          const den = WAD * 365n * BigInt(DAY);
          const interest = total - p.principal;
          if (exact === 0n) assert.equal(interest, 0n);
          else assert.ok(interest * den >= exact && (interest - BigInt(p.instalments)) * den < exact, 'interest rounded up, by less than one unit per instalment');
          const s = await read<bigint[]>(book, 'seizure', [debt, collateral, rate]);
          const rs = referenceSeizure(debt, collateral, rate);
          assert.deepEqual([...s], [rs.seized, rs.covered]);
          assert.ok(rs.seized <= collateral && rs.covered <= debt);
        }),
        { numRuns: fcRuns(30), seed: fcSeed(5501) },
      );
    });

    test('property: random loan lives keep the money invariants, and the history equals the replay of its events', async () => {
      await runLoanLives();
    });
  });

  // ------------------------------------------------------------ the loan-life model

  type Op =
    | { kind: 'warp'; seconds: number }
    | { kind: 'repay'; loan: number; how: 'instalment' | 'part' | 'all' | 'over' | 'zero'; frac: number; byFriend: boolean }
    | { kind: 'markLate'; loan: number }
    | { kind: 'markDefault'; loan: number }
    | { kind: 'writeOff'; loan: number; byLender: boolean };

  interface Model {
    id: bigint;
    t: Terms;
    lender: Wallet;
    borrower: Wallet;
    cum: bigint[];
    total: bigint;
    status: bigint;
    startAt: bigint;
    repaid: bigint;
    covered: bigint;
    late: Set<number>;
    defaultedAt: bigint;
    /** What the book credited to the lender (debt asset) and seized for it (collateral asset). */
    lenderDebt: bigint;
    lenderCollateral: bigint;
    borrowerCollateralBack: bigint;
  }

  function paidCount(m: Model): number {
    return m.cum.filter((c) => c <= m.repaid).length;
  }

  function graceEnd(m: Model, i: number): bigint {
    return m.startAt + BigInt(i) * BigInt(m.t.interval) + BigInt(m.t.gracePeriod);
  }

  /** Records (in the model) every unpaid instalment whose grace period ended before `now`; returns how many. */
  function observe(m: Model, now: bigint): number {
    let added = 0;
    for (let i = 1; i <= m.t.instalments; i++) {
      if (graceEnd(m, i) < now && m.cum[i - 1]! > m.repaid && !m.late.has(i)) {
        m.late.add(i);
        added++;
      }
    }
    return added;
  }

  function overdue(m: Model, now: bigint): boolean {
    const k = paidCount(m) + 1;
    return k <= m.t.instalments && graceEnd(m, k) < now;
  }

  function outstandingOf(m: Model): bigint {
    return m.total - m.repaid - m.covered;
  }

  function running(m: Model): boolean {
    return m.status === LoanStatus.Active || m.status === LoanStatus.Late;
  }

  /** Expected outcome of `op` on `m` at time `now`: an error [name, args] or null (and then `m` is updated). */
  function step(m: Model, op: Op, now: bigint, amount: bigint): [string, unknown[]] | null {
    if (op.kind === 'repay') {
      if (!running(m) && m.status !== LoanStatus.Defaulted) return ['WrongLoanStatus', [m.id, m.status]];
      if (amount === 0n) return ['ZeroAmount', []];
      const before = new Set(m.late);
      if (m.status !== LoanStatus.Defaulted) observe(m, now);
      const due = outstandingOf(m);
      if (amount > due) {
        m.late = before;
        return ['Overpayment', [m.id, amount, due]];
      }
      m.repaid += amount;
      m.lenderDebt += amount;
      if (amount === due) {
        if (m.status === LoanStatus.Defaulted) {
          m.status = LoanStatus.Recovered;
        } else {
          m.status = LoanStatus.Repaid;
          m.borrowerCollateralBack += m.t.collateralAmount;
        }
      } else if (m.status !== LoanStatus.Defaulted) {
        m.status = overdue(m, now) ? LoanStatus.Late : LoanStatus.Active;
      }
      return null;
    }
    if (op.kind === 'markLate') {
      if (!running(m)) return ['WrongLoanStatus', [m.id, m.status]];
      const maxLate = m.late.size === 0 ? 0 : Math.max(...m.late);
      const next = Math.max(maxLate, paidCount(m)) + 1;
      const lateAt = next > m.t.instalments ? MAX_UINT256 : graceEnd(m, next);
      if (now <= lateAt) return ['NotOverdue', [m.id, lateAt]];
      observe(m, now);
      m.status = LoanStatus.Late;
      return null;
    }
    if (op.kind === 'markDefault') {
      if (!running(m)) return ['WrongLoanStatus', [m.id, m.status]];
      const defaultAt = graceEnd(m, paidCount(m) + 1) + BigInt(m.t.defaultDelay);
      if (now <= defaultAt) return ['NotDefaultable', [m.id, defaultAt]];
      observe(m, now);
      m.status = LoanStatus.Defaulted;
      m.defaultedAt = now;
      if (m.t.collateralAmount > 0n) {
        const { seized, covered } = referenceSeizure(outstandingOf(m), m.t.collateralAmount, m.t.collateralPerDebtWad);
        const debt = outstandingOf(m);
        m.covered = covered;
        m.lenderCollateral += seized;
        m.borrowerCollateralBack += m.t.collateralAmount - seized;
        if (covered === debt) m.status = LoanStatus.Recovered;
      }
      return null;
    }
    if (op.kind === 'writeOff') {
      if (m.status !== LoanStatus.Defaulted) return ['WrongLoanStatus', [m.id, m.status]];
      const at = m.defaultedAt + BigInt(m.t.recoveryPeriod);
      if (!op.byLender && now <= at) return ['RecoveryPeriodNotOver', [m.id, at]];
      m.status = LoanStatus.WrittenOff;
      return null;
    }
    return null;
  }

  async function runLoanLives(): Promise<void> {
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('warp' as const), seconds: fc.oneof(fc.integer({ min: 1, max: 3 * DAY }), fc.integer({ min: DAY, max: 60 * DAY })) }) },
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('repay' as const), loan: fc.nat(1), how: fc.constantFrom<'instalment' | 'part' | 'all' | 'over' | 'zero'>('instalment', 'instalment', 'part', 'all', 'over', 'zero'), frac: fc.integer({ min: 1, max: 99 }), byFriend: fc.boolean() }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('markLate' as const), loan: fc.nat(1) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('markDefault' as const), loan: fc.nat(1) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('writeOff' as const), loan: fc.nat(1), byLender: fc.boolean() }) },
    );
    const loanArb = fc.record({
      cmtDebt: fc.boolean(),
      collateral: fc.constantFrom<'gold' | 'cmt' | 'none'>('gold', 'cmt', 'none'),
      instalments: fc.integer({ min: 1, max: 5 }),
      interval: fc.integer({ min: DAY, max: 20 * DAY }),
      gracePeriod: fc.integer({ min: 0, max: 3 * DAY }),
      defaultDelay: fc.integer({ min: 0, max: 10 * DAY }),
      recoveryPeriod: fc.integer({ min: DAY, max: 5 * DAY }),
      principal: fc.bigInt(10n ** 9n, 10n ** 20n),
      rateWad: fc.bigInt(0n, 2n * WAD),
      collateralPct: fc.integer({ min: 10, max: 300 }),
      perDebtWad: fc.oneof(fc.constantFrom(WAD / 4n, WAD / 2n, WAD, 2n * WAD), fc.bigInt(WAD / 4n, 4n * WAD)),
    });
    await fc.assert(
      fc.asyncProperty(fc.tuple(loanArb, loanArb), fc.array(opArb, { minLength: 8, maxLength: 16 }), async (loanSpecs, ops) => {
        const base = await snapshot(chain);
        try {
          await oneLife(loanSpecs, ops);
        } finally {
          await revertTo(chain, base);
        }
      }),
      { numRuns: fcRuns(4), seed: fcSeed(5502), endOnFailure: true },
    );
  }

  type LoanSpec = {
    cmtDebt: boolean; collateral: 'gold' | 'cmt' | 'none'; instalments: number; interval: number; gracePeriod: number;
    defaultDelay: number; recoveryPeriod: number; principal: bigint; rateWad: bigint; collateralPct: number; perDebtWad: bigint;
  };

  async function oneLife(specs: [LoanSpec, LoanSpec], ops: Op[]): Promise<void> {
    const ref = new HistoryReference();
    const receipts: TransactionReceipt[] = [];
    const lenders = [l1, l2];
    const models: Model[] = [];
    const assets = new Set<string>([usd, gold, CMT]);
    for (let k = 0; k < 2; k++) {
      const s = specs[k]!;
      const asset = s.cmtDebt ? CMT : usd;
      const collateralAmount = s.collateral === 'none' ? 0n : (s.principal * BigInt(s.collateralPct)) / 100n + 1n;
      const t = terms({
        asset, instalments: s.instalments, interval: s.interval, gracePeriod: s.gracePeriod, defaultDelay: s.defaultDelay,
        recoveryPeriod: s.recoveryPeriod, principal: s.principal, rateWad: s.rateWad,
        collateralAsset: s.collateral === 'gold' ? gold : CMT, collateralAmount,
        collateralPerDebtWad: s.collateral === 'none' ? 0n : s.perDebtWad,
        identityKind: s.collateral === 'none' ? KYC : ZERO_HASH, issuerSetId: s.collateral === 'none' ? env.issuerSetId : 0n,
      });
      const { postId, receipt: pr } = await postOffer(lenders[k]!, t);
      const { loanId, receipt } = await accept(b1, postId, t);
      receipts.push(pr, receipt);
      const sched = schedule(t);
      models.push({
        id: loanId, t, lender: lenders[k]!, borrower: b1, cum: sched.cum, total: sched.total, status: LoanStatus.Active,
        startAt: await blockTime(chain, receipt), repaid: 0n, covered: 0n, late: new Set(), defaultedAt: 0n,
        lenderDebt: 0n, lenderCollateral: 0n, borrowerCollateralBack: 0n,
      });
    }
    let now = await latestTimestamp(chain);

    const attempt = async (m: Model, op: Op, from: Wallet, fn: string, args: unknown[], value: bigint, amount: bigint): Promise<void> => {
      now += 1n;
      const expected = step(m, op, now, amount);
      await setNextTimestamp(chain, now);
      const data = book.interface.encodeFunctionData(fn, args);
      const receipt = await sendRaw(from, { to: bookAddr, data, value });
      if (expected === null) {
        if (receipt.status !== 1) {
          const why = await (book.connect(from) as Contract).getFunction(fn).staticCall(...args, { value }).then(() => 'none', (e: unknown) => JSON.stringify(decodeRevert(e), (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
          assert.fail(`${fn} on loan ${m.id} expected to succeed, reverted ${why}`);
        }
        receipts.push(receipt);
      } else {
        assert.equal(receipt.status, 0, `${fn} on loan ${m.id} expected ${expected[0]}`);
        await assert.rejects((book.connect(from) as Contract).getFunction(fn).staticCall(...args, { value }), (e: unknown) => {
          const d = decodeRevert(e);
          assert.equal(d.name, expected[0], `${fn} on loan ${m.id}: ${d.name}(${d.args.join(', ')})`);
          assert.deepEqual(d.args, expected[1]);
          return true;
        });
      }
    };

    const check = async (): Promise<void> => {
      const views = await Promise.all(models.map((m) => loanOf(m.id)));
      for (const [k, m] of models.entries()) {
        const v = views[k]!;
        assert.equal(v.status, m.status, `status of loan ${m.id}`);
        assert.equal(v.repaid, m.repaid);
        assert.equal(v.coveredByCollateral, m.covered);
        assert.equal(v.lateInstalments, BigInt(m.late.size));
        // payments never exceed principal + interest due
        assert.ok(v.repaid + v.coveredByCollateral <= v.totalDue);
        assert.equal(v.totalDue, m.total);
        // the lender never receives more than what is owed plus the collateral
        assert.ok(m.lenderDebt <= m.total && m.lenderCollateral <= m.t.collateralAmount);
        assert.ok(m.lenderCollateral + m.borrowerCollateralBack <= m.t.collateralAmount);
      }
      // the book's credits to each party equal the model's
      const credited = new Map<string, bigint>();
      for (const r of receipts) {
        for (const e of eventsOf(r, book, 'Credited')) {
          const key = `${(e.args[0] as string).toLowerCase()}/${(e.args[1] as string).toLowerCase()}`;
          credited.set(key, (credited.get(key) ?? 0n) + (e.args[2] as bigint));
        }
      }
      const expectCredits = new Map<string, bigint>();
      const add = (who: string, asset: string, v: bigint): void => {
        if (v === 0n) return;
        const key = `${who.toLowerCase()}/${asset.toLowerCase()}`;
        expectCredits.set(key, (expectCredits.get(key) ?? 0n) + v);
      };
      for (const m of models) {
        add(m.lender.address, m.t.asset, m.lenderDebt);
        add(m.lender.address, m.t.collateralAsset, m.lenderCollateral);
        add(m.borrower.address, m.t.collateralAsset, m.borrowerCollateralBack);
      }
      assert.deepEqual(credited, expectCredits, 'credits');
      await assertBacked(...assets);
    };

    for (const op of ops) {
      if (op.kind === 'warp') {
        now += BigInt(op.seconds);
        await mineAt(chain, now);
        continue;
      }
      const m = models[op.loan]!;
      if (op.kind === 'repay') {
        const paid = paidCount(m);
        const due = outstandingOf(m);
        let amount: bigint;
        switch (op.how) {
          case 'instalment': amount = paid < m.t.instalments ? m.cum[paid]! - m.repaid : due; break;
          case 'part': amount = (due * BigInt(op.frac)) / 100n + 1n; break;
          case 'all': amount = due; break;
          case 'over': amount = due + 1n; break;
          default: amount = 0n;
        }
        if (amount > due && op.how !== 'over') amount = due;
        const payer = op.byFriend ? b2 : b1;
        await attempt(m, op, payer, 'repay', [m.id, amount], m.t.asset === CMT ? amount : 0n, amount);
      } else if (op.kind === 'markLate') {
        await attempt(m, op, keeper, 'markLate', [m.id], 0n, 0n);
      } else if (op.kind === 'markDefault') {
        await attempt(m, op, keeper, 'markDefault', [m.id], 0n, 0n);
      } else {
        await attempt(m, op, op.byLender ? m.lender : keeper, 'writeOff', [m.id], 0n, 0n);
      }
      await check();
    }

    // drive every loan to a final state through its permissionless exits: nothing may stay stuck
    for (const m of models) {
      if (running(m)) {
        const target = graceEnd(m, m.t.instalments) + BigInt(m.t.defaultDelay);
        if (target > now) {
          now = target;
          await mineAt(chain, now);
        }
        await attempt(m, { kind: 'markDefault', loan: 0 }, keeper, 'markDefault', [m.id], 0n, 0n);
      }
      if (m.status === LoanStatus.Defaulted) {
        const target = m.defaultedAt + BigInt(m.t.recoveryPeriod);
        if (target > now) {
          now = target;
          await mineAt(chain, now);
        }
        await attempt(m, { kind: 'writeOff', loan: 0, byLender: false }, keeper, 'writeOff', [m.id], 0n, 0n);
      }
      assert.ok(([LoanStatus.Repaid, LoanStatus.Recovered, LoanStatus.WrittenOff] as bigint[]).includes(m.status), `loan ${m.id} final`);
      // collateral is either returned or seized, all of it
      assert.equal(m.lenderCollateral + m.borrowerCollateralBack, m.t.collateralAmount, `collateral of loan ${m.id}`);
    }
    await check();
    // everyone withdraws: the book is empty
    for (const w of [l1, l2, b1]) {
      for (const asset of assets) {
        if ((await owed(w.address, asset)) > 0n) await send(book, w, 'withdraw', [asset, w.address]);
      }
    }
    for (const asset of assets) assert.equal(await balanceOf(env, asset, bookAddr), 0n, `book holds no ${asset}`);
    // the credit history equals the replay of its events
    for (const r of receipts) {
      const time = await blockTime(chain, r);
      for (const ev of allEventsOf(r, history)) ref.apply(ev as LogDescription, time);
    }
    for (const asset of assets) {
      assert.deepEqual(await summary(b1.address, asset), ref.summary(b1.address, asset), `history of b1 in ${asset}`);
    }
    const s = await summary(b1.address, usd);
    assert.equal(s.loansTaken, 2n);
    assert.equal(s.openLoans, 0n);
    assert.equal(s.loansRepaid + s.recoveries + s.writeOffs, 2n);
  }
});

