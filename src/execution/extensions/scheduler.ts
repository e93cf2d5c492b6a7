/**
 * Scheduled calls (issue 6; CyberMiles announced `schedule` and never shipped it, reference §12.11): a
 * contract (or an account) schedules a call to a target at a future block, paying its gas up front; the
 * chain runs due calls at the start of that block, before any transaction, and refunds what the call did
 * not use. Order: calls deferred from earlier blocks first (in their order), then the block's own in id
 * order; a block gives scheduled calls at most SCHEDULED_GAS_PER_BLOCK, and a call that does not fit waits
 * for the next block. The owner can cancel a call that has not run and gets its deposit back.
 *
 * The target sees msg.sender = the scheduler (0x…1004) and can ask `scheduled(id)` who scheduled it. A
 * call's outcome (ran, reverted) and gas are recorded on the call; the events a scheduled call emits are not
 * kept (there is no transaction receipt to hold them).
 */
import { Interface } from 'ethers';
import type { NativeContract } from '../../evm/index.ts';
import { bytesToHex, hexToBytes } from '../../primitives/index.ts';
import type { WorldState } from '../../state/index.ts';
import { StakingStore, refuse, runAbiCall, toWord } from '../../staking/index.ts';
import type { MethodSpec } from '../../staking/index.ts';
import type { BlockEnvironment } from '../executeBlock.ts';

export const SCHEDULER_ADDRESS = new Uint8Array([...new Uint8Array(18), 0x10, 0x04]);
export const SCHEDULED_GAS_PER_BLOCK = 5_000_000n;
export const MAX_SCHEDULED_CALL_GAS = 2_000_000n;
const MIN_SCHEDULED_CALL_GAS = 21_000n;

export const SCHEDULER_ABI = [
  'function schedule(address target, bytes data, uint256 atHeight, uint256 gasLimit) payable returns (uint256 id)',
  'function cancel(uint256 id)',
  'function scheduled(uint256 id) view returns (address owner, address target, uint256 atHeight, uint256 gasLimit, uint256 status, uint256 gasUsed, uint256 ranAt)',
  'function gasPrice() view returns (uint256)',
  'event CallScheduled(uint256 indexed id, address indexed owner, address indexed target, uint256 atHeight, uint256 gasLimit)',
  'event CallCancelled(uint256 indexed id)',
  'error BadHeight(uint256 atHeight)',
  'error BadGasLimit(uint256 gasLimit)',
  'error WrongDeposit(uint256 expected, uint256 sent)',
  'error NotOwner(address sender)',
  'error NotScheduled(uint256 id)',
  'error ValueNotAccepted(uint256 value)',
  'error StaticCallWrite()',
  'error UnknownMethod(bytes4 selector)',
  'error BadInput()',
] as const;

export const schedulerInterface = new Interface(SCHEDULER_ABI);

export const CALL_STATUS = { scheduled: 1n, ran: 2n, reverted: 3n, cancelled: 4n } as const;
const F = { owner: 0, target: 1, atHeight: 2, gasLimit: 3, status: 4, gasUsed: 5, ranAt: 6, deposit: 7 } as const;

const METHODS: Record<string, MethodSpec> = {
  schedule: { gas: 120_000n, writes: true, payable: true },
  cancel: { gas: 40_000n, writes: true },
  scheduled: { gas: 10_000n },
  gasPrice: { gas: 1_000n },
};

const field = (s: StakingStore, id: bigint, f: number) => s.listSlot('sched.field', id, BigInt(f));
const dataSlot = (s: StakingStore, id: bigint) => s.listSlot('sched.data', id);
const COUNT = 'sched.count';
const DUE = 'sched.due';
const CARRY = 'sched.carry';

