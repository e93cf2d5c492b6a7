/**
 * An EVM interpreter for one call frame that never leaves its contract: arithmetic, memory, the contract's
 * own storage and transient storage, logs, the call and block environment. PERF: it exists for the common
 * transaction (a token transfer, an approval, an order), which @ethereumjs runs through a Message, an
 * Interpreter with an 8 KB Memory, a journal of Maps, a RunState copy per frame and a runTx around it all.
 *
 * It has no side effects. It reads storage through `storage.load` (the value at the start of the
 * transaction) and returns what the frame wrote, logged and returned, for the caller to apply. Whatever it
 * does not implement ends the run with `unsupported` before anything is applied: another contract (CALL,
 * CREATE, BALANCE, EXTCODE*, SELFDESTRUCT), BLOCKHASH, blobs, an opcode the schedule does not price, and
 * every exceptional halt (out of gas, a bad jump, the stack's limits, INVALID). The caller then runs the
 * transaction in @ethereumjs, which gives every such case its exact result. So this code must be exact
 * only for the frames it finishes: STOP, RETURN, REVERT or the end of the code.
 *
 * Gas is a Number: the runner only starts it with less than 2^31, and every charge is checked before it is
 * made, so it stays exact. test/unit/execution/contractCall.test.ts compares whole blocks with @ethereumjs.
 */
import { keccak256 } from '../../crypto/index.ts';
import { readWord, writeWord } from '../word.ts';
import type { CodeAnalysis } from './analysis.ts';
import type { GasSchedule } from './schedule.ts';

export interface BlockValues {
  coinbase: bigint;
  timestamp: bigint;
  number: bigint;
  prevRandao: bigint;
  gasLimit: bigint;
  chainId: bigint;
  baseFee: bigint;
}

export interface Frame {
  code: CodeAnalysis;
  address: bigint;
  caller: bigint;
  origin: bigint;
  value: bigint;
  data: Uint8Array;
  gasPrice: bigint;
  /** The contract's balance with the call's value already credited. */
  selfBalance: bigint;
  gas: number;
  block: BlockValues;
}

/** A storage slot the frame accessed: its value at the start of the transaction and now. */
export interface Slot {
  original: bigint;
  current: bigint;
}

export interface Storage {
  /** The slot's value at the start of the transaction. */
  load(key: bigint): Promise<bigint>;
}

export interface FrameLog {
  topics: bigint[];
  data: Uint8Array;
}

export type FrameResult =
  | { status: 'success'; gasLeft: number; refund: number; returnData: Uint8Array; logs: FrameLog[]; slots: Map<bigint, Slot> }
  | { status: 'revert'; gasLeft: number; returnData: Uint8Array }
  | { status: 'unsupported'; reason: string };

const MOD = 1n << 256n;
const MAX = MOD - 1n;
const SIGN = 1n << 255n;
const STACK_LIMIT = 1024;
const STACK_BASE = 2;
/** Memory past 32 MiB costs more than 2^31 gas: out of gas for any run this interpreter takes. */
const MEMORY_LIMIT = 1 << 25;
const EMPTY = new Uint8Array(0);

/** Stack items each opcode takes, and the net change it makes (for the 1024 limit). */
const TAKES = new Uint8Array(256);
const GROWS = new Int8Array(256);
function stackShape(codes: number[], takes: number, gives: number): void {
  for (const c of codes) {
    TAKES[c] = takes;
    GROWS[c] = gives - takes;
  }
}
stackShape([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x14, 0x16, 0x17, 0x18, 0x1a, 0x1b, 0x1c, 0x1d, 0x20], 2, 1);
stackShape([0x08, 0x09], 3, 1);
stackShape([0x15, 0x19, 0x1e, 0x35, 0x51, 0x54, 0x5c], 1, 1);
stackShape([0x30, 0x32, 0x33, 0x34, 0x36, 0x38, 0x3a, 0x3d, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x58, 0x59, 0x5a, 0x5f], 0, 1);
stackShape([0x37, 0x39, 0x5e], 3, 0);
stackShape([0x50, 0x56], 1, 0);
stackShape([0x52, 0x53, 0x55, 0x57, 0x5d, 0xf3, 0xfd], 2, 0);
for (let n = 1; n <= 32; n++) stackShape([0x5f + n], 0, 1);
for (let n = 1; n <= 16; n++) {
  stackShape([0x7f + n], n, n + 1);
  stackShape([0x8f + n], n + 1, n + 1);
}
for (let n = 0; n <= 4; n++) stackShape([0xa0 + n], n + 2, 0);

