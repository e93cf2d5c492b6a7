/**
 * What staking does outside transactions: the genesis validators become candidates holding their
 * self-stake, and at the end of every block the unbondings that mature are paid and the election runs;
 * its changes go to consensus (effective two heights later, node/validatorSets.ts).
 */
import { Account, Address } from '@ethereumjs/util';
import type { WorldState } from '../state/index.ts';
import { applyElection, elect } from './election.ts';
import type { SetChange } from './election.ts';
import { LISTS, STAKING_ADDRESS, validatorKey, validatorPower } from './layout.ts';
import type { StakingParams } from './params.ts';
import { effectiveParams, governanceEndBlock } from './governance.ts';
import { distributeBlockRewards } from './rewards.ts';
import { slashDoubleSigns, trackAbsence } from './slashing.ts';
import type { DoubleSign } from './slashing.ts';
import { bondAtGenesis, payMatured, readCandidate, writeCandidate } from './rules.ts';
import { StakingStore } from './store.ts';
import { bytesToHex } from '../primitives/index.ts';

export interface GenesisCandidate {
  owner: Uint8Array;
  pubKey: Uint8Array;
  /** Consensus power genesis gives it (until the first election). */
  power: bigint;
  selfStake: bigint;
  maxStake: bigint;
  commission: bigint;
  name: string;
}

export async function stakingGenesis(state: WorldState, params: StakingParams, candidates: readonly GenesisCandidate[]): Promise<void> {
  const store = new StakingStore(state);
  let locked = 0n;
  for (const c of candidates) {
    await writeCandidate(store, c.owner, c.pubKey, c.maxStake, c.commission, 0n, c.name);
    if (c.selfStake > 0n) await bondAtGenesis(store, params, c.owner, c.selfStake);
    locked += c.selfStake;
    await store.set(validatorPower(c.owner), c.power);
    await store.set(validatorKey(c.owner), BigInt(bytesToHex(c.pubKey)));
  }
  await store.listReplace(LISTS.validators, [], candidates.map((c) => c.owner));
  // the genesis self-stakes are CMT created at genesis, held by the staking account like any bonded stake
  const address = new Address(STAKING_ADDRESS);
  const account = (await state.getAccount(address)) ?? new Account();
  account.balance += locked;
  await state.putAccount(address, account);
}

export interface EndBlockInputs {
  height: bigint;
  /** The block's timestamp, seconds. */
  timestamp: bigint;
  /** Consensus addresses that signed the previous block. */
  signers: readonly Uint8Array[];
  /** Double-sign evidence the block commits. */
  evidence: readonly DoubleSign[];
  /** The account that received the block's fees. */
  feePool: Uint8Array;
}

/** Slashing, rewards for the block, matured unbondings paid, then the election and its changes for consensus. */
export async function stakingEndBlock(state: WorldState, params: StakingParams, inputs: EndBlockInputs): Promise<SetChange[]> {
  const store = new StakingStore(state);
  params = await effectiveParams(state, params); // what governance changed applies from the next block on
  // misbehaviour first: a slashed or deactivated validator is out of this block's election
  await slashDoubleSigns(store, params, inputs.evidence, inputs.height);
  if (inputs.height > 1n) await trackAbsence(store, params, inputs.signers, inputs.height);
  // proposals that expire; a halt height reached deactivates every candidate it does not preserve
  await governanceEndBlock(state, inputs.height, inputs.timestamp);
  // rewards and payouts do not change bonded stake, so this election is also the one after them
  const election = await elect(store, params);
  await distributeBlockRewards(store, params, { signers: inputs.signers, feePool: inputs.feePool, backups: election.backups });
  await payMatured(store, inputs.height);
  if (inputs.height % params.electionInterval !== 0n && !(await memberCannotServe(store))) return [];
  return applyElection(store, election.validators, inputs.height);
}

/** Whether a member of the current set was deactivated, slashed to nothing or withdrew: it leaves at once. */
async function memberCannotServe(store: StakingStore): Promise<boolean> {
  for (const owner of await store.listAll(LISTS.validators)) {
    const c = await readCandidate(store, owner);
    if (c === undefined || !c.active || c.withdrawn || c.bonded === 0n) return true;
  }
  return false;
}
