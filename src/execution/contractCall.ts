/**
 * A call to a contract whose frame stays inside that contract (a token transfer, an approval) runs in our
 * own interpreter (src/evm/interpreter) instead of @ethereumjs's runTx. PERF: runTx and the EVM's message,
 * interpreter and journal machinery cost an ERC-20 transfer ~340 µs in the execution worker; the
 * interpreter runs the same frame with none of it (docs/performance.md).
 *
 * The transaction rules are runTx's for this case (@ethereumjs/vm 10.1.3, hardfork from the EVM's Common):
 * intrinsic gas and EIP-7623's floor, the nonce, the sender's max cost, the fee and refund (EIP-3529's cap),
 * the value credited before the code runs and taken back with everything else on a revert, the priority fee
 * to the block's fee recipient. Anything outside them returns `undefined` before state is touched and the
 * caller runs the VM: a transaction decoded by @ethereumjs or with an access list, a sender with code, a
 * recipient that is a precompile, a native contract, has no code or delegates (EIP-7702), a fee cap under
 * the base fee, a wrong nonce, too little balance, and every frame the interpreter does not finish.
 * test/unit/execution/contractCall.test.ts runs random blocks both ways and compares roots and receipts.
 */
import { Address, MAX_INTEGER } from '@ethereumjs/util';
import type { Account } from '@ethereumjs/util';
import type { Bloom } from '@ethereumjs/vm';
import type { EVM } from '@ethereumjs/evm';
import { gasScheduleOf, interpret, knownAnalysis, rememberAnalysis, wordBytes } from '../evm/index.ts';
import type { BlockValues, CodeAnalysis, Common, FrameResult, GasSchedule, Storage, VM } from '../evm/index.ts';
import { bigintToBytes, bytesKey, bytesToBigint } from '../primitives/index.ts';
import type { WorldState } from '../state/index.ts';
import type { Receipt } from '../types/index.ts';
import { logsBloom } from './logsBloom.ts';
import { hasCode, isLowAddress, payTip, payingSender } from './plainTransfer.ts';
import { effectiveGasPrice, senderAddress } from './validateTx.ts';
import type { ValidatedTx } from './validateTx.ts';

/** The gas the interpreter counts in a Number stays far below 2^53 from a start below this. */
export const MAX_GAS = 2n ** 31n;
const DELEGATION_OR_EOF = 0xef;
/** isLowAddress's bound: addresses below 2^16 are left to the VM in any case. */
const LOW_ADDRESS_LIMIT = 1n << 16n;

export interface ContractCallOutcome {
  gasUsed: bigint;
  status: 0 | 1;
  logs: Receipt['logs'];
  /** Null for a transaction without logs (an all-zero bloom). */
  bloom: Bloom | null;
}

/** How many transactions the path ran, and how many it handed back to the VM (tests assert on them). */
export const contractCallRuns = { fast: 0, fallback: 0 };

/** What the path needs from the block, made once per block. */
export interface ContractCallBlock {
  vm: VM;
  common: Common;
  schedule: GasSchedule;
  /** Precompiles outside the low addresses (native contracts): their addresses as numbers. */
  highPrecompiles: ReadonlySet<bigint>;
  values: BlockValues;
  baseFee: bigint;
  feeRecipient: Uint8Array;
}

export function contractCallBlock(vm: VM, common: Common, ctx: { height: bigint; timestamp: bigint; gasLimit: bigint; baseFeePerGas: bigint; feePool: Uint8Array }, prevRandao: Uint8Array): ContractCallBlock {
  return {
    vm,
    common,
    schedule: gasScheduleOf(vm.evm as EVM),
    highPrecompiles: highPrecompilesOf(vm.evm as EVM),
    values: {
      coinbase: bytesToBigint(ctx.feePool),
      timestamp: ctx.timestamp,
      number: ctx.height,
      prevRandao: bytesToBigint(prevRandao),
      gasLimit: ctx.gasLimit,
      chainId: common.chainId(),
      baseFee: ctx.baseFeePerGas,
    },
    baseFee: ctx.baseFeePerGas,
    feeRecipient: ctx.feePool,
  };
}

/**
 * The called account and its code's analysis, when the interpreter can run a call to it carrying `value`: it
 * has code, that code is neither a delegation (EIP-7702) nor EOF, and the value cannot overflow its balance.
 */
export async function calleeOf(state: WorldState, address: Address, value: bigint): Promise<{ account: Account; analysis: CodeAnalysis } | undefined> {
  const account = await state.getAccount(address);
  if (account === undefined || !hasCode(account) || account.balance + value > MAX_INTEGER) return undefined;
  const codeHash = bytesKey(account.codeHash);
  let analysis = knownAnalysis(codeHash);
  if (analysis === undefined) {
    const code = await state.getCode(address);
    if (code[0] === DELEGATION_OR_EOF) return undefined;
    analysis = rememberAnalysis(codeHash, code);
  }
  return { account, analysis };
}

