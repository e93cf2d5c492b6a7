/**
 * How a native contract answers an ABI call: the method from the selector, its arguments decoded, a fixed
 * gas cost per method (like CyberMiles' fixed-gas staking transactions, reference §3.3, but sized to the
 * storage work each does), writes refused in a static call, value refused by methods that are not payable;
 * then return data and event logs, or a revert carrying the custom error (a StakingError).
 */
import type { Interface, Result } from 'ethers';
import { hexToBytes } from '../primitives/index.ts';
import type { WorldState } from '../state/index.ts';
import { StakingError, refuse } from './errors.ts';
import type { StakingEvent } from './rules.ts';

export interface NativeCallInput {
  caller: Uint8Array;
  value: bigint;
  data: Uint8Array;
  isStatic: boolean;
  height: bigint;
  /** The block's timestamp, seconds. */
  timestamp: bigint;
  state: WorldState;
}

export type NativeCallOutcome =
  | { status: 'ok'; gasUsed: bigint; returnData: Uint8Array; logs: Array<{ topics: Uint8Array[]; data: Uint8Array }> }
  | { status: 'revert'; gasUsed: bigint; returnData: Uint8Array };

export interface MethodSpec {
  /** Fixed, or from the call's input (a method whose work grows with its input charges for it). */
  gas: bigint | ((data: Uint8Array) => bigint);
  /** Changes state: refused in a static call. */
  writes?: boolean;
  payable?: boolean;
}

/** An `address` argument as ethers decodes it (a checksummed hex string), as 20 bytes. */
export function abiAddress(value: unknown): Uint8Array {
  return hexToBytes(String(value).toLowerCase());
}

export type MethodHandler = (name: string, args: Result) => Promise<{ events?: StakingEvent[]; result?: unknown[] }>;

export async function runAbiCall(iface: Interface, methods: Record<string, MethodSpec>, call: NativeCallInput, handle: MethodHandler): Promise<NativeCallOutcome> {
  const revert = (gasUsed: bigint, name: string, args: readonly unknown[]): NativeCallOutcome => ({
    status: 'revert',
    gasUsed,
    returnData: hexToBytes(iface.encodeErrorResult(name, args as unknown[])),
  });
  const selector = `0x${Buffer.from(call.data.subarray(0, 4)).toString('hex').padEnd(8, '0')}`;
  const fragment = call.data.length < 4 ? null : iface.getFunction(selector);
  const spec = fragment === null ? undefined : methods[fragment.name];
  if (fragment === null || spec === undefined) return revert(0n, 'UnknownMethod', [selector]);
  const gas = typeof spec.gas === 'bigint' ? spec.gas : spec.gas(call.data);
  let args: Result;
  try {
    args = iface.decodeFunctionData(fragment, call.data);
  } catch {
    return revert(gas, 'BadInput', []);
  }
  try {
    if (call.isStatic && spec.writes === true) refuse('StaticCallWrite', [], 'this method writes: not allowed in a static call');
    if (spec.payable !== true && call.value !== 0n) refuse('ValueNotAccepted', [call.value], 'this method takes no CMT');
    const { events = [], result = [] } = await handle(fragment.name, args);
    const logs = events.map((e) => {
      const encoded = iface.encodeEventLog(e.name, e.args as unknown[]);
      return { topics: encoded.topics.map((t) => hexToBytes(t)), data: hexToBytes(encoded.data) };
    });
    return { status: 'ok', gasUsed: gas, returnData: hexToBytes(iface.encodeFunctionResult(fragment, result)), logs };
  } catch (err) {
    if (err instanceof StakingError) return revert(gas, err.errorName, err.args);
    throw err;
  }
}
