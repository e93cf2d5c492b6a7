/**
 * Random EVM programs for tests: `randomProgram` (memory, storage, logs and arithmetic, as the step loop's
 * tests run them) and `randomCallProgram` (every opcode a contract call's top frame may run without leaving
 * it, with a stack kept in range, forward jumps and loops, and optionally one opcode or halt that a frame
 * runner has to hand back to the VM). Both take a seeded `rand` (test/utils/random.ts), so a seed replays.
 */
import { bigintToBytes, bytesToHex } from '../../src/primitives/index.ts';

export function push(value: bigint): string {
  if (value === 0n) return '5f'; // PUSH0
  const bytes = bigintToBytes(value);
  return (0x5f + bytes.length).toString(16) + bytesToHex(bytes).slice(2);
}

/** Values around the places where word conversions change method (word.ts). */
export const EDGES = [0n, 1n, 0xffn, 2n ** 40n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 64n, 2n ** 255n, 2n ** 256n - 1n];

/** An edge value or a random word. */
export function randomValue(rand: () => number): bigint {
  if (rand() < 0.4) return EDGES[Math.floor(rand() * EDGES.length)] as bigint;
  let v = 0n;
  const bytes = 1 + Math.floor(rand() * 32);
  for (let i = 0; i < bytes; i++) v = (v << 8n) | BigInt(Math.floor(rand() * 256));
  return v;
}

export function randomOffset(rand: () => number): bigint {
  const r = rand();
  if (r < 0.02) return 2n ** 32n; // memory expansion no gas limit pays for
  if (r < 0.03) return 2n ** 70n;
  // a word's first or last byte (where expansion changes), or a few places, so that reads meet earlier writes
  if (r < 0.5) return BigInt(Math.floor(rand() * 8) * 32 + (rand() < 0.5 ? 31 : 0));
  if (r < 0.8) return [0n, 1n, 7n, 33n, 64n][Math.floor(rand() * 5)] as bigint;
  if (r < 0.83) return BigInt(8000 + Math.floor(rand() * 12_000)); // past @ethereumjs's first 8 KiB of memory: it grows
  return BigInt(Math.floor(rand() * 300)); // unaligned, overlapping, growing memory
}

/** A few small slots (so loads meet stores) or any word. */
export function storageKey(rand: () => number): bigint {
  return rand() < 0.7 ? BigInt(Math.floor(rand() * 4)) : randomValue(rand);
}

/** The top of the stack, or a new value pushed for the operation that takes it. */
export function operand(rand: () => number): string {
  return rand() < 0.5 ? push(randomValue(rand)) : '';
}

/**
 * A random program over memory, storage, logs and arithmetic, whose stack values reach its memory (and so
 * its return data) and its logs. It may underflow the stack, run out of gas or hit an invalid opcode on
 * purpose; it may start with a jump (the loop switches to analysed code then).
 */
export function randomProgram(rand: () => number): string {
  let code = '';
  if (rand() < 0.5) code += '6003565b'; // PUSH1 3 JUMP JUMPDEST
  const steps = 3 + Math.floor(rand() * 40);
  for (let i = 0; i < steps; i++) {
    const r = rand();
    if (r < 0.25) code += operand(rand) + push(randomOffset(rand)) + '52'; // MSTORE
    else if (r < 0.42) code += push(randomOffset(rand)) + '51'; // MLOAD
    else if (r < 0.52) code += operand(rand) + push(randomOffset(rand)) + '53'; // MSTORE8
    else if (r < 0.56) code += push(BigInt(Math.floor(rand() * 96))) + push(randomOffset(rand)) + '20'; // KECCAK256
    else if (r < 0.6) code += push(storageKey(rand)) + '55'; // SSTORE of what is on top
    else if (r < 0.63) code += push(storageKey(rand)) + '54'; // SLOAD
    else if (r < 0.68) {
      const topics = Math.floor(rand() * 5);
      for (let t = 0; t < topics; t++) code += operand(rand);
      code += push(BigInt(Math.floor(rand() * 64))) + push(randomOffset(rand)) + (0xa0 + topics).toString(16); // LOG0-4
    }
    else if (r < 0.72) code += push(randomValue(rand));
    else code += ['01', '02', '03', '10', '15', '19', '1b', '50', '59', '5a', '58', '80', '81', '90', '91', '36', '5f35'][Math.floor(rand() * 17)]; // arithmetic, POP, MSIZE, GAS, PC, DUP, SWAP, CALLDATA
  }
  const end = rand();
  if (end < 0.6) code += '595ff3'; // MSIZE PUSH0 RETURN: all of memory
  else if (end < 0.75) code += '595ffd'; // MSIZE PUSH0 REVERT
  else if (end < 0.85) code += '00'; // STOP
  else if (end < 0.95) code += 'fe'; // INVALID
  return code; // else: runs off the end
}