function toSigned(x: bigint): bigint {
  return x >= SIGN ? x - MOD : x;
}

function expMod(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  while (exponent > 0n) {
    if ((exponent & 1n) === 1n) result = (result * base) & MAX;
    exponent >>= 1n;
    if (exponent > 0n) base = (base * base) & MAX;
  }
  return result;
}

function byteLength(x: bigint): number {
  let n = 0;
  while (x > 0n) {
    n++;
    x >>= 8n;
  }
  return n;
}

function words(size: number): number {
  return Math.ceil(size / 32);
}

/** Copies `size` bytes of `source` from `from` into `target` at `to`, with zeros past the source's end. */
function copyPadded(target: Uint8Array, to: number, source: Uint8Array, from: bigint, size: number): void {
  const start = from < BigInt(source.length) ? Number(from) : source.length;
  const n = Math.min(size, source.length - start);
  if (n > 0) target.set(source.subarray(start, start + n), to);
  if (n < size) target.fill(0, to + Math.max(n, 0), to + size);
}

class Unsupported {
  constructor(readonly reason: string) {}
}
const OUT_OF_GAS = new Unsupported('out of gas');

/**
 * Buffers of frames that ended, zeroed, for the next frame. PERF: a new 1 KiB buffer per transaction was 4%
 * of an ERC-20 transfer's time in the worker (an ArrayBuffer is costly to allocate and to collect).
 */
const sparePool: Uint8Array[] = [];
const SPARE_LIMIT = 8;
const SPARE_MAX_BYTES = 64 * 1024;

/** The frame's memory: a buffer that grows by doubling, and its size in words as the EVM counts it. */
class Memory {
  buf = sparePool.pop() ?? new Uint8Array(1024);
  words = 0;

  constructor(private readonly schedule: GasSchedule) {}

  /** Hands the buffer back, zeroed, once nothing can read it (every result holds copies). */
  release(): void {
    const buf = this.buf;
    if (buf.length > SPARE_MAX_BYTES || sparePool.length >= SPARE_LIMIT) return;
    buf.fill(0, 0, this.words * 32);
    sparePool.push(buf);
  }

