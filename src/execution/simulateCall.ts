/**
 * eth_call and eth_estimateGas: run an unsigned call against a state without keeping any change. The
 * sender is taken from the request, as geth does; without a gas price the block's base fee is taken as
 * zero so balance-less callers can still read contracts.
 */
import { createTx } from '@ethereumjs/tx';
import type { TypedTxData } from '@ethereumjs/tx';
import { Address } from '@ethereumjs/util';
import type { Common, RunTxResult, TypedTransaction, VM } from '../evm/index.ts';
import { createEvmBlock, runTx } from '../evm/index.ts';
import type { BlockEnv } from '../evm/index.ts';
import { ChainError, bytesToHex } from '../primitives/index.ts';
import { interpretCall, priced } from './interpretCall.ts';
import { firstLine } from './validateTx.ts';

export interface CallRequest {
  from?: Uint8Array;
  to?: Uint8Array;
  gas?: bigint;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  value?: bigint;
  data?: Uint8Array;
  nonce?: bigint;
  accessList?: Array<{ address: string; storageKeys: string[] }>;
}

export interface CallOutcome {
  returnData: Uint8Array;
  gasUsed: bigint;
  /** Gas the run consumed before refunds (execution + intrinsic, at least the EIP-7623 floor). */
  gasConsumed: bigint;
  /** The refund counter at the end, before EIP-3529's cap (RunTxResult.gasRefund); 0 for a failed call. */
  gasRefund: bigint;
  /** undefined on success; 'revert', 'out of gas', 'invalid opcode', ... otherwise */
  error: string | undefined;
}

/** A call that reverted: the raw revert bytes travel to the client in error.data. */
export class ExecutionRevertedError extends ChainError<'EXECUTION_REVERTED'> {
  readonly data: Uint8Array;
  constructor(data: Uint8Array) {
    const reason = decodeRevertReason(data);
    super('EXECUTION_REVERTED', reason === undefined ? 'execution reverted' : `execution reverted: ${reason}`, { data: bytesToHex(data) });
    this.data = data;
  }
}

const ERROR_SELECTOR = '08c379a0';

export function decodeRevertReason(data: Uint8Array): string | undefined {
  const hex = Buffer.from(data).toString('hex');
  if (!hex.startsWith(ERROR_SELECTOR) || data.length < 68) return undefined;
  try {
    const body = Buffer.from(data.subarray(4));
    const offset = Number(BigInt(`0x${body.subarray(0, 32).toString('hex')}`));
    const length = Number(BigInt(`0x${body.subarray(offset, offset + 32).toString('hex')}`));
    return body.subarray(offset + 32, offset + 32 + length).toString('utf8');
  } catch {
    return undefined;
  }
}

function buildCallTx(req: CallRequest, gasLimit: bigint, nonce: bigint, txCommon: Common): TypedTransaction {
  const feeMarket = req.maxFeePerGas !== undefined || req.maxPriorityFeePerGas !== undefined;
  const data: TypedTxData = {
    nonce,
    gasLimit,
    value: req.value ?? 0n,
    data: req.data ?? new Uint8Array(),
    ...(req.to === undefined ? {} : { to: new Address(req.to) }),
    ...(feeMarket
      ? { type: 2, maxFeePerGas: req.maxFeePerGas ?? req.maxPriorityFeePerGas ?? 0n, maxPriorityFeePerGas: req.maxPriorityFeePerGas ?? 0n }
      : { type: req.accessList === undefined ? 0 : 1, gasPrice: req.gasPrice ?? 0n }),
    ...(req.accessList === undefined ? {} : { accessList: req.accessList as never }),
  };
  const tx = createTx(data, { common: txCommon, freeze: false });
  const sender = new Address(req.from ?? new Uint8Array(20));
  // the call is unsigned: its sender is whatever the request says
  Object.assign(tx, { getSenderAddress: () => sender, isSigned: () => true });
  return tx;
}

/**
 * runCall's outcome, from our interpreter when the call qualifies (interpretCall.ts), else from runCall:
 * eth_call and eth_estimateGas. debug_traceCall runs runCall itself: its tracer watches the VM.
 */
export async function simulateCall(vm: VM, txCommon: Common, env: BlockEnv, req: CallRequest, gasLimit: bigint): Promise<CallOutcome> {
  return (await interpretCall(vm, txCommon, env, req, gasLimit)) ?? runCall(vm, txCommon, env, req, gasLimit);
}

