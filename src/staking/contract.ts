/**
 * The staking contract: decodes an ABI call, runs the rule, and answers with return data, logs and a
 * fixed gas cost per method (like CyberMiles' fixed-gas staking transactions, reference §3.3, but sized to
 * the storage work each does), or with a revert carrying the custom error. Writes are refused in a static
 * call and sent value is refused by every method that is not payable.
 */
import { bytesToHex, hexToBytes } from '../primitives/index.ts';
import { stakingInterface } from './abi.ts';
import { StakingError, refuse } from './errors.ts';
import { LISTS, TOTAL_MINTED, delegationAmount, pendingUnbonding, rewardBalance, slashCount, slashField, validatorPower } from './layout.ts';
import type { StakingParams } from './params.ts';
import { claimRewards, declareCandidacy, delegate, readCandidate, restake, setActive, verifyCandidacy, withdraw, withdrawCandidacy } from './rules.ts';
import { pendingRewards } from './rewards.ts';
import type { CallContext, StakingEvent } from './rules.ts';
import { elect } from './election.ts';
import { StakingStore } from './store.ts';
import type { WorldState } from '../state/index.ts';

export interface StakingCall {
  caller: Uint8Array;
  value: bigint;
  data: Uint8Array;
  isStatic: boolean;
  height: bigint;
  state: WorldState;
}

export type StakingOutcome =
  | { status: 'ok'; gasUsed: bigint; returnData: Uint8Array; logs: Array<{ topics: Uint8Array[]; data: Uint8Array }> }
  | { status: 'revert'; gasUsed: bigint; returnData: Uint8Array };

/** Gas per method: a base plus the storage words it writes, at EIP-2200 prices (20k new, 5k changed). */
export const STAKING_GAS: Record<string, bigint> = {
  declareCandidacy: 250_000n,
  withdrawCandidacy: 100_000n,
  activateCandidacy: 30_000n,
  deactivateCandidacy: 30_000n,
  verifyCandidacy: 30_000n,
  delegate: 80_000n,
  withdraw: 120_000n,
  claimRewards: 60_000n,
  restake: 80_000n,
  rewards: 5_000n,
  totalMinted: 3_000n,
  slashes: 3_000n,
  slashAt: 5_000n,
  candidate: 10_000n,
  candidates: 10_000n,
  delegation: 3_000n,
  pendingUnbonding: 3_000n,
  validators: 20_000n,
  backups: 20_000n,
};

const WRITES = new Set(['declareCandidacy', 'withdrawCandidacy', 'activateCandidacy', 'deactivateCandidacy', 'verifyCandidacy', 'delegate', 'withdraw', 'claimRewards', 'restake']);
const PAYABLE = new Set(['declareCandidacy', 'delegate']);

