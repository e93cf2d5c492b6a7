/**
 * Staking through the chain: a real chain (in-memory store) whose genesis turns staking on, transactions
 * signed by dev accounts calling the staking contract at its address, blocks built and committed. Checked:
 * genesis validators are candidates holding their self-stake; each method's effect, events and custom
 * errors (read from the revert data of the same call simulated on the head); the election with the 12%
 * cap and its validator set changes returned by the block; unbondings paid exactly at maturity; and no
 * CMT created or destroyed (every balance summed against genesis).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Interface } from 'ethers';
import { ed25519Address } from '../../../src/crypto/index.ts';
import type { ExecutedBlock } from '../../../src/execution/index.ts';
import { bytesToHex, hexToBytes } from '../../../src/primitives/index.ts';
import { COMMUNITY_POOL_ADDRESS, MAINNET_STAKING_PARAMS, SLASH_DOUBLE_SIGN, STAKING_ADDRESS, stakingInterface } from '../../../src/staking/index.ts';
import type { DuplicateVoteEvidence, Vote } from '../../../src/types/index.ts';
import { GENESIS_BALANCE, GENESIS_SHARES, ONE, StakingChain, devWallet, keys, pubKeyHex } from './stakingChain.ts';

const iface: Interface = stakingInterface;
const FOUNDATION = devWallet(5).address;
const UNBONDING = 3n;
const MAX_MISSED = 4;

describe('staking through the chain', () => {
  let sc: StakingChain;
  const stakingTx = (from: number, method: string, args: unknown[], value = 0n) => sc.tx(from, STAKING_ADDRESS, iface, method, args, value);
  const mine = (raws?: Uint8Array[], signedBy?: number[], evidence?: DuplicateVoteEvidence[]): Promise<ExecutedBlock> => sc.mine(raws, signedBy, evidence);
  const call = (from: number, method: string, args: unknown[], value = 0n) => sc.call(from, STAKING_ADDRESS, iface, method, args, value);
  const balance = (address: string | Uint8Array) => sc.balance(address);
  const chainHeight = () => sc.height();

  before(async () => {
    sc = await StakingChain.open({
      validators: 2,
      params: { max_vals: 2, backup_vals: 1, unstake_waiting_period: String(UNBONDING), foundation_address: FOUNDATION, slash_ratio: '1/10', max_slash_blocks: String(MAX_MISSED) },
    });
  });

  it('genesis validators are candidates holding their self-stake, and the staking account holds it', async () => {
    const list = await call(0, 'candidates', []);
    assert.deepEqual([...(list.result?.[0] as string[])].map((a) => a.toLowerCase()), [devWallet(0).address.toLowerCase(), devWallet(1).address.toLowerCase()]);
    const c = await call(0, 'candidate', [devWallet(0).address]);
    assert.equal(c.result?.bonded, GENESIS_SHARES);
    assert.equal(c.result?.commission, 2n * 10n ** 17n);
    assert.equal(c.result?.active, true);
    assert.equal(await balance(STAKING_ADDRESS), 2n * GENESIS_SHARES);
    const vals = await call(0, 'validators', []);
    assert.deepEqual([...(vals.result?.powers as bigint[])], [10n, 10n], 'the genesis powers until the first election');
  });

  it('the first block elects by capped stake and returns the power changes', async () => {
    const executed = await mine();
    // two candidates of 1,000 CMT: 12% of 2,000 CMT caps each at 240 CMT of voting power
    assert.deepEqual(executed.validatorUpdates.map((u) => [bytesToHex(u.publicKey), u.power]).sort(), [0, 1].map((i) => [pubKeyHex(i), 240n]).sort());
    const again = await mine();
    assert.deepEqual(again.validatorUpdates, [], 'an unchanged election changes nothing');
  });

  it('refuses bad declarations with their custom errors', async () => {
    const pk = pubKeyHex(2);
    const max = 100_000n * ONE;
    assert.deepEqual((await call(0, 'declareCandidacy', [pk, max, 10n ** 17n, 'x'], max / 10n)).error, { name: 'AlreadyCandidate', args: [devWallet(0).address] });
    assert.deepEqual((await call(2, 'declareCandidacy', [pk, max, 10n ** 17n, 'x'], 1n)).error, { name: 'WrongSelfStake', args: [max / 10n, 1n] });
    assert.deepEqual((await call(2, 'declareCandidacy', [pk, max, 10n ** 18n, 'x'], max / 10n)).error, { name: 'BadCommission', args: [10n ** 18n] });
    assert.deepEqual((await call(2, 'declareCandidacy', [pk, 0n, 10n ** 17n, 'x'], 0n)).error, { name: 'ZeroAmount', args: [] });
    const taken = pubKeyHex(0);
    assert.deepEqual((await call(2, 'declareCandidacy', [taken, max, 10n ** 17n, 'x'], max / 10n)).error, { name: 'PubKeyInUse', args: [taken] });
    assert.deepEqual((await call(2, 'withdrawCandidacy', [], 5n)).error, { name: 'ValueNotAccepted', args: [5n] });
    assert.deepEqual((await call(2, 'verifyCandidacy', [devWallet(0).address, true])).error, { name: 'NotFoundation', args: [devWallet(2).address] });
    const unknown = await runUnknownSelector();
    assert.equal(unknown, 'UnknownMethod');
  });

  async function runUnknownSelector(): Promise<string> {
    return (await sc.callData(0, STAKING_ADDRESS, iface, undefined, hexToBytes('0xdeadbeef'))).error?.name ?? '?';
  }

  it('a new candidate with more stake enters the set; the weakest genesis validator becomes a backup', async () => {
    const pk = pubKeyHex(2);
    const max = 100_000n * ONE;
    const before = await balance(devWallet(2).address);
    const executed = await mine([await stakingTx(2, 'declareCandidacy', [pk, max, 10n ** 17n, 'a merchant validator'], max / 10n)]);
    assert.equal(executed.receipts[0]?.status, 1);
    const names = StakingChain.eventNames(executed, 0, iface);
    assert.deepEqual(names, ['CandidateDeclared', 'Delegated']);
    const gasCost = (executed.receipts[0]?.gasUsed ?? 0n) * (executed.receipts[0]?.effectiveGasPrice ?? 0n);
    assert.equal(await balance(devWallet(2).address), before - max / 10n - gasCost, 'the self-stake left the account');
    // stakes 10,000 / 1,000 / 1,000 CMT: the cap is 12% of 12,000 = 1,440 CMT; two seats, one backup
    const lower = [devWallet(0).address, devWallet(1).address].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
    const stays = lower[0] === devWallet(0).address ? 0 : 1;
    const leaves = 1 - stays;
    const updates = new Map<string, bigint>(executed.validatorUpdates.map((u) => [bytesToHex(u.publicKey), u.power]));
    assert.equal(updates.get(pk), 1_440n);
    assert.equal(updates.get(pubKeyHex(stays)), 1_000n);
    assert.equal(updates.get(pubKeyHex(leaves)), 0n, 'the one ranked third leaves the set');
    const backups = await call(0, 'backups', []);
    assert.deepEqual([...(backups.result?.owners as string[])], [devWallet(leaves).address]);
  });

  it('updateCandidacy: a higher maximum takes the extra self-stake, a new consensus key replaces the old one in the set', async () => {
    const owner = devWallet(2).address;
    const before = (await call(2, 'candidate', [owner])).result;
    const max = before?.maxStake as bigint;
    const zero = `0x${'00'.repeat(32)}`;
    assert.deepEqual((await call(2, 'updateCandidacy', [zero, 2n * max, 0n, ''], 1n)).error, { name: 'WrongSelfStake', args: [max / 10n, 1n] });
    assert.deepEqual((await call(2, 'updateCandidacy', [zero, ONE, 0n, ''])).error, { name: 'AboveMaxStake', args: [ONE, before?.bonded] });
    assert.deepEqual((await call(2, 'updateCandidacy', [pubKeyHex(0), 0n, 0n, ''])).error, { name: 'PubKeyInUse', args: [pubKeyHex(0)] });
    // the foundation verifies it; a new description clears that
    await mine([await sc.tx(5, STAKING_ADDRESS, iface, 'verifyCandidacy', [owner, true])]);
    assert.equal((await call(2, 'candidate', [owner])).result?.verified, true);
    const executed = await mine([await stakingTx(2, 'updateCandidacy', [pubKeyHex(3), 2n * max, 3n * 10n ** 17n, 'a bigger merchant'], max / 10n)]);
    assert.equal(executed.receipts[0]?.status, 1);
    const after = (await call(2, 'candidate', [owner])).result;
    assert.deepEqual([after?.maxStake, after?.bonded, after?.commission, after?.description, after?.verified], [2n * max, (before?.bonded as bigint) + max / 10n, 3n * 10n ** 17n, 'a bigger merchant', false]);
    const updates = new Map<string, bigint>(executed.validatorUpdates.map((u) => [bytesToHex(u.publicKey), u.power]));
    assert.equal(updates.get(pubKeyHex(2)), 0n, 'the old key leaves consensus');
    assert.ok((updates.get(pubKeyHex(3)) ?? 0n) > 0n, 'the new key joins with the candidate\'s power');
  });

  it('delegation is capped by the declared maximum, and withdrawal unbonds for the waiting period', async () => {
    const target = devWallet(0).address;
    assert.deepEqual((await call(3, 'delegate', [target], 20_000n * ONE)).error, { name: 'AboveMaxStake', args: [10n * GENESIS_SHARES, GENESIS_SHARES + 20_000n * ONE] });
    assert.deepEqual((await call(3, 'delegate', [devWallet(4).address], ONE)).error, { name: 'NotACandidate', args: [devWallet(4).address] });
    await mine([await stakingTx(3, 'delegate', [target], 500n * ONE)]);
    assert.equal((await call(3, 'delegation', [target, devWallet(3).address])).result?.[0], 500n * ONE);
    assert.deepEqual((await call(3, 'withdraw', [target, 600n * ONE])).error, { name: 'InsufficientDelegation', args: [500n * ONE, 600n * ONE] });
    assert.deepEqual((await call(0, 'withdraw', [target, 1n])).error, { name: 'BelowSelfStake', args: [GENESIS_SHARES, GENESIS_SHARES - 1n] });
    const withdrawn = await mine([await stakingTx(3, 'withdraw', [target, 200n * ONE])]);
    const maturity = chainHeight() + UNBONDING;
    const log = withdrawn.receipts[0]?.logs[0];
    const parsed = log === undefined ? null : iface.parseLog({ topics: log.topics.map((t) => bytesToHex(t)), data: bytesToHex(log.data) });
    assert.equal(parsed?.name, 'Unbonding');
    assert.equal(parsed?.args.maturity, maturity);
    assert.equal((await call(3, 'pendingUnbonding', [devWallet(3).address])).result?.[0], 200n * ONE);
    const held = await balance(devWallet(3).address);
    while (chainHeight() < maturity - 1n) await mine();
    assert.equal(await balance(devWallet(3).address), held, 'nothing paid before maturity');
    await mine();
    assert.equal(chainHeight(), maturity);
    assert.equal(await balance(devWallet(3).address), held + 200n * ONE, 'paid in the block of maturity');
    assert.equal((await call(3, 'pendingUnbonding', [devWallet(3).address])).result?.[0], 0n);
  });

  it('a withdrawn candidacy unbonds every delegation and leaves the election', async () => {
    await mine([await stakingTx(1, 'withdrawCandidacy', [])]);
    const c = await call(1, 'candidate', [devWallet(1).address]);
    assert.equal(c.result?.withdrawn, true);
    assert.equal(c.result?.bonded, 0n);
    assert.equal((await call(1, 'pendingUnbonding', [devWallet(1).address])).result?.[0], GENESIS_SHARES);
    const backups = await call(0, 'backups', []);
    assert.deepEqual([...(backups.result?.owners as string[])], []);
  });

  it('validators that signed the previous block earn the block: commission settled, the rest pending; claim and re-stake', async () => {
    const owner = devWallet(0).address;
    const before = (await call(0, 'rewards', [owner, owner])).result;
    const other = devWallet(2).address; // a validator since it declared (test 4)
    const otherBefore = (await call(2, 'rewards', [other, other])).result;
    await mine([], [0]);
    const after = (await call(0, 'rewards', [owner, owner])).result;
    const earned = (after?.pending as bigint) + (after?.settled as bigint) - (before?.pending as bigint) - (before?.settled as bigint);
    assert.ok(earned > 0n, 'validator 0 earned');
    const otherAfter = (await call(2, 'rewards', [other, other])).result;
    assert.deepEqual([otherAfter?.pending, otherAfter?.settled], [otherBefore?.pending, otherBefore?.settled], 'a validator that did not sign earns nothing');
    const held = await balance(owner);
    const claim = await mine([await stakingTx(0, 'claimRewards', [owner])]);
    const gas = (claim.receipts[0]?.gasUsed ?? 0n) * (claim.receipts[0]?.effectiveGasPrice ?? 0n);
    assert.equal(await balance(owner), held - gas + (after?.pending as bigint) + (after?.settled as bigint), 'claimed exactly what was owed');
    await mine([], [0]);
    const owed = (await call(0, 'rewards', [owner, owner])).result;
    const bondedBefore = (await call(0, 'candidate', [owner])).result?.bonded as bigint;
    await mine([await stakingTx(0, 'restake', [owner])]);
    assert.equal((await call(0, 'candidate', [owner])).result?.bonded, bondedBefore + (owed?.pending as bigint) + (owed?.settled as bigint), 're-staked into the bond');
  });

  it('double-sign evidence slashes every delegation and unbonding of the validator once, to the community pool, and deactivates it', async () => {
    const owner = devWallet(0).address;
    const consensus = ed25519Address((keys[0] as { publicKey: Uint8Array }).publicKey);
    // a delegation and an unbonding to validator 0, both slashable
    await mine([await stakingTx(4, 'delegate', [owner], 1_000n * ONE)]);
    await mine([await stakingTx(4, 'withdraw', [owner, 100n * ONE])]);
    const bonded = (await call(0, 'candidate', [owner])).result?.bonded as bigint;
    const delegated = (await call(4, 'delegation', [owner, devWallet(4).address])).result?.[0] as bigint;
    const unbonding = (await call(4, 'pendingUnbonding', [devWallet(4).address])).result?.[0] as bigint;
    const pool = await balance(COMMUNITY_POOL_ADDRESS);
    const vote = (blockHash: Uint8Array): Vote => ({ type: 'precommit', height: 3n, round: 0, blockHash, validatorAddress: consensus, timestampMs: 0n, signature: new Uint8Array(64) });
    const evidence: DuplicateVoteEvidence = { kind: 'duplicateVote', voteA: vote(new Uint8Array(32).fill(1)), voteB: vote(new Uint8Array(32).fill(2)) };
    await mine([], [0, 1, 2], [evidence]);
    const c = (await call(0, 'candidate', [owner])).result;
    assert.equal(c?.active, false, 'deactivated');
    assert.equal((await call(4, 'delegation', [owner, devWallet(4).address])).result?.[0], delegated - delegated / 10n);
    assert.equal((await call(4, 'pendingUnbonding', [devWallet(4).address])).result?.[0], unbonding - unbonding / 10n, 'the unbonding is slashed too');
    const slashed = bonded - (c?.bonded as bigint) + unbonding / 10n;
    assert.equal(await balance(COMMUNITY_POOL_ADDRESS), pool + slashed);
    const record = (await call(0, 'slashes', [owner])).result;
    assert.deepEqual([record?.count, record?.total], [1n, slashed]);
    assert.deepEqual([...((await call(0, 'slashAt', [owner, 0n])).result ?? [])], [chainHeight(), SLASH_DOUBLE_SIGN, slashed]);
    await mine([], [0, 1, 2], [evidence]);
    assert.equal((await call(0, 'slashes', [owner])).result?.count, 1n, 'the same evidence again slashes nothing');
    // the unbonding still pays what is left of it at maturity
    while ((await call(4, 'pendingUnbonding', [devWallet(4).address])).result?.[0] !== 0n) await mine();
  });

  it('a validator that misses max_slash_blocks blocks in a row is deactivated (without a slash: slash_enabled is off)', async () => {
    const [owners] = (await call(0, 'validators', [])).result as unknown as [string[]];
    const target = owners[0] as string;
    const index = [0, 1, 2].find((i) => devWallet(i).address === target) as number;
    const others = [0, 1, 2].filter((i) => i !== index);
    for (let i = 0; i < MAX_MISSED - 1; i++) await mine([], others);
    assert.equal((await call(0, 'candidate', [target])).result?.active, true, 'not yet');
    await mine([], others);
    assert.equal((await call(0, 'candidate', [target])).result?.active, false, `deactivated after ${MAX_MISSED} missed blocks`);
    const record = (await call(0, 'slashes', [target])).result;
    assert.equal(record?.total, 0n);
    await mine([await stakingTx(index, 'activateCandidacy', [])]);
    assert.equal((await call(0, 'candidate', [target])).result?.active, true, 'the owner can come back');
  });

  it('no CMT was created or destroyed: every balance sums to genesis allocations, genesis stake and block rewards minted', async () => {
    const holders = [...Array(6).keys()].map((i) => devWallet(i).address);
    let total = (await balance(STAKING_ADDRESS)) + (await balance(COMMUNITY_POOL_ADDRESS));
    for (const h of holders) total += await balance(h);
    // the fee pool (fees) and the block's fee recipient (tips; zero here) are the only other holders
    total += await balance('0x0000000000000000000000000000000000000000');
    const minted = (await call(0, 'totalMinted', [])).result?.[0] as bigint;
    assert.equal(minted, chainHeight() * MAINNET_STAKING_PARAMS.blockIssuance, 'one issuance per block');
    assert.equal(total, 6n * GENESIS_BALANCE + 2n * GENESIS_SHARES + minted);
  });

});
