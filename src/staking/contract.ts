/** The staking contract at STAKING_ADDRESS: each ABI method mapped to its rule or view (dispatch.ts). */
import { bytesToHex } from '../primitives/index.ts';
import { stakingInterface } from './abi.ts';
import { abiAddress, runAbiCall } from './dispatch.ts';
import type { MethodSpec, NativeCallInput, NativeCallOutcome } from './dispatch.ts';
import { refuse } from './errors.ts';
import { effectiveParams } from './governance.ts';
import { LISTS, TOTAL_MINTED, delegationAmount, delegationEarning, delegationRate, pendingUnbonding, rewardBalance, slashCount, slashField, validatorPower } from './layout.ts';
import type { StakingParams } from './params.ts';
import { acceptOwnerChange, requestOwnerChange } from './owners.ts';
import { actingAs, claimRewards, controllerOf, declareCandidacy, delegate, readCandidate, restake, setActive, setCompRate, updateCandidacy, verifyCandidacy, withdraw, withdrawCandidacy } from './rules.ts';
import { pendingRewards } from './rewards.ts';
import type { CallContext } from './rules.ts';
import { elect } from './election.ts';
import { StakingStore } from './store.ts';

export type StakingCall = NativeCallInput;
export type StakingOutcome = NativeCallOutcome;

/** Gas per method: a base plus the storage words it writes, at EIP-2200 prices (20k new, 5k changed). */
export const STAKING_METHODS: Record<string, MethodSpec> = {
  declareCandidacy: { gas: 250_000n, writes: true, payable: true },
  updateCandidacy: { gas: 150_000n, writes: true, payable: true },
  withdrawCandidacy: { gas: 100_000n, writes: true },
  activateCandidacy: { gas: 30_000n, writes: true },
  deactivateCandidacy: { gas: 30_000n, writes: true },
  verifyCandidacy: { gas: 30_000n, writes: true },
  delegate: { gas: 80_000n, writes: true, payable: true },
  withdraw: { gas: 120_000n, writes: true },
  claimRewards: { gas: 60_000n, writes: true },
  restake: { gas: 80_000n, writes: true },
  setCompRate: { gas: 40_000n, writes: true },
  updateCandidacyAccount: { gas: 100_000n, writes: true },
  acceptCandidacyAccountUpdate: { gas: 150_000n, writes: true, payable: true },
  rewards: { gas: 5_000n },
  totalMinted: { gas: 3_000n },
  slashes: { gas: 3_000n },
  slashAt: { gas: 5_000n },
  candidate: { gas: 10_000n },
  candidates: { gas: 10_000n },
  delegation: { gas: 3_000n },
  pendingUnbonding: { gas: 3_000n },
  delegationInfo: { gas: 8_000n },
  controllerOf: { gas: 3_000n },
  validators: { gas: 20_000n },
  backups: { gas: 20_000n },
};


