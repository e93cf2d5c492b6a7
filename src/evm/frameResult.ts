/**
 * PERF: at the end of every call frame @ethereumjs's `EVM.runInterpreter` copies the interpreter's run
 * state, the frame result and the call environment into one ~50-property `runState` object for the
 * result, which nothing in @ethereumjs or this node reads. It was ~13 us and ~25 KB of garbage per ERC-20
 * transfer (docs/performance.md). This `runInterpreter` is @ethereumjs's (10.1.3) with that copy made
 * on first read, by a getter, so a caller that does read `runState` (or spreads the result) gets the
 * same object as before.
 *
 * The Interpreter class is internal to @ethereumjs/evm (internals.ts). If it moves, or the source of
 * `runInterpreter` is not the one this was copied from (its hash), nothing is patched.
 */
import { EVM, EVMError } from '@ethereumjs/evm';
import { Account, createZeroAddress } from '@ethereumjs/util';
import { loadEvmInternal, sourceHash } from './internals.ts';

/** The message fields runInterpreter reads (@ethereumjs's Message). */
interface FrameMessage {
  to?: unknown;
  caller?: unknown;
  data?: Uint8Array;
  value?: bigint;
  code: unknown;
  isStatic?: boolean;
  isCreate?: boolean;
  depth?: number;
  codeAddress: unknown;
  gasRefund: bigint;
  chargeCodeAccesses?: boolean;
  blobVersionedHashes?: unknown[];
  accessWitness?: { commit(): void };
  createdAddresses?: Set<string>;
  selfdestruct?: Set<string>;
  gasLimit: bigint;
}
interface RunResult {
  runState: { gasLeft: bigint; gasRefund: bigint; stateGasSpilled?: bigint };
  exceptionError?: { error: string };
}
interface InterpreterInstance {
  _env: object;
  _result: { logs: unknown[]; returnValue?: Uint8Array; selfdestruct: unknown; createdAddresses?: unknown };
  run(code: unknown, opts: object): Promise<RunResult>;
}
type InterpreterClass = new (...args: unknown[]) => InterpreterInstance;
interface EvmThis {
  stateManager: { getAccount(address: unknown): Promise<Account | undefined> };
  blockchain: unknown;
  journal: unknown;
  performanceLogger: unknown;
  _optsCached: { profiler?: unknown };
  _tx: { gasPrice: bigint; origin?: unknown };
  _block?: unknown;
}

/** sourceHash of @ethereumjs 10.1.3's runInterpreter, the code this is a copy of: another one is left alone. */
const COPIED_FROM = '1f4905264075376d';

type RunInterpreter = (message: FrameMessage, opts?: { initialLogs?: unknown[] }) => Promise<object>;
const proto = EVM.prototype as unknown as { runInterpreter: RunInterpreter };

/** @ethereumjs's own method, which tests run beside this one. */
export const originalRunInterpreter: RunInterpreter = proto.runInterpreter;

async function install(): Promise<boolean> {
  try {
    if (sourceHash(proto.runInterpreter) !== COPIED_FROM) return false;
    const { Interpreter } = await loadEvmInternal<{ Interpreter?: InterpreterClass }>('interpreter.js');
    const { defaultBlock } = await loadEvmInternal<{ defaultBlock?: () => unknown }>('evm.js');
    const messages = (EVMError as unknown as { errorMessages?: Partial<Record<'REVERT' | 'INVALID_EOF_FORMAT', string>> }).errorMessages;
    const { REVERT, INVALID_EOF_FORMAT } = messages ?? {};
    if (Interpreter === undefined || defaultBlock === undefined || REVERT === undefined || INVALID_EOF_FORMAT === undefined) return false;

    proto.runInterpreter = async function runInterpreter(this: EvmThis, message: FrameMessage, opts: { initialLogs?: unknown[] } = {}) {
      const contract = (await this.stateManager.getAccount(message.to ?? createZeroAddress())) ?? new Account();
      const env = {
        address: message.to ?? createZeroAddress(),
        caller: message.caller ?? createZeroAddress(),
        callData: message.data ?? Uint8Array.from([0]),
        callValue: message.value ?? 0n,
        code: message.code,
        isStatic: message.isStatic ?? false,
        isCreate: message.isCreate ?? false,
        depth: message.depth ?? 0,
        gasPrice: this._tx.gasPrice,
        origin: this._tx.origin ?? message.caller ?? createZeroAddress(),
        block: this._block ?? defaultBlock(),
        contract,
        codeAddress: message.codeAddress,
        gasRefund: message.gasRefund,
        chargeCodeAccesses: message.chargeCodeAccesses,
        blobVersionedHashes: message.blobVersionedHashes ?? [],
        accessWitness: message.accessWitness,
        createdAddresses: message.createdAddresses,
        initialLogs: opts.initialLogs,
      };
      const interpreter = new Interpreter(this, this.stateManager, this.blockchain, env, message.gasLimit, this.journal, this.performanceLogger, this._optsCached.profiler);
      if (message.selfdestruct) interpreter._result.selfdestruct = message.selfdestruct;
      if (message.createdAddresses) interpreter._result.createdAddresses = message.createdAddresses;
      const interpreterRes = await interpreter.run(message.code, opts);
      const error = interpreterRes.exceptionError;
      // a failed frame leaves nothing; only a revert (or an invalid EOF container) keeps the gas it did not use
      const frame = error ? { ...interpreter._result, logs: [], selfdestruct: new Map(), createdAddresses: new Set() } : interpreter._result;
      const gasUsed = error && error.error !== REVERT && error.error !== INVALID_EOF_FORMAT ? message.gasLimit : message.gasLimit - interpreterRes.runState.gasLeft;
      message.accessWitness?.commit();
      let runState: object | undefined;
      const out = {
        ...frame,
        exceptionError: error,
        gas: interpreterRes.runState?.gasLeft,
        executionGasUsed: gasUsed,
        gasRefund: interpreterRes.runState.gasRefund,
        stateGasSpilled: interpreterRes.runState.stateGasSpilled,
        returnValue: frame.returnValue ?? new Uint8Array(0),
      };
      return Object.defineProperty(out, 'runState', {
        enumerable: true,
        configurable: true,
        get: () => (runState ??= { ...interpreterRes.runState, ...frame, ...interpreter._env }),
        set: (value: object) => {
          runState = value;
        },
      });
    };
    return true;
  } catch {
    return false;
  }
}

/** Whether the patch is in place (a test asserts it, so an upgrade that changes runInterpreter is noticed). */
export const frameResultLazy = await install();
