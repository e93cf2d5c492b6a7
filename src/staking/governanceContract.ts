/** The governance contract at GOVERNANCE_ADDRESS: each ABI method mapped to its rule or view (dispatch.ts). */
import { bytesToHex } from '../primitives/index.ts';
import { governanceInterface } from './abi.ts';
import { abiAddress, runAbiCall } from './dispatch.ts';
import type { MethodSpec, NativeCallInput, NativeCallOutcome } from './dispatch.ts';
import { refuse } from './errors.ts';
import { effectiveParams, governanceInfo, proposeChangeParam, proposeHalt, proposeTransferFund, proposeUpgrade, readProposal, vote } from './governance.ts';
import type { Expiry, GovContext } from './governance.ts';
import { GOVERNANCE_ADDRESS } from './layout.ts';
import type { StakingParams } from './params.ts';
import { actingAs } from './rules.ts';
import { StakingStore } from './store.ts';

export const GOVERNANCE_METHODS: Record<string, MethodSpec> = {
  proposeChangeParam: { gas: 200_000n, writes: true },
  proposeTransferFund: { gas: 200_000n, writes: true },
  proposeHalt: { gas: 200_000n, writes: true },
  proposeUpgrade: { gas: 200_000n, writes: true },
  vote: { gas: 80_000n, writes: true },
  proposal: { gas: 20_000n },
  info: { gas: 5_000n },
  params: { gas: 20_000n },
};

/** Every propose method ends with (expireHeight, expireTimestamp). */
const expiryOf = (args: readonly unknown[]): Expiry => ({ height: args[3] as bigint, timestamp: args[4] as bigint });

export async function runGovernanceCall(call: NativeCallInput, genesisParams: StakingParams): Promise<NativeCallOutcome> {
  return runAbiCall(governanceInterface, GOVERNANCE_METHODS, call, async (name, args) => {
    const params = await effectiveParams(call.state, genesisParams);
    const staking = new StakingStore(call.state);
    // validators act through the account controlling their candidacy; votes count under the candidate's id
    const sender = await actingAs(staking, call.caller);
    if (sender === undefined) {
      if (GOVERNANCE_METHODS[name]?.writes === true) refuse('NotAValidator', [bytesToHex(call.caller)], `${bytesToHex(call.caller)} handed its candidacy over`);
    }
    const ctx: GovContext = { staking, gov: new StakingStore(call.state, GOVERNANCE_ADDRESS), params, height: call.height, timestamp: call.timestamp, sender: sender ?? call.caller };
    switch (name) {
      case 'proposeChangeParam': {
        const r = await proposeChangeParam(ctx, String(args[0]), args[1] as bigint, String(args[2]), expiryOf(args));
        return { events: r.events, result: [r.id] };
      }
      case 'proposeTransferFund': {
        const r = await proposeTransferFund(ctx, abiAddress(args[0]), args[1] as bigint, String(args[2]), expiryOf(args));
        return { events: r.events, result: [r.id] };
      }
      case 'proposeHalt': {
        const r = await proposeHalt(ctx, args[0] as bigint, (args[1] as string[]).map(abiAddress), String(args[2]), expiryOf(args));
        return { events: r.events, result: [r.id] };
      }
      case 'proposeUpgrade': {
        const r = await proposeUpgrade(ctx, String(args[0]), args[1] as bigint, String(args[2]), expiryOf(args));
        return { events: r.events, result: [r.id] };
      }
      case 'vote':
        return { events: await vote(ctx, args[0] as bigint, Boolean(args[1])) };
      case 'proposal': {
        const p = await readProposal(call.state, args[0] as bigint);
        if (p === undefined) refuse('NoSuchProposal', [args[0]], 'no such proposal');
        return { result: [p.kind, bytesToHex(p.proposer), p.createdAt, p.expireHeight, p.status, p.resolvedAt, p.yes, p.no, p.reason, p.expireTimestamp] };
      }
      case 'info': {
        const i = await governanceInfo(call.state);
        return { result: [i.proposals, i.haltHeight, i.upgradeHeight] };
      }
      case 'params':
        return { result: [BigInt(params.maxValidators), BigInt(params.backupValidators), params.unbondingBlocks, params.blockIssuance, params.maxMissedBlocks, params.proposalExpireBlocks] };
      default:
        throw new Error(`governance method ${name} has no handler`);
    }
  });
}