/** Code that writes `bytes` (hex) into memory from offset 0, a word at a time. */
export function writeToMemory(bytes: string): string {
  let code = '';
  for (let at = 0; at < bytes.length / 2; at += 32) code += `7f${bytes.slice(at * 2, at * 2 + 64).padEnd(64, '0')}` + push(BigInt(at)) + '52';
  return code;
}


/** `value` as PUSH`width` (leading zero bytes kept), so every PUSH size runs; width 0 is PUSH0. */
export function pushWide(value: bigint, width: number): string {
  if (width === 0) return '5f';
  return (0x5f + width).toString(16) + value.toString(16).padStart(width * 2, '0').slice(-width * 2);
}

/** Words where signed and unsigned arithmetic, shifts, SIGNEXTEND and BYTE change their behaviour. */
export const SIGNED_EDGES = [2n, 7n, 31n, 32n, 33n, 255n, 256n, 257n, 2n ** 255n - 1n, 2n ** 256n - 2n, 2n ** 256n - 7n, 2n ** 256n - 32n, 2n ** 256n - 256n, 2n ** 128n];

/** An edge value (unsigned or signed), a small number or a random word. */
export function randomWord(rand: () => number): bigint {
  const r = rand();
  if (r < 0.25) return SIGNED_EDGES[Math.floor(rand() * SIGNED_EDGES.length)] as bigint;
  if (r < 0.4) return BigInt(Math.floor(rand() * 40));
  return randomValue(rand);
}

/** An offset in memory: mostly within a few hundred bytes, sometimes past 8 KiB, rarely more than any gas limit pays for. */
function memoryOffset(rand: () => number, huge: number): bigint {
  const r = rand();
  if (r < huge) return rand() < 0.5 ? 2n ** 32n : 2n ** 64n;
  if (r < 0.9) return BigInt(Math.floor(rand() * 320));
  return BigInt(8000 + Math.floor(rand() * 12_000));
}

/** A length to copy, hash or log: mostly short, sometimes zero or a few KiB. */
function length(rand: () => number): bigint {
  const r = rand();
  if (r < 0.15) return 0n;
  if (r < 0.9) return BigInt(Math.floor(rand() * 100));
  return BigInt(Math.floor(rand() * 3000));
}

/** An offset into calldata or code: within it, at its end, or past it (reads zeros). */
function sourceOffset(rand: () => number): bigint {
  const r = rand();
  if (r < 0.6) return BigInt(Math.floor(rand() * 64));
  if (r < 0.85) return BigInt(Math.floor(rand() * 5000));
  return [2n ** 32n, 2n ** 64n, 2n ** 255n, 2n ** 256n - 1n][Math.floor(rand() * 4)] as bigint;
}

/** Arithmetic, bitwise and comparison opcodes: [opcode, inputs]. Each pushes one word. */
const ARITHMETIC: Array<[string, number]> = [
  ['01', 2], ['02', 2], ['03', 2], ['04', 2], ['05', 2], ['06', 2], ['07', 2], ['08', 3], ['09', 3], ['0a', 2], ['0b', 2],
  ['10', 2], ['11', 2], ['12', 2], ['13', 2], ['14', 2], ['15', 1], ['16', 2], ['17', 2], ['18', 2], ['19', 1], ['1a', 2], ['1b', 2], ['1c', 2], ['1d', 2],
  ['1e', 1], // CLZ (EIP-7939, Osaka)
];

/**
 * Opcodes that push one word from the environment, the block, the frame or the machine: ADDRESS ORIGIN
 * CALLER CALLVALUE CALLDATASIZE CODESIZE GASPRICE RETURNDATASIZE COINBASE TIMESTAMP NUMBER PREVRANDAO
 * GASLIMIT CHAINID SELFBALANCE BASEFEE PC MSIZE GAS.
 */
