/**
 * Checks on our own node: XRPL-style deferred pull payments of CMT (drawn on a deposit) and ERC-20 (drawn on an
 * allowance). Create, exact and flexible ("at least") cashing up to sendMax, retry after insufficient funds,
 * cancel rules before and at expiry, the exact custom error of every refusal, fee-on-transfer rejection,
 * reentrancy, and a property test of what flexible cashing delivers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Wallet, ZeroHash, id as keccakId } from 'ethers';
import type { Contract } from 'ethers';
import {
  GasRecorder, fcRuns, NATIVE, ONE, as, balanceOf, call, deploy, expectEvent, expectFullyBacked, expectRevert, feeOf, now,
  revertTo, send, setNextTimestamp, snapshot, startSettlementNode,
} from './settlementFixtures.ts';
import type { SettlementEnv } from './settlementFixtures.ts';

const OPEN = 1n;
const CASHED = 2n;
const CANCELLED = 3n;
const INVOICE = keccakId('invoice 2024-117');
const DAY = 86_400n;

describe('Checks', () => {
  let env: SettlementEnv;
  let sender: Wallet;
  let dest: Wallet;
  let stranger: Wallet;
  let checks: Contract;
  let addr: string;
  let token: Contract;
  let tokenAddr: string;
  const gas = new GasRecorder('Checks');

  before(async () => {
    env = await startSettlementNode();
    [sender, dest, stranger] = env.wallets as [Wallet, Wallet, Wallet];
    checks = await deploy('Checks', sender);
    addr = await checks.getAddress();
    token = await deploy('MintableTestToken', sender, 'Stable', 'USD', 6);
    tokenAddr = await token.getAddress();
    await send(token, 'mint', sender.address, 10n ** 12n);
    await send(token, 'approve', addr, 2n ** 255n);
  });

  after(async () => {
    gas.report();
    await env?.close();
  });

  async function write(opts: { asset?: string; sendMax?: bigint; expiration?: bigint; from?: Wallet; to?: string } = {}): Promise<bigint> {
    const expiration = opts.expiration ?? (await now(env.provider)) + DAY;
    const r = await send(as(checks, opts.from ?? sender), 'create', opts.to ?? dest.address, opts.asset ?? tokenAddr,
      opts.sendMax ?? 1000n, expiration, INVOICE);
    gas.record('create', r);
    return call<bigint>(checks, 'checkCount');
  }

  async function status(id: bigint): Promise<bigint> {
    return (await call<unknown[]>(checks, 'getCheck', id))[2] as bigint;
  }

  test('create: records the check, reserves nothing and emits CheckCreated', async () => {
    const exp = (await now(env.provider)) + DAY;
    const before = await balanceOf(env.provider, tokenAddr, sender.address);
    const r = await send(checks, 'create', dest.address, tokenAddr, 5000n, exp, INVOICE);
    const id = await call<bigint>(checks, 'checkCount');
    expectEvent(r, checks, 'CheckCreated', [id, sender.address, dest.address, tokenAddr, 5000n, exp, INVOICE]);
    assert.deepEqual([...(await call<unknown[]>(checks, 'getCheck', id))].map(String),
      [sender.address, exp, OPEN, dest.address, tokenAddr, 5000n, INVOICE].map(String));
    assert.equal(await balanceOf(env.provider, tokenAddr, sender.address), before);
    assert.equal(await balanceOf(env.provider, tokenAddr, addr), 0n);
  });

  test('create: every invalid input reverts with its own error', async () => {
    const t = (await now(env.provider)) + 5n;
    const c = (to: string, asset: string, max: bigint, exp: bigint) => checks.getFunction('create')(to, asset, max, exp, ZeroHash);
    await setNextTimestamp(env.provider, t);
    await expectRevert(c(NATIVE, tokenAddr, 1n, t + 9n), checks, 'ZeroAddress');
    await expectRevert(c(sender.address, tokenAddr, 1n, t + 9n), checks, 'SelfCheck');
    await expectRevert(c(dest.address, tokenAddr, 0n, t + 9n), checks, 'ZeroAmount');
    await expectRevert(c(dest.address, stranger.address, 1n, t + 9n), checks, 'NotAToken', [stranger.address]);
    await expectRevert(c(dest.address, tokenAddr, 1n, t), checks, 'InvalidExpiration', [t]);
  });

  test('cash: exact amount of a token check, once; the sender keeps the rest of sendMax', async () => {
    const id = await write({ sendMax: 1000n });
    const s0 = await balanceOf(env.provider, tokenAddr, sender.address);
    const d0 = await balanceOf(env.provider, tokenAddr, dest.address);
    assert.equal(await call(checks, 'cashable', id), 1000n);
    const r = gas.record('cash exact (ERC-20)', await send(as(checks, dest), 'cash', id, 600n));
    expectEvent(r, checks, 'CheckCashed', [id, dest.address, tokenAddr, 600n]);
    assert.equal(await balanceOf(env.provider, tokenAddr, dest.address), d0 + 600n);
    assert.equal(await balanceOf(env.provider, tokenAddr, sender.address), s0 - 600n);
    assert.equal(await status(id), CASHED);
    assert.equal(await call(checks, 'cashable', id), 0n);
    await expectRevert(as(checks, dest).getFunction('cash')(id, 400n), checks, 'CheckNotOpen', [id, CASHED]);
    await expectRevert(as(checks, dest).getFunction('cancel')(id), checks, 'CheckNotOpen', [id, CASHED]);
  });

  test('cash: refusals (above sendMax, zero, not the destination, unknown check)', async () => {
    const id = await write({ sendMax: 1000n });
    await expectRevert(as(checks, dest).getFunction('cash')(id, 1001n), checks, 'AmountExceedsSendMax', [id, 1001n, 1000n]);
    await expectRevert(as(checks, dest).getFunction('cash')(id, 0n), checks, 'ZeroAmount');
    await expectRevert(as(checks, stranger).getFunction('cash')(id, 10n), checks, 'NotDestination', [id, stranger.address]);
    await expectRevert(checks.getFunction('cash')(id, 10n), checks, 'NotDestination', [id, sender.address]);
    await expectRevert(as(checks, dest).getFunction('cash')(4242n, 10n), checks, 'CheckNotOpen', [4242n, 0n]);
    await expectRevert(as(checks, dest).getFunction('cashAtLeast')(id, 1001n), checks, 'AmountExceedsSendMax', [id, 1001n, 1000n]);
    await expectRevert(as(checks, dest).getFunction('cashAtLeast')(id, 0n), checks, 'ZeroAmount');
    await expectRevert(as(checks, stranger).getFunction('cashAtLeast')(id, 10n), checks, 'NotDestination', [id, stranger.address]);
    await expectRevert(as(checks, dest).getFunction('cashAtLeast')(4242n, 10n), checks, 'CheckNotOpen', [4242n, 0n]);
  });

  test('cash: insufficient allowance or balance fails, and the same check cashes once funds are there', async () => {
    const poor = env.wallets[5]!;
    await send(token, 'mint', poor.address, 300n);
    await send(as(token, poor), 'approve', addr, 100n);
    const id = await write({ from: poor, sendMax: 500n });
    await expectRevert(as(checks, dest).getFunction('cash')(id, 200n), checks, 'InsufficientFunds', [id, 100n, 200n]);
    await send(as(token, poor), 'approve', addr, 10_000n);
    await expectRevert(as(checks, dest).getFunction('cash')(id, 400n), checks, 'InsufficientFunds', [id, 300n, 400n]);
    assert.equal(await call(checks, 'cashable', id), 300n);
    await send(as(checks, dest), 'cash', id, 300n);
    assert.equal(await balanceOf(env.provider, tokenAddr, poor.address), 0n);
  });

  test('cashAtLeast: delivers as much as is available up to sendMax, never below deliverMin', async () => {
    const payer = env.wallets[6]!;
    await send(token, 'mint', payer.address, 5000n);
    await send(as(token, payer), 'approve', addr, 700n);
    const id = await write({ from: payer, sendMax: 1000n });
    await expectRevert(as(checks, dest).getFunction('cashAtLeast')(id, 701n), checks, 'InsufficientFunds', [id, 700n, 701n]);
    const d0 = await balanceOf(env.provider, tokenAddr, dest.address);
    const r = gas.record('cashAtLeast (ERC-20)', await send(as(checks, dest), 'cashAtLeast', id, 500n));
    expectEvent(r, checks, 'CheckCashed', [id, dest.address, tokenAddr, 700n]);
    assert.equal(await balanceOf(env.provider, tokenAddr, dest.address), d0 + 700n);
    // with plenty available it stops at sendMax
    await send(as(token, payer), 'approve', addr, 10_000n);
    const id2 = await write({ from: payer, sendMax: 1000n });
    const r2 = await send(as(checks, dest), 'cashAtLeast', id2, 1n);
    expectEvent(r2, checks, 'CheckCashed', [id2, dest.address, tokenAddr, 1000n]);
  });

  test('CMT checks draw on the sender\'s deposit: deposit, cash, flexible cash, withdraw the rest', async () => {
    await expectRevert(checks.getFunction('deposit')({ value: 0n }), checks, 'ZeroAmount');
    const r = gas.record('deposit (CMT)', await send(checks, 'deposit', { value: 3n * ONE }));
    expectEvent(r, checks, 'Credited', [sender.address, NATIVE, 3n * ONE]);
    const id = await write({ asset: NATIVE, sendMax: 2n * ONE });
    const id2 = await write({ asset: NATIVE, sendMax: 5n * ONE });
    const before = await env.provider.getBalance(dest.address);
    const c = gas.record('cash exact (CMT)', await send(as(checks, dest), 'cash', id, 2n * ONE));
    assert.equal(await env.provider.getBalance(dest.address), before + 2n * ONE - feeOf(c));
    assert.equal(await call(checks, 'owed', sender.address, NATIVE), ONE);
    await expectRevert(as(checks, dest).getFunction('cash')(id2, 2n * ONE), checks, 'InsufficientFunds', [id2, ONE, 2n * ONE]);
    await expectRevert(as(checks, dest).getFunction('cashAtLeast')(id2, ONE + 1n), checks, 'InsufficientFunds', [id2, ONE, ONE + 1n]);
    const f = await send(as(checks, dest), 'cashAtLeast', id2, ONE / 2n);
    expectEvent(f, checks, 'CheckCashed', [id2, dest.address, NATIVE, ONE]);
    assert.equal(await call(checks, 'owed', sender.address, NATIVE), 0n);
    await expectFullyBacked(env.provider, checks, [NATIVE]);
    await send(checks, 'deposit', { value: ONE });
    const w = await send(checks, 'withdraw', NATIVE);
    expectEvent(w, checks, 'Withdrawn', [sender.address, NATIVE, ONE]);
    await expectRevert(checks.getFunction('withdraw')(NATIVE), checks, 'NothingToWithdraw', [NATIVE]);
    await expectFullyBacked(env.provider, checks, [NATIVE]);
  });

  test('expiry: cashable until the second before expiration; at expiration only cancel, and by anyone', async () => {
    const t = (await now(env.provider)) + 5n;
    const a = await write({ expiration: t + 100n });
    const b = await write({ expiration: t + 100n });
    await setNextTimestamp(env.provider, t + 99n);
    await send(as(checks, dest), 'cash', a, 10n);
    await setNextTimestamp(env.provider, t + 100n);
    await expectRevert(as(checks, dest).getFunction('cash')(b, 10n), checks, 'CheckExpired', [b, t + 100n]);
    await expectRevert(as(checks, dest).getFunction('cashAtLeast')(b, 10n), checks, 'CheckExpired', [b, t + 100n]);
    const r = gas.record('cancel (anyone, expired)', await send(as(checks, stranger), 'cancel', b));
    expectEvent(r, checks, 'CheckCancelled', [b, stranger.address]);
    assert.equal(await status(b), CANCELLED);
  });

  test('cancel: before expiry only the sender or the destination', async () => {
    const a = await write();
    const b = await write();
    await expectRevert(as(checks, stranger).getFunction('cancel')(a), checks, 'NotAuthorized', [a, stranger.address]);
    gas.record('cancel (sender)', await send(checks, 'cancel', a));
    await send(as(checks, dest), 'cancel', b);
    assert.equal(await status(a), CANCELLED);
    assert.equal(await status(b), CANCELLED);
    await expectRevert(as(checks, dest).getFunction('cash')(a, 1n), checks, 'CheckNotOpen', [a, CANCELLED]);
    await expectRevert(checks.getFunction('cancel')(a), checks, 'CheckNotOpen', [a, CANCELLED]);
    await expectRevert(checks.getFunction('cancel')(9999n), checks, 'CheckNotOpen', [9999n, 0n]);
  });

  test('a fee-on-transfer token check cannot be cashed for less than it says', async () => {
    const fee = await deploy('FeeOnTransferToken', sender);
    const feeAddr = await fee.getAddress();
    await send(fee, 'mint', sender.address, 10_000n);
    await send(fee, 'approve', addr, 10_000n);
    const id = await write({ asset: feeAddr, sendMax: 1000n });
    await expectRevert(as(checks, dest).getFunction('cash')(id, 1000n), checks, 'FeeOnTransferToken', [feeAddr, 1000n, 990n]);
    assert.equal(await status(id), OPEN);
  });

  test('reentrancy: a token hook re-entering cash, and a destination contract re-entering on receipt, are refused', async () => {
    const evil = await deploy('ReentrantToken', sender);
    const evilAddr = await evil.getAddress();
    await send(evil, 'mint', sender.address, 10_000n);
    await send(evil, 'approve', addr, 10_000n);
    const id = await write({ asset: evilAddr, sendMax: 1000n });
    const other = await write({ asset: evilAddr, sendMax: 1000n });
    await send(evil, 'arm', addr, checks.interface.encodeFunctionData('cash', [other, 1000n]));
    await send(as(checks, dest), 'cash', id, 1000n);
    assert.equal(await call(evil, 'attempted'), true);
    assert.equal(checks.interface.parseError(await call<string>(evil, 'lastReturn'))?.name, 'ReentrancyGuardReentrantCall');
    assert.equal(await balanceOf(env.provider, evilAddr, dest.address), 1000n);
    assert.equal(await status(other), OPEN);

    const recv = await deploy('MaliciousReceiver', sender);
    const recvAddr = await recv.getAddress();
    await send(checks, 'deposit', { value: 2n * ONE });
    const c1 = await write({ asset: NATIVE, sendMax: ONE, to: recvAddr });
    const c2 = await write({ asset: NATIVE, sendMax: ONE, to: recvAddr });
    await send(recv, 'configure', 2, addr, checks.interface.encodeFunctionData('cash', [c2, ONE]));
    await send(recv, 'execute', addr, 0n, checks.interface.encodeFunctionData('cash', [c1, ONE]));
    assert.equal(checks.interface.parseError(await call<string>(recv, 'lastReturn'))?.name, 'ReentrancyGuardReentrantCall');
    assert.equal(await env.provider.getBalance(recvAddr), ONE);
    assert.equal(await status(c2), OPEN);
    // a destination that rejects CMT only fails its own cashing; the check stays open
    await send(recv, 'configure', 1, NATIVE, '0x');
    await expectRevert(recv.getFunction('execute')(addr, 0n, checks.interface.encodeFunctionData('cash', [c2, ONE])), checks,
      'NativeTransferFailed', [recvAddr, ONE]);
    assert.equal(await status(c2), OPEN);
    await expectFullyBacked(env.provider, checks, [NATIVE]);
  });

  test('property: flexible cashing delivers min(sendMax, balance, allowance) when that reaches deliverMin, else nothing', async () => {
    const base = await snapshot(env.provider);
    const drawer = env.wallets[7]!;
    let cashed = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt(1n, 10n ** 9n), fc.bigInt(0n, 10n ** 9n), fc.bigInt(0n, 10n ** 9n), fc.bigInt(1n, 10n ** 9n),
        async (sendMax, balance, allowance, deliverMinRaw) => {
          const deliverMin = deliverMinRaw > sendMax ? sendMax : deliverMinRaw;
          const held = await balanceOf(env.provider, tokenAddr, drawer.address);
          if (held > 0n) await send(as(token, drawer), 'transfer', stranger.address, held);
          if (balance > 0n) await send(token, 'mint', drawer.address, balance);
          await send(as(token, drawer), 'approve', addr, allowance);
          const id = await write({ from: drawer, sendMax });
          const d0 = await balanceOf(env.provider, tokenAddr, dest.address);
          const available = [sendMax, balance, allowance].reduce((a, b) => (a < b ? a : b));
          const fundsAvailable = balance < allowance ? balance : allowance;
          if (available < deliverMin) {
            await expectRevert(as(checks, dest).getFunction('cashAtLeast')(id, deliverMin), checks, 'InsufficientFunds', [id, fundsAvailable, deliverMin]);
            assert.equal(await status(id), OPEN);
            refused++;
          } else {
            await send(as(checks, dest), 'cashAtLeast', id, deliverMin);
            assert.equal(await status(id), CASHED);
            cashed++;
          }
          const delivered = (await balanceOf(env.provider, tokenAddr, dest.address)) - d0;
          assert.equal(delivered, available < deliverMin ? 0n : available);
          assert.ok(delivered <= sendMax);
          assert.equal(await balanceOf(env.provider, tokenAddr, drawer.address), balance - delivered);
        },
      ),
      { numRuns: fcRuns(10), seed: 6003, endOnFailure: true, plugins: [fc.unbiased()] },
    );
    assert.ok(cashed > 0 && refused > 0, `both outcomes exercised (${cashed} cashed, ${refused} refused)`);
    await revertTo(env.provider, base);
  });
});
