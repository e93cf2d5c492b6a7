/**
 * Sponsored gas (issue 6, CyberMiles' "freegas", reference §2.6): the GasSponsor contract at
 * SPONSOR_ADDRESS (0x…1005) holds deposits that pay the gas of calls to the contracts they belong to.
 *
 * - `deposit(target)` (payable, anyone) adds to the target's deposit; `withdraw(amount)` pays the caller's
 *   own deposit back to it, so only the target itself can take its deposit out.
 * - `setPolicy(maxGasPerTx, callerGasPerWindow, windowBlocks)` is called BY the target: it opts in (or out,
 *   with maxGasPerTx 0). A caller may use callerGasPerWindow gas of the target's sponsorship per window of
 *   windowBlocks blocks; its window opens with its first sponsored transaction.
 * - `sponsorship(target)` and `callerUsage(target, caller)` are the views.
 *
 * This file is the contract and the rules that decide whether a transaction is sponsored
 * (`checkSponsored`); sponsoredTx.ts runs one. The CMT of every deposit is this account's balance.
 */
import { Interface } from 'ethers';
import type { NativeContract } from '../../evm/index.ts';
import { ChainError, bytesToHex } from '../../primitives/index.ts';
import type { Hex } from '../../primitives/index.ts';
import type { WorldState } from '../../state/index.ts';
import { StakingStore, abiAddress, refuse, runAbiCall } from '../../staking/index.ts';
import type { MethodSpec } from '../../staking/index.ts';
import { TxErrorCode } from '../errors.ts';

export const SPONSOR_ADDRESS = new Uint8Array([...new Uint8Array(18), 0x10, 0x05]);

export const SPONSOR_ABI = [
  'function deposit(address target) payable',
  'function withdraw(uint256 amount)',
  'function setPolicy(uint256 maxGasPerTx, uint256 callerGasPerWindow, uint256 windowBlocks)',
  'function sponsorship(address target) view returns (uint256 deposit, uint256 maxGasPerTx, uint256 callerGasPerWindow, uint256 windowBlocks)',
  'function callerUsage(address target, address caller) view returns (uint256 used, uint256 windowStart)',
  'event Deposited(address indexed target, address indexed from, uint256 amount)',
  'event Withdrawn(address indexed target, uint256 amount)',
  'event PolicySet(address indexed target, uint256 maxGasPerTx, uint256 callerGasPerWindow, uint256 windowBlocks)',
  'event GasSponsored(address indexed target, address indexed caller, uint256 gasUsed, uint256 fee)',
  'error ZeroDeposit()',
  'error InsufficientDeposit(uint256 available, uint256 requested)',
  'error BadPolicy(uint256 maxGasPerTx, uint256 callerGasPerWindow, uint256 windowBlocks)',
  'error ValueNotAccepted(uint256 value)',
  'error StaticCallWrite()',
  'error UnknownMethod(bytes4 selector)',
  'error BadInput()',
] as const;

export const sponsorInterface = new Interface(SPONSOR_ABI);

const METHODS: Record<string, MethodSpec> = {
  deposit: { gas: 30_000n, writes: true, payable: true },
  withdraw: { gas: 30_000n, writes: true },
  setPolicy: { gas: 50_000n, writes: true },
  sponsorship: { gas: 8_000n },
  callerUsage: { gas: 5_000n },
};

/** Storage words of the sponsor account, by target (and caller). */
const SLOT = {
  deposit: (s: StakingStore, target: Uint8Array) => s.listSlot('sponsor.deposit', target),
  policy: (s: StakingStore, target: Uint8Array, field: 0n | 1n | 2n) => s.listSlot('sponsor.policy', target, field),
  used: (s: StakingStore, target: Uint8Array, caller: Uint8Array) => s.listSlot('sponsor.used', target, caller),
  windowStart: (s: StakingStore, target: Uint8Array, caller: Uint8Array) => s.listSlot('sponsor.window', target, caller),
};

/** What the sponsor account knows about one target and one caller of it. */
export interface SponsorState {
  deposit: bigint;
  maxGasPerTx: bigint;
  callerGasPerWindow: bigint;
  windowBlocks: bigint;
  /** The caller's usage in its window open at the height asked about (0 and 0 when none is open). */
  used: bigint;
  windowStart: bigint;
}

export function sponsorStore(state: WorldState): StakingStore {
  return new StakingStore(state, SPONSOR_ADDRESS);
}

export async function readSponsorState(store: StakingStore, target: Uint8Array, caller: Uint8Array, height: bigint): Promise<SponsorState> {
  const windowBlocks = await store.get(SLOT.policy(store, target, 2n));
  const storedStart = await store.get(SLOT.windowStart(store, target, caller));
  // a window is open from its first sponsored block for windowBlocks blocks (blocks start at 1, so 0 is "none")
  const open = storedStart !== 0n && height < storedStart + windowBlocks;
  return {
    deposit: await store.get(SLOT.deposit(store, target)),
    maxGasPerTx: await store.get(SLOT.policy(store, target, 0n)),
    callerGasPerWindow: await store.get(SLOT.policy(store, target, 1n)),
    windowBlocks,
    used: open ? await store.get(SLOT.used(store, target, caller)) : 0n,
    windowStart: open ? storedStart : 0n,
  };
}

/** Moves `delta` (negative: out) into the target's deposit word; the CMT moves separately. */
export async function addToDeposit(store: StakingStore, target: Uint8Array, delta: bigint): Promise<bigint> {
  return store.add(SLOT.deposit(store, target), delta);
}

