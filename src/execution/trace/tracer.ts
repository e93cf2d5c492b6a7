/**
 * What every tracer shares: how it attaches to a VM's EVM events, what it learns about the transaction
 * once it ran, and geth's wording for EVM failures (clients match on these strings).
 */
import type { EVMError, EVMResult, InterpreterStep, Message } from '@ethereumjs/evm';
import type { VM } from '../../evm/index.ts';
import { invariant } from '../../primitives/index.ts';

export type EvmEvents = NonNullable<VM['evm']['events']>;

/** The transaction-level facts a tracer cannot see from inside the EVM. */
export interface TxSummary {
  /** The transaction's gas limit (geth reports it as the top call's gas). */
  gasLimit: bigint;
  /** Gas the transaction used, as its receipt says (refunds and intrinsic gas included). */
  gasUsed: bigint;
}

/** One tracer instance traces one transaction. */
export interface TxTracer<R> {
  /** Subscribes to the EVM's events; returns the function that removes every listener it added. */
  attach(events: EvmEvents): () => void;
  /** The JSON-ready result. Throws if a listener failed while the transaction ran. */
  finish(tx: TxSummary): R;
}

export interface EvmHandlers {
  step: (data: InterpreterStep, resolve?: (result?: unknown) => void) => void;
  beforeMessage: (data: Message) => void;
  afterMessage: (data: EVMResult) => void;
}

/** Subscribes a tracer's three handlers; returns the function that unsubscribes them. */
export function listen(events: EvmEvents, handlers: EvmHandlers): () => void {
  events.on('step', handlers.step);
  events.on('beforeMessage', handlers.beforeMessage);
  events.on('afterMessage', handlers.afterMessage);
  return () => {
    events.off('step', handlers.step);
    events.off('beforeMessage', handlers.beforeMessage);
    events.off('afterMessage', handlers.afterMessage);
  };
}

export function evmEvents(vm: VM): EvmEvents {
  const events = vm.evm.events;
  invariant(events !== undefined, 'the EVM emits events');
  return events;
}

/** Runs `fn` with the tracer attached and always detaches it, even when `fn` throws. */
export async function withTracer<T>(vm: VM, tracer: TxTracer<unknown>, fn: () => Promise<T>): Promise<T> {
  const detach = tracer.attach(evmEvents(vm));
  try {
    return await fn();
  } finally {
    detach();
  }
}

const OP_INVALID = 0xfe;

/** geth's error strings (core/vm/errors.go) for @ethereumjs/evm's EVMError messages. */
const GETH_ERRORS: Record<string, string> = {
  'out of gas': 'out of gas',
  revert: 'execution reverted',
  'code store out of gas': 'contract creation code storage out of gas',
  'code size to deposit exceeds maximum code size': 'max code size exceeded',
  'stack underflow': 'stack underflow',
  'stack overflow': 'stack limit reached 1024',
  'invalid JUMP': 'invalid jump destination',
  'static state change': 'write protection',
  'create collision': 'contract address collision',
  'value out of range': 'return data out of bounds',
  'insufficient balance': 'insufficient balance for transfer',
  'invalid bytecode deployed': 'invalid code: must not begin with 0xef',
  'initcode exceeds max initcode size': 'max initcode size exceeded',
};

/** geth's message for a frame's failure; `lastOpcode` is the op the frame executed last (for invalid opcodes). */
export function gethErrorMessage(err: EVMError, lastOpcode: number | undefined): string {
  if (err.error === 'invalid opcode') {
    if (lastOpcode === undefined || lastOpcode === OP_INVALID) return 'invalid opcode: INVALID';
    return `invalid opcode: opcode 0x${lastOpcode.toString(16)} not defined`;
  }
  return GETH_ERRORS[err.error] ?? err.error;
}

export function isRevert(err: EVMError | undefined): boolean {
  return err?.error === 'revert';
}

/** A 256-bit word as 64 hex characters without 0x (geth's storage keys and values). */
export function wordHex(value: bigint): string {
  return value.toString(16).padStart(64, '0');
}

/** `length` bytes of memory from `offset`; bytes past the end read as zero, as after memory expansion. */
export function readMemory(memory: Uint8Array, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  if (offset < memory.length) out.set(memory.subarray(offset, Math.min(memory.length, offset + length)));
  return out;
}
