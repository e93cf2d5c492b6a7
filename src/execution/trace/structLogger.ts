/**
 * geth's default tracer (the struct logger, eth/tracers/logger): one entry per executed opcode with the
 * state before it runs, in geth's legacy JSON (gas as numbers, stack as 0x quantities bottom first,
 * memory as 32-byte words and storage as 64-hex maps without 0x). Storage is what the trace has seen of
 * the executing contract: every slot it read (SLOAD) or wrote (SSTORE) so far, shown on those two ops.
 *
 * Known differences: geth logs a STOP when code runs off its end (the EVM here just stops), and
 * `limit` counts entries as geth's documentation says (newer geth counts bytes of output).
 */
import type { EVMResult, InterpreterStep, Message } from '@ethereumjs/evm';
import type { Address } from '@ethereumjs/util';
import { bareHex, bytesToHex } from '../../primitives/index.ts';
import type { Hex } from '../../primitives/index.ts';
import type { EvmEvents, TxSummary, TxTracer } from './tracer.ts';
import { gethErrorMessage, isRevert, listen, wordHex } from './tracer.ts';

export interface StructLoggerConfig {
  disableStack: boolean;
  disableStorage: boolean;
  enableMemory: boolean;
  enableReturnData: boolean;
  /** Maximum number of entries; 0 means unlimited. */
  limit: number;
}

export const DEFAULT_STRUCT_LOGGER_CONFIG: StructLoggerConfig = {
  disableStack: false,
  disableStorage: false,
  enableMemory: false,
  enableReturnData: false,
  limit: 0,
};

export interface StructLog {
  pc: number;
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  error?: string;
  stack?: Hex[];
  returnData?: Hex;
  memory?: string[];
  storage?: Record<string, string>;
  refund?: number;
}

export interface StructLoggerResult {
  gas: number;
  failed: boolean;
  returnValue: string;
  structLogs: StructLog[];
}

const OP_SLOAD = 0x54;
const OP_SSTORE = 0x55;
const CALL_OPS = new Set(['CALL', 'CALLCODE', 'DELEGATECALL', 'STATICCALL']);
const VALUE_CALL_OPS = new Set(['CALL', 'CALLCODE']);
const CALL_STIPEND = 2300n;
/** Failures geth records on the opcode's own entry (they happen before the opcode runs). */
const PRE_EXECUTION_ERRORS = new Set(['out of gas', 'stack underflow', 'stack overflow']);

interface Frame {
  /** The return data buffer of this frame: the output of its last completed call. */
  returnData: Uint8Array;
  isCreate: boolean;
}

