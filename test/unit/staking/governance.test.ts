/**
 * Governance through the chain (CyberMiles' integration scenarios, reference/cybermiles.md §5.2, with its
 * §12.6 fault fixed): three genesis validators of equal power; only validators propose and vote; 2/3 of
 * the power approves or rejects at once, otherwise the proposal expires; votes can change until then. A
 * parameter change is typed and range-checked when proposed and applies on approval; a transfer can only
 * spend the community pool and only on approval; a halt deactivates everyone it does not preserve at its
 * height; an upgrade signal is recorded.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Interface } from 'ethers';
import { bytesToHex } from '../../../src/primitives/index.ts';
import { COMMUNITY_POOL_ADDRESS, GOVERNANCE_ADDRESS, PROPOSAL_STATUS, STAKING_ADDRESS, governanceInterface, stakingInterface } from '../../../src/staking/index.ts';
import { ONE, StakingChain, devWallet, pubKeyHex } from './stakingChain.ts';

const gov: Interface = governanceInterface;
const POOL = 1_000n * ONE;

describe('governance through the chain', () => {
  let sc: StakingChain;
  const propose = async (from: number, method: string, args: unknown[]) => {
    const executed = await sc.mine([await sc.tx(from, GOVERNANCE_ADDRESS, gov, method, args)]);
    assert.equal(executed.receipts[0]?.status, 1, `${method} succeeded`);
    return ((await sc.call(from, GOVERNANCE_ADDRESS, gov, 'info', [])).result?.proposals as bigint) - 1n;
  };
  const vote = async (from: number, id: bigint, approve: boolean) => {
    const executed = await sc.mine([await sc.tx(from, GOVERNANCE_ADDRESS, gov, 'vote', [id, approve])]);
    assert.equal(executed.receipts[0]?.status, 1, `vote of ${from} on ${id}`);
    return executed;
  };
  const proposal = async (id: bigint) => (await sc.call(0, GOVERNANCE_ADDRESS, gov, 'proposal', [id])).result;
  const refusal = async (from: number, method: string, args: unknown[]) => (await sc.call(from, GOVERNANCE_ADDRESS, gov, method, args)).error;

  before(async () => {
    sc = await StakingChain.open({ validators: 3, params: { proposal_expire_period: '50' }, alloc: { [bytesToHex(COMMUNITY_POOL_ADDRESS)]: POOL } });
    await sc.mine(); // the first election: three equal powers
  });

  it('only validators propose, and every proposal is checked when made', async () => {
    assert.deepEqual(await refusal(4, 'proposeChangeParam', ['max_slash_blocks', 24n, 'x', 0n, 0n]), { name: 'NotAValidator', args: [devWallet(4).address] });
    assert.deepEqual(await refusal(0, 'proposeChangeParam', ['no_such_param', 1n, 'x', 0n, 0n]), { name: 'UnknownParam', args: ['no_such_param'] });
    assert.deepEqual(await refusal(0, 'proposeChangeParam', ['max_vals', 0n, 'x', 0n, 0n]), { name: 'BadParamValue', args: ['max_vals', 0n] });
    assert.deepEqual(await refusal(0, 'proposeTransferFund', [devWallet(5).address, POOL + 1n, 'x', 0n, 0n]), { name: 'InsufficientPool', args: [POOL, POOL + 1n] });
    assert.deepEqual(await refusal(0, 'proposeHalt', [1n, [], 'x', 0n, 0n]), { name: 'BadHeight', args: [1n] });
    assert.deepEqual(await refusal(0, 'vote', [99n, true]), { name: 'NoSuchProposal', args: [99n] });
  });

  it('a parameter change applies when 2/3 approve, not before (max_slash_blocks doubles)', async () => {
    const before = (await sc.call(0, GOVERNANCE_ADDRESS, gov, 'params', [])).result;
    assert.equal(before?.maxMissedBlocks, 12n);
    const id = await propose(0, 'proposeChangeParam', ['max_slash_blocks', 24n, 'tolerate longer outages', 0n, 0n]);
    await vote(0, id, true);
    assert.equal((await proposal(id))?.status, PROPOSAL_STATUS.open, 'one third is not enough');
    assert.equal((await sc.call(0, GOVERNANCE_ADDRESS, gov, 'params', [])).result?.maxMissedBlocks, 12n);
    const executed = await vote(1, id, true);
    assert.deepEqual(StakingChain.eventNames(executed, 0, gov), ['Voted', 'ProposalResolved']);
    const p = await proposal(id);
    assert.equal(p?.status, PROPOSAL_STATUS.approved);
    const [owners, powers] = (await sc.call(0, STAKING_ADDRESS, stakingInterface, 'validators', [])).result as unknown as [string[], bigint[]];
    const powerOf = (i: number) => powers[owners.indexOf(devWallet(i).address)] as bigint;
    assert.deepEqual([p?.yes, p?.no], [powerOf(0) + powerOf(1), 0n], 'the tally is the voters\' voting power');
    assert.equal((await sc.call(0, GOVERNANCE_ADDRESS, gov, 'params', [])).result?.maxMissedBlocks, 24n);
    assert.deepEqual(await refusal(2, 'vote', [id, false]), { name: 'ProposalClosed', args: [id] });
  });

  it('the foundation address is a parameter too: governance hands verification to another account', async () => {
    const verify = (from: number) => sc.call(from, STAKING_ADDRESS, stakingInterface, 'verifyCandidacy', [devWallet(0).address, true]);
    assert.deepEqual((await verify(5)).error, { name: 'NotFoundation', args: [devWallet(5).address] });
    assert.deepEqual(await refusal(0, 'proposeChangeParam', ['foundation_address', 0n, 'x', 0n, 0n]), { name: 'BadParamValue', args: ['foundation_address', 0n] });
    const id = await propose(0, 'proposeChangeParam', ['foundation_address', BigInt(devWallet(5).address), 'a new foundation', 0n, 0n]);
    await vote(0, id, true);
    await vote(1, id, true);
    assert.equal((await proposal(id))?.status, PROPOSAL_STATUS.approved);
    assert.equal((await verify(5)).ok, true, 'the new foundation verifies');
  });

  it('a transfer from the community pool is paid on approval; a rejected one moves nothing', async () => {
    const to = devWallet(5).address;
    const held = await sc.balance(to);
    const rejected = await propose(1, 'proposeTransferFund', [to, 400n * ONE, 'grant', 0n, 0n]);
    await vote(0, rejected, false);
    await vote(2, rejected, false);
    assert.equal((await proposal(rejected))?.status, PROPOSAL_STATUS.rejected);
    assert.equal(await sc.balance(to), held);
    assert.equal(await sc.balance(COMMUNITY_POOL_ADDRESS), POOL, 'nothing was frozen or moved by proposing');
    const approved = await propose(1, 'proposeTransferFund', [to, 400n * ONE, 'grant', 0n, 0n]);
    await vote(0, approved, false);
    await vote(0, approved, true); // a vote can change until the proposal is resolved
    await vote(2, approved, true);
    assert.equal((await proposal(approved))?.status, PROPOSAL_STATUS.approved);
    assert.equal(await sc.balance(to), held + 400n * ONE);
    assert.equal(await sc.balance(COMMUNITY_POOL_ADDRESS), POOL - 400n * ONE);
  });

  it('a proposal without 2/3 expires at its height and takes no more votes', async () => {
    const expireAt = sc.height() + 4n;
    const id = await propose(2, 'proposeUpgrade', ['v2', sc.height() + 100n, 'https://example.invalid/v2', expireAt, 0n]);
    await vote(2, id, true);
    while (sc.height() <= expireAt) await sc.mine();
    assert.equal((await proposal(id))?.status, PROPOSAL_STATUS.expired);
    assert.deepEqual(await refusal(0, 'vote', [id, true]), { name: 'ProposalClosed', args: [id] });
    assert.equal((await sc.call(0, GOVERNANCE_ADDRESS, gov, 'info', [])).result?.upgradeHeight, 0n, 'an expired upgrade is not scheduled');
  });

  it('a proposal may expire at a block time instead of a height: one of the two, then no more votes', async () => {
    const now = sc.chain.head().header.timestamp;
    const h = sc.height() + 10n;
    assert.deepEqual(await refusal(0, 'proposeChangeParam', ['max_slash_blocks', 30n, 'x', h, now + 10n]), { name: 'BadExpiry', args: [h, now + 10n] });
    assert.deepEqual(await refusal(0, 'proposeChangeParam', ['max_slash_blocks', 30n, 'x', 0n, now]), { name: 'BadExpiry', args: [0n, now] }, 'not after this block');
    const at = now + 4n;
    const id = await propose(1, 'proposeChangeParam', ['max_slash_blocks', 31n, 'until a time', 0n, at]);
    const p = await proposal(id);
    assert.deepEqual([p?.expireHeight, p?.expireTimestamp], [0n, at]);
    await vote(1, id, true); // a third of the power: still open
    assert.equal((await proposal(id))?.status, PROPOSAL_STATUS.open);
    while (sc.chain.head().header.timestamp <= at) await sc.mine();
    assert.equal((await proposal(id))?.status, PROPOSAL_STATUS.expired, 'the first block after the time expires it');
    assert.deepEqual(await refusal(0, 'vote', [id, true]), { name: 'ProposalClosed', args: [id] });
  });

  it('an approved upgrade is recorded for operators', async () => {
    const at = sc.height() + 100n;
    const id = await propose(0, 'proposeUpgrade', ['v2', at, 'https://example.invalid/v2', 0n, 0n]);
    await vote(0, id, true);
    await vote(1, id, true);
    assert.equal((await sc.call(0, GOVERNANCE_ADDRESS, gov, 'info', [])).result?.upgradeHeight, at);
  });

  it('a halt deactivates every candidate it does not preserve at its height, and the set shrinks to them', async () => {
    const haltAt = sc.height() + 4n;
    const id = await propose(0, 'proposeHalt', [haltAt, [devWallet(0).address], 'stop for the upgrade', 0n, 0n]);
    await vote(0, id, true);
    await vote(2, id, true);
    assert.equal((await proposal(id))?.status, PROPOSAL_STATUS.approved);
    let removed: string[] = [];
    while (sc.height() < haltAt) {
      const executed = await sc.mine();
      if (sc.height() === haltAt) removed = executed.validatorUpdates.filter((u) => u.power === 0n).map((u) => bytesToHex(u.publicKey)).sort();
    }
    assert.deepEqual(removed, [pubKeyHex(1), pubKeyHex(2)].sort(), 'the halt block removes the others from consensus');
    const active = async (i: number) => (await sc.call(0, STAKING_ADDRESS, stakingInterface, 'candidate', [devWallet(i).address])).result?.active;
    assert.deepEqual([await active(0), await active(1), await active(2)], [true, false, false]);
  });
});
