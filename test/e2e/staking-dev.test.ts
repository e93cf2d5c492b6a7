/**
 * Staking on the single-validator dev chain (`cmt start --dev`, automine), through ethers only: the dev
 * validator (owned by dev account 0) is the one validator and earns every block's rewards; a declared
 * candidate lands among the backups (one seat on a dev chain, so the chain never waits for a node that does
 * not exist) and shares the backups' 10%; delegators earn with it; rewards are claimed into the wallet;
 * governance works with the one validator's vote.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Contract } from 'ethers';
import type { JsonRpcProvider, TransactionReceipt } from 'ethers';
import { bytesToHex } from '../../src/primitives/index.ts';
import { GOVERNANCE_ABI, GOVERNANCE_ADDRESS, PROPOSAL_STATUS, STAKING_ABI, STAKING_ADDRESS } from '../../src/staking/index.ts';
import { withDevNode } from '../utils/node.ts';
import { devWallet } from '../utils/e2e2-helpers.ts';

const CMT = 10n ** 18n;

describe('staking on the dev chain', () => {
  let provider: JsonRpcProvider;
  const staking = (i: number) => new Contract(bytesToHex(STAKING_ADDRESS), STAKING_ABI, devWallet(i).connect(provider));
  const governance = (i: number) => new Contract(bytesToHex(GOVERNANCE_ADDRESS), GOVERNANCE_ABI, devWallet(i).connect(provider));
  const mine = async (n: number) => {
    for (let k = 0; k < n; k++) await provider.send('evm_mine', []);
  };

  withDevNode(['--block-time', '0'], (_node, p) => {
    provider = p;
  });

  test('the dev validator is the one validator, owned by dev account 0, and earns every block', async () => {
    await mine(1); // the first election replaces genesis' power 10 by the stake
    const [owners, powers] = (await staking(0).getFunction('validators')()) as [string[], bigint[]];
    assert.deepEqual([...owners], [devWallet(0).address]);
    assert.equal(powers[0], 10_000_000n, 'its self-stake in whole CMT');
    const owner = devWallet(0).address;
    const before = (await staking(0).getFunction('rewards')(owner, owner)) as { pending: bigint; settled: bigint };
    await mine(3);
    const after = (await staking(0).getFunction('rewards')(owner, owner)) as { pending: bigint; settled: bigint };
    assert.ok(after.pending + after.settled > before.pending + before.settled, 'rewards grew');
    assert.equal((await staking(0).getFunction('totalMinted')()) as bigint, BigInt(await provider.getBlockNumber()) * 25_367_833_587_011_669_203n, 'one issuance per block');
  });

  test('a declared candidate becomes a backup, earns with its delegators, and the chain goes on', async () => {
    const candidate = devWallet(1).address;
    await (await staking(1).getFunction('declareCandidacy')(bytesToHex(randomBytes(32)), 10_000n * CMT, 10n ** 17n, 'a merchant', { value: 1_000n * CMT })).wait();
    await (await staking(2).getFunction('delegate')(candidate, { value: 1_500n * CMT })).wait();
    await (await staking(3).getFunction('delegate')(candidate, { value: 500n * CMT })).wait(); // below the 1,000 CMT that earns
    const [backups] = (await staking(0).getFunction('backups')()) as [string[]];
    assert.deepEqual([...backups], [candidate]);
    const [validators] = (await staking(0).getFunction('validators')()) as [string[]];
    assert.deepEqual([...validators], [devWallet(0).address], 'the dev validator keeps its seat');
    const delegator = devWallet(2).address;
    const before = (await staking(0).getFunction('rewards')(candidate, delegator)) as { pending: bigint };
    await mine(3);
    const after = (await staking(0).getFunction('rewards')(candidate, delegator)) as { pending: bigint };
    assert.ok(after.pending > before.pending, 'the delegator of a backup earns from the backups\' share');
    const small = (await staking(0).getFunction('rewards')(candidate, devWallet(3).address)) as { pending: bigint; settled: bigint };
    assert.equal(small.pending + small.settled, 0n, 'a delegation under minEarningStake earns nothing');
  });

  test('rewards are claimed into the wallet', async () => {
    const owner = devWallet(0).address;
    const balance = await provider.getBalance(owner);
    const owed = (await staking(0).getFunction('rewards')(owner, owner)) as { pending: bigint; settled: bigint };
    const receipt = (await (await staking(0).getFunction('claimRewards')(owner)).wait()) as TransactionReceipt | null;
    assert.ok(receipt !== null);
    const paid = (await provider.getBalance(owner)) - balance + receipt.gasUsed * receipt.gasPrice;
    // the claim's own block adds one more block of rewards before it is paid out
    assert.ok(paid >= owed.pending + owed.settled, `paid ${paid}, owed at least ${owed.pending + owed.settled}`);
    // what is settled again is the commission of blocks after the claim (20% of one block's issuance and fees each)
    const left = (await staking(0).getFunction('rewards')(owner, owner)) as { pending: bigint; settled: bigint };
    assert.ok(left.settled < owed.settled, `settled after the claim: ${left.settled}`);
  });

  test('governance: the one validator proposes and its vote decides', async () => {
    const id = ((await governance(0).getFunction('info')()) as { proposals: bigint }).proposals;
    await (await governance(0).getFunction('proposeChangeParam')('max_slash_blocks', 50n, 'a dev chain can idle', 0n, 0n)).wait();
    await (await governance(0).getFunction('vote')(id, true)).wait();
    const p = (await governance(0).getFunction('proposal')(id)) as { status: bigint };
    assert.equal(p.status, PROPOSAL_STATUS.approved);
    const params = (await governance(0).getFunction('params')()) as { maxMissedBlocks: bigint };
    assert.equal(params.maxMissedBlocks, 50n);
  });

  test('cmt_ queries answer in CyberMiles\' shapes: validators, one validator, a delegator, parameters, proposals', async () => {
    type Answer<T> = { height: number; data: T };
    const head = await provider.getBlockNumber();
    const validators = (await provider.send('cmt_queryValidators', [])) as Answer<Array<{ owner_address: string; state: string; verified: string }>>;
    assert.equal(validators.height, head);
    const states = new Map(validators.data.map((v) => [v.owner_address, v.state]));
    assert.equal(states.get(devWallet(0).address.toLowerCase()), 'Validator');
    assert.equal(states.get(devWallet(1).address.toLowerCase()), 'Backup Validator');
    const one = (await provider.send('cmt_queryValidator', [devWallet(1).address])) as Answer<{ shares: string; max_shares: string; comp_rate: string; num_of_delegators: number; description: string }>;
    assert.deepEqual([one.data.shares, one.data.max_shares, one.data.comp_rate, one.data.num_of_delegators, one.data.description], [(3_000n * CMT).toString(), (10_000n * CMT).toString(), '0.1', 3, 'a merchant']);
    const delegator = (await provider.send('cmt_queryDelegator', [devWallet(2).address])) as Answer<Array<{ validator_address: string; delegate_amount: string }>>;
    assert.deepEqual(delegator.data.map((d) => [d.validator_address, d.delegate_amount]), [[devWallet(1).address.toLowerCase(), (1_500n * CMT).toString()]]);
    const params = (await provider.send('cmt_queryParams', [])) as Answer<{ max_vals: number; max_slash_blocks: number; validator_size_threshold: string; self_staking_ratio: string }>;
    assert.deepEqual([params.data.max_vals, params.data.max_slash_blocks, params.data.validator_size_threshold, params.data.self_staking_ratio], [1, 50, '1', '0.1']);
    const proposals = (await provider.send('cmt_queryProposals', [])) as Answer<Array<{ type: string; result: string; proposer: string }>>;
    assert.deepEqual(proposals.data.map((p) => [p.type, p.result, p.proposer]), [['changeParam', 'approved', devWallet(0).address.toLowerCase()]]);
    // the head block's awards: the dev validator (which signed the block before) 90%, the one backup 10%
    const awards = (await provider.send('cmt_queryAwardInfos', [])) as Answer<Array<{ address: string; state: string; amount: string }>>;
    assert.equal(awards.height, head);
    assert.deepEqual(awards.data.map((a) => [a.address, a.state]), [[devWallet(0).address.toLowerCase(), 'Validator'], [devWallet(1).address.toLowerCase(), 'Backup Validator']]);
    const [validatorAward, backupAward] = awards.data.map((a) => BigInt(a.amount)) as [bigint, bigint];
    assert.ok(validatorAward >= 25_367_833_587_011_669_203n * 9n / 10n, `the validator's award ${validatorAward}`);
    const skew = validatorAward - 9n * backupAward;
    assert.ok(skew >= -10n && skew <= 10n, `90/10 split, off by ${skew}`);
    // at an earlier block: the candidate did not exist yet
    const early = (await provider.send('cmt_queryValidator', [devWallet(1).address, '0x1'])) as Answer<null>;
    assert.deepEqual(early, { height: 1, data: null });
    await assert.rejects(provider.send('cmt_queryValidator', ['0x1234']), /address/);
  });
});