/** `gasPrice`: what a scheduled call's gas costs (the chain's constant base fee). */
export function schedulerContract(gasPrice: bigint): NativeContract {
  return {
    address: SCHEDULER_ADDRESS,
    run: (call) =>
      runAbiCall(schedulerInterface, METHODS, call, async (name, args) => {
        const store = new StakingStore(call.state, SCHEDULER_ADDRESS);
        switch (name) {
          case 'schedule': {
            const [target, data, atHeight, gasLimit] = [String(args[0]).toLowerCase(), hexToBytes(String(args[1])), args[2] as bigint, args[3] as bigint];
            if (atHeight <= call.height) refuse('BadHeight', [atHeight], 'a call is scheduled for a later block');
            if (gasLimit < MIN_SCHEDULED_CALL_GAS || gasLimit > MAX_SCHEDULED_CALL_GAS) refuse('BadGasLimit', [gasLimit], `gas between ${MIN_SCHEDULED_CALL_GAS} and ${MAX_SCHEDULED_CALL_GAS}`);
            const deposit = gasLimit * gasPrice;
            if (call.value !== deposit) refuse('WrongDeposit', [deposit, call.value], `the deposit is gasLimit x ${gasPrice} wei`);
            const id = (await store.add(store.listSlot(COUNT), 1n)) - 1n;
            await store.set(field(store, id, F.owner), BigInt(bytesToHex(call.caller)));
            await store.set(field(store, id, F.target), BigInt(target));
            await store.set(field(store, id, F.atHeight), atHeight);
            await store.set(field(store, id, F.gasLimit), gasLimit);
            await store.set(field(store, id, F.deposit), deposit);
            await store.set(field(store, id, F.status), CALL_STATUS.scheduled);
            await store.setBytes(dataSlot(store, id), data);
            await store.listPush(DUE, [atHeight], toWord(id, 20));
            return { events: [{ name: 'CallScheduled', args: [id, bytesToHex(call.caller), target, atHeight, gasLimit] }], result: [id] };
          }
          case 'cancel': {
            const id = args[0] as bigint;
            if ((await store.get(field(store, id, F.status))) !== CALL_STATUS.scheduled) refuse('NotScheduled', [id], `call ${id} is not waiting to run`);
            const owner = (await store.address(field(store, id, F.owner))) as Uint8Array;
            if (bytesToHex(owner) !== bytesToHex(call.caller)) refuse('NotOwner', [bytesToHex(call.caller)], 'only who scheduled a call cancels it');
            await store.set(field(store, id, F.status), CALL_STATUS.cancelled);
            await store.pay(owner, await store.get(field(store, id, F.deposit)));
            return { events: [{ name: 'CallCancelled', args: [id] }] };
          }
          case 'scheduled': {
            const id = args[0] as bigint;
            if (id >= (await store.get(store.listSlot(COUNT)))) refuse('NotScheduled', [id], `no call ${id}`);
            const addr = async (f: number) => bytesToHex((await store.address(field(store, id, f))) ?? new Uint8Array(20));
            return { result: [await addr(F.owner), await addr(F.target), await store.get(field(store, id, F.atHeight)), await store.get(field(store, id, F.gasLimit)), await store.get(field(store, id, F.status)), await store.get(field(store, id, F.gasUsed)), await store.get(field(store, id, F.ranAt))] };
          }
          case 'gasPrice':
            return { result: [gasPrice] };
          default:
            throw new Error(`scheduler method ${name} has no handler`);
        }
      }),
  };
}

/** Start of block: runs the calls due (deferred ones first), within the block's budget; pays their gas. */
export async function runScheduledCalls(state: WorldState, env: BlockEnvironment, gasPrice: bigint): Promise<void> {
  const store = new StakingStore(state, SCHEDULER_ADDRESS);
  const height = env.ctx.height;
  const carried = await store.listAll(CARRY);
  const due = await store.listAll(DUE, height);
  if (carried.length === 0 && due.length === 0) return;
  await store.listReplace(CARRY, [], []);
  await store.listReplace(DUE, [height], []);
  let used = 0n;
  const deferred: Uint8Array[] = [];
  for (const word of [...carried, ...due]) {
    const id = BigInt(bytesToHex(word));
    if ((await store.get(field(store, id, F.status))) !== CALL_STATUS.scheduled) continue; // cancelled
    const gasLimit = await store.get(field(store, id, F.gasLimit));
    if (used + gasLimit > SCHEDULED_GAS_PER_BLOCK) {
      deferred.push(word);
      continue;
    }
    const target = (await store.address(field(store, id, F.target))) ?? new Uint8Array(20);
    const outcome = await env.call(SCHEDULER_ADDRESS, target, await store.bytes(dataSlot(store, id)), gasLimit);
    const gasUsed = outcome.gasUsed < gasLimit ? outcome.gasUsed : gasLimit;
    used += gasUsed;
    const owner = (await store.address(field(store, id, F.owner))) as Uint8Array;
    const deposit = await store.get(field(store, id, F.deposit));
    // the gas goes to the fee pool like any fee (and so into the block's rewards); the rest back to the owner
    await store.pay(env.ctx.feePool, gasUsed * gasPrice);
    await store.pay(owner, deposit - gasUsed * gasPrice);
    await store.set(field(store, id, F.status), outcome.ok ? CALL_STATUS.ran : CALL_STATUS.reverted);
    await store.set(field(store, id, F.gasUsed), gasUsed);
    await store.set(field(store, id, F.ranAt), height);
  }
  if (deferred.length > 0) await store.listReplace(CARRY, [], deferred);
}