  /**
   * Extends memory to cover `size` bytes at `offset` and returns the gas that costs (out of gas if more than
   * `gasLeft`). A zero size touches nothing, whatever the offset (as the EVM defines it).
   */
  extend(offset: bigint, size: bigint, gasLeft: number): number {
    if (size === 0n) return 0;
    const end = offset + size;
    if (end > BigInt(MEMORY_LIMIT)) throw new Unsupported('out of gas (memory)');
    const needed = words(Number(end));
    if (needed <= this.words) return 0;
    const cost = this.cost(needed) - this.cost(this.words);
    if (cost > gasLeft) throw OUT_OF_GAS; // before the buffer grows: a hostile frame gets no large allocation for free
    if (needed * 32 > this.buf.length) {
      let capacity = this.buf.length * 2;
      while (capacity < needed * 32) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.words = needed;
    return cost;
  }

  private cost(w: number): number {
    return this.schedule.memoryGas * w + Math.floor((w * w) / this.schedule.quadCoefficientDiv);
  }

  /** The bytes in place, for a reader that copies them at once (keccak): no copy here. */
  view(offset: bigint, size: bigint): Uint8Array {
    if (size === 0n) return EMPTY;
    const at = Number(offset);
    return this.buf.subarray(at, at + Number(size));
  }

  slice(offset: bigint, size: bigint): Uint8Array {
    if (size === 0n) return EMPTY;
    const at = Number(offset);
    return this.buf.slice(at, at + Number(size));
  }
}

/** Runs `frame` to its end, or to the first thing it does not implement. */
export async function interpret(frame: Frame, schedule: GasSchedule, storage: Storage): Promise<FrameResult> {
  try {
    return await run(frame, schedule, storage);
  } catch (err) {
    if (err instanceof Unsupported) return { status: 'unsupported', reason: err.reason };
    throw err;
  }
}

async function run(frame: Frame, schedule: GasSchedule, storage: Storage): Promise<FrameResult> {
  const memory = new Memory(schedule);
  try {
    return await execute(frame, schedule, storage, memory);
  } finally {
    memory.release();
  }
}

async function execute(frame: Frame, schedule: GasSchedule, storage: Storage, memory: Memory): Promise<FrameResult> {
  const { code, jumpdests, pushes } = frame.code;
  const codeLength = code.length;
  const fees = schedule.fees;
  const data = frame.data;
  // two zeros below the stack's bottom: the operands are read before the opcode is known, never out of bounds
  const stack: bigint[] = [0n, 0n];
  const slots = new Map<bigint, Slot>();
  const logs: FrameLog[] = [];
  let transient: Map<bigint, bigint> | undefined;
  let gas = frame.gas;
  let refund = 0;
  let sp = STACK_BASE;
  let pc = 0;

  while (pc < codeLength) {
    const op = code[pc] as number;
    const fee = fees[op] as number;
    if (fee < 0) throw new Unsupported(`opcode 0x${op.toString(16)}`);
    if (sp - STACK_BASE < (TAKES[op] as number)) throw new Unsupported('stack underflow');
    if (sp - STACK_BASE + (GROWS[op] as number) > STACK_LIMIT) throw new Unsupported('stack overflow');
    // SSTORE's EIP-2200 sentry looks at the gas before this opcode's charges
    const gasBefore = gas;
    gas -= fee;
    if (gas < 0) throw OUT_OF_GAS;
    const a = stack[sp - 1] as bigint;
    const b = stack[sp - 2] as bigint;
    switch (op) {
      case 0x00:
        return { status: 'success', gasLeft: gas, refund, returnData: EMPTY, logs, slots };
      case 0x01: {
        const r = a + b;
        stack[--sp - 1] = r > MAX ? r - MOD : r;
        break;
      }
      case 0x02:
        stack[--sp - 1] = (a * b) & MAX;
        break;
      case 0x03: {
        const r = a - b;
        stack[--sp - 1] = r < 0n ? r + MOD : r;
        break;
      }
      case 0x04:
        stack[--sp - 1] = b === 0n ? 0n : a / b;
        break;
      case 0x05:
        stack[--sp - 1] = b === 0n ? 0n : BigInt.asUintN(256, toSigned(a) / toSigned(b));
        break;
      case 0x06:
        stack[--sp - 1] = b === 0n ? 0n : a % b;
        break;
      case 0x07:
        stack[--sp - 1] = b === 0n ? 0n : BigInt.asUintN(256, toSigned(a) % toSigned(b));
        break;
      case 0x08: {
        const n = stack[sp - 3] as bigint;
        sp -= 2;
        stack[sp - 1] = n === 0n ? 0n : (a + b) % n;
        break;
      }
      case 0x09: {
        const n = stack[sp - 3] as bigint;
        sp -= 2;
        stack[sp - 1] = n === 0n ? 0n : (a * b) % n;
        break;
      }
      case 0x0a:
        gas -= schedule.expByteGas * byteLength(b);
        if (gas < 0) throw OUT_OF_GAS;
        stack[--sp - 1] = expMod(a, b);
        break;
      case 0x0b: {
        let r = b;
        if (a < 31n) {
          const signBit = 1n << (a * 8n + 7n);
          const mask = (signBit << 1n) - 1n;
          r = (b & signBit) !== 0n ? b | (MAX ^ mask) : b & mask;
        }
        stack[--sp - 1] = r;
        break;
      }
      case 0x10:
        stack[--sp - 1] = a < b ? 1n : 0n;
        break;
      case 0x11:
        stack[--sp - 1] = a > b ? 1n : 0n;
        break;
      case 0x12:
        stack[--sp - 1] = toSigned(a) < toSigned(b) ? 1n : 0n;
        break;
      case 0x13:
        stack[--sp - 1] = toSigned(a) > toSigned(b) ? 1n : 0n;
        break;
      case 0x14:
        stack[--sp - 1] = a === b ? 1n : 0n;
        break;
      case 0x15:
        stack[sp - 1] = a === 0n ? 1n : 0n;
        break;
      case 0x16:
        stack[--sp - 1] = a & b;
        break;
      case 0x17:
        stack[--sp - 1] = a | b;
        break;
      case 0x18:
        stack[--sp - 1] = a ^ b;
        break;
      case 0x19:
        stack[sp - 1] = MAX ^ a;
        break;
      case 0x1a:
        stack[--sp - 1] = a >= 32n ? 0n : (b >> (248n - a * 8n)) & 0xffn;
        break;
      case 0x1b:
        stack[--sp - 1] = a >= 256n ? 0n : (b << a) & MAX;
        break;
      case 0x1c:
        stack[--sp - 1] = a >= 256n ? 0n : b >> a;
        break;
      case 0x1d: {
        const signed = toSigned(b);
        stack[--sp - 1] = a >= 256n ? (signed < 0n ? MAX : 0n) : BigInt.asUintN(256, signed >> a);
        break;
      }
      case 0x1e:
        stack[sp - 1] = a === 0n ? 256n : BigInt(256 - a.toString(2).length);
        break;
      case 0x20: {
        gas -= memory.extend(a, b, gas) + schedule.keccak256WordGas * words(Number(b));
        if (gas < 0) throw OUT_OF_GAS;
        const hash = keccak256(memory.view(a, b));
        stack[--sp - 1] = readWord(hash, 0);
        break;
      }
      case 0x30:
        stack[sp++] = frame.address;
        break;
      case 0x32:
        stack[sp++] = frame.origin;
        break;
      case 0x33:
        stack[sp++] = frame.caller;
        break;
      case 0x34:
        stack[sp++] = frame.value;
        break;
      case 0x35:
        stack[sp - 1] = a >= BigInt(data.length) ? 0n : loadCalldata(data, Number(a));
        break;
      case 0x36:
        stack[sp++] = BigInt(data.length);
        break;
      case 0x37:
      case 0x39: {
        // CALLDATACOPY / CODECOPY: memory offset, source offset, size
        const size = stack[sp - 3] as bigint;
        sp -= 3;
        gas -= memory.extend(a, size, gas) + schedule.copyGas * words(Number(size));
        if (gas < 0) throw OUT_OF_GAS;
        if (size !== 0n) copyPadded(memory.buf, Number(a), op === 0x37 ? data : code, b, Number(size));
        break;
      }
      case 0x38:
        stack[sp++] = BigInt(codeLength);
        break;
      case 0x3a:
        stack[sp++] = frame.gasPrice;
        break;
      case 0x3d:
        stack[sp++] = 0n; // no call has returned anything in this frame
        break;
      case 0x41:
        stack[sp++] = frame.block.coinbase;
        break;
      case 0x42:
        stack[sp++] = frame.block.timestamp;
        break;
      case 0x43:
        stack[sp++] = frame.block.number;
        break;
      case 0x44:
        stack[sp++] = frame.block.prevRandao;
        break;
      case 0x45:
        stack[sp++] = frame.block.gasLimit;
        break;
      case 0x46:
        stack[sp++] = frame.block.chainId;
        break;
      case 0x47:
        stack[sp++] = frame.selfBalance;
        break;
      case 0x48:
        stack[sp++] = frame.block.baseFee;
        break;
      case 0x50:
        sp--;
        break;
      case 0x51:
        gas -= memory.extend(a, 32n, gas);
        if (gas < 0) throw OUT_OF_GAS;
        stack[sp - 1] = readWord(memory.buf, Number(a));
        break;
      case 0x52:
        gas -= memory.extend(a, 32n, gas);
        if (gas < 0) throw OUT_OF_GAS;
        writeWord(memory.buf, Number(a), b);
        sp -= 2;
        break;
      case 0x53:
        gas -= memory.extend(a, 1n, gas);
        if (gas < 0) throw OUT_OF_GAS;
        memory.buf[Number(a)] = Number(b & 0xffn);
        sp -= 2;
        break;
      case 0x54: {
        let slot = slots.get(a);
        if (slot === undefined) {
          gas -= schedule.coldSload;
        if (gas < 0) throw OUT_OF_GAS;
          const value = await storage.load(a);
          slots.set(a, (slot = { original: value, current: value }));
        } else {
          gas -= schedule.warmRead;
        if (gas < 0) throw OUT_OF_GAS;
        }
        stack[sp - 1] = slot.current;
        break;
      }
      case 0x55: {
        if (gasBefore <= schedule.sstoreSentry) throw new Unsupported('out of gas (SSTORE sentry)');
        let slot = slots.get(a);
        const cold = slot === undefined;
        if (slot === undefined) {
          const value = await storage.load(a);
          slots.set(a, (slot = { original: value, current: value }));
        }
        const { original, current } = slot;
        let cost: number;
        if (current === b) cost = cold ? schedule.sstoreNoop : schedule.warmRead;
        else if (original === current) {
          if (original === 0n) cost = schedule.sstoreInit;
          else {
            if (b === 0n) refund += schedule.sstoreClearRefund;
            cost = schedule.sstoreClean;
          }
        } else {
          if (original !== 0n) {
            if (current === 0n) refund -= schedule.sstoreClearRefund;
            else if (b === 0n) refund += schedule.sstoreClearRefund;
          }
          if (original === b) refund += original === 0n ? schedule.sstoreInitRefund : schedule.sstoreCleanRefund;
          cost = schedule.sstoreDirty;
        }
        if (refund < 0) throw new Unsupported('refund counter below zero');
        gas -= cost + (cold ? schedule.coldSload : 0);
        if (gas < 0) throw OUT_OF_GAS;
        slot.current = b;
        sp -= 2;
        break;
      }
      case 0x56:
        if (a >= BigInt(codeLength) || jumpdests[Number(a)] !== 1) throw new Unsupported('invalid jump');
        pc = Number(a);
        sp--;
        continue;
      case 0x57:
        sp -= 2;
        if (b !== 0n) {
          if (a >= BigInt(codeLength) || jumpdests[Number(a)] !== 1) throw new Unsupported('invalid jump');
          pc = Number(a);
          continue;
        }
        break;
      case 0x58:
        stack[sp++] = BigInt(pc);
        break;
      case 0x59:
        stack[sp++] = BigInt(memory.words * 32);
        break;
      case 0x5a:
        stack[sp++] = BigInt(gas);
        break;
      case 0x5b:
        break;
      case 0x5c:
        stack[sp - 1] = transient?.get(a) ?? 0n;
        break;
      case 0x5d:
        (transient ??= new Map()).set(a, b);
        sp -= 2;
        break;
      case 0x5e: {
        // MCOPY: destination, source, size; memory grows to cover both
        const size = stack[sp - 3] as bigint;
        sp -= 3;
        const far = a > b ? a : b;
        gas -= memory.extend(far, size, gas) + schedule.copyGas * words(Number(size));
        if (gas < 0) throw OUT_OF_GAS;
        if (size !== 0n) memory.buf.copyWithin(Number(a), Number(b), Number(b) + Number(size));
        break;
      }
      case 0x5f:
        stack[sp++] = 0n;
        break;
      case 0xf3:
      case 0xfd: {
        gas -= memory.extend(a, b, gas);
        if (gas < 0) throw OUT_OF_GAS;
        const returnData = memory.slice(a, b);
        if (op === 0xfd) return { status: 'revert', gasLeft: gas, returnData };
        return { status: 'success', gasLeft: gas, refund, returnData, logs, slots };
      }
      default:
        if (op >= 0x60 && op <= 0x7f) {
          stack[sp++] = pushes[pc] as bigint;
          pc += op - 0x5e;
          continue;
        }
        if (op >= 0x80 && op <= 0x8f) {
          stack[sp] = stack[sp - (op - 0x7f)] as bigint;
          sp++;
          break;
        }
        if (op >= 0x90 && op <= 0x9f) {
          const other = sp - 2 - (op - 0x90);
          stack[sp - 1] = stack[other] as bigint;
          stack[other] = a;
          break;
        }
        if (op >= 0xa0 && op <= 0xa4) {
          const topicCount = op - 0xa0;
          gas -= memory.extend(a, b, gas) + schedule.logTopicGas * topicCount + schedule.logDataGas * Number(b);
        if (gas < 0) throw OUT_OF_GAS;
          const topics: bigint[] = [];
          for (let t = 0; t < topicCount; t++) topics.push(stack[sp - 3 - t] as bigint);
          logs.push({ topics, data: memory.slice(a, b) });
          sp -= topicCount + 2;
          break;
        }
        throw new Unsupported(`opcode 0x${op.toString(16)}`);
    }
    pc++;
  }
  return { status: 'success', gasLeft: gas, refund, returnData: EMPTY, logs, slots };
}

/** CALLDATALOAD at `offset` < data.length: 32 bytes, zero-filled past the end. */
function loadCalldata(data: Uint8Array, offset: number): bigint {
  if (offset + 32 <= data.length) return readWord(data, offset);
  const word = new Uint8Array(32);
  word.set(data.subarray(offset));
  return readWord(word, 0);
}