const highPrecompileSets = new WeakMap<EVM, ReadonlySet<bigint>>();

/** The EVM's precompiles outside the low addresses (native contracts), as numbers; made once per EVM. */
export function highPrecompilesOf(evm: EVM): ReadonlySet<bigint> {
  let set = highPrecompileSets.get(evm);
  if (set === undefined) highPrecompileSets.set(evm, (set = new Set([...evm.precompiles.keys()].map((hex) => BigInt(`0x${hex}`)).filter((a) => a >= LOW_ADDRESS_LIMIT))));
  return set;
}

/** Runs `tx` in the interpreter if it qualifies, or returns undefined without touching state. */
export async function runContractCall(state: WorldState, tx: ValidatedTx, block: ContractCallBlock): Promise<ContractCallOutcome | undefined> {
  const call = tx.call;
  if (call === undefined || !block.schedule.enabled) return undefined;
  const { baseFee } = block;
  if (tx.maxFeePerGas < baseFee || tx.gasLimit >= MAX_GAS) return undefined;
  const minimum = call.floorGas > call.intrinsicGas ? call.floorGas : call.intrinsicGas;
  if (tx.gasLimit < minimum || isLowAddress(call.to)) return undefined;
  const toNumber = bytesToBigint(call.to);
  if (block.highPrecompiles.size > 0 && block.highPrecompiles.has(toNumber)) return undefined;
  const toAddress = new Address(call.to);

  const fromAddress = senderAddress(tx);
  const from = await payingSender(state, tx, fromAddress);
  if (from === undefined) return undefined;
  const callee = await calleeOf(state, toAddress, tx.value);
  if (callee === undefined) return undefined;
  const { account: to, analysis } = callee;

  const gasPrice = effectiveGasPrice(tx, baseFee);
  const sender = bytesToBigint(fromAddress.bytes);
  const result = await interpret(
    {
      code: analysis,
      address: toNumber,
      caller: sender,
      origin: sender, // a transaction's own call: the caller is the origin
      value: tx.value,
      data: call.data,
      gasPrice,
      selfBalance: to.balance + tx.value,
      gas: Number(tx.gasLimit - call.intrinsicGas),
      block: block.values,
    },
    block.schedule,
    new ContractStorage(state, toAddress),
  );
  if (result.status === 'unsupported') {
    contractCallRuns.fallback++;
    return undefined;
  }
  contractCallRuns.fast++;

  const gasUsed = gasUsedBy(result, tx.gasLimit, call.floorGas, block.schedule);
  from.nonce += 1n;
  from.balance -= gasUsed * gasPrice;
  const ok = result.status === 'success';
  if (ok && tx.value !== 0n) {
    from.balance -= tx.value;
    to.balance += tx.value;
    await state.putAccount(toAddress, to);
  }
  await state.putAccount(fromAddress, from);
  if (ok) {
    for (const [key, slot] of result.slots) {
      if (slot.current !== slot.original) await state.putStorage(toAddress, wordBytes(key), slot.current === 0n ? new Uint8Array() : bigintToBytes(slot.current));
    }
  }
  await payTip(state, block.feeRecipient, gasUsed * (gasPrice - baseFee));
  if (!ok || result.logs.length === 0) return { gasUsed, status: ok ? 1 : 0, logs: [], bloom: null };

  // loops, not closures: tsx wraps each closure it creates per transaction in a defineProperty (name-keeping)
  const allTopics: Array<{ value: bigint; bytes: Uint8Array }> = [];
  const logs: ContractCallOutcome['logs'] = [];
  for (const log of result.logs) {
    const topics: Uint8Array[] = [];
    for (const value of log.topics) {
      const bytes = wordBytes(value);
      allTopics.push({ value, bytes });
      topics.push(bytes);
    }
    logs.push({ address: call.to, topics, data: log.data });
  }
  return { gasUsed, status: 1, logs, bloom: logsBloom(block.common, toNumber, call.to, allTopics) };
}

/** The called contract's storage as the interpreter reads it (a class: no closure per transaction). */
export class ContractStorage implements Storage {
  constructor(
    private readonly state: WorldState,
    private readonly address: Address,
  ) {}

  async load(key: bigint): Promise<bigint> {
    return bytesToBigint(await this.state.getStorage(this.address, wordBytes(key)));
  }
}

/** runTx's gas used: what the frame spent plus intrinsic gas, less the capped refund, at least the calldata floor. */
export function gasUsedBy(result: Exclude<FrameResult, { status: 'unsupported' }>, gasLimit: bigint, floorGas: bigint, schedule: GasSchedule): bigint {
  let used = gasLimit - BigInt(result.gasLeft);
  if (result.status === 'success' && result.refund > 0) {
    const cap = used / BigInt(schedule.maxRefundQuotient);
    const refund = BigInt(result.refund);
    used -= refund < cap ? refund : cap;
  }
  return used < floorGas ? floorGas : used;
}
