/**
 * PERF: @ethereumjs's interpreter awaits an async `runStep` for every opcode, and each step asks Common
 * whether three EIPs are active and the event emitter whether anyone listens. An ERC-20 transfer runs ~300
 * steps, most of them (PUSH, DUP, SWAP, arithmetic, JUMP) synchronous with a fixed gas cost. This loop
 * runs every step inline and awaits only what is asynchronous (a gas function or handler that reads state).
 *
 * It replaces `Interpreter.prototype.run` only for the runs where the inline step does exactly what
 * `runStep` would: no step listeners (tracers) and no debug output, no profiler, legacy (not EOF) code,
 * and neither of the stateless EIPs (6800, 7864) that charge code chunks per step. Every other run goes
 * to the original `run`.
 *
 * `useFastOpcodes` gives an EVM's opcode table (one per EVM) synchronous gas functions for MLOAD, MSTORE,
 * MSTORE8 and SLOAD (the same `subMemUsage` and `accessStorageEIP2929` @ethereumjs calls, without the async
 * wrapper) and MLOAD, MSTORE, SLOAD and LOG0-4 handlers that convert words without a hex string and array
 * spreads (word.ts). Only entries that still hold @ethereumjs's own functions are changed (a custom opcode
 * keeps its own), and the original `runStep` calls the new ones unchanged. createExecutionVM applies it to
 * every VM of the chain.
 *
 * The interpreter is internal to @ethereumjs/evm (internals.ts). If a version moves it, or its source is
 * not the one this was written for (WRITTEN_FOR), nothing is patched and everything still works at the old
 * speed (ADR 0022).
 */
import { bytesToBigint } from '../primitives/index.ts';
import { loadEvmInternal as load, sourceHash } from './internals.ts';
import { readWord, wordBytes, writeWord } from './word.ts';

interface OpcodeInfo {
  code: number;
  feeBigInt: bigint;
  dynamicGas: boolean;
  isAsync: boolean;
  isInvalid: boolean;
}
type GasFn = (runState: RunState, gas: bigint, common: CommonLike) => bigint | Promise<bigint>;
type OpFn = (runState: RunState, common: CommonLike) => unknown;
interface OpEntry {
  opcodeInfo: OpcodeInfo;
  opHandler: OpFn;
  gasHandler: GasFn;
}
interface CommonLike {
  isActivatedEIP(eip: number): boolean;
}
interface RunState {
  programCounter: number;
  opCode: number;
  code: Uint8Array;
  validJumps: Uint8Array;
  cachedPushes: unknown;
  shouldDoJumpAnalysis: boolean;
  gasLeft: bigint;
  eip7928PostTargetCallOog: unknown;
  eip8037BurnLeftoverAfterCreateHaltOntoAlive?: boolean;
  stack: { pop(): bigint; popN(n: number): bigint[]; push(value: bigint): void; peek(n?: number): bigint[] };
  memory: { _store: Uint8Array; extend(offset: number, size: number): void; read(offset: number, size: number): Uint8Array };
  interpreter: {
    storageLoad(key: Uint8Array): Promise<Uint8Array>;
    log(data: Uint8Array, topicsCount: number, topics: Uint8Array[]): void;
  };
  env: { accessWitness?: { commit(): void; revert(): void } };
}
interface InterpreterLike {
  _runState: RunState;
  _evm: { _opcodeMap: OpEntry[]; DEBUG: boolean; events: { listenerCount(name: string): number } };
  common: CommonLike;
  profilerOpts?: { enabled?: boolean };
  _getValidJumpDestinations(code: Uint8Array): { jumps: Uint8Array; pushes: unknown; opcodesCached: OpEntry[] };
  useGas(amount: bigint, context: OpcodeInfo): void;
  runStep(entry?: OpEntry): Promise<void>;
  run(code: Uint8Array, opts?: { pc?: number }): Promise<{ runState: RunState; exceptionError: unknown }>;
}
interface EvmErrorLike {
  errorType?: string;
  error?: string;
}
type SubMemUsage = (runState: RunState, offset: bigint, length: bigint, common: CommonLike) => bigint;
type AccessStorage = (runState: RunState, key: Uint8Array, isSstore: boolean, common: CommonLike, chargeGas?: boolean) => bigint;
interface EvmHelpers {
  subMemUsage: SubMemUsage;
  accessStorageEIP2929: AccessStorage;
  /** @ethereumjs's own SLOAD gas function, for the stateless EIPs this one does not cover. */
  sloadGas: GasFn;
}

/**
 * sourceHash of the @ethereumjs 10.1.3 functions this file stands in for: the loop mirrors `run` and
 * `runStep`, the fast functions mirror the gas functions and handlers of their opcodes. A version whose
 * source differs gets no loop (or no fast functions), and the tests that assert both fail.
 */
const WRITTEN_FOR = {
  run: '8e769d9b5ec21205',
  runStep: 'cc2ccda2341c2f42',
  handlers: new Map([
    [0x51, '273cfeaa15517b02'],
    [0x52, '29edc93190b4e005'],
    [0x54, 'f0aad8fd616a7024'],
    [0xa0, 'edb80da68f1ea91c'], // LOG0-4 share one function
  ]),
  gas: new Map([
    [0x51, '160c132911371eb2'],
    [0x52, '6ad9393e3de696fe'],
    [0x53, '50702563129d262a'],
    [0x54, 'bcc3d658b9e4417b'],
  ]),
};