export function createStructLogger(config: StructLoggerConfig = DEFAULT_STRUCT_LOGGER_CONFIG): TxTracer<StructLoggerResult> {
  const logs: StructLog[] = [];
  const storage = new Map<string, Map<string, string>>();
  const frames: Frame[] = [];
  let output: Uint8Array = new Uint8Array();
  let topError: EVMResult['execResult']['exceptionError'];
  let failure: unknown;
  /** The last entry, while the next event may still amend it (call gas, failure). */
  let last: { log: StructLog; depth: number } | undefined;

  async function onStep(step: InterpreterStep): Promise<void> {
    if (config.limit > 0 && logs.length >= config.limit) {
      last = undefined;
      return;
    }
    const log: StructLog = {
      pc: step.pc,
      op: step.opcode.name,
      gas: Number(step.gasLeft),
      gasCost: Number(step.opcode.dynamicFee ?? BigInt(step.opcode.fee)),
      depth: step.depth + 1,
    };
    if (!config.disableStack) log.stack = step.stack.map((v) => `0x${v.toString(16)}` as Hex);
    const returnData = frames[frames.length - 1]?.returnData;
    if (config.enableReturnData && returnData !== undefined && returnData.length > 0) log.returnData = bytesToHex(returnData);
    if (config.enableMemory && step.memory.length > 0) log.memory = memoryWords(step.memory);
    if (!config.disableStorage) {
      const seen = await recordStorage(step);
      if (seen !== undefined) log.storage = seen;
    }
    if (step.gasRefund > 0n) log.refund = Number(step.gasRefund);
    logs.push(log);
    last = { log, depth: step.depth };
  }

  /** geth's storage capture: the slot an SLOAD reads or an SSTORE writes joins the contract's map. */
  async function recordStorage(step: InterpreterStep): Promise<Record<string, string> | undefined> {
    const code = step.opcode.code;
    const top = step.stack[step.stack.length - 1];
    if ((code !== OP_SLOAD && code !== OP_SSTORE) || top === undefined) return undefined;
    let value: string;
    if (code === OP_SLOAD) {
      value = await readSlot(step.stateManager, step.address, top);
    } else {
      const written = step.stack[step.stack.length - 2];
      if (written === undefined) return undefined;
      value = wordHex(written);
    }
    const key = step.address.toString();
    const slots = storage.get(key) ?? new Map<string, string>();
    storage.set(key, slots);
    slots.set(wordHex(top), value);
    return Object.fromEntries(slots);
  }

  function onBeforeMessage(message: Message): void {
    // geth counts the gas handed to the callee in the CALL's cost (minus the stipend, which is free)
    if (message.depth > 0 && last !== undefined && last.depth === message.depth - 1 && CALL_OPS.has(last.log.op)) {
      const stipend = VALUE_CALL_OPS.has(last.log.op) && message.value > 0n ? CALL_STIPEND : 0n;
      last.log.gasCost += Number(message.gasLimit - stipend);
    }
    frames.push({ returnData: new Uint8Array(), isCreate: message.to === undefined });
    last = undefined;
  }

  function onAfterMessage(result: EVMResult): void {
    const frame = frames.pop();
    const err = result.execResult.exceptionError;
    if (err !== undefined && last !== undefined && last.depth === frames.length && PRE_EXECUTION_ERRORS.has(err.error)) {
      last.log.error = gethErrorMessage(err, undefined);
    }
    last = undefined;
    const parent = frames[frames.length - 1];
    if (parent !== undefined) {
      // a successful CREATE leaves the return data buffer empty; anything else leaves the callee's output
      parent.returnData = frame?.isCreate === true && err === undefined ? new Uint8Array() : result.execResult.returnValue;
    } else {
      output = result.execResult.returnValue;
      topError = err;
    }
  }

  return {
    attach(events: EvmEvents) {
      // two parameters: the EVM awaits `resolve`, so the async storage read finishes before the op runs
      const step = (data: InterpreterStep, resolve?: () => void): void => {
        onStep(data)
          .catch((err: unknown) => {
            failure ??= err;
          })
          .finally(() => resolve?.());
      };
      const before = (data: Message): void => guard(() => onBeforeMessage(data));
      const after = (data: EVMResult): void => guard(() => onAfterMessage(data));
      return listen(events, { step, beforeMessage: before, afterMessage: after });
    },
    finish(tx: TxSummary) {
      if (failure !== undefined) throw failure;
      const failed = topError !== undefined;
      return {
        gas: Number(tx.gasUsed),
        failed,
        // geth returns the output on success and the revert data on revert, nothing on other failures
        returnValue: failed && !isRevert(topError) ? '' : bareHex(output),
        structLogs: logs,
      };
    },
  };

  function guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      failure ??= err;
    }
  }
}

async function readSlot(state: InterpreterStep['stateManager'], address: Address, slot: bigint): Promise<string> {
  const key = Buffer.from(wordHex(slot), 'hex');
  const value = await state.getStorage(address, new Uint8Array(key));
  return bareHex(value).padStart(64, '0');
}

function memoryWords(memory: Uint8Array): string[] {
  const words: string[] = [];
  for (let i = 0; i < memory.length; i += 32) words.push(bareHex(memory.subarray(i, i + 32)));
  return words;
}