export async function runStakingCall(call: StakingCall, params: StakingParams): Promise<StakingOutcome> {
  const selector = `0x${Buffer.from(call.data.subarray(0, 4)).toString('hex').padEnd(8, '0')}`;
  const fragment = call.data.length < 4 ? null : stakingInterface.getFunction(selector);
  if (fragment === null) return revert(0n, 'UnknownMethod', [selector]);
  const gas = STAKING_GAS[fragment.name] ?? 0n;
  let args;
  try {
    args = stakingInterface.decodeFunctionData(fragment, call.data);
  } catch {
    return revert(gas, 'BadInput', []);
  }
  try {
    if (call.isStatic && WRITES.has(fragment.name)) refuse('StaticCallWrite', [], 'staking writes are not allowed in a static call');
    if (!PAYABLE.has(fragment.name) && call.value !== 0n) refuse('ValueNotAccepted', [call.value], 'this method takes no CMT');
    const store = new StakingStore(call.state);
    const ctx: CallContext = { store, params, height: call.height, sender: call.caller, value: call.value };
    const addr = (v: unknown) => hexToBytes(String(v).toLowerCase());
    let events: StakingEvent[] = [];
    let result: unknown[] = [];
    switch (fragment.name) {
      case 'declareCandidacy':
        events = await declareCandidacy(ctx, addr(args[0]), args[1] as bigint, args[2] as bigint, String(args[3]));
        break;
      case 'withdrawCandidacy':
        events = await withdrawCandidacy(ctx);
        break;
      case 'activateCandidacy':
      case 'deactivateCandidacy':
        events = await setActive(ctx, fragment.name === 'activateCandidacy');
        break;
      case 'verifyCandidacy':
        events = await verifyCandidacy(ctx, addr(args[0]), Boolean(args[1]));
        break;
      case 'delegate':
        events = await delegate(ctx, addr(args[0]));
        break;
      case 'withdraw':
        events = await withdraw(ctx, addr(args[0]), args[1] as bigint);
        break;
      case 'claimRewards':
        events = await claimRewards(ctx, addr(args[0]));
        break;
      case 'restake':
        events = await restake(ctx, addr(args[0]));
        break;
      case 'rewards':
        result = [await pendingRewards(store, addr(args[0]), addr(args[1])), await store.get(rewardBalance(addr(args[1])))];
        break;
      case 'totalMinted':
        result = [await store.get(TOTAL_MINTED)];
        break;
      case 'slashes': {
        const owner = addr(args[0]);
        const count = await store.get(slashCount(owner));
        let total = 0n;
        for (let i = 0n; i < count; i++) total += await store.get(slashField(owner, i, 2));
        result = [count, total];
        break;
      }
      case 'slashAt': {
        const owner = addr(args[0]);
        const i = args[1] as bigint;
        if (i >= (await store.get(slashCount(owner)))) refuse('BadInput', [], 'no such slash');
        result = [await store.get(slashField(owner, i, 0)), await store.get(slashField(owner, i, 1)), await store.get(slashField(owner, i, 2))];
        break;
      }
      case 'candidate': {
        const c = await readCandidate(store, addr(args[0]));
        if (c === undefined) refuse('NotACandidate', [String(args[0])], 'not a candidate');
        result = [c.pubKey, c.maxStake, c.commission, c.bonded, c.active, c.verified, c.withdrawn, c.declaredAt, c.description];
        break;
      }
      case 'candidates':
        result = [(await store.listAll(LISTS.candidates)).map(bytesToHex)];
        break;
      case 'delegation':
        result = [await store.get(delegationAmount(addr(args[0]), addr(args[1])))];
        break;
      case 'pendingUnbonding':
        result = [await store.get(pendingUnbonding(addr(args[0])))];
        break;
      case 'validators': {
        // the set consensus has now (the last election's, or genesis')
        const owners = await store.listAll(LISTS.validators);
        const powers: bigint[] = [];
        for (const owner of owners) powers.push(await store.get(validatorPower(owner)));
        result = [owners.map(bytesToHex), powers];
        break;
      }
      case 'backups': {
        const { backups } = await elect(store, params);
        result = [backups.map((v) => bytesToHex(v.owner)), backups.map((v) => v.power)];
        break;
      }
    }
    const logs = events.map((e) => {
      const encoded = stakingInterface.encodeEventLog(e.name, e.args as unknown[]);
      return { topics: encoded.topics.map((t) => hexToBytes(t)), data: hexToBytes(encoded.data) };
    });
    return { status: 'ok', gasUsed: gas, returnData: hexToBytes(stakingInterface.encodeFunctionResult(fragment, result)), logs };
  } catch (err) {
    if (err instanceof StakingError) return revert(gas, err.errorName, err.args);
    throw err;
  }
}

function revert(gasUsed: bigint, name: string, args: readonly unknown[]): StakingOutcome {
  return { status: 'revert', gasUsed, returnData: hexToBytes(stakingInterface.encodeErrorResult(name, args as unknown[])) };
}