/** How many runs took the inline loop and how many went to @ethereumjs's (tests read it). */
export const stepLoopRuns = { inline: 0, original: 0 };

const EOF_FORMAT = 0xef;
const JUMP = 0x56;
const JUMPI = 0x57;
const JUMPSUB = 0x5e;
const MLOAD = 0x51;
const MSTORE = 0x52;
const MSTORE8 = 0x53;
const SLOAD = 0x54;
const LOG0 = 0xa0;
const LOG4 = 0xa4;

/** Whether every step of this run may take the inline path (see the file comment). Checked once per run. */
function plainRun(interp: InterpreterLike, code: Uint8Array): boolean {
  const { common } = interp;
  return (
    code[0] !== EOF_FORMAT &&
    interp.profilerOpts?.enabled !== true &&
    !interp._evm.DEBUG &&
    interp._evm.events.listenerCount('step') === 0 &&
    !common.isActivatedEIP(6800) &&
    !common.isActivatedEIP(7864)
  );
}

/** Same results as @ethereumjs's functions for these opcodes, without a promise or a hex round trip. */
function fastOps({ subMemUsage, accessStorageEIP2929, sloadGas }: EvmHelpers): { gas: Map<number, GasFn>; op: Map<number, OpFn> } {
  const memoryGas = (length: bigint): GasFn => (rs, gas, common) => gas + subMemUsage(rs, rs.stack.peek()[0] as bigint, length, common);
  const log: OpFn = (rs) => {
    const [offset, length] = rs.stack.popN(2) as [bigint, bigint];
    const count = rs.opCode - LOG0;
    const topics = rs.stack.popN(count).map(wordBytes);
    const data = length === 0n ? new Uint8Array(0) : rs.memory.read(Number(offset), Number(length));
    rs.interpreter.log(data, count, topics);
  };
  const op = new Map<number, OpFn>([
    [
      MLOAD,
      (rs) => {
        const offset = Number(rs.stack.pop());
        rs.memory.extend(offset, 32);
        rs.stack.push(readWord(rs.memory._store, offset));
      },
    ],
    [
      MSTORE,
      (rs) => {
        const [offset, word] = rs.stack.popN(2) as [bigint, bigint];
        rs.memory.extend(Number(offset), 32);
        writeWord(rs.memory._store, Number(offset), word);
      },
    ],
    [
      SLOAD,
      async (rs) => {
        const value = await rs.interpreter.storageLoad(wordBytes(rs.stack.pop()));
        rs.stack.push(bytesToBigint(value));
      },
    ],
  ]);
  for (let code = LOG0; code <= LOG4; code++) op.set(code, log);
  return {
    gas: new Map([
      [MLOAD, memoryGas(32n)],
      [MSTORE, memoryGas(32n)],
      [MSTORE8, memoryGas(1n)],
      [
        SLOAD,
        (rs, gas, common) => {
          // the stateless EIPs charge witness gas here: @ethereumjs's own function
          if (common.isActivatedEIP(6800) || common.isActivatedEIP(7864)) return sloadGas(rs, gas, common);
          return common.isActivatedEIP(2929) ? gas + accessStorageEIP2929(rs, wordBytes(rs.stack.peek()[0] as bigint), false, common, true) : gas;
        },
      ],
    ]),
    op,
  };
}

