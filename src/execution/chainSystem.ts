/**
 * The chain's own logic around the EVM, from genesis: the staking contract callable at its address, the
 * genesis validators as staking candidates, and staking's end of block (unbondings paid, the election,
 * its validator set changes). Staking is on when genesis has an app_state.stake section (ADR 0014).
 */
import { Account, Address } from '@ethereumjs/util';
import { ed25519Address } from '../crypto/index.ts';
import type { NativeContract } from '../evm/index.ts';
import { GOVERNANCE_ADDRESS, MAINNET_STAKING_PARAMS, RATE_ONE, STAKING_ADDRESS, runGovernanceCall, runStakingCall, stakingEndBlock, stakingGenesis } from '../staking/index.ts';
import type { GenesisCandidate, StakingParams } from '../staking/index.ts';
import type { WorldState } from '../state/index.ts';
import { createValidator } from '../types/index.ts';
import type { Genesis } from '../types/index.ts';
import type { BlockHooks } from './executeBlock.ts';
import { extensionsContract } from './extensions/contract.ts';
import { runScheduledCalls, schedulerContract } from './extensions/scheduler.ts';
import { gasSponsorContract } from './extensions/gasSponsor.ts';

export function stakingParamsOf(genesis: Genesis): StakingParams | undefined {
  // genesis names the same fields as StakingParams: what it sets overrides the defaults
  return genesis.staking === undefined ? undefined : { ...MAINNET_STAKING_PARAMS, ...genesis.staking };
}

export function nativeContractsOf(genesis: Genesis): NativeContract[] {
  const params = stakingParamsOf(genesis);
  const scheduler = schedulerContract(genesis.minGasPriceWei);
  if (params === undefined) return [extensionsContract(undefined), scheduler, gasSponsorContract()];
  return [
    extensionsContract(params),
    scheduler,
    gasSponsorContract(),
    { address: STAKING_ADDRESS, run: (call) => runStakingCall(call, params) },
    { address: GOVERNANCE_ADDRESS, run: (call) => runGovernanceCall(call, params) },
  ];
}

/** The end of every block: what staking does, and the validator set changes it returns. */
export function systemHooksOf(genesis: Genesis): BlockHooks {
  const params = stakingParamsOf(genesis);
  const beginBlock: BlockHooks['beginBlock'] = (state, env) => runScheduledCalls(state, env, genesis.minGasPriceWei);
  if (params === undefined) return { beginBlock };
  return {
    beginBlock,
    endBlock: async (state, ctx) => {
      const signers = ctx.lastCommit?.signatures.map((s) => s.validatorAddress) ?? [];
      const evidence = (ctx.evidence ?? []).map((e) => ({
        validator: e.voteA.validatorAddress,
        height: e.voteA.height,
        round: BigInt(e.voteA.round),
        voteType: e.voteA.type === 'prevote' ? 1n : 2n,
      }));
      const changes = await stakingEndBlock(state, params, { height: ctx.height, timestamp: ctx.timestamp, signers, evidence, feePool: ctx.feePool });
      return changes.map((c) => createValidator(c.pubKey, c.power));
    },
  };
}

function commissionOf(rate: string): bigint {
  const [num, den] = rate.split('/').map((x) => BigInt(x));
  return den === undefined || den === 0n ? 0n : (RATE_ONE * (num as bigint)) / den;
}

/** Genesis validators as candidates: their `shares` bonded as self-stake, owned by `owner` (if any). */
export async function applyStakingGenesis(state: WorldState, genesis: Genesis): Promise<void> {
  const params = stakingParamsOf(genesis);
  if (params === undefined) return;
  const candidates: GenesisCandidate[] = genesis.validators.map((v) => ({
    // without an owner the stake is locked for good: nobody holds a secp256k1 key for this address
    owner: v.owner ?? ed25519Address(v.publicKey),
    pubKey: v.publicKey,
    power: v.power,
    selfStake: v.shares,
    maxStake: v.maxAmount > v.shares ? v.maxAmount : v.shares,
    commission: commissionOf(v.compRate),
    name: v.name,
  }));
  await stakingGenesis(state, params, candidates);
  // Each native contract's account gets a one-byte stub (INVALID, never run: the EVM runs the native code at
  // these addresses). Solidity checks EXTCODESIZE before a call that returns nothing (delegate, withdraw,
  // vote...) and would revert on an account without code. Nonce 1, as any contract's.
  for (const c of nativeContractsOf(genesis)) {
    const address = new Address(c.address);
    const account = (await state.getAccount(address)) ?? new Account(1n, 0n);
    if (account.nonce === 0n) account.nonce = 1n;
    await state.putAccount(address, account);
    await state.putCode(address, NATIVE_CONTRACT_STUB);
  }
}

const NATIVE_CONTRACT_STUB = new Uint8Array([0xfe]);