export const ENVIRONMENT = ['30', '32', '33', '34', '36', '38', '3a', '3d', '41', '42', '43', '44', '45', '46', '47', '48', '58', '59', '5a'];

/**
 * One snippet each of what a contract call's top frame cannot finish on its own: a call, a creation, a read
 * of another account or of a block hash, an opcode outside the in-frame set, an exceptional halt. `pc` is
 * where the snippet starts, `depth` the stack depth there. The second value is what the snippet adds to
 * the stack when execution goes on past it (the halts never go on: what follows them is dead code).
 */
export const BAIL_SNIPPETS: Record<string, (pc: number, depth: number) => [string, number]> = {
  CALL: () => ['5f5f5f5f5f73' + '00000000000000000000000000000000000c0de9' + '5af1', 1],
  CALL_VALUE: () => ['5f5f5f5f600173' + '00000000000000000000000000000000000c0de9' + '5af1', 1],
  CALL_PRECOMPILE: () => ['5f5f60205f5f6004' + '5af1', 1],
  CALLCODE: () => ['5f5f5f5f5f30' + '5af2', 1],
  DELEGATECALL: () => ['5f5f5f5f73' + '00000000000000000000000000000000000c0de9' + '5af4', 1],
  STATICCALL: () => ['5f5f5f5f30' + '5afa', 1],
  CREATE: () => ['5f5f5ff0', 1],
  CREATE2: () => ['5f5f5f5ff5', 1],
  BALANCE: () => ['3331', 1],
  EXTCODESIZE: () => ['303b', 1],
  EXTCODECOPY: () => ['60205f5f303c', 0],
  EXTCODEHASH: () => ['333f', 1],
  BLOCKHASH: () => ['600140', 1], // of block 1
  BLOBHASH: () => ['5f49', 1],
  BLOBBASEFEE: () => ['4a', 1],
  RETURNDATACOPY: () => ['5f5f5f3e', 0],
  SELFDESTRUCT: () => ['33ff', 0],
  INVALID: () => ['fe', 0],
  UNDEFINED: () => ['0c', 0],
  OUT_OF_GAS_LOOP: (pc) => ['5b' + pushWide(BigInt(pc), 2) + '56', 0],
  OUT_OF_GAS_MEMORY: () => ['5f' + push(2n ** 32n) + '52', 0],
  INVALID_JUMP: (pc) => [pushWide(BigInt(pc + 5), 2) + '56' + '625b0000', 0], // onto a JUMPDEST byte in PUSH3's data (then STOP, were it valid)
  STACK_UNDERFLOW: (_pc, depth) => ['50'.repeat(depth + 1), 0],
  STACK_OVERFLOW: (_pc, depth) => ['5f'.repeat(1025 - depth) + '00', 0], // 1,025 words, then STOP (were it allowed)
};

export interface CallProgramOptions {
  /** The chance that the program has one snippet of BAIL_SNIPPETS at a random place (default 0). */
  bail?: number;
  /** At most this many steps (default 40). */
  maxSteps?: number;
}

/** A program under construction: its code (hex, no 0x) and its stack depth so far. */
class Builder {
  code = '';
  depth = 0;
  /** `base`: where the code will start in the program (a block's jumps are absolute). */
  constructor(
    readonly rand: () => number,
    readonly base = 0,
  ) {}
  get pc(): number {
    return this.base + this.code.length / 2;
  }
  emit(code: string, delta: number): void {
    this.code += code;
    this.depth += delta;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)] as T;
  }
  /** `n` words on the stack for an operation to take: new ones (on top), the rest already there. */
  operands(n: number): void {
    let fresh = Math.max(0, n - this.depth);
    for (let i = fresh; i < n; i++) if (this.rand() < 0.5) fresh++;
    for (let i = 0; i < fresh; i++) this.emit(pushOf(this.rand, randomWord(this.rand)), 1);
  }
}

/** A push of `value`: mostly the shortest, sometimes wider (leading zeros) up to PUSH32. */
function pushOf(rand: () => number, value: bigint): string {
  const minimal = value === 0n ? 0 : bigintToBytes(value).length;
  if (rand() < 0.85) return push(value);
  return pushWide(value, minimal + Math.floor(rand() * (33 - minimal)));
}

