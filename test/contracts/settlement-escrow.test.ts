/**
 * TimeHashEscrow on our own node: XRPL-style escrows of CMT and ERC-20 released by time and/or a sha256
 * preimage, cancelled back to the owner after cancelAfter. Every external function's success and revert paths
 * (exact custom errors), boundaries (now == finishAfter, == cancelAfter), pull payments, reentrancy through a
 * token hook and a receiving contract, fee-on-transfer rejection, and a property test against a reference model.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Wallet, sha256, toUtf8Bytes, ZeroHash } from 'ethers';
import type { Contract } from 'ethers';
import {
  GasRecorder, fcRuns, NATIVE, ONE, as, balanceOf, call, deploy, eventsOf, expectEvent, expectFullyBacked, expectRevert,
  feeOf, now, revertTo, send, setNextTimestamp, snapshot, startSettlementNode,
} from './settlementFixtures.ts';
import type { SettlementEnv } from './settlementFixtures.ts';

const PREIMAGE = toUtf8Bytes('delivery code 4711');
const CONDITION = sha256(PREIMAGE);
const EMPTY = '0x';
const HELD = 1n;
const FINISHED = 2n;
const CANCELLED = 3n;

describe('TimeHashEscrow', () => {
  let env: SettlementEnv;
  let owner: Wallet;
  let dest: Wallet;
  let stranger: Wallet;
  let escrow: Contract;
  let token: Contract;
  let escrowAddr: string;
  let tokenAddr: string;
  const gas = new GasRecorder('TimeHashEscrow');

  before(async () => {
    env = await startSettlementNode();
    [owner, dest, stranger] = env.wallets as [Wallet, Wallet, Wallet];
    escrow = await deploy('TimeHashEscrow', owner);
    escrowAddr = await escrow.getAddress();
    token = await deploy('MintableTestToken', owner, 'Stable', 'USD', 6);
    tokenAddr = await token.getAddress();
    await send(token, 'mint', owner.address, 1_000_000n * 10n ** 6n);
    await send(token, 'approve', escrowAddr, 2n ** 255n);
  });

  after(async () => {
    gas.report();
    await env?.close();
  });

  /** Creates an escrow at chain time `at` and returns its id. */
  async function create(opts: {
    at: bigint; amount?: bigint; asset?: string; finishAfter?: bigint; cancelAfter: bigint; condition?: string; from?: Wallet;
  }): Promise<bigint> {
    const asset = opts.asset ?? NATIVE;
    const amount = opts.amount ?? ONE;
    await setNextTimestamp(env.provider, opts.at);
    const r = await send(as(escrow, opts.from ?? owner), 'create', dest.address, asset, amount, opts.finishAfter ?? 0n,
      opts.cancelAfter, opts.condition ?? ZeroHash, { value: asset === NATIVE ? amount : 0n });
    gas.record(asset === NATIVE ? 'create (CMT)' : 'create (ERC-20)', r);
    return (await call<bigint>(escrow, 'escrowCount'));
  }

  test('create: a CMT escrow holds the value, records every field and emits EscrowCreated', async () => {
    const t = (await now(env.provider)) + 10n;
    const before = await env.provider.getBalance(escrowAddr);
    await setNextTimestamp(env.provider, t);
    const r = await send(escrow, 'create', dest.address, NATIVE, 3n * ONE, t + 100n, t + 200n, CONDITION, { value: 3n * ONE });
    const id = await call<bigint>(escrow, 'escrowCount');
    expectEvent(r, escrow, 'EscrowCreated', [id, owner.address, dest.address, NATIVE, 3n * ONE, t + 100n, t + 200n, CONDITION]);
    assert.equal(await env.provider.getBalance(escrowAddr), before + 3n * ONE);
    const e = await call<unknown[]>(escrow, 'getEscrow', id);
    assert.deepEqual([...e].map(String), [owner.address, t + 100n, HELD, dest.address, t + 200n, NATIVE, 3n * ONE, CONDITION].map(String));
    await expectFullyBacked(env.provider, escrow, [NATIVE]);
  });

  test('create: a token escrow pulls exactly the amount', async () => {
    const t = (await now(env.provider)) + 10n;
    const before = await balanceOf(env.provider, tokenAddr, owner.address);
    const id = await create({ at: t, asset: tokenAddr, amount: 250n, finishAfter: t + 5n, cancelAfter: t + 50n });
    assert.equal(await balanceOf(env.provider, tokenAddr, owner.address), before - 250n);
    assert.equal(await balanceOf(env.provider, tokenAddr, escrowAddr), 250n);
    assert.equal((await call<unknown[]>(escrow, 'getEscrow', id))[6], 250n);
    await expectFullyBacked(env.provider, escrow, [NATIVE, tokenAddr]);
  });

  test('create: every invalid input reverts with its own error', async () => {
    const t = (await now(env.provider)) + 10n;
    const attempt = (dst: string, asset: string, amount: bigint, fa: bigint, ca: bigint, cond: string, value: bigint) =>
      escrow.getFunction('create')(dst, asset, amount, fa, ca, cond, { value });
    await setNextTimestamp(env.provider, t);
    await expectRevert(attempt(NATIVE, NATIVE, 1n, t + 1n, t + 9n, ZeroHash, 1n), escrow, 'ZeroAddress');
    await expectRevert(attempt(dest.address, NATIVE, 0n, t + 1n, t + 9n, ZeroHash, 0n), escrow, 'ZeroAmount');
    await expectRevert(attempt(dest.address, stranger.address, 1n, t + 1n, t + 9n, ZeroHash, 0n), escrow, 'NotAToken', [stranger.address]);
    await expectRevert(attempt(dest.address, NATIVE, 1n, 0n, t, CONDITION, 1n), escrow, 'InvalidCancelAfter', [t]);
    await expectRevert(attempt(dest.address, NATIVE, 1n, t, t + 9n, ZeroHash, 1n), escrow, 'InvalidFinishAfter', [t, t + 9n]);
    await expectRevert(attempt(dest.address, NATIVE, 1n, t + 9n, t + 9n, ZeroHash, 1n), escrow, 'InvalidFinishAfter', [t + 9n, t + 9n]);
    await expectRevert(attempt(dest.address, NATIVE, 1n, 0n, t + 9n, ZeroHash, 1n), escrow, 'NoReleaseCondition');
    await expectRevert(attempt(dest.address, NATIVE, 2n, t + 1n, t + 9n, ZeroHash, 1n), escrow, 'ValueMismatch', [2n, 1n]);
    await expectRevert(attempt(dest.address, tokenAddr, 2n, t + 1n, t + 9n, ZeroHash, 1n), escrow, 'UnexpectedValue', [1n]);
    // the boundary itself is valid: finishAfter = now + 1, cancelAfter = finishAfter + 1
    await send(escrow, 'create', dest.address, NATIVE, 1n, t + 1n, t + 2n, ZeroHash, { value: 1n });
  });

  test('finish: a time escrow finishes at exactly finishAfter (not a second earlier), paid straight to the destination', async () => {
    const t = (await now(env.provider)) + 10n;
    const id = await create({ at: t, amount: 2n * ONE, finishAfter: t + 100n, cancelAfter: t + 200n });
    await setNextTimestamp(env.provider, t + 99n);
    await expectRevert(as(escrow, dest).getFunction('finish')(id, EMPTY), escrow, 'TooEarly', [id, t + 100n]);
    const before = await env.provider.getBalance(dest.address);
    await setNextTimestamp(env.provider, t + 100n);
    const r = gas.record('finish (time, destination calls)', await send(as(escrow, dest), 'finish', id, EMPTY));
    expectEvent(r, escrow, 'EscrowFinished', [id, dest.address, dest.address, 2n * ONE]);
    assert.equal(await env.provider.getBalance(dest.address), before + 2n * ONE - feeOf(r));
    assert.equal(await call(escrow, 'owed', dest.address, NATIVE), 0n);
    assert.equal((await call<unknown[]>(escrow, 'getEscrow', id))[2], FINISHED);
    await expectFullyBacked(env.provider, escrow, [NATIVE]);
  });

  test('finish: by a third party the destination is credited and withdraws (pull payment)', async () => {
    const t = (await now(env.provider)) + 10n;
    const id = await create({ at: t, amount: ONE, finishAfter: t + 5n, cancelAfter: t + 50n });
    await setNextTimestamp(env.provider, t + 6n);
    const r = gas.record('finish (time, third party)', await send(as(escrow, stranger), 'finish', id, EMPTY));
    expectEvent(r, escrow, 'EscrowFinished', [id, stranger.address, dest.address, ONE]);
    expectEvent(r, escrow, 'Credited', [dest.address, NATIVE, ONE]);
    assert.equal(await call(escrow, 'owed', dest.address, NATIVE), ONE);
    await expectFullyBacked(env.provider, escrow, [NATIVE]);
    const before = await env.provider.getBalance(dest.address);
    const w = gas.record('withdraw (CMT)', await send(as(escrow, dest), 'withdraw', NATIVE));
    expectEvent(w, escrow, 'Withdrawn', [dest.address, NATIVE, ONE]);
    assert.equal(await env.provider.getBalance(dest.address), before + ONE - feeOf(w));
    assert.equal(await call(escrow, 'owed', dest.address, NATIVE), 0n);
    await expectRevert(as(escrow, dest).getFunction('withdraw')(NATIVE), escrow, 'NothingToWithdraw', [NATIVE]);
    await expectFullyBacked(env.provider, escrow, [NATIVE]);
  });

  test('finish: a hash-condition escrow finishes for anyone with the preimage, never with a wrong one', async () => {
    const t = (await now(env.provider)) + 10n;
    const id = await create({ at: t, amount: ONE, cancelAfter: t + 100n, condition: CONDITION });
    await expectRevert(as(escrow, stranger).getFunction('finish')(id, toUtf8Bytes('delivery code 4712')), escrow, 'WrongFulfillment', [id]);
    await expectRevert(as(escrow, stranger).getFunction('finish')(id, EMPTY), escrow, 'WrongFulfillment', [id]);
    const r = gas.record('finish (hash, third party)', await send(as(escrow, stranger), 'finish', id, PREIMAGE));
    expectEvent(r, escrow, 'EscrowFinished', [id, stranger.address, dest.address, ONE]);
    await expectRevert(as(escrow, stranger).getFunction('finish')(id, PREIMAGE), escrow, 'EscrowNotHeld', [id, FINISHED]);
  });

  test('finish: an escrow without a condition refuses a fulfillment', async () => {
    const t = (await now(env.provider)) + 10n;
    const id = await create({ at: t, finishAfter: t + 1n, cancelAfter: t + 100n });
    await setNextTimestamp(env.provider, t + 2n);
    await expectRevert(as(escrow, dest).getFunction('finish')(id, PREIMAGE), escrow, 'WrongFulfillment', [id]);
  });

  test('finish: time + hash needs both the time and the preimage', async () => {
    const t = (await now(env.provider)) + 10n;
    const id = await create({ at: t, finishAfter: t + 50n, cancelAfter: t + 100n, condition: CONDITION });
    await setNextTimestamp(env.provider, t + 49n);
    await expectRevert(as(escrow, dest).getFunction('finish')(id, PREIMAGE), escrow, 'TooEarly', [id, t + 50n]);
    await setNextTimestamp(env.provider, t + 50n);
    await expectRevert(as(escrow, dest).getFunction('finish')(id, EMPTY), escrow, 'WrongFulfillment', [id]);
    gas.record('finish (time + hash)', await send(as(escrow, dest), 'finish', id, PREIMAGE));
  });

  test('cancel: not a second before cancelAfter; at exactly cancelAfter finish is refused and anyone can cancel', async () => {
    const t = (await now(env.provider)) + 10n;
    const id = await create({ at: t, amount: ONE, cancelAfter: t + 100n, condition: CONDITION });
    await setNextTimestamp(env.provider, t + 99n);
    await expectRevert(as(escrow, stranger).getFunction('cancel')(id), escrow, 'NotYetCancellable', [id, t + 100n]);
    await setNextTimestamp(env.provider, t + 100n);
    await expectRevert(as(escrow, dest).getFunction('finish')(id, PREIMAGE), escrow, 'EscrowExpired', [id, t + 100n]);
    await setNextTimestamp(env.provider, t + 100n + 1n);
    const r = gas.record('cancel (third party)', await send(as(escrow, stranger), 'cancel', id));
    expectEvent(r, escrow, 'EscrowCancelled', [id, stranger.address, owner.address, ONE]);
    expectEvent(r, escrow, 'Credited', [owner.address, NATIVE, ONE]);
    assert.equal((await call<unknown[]>(escrow, 'getEscrow', id))[2], CANCELLED);
    await expectRevert(as(escrow, stranger).getFunction('cancel')(id), escrow, 'EscrowNotHeld', [id, CANCELLED]);
    await expectRevert(as(escrow, dest).getFunction('finish')(id, PREIMAGE), escrow, 'EscrowNotHeld', [id, CANCELLED]);
    await send(escrow, 'withdraw', NATIVE);
    await expectFullyBacked(env.provider, escrow, [NATIVE]);
  });

  test('cancel: exactly at cancelAfter by the owner pays the owner directly', async () => {
    const t = (await now(env.provider)) + 10n;
    const id = await create({ at: t, amount: ONE, finishAfter: t + 10n, cancelAfter: t + 20n });
    const before = await env.provider.getBalance(owner.address);
    await setNextTimestamp(env.provider, t + 20n);
    const r = gas.record('cancel (owner)', await send(escrow, 'cancel', id));
    assert.equal(await env.provider.getBalance(owner.address), before + ONE - feeOf(r));
    assert.equal(eventsOf(r, escrow).some((e) => e[0] === 'Credited'), false);
  });

  test('an unknown escrow id is not held', async () => {
    await expectRevert(escrow.getFunction('finish')(9999n, EMPTY), escrow, 'EscrowNotHeld', [9999n, 0n]);
    await expectRevert(escrow.getFunction('cancel')(9999n), escrow, 'EscrowNotHeld', [9999n, 0n]);
  });

  test('token escrows: finish pays the destination the token, cancel returns it to the owner', async () => {
    const t = (await now(env.provider)) + 10n;
    const a = await create({ at: t, asset: tokenAddr, amount: 700n, cancelAfter: t + 100n, condition: CONDITION });
    const b = await create({ at: t + 1n, asset: tokenAddr, amount: 300n, finishAfter: t + 50n, cancelAfter: t + 100n });
    const destBefore = await balanceOf(env.provider, tokenAddr, dest.address);
    gas.record('finish (ERC-20, destination calls)', await send(as(escrow, dest), 'finish', a, PREIMAGE));
    assert.equal(await balanceOf(env.provider, tokenAddr, dest.address), destBefore + 700n);
    const ownerBefore = await balanceOf(env.provider, tokenAddr, owner.address);
    await setNextTimestamp(env.provider, t + 100n);
    await send(escrow, 'cancel', b);
    assert.equal(await balanceOf(env.provider, tokenAddr, owner.address), ownerBefore + 300n);
    await expectFullyBacked(env.provider, escrow, [NATIVE, tokenAddr]);
  });

  test('solvency gate: if the contract\'s token balance falls below what it owes (a negative rebase), value moves revert', async () => {
    const t = (await now(env.provider)) + 10n;
    const a = await create({ at: t, asset: tokenAddr, amount: 100n, cancelAfter: t + 100n, condition: CONDITION });
    const held = await balanceOf(env.provider, tokenAddr, escrowAddr);
    const owes = await call<bigint>(escrow, 'liabilities', tokenAddr);
    await send(token, 'slash', escrowAddr, 1n);
    await expectRevert(as(escrow, dest).getFunction('finish')(a, PREIMAGE), escrow, 'Insolvent', [tokenAddr, held - 1n - 100n, owes - 100n]);
    await send(token, 'mint', escrowAddr, 1n); // made whole again
    await send(as(escrow, dest), 'finish', a, PREIMAGE);
    await expectFullyBacked(env.provider, escrow, [tokenAddr]);
  });

  test('a fee-on-transfer token is rejected at create', async () => {
    const fee = await deploy('FeeOnTransferToken', owner);
    await send(fee, 'mint', owner.address, 10_000n);
    await send(fee, 'approve', escrowAddr, 10_000n);
    const t = (await now(env.provider)) + 10n;
    await setNextTimestamp(env.provider, t);
    await expectRevert(escrow.getFunction('create')(dest.address, await fee.getAddress(), 1000n, t + 1n, t + 9n, ZeroHash),
      escrow, 'FeeOnTransferToken', [await fee.getAddress(), 1000n, 990n]);
  });

  test('reentrancy: a token hook that re-enters cancel, finish or withdraw is refused and pays nothing twice', async () => {
    const evil = await deploy('ReentrantToken', owner);
    const evilAddr = await evil.getAddress();
    await send(evil, 'mint', owner.address, 10_000n);
    await send(evil, 'approve', escrowAddr, 10_000n);
    const t = (await now(env.provider)) + 10n;
    const id = await create({ at: t, asset: evilAddr, amount: 1000n, cancelAfter: t + 100n, condition: CONDITION });
    // during the payout transfer of finish (pushed: the destination calls), the hook tries to finish it again
    await send(evil, 'arm', escrowAddr, escrow.interface.encodeFunctionData('finish', [id, PREIMAGE]));
    const r = await send(as(escrow, dest), 'finish', id, PREIMAGE);
    assert.equal(await call(evil, 'attempted'), true);
    assert.equal(await call(evil, 'lastOk'), false);
    assert.equal(escrow.interface.parseError(await call<string>(evil, 'lastReturn'))?.name, 'ReentrancyGuardReentrantCall');
    assert.equal(eventsOf(r, escrow).filter((e) => e[0] === 'EscrowFinished').length, 1);
    assert.equal(await balanceOf(env.provider, evilAddr, dest.address), 1000n);
    // a second escrow finished by a third party is credited; during the withdrawal transfer the hook withdraws again
    const t1 = (await now(env.provider)) + 10n;
    const id1 = await create({ at: t1, asset: evilAddr, amount: 400n, cancelAfter: t1 + 100n, condition: CONDITION });
    await send(as(escrow, stranger), 'finish', id1, PREIMAGE);
    assert.equal(await call(escrow, 'owed', dest.address, evilAddr), 400n);
    await send(evil, 'arm', escrowAddr, escrow.interface.encodeFunctionData('withdraw', [evilAddr]));
    await send(as(escrow, dest), 'withdraw', evilAddr);
    assert.equal(await call(evil, 'attempted'), true);
    assert.equal(await call(evil, 'lastOk'), false);
    assert.equal(escrow.interface.parseError(await call<string>(evil, 'lastReturn'))?.name, 'ReentrancyGuardReentrantCall');
    assert.equal(await balanceOf(env.provider, evilAddr, dest.address), 1400n);
    assert.equal(await call(escrow, 'owed', dest.address, evilAddr), 0n);
    await expectFullyBacked(env.provider, escrow, [evilAddr]);
    // during create's transferFrom, the hook tries to cancel an escrow
    await send(evil, 'arm', escrowAddr, escrow.interface.encodeFunctionData('cancel', [id]));
    const t2 = (await now(env.provider)) + 10n;
    await create({ at: t2, asset: evilAddr, amount: 5n, finishAfter: t2 + 1n, cancelAfter: t2 + 9n });
    assert.equal(escrow.interface.parseError(await call<string>(evil, 'lastReturn'))?.name, 'ReentrancyGuardReentrantCall');
  });

  test('reentrancy: a destination contract re-entering on receipt of CMT is refused; a rejecting one blocks only itself', async () => {
    const recv = await deploy('MaliciousReceiver', owner);
    const recvAddr = await recv.getAddress();
    const t = (await now(env.provider)) + 10n;
    await setNextTimestamp(env.provider, t);
    await send(escrow, 'create', recvAddr, NATIVE, ONE, 0n, t + 100n, CONDITION, { value: ONE });
    const id = await call<bigint>(escrow, 'escrowCount');
    // Reenter mode: the receiver finishes it itself (push) and, on receipt, tries to cancel the same escrow
    await send(recv, 'configure', 2, escrowAddr, escrow.interface.encodeFunctionData('cancel', [id]));
    await send(recv, 'execute', escrowAddr, 0n, escrow.interface.encodeFunctionData('finish', [id, PREIMAGE]));
    assert.equal(await call(recv, 'attempted'), true);
    assert.equal(escrow.interface.parseError(await call<string>(recv, 'lastReturn'))?.name, 'ReentrancyGuardReentrantCall');
    assert.equal(await env.provider.getBalance(recvAddr), ONE);
    // Reject mode: finishing by the destination itself fails (its own problem), a third party's finish credits it
    await setNextTimestamp(env.provider, (await now(env.provider)) + 1n);
    await send(escrow, 'create', recvAddr, NATIVE, ONE, 0n, t + 100n, CONDITION, { value: ONE });
    const id2 = await call<bigint>(escrow, 'escrowCount');
    await send(recv, 'configure', 1, NATIVE, '0x');
    await expectRevert(recv.getFunction('execute')(escrowAddr, 0n, escrow.interface.encodeFunctionData('finish', [id2, PREIMAGE])),
      escrow, 'NativeTransferFailed', [recvAddr, ONE]);
    await send(as(escrow, stranger), 'finish', id2, PREIMAGE);
    assert.equal(await call(escrow, 'owed', recvAddr, NATIVE), ONE);
    await expectFullyBacked(env.provider, escrow, [NATIVE]);
  });

  test('property: random create/finish/cancel sequences follow the reference state machine and never pay out more than deposited', async () => {
    type Op =
      | { kind: 'create'; amount: bigint; finishIn: number; cancelIn: number; hashed: boolean; dt: number }
      | { kind: 'finish'; pick: number; good: boolean; dt: number }
      | { kind: 'cancel'; pick: number; dt: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('create' as const), amount: fc.bigInt(1n, 10n ** 20n), finishIn: fc.integer({ min: 0, max: 20 }),
        cancelIn: fc.integer({ min: 1, max: 20 }), hashed: fc.boolean(), dt: fc.integer({ min: 1, max: 15 }) }),
      fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(), good: fc.boolean(), dt: fc.integer({ min: 1, max: 15 }) }),
      fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(), dt: fc.integer({ min: 1, max: 15 }) }),
    );
    const base = await snapshot(env.provider);
    const caller = as(escrow, stranger);
    let succeeded = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 9 }), async (ops) => {
        interface M { id: bigint; amount: bigint; finishAfter: bigint; cancelAfter: bigint; hashed: boolean; status: bigint }
        const model: M[] = [];
        let deposited = 0n;
        let paidOut = 0n;
        const owedBefore = (await call<bigint>(escrow, 'owed', dest.address, NATIVE)) + (await call<bigint>(escrow, 'owed', owner.address, NATIVE));
        let t = await now(env.provider);
        for (const o of ops) {
          t += BigInt(o.dt);
          await setNextTimestamp(env.provider, t);
          if (o.kind === 'create') {
            const finishAfter = o.finishIn === 0 && o.hashed ? 0n : t + BigInt(Math.max(o.finishIn, 1));
            const cancelAfter = (finishAfter === 0n ? t : finishAfter) + BigInt(o.cancelIn);
            await send(escrow, 'create', dest.address, NATIVE, o.amount, finishAfter, cancelAfter, o.hashed ? CONDITION : ZeroHash, { value: o.amount });
            model.push({ id: await call<bigint>(escrow, 'escrowCount'), amount: o.amount, finishAfter, cancelAfter, hashed: o.hashed, status: HELD });
            deposited += o.amount;
            continue;
          }
          const m = model[o.pick % Math.max(model.length, 1)];
          if (!m) continue;
          if (o.kind === 'finish') {
            const f = o.good ? (m.hashed ? PREIMAGE : EMPTY) : toUtf8Bytes('wrong');
            const expected = m.status !== HELD ? 'EscrowNotHeld' : t >= m.cancelAfter ? 'EscrowExpired'
              : t < m.finishAfter ? 'TooEarly' : !o.good ? 'WrongFulfillment' : undefined;
            if (expected) {
              await expectRevert(caller.getFunction('finish')(m.id, f), escrow, expected);
              refused++;
            } else {
              succeeded++;
              await send(caller, 'finish', m.id, f);
              m.status = FINISHED;
              paidOut += m.amount;
            }
          } else {
            const expected = m.status !== HELD ? 'EscrowNotHeld' : t < m.cancelAfter ? 'NotYetCancellable' : undefined;
            if (expected) {
              await expectRevert(caller.getFunction('cancel')(m.id), escrow, expected);
              refused++;
            } else {
              succeeded++;
              await send(caller, 'cancel', m.id);
              m.status = CANCELLED;
              paidOut += m.amount;
            }
          }
        }
        const owedAfter = (await call<bigint>(escrow, 'owed', dest.address, NATIVE)) + (await call<bigint>(escrow, 'owed', owner.address, NATIVE));
        assert.equal(owedAfter - owedBefore, paidOut, 'every payout credited exactly once');
        assert.ok(paidOut <= deposited, 'never more out than in');
        for (const m of model) assert.equal((await call<unknown[]>(escrow, 'getEscrow', m.id))[2], m.status);
        await expectFullyBacked(env.provider, escrow, [NATIVE]);
      }),
      { numRuns: fcRuns(6), seed: 6006, endOnFailure: true, plugins: [fc.unbiased()] },
    );
    assert.ok(succeeded > 0 && refused > 0, `the runs exercised both outcomes (${succeeded} paid, ${refused} refused)`);
    await revertTo(env.provider, base);
  });
});
