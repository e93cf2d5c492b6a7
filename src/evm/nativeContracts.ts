/**
 * Native contracts: chain logic written in TypeScript that lives at a fixed address and is called like any
 * contract (a transaction, eth_call, or a CALL from another contract), with ABI-encoded input. Staking is
 * one (ADR 0014). They run as @ethereumjs custom precompiles, which only receive the input bytes and gas;
 * a native contract also needs who called it, with how much value, and whether the call is static, so the
 * EVM's message dispatch is wrapped to keep the stack of messages being executed, and a native contract
 * reads its own message from the top.
 *
 * What a native contract writes goes through the EVM's state manager inside the call's checkpoint: a
 * revert (or an enclosing revert) undoes it, as for any contract. The value sent is credited to the
 * contract's address before it runs (the EVM does that for every call).
 */
import type { EVM, ExecResult, PrecompileInput } from '@ethereumjs/evm';
import { EVMError } from '@ethereumjs/evm';
import { Address } from '@ethereumjs/util';
import type { WorldState } from '../state/index.ts';

export interface NativeCall {
  caller: Uint8Array;
  value: bigint;
  data: Uint8Array;
  gasLimit: bigint;
  /** STATICCALL (or inside one): the contract must not write. */
  isStatic: boolean;
  height: bigint;
  timestamp: bigint;
  /** The block's prevRandao (mixHash): consensus-derived randomness, ADR 0015. */
  prevRandao: Uint8Array;
  state: WorldState;
}

export interface NativeLog {
  topics: Uint8Array[];
  data: Uint8Array;
}

export type NativeOutcome =
  | { status: 'ok'; gasUsed: bigint; returnData: Uint8Array; logs: NativeLog[] }
  /** Undo the call's writes and return `returnData` (ABI-encoded error) to the caller, charging `gasUsed`. */
  | { status: 'revert'; gasUsed: bigint; returnData: Uint8Array };

export interface NativeContract {
  readonly address: Uint8Array;
  run(call: NativeCall): Promise<NativeOutcome>;
}

interface MessageLike {
  caller: Address;
  to?: Address;
  codeAddress?: Address;
  value: bigint;
  isStatic: boolean;
  delegatecall: boolean;
}

const stacks = new WeakMap<EVM, MessageLike[]>();

/** Wraps the EVM's call dispatch (once per EVM) so native contracts can see their message. */
function trackMessages(evm: EVM): MessageLike[] {
  let stack = stacks.get(evm);
  if (stack !== undefined) return stack;
  const frames: MessageLike[] = [];
  stack = frames;
  stacks.set(evm, frames);
  const inner = evm as unknown as { _executeCall(message: MessageLike): Promise<unknown> };
  const original = inner._executeCall.bind(evm);
  inner._executeCall = async (message: MessageLike) => {
    frames.push(message);
    try {
      return await original(message);
    } finally {
      frames.pop();
    }
  };
  return frames;
}

function revertResult(gasUsed: bigint, returnData: Uint8Array): ExecResult {
  return { executionGasUsed: gasUsed, returnValue: returnData, exceptionError: new EVMError(EVMError.errorMessages.REVERT) };
}

/** The custom precompile entries that run `contracts` in `evm`. */
export function nativePrecompiles(contracts: readonly NativeContract[], evmOf: () => EVM): Array<{ address: Address; function: (input: PrecompileInput) => Promise<ExecResult> }> {
  return contracts.map((contract) => ({
    address: new Address(contract.address),
    function: async (input: PrecompileInput): Promise<ExecResult> => {
      const evm = evmOf();
      const message = trackMessages(evm).at(-1);
      // DELEGATECALL and CALLCODE would run the contract with someone else's storage and caller: refused
      if (message === undefined || message.delegatecall || (message.to !== undefined && !message.to.equals(new Address(contract.address)))) {
        return revertResult(0n, new Uint8Array());
      }
      const block = (evm as unknown as { _block?: { header: { number: bigint; timestamp: bigint; mixHash: Uint8Array } } })._block?.header;
      const outcome = await contract.run({
        caller: message.caller.bytes,
        value: message.value,
        data: input.data,
        gasLimit: input.gasLimit,
        isStatic: message.isStatic,
        height: block?.number ?? 0n,
        timestamp: block?.timestamp ?? 0n,
        prevRandao: block?.mixHash ?? new Uint8Array(32),
        state: evm.stateManager as WorldState,
      });
      if (outcome.gasUsed > input.gasLimit) {
        return { executionGasUsed: input.gasLimit, returnValue: new Uint8Array(), exceptionError: new EVMError(EVMError.errorMessages.OUT_OF_GAS) };
      }
      if (outcome.status === 'revert') return revertResult(outcome.gasUsed, outcome.returnData);
      return {
        executionGasUsed: outcome.gasUsed,
        returnValue: outcome.returnData,
        logs: outcome.logs.map((l) => [contract.address, l.topics, l.data]),
      };
    },
  }));
}

/** Installs the message tracking before the first call (the VM is created with the precompiles). */
export function prepareNativeContracts(evm: EVM): void {
  trackMessages(evm);
}