/** One in-frame step. `nested` > 0 inside a jumped-over block or a loop body (no further jumps there past a depth). */
function step(b: Builder, nested: number): void {
  const rand = b.rand;
  const r = rand();
  if (b.depth > 24) {
    b.emit('50', -1); // POP: keep the stack short
    return;
  }
  if (r < 0.22) {
    const [op, inputs] = b.pick(ARITHMETIC);
    b.operands(inputs);
    b.emit(op, 1 - inputs);
  } else if (r < 0.34) {
    b.emit(b.pick(ENVIRONMENT), 1);
  } else if (r < 0.37) {
    b.emit(push(sourceOffset(rand)) + '35', 1); // CALLDATALOAD
  } else if (r < 0.42) {
    const op = b.pick(['37', '39', '5e']); // CALLDATACOPY CODECOPY MCOPY: size, source, destination
    const source = op === '5e' ? memoryOffset(rand, 0.003) : sourceOffset(rand);
    b.emit(push(length(rand)) + push(source) + push(memoryOffset(rand, 0.003)) + op, 0);
  } else if (r < 0.52) {
    b.operands(1);
    b.emit(push(memoryOffset(rand, 0.003)) + b.pick(['52', '52', '53']), -1); // MSTORE, MSTORE8
  } else if (r < 0.57) {
    b.emit(push(memoryOffset(rand, 0.003)) + '51', 1); // MLOAD
  } else if (r < 0.6) {
    b.emit(push(length(rand)) + push(memoryOffset(rand, 0.003)) + '20', 1); // KECCAK256
  } else if (r < 0.67) {
    b.operands(1);
    b.emit(push(storageKey(rand)) + b.pick(['55', '55', '5d']), -1); // SSTORE, TSTORE
  } else if (r < 0.71) {
    b.emit(push(storageKey(rand)) + b.pick(['54', '5c']), 1); // SLOAD, TLOAD
  } else if (r < 0.75) {
    const topics = Math.floor(rand() * 5);
    b.operands(topics);
    b.emit(push(length(rand)) + push(memoryOffset(rand, 0.003)) + (0xa0 + topics).toString(16), -topics); // LOG0-4
  } else if (r < 0.8 && b.depth > 0) {
    const n = 1 + Math.floor(rand() * Math.min(16, b.depth));
    b.emit((0x7f + n).toString(16), 1); // DUPn
  } else if (r < 0.85 && b.depth > 1) {
    const n = 1 + Math.floor(rand() * Math.min(16, b.depth - 1));
    b.emit((0x8f + n).toString(16), 0); // SWAPn
  } else if (r < 0.87 && b.depth > 0) {
    b.emit('50', -1); // POP
  } else if (r < 0.9) {
    b.emit(pushOf(rand, randomWord(rand)), 1);
  } else if (r < 0.96 && nested < 2) {
    // a forward JUMP or JUMPI over a block that leaves the stack as it found it
    const jumpi = rand() < 0.7;
    if (jumpi) {
      const c = rand();
      if (c < 0.4) b.emit(push(BigInt(Math.floor(rand() * 3))) + '35', 1); // a calldata word
      else if (c < 0.7 || b.depth === 0) b.emit(push(rand() < 0.5 ? 0n : 1n), 1);
      else b.emit('80', 1); // DUP1 of whatever is on top
    }
    const inner = block(rand, nested + 1, 1 + Math.floor(rand() * 6), b.pc + 4);
    const dest = b.pc + 3 + 1 + inner.length / 2;
    b.emit(pushWide(BigInt(dest), 2) + (jumpi ? '57' : '56') + inner + '5b', jumpi ? -1 : 0);
  } else if (nested < 2) {
    // a loop of 1-4 rounds over a block that leaves the stack as it found it
    const rounds = 1 + Math.floor(rand() * 4);
    b.emit(push(BigInt(rounds)), 1);
    const start = b.pc;
    const body = block(rand, nested + 1, 1 + Math.floor(rand() * 5), start + 1);
    b.emit('5b' + body + '600190038061' + start.toString(16).padStart(4, '0') + '5750', -1); // JUMPDEST body, counter - 1, JUMPI back, POP
  } else {
    b.emit('5b', 0); // a JUMPDEST nobody jumps to
  }
}

