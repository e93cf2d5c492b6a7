/**
 * TokenSale (an ICO priced in CMT, created and funded by TokenFactory) on a real automining dev node: the time
 * window at its exact boundaries, hard cap, per-address cap, rounding of the price, the identity allow list
 * through AttestationRegistry's IAttestationGate, permissionless finalisation (explicit or by the first refund,
 * claim, withdrawal or reclaim after the end, or as soon as the hard cap is reached), pull refunds after a missed
 * soft cap, token claims and proceeds after success, the issuer's cancellation before the start, reentrancy
 * by contributor and beneficiary contracts and by a token with a transfer hook, receivers that refuse CMT, and a
 * token that loses balance. Two fast-check properties: refunds return every contribution exactly when the soft
 * cap is missed, and the sale never pays out more than it took (CMT and tokens) whatever the outcome.
 * Each test starts from the same deployed state (evm_snapshot / evm_revert).
 *
 * GAS_REPORT=<dir> writes the gas used by the main functions to <dir>/token-sale.md.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Contract, Wallet, hexlify, randomBytes } from 'ethers';
import type { TransactionReceipt } from 'ethers';
import fc from 'fast-check';
import {
  DAY, MAX_UINT256, ONE_CMT, ZERO_ADDRESS, ZERO_HASH, at, commitment, createGasReport, deploy, errorData, eventsOf,
  expectEvent, expectNoEvent, expectRevert, kindOf, latestTimestamp, mineAt, read, readStruct, revertTo, send, sendRaw,
  setNextTimestamp, snapshot, startChain,
} from './identityTokenFixtures.ts';
import type { Chain } from './identityTokenFixtures.ts';

const Outcome = { None: 0n, Succeeded: 1n, Failed: 2n, Canceled: 3n } as const;
const Phase = { Pending: 0n, Active: 1n, AwaitingFinalization: 2n, Succeeded: 3n, Failed: 4n, Canceled: 5n } as const;
const RATE = 1000n * ONE_CMT; // 1000 tokens (18 decimals) per CMT
const SOFT = 10n * ONE_CMT;
const HARD = 50n * ONE_CMT;
const KYC = kindOf('KYC_BASIC');

interface SaleConfig {
  token: string;
  beneficiary: string;
  start: bigint;
  end: bigint;
  tokensPerCmt: bigint;
  softCap: bigint;
  hardCap: bigint;
  maxPerAddress: bigint;
  gate: string;
  kind: string;
  issuerSetId: bigint;
}

function tokensFor(wei: bigint, rate = RATE): bigint {
  return (wei * rate) / ONE_CMT;
}

function cloneInitCode(implementation: string): string {
  return `0x3d602d80600a3d3981f3363d3d373d3d3d363d73${implementation.slice(2).toLowerCase()}5af43d82803e903d91602b57fd5bf3`;
}

describe('TokenSale on a dev node', () => {
  let chain: Chain;
  let factory: Contract;
  let factoryAddr: string;
  let ids: Contract;
  let idsAddr: string;
  let token: Contract;
  let tokenAddr: string;
  let admin: Wallet;
  let issuer: Wallet;
  let beneficiary: Wallet;
  let c1: Wallet;
  let c2: Wallet;
  let c3: Wallet;
  let kycIssuer: Wallet;
  let stranger: Wallet;
  let spare: Wallet;
  let setId: bigint;
  let snap = '';
  const gas = createGasReport();
  const REENTRANT = errorData('ReentrancyGuardReentrantCall');

  before(async () => {
    chain = await startChain();
    [admin, issuer, beneficiary, c1, c2, c3, kycIssuer, stranger, spare] = chain.wallets as [
      Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet,
    ];
    factory = (await deploy('TokenFactory', admin, [ZERO_ADDRESS])).contract;
    factoryAddr = await factory.getAddress();
    ids = (await deploy('AttestationRegistry', admin, [admin.address, 0])).contract;
    idsAddr = await ids.getAddress();
    await send(ids, admin, 'setIssuer', [KYC, kycIssuer.address, true]);
    const r = await send(ids, admin, 'createIssuerSet', [[kycIssuer.address]]);
    setId = eventsOf(r, ids, 'IssuerSetCreated')[0]!.args[0] as bigint;
    const cfg = { name: 'Sale Token', symbol: 'SALE', decimals: 18, cap: 0n, mintable: false, pausable: false, admin: issuer.address };
    const tr = await send(factory, issuer, 'createToken', [cfg, [[issuer.address, 10n ** 30n]], [], false]);
    token = at('IssuedToken', eventsOf(tr, factory, 'TokenCreated')[0]!.args[0] as string, issuer);
    tokenAddr = await token.getAddress();
    await send(token, issuer, 'approve', [factoryAddr, MAX_UINT256]);
  });

  after(async () => {
    gas.write('token-sale');
    await chain?.stop();
  });

  beforeEach(async () => {
    snap = await snapshot(chain);
  });

  afterEach(async () => {
    await revertTo(chain, snap);
  });

  // ------------------------------------------------------------ helpers

  async function config(overrides: Partial<SaleConfig> = {}): Promise<SaleConfig> {
    const now = await latestTimestamp(chain);
    const start = overrides.start ?? now + 100n;
    return {
      token: tokenAddr, beneficiary: beneficiary.address, start, end: start + BigInt(DAY), tokensPerCmt: RATE,
      softCap: SOFT, hardCap: HARD, maxPerAddress: 0n, gate: ZERO_ADDRESS, kind: ZERO_HASH, issuerSetId: 0n, ...overrides,
    };
  }

  async function createSale(overrides: Partial<SaleConfig> = {}, from = issuer): Promise<{ sale: Contract; cfg: SaleConfig; receipt: TransactionReceipt }> {
    const cfg = await config(overrides);
    const receipt = await send(factory, from, 'createSale', [cfg]);
    const ev = eventsOf(receipt, factory, 'SaleCreated')[0];
    assert.ok(ev);
    return { sale: at('TokenSale', ev.args[0] as string, from), cfg, receipt };
  }

  /** A sale that has started (the latest block is at its start). */
  async function openSale(overrides: Partial<SaleConfig> = {}): Promise<{ sale: Contract; cfg: SaleConfig; saleAddr: string }> {
    const { sale, cfg } = await createSale(overrides);
    await mineAt(chain, cfg.start);
    return { sale, cfg, saleAddr: await sale.getAddress() };
  }

  async function cmtOf(addr: string): Promise<bigint> {
    return chain.provider.getBalance(addr);
  }

  async function tokensOf(addr: string, t = token): Promise<bigint> {
    return read<bigint>(t, 'balanceOf', [addr]);
  }

  /** The sale's own view of its CMT and token liabilities equals what it holds. */
  async function assertBalanced(sale: Contract, t = token): Promise<void> {
    const addr = await sale.getAddress();
    assert.equal(await cmtOf(addr), await read<bigint>(sale, 'cmtLiabilities'), 'CMT held == CMT owed');
    assert.equal(await tokensOf(addr, t), await read<bigint>(sale, 'tokenLiabilities'), 'tokens held == tokens owed');
  }

  function fresh(): string {
    return Wallet.createRandom().address;
  }

  // ------------------------------------------------------------ creation

  describe('creation', () => {
    test('createSale clones, funds with exactly the hard cap\'s tokens and initialises; the clone cannot be re-initialised', async () => {
      const before = await tokensOf(issuer.address);
      const { sale, cfg, receipt } = await createSale();
      gas.record('createSale (clone, fund, initialise)', receipt);
      const saleAddr = await sale.getAddress();
      const needed = tokensFor(HARD);
      expectEvent(receipt, factory, 'SaleCreated', [saleAddr, tokenAddr, issuer.address, needed]);
      expectEvent(receipt, sale, 'SaleInitialized', [issuer.address, needed, Object.values(cfg)]);
      assert.equal(await read(factory, 'productOf', [saleAddr]), 3n);
      assert.equal(await tokensOf(saleAddr), needed);
      assert.equal(await tokensOf(issuer.address), before - needed);
      assert.equal(await read(sale, 'tokensForSale'), needed);
      assert.equal(await read(sale, 'issuer'), issuer.address);
      assert.deepEqual((await read<{ toArray(): unknown[] }>(sale, 'config')).toArray(), Object.values(cfg));
      assert.equal(await read(sale, 'phase'), Phase.Pending);
      assert.equal(await read(sale, 'outcome'), Outcome.None);
      assert.equal(await read(sale, 'remaining'), HARD);
      assert.equal(await read(sale, 'tokensFor', [ONE_CMT, RATE]), 1000n * ONE_CMT);
      await assertBalanced(sale);
      await expectRevert(sale, stranger, 'initialize', [cfg, stranger.address], 'InvalidInitialization', []);
    });

    test('createSale reverts for bad windows, caps, rates, gates, beneficiaries and tokens', async () => {
      const now = await latestTimestamp(chain);
      const year = 365n * BigInt(DAY);
      const cases: [Partial<SaleConfig>, string, unknown[]][] = [
        [{ start: now + 100n, end: now + 100n }, 'BadWindow', [now + 100n, now + 100n]],
        [{ start: now - 100n, end: now }, 'BadWindow', [now - 100n, now]],
        [{ start: now + 10n, end: now + 11n + year }, 'BadWindow', [now + 10n, now + 11n + year]],
        [{ start: now + 10n + year, end: now + 20n + year }, 'BadWindow', [now + 10n + year, now + 20n + year]],
        [{ hardCap: 0n, softCap: 0n }, 'BadCaps', [0n, 0n]],
        [{ softCap: HARD + 1n }, 'BadCaps', [HARD + 1n, HARD]],
        [{ tokensPerCmt: 0n }, 'BadRate', [0n]],
        [{ tokensPerCmt: 1n, hardCap: ONE_CMT - 1n, softCap: 0n }, 'BadRate', [1n]],
        [{ gate: stranger.address, kind: KYC }, 'BadGate', [stranger.address, KYC]],
        [{ gate: idsAddr, kind: ZERO_HASH }, 'BadGate', [idsAddr, ZERO_HASH]],
        [{ beneficiary: ZERO_ADDRESS }, 'ZeroAddress', []],
        [{ token: stranger.address }, 'NotAToken', [stranger.address]],
      ];
      for (const [o, error, args] of cases) {
        await expectRevert(factory, issuer, 'createSale', [await config(o)], error, args);
      }
      // a window that starts now and lasts exactly the maximum is fine (at the latest block's time)
      await factory.connect(issuer).getFunction('createSale').staticCall(await config({ start: now, end: now + year }));
      await expectRevert(factory, stranger, 'createSale', [await config()], 'ERC20InsufficientAllowance', [factoryAddr, 0n, tokensFor(HARD)]);
      const { contract: fee } = await deploy('TrickyToken', issuer, ['FEE', 10n ** 30n]);
      await send(fee, issuer, 'setFee', [1n]);
      await send(fee, issuer, 'approve', [factoryAddr, MAX_UINT256]);
      const needed = tokensFor(HARD);
      await expectRevert(factory, issuer, 'createSale', [await config({ token: await fee.getAddress() })], 'UnsupportedToken', [await fee.getAddress(), needed, needed - needed / 10_000n]);
    });

    test('a bare clone made by someone else cannot be initialised without the tokens (Unfunded)', async () => {
      const impl = await read<string>(factory, 'saleImplementation');
      const receipt = await sendRaw(spare, { to: null, data: cloneInitCode(impl), value: 0n });
      assert.ok(receipt.contractAddress);
      const clone = at('TokenSale', receipt.contractAddress, spare);
      const cfg = await config();
      await expectRevert(clone, spare, 'initialize', [cfg, spare.address], 'Unfunded', [0n, tokensFor(HARD)]);
      await expectRevert(clone, spare, 'initialize', [cfg, ZERO_ADDRESS], 'ZeroAddress', []);
    });
  });

  // ------------------------------------------------------------ contributing

  describe('contributing', () => {
    test('the window: refused one second before start, accepted at start and one second before end, refused at end', async () => {
      const { sale, cfg } = await createSale();
      await mineAt(chain, cfg.start - 1n);
      await expectRevert(sale, c1, 'contribute', [], 'SaleNotStarted', [cfg.start], ONE_CMT);
      assert.equal(await read(sale, 'phase'), Phase.Pending);
      await setNextTimestamp(chain, cfg.start);
      const r = await send(sale, c1, 'contribute', [], ONE_CMT);
      gas.record('contribute (first, open sale)', r);
      expectEvent(r, sale, 'Contributed', [c1.address, ONE_CMT, tokensFor(ONE_CMT)]);
      assert.equal(await read(sale, 'phase'), Phase.Active);
      await setNextTimestamp(chain, cfg.end - 1n);
      const r2 = await send(sale, c1, 'contribute', [], 2n * ONE_CMT);
      gas.record('contribute (again, same contributor)', r2);
      await mineAt(chain, cfg.end);
      await expectRevert(sale, c1, 'contribute', [], 'SaleEnded', [cfg.end], ONE_CMT);
      assert.equal(await read(sale, 'phase'), Phase.AwaitingFinalization);
      assert.equal(await read(sale, 'contributionOf', [c1.address]), 3n * ONE_CMT);
      assert.equal(await read(sale, 'tokensOf', [c1.address]), tokensFor(3n * ONE_CMT));
      assert.equal(await read(sale, 'totalRaised'), 3n * ONE_CMT);
      assert.equal(await read(sale, 'tokensSold'), tokensFor(3n * ONE_CMT));
      await assertBalanced(sale);
    });

    test('hard cap, per-address cap and zero contributions revert with what is left', async () => {
      const { sale } = await openSale({ maxPerAddress: 20n * ONE_CMT });
      await expectRevert(sale, c1, 'contribute', [], 'ZeroContribution', [], 0n);
      await send(sale, c1, 'contribute', [], 15n * ONE_CMT);
      await expectRevert(sale, c1, 'contribute', [], 'AddressCapExceeded', [5n * ONE_CMT], 5n * ONE_CMT + 1n);
      await send(sale, c1, 'contribute', [], 5n * ONE_CMT);
      await expectRevert(sale, c1, 'contribute', [], 'AddressCapExceeded', [0n], 1n);
      await send(sale, c2, 'contribute', [], 20n * ONE_CMT);
      await expectRevert(sale, c3, 'contribute', [], 'HardCapExceeded', [10n * ONE_CMT], 10n * ONE_CMT + 1n);
      await send(sale, c3, 'contribute', [], 10n * ONE_CMT);
      assert.equal(await read(sale, 'remaining'), 0n);
      assert.equal(await read(sale, 'phase'), Phase.AwaitingFinalization, 'full before the end');
      await expectRevert(sale, stranger, 'contribute', [], 'HardCapExceeded', [0n], 1n);
      await assertBalanced(sale);
    });

    test('the price rounds down on each contributor\'s total, and a contribution that buys nothing is refused', async () => {
      // 0.3 token units per wei
      const rate = 3n * 10n ** 17n;
      const { sale } = await openSale({ tokensPerCmt: rate, softCap: 0n, hardCap: 1000n });
      await expectRevert(sale, c1, 'contribute', [], 'ZeroTokens', [], 3n);
      const r = await send(sale, c1, 'contribute', [], 4n); // floor(1.2) = 1
      expectEvent(r, sale, 'Contributed', [c1.address, 4n, 1n]);
      const r2 = await send(sale, c1, 'contribute', [], 3n); // total 7: floor(2.1) = 2, so one more
      expectEvent(r2, sale, 'Contributed', [c1.address, 3n, 1n]);
      await expectRevert(sale, c1, 'contribute', [], 'ZeroTokens', [], 1n); // total 8: floor(2.4) = 2
      assert.equal(await read(sale, 'tokensOf', [c1.address]), 2n);
      assert.equal(await read(sale, 'tokensSold'), 2n);
      assert.equal(await read(sale, 'tokensForSale'), 300n);
    });
  });

  // ------------------------------------------------------------ outcomes

  describe('finalising, claiming, refunding', () => {
    test('finalize: not before the end, anyone at the end; success when the soft cap is reached; once', async () => {
      const { sale, cfg } = await openSale();
      await send(sale, c1, 'contribute', [], SOFT);
      await expectRevert(sale, stranger, 'finalize', [], 'SaleNotEnded', [cfg.end]);
      await setNextTimestamp(chain, cfg.end);
      const r = await send(sale, stranger, 'finalize');
      gas.record('finalize', r);
      expectEvent(r, sale, 'Finalized', [Outcome.Succeeded, SOFT, tokensFor(SOFT)]);
      assert.equal(await read(sale, 'outcome'), Outcome.Succeeded);
      assert.equal(await read(sale, 'phase'), Phase.Succeeded);
      await expectRevert(sale, stranger, 'finalize', [], 'SaleClosed', [Outcome.Succeeded]);
      await expectRevert(sale, c1, 'contribute', [], 'SaleClosed', [Outcome.Succeeded], 1n);
      await expectRevert(sale, c1, 'refund', [c1.address], 'WrongOutcome', [Outcome.Succeeded]);
    });

    test('a full sale can be finalised before its end', async () => {
      const { sale, cfg } = await openSale();
      await send(sale, c1, 'contribute', [], HARD);
      const r = await send(sale, stranger, 'finalize');
      expectEvent(r, sale, 'Finalized', [Outcome.Succeeded, HARD, tokensFor(HARD)]);
      assert.ok(await latestTimestamp(chain) < cfg.end);
    });

    test('success: claims pay each contributor its tokens once; proceeds go to the beneficiary; unsold tokens to the issuer', async () => {
      const { sale, cfg, saleAddr } = await openSale();
      await send(sale, c1, 'contribute', [], 7n * ONE_CMT);
      await send(sale, c2, 'contribute', [], 5n * ONE_CMT + 3n);
      for (const fn of ['claim', 'reclaimTokens']) await expectRevert(sale, c1, fn, [], 'SaleNotEnded', [cfg.end]);
      await expectRevert(sale, beneficiary, 'withdrawProceeds', [beneficiary.address], 'SaleNotEnded', [cfg.end]);
      await expectRevert(sale, c1, 'refund', [c1.address], 'SaleNotEnded', [cfg.end]);
      await setNextTimestamp(chain, cfg.end + 10n);
      // the first claim finalises
      const r = await send(sale, c1, 'claim');
      gas.record('claim (finalises first)', r);
      const raised = 12n * ONE_CMT + 3n;
      expectEvent(r, sale, 'Finalized', [Outcome.Succeeded, raised, tokensFor(7n * ONE_CMT) + tokensFor(5n * ONE_CMT + 3n)]);
      expectEvent(r, sale, 'Claimed', [c1.address, tokensFor(7n * ONE_CMT)]);
      assert.equal(await tokensOf(c1.address), tokensFor(7n * ONE_CMT));
      await expectRevert(sale, c1, 'claim', [], 'NothingToClaim', []);
      await expectRevert(sale, stranger, 'claim', [], 'NothingToClaim', []);
      const r2 = await send(sale, c2, 'claim');
      gas.record('claim', r2);
      assert.equal(await tokensOf(c2.address), tokensFor(5n * ONE_CMT + 3n));
      await assertBalanced(sale);
      // proceeds: strangers may only push them to the beneficiary
      await expectRevert(sale, stranger, 'withdrawProceeds', [stranger.address], 'NotBeneficiary', [stranger.address]);
      const before = await cmtOf(beneficiary.address);
      const w = await send(sale, stranger, 'withdrawProceeds', [beneficiary.address]);
      gas.record('withdrawProceeds', w);
      expectEvent(w, sale, 'ProceedsWithdrawn', [beneficiary.address, raised]);
      assert.equal(await cmtOf(beneficiary.address), before + raised);
      assert.equal(await cmtOf(saleAddr), 0n);
      await expectRevert(sale, beneficiary, 'withdrawProceeds', [beneficiary.address], 'NothingToWithdraw', []);
      // unsold tokens back to the issuer, by anyone, once
      const issuerBefore = await tokensOf(issuer.address);
      const unsold = tokensFor(HARD) - (await read<bigint>(sale, 'tokensSold'));
      const rt = await send(sale, stranger, 'reclaimTokens');
      gas.record('reclaimTokens', rt);
      expectEvent(rt, sale, 'TokensReclaimed', [issuer.address, unsold]);
      assert.equal(await tokensOf(issuer.address), issuerBefore + unsold);
      assert.equal(await tokensOf(saleAddr), 0n);
      await expectRevert(sale, stranger, 'reclaimTokens', [], 'NothingToReclaim', []);
      await assertBalanced(sale);
      assert.equal((await read<bigint>(sale, 'tokensClaimed')) + (await read<bigint>(sale, 'tokensReclaimed')), tokensFor(HARD));
    });

    test('the beneficiary may send the proceeds elsewhere; withdrawing finalises; a sold-out sale has nothing to reclaim', async () => {
      const { sale } = await openSale();
      await send(sale, c1, 'contribute', [], HARD);
      const sink = fresh();
      await expectRevert(sale, beneficiary, 'withdrawProceeds', [ZERO_ADDRESS], 'ZeroAddress', []);
      const r = await send(sale, beneficiary, 'withdrawProceeds', [sink]);
      expectEvent(r, sale, 'Finalized', [Outcome.Succeeded, HARD, tokensFor(HARD)]);
      expectEvent(r, sale, 'ProceedsWithdrawn', [sink, HARD]);
      assert.equal(await cmtOf(sink), HARD);
      await expectRevert(sale, stranger, 'reclaimTokens', [], 'NothingToReclaim', []);
      await expectRevert(sale, c1, 'refund', [c1.address], 'WrongOutcome', [Outcome.Succeeded]);
    });

    test('failure: every contributor pulls back exactly what it paid, once; no claims or proceeds; all tokens back', async () => {
      const { sale, cfg, saleAddr } = await openSale();
      await send(sale, c1, 'contribute', [], 3n * ONE_CMT);
      await send(sale, c2, 'contribute', [], 2n * ONE_CMT + 1n);
      await setNextTimestamp(chain, cfg.end);
      const sink1 = fresh();
      const r = await send(sale, c1, 'refund', [sink1]);
      gas.record('refund (finalises first)', r);
      expectEvent(r, sale, 'Finalized', [Outcome.Failed, 5n * ONE_CMT + 1n, tokensFor(3n * ONE_CMT) + tokensFor(2n * ONE_CMT + 1n)]);
      expectEvent(r, sale, 'Refunded', [c1.address, sink1, 3n * ONE_CMT]);
      assert.equal(await cmtOf(sink1), 3n * ONE_CMT);
      assert.equal(await read(sale, 'contributionOf', [c1.address]), 0n);
      assert.equal(await read(sale, 'tokensOf', [c1.address]), 0n);
      await expectRevert(sale, c1, 'refund', [sink1], 'NothingToRefund', []);
      await expectRevert(sale, c2, 'refund', [ZERO_ADDRESS], 'ZeroAddress', []);
      await expectRevert(sale, c2, 'claim', [], 'WrongOutcome', [Outcome.Failed]);
      await expectRevert(sale, beneficiary, 'withdrawProceeds', [beneficiary.address], 'WrongOutcome', [Outcome.Failed]);
      const sink2 = fresh();
      const r2 = await send(sale, c2, 'refund', [sink2]);
      gas.record('refund', r2);
      expectNoEvent(r2, sale, 'Finalized');
      assert.equal(await cmtOf(sink2), 2n * ONE_CMT + 1n);
      assert.equal(await cmtOf(saleAddr), 0n);
      assert.equal(await read(sale, 'totalRefunded'), 5n * ONE_CMT + 1n);
      const before = await tokensOf(issuer.address);
      const rt = await send(sale, stranger, 'reclaimTokens');
      expectEvent(rt, sale, 'TokensReclaimed', [issuer.address, tokensFor(HARD)]);
      assert.equal(await tokensOf(issuer.address), before + tokensFor(HARD));
      await assertBalanced(sale);
      await expectRevert(sale, stranger, 'finalize', [], 'SaleClosed', [Outcome.Failed]);
    });

    test('a sale nobody contributed to fails at its end and returns all tokens (reclaim finalises)', async () => {
      const { sale, cfg } = await createSale();
      await setNextTimestamp(chain, cfg.end);
      const r = await send(sale, stranger, 'reclaimTokens');
      expectEvent(r, sale, 'Finalized', [Outcome.Failed, 0n, 0n]);
      expectEvent(r, sale, 'TokensReclaimed', [issuer.address, tokensFor(HARD)]);
    });

    test('a soft cap of 0 always succeeds', async () => {
      const { sale, cfg } = await createSale({ softCap: 0n });
      await setNextTimestamp(chain, cfg.end);
      const r = await send(sale, stranger, 'finalize');
      expectEvent(r, sale, 'Finalized', [Outcome.Succeeded, 0n, 0n]);
    });

    test('cancel: only the issuer, only before the start; then nothing can be bought and all tokens go back', async () => {
      const { sale, cfg } = await createSale();
      await expectRevert(sale, stranger, 'cancel', [], 'NotIssuer', [stranger.address]);
      const r = await send(sale, issuer, 'cancel');
      gas.record('cancel', r);
      expectEvent(r, sale, 'Canceled', [issuer.address]);
      assert.equal(await read(sale, 'phase'), Phase.Canceled);
      await expectRevert(sale, issuer, 'cancel', [], 'SaleClosed', [Outcome.Canceled]);
      await mineAt(chain, cfg.start);
      await expectRevert(sale, c1, 'contribute', [], 'SaleClosed', [Outcome.Canceled], ONE_CMT);
      await expectRevert(sale, c1, 'refund', [c1.address], 'NothingToRefund', []);
      await expectRevert(sale, c1, 'claim', [], 'WrongOutcome', [Outcome.Canceled]);
      await expectRevert(sale, stranger, 'finalize', [], 'SaleClosed', [Outcome.Canceled]);
      const before = await tokensOf(issuer.address);
      await send(sale, stranger, 'reclaimTokens');
      assert.equal(await tokensOf(issuer.address), before + tokensFor(HARD));
      const { sale: started, cfg: cfg2 } = await openSale();
      await expectRevert(started, issuer, 'cancel', [], 'SaleStarted', [cfg2.start]);
    });
  });

  // ------------------------------------------------------------ identity allow list

  describe('identity allow list', () => {
    const VALUE = 'kyc=passed';

    async function kycd(who: Wallet, ttl = 10n * BigInt(DAY)): Promise<void> {
      const salt = hexlify(randomBytes(32));
      const c = commitment(KYC, VALUE, salt, who.address);
      await send(ids, who, 'registerCommitment', [KYC, c]);
      await send(ids, kycIssuer, 'attest', [who.address, KYC, c, (await latestTimestamp(chain)) + ttl]);
    }

    test('only accounts with a valid attestation from the set may contribute; revocation and expiry shut them out', async () => {
      await kycd(c1);
      await kycd(c2, 1000n);
      const { expiresAt: expiry } = await readStruct<{ expiresAt: bigint }>(ids, 'getAttestation', [c2.address, KYC, kycIssuer.address]);
      const { sale } = await openSale({ gate: idsAddr, kind: KYC, issuerSetId: setId });
      const r = await send(sale, c1, 'contribute', [], ONE_CMT);
      gas.record('contribute (through the attestation gate)', r);
      await expectRevert(sale, c3, 'contribute', [], 'NotAllowed', [c3.address], ONE_CMT);
      await send(sale, c2, 'contribute', [], ONE_CMT);
      await send(ids, kycIssuer, 'revoke', [c1.address, KYC]);
      await expectRevert(sale, c1, 'contribute', [], 'NotAllowed', [c1.address], ONE_CMT);
      await mineAt(chain, expiry - 1n);
      await sale.connect(c2).getFunction('contribute').staticCall({ value: ONE_CMT });
      await mineAt(chain, expiry);
      await expectRevert(sale, c2, 'contribute', [], 'NotAllowed', [c2.address], ONE_CMT);
      // a contract contributing on behalf of an attested account is not that account
      const { contract: actor } = await deploy('Actor', c1);
      await expectRevert(actor, c1, 'exec', [await sale.getAddress(), sale.interface.encodeFunctionData('contribute')], 'NotAllowed', [await actor.getAddress()], ONE_CMT);
      // attested accounts keep their refunds and claims whatever happens to the attestation
      assert.equal(await read(sale, 'contributionOf', [c1.address]), ONE_CMT);
    });

    test('the gate checks the configured set and kind: other sets or kinds do not count', async () => {
      await kycd(c1);
      const r = await send(ids, admin, 'createIssuerSet', [[]]);
      const emptySet = eventsOf(r, ids, 'IssuerSetCreated')[0]!.args[0] as bigint;
      const { sale: s1 } = await openSale({ gate: idsAddr, kind: KYC, issuerSetId: emptySet });
      await expectRevert(s1, c1, 'contribute', [], 'NotAllowed', [c1.address], ONE_CMT);
      const { sale: s2 } = await openSale({ gate: idsAddr, kind: kindOf('ACCREDITED'), issuerSetId: setId });
      await expectRevert(s2, c1, 'contribute', [], 'NotAllowed', [c1.address], ONE_CMT);
      const { sale: s3 } = await openSale({ gate: idsAddr, kind: KYC, issuerSetId: setId });
      await send(s3, c1, 'contribute', [], ONE_CMT);
    });
  });

  // ------------------------------------------------------------ hostile parties

  describe('reentrancy and hostile receivers and tokens', () => {
    async function actorContributes(sale: Contract, owner: Wallet, amount: bigint): Promise<{ actor: Contract; actorAddr: string }> {
      const { contract: actor } = await deploy('Actor', owner);
      await send(actor, owner, 'exec', [await sale.getAddress(), sale.interface.encodeFunctionData('contribute')], amount);
      return { actor, actorAddr: await actor.getAddress() };
    }

    test('a contributor contract re-entering refund from its receive() is refunded exactly once', async () => {
      const { sale, cfg, saleAddr } = await openSale();
      await send(sale, c1, 'contribute', [], ONE_CMT);
      const { actor, actorAddr } = await actorContributes(sale, spare, 2n * ONE_CMT);
      await setNextTimestamp(chain, cfg.end);
      await send(sale, stranger, 'finalize');
      const refundSelf = sale.interface.encodeFunctionData('refund', [actorAddr]);
      await send(actor, spare, 'setHook', [saleAddr, refundSelf]);
      await send(actor, spare, 'exec', [saleAddr, refundSelf]);
      assert.equal(await read(actor, 'hookRuns'), 1n);
      assert.equal(await read(actor, 'lastHookSucceeded'), false);
      assert.equal(await read(actor, 'lastHookData'), REENTRANT);
      assert.equal(await cmtOf(actorAddr), 2n * ONE_CMT);
      assert.equal(await cmtOf(saleAddr), ONE_CMT, 'c1\'s contribution is untouched');
      assert.equal(await read(sale, 'totalRefunded'), 2n * ONE_CMT);
    });

    test('a contributor contract whose receive() tries claim during its refund meets the guard', async () => {
      const { sale, cfg, saleAddr } = await openSale();
      const { actor, actorAddr } = await actorContributes(sale, spare, ONE_CMT);
      await setNextTimestamp(chain, cfg.end);
      await send(sale, stranger, 'finalize');
      await send(actor, spare, 'setHook', [saleAddr, sale.interface.encodeFunctionData('claim')]);
      await send(actor, spare, 'exec', [saleAddr, sale.interface.encodeFunctionData('refund', [actorAddr])]);
      assert.equal(await read(actor, 'lastHookSucceeded'), false);
      assert.equal(await read(actor, 'lastHookData'), REENTRANT);
      assert.equal(await cmtOf(actorAddr), ONE_CMT);
      await assertBalanced(sale);
    });

    test('a contributor contract that refuses CMT cannot get its refund to itself, but to another address', async () => {
      const { sale, cfg, saleAddr } = await openSale();
      const { actor, actorAddr } = await actorContributes(sale, spare, ONE_CMT);
      await setNextTimestamp(chain, cfg.end);
      await send(sale, stranger, 'finalize');
      await send(actor, spare, 'setRejectCmt', [true]);
      await expectRevert(actor, spare, 'exec', [saleAddr, sale.interface.encodeFunctionData('refund', [actorAddr])], 'CmtTransferFailed', [actorAddr, ONE_CMT]);
      const sink = fresh();
      await send(actor, spare, 'exec', [saleAddr, sale.interface.encodeFunctionData('refund', [sink])]);
      assert.equal(await cmtOf(sink), ONE_CMT);
      await assertBalanced(sale);
    });

    test('a beneficiary contract re-entering withdrawProceeds is paid once', async () => {
      const { contract: ben } = await deploy('Actor', spare);
      const benAddr = await ben.getAddress();
      const { sale, saleAddr } = await openSale({ beneficiary: benAddr });
      await send(sale, c1, 'contribute', [], HARD);
      const withdraw = sale.interface.encodeFunctionData('withdrawProceeds', [benAddr]);
      await send(ben, spare, 'setHook', [saleAddr, withdraw]);
      await send(sale, stranger, 'withdrawProceeds', [benAddr]);
      assert.equal(await read(ben, 'lastHookSucceeded'), false);
      assert.equal(await read(ben, 'lastHookData'), REENTRANT);
      assert.equal(await cmtOf(benAddr), HARD);
      assert.equal(await cmtOf(saleAddr), 0n);
    });

    test('a token re-entering claim from inside its transfer is stopped; a token that loses balance blocks claims (Insolvent)', async () => {
      const { contract: tricky } = await deploy('TrickyToken', issuer, ['TRK', 10n ** 30n]);
      const trickyAddr = await tricky.getAddress();
      await send(tricky, issuer, 'approve', [factoryAddr, MAX_UINT256]);
      const { sale, cfg, saleAddr } = await openSale({ token: trickyAddr });
      await send(sale, c1, 'contribute', [], 20n * ONE_CMT);
      await send(sale, c2, 'contribute', [], 10n * ONE_CMT);
      await setNextTimestamp(chain, cfg.end);
      await send(sale, stranger, 'finalize');
      const claim = sale.interface.encodeFunctionData('claim');
      await send(tricky, issuer, 'arm', [saleAddr, claim, true]);
      await expectRevert(sale, c1, 'claim', [], 'ReentrancyGuardReentrantCall', []);
      await send(tricky, issuer, 'arm', [saleAddr, claim, false]);
      await send(sale, c1, 'claim');
      assert.equal(await read(tricky, 'lastHookData'), REENTRANT);
      assert.equal(await tokensOf(c1.address, tricky), tokensFor(20n * ONE_CMT));
      await assertBalanced(sale, tricky);
      await send(tricky, issuer, 'seize', [saleAddr, 1n]);
      const held = await tokensOf(saleAddr, tricky);
      const owed = await read<bigint>(sale, 'tokenLiabilities');
      await expectRevert(sale, c2, 'claim', [], 'Insolvent', [trickyAddr, held - tokensFor(10n * ONE_CMT), owed - tokensFor(10n * ONE_CMT)]);
      await send(tricky, issuer, 'mint', [saleAddr, 1n]);
      await send(sale, c2, 'claim');
      await assertBalanced(sale, tricky);
    });
  });

  // ------------------------------------------------------------ properties

  describe('money invariants (fast-check)', () => {
    const seed = Number(process.env['FC_SEED'] ?? 20240609);

    interface Plan {
      softCap: bigint;
      hardCap: bigint;
      maxPerAddress: bigint;
      rate: bigint;
      contributions: { who: number; amount: bigint }[];
    }

    const planArb: fc.Arbitrary<Plan> = fc
      .record({
        hardCap: fc.bigInt({ min: 1000n, max: 100n * ONE_CMT }),
        // half the runs aim the soft cap at the hard cap, so they fail with contributions to refund
        softFraction: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constant(100)),
        perAddressFraction: fc.oneof(fc.constant(0), fc.integer({ min: 30, max: 100 })),
        rate: fc.oneof(fc.constant(RATE), fc.bigInt({ min: 10n ** 16n, max: 10n ** 21n })),
        contributions: fc.array(
          fc.record({ who: fc.nat({ max: 2 }), fraction: fc.integer({ min: 1, max: 40 }), dust: fc.bigInt({ min: 0n, max: 999n }) }),
          { minLength: 1, maxLength: 7 },
        ),
      })
      .map((r) => ({
        hardCap: r.hardCap,
        softCap: (r.hardCap * BigInt(r.softFraction)) / 100n,
        maxPerAddress: r.perAddressFraction === 0 ? 0n : (r.hardCap * BigInt(r.perAddressFraction)) / 100n + 1n,
        rate: r.rate,
        contributions: r.contributions.map((c) => ({ who: c.who, amount: (r.hardCap * BigInt(c.fraction)) / 100n + c.dust })),
      }));

    test('refunds return every contribution exactly when the soft cap is missed; the sale never pays out more than it took', { timeout: 90_000 }, async () => {
      const outcomes = { succeeded: 0, failed: 0, refunds: 0, claims: 0, accepted: 0, rejected: 0 };
      await fc.assert(
        fc.asyncProperty(planArb, async (plan) => {
          const base = await snapshot(chain);
          try {
            const wallets = [c1, c2, c3];
            const { sale, cfg, saleAddr } = await openSale({
              softCap: plan.softCap, hardCap: plan.hardCap, maxPerAddress: plan.maxPerAddress, tokensPerCmt: plan.rate,
            }).catch(async (e: unknown) => {
              throw new Error(`openSale: ${String(e)}`);
            });
            const paid = new Map<number, bigint>();
            let raised = 0n;
            let cmtIn = 0n;
            for (const { who, amount } of plan.contributions) {
              const before = paid.get(who) ?? 0n;
              const overHard = raised + amount > plan.hardCap;
              const overAddress = plan.maxPerAddress !== 0n && before + amount > plan.maxPerAddress;
              const zeroTokens = tokensFor(before + amount, plan.rate) === tokensFor(before, plan.rate);
              if (amount === 0n || overHard || overAddress || zeroTokens) {
                const error = amount === 0n ? 'ZeroContribution' : overHard ? 'HardCapExceeded' : overAddress ? 'AddressCapExceeded' : 'ZeroTokens';
                await expectRevert(sale, wallets[who]!, 'contribute', [], error, undefined, amount);
                outcomes.rejected++;
                continue;
              }
              await send(sale, wallets[who]!, 'contribute', [], amount);
              paid.set(who, before + amount);
              raised += amount;
              cmtIn += amount;
              outcomes.accepted++;
              assert.equal(await cmtOf(saleAddr), raised, 'everything contributed is held');
              await assertBalanced(sale);
            }
            assert.equal(await read(sale, 'totalRaised'), raised);
            const sold = [...paid.values()].reduce((s, v) => s + tokensFor(v, plan.rate), 0n);
            assert.equal(await read(sale, 'tokensSold'), sold);
            assert.ok(sold <= (await read<bigint>(sale, 'tokensForSale')), 'never sells more tokens than it holds');
            await setNextTimestamp(chain, cfg.end);
            await send(sale, stranger, 'finalize');
            const succeeded = raised >= plan.softCap;
            assert.equal(await read(sale, 'outcome'), succeeded ? Outcome.Succeeded : Outcome.Failed);
            let cmtOut = 0n;
            let tokensOut = 0n;
            if (succeeded) {
              outcomes.succeeded++;
              for (const [who, v] of paid) {
                await expectRevert(sale, wallets[who]!, 'refund', [wallets[who]!.address], 'WrongOutcome', [Outcome.Succeeded]);
                const before = await tokensOf(wallets[who]!.address);
                await send(sale, wallets[who]!, 'claim');
                const got = (await tokensOf(wallets[who]!.address)) - before;
                assert.equal(got, tokensFor(v, plan.rate));
                tokensOut += got;
                outcomes.claims++;
                await assertBalanced(sale);
              }
              const sink = fresh();
              await send(sale, beneficiary, 'withdrawProceeds', [sink]);
              cmtOut += await cmtOf(sink);
              assert.equal(await cmtOf(sink), raised);
            } else {
              outcomes.failed++;
              for (const [who, v] of paid) {
                await expectRevert(sale, wallets[who]!, 'claim', [], 'WrongOutcome', [Outcome.Failed]);
                const sink = fresh();
                await send(sale, wallets[who]!, 'refund', [sink]);
                assert.equal(await cmtOf(sink), v, 'the refund is exactly the contribution');
                cmtOut += v;
                outcomes.refunds++;
                await expectRevert(sale, wallets[who]!, 'refund', [sink], 'NothingToRefund', []);
                await assertBalanced(sale);
              }
              assert.equal(cmtOut, raised, 'refunds add up to everything raised');
            }
            const issuerBefore = await tokensOf(issuer.address);
            const forSale = await read<bigint>(sale, 'tokensForSale');
            const unsold = succeeded ? forSale - sold : forSale;
            if (unsold === 0n) await expectRevert(sale, stranger, 'reclaimTokens', [], 'NothingToReclaim', []);
            else expectEvent(await send(sale, stranger, 'reclaimTokens'), sale, 'TokensReclaimed', [issuer.address, unsold]);
            tokensOut += (await tokensOf(issuer.address)) - issuerBefore;
            assert.ok(cmtOut <= cmtIn, 'never pays out more CMT than it took');
            assert.equal(cmtOut, cmtIn, 'and in the end pays out all of it');
            assert.equal(tokensOut, await read<bigint>(sale, 'tokensForSale'), 'every token goes to a buyer or back to the issuer');
            assert.equal(await cmtOf(saleAddr), 0n);
            assert.equal(await tokensOf(saleAddr), 0n);
          } finally {
            await revertTo(chain, base);
          }
        }),
        { numRuns: Number(process.env['FC_RUNS'] ?? 10), seed, endOnFailure: true },
      );
      if (process.env['FC_DEBUG']) console.log(outcomes);
      if (process.env['FC_SEED'] === undefined) {
        // with the fixed seed the runs reach both outcomes with real refunds and claims, and some rejections
        const reached = outcomes.succeeded > 0 && outcomes.failed > 0 && outcomes.refunds > 1 && outcomes.claims > 1 && outcomes.rejected > 0;
        assert.ok(reached, `the property test exercised too little: ${JSON.stringify(outcomes)}`);
      }
    });
  });
});