/** Records `gasUsed` more gas of `caller` in its window (opened at `height` when none is). */
export async function recordUsage(store: StakingStore, target: Uint8Array, caller: Uint8Array, before: SponsorState, gasUsed: bigint, height: bigint): Promise<void> {
  await store.set(SLOT.windowStart(store, target, caller), before.windowStart === 0n ? height : before.windowStart);
  await store.set(SLOT.used(store, target, caller), before.used + gasUsed);
}

/** The gas `caller` may still spend of the target's sponsorship in its current window. */
export function callerGasLeft(s: SponsorState): bigint {
  return s.used >= s.callerGasPerWindow ? 0n : s.callerGasPerWindow - s.used;
}

/** CyberMiles' mainnet halted for 17 hours on a price-0 contract creation (reference §11): refused, never run. */
export function sponsoredCreationError(): ChainError {
  return new ChainError(TxErrorCode.SPONSORED_CREATE, 'sponsored transactions cannot create contracts: a deployment pays its own gas (gas price 0 is only for calls to a sponsoring contract)');
}

/**
 * Whether a transaction at price 0 from `sender` to `to` with `gasLimit` is sponsored, at the base fee
 * `baseFee`; throws the reason otherwise. The same rule admits it to the mempool and lets it run in a block.
 */
export function checkSponsored(to: Uint8Array, sender: Hex, gasLimit: bigint, s: SponsorState, baseFee: bigint): void {
  const target = bytesToHex(to);
  if (s.maxGasPerTx === 0n) {
    throw new ChainError(TxErrorCode.NOT_SPONSORED, `not sponsored: gas price 0 is accepted only for calls to a contract that pays its callers' gas, and ${target} does not (no GasSponsor policy)`, { target });
  }
  if (gasLimit > s.maxGasPerTx) {
    throw new ChainError(TxErrorCode.SPONSOR_GAS_LIMIT, `sponsored gas limit too high: ${target} sponsors at most ${s.maxGasPerTx} gas per transaction, this one asks ${gasLimit}`, { target, gasLimit: String(gasLimit) });
  }
  const cost = gasLimit * baseFee;
  if (s.deposit < cost) {
    throw new ChainError(TxErrorCode.SPONSOR_DEPOSIT_LOW, `sponsor deposit too low: ${target} has ${s.deposit} wei deposited, the transaction may cost ${cost} wei (gas limit ${gasLimit} x base fee ${baseFee})`, { target, deposit: String(s.deposit), cost: String(cost) });
  }
  const left = callerGasLeft(s);
  if (gasLimit > left) {
    throw new ChainError(TxErrorCode.SPONSOR_WINDOW_SPENT, `sponsored gas budget spent: ${sender} may use ${left} more gas of ${target}'s sponsorship in its window of ${s.windowBlocks} blocks, this transaction asks ${gasLimit}`, { target, left: String(left) });
  }
}

export function gasSponsorContract(): NativeContract {
  return {
    address: SPONSOR_ADDRESS,
    run: (call) =>
      runAbiCall(sponsorInterface, METHODS, call, async (name, args) => {
        const store = sponsorStore(call.state);
        switch (name) {
          case 'deposit': {
            const target = abiAddress(args[0]);
            if (call.value === 0n) refuse('ZeroDeposit', [], 'a deposit takes the CMT sent with it');
            await addToDeposit(store, target, call.value); // the EVM already credited the value to this account
            return { events: [{ name: 'Deposited', args: [bytesToHex(target), bytesToHex(call.caller), call.value] }] };
          }
          case 'withdraw': {
            const amount = args[0] as bigint;
            const available = await store.get(SLOT.deposit(store, call.caller));
            if (amount > available) refuse('InsufficientDeposit', [available, amount], `the deposit of ${bytesToHex(call.caller)} holds ${available} wei`);
            await addToDeposit(store, call.caller, -amount);
            await store.pay(call.caller, amount); // a balance credit: no code of the caller runs
            return { events: [{ name: 'Withdrawn', args: [bytesToHex(call.caller), amount] }] };
          }
          case 'setPolicy': {
            const [maxGasPerTx, perWindow, windowBlocks] = [args[0] as bigint, args[1] as bigint, args[2] as bigint];
            const off = maxGasPerTx === 0n;
            if (!off && (perWindow === 0n || windowBlocks === 0n)) refuse('BadPolicy', [maxGasPerTx, perWindow, windowBlocks], 'a policy needs a gas budget per caller and a window of at least one block');
            const values = off ? [0n, 0n, 0n] : [maxGasPerTx, perWindow, windowBlocks];
            for (const [i, v] of values.entries()) await store.set(SLOT.policy(store, call.caller, BigInt(i) as 0n | 1n | 2n), v as bigint);
            return { events: [{ name: 'PolicySet', args: [bytesToHex(call.caller), ...values] }] };
          }
          case 'sponsorship': {
            const s = await readSponsorState(store, abiAddress(args[0]), new Uint8Array(20), call.height);
            return { result: [s.deposit, s.maxGasPerTx, s.callerGasPerWindow, s.windowBlocks] };
          }
          case 'callerUsage': {
            const s = await readSponsorState(store, abiAddress(args[0]), abiAddress(args[1]), call.height);
            return { result: [s.used, s.windowStart] };
          }
          default:
            throw new Error(`sponsor method ${name} has no handler`);
        }
      }),
  };
}