/** Runs the call once with the given gas limit in the VM; all state changes are reverted afterwards. */
export async function runCall(vm: VM, txCommon: Common, env: BlockEnv, req: CallRequest, gasLimit: bigint): Promise<CallOutcome & { result: RunTxResult }> {
  const state = vm.stateManager;
  const sender = new Address(req.from ?? new Uint8Array(20));
  const account = await state.getAccount(sender);
  const value = req.value ?? 0n;
  if ((account?.balance ?? 0n) < value) {
    throw new ChainError('INSUFFICIENT_FUNDS', `insufficient funds for gas * price + value: address ${sender.toString()} have ${account?.balance ?? 0n} want ${value}`);
  }
  let tx: TypedTransaction;
  try {
    tx = buildCallTx(req, gasLimit, req.nonce ?? account?.nonce ?? 0n, txCommon);
  } catch (err) {
    throw new ChainError('CALL_INVALID', cleanMessage(err)); // a field no transaction can have (EIP-7825's gas cap, a nonce of 2^64 - 1)
  }
  const intrinsic = tx.getIntrinsicGas();
  if (gasLimit < intrinsic) throw new ChainError('CALL_INVALID', `intrinsic gas too low: have ${gasLimit}, want ${intrinsic}`);
  const block = createEvmBlock(vm.common, { ...env, baseFeePerGas: priced(req) ? env.baseFeePerGas : 0n });
  await state.checkpoint();
  try {
    const result = await runTx(vm, { tx, block, skipBalance: true, skipNonce: true, skipBlockGasLimitValidation: true, skipHardForkValidation: true });
    const consumed = result.execResult.executionGasUsed + intrinsic;
    return {
      returnData: result.execResult.returnValue,
      gasUsed: result.totalGasSpent,
      gasConsumed: consumed > result.totalGasSpent ? consumed : result.totalGasSpent,
      gasRefund: result.gasRefund ?? 0n,
      error: result.execResult.exceptionError?.error,
      result,
    };
  } catch (err) {
    throw new ChainError('CALL_INVALID', cleanMessage(err));
  } finally {
    await state.revert();
  }
}

function cleanMessage(err: unknown): string {
  return firstLine(err).replace(/ -> .*$/, '').replace(/\s*\(vm hf=.*$/, '');
}

/**
 * Whether `err` is what a call that ran to its end (or never started) throws: a revert, another failed outcome, or
 * a value the sender cannot pay. Anything else may have stopped the VM in the middle of a run.
 */
export function isCallOutcome(err: unknown): boolean {
  return err instanceof ChainError && (err.code === 'EXECUTION_REVERTED' || err.code === 'EXECUTION_FAILED' || err.code === 'INSUFFICIENT_FUNDS');
}

export function throwIfFailed(outcome: CallOutcome): void {
  if (outcome.error === undefined) return;
  if (outcome.error === 'revert') throw new ExecutionRevertedError(outcome.returnData);
  throw new ChainError('EXECUTION_FAILED', outcome.error);
}

/** A plain value transfer's gas (the intrinsic gas of a transaction without data or access list). */
const TX_GAS = 21_000n;

/**
 * The smallest gas limit with which the call succeeds. PERF: first the gas the call consumed before
 * refunds: less can never be enough on the same path, and when it is enough (no 63/64 retention, no
 * SSTORE stipend check in the way) it is the answer after two runs instead of ten to twenty. Otherwise a
 * binary search between it and the cap (geth's method, with its optimistic first guess). `run`: the VM alone
 * (runCall) in tests that compare the paths.
 */
export async function estimateGas(vm: VM, txCommon: Common, env: BlockEnv, req: CallRequest, cap: bigint, run: typeof simulateCall = simulateCall): Promise<bigint> {
  let hi = req.gas !== undefined && req.gas < cap ? req.gas : cap; // a gas above the cap is the cap, as geth does
  // a plain value transfer to an account without code: one run at 21,000, as geth does (an access list, or a
  // sender who cannot pay, fails it and the search below decides)
  if (hi >= TX_GAS && req.to !== undefined && (req.data?.length ?? 0) === 0 && (await vm.stateManager.getCode(new Address(req.to))).length === 0) {
    const plain = await run(vm, txCommon, env, req, TX_GAS).catch(() => undefined);
    if (plain !== undefined && plain.error === undefined) return TX_GAS;
  }
  const first = await run(vm, txCommon, env, req, hi);
  throwIfFailed(first);
  const succeeds = async (gas: bigint): Promise<boolean> => {
    try {
      return (await run(vm, txCommon, env, req, gas)).error === undefined;
    } catch {
      return false; // e.g. below intrinsic gas or the calldata floor
    }
  };
  const consumed = first.gasConsumed;
  if (consumed >= hi || (await succeeds(consumed))) return consumed < hi ? consumed : hi;
  let lo = consumed;
  const optimistic = ((first.gasUsed + first.gasRefund + 2300n) * 64n) / 63n;
  if (optimistic < hi && optimistic > lo) {
    if (await succeeds(optimistic)) hi = optimistic;
    else lo = optimistic;
  }
  while (lo + 1n < hi) {
    const mid = (lo + hi) / 2n;
    if (await succeeds(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
