/**
 * eth_call and eth_estimateGas in our own interpreter, for a call whose frame stays inside the called
 * contract (a balance, an allowance, a view over the contract's own storage). PERF: through runTx such a call
 * cost the JSON-RPC thread ~0.5 ms (an @ethereumjs transaction and block, the journal, the EVM's message and
 * memory), and estimateGas runs it at least twice.
 *
 * The outcome is runCall's (simulateCall.ts) for the same request: the same gas price and base fee rules, the
 * same intrinsic gas, refund cap and calldata floor (the rules contractCall.ts implements for transactions).
 * Everything else returns `undefined` before anything runs, and the caller runs the VM, which gives each such
 * case its exact result or error: a creation, an access list, a gas limit under the minimum, at 2^31 or above
 * EIP-7825's cap, a nonce or a gas price the transaction could not have, a price under the base fee, a sender with code, value beyond the sender's balance, a recipient that is a
 * precompile, a native contract, has no code or delegates (EIP-7702), and every frame the interpreter does
 * not finish. Nothing is written: the interpreter has no side effects, and a call keeps nothing.
 * test/unit/execution/interpretCall.test.ts compares both paths over random calls.
 */
import { Address, MAX_INTEGER, MAX_UINT64 } from '@ethereumjs/util';
import type { EVM } from '@ethereumjs/evm';
import { gasScheduleOf, interpret } from '../evm/index.ts';
import type { BlockEnv, Common, VM } from '../evm/index.ts';
import { bytesToBigint } from '../primitives/index.ts';
import type { WorldState } from '../state/index.ts';
import { ContractStorage, MAX_GAS, calleeOf, gasUsedBy, highPrecompilesOf } from './contractCall.ts';
import { callGas, gasParamsOf } from './leanDecode.ts';
import { hasCode, isLowAddress } from './plainTransfer.ts';
import type { CallOutcome, CallRequest } from './simulateCall.ts';

const ZERO_ADDRESS = new Uint8Array(20);
/** @ethereumjs refuses a transaction whose nonce is 2^64 - 1 or more (EIP-2681). */
const MAX_NONCE = MAX_UINT64;
const NO_ACCESS_LIST = { addresses: 0, keys: 0 };

/**
 * A call that names a price runs at the block's base fee. A price of 0 does not: like geth (NoBaseFee), it
 * runs at base fee 0, which is also how a sponsored transaction runs (ADR 0016), so wallets can estimate one.
 */
export function priced(req: CallRequest): boolean {
  return (req.gasPrice ?? 0n) > 0n || (req.maxFeePerGas ?? 0n) > 0n;
}

/** The price and base fee runCall gives the request's transaction, or undefined where runTx would refuse it. */
function pricing(req: CallRequest, env: BlockEnv): { gasPrice: bigint; baseFee: bigint } | undefined {
  const baseFee = priced(req) ? env.baseFeePerGas : 0n;
  if (req.maxFeePerGas === undefined && req.maxPriorityFeePerGas === undefined) {
    const gasPrice = req.gasPrice ?? 0n;
    return gasPrice < baseFee ? undefined : { gasPrice, baseFee };
  }
  const tip = req.maxPriorityFeePerGas ?? 0n;
  const maxFee = req.maxFeePerGas ?? tip;
  if (maxFee < baseFee || tip > maxFee) return undefined;
  return { gasPrice: baseFee + tip < maxFee ? baseFee + tip : maxFee, baseFee };
}

/**
 * The limits @ethereumjs's transaction constructor enforces, which runCall meets as errors: EIP-7825's gas cap, a
 * nonce below 2^64 - 1, and gas times the price (or fee cap) within 256 bits.
 */
function withinTxLimits(req: CallRequest, gasLimit: bigint, txCommon: Common): boolean {
  const maxTxGas = gasParamsOf(txCommon).maxTxGas;
  if (maxTxGas !== undefined && gasLimit > maxTxGas) return false;
  if (req.nonce !== undefined && req.nonce >= MAX_NONCE) return false;
  const price = req.maxFeePerGas ?? req.maxPriorityFeePerGas ?? req.gasPrice ?? 0n;
  return gasLimit * price <= MAX_INTEGER;
}

/** runCall's outcome for `req`, from the interpreter, or undefined (see the file's comment) without running anything. */
export async function interpretCall(vm: VM, txCommon: Common, env: BlockEnv, req: CallRequest, gasLimit: bigint): Promise<CallOutcome | undefined> {
  const evm = vm.evm as EVM;
  const schedule = gasScheduleOf(evm);
  if (!schedule.enabled || req.to === undefined || req.accessList !== undefined || gasLimit >= MAX_GAS || isLowAddress(req.to)) return undefined;
  const toNumber = bytesToBigint(req.to);
  const natives = highPrecompilesOf(evm);
  if (natives.size > 0 && natives.has(toNumber)) return undefined;
  const price = pricing(req, env);
  if (price === undefined || !withinTxLimits(req, gasLimit, txCommon)) return undefined;
  const data = req.data ?? new Uint8Array();
  const { intrinsic, floor } = callGas(txCommon, data, NO_ACCESS_LIST);
  if (gasLimit < intrinsic || gasLimit < floor) return undefined;

  const state = vm.stateManager as WorldState;
  const fromBytes = req.from ?? ZERO_ADDRESS;
  const value = req.value ?? 0n;
  const from = await state.getAccount(new Address(fromBytes));
  if (hasCode(from) || (from?.balance ?? 0n) < value) return undefined;
  const toAddress = new Address(req.to);
  const callee = await calleeOf(state, toAddress, value);
  if (callee === undefined) return undefined;
  const { account: to, analysis } = callee;

  const sender = bytesToBigint(fromBytes);
  const result = await interpret(
    {
      code: analysis,
      address: toNumber,
      caller: sender,
      origin: sender,
      value,
      data,
      gasPrice: price.gasPrice,
      selfBalance: to.balance + value,
      gas: Number(gasLimit - intrinsic),
      block: {
        coinbase: bytesToBigint(env.coinbase),
        timestamp: env.timestamp,
        number: env.height,
        prevRandao: bytesToBigint(env.prevRandao),
        gasLimit: env.gasLimit,
        chainId: vm.common.chainId(),
        baseFee: price.baseFee,
      },
    },
    schedule,
    new ContractStorage(state, toAddress),
  );
  if (result.status === 'unsupported') return undefined;
  const afterRefund = gasUsedBy(result, gasLimit, 0n, schedule);
  const gasUsed = afterRefund < floor ? floor : afterRefund;
  const consumed = gasLimit - BigInt(result.gasLeft);
  const ok = result.status === 'success';
  // runTx reports the refund counter, or 0 when the frame failed or the calldata floor decided the gas
  return {
    returnData: result.returnData,
    gasUsed,
    gasConsumed: consumed > gasUsed ? consumed : gasUsed,
    gasRefund: ok && afterRefund >= floor ? BigInt(result.refund) : 0n,
    error: ok ? undefined : 'revert',
  };
}
