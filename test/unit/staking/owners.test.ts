/**
 * Per-delegation commission (setCompRate), the minimum stake that earns, and the two-step owner change,
 * through a real chain: signed transactions to the staking contract, blocks committed with a chosen commit.
 * Checked: each refusal's custom error; a lowered rate pays the delegator more and the owner less, and the
 * block's reward is fully accounted between them; a delegation under minEarningStake earns nothing until it
 * reaches it; an owner change moves control, commission and self-stake (refunded to the old owner at once)
 * without touching the validator set; and no CMT is created or destroyed.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { COMMUNITY_POOL_ADDRESS, GOVERNANCE_ADDRESS, MAINNET_STAKING_PARAMS, REWARD_SCALE, STAKING_ADDRESS, governanceInterface, stakingInterface } from '../../../src/staking/index.ts';
import { GENESIS_BALANCE, GENESIS_SHARES, ONE, StakingChain, devWallet } from './stakingChain.ts';

const address = (i: number) => devWallet(i).address;

describe('commission per delegation, earning threshold, owner change', () => {
  let sc: StakingChain;
  const tx = (from: number, method: string, args: unknown[], value = 0n) => sc.tx(from, STAKING_ADDRESS, stakingInterface, method, args, value);
  const call = (from: number, method: string, args: unknown[], value = 0n) => sc.call(from, STAKING_ADDRESS, stakingInterface, method, args, value);
  const owed = async (candidate: number, who: number) => {
    const r = (await call(0, 'rewards', [address(candidate), address(who)])).result;
    return (r?.pending as bigint) + (r?.settled as bigint);
  };
  const settledOf = async (who: number) => (await call(0, 'rewards', [address(0), address(who)])).result?.settled as bigint;

  before(async () => {
    sc = await StakingChain.open({ validators: 2, params: { max_vals: 2, backup_vals: 0 } });
    await sc.mine();
  });

  it('setCompRate lowers one delegation\'s rate; the block\'s reward splits exactly between owner and delegators', async () => {
    await sc.mine([await tx(3, 'delegate', [address(0)], 2_000n * ONE), await tx(4, 'delegate', [address(0)], 2_000n * ONE)]);
    assert.deepEqual((await call(1, 'setCompRate', [address(3), 10n ** 17n])).error, { name: 'NotADelegator', args: [address(3)] });
    assert.deepEqual((await call(0, 'setCompRate', [address(3), 3n * 10n ** 17n])).error, { name: 'BadCommission', args: [3n * 10n ** 17n] }, 'above the candidate\'s 20%');
    assert.deepEqual((await call(0, 'setCompRate', [address(3), 0n])).error, { name: 'BadCommission', args: [0n] });
    assert.deepEqual((await call(3, 'setCompRate', [address(4), 10n ** 17n])).error, { name: 'NotACandidate', args: [address(3)] });
    const set = await sc.mine([await tx(0, 'setCompRate', [address(3), 5n * 10n ** 16n])]);
    assert.equal(set.receipts[0]?.status, 1);
    assert.deepEqual([...((await call(0, 'delegationInfo', [address(0), address(3)])).result ?? [])], [2_000n * ONE, 5n * 10n ** 16n, 2_000n * ONE]);
    assert.equal((await call(0, 'delegationInfo', [address(0), address(4)])).result?.compRate, 2n * 10n ** 17n, 'the others keep the candidate\'s rate');

    const before = await Promise.all([owed(0, 0), owed(0, 3), owed(0, 4)]);
    await sc.mine([], [0]); // only validator 0 signed the previous block: it takes the whole reward
    const after = await Promise.all([owed(0, 0), owed(0, 3), owed(0, 4)]);
    const [owner, d3, d4] = after.map((a, i) => a - (before[i] as bigint)) as [bigint, bigint, bigint];
    // same stake: what each keeps is in the ratio of (1 - rate): 0.95 to 0.8
    assert.ok(d3 > d4, `the lowered rate pays more: ${d3} vs ${d4}`);
    const skew = d3 * 80n - d4 * 95n;
    assert.ok(skew >= -200n && skew <= 200n, `d3/d4 = 95/80 up to rounding, off by ${skew}`);
    const issued = MAINNET_STAKING_PARAMS.blockIssuance;
    const total = owner + d3 + d4;
    assert.ok(total <= issued + 10n && total >= issued - 10n, `commission + delegations = ${total}, the block issued ${issued}`);
    // the owner's part: its commission on 4,000 CMT (20% and 5%) plus 80% of its own 1,000 CMT's share
    const step = (issued * REWARD_SCALE) / (5_000n * ONE);
    const expectedOwner = (step * (2_000n * ONE * 2n + (2_000n * ONE * 5n) / 10n + 1_000n * ONE * 10n)) / (10n * REWARD_SCALE);
    assert.ok(owner - expectedOwner <= 10n && expectedOwner - owner <= 10n, `owner ${owner}, expected ${expectedOwner}`);
  });

  it('a delegation earns only from minEarningStake (1,000 CMT) on', async () => {
    await sc.mine([await tx(5, 'delegate', [address(1)], 999n * ONE)]);
    assert.equal((await call(0, 'delegationInfo', [address(1), address(5)])).result?.earning, 0n);
    const ownerBefore = await owed(1, 1);
    await sc.mine([], [1]);
    assert.equal(await owed(1, 5), 0n, '999 CMT earns nothing');
    assert.ok((await owed(1, 1)) > ownerBefore, 'the validator itself earned the block');
    await sc.mine([await tx(5, 'delegate', [address(1)], ONE)]);
    assert.equal((await call(0, 'delegationInfo', [address(1), address(5)])).result?.earning, 1_000n * ONE);
    await sc.mine([], [1]);
    assert.ok((await owed(1, 5)) > 0n, 'at 1,000 CMT it earns');
  });

  it('the owner changes in two steps: control, commission and self-stake move, the seat stays', async () => {
    const self = (await call(0, 'delegation', [address(0), address(0)])).result?.[0] as bigint;
    assert.deepEqual((await call(2, 'acceptCandidacyAccountUpdate', [0n], self)).error, { name: 'NoSuchRequest', args: [0n] });
    assert.deepEqual((await call(0, 'updateCandidacyAccount', [address(3)])).error, { name: 'AccountInUse', args: [address(3)] }, 'a delegator of this candidate');
    assert.deepEqual((await call(0, 'updateCandidacyAccount', [address(1)])).error, { name: 'AccountInUse', args: [address(1)] }, 'another candidate');
    const requested = await sc.mine([await tx(0, 'updateCandidacyAccount', [address(2)])]);
    const log = requested.receipts[0]?.logs[0];
    const parsed = log && stakingInterface.parseLog({ topics: log.topics.map((t) => `0x${Buffer.from(t).toString('hex')}`), data: `0x${Buffer.from(log.data).toString('hex')}` });
    assert.equal(parsed?.name, 'OwnerChangeRequested');
    const id = parsed?.args.requestId as bigint;
    assert.deepEqual((await call(4, 'acceptCandidacyAccountUpdate', [id], self)).error, { name: 'NotRequested', args: [address(4)] });
    assert.deepEqual((await call(2, 'acceptCandidacyAccountUpdate', [id], 1n)).error, { name: 'WrongSelfStake', args: [self, 1n] });

    const bonded = (await call(0, 'candidate', [address(0)])).result?.bonded as bigint;
    const oldBalance = await sc.balance(address(0));
    const oldSettled = await settledOf(0);
    const accepted = await sc.mine([await tx(2, 'acceptCandidacyAccountUpdate', [id], self)]);
    assert.equal(accepted.receipts[0]?.status, 1);
    assert.deepEqual(accepted.validatorUpdates, [], 'the validator keeps its seat and power');
    assert.equal((await call(0, 'controllerOf', [address(0)])).result?.[0], address(2));
    assert.equal(await sc.balance(address(0)), oldBalance + self, 'the old owner got its self-stake back at once');
    assert.equal((await call(0, 'delegation', [address(0), address(0)])).result?.[0], 0n);
    assert.equal((await call(0, 'delegation', [address(0), address(2)])).result?.[0], self);
    assert.equal((await call(0, 'candidate', [address(0)])).result?.bonded, bonded);
    assert.deepEqual((await call(2, 'acceptCandidacyAccountUpdate', [id], self)).error, { name: 'NoSuchRequest', args: [id] }, 'used once');

    // the old owner no longer acts for the candidate or in governance; the new one does
    assert.deepEqual((await call(0, 'deactivateCandidacy', [])).error, { name: 'NotACandidate', args: [address(0)] });
    assert.equal((await call(2, 'deactivateCandidacy', [])).ok, true);
    const propose = (from: number) => sc.call(from, GOVERNANCE_ADDRESS, governanceInterface, 'proposeChangeParam', ['max_slash_blocks', 30n, 'x', 0n, 0n]);
    assert.deepEqual((await propose(0)).error, { name: 'NotAValidator', args: [address(0)] });
    assert.equal((await propose(2)).ok, true);
    // commission now reaches the new owner
    const newSettled = await settledOf(2);
    await sc.mine([], [0]);
    assert.ok((await settledOf(2)) > newSettled, 'the new owner receives the commission');
    assert.ok((await settledOf(0)) >= oldSettled, 'the old owner keeps what it had earned');
    const settledNow = await settledOf(0);
    await sc.mine([], [0]);
    assert.equal(await settledOf(0), settledNow, 'and earns no more commission');
  });

  it('no CMT was created or destroyed', async () => {
    let total = (await sc.balance(STAKING_ADDRESS)) + (await sc.balance(COMMUNITY_POOL_ADDRESS)) + (await sc.balance('0x0000000000000000000000000000000000000000'));
    for (let i = 0; i < 6; i++) total += await sc.balance(address(i));
    const minted = (await call(0, 'totalMinted', [])).result?.[0] as bigint;
    assert.equal(total, 6n * GENESIS_BALANCE + 2n * GENESIS_SHARES + minted);
  });
});
