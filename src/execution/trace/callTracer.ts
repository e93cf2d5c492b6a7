/**
 * geth's callTracer: the tree of message calls a transaction made, each with its type, parties, value,
 * gas, input, output and failure. The frame type comes from the opcode that opened the frame (the EVM's
 * message cannot tell a CALL inside a static context from a STATICCALL). As in geth, the top frame's gas
 * is the transaction's gas limit and its gasUsed the receipt's; logs (withLog) of failed frames and of
 * everything below them are dropped, and each log's position is the number of sub-calls made before it.
 */
import type { EVMResult, InterpreterStep, Message } from '@ethereumjs/evm';
import { toQuantity } from '../../encoding/index.ts';
import { bytesToHex, invariant } from '../../primitives/index.ts';
import type { Hex } from '../../primitives/index.ts';
import { decodeRevertReason } from '../simulateCall.ts';
import type { EvmEvents, TxSummary, TxTracer } from './tracer.ts';
import { gethErrorMessage, isRevert, listen, readMemory } from './tracer.ts';

export interface CallTracerConfig {
  /** Trace only the top call, not the calls it makes. */
  onlyTopCall: boolean;
  /** Include the logs each frame emitted. */
  withLog: boolean;
}

export const DEFAULT_CALL_TRACER_CONFIG: CallTracerConfig = { onlyTopCall: false, withLog: false };

export type CallType = 'CALL' | 'STATICCALL' | 'DELEGATECALL' | 'CALLCODE' | 'CREATE' | 'CREATE2';

export interface CallLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
  position: Hex;
}

export interface CallFrame {
  type: CallType;
  from: Hex;
  to?: Hex;
  value?: Hex;
  gas: Hex;
  gasUsed: Hex;
  input: Hex;
  output?: Hex;
  error?: string;
  revertReason?: string;
  calls?: CallFrame[];
  logs?: CallLog[];
}

const CALL_TYPES = new Set<string>(['CALL', 'STATICCALL', 'DELEGATECALL', 'CALLCODE', 'CREATE', 'CREATE2']);
const LOG0 = 0xa0;
const LOG4 = 0xa4;

interface OpenFrame {
  frame: CallFrame;
  calls: CallFrame[];
  logs: CallLog[];
  lastOpcode: number | undefined;
}

export function createCallTracer(config: CallTracerConfig = DEFAULT_CALL_TRACER_CONFIG): TxTracer<CallFrame> {
  const stack: OpenFrame[] = [];
  let top: OpenFrame | undefined;
  /** The opcode of the last step: a message that starts right after it was opened by it. */
  let pendingOp: string | undefined;
  let failure: unknown;

  const traced = (depth: number): boolean => depth === 0 || !config.onlyTopCall;

  function onStep(step: InterpreterStep): void {
    pendingOp = step.opcode.name;
    const current = stack[stack.length - 1];
    if (current === undefined || !traced(step.depth)) return;
    current.lastOpcode = step.opcode.code;
    if (config.withLog && step.opcode.code >= LOG0 && step.opcode.code <= LOG4) captureLog(step, current);
  }

  function captureLog(step: InterpreterStep, current: OpenFrame): void {
    // an unaffordable LOG fails its frame, which drops the frame's logs anyway: never allocate for it
    if ((step.opcode.dynamicFee ?? 0n) > step.gasLeft) return;
    const s = step.stack;
    const offset = s[s.length - 1];
    const size = s[s.length - 2];
    if (offset === undefined || size === undefined) return;
    const topicCount = step.opcode.code - LOG0;
    const topics: Hex[] = [];
    for (let i = 0; i < topicCount; i++) {
      const t = s[s.length - 3 - i];
      if (t === undefined) return;
      topics.push(`0x${t.toString(16).padStart(64, '0')}` as Hex);
    }
    current.logs.push({
      address: bytesToHex(step.address.bytes),
      topics,
      data: bytesToHex(readMemory(step.memory, Number(offset), Number(size))),
      position: toQuantity(current.calls.length),
    });
  }

  function onBeforeMessage(message: Message): void {
    const type = frameType(message, pendingOp);
    pendingOp = undefined;
    const isDelegate = type === 'DELEGATECALL';
    const frame: CallFrame = {
      type,
      // a DELEGATECALL's message keeps the parent's caller; geth names the delegating contract
      from: bytesToHex((isDelegate && message.to !== undefined ? message.to : message.caller).bytes),
      gas: toQuantity(message.gasLimit),
      gasUsed: '0x0',
      input: bytesToHex(message.data),
    };
    if (message.to !== undefined) frame.to = bytesToHex(message.codeAddress.bytes);
    if (type !== 'STATICCALL') frame.value = toQuantity(message.value);
    const open: OpenFrame = { frame, calls: [], logs: [], lastOpcode: undefined };
    if (message.depth === 0) top = open;
    stack.push(open);
  }

  function onAfterMessage(result: EVMResult): void {
    pendingOp = undefined;
    const open = stack.pop();
    if (open === undefined) return;
    const { frame } = open;
    const err = result.execResult.exceptionError;
    const output = result.execResult.returnValue;
    frame.gasUsed = toQuantity(result.execResult.executionGasUsed);
    if (err === undefined) {
      if (result.createdAddress !== undefined) frame.to = bytesToHex(result.createdAddress.bytes);
      if (output.length > 0) frame.output = bytesToHex(output);
    } else {
      frame.error = gethErrorMessage(err, open.lastOpcode);
      if (frame.type === 'CREATE' || frame.type === 'CREATE2') delete frame.to;
      if (isRevert(err) && output.length > 0) {
        frame.output = bytesToHex(output);
        const reason = decodeRevertReason(output);
        if (reason !== undefined) frame.revertReason = reason;
      }
    }
    if (open.calls.length > 0) frame.calls = open.calls;
    // geth drops the logs of failed frames; children of a failed frame are failed below
    if (config.withLog && err === undefined && open.logs.length > 0) frame.logs = open.logs;
    if (err !== undefined) dropLogs(open.calls);
    const parent = stack[stack.length - 1];
    if (parent !== undefined && traced(stack.length)) parent.calls.push(frame);
  }

  return {
    attach(events: EvmEvents) {
      const step = (data: InterpreterStep): void => guard(() => onStep(data));
      const before = (data: Message): void => guard(() => onBeforeMessage(data));
      const after = (data: EVMResult): void => guard(() => onAfterMessage(data));
      return listen(events, { step, beforeMessage: before, afterMessage: after });
    },
    finish(tx: TxSummary) {
      if (failure !== undefined) throw failure;
      invariant(top !== undefined, 'a traced transaction sends a message');
      top.frame.gas = toQuantity(tx.gasLimit);
      top.frame.gasUsed = toQuantity(tx.gasUsed);
      return top.frame;
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

function frameType(message: Message, openedBy: string | undefined): CallType {
  if (message.depth > 0 && openedBy !== undefined && CALL_TYPES.has(openedBy)) return openedBy as CallType;
  if (message.to === undefined) return message.salt === undefined ? 'CREATE' : 'CREATE2';
  if (message.delegatecall) return 'DELEGATECALL';
  if (message.depth > 0 && message.isStatic) return 'STATICCALL';
  return 'CALL';
}

function dropLogs(calls: CallFrame[]): void {
  for (const call of calls) {
    delete call.logs;
    if (call.calls !== undefined) dropLogs(call.calls);
  }
}