async function install(): Promise<boolean> {
  try {
    const { Interpreter } = await load<{ Interpreter?: { prototype: InterpreterLike } }>('interpreter.js');
    const { EVMError, EVMErrorTypeString } = await load<{ EVMError: new (msg: string) => Error; EVMErrorTypeString: string }>('errors.js');
    const { consumeEip7928PostTargetCallOog } = await load<{ consumeEip7928PostTargetCallOog(rs: RunState): void }>('opcodes/EIP7928.js');
    const { subMemUsage } = await load<{ subMemUsage: SubMemUsage }>('opcodes/util.js');
    const { accessStorageEIP2929 } = await load<{ accessStorageEIP2929: AccessStorage }>('opcodes/EIP2929.js');
    const { handlers } = await load<{ handlers: Map<number, OpFn> }>('opcodes/functions.js');
    const { dynamicGasHandlers } = await load<{ dynamicGasHandlers: Map<number, GasFn> }>('opcodes/gas.js');
    const messages = (EVMError as unknown as { errorMessages?: Partial<Record<'STOP' | 'INVALID_OPCODE' | 'OUT_OF_GAS', string>> }).errorMessages;
    const proto = Interpreter?.prototype;
    if (proto === undefined || typeof proto.run !== 'function' || typeof proto.useGas !== 'function') return false;
    const { STOP, INVALID_OPCODE, OUT_OF_GAS } = messages ?? {};
    if (STOP === undefined || INVALID_OPCODE === undefined || OUT_OF_GAS === undefined) return false;
    if (typeof subMemUsage !== 'function' || typeof accessStorageEIP2929 !== 'function') return false;
    if (!(handlers instanceof Map) || !(dynamicGasHandlers instanceof Map)) return false;
    const sloadGas = dynamicGasHandlers.get(SLOAD);
    if (sloadGas === undefined) return false;
    if (sourceHash(proto.run) !== WRITTEN_FOR.run || sourceHash(proto.runStep) !== WRITTEN_FOR.runStep) return false;
    const original = proto.run;
    const fast = fastOps({ subMemUsage, accessStorageEIP2929, sloadGas });
    const sameSource = [...WRITTEN_FOR.handlers].every(([code, hash]) => sourceHash(handlers.get(code)) === hash) && [...WRITTEN_FOR.gas].every(([code, hash]) => sourceHash(dynamicGasHandlers.get(code)) === hash);
    tune = (table: OpEntry[]): number => {
      if (!sameSource) return 0;
      let swapped = 0;
      for (const [code, fn] of fast.gas) {
        const entry = table[code];
        if (entry === undefined || entry.gasHandler !== dynamicGasHandlers.get(code)) continue;
        entry.gasHandler = fn;
        swapped++;
      }
      for (const [code, fn] of fast.op) {
        const entry = table[code];
        if (entry === undefined || entry.opHandler !== handlers.get(code)) continue;
        entry.opHandler = fn;
        swapped++;
      }
      return swapped;
    };

    proto.run = async function stepLoop(this: InterpreterLike, code: Uint8Array, opts: { pc?: number } = {}) {
      if (!plainRun(this, code)) {
        stepLoopRuns.original++;
        return original.call(this, code, opts);
      }
      const rs = this._runState;
      const pc0 = opts.pc ?? rs.programCounter;
      if (pc0 !== 0 && (pc0 < 0 || pc0 >= code.length)) return original.call(this, code, opts); // it throws the same error
      stepLoopRuns.inline++;
      rs.code = code;
      rs.programCounter = pc0;
      const table = this._evm._opcodeMap;
      const common = this.common;
      let cached: OpEntry[] | undefined;
      let err: unknown;
      while (rs.programCounter < rs.code.length) {
        const pc = rs.programCounter;
        let entry: OpEntry;
        if (cached === undefined) {
          const op = rs.code[pc] as number;
          // as @ethereumjs: analyse jump destinations once the code is seen to jump
          if (op === JUMP || op === JUMPI || op === JUMPSUB) {
            const { jumps, pushes, opcodesCached } = this._getValidJumpDestinations(rs.code);
            rs.validJumps = jumps;
            rs.cachedPushes = pushes;
            rs.shouldDoJumpAnalysis = false;
            cached = opcodesCached;
          }
          entry = table[op] as OpEntry;
          rs.opCode = op; // as @ethereumjs: the byte itself, also for one that is not an opcode
        } else {
          entry = cached[pc] as OpEntry;
          rs.opCode = entry.opcodeInfo.code;
        }
        const info = entry.opcodeInfo;
        try {
          // runStep's order: dynamic gas, invalid opcode, charge, advance, handler
          let gas = info.feeBigInt;
          if (info.dynamicGas) {
            const charged = entry.gasHandler(rs, gas, common);
            gas = typeof charged === 'bigint' ? charged : await charged;
          }
          if (info.isInvalid) throw new EVMError(INVALID_OPCODE);
          this.useGas(gas, info);
          rs.programCounter++;
          consumeEip7928PostTargetCallOog(rs);
          const handler = entry.opHandler; // called without `this`, as @ethereumjs does
          if (info.isAsync) await handler(rs, common);
          else handler(rs, common);
          rs.env.accessWitness?.commit();
        } catch (e) {
          rs.env.accessWitness?.revert();
          const evmErr = e as EvmErrorLike;
          if (typeof e !== 'object' || e === null || evmErr.errorType !== EVMErrorTypeString) throw e;
          if (evmErr.error !== STOP) err = e;
          break;
        }
      }
      if (err === undefined && rs.eip8037BurnLeftoverAfterCreateHaltOntoAlive === true && rs.gasLeft > 0n) {
        rs.gasLeft = 0n;
        err = new EVMError(OUT_OF_GAS);
      }
      return { runState: rs, exceptionError: err };
    };
    return true;
  } catch {
    return false;
  }
}

let tune: ((table: OpEntry[]) => number) | undefined;

/** Whether the loop is in place (a test asserts it, so an upgrade that moves the interpreter is noticed). */
export const stepLoopInstalled = await install();

/**
 * Swaps the fast functions into this EVM's opcode table where it still holds @ethereumjs's own, and returns
 * how many entries it changed (0 if @ethereumjs's internals moved or changed: the EVM then runs as it came).
 * A hardfork change makes @ethereumjs build a new table, which runs untuned (slower, the same results); the
 * chain's Common never changes hardfork.
 */
export function useFastOpcodes(evm: object): number {
  const table = (evm as { _opcodeMap?: OpEntry[] })._opcodeMap;
  if (tune === undefined || !Array.isArray(table)) return 0;
  return tune(table);
}