export async function runStakingCall(call: StakingCall, genesisParams: StakingParams): Promise<StakingOutcome> {
  return runAbiCall(stakingInterface, STAKING_METHODS, call, async (name, args) => {
    const params = await effectiveParams(call.state, genesisParams);
    const store = new StakingStore(call.state);
    const ctx: CallContext = { store, params, height: call.height, sender: call.caller, value: call.value };
    // a candidate's own actions come from the account controlling it and act on its id (owners.ts)
    const asCandidate = async (): Promise<CallContext> => {
      const id = await actingAs(store, call.caller);
      if (id === undefined) refuse('NotACandidate', [bytesToHex(call.caller)], `${bytesToHex(call.caller)} handed its candidacy over`);
      return { ...ctx, sender: id };
    };
    switch (name) {
      case 'declareCandidacy':
        return { events: await declareCandidacy(ctx, abiAddress(args[0]), args[1] as bigint, args[2] as bigint, String(args[3])) };
      case 'updateCandidacy':
        return { events: await updateCandidacy(await asCandidate(), abiAddress(args[0]), args[1] as bigint, args[2] as bigint, String(args[3])) };
      case 'withdrawCandidacy':
        return { events: await withdrawCandidacy(await asCandidate()) };
      case 'activateCandidacy':
      case 'deactivateCandidacy':
        return { events: await setActive(await asCandidate(), name === 'activateCandidacy') };
      case 'setCompRate':
        return { events: await setCompRate(await asCandidate(), abiAddress(args[0]), args[1] as bigint) };
      case 'updateCandidacyAccount': {
        const c = await asCandidate();
        const r = await requestOwnerChange(c, c.sender, abiAddress(args[0]));
        return { events: r.events, result: [r.requestId] };
      }
      case 'acceptCandidacyAccountUpdate':
        return { events: await acceptOwnerChange(ctx, args[0] as bigint) };
      case 'verifyCandidacy':
        return { events: await verifyCandidacy(ctx, abiAddress(args[0]), Boolean(args[1])) };
      case 'delegate':
        return { events: await delegate(ctx, abiAddress(args[0])) };
      case 'withdraw':
        return { events: await withdraw(ctx, abiAddress(args[0]), args[1] as bigint) };
      case 'claimRewards':
        return { events: await claimRewards(ctx, abiAddress(args[0])) };
      case 'restake':
        return { events: await restake(ctx, abiAddress(args[0])) };
      case 'rewards':
        return { result: [await pendingRewards(store, abiAddress(args[0]), abiAddress(args[1])), await store.get(rewardBalance(abiAddress(args[1])))] };
      case 'totalMinted':
        return { result: [await store.get(TOTAL_MINTED)] };
      case 'slashes': {
        const owner = abiAddress(args[0]);
        const count = await store.get(slashCount(owner));
        let total = 0n;
        for (let i = 0n; i < count; i++) total += await store.get(slashField(owner, i, 2));
        return { result: [count, total] };
      }
      case 'slashAt': {
        const owner = abiAddress(args[0]);
        const i = args[1] as bigint;
        if (i >= (await store.get(slashCount(owner)))) refuse('BadInput', [], 'no such slash');
        return { result: [await store.get(slashField(owner, i, 0)), await store.get(slashField(owner, i, 1)), await store.get(slashField(owner, i, 2))] };
      }
      case 'candidate': {
        const c = await readCandidate(store, abiAddress(args[0]));
        if (c === undefined) refuse('NotACandidate', [String(args[0])], 'not a candidate');
        return { result: [c.pubKey, c.maxStake, c.commission, c.bonded, c.active, c.verified, c.withdrawn, c.declaredAt, c.description] };
      }
      case 'candidates':
        return { result: [(await store.listAll(LISTS.candidates)).map(bytesToHex)] };
      case 'delegation':
        return { result: [await store.get(delegationAmount(abiAddress(args[0]), abiAddress(args[1])))] };
      case 'delegationInfo': {
        const [c, d] = [abiAddress(args[0]), abiAddress(args[1])];
        return { result: [await store.get(delegationAmount(c, d)), await store.get(delegationRate(c, d)), await store.get(delegationEarning(c, d))] };
      }
      case 'controllerOf':
        return { result: [bytesToHex(await controllerOf(store, abiAddress(args[0])))] };
      case 'pendingUnbonding':
        return { result: [await store.get(pendingUnbonding(abiAddress(args[0])))] };
      case 'validators': {
        // the set consensus has now (the last election's, or genesis')
        const owners = await store.listAll(LISTS.validators);
        const powers: bigint[] = [];
        for (const owner of owners) powers.push(await store.get(validatorPower(owner)));
        return { result: [owners.map(bytesToHex), powers] };
      }
      case 'backups': {
        const { backups } = await elect(store, params);
        return { result: [backups.map((v) => bytesToHex(v.owner)), backups.map((v) => v.power)] };
      }
      default:
        throw new Error(`staking method ${name} has no handler`);
    }
  });
}