/** Code of `steps` steps that starts on its own empty stack (it never reaches below) and pops what it leaves. */
function block(rand: () => number, nested: number, steps: number, base: number): string {
  const b = new Builder(rand, base);
  for (let i = 0; i < steps; i++) step(b, nested);
  return b.code + '50'.repeat(b.depth);
}

/**
 * A random contract: arithmetic with signed and unsigned edges, environment and block values, calldata and
 * code copies (past their ends too), memory, storage and transient storage, logs, DUP/SWAP, forward jumps
 * and loops. What it computes reaches its storage (the words left on the stack, a hash of its memory) or its
 * logs, so a wrong value changes the state root or the receipts. It ends with STOP, RETURN, REVERT, a PUSH
 * cut short by the end of the code, or by running off the end. With `options.bail`, it may have one
 * BAIL_SNIPPETS snippet (then `bails` names it; it may sit in a block jumped over, so it may not run).
 */
export function randomCallProgram(rand: () => number, options: CallProgramOptions = {}): { code: string; bails: string | undefined } {
  const b = new Builder(rand);
  const steps = 1 + Math.floor(rand() * (options.maxSteps ?? 40));
  const bailAt = rand() < (options.bail ?? 0) ? Math.floor(rand() * (steps + 1)) : -1;
  let bails: string | undefined;
  for (let i = 0; i <= steps; i++) {
    if (i === bailAt) {
      bails = b.pick(Object.keys(BAIL_SNIPPETS));
      const [code, delta] = (BAIL_SNIPPETS[bails] as (pc: number, depth: number) => [string, number])(b.pc, b.depth);
      b.emit(code, delta);
    }
    if (i < steps) step(b, 0);
  }
  // what is left on the stack goes to storage (slots 0x100...), memory's hash to slot 0x200, memory to a log
  for (let slot = 0x100; b.depth > 0 && slot < 0x104; slot++) b.emit(push(BigInt(slot)) + '55', -1);
  if (rand() < 0.6) b.emit('595f20' + push(0x200n) + '55', 0);
  if (rand() < 0.3) b.emit('595fa0', 0);
  const end = rand();
  if (end < 0.3) b.emit(push(length(rand)) + push(memoryOffset(rand, 0)) + 'f3', 0); // RETURN
  else if (end < 0.45) b.emit(push(length(rand)) + push(memoryOffset(rand, 0)) + 'fd', 0); // REVERT
  else if (end < 0.75) b.emit('00', 0); // STOP
  else if (end < 0.85) b.emit((0x60 + Math.floor(rand() * 32)).toString(16) + '01', 1); // a PUSH cut short
  return { code: b.code, bails }; // else: runs off the end
}

/** `n` random bytes as hex (no 0x); each is 0 with probability `zeros`. */
export function randomBytes(rand: () => number, n: number, zeros = 0): string {
  let hex = '';
  for (let i = 0; i < n; i++) hex += rand() < zeros ? '00' : Math.floor(rand() * 256).toString(16).padStart(2, '0');
  return hex;
}

/** Calldata of every shape a call meets: none, words, a few bytes, long and mostly zero (the EIP-7623 floor), long. */
export function randomCalldata(rand: () => number): string {
  const r = rand();
  if (r < 0.15) return '0x';
  if (r < 0.45) return `0x${Array.from({ length: 1 + Math.floor(rand() * 4) }, () => randomWord(rand).toString(16).padStart(64, '0')).join('')}`;
  if (r < 0.6) return `0x${randomBytes(rand, 1 + Math.floor(rand() * 40))}`;
  if (r < 0.75) return `0x${randomBytes(rand, 200 + Math.floor(rand() * 3000), 0.98)}`; // mostly zeros: the calldata floor is more than execution
  if (r < 0.85) return `0x${randomBytes(rand, 300 + Math.floor(rand() * 1200))}`;
  return `0x${randomBytes(rand, 4)}${Array.from({ length: Math.floor(rand() * 4) }, () => randomWord(rand).toString(16).padStart(64, '0')).join('')}`;
}

export function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)] as T;
}
