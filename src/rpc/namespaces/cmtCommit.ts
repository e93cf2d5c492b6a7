/**
 * How a cmt_ write method ends, as CyberMiles' broadcast_tx_commit did (reference §6.1): the call is signed
 * with an unlocked node account exactly as eth_sendTransaction signs, admitted, and awaited until a block
 * commits it; the answer is `{check_tx, deliver_tx, hash, height}`. Admission refusals (nonce, funds) are
 * JSON-RPC errors; a call the staking rules refuse is committed (it costs gas and a nonce, as in the
 * original) and reported with a non-zero deliver_tx code and the custom error in `log`.
 */
import { keccak256 } from '../../crypto/index.ts';
import { DEFAULT_CALL_TRACER_CONFIG, traceTransaction } from '../../execution/index.ts';
import { toQuantity } from '../../encoding/index.ts';
import { bytesToHex, isChainError } from '../../primitives/index.ts';
import type { Hex } from '../../primitives/index.ts';
import { GOVERNANCE_ADDRESS, STAKING_ADDRESS, governanceInterface, stakingInterface } from '../../staking/index.ts';
import type { Block, Log, Receipt } from '../../types/index.ts';
import type { Interface } from 'ethers';
import type { RpcBackend } from '../backend.ts';
import { RpcCode, RpcError, invalidParams } from '../errors.ts';
import { fillTransaction, signDevTransaction } from './ethSend.ts';

/** A call to one of the native contracts: what a write method's builder produces. */
export interface NativeCallSpec {
  to: Uint8Array;
  data: Hex;
  value: bigint;
}

/** A block the write has not reached by then is reported, not waited for forever (mainnet blocks take ~10 s). */
const COMMIT_TIMEOUT_MS = 60_000;
/**
 * Gas for a call that would revert, which has no estimate: CyberMiles' fixed gas for its staking
 * transactions (declare_candidacy_gas, reference §3.1), above what any staking method charges; only the
 * gas used is paid.
 */
const REVERTING_CALL_GAS = 1_000_000n;
/** CyberMiles' code class for input its modules refused (reference §6.4, 20 = invalid input). */
const REFUSED_CODE = 20;
/** base64("GasFee"): the key CyberMiles' deliver_tx fee carries. */
const FEE_KEY = 'R2FzRmVl';

const CONTRACTS: Array<{ address: Hex; iface: Interface }> = [
  { address: bytesToHex(STAKING_ADDRESS), iface: stakingInterface },
  { address: bytesToHex(GOVERNANCE_ADDRESS), iface: governanceInterface },
];

/** Events whose argument is the deliver_tx `data` (what the original returned there: a proposal id). */
const DATA_EVENTS: Record<string, (args: { [k: string]: unknown }) => string> = {
  ProposalCreated: (args) => String(args.id),
  OwnerChangeRequested: (args) => String(args.requestId),
};

export interface TxOutcome {
  code: number;
  data: string;
  log: string;
  gasUsed: string;
}

/** Signs `call` for `from` (an unlocked account), submits it and waits for its block. */
export async function commitNativeCall(backend: RpcBackend, from: Hex, options: Record<string, unknown>, call: NativeCallSpec) {
  if (backend.signingKey(from) === undefined) throw invalidParams(`unknown account ${from}: it is not one of the node's unlocked accounts`);
  const tx: Record<string, unknown> = { ...pick(options, ['nonce', 'gas', 'gasPrice']), from, to: bytesToHex(call.to), data: call.data, value: toQuantity(call.value) };
  let filled;
  try {
    filled = await fillTransaction(tx, from, backend);
  } catch (err) {
    if (!isChainError(err) || err.code !== 'EXECUTION_REVERTED') throw err;
    filled = await fillTransaction({ ...tx, gas: toQuantity(REVERTING_CALL_GAS) }, from, backend);
  }
  const raw = signDevTransaction(backend, from, filled);
  const hash = bytesToHex(keccak256(raw));
  const mined = waitForBlock(backend, hash);
  try {
    await backend.submitTransaction(raw, true);
  } catch (err) {
    mined.cancel();
    throw err;
  }
  const { block, index, receipt } = await mined.promise;
  const outcome = await txOutcome(backend, block, index, receipt);
  return {
    check_tx: { code: 0, log: '' },
    deliver_tx: { ...outcome, fee: { key: FEE_KEY, value: (receipt.gasUsed * receipt.effectiveGasPrice).toString() } },
    hash,
    height: Number(block.header.height),
  };
}

function pick(o: Record<string, unknown>, names: string[]): Record<string, unknown> {
  return Object.fromEntries(names.filter((n) => o[n] !== undefined && o[n] !== null).map((n) => [n, o[n]]));
}

type Committed = { block: Block; index: number; receipt: Receipt };

/**
 * Per backend, the write calls waiting for their transaction's block: one 'block' listener hashes each
 * block's transactions once for all of them (no listener per call, so any number can be in flight).
 */
const waiting = new WeakMap<RpcBackend, Map<Hex, (c: Committed) => void>>();

function waitersOf(backend: RpcBackend): Map<Hex, (c: Committed) => void> {
  let map = waiting.get(backend);
  if (map !== undefined) return map;
  const created = new Map<Hex, (c: Committed) => void>();
  backend.events.on('block', (block, receipts) => {
    if (created.size === 0) return;
    block.transactions.forEach((raw, index) => {
      const hash = bytesToHex(keccak256(raw));
      const resolve = created.get(hash);
      const receipt = resolve === undefined ? undefined : receipts()[index];
      if (resolve !== undefined && receipt !== undefined) resolve({ block, index, receipt });
    });
  });
  waiting.set(backend, created);
  map = created;
  return map;
}

/** Resolves with the block that commits `hash`; registered before the submission so no block is missed. */
function waitForBlock(backend: RpcBackend, hash: Hex): { promise: Promise<Committed>; cancel: () => void } {
  const waiters = waitersOf(backend);
  let cancel = (): void => {};
  const promise = new Promise<Committed>((resolve, reject) => {
    const timer = setTimeout(() => {
      cancel();
      reject(new RpcError(RpcCode.SERVER, `transaction ${hash} was admitted but not committed within ${COMMIT_TIMEOUT_MS / 1000} s; look for it with cmt_getTransactionByHash`));
    }, COMMIT_TIMEOUT_MS);
    cancel = () => {
      clearTimeout(timer);
      waiters.delete(hash);
    };
    waiters.set(hash, (c) => {
      cancel();
      resolve(c);
    });
  });
  promise.catch(() => {}); // a timeout during the submission is observed by the caller once it awaits
  return { promise, cancel };
}

/** A committed transaction's result as CyberMiles' deliver_tx: code 0 and the returned id, or the refusal. */
export async function txOutcome(backend: RpcBackend, block: Block, index: number, receipt: Receipt): Promise<TxOutcome> {
  const gasUsed = receipt.gasUsed.toString();
  if (receipt.status === 1) return { code: 0, data: dataOf(receipt.logs), log: '', gasUsed };
  return { code: REFUSED_CODE, data: '', log: await refusalOf(backend, block, index), gasUsed };
}

function dataOf(logs: Log[]): string {
  for (const log of logs) {
    const iface = CONTRACTS.find((c) => c.address === bytesToHex(log.address))?.iface;
    const parsed = iface?.parseLog({ topics: log.topics.map((t) => bytesToHex(t)), data: bytesToHex(log.data) });
    const read = parsed === null || parsed === undefined ? undefined : DATA_EVENTS[parsed.name];
    if (parsed && read !== undefined) return read(parsed.args.toObject());
  }
  return '';
}

/**
 * Why a committed transaction failed: receipts keep no return data, so the block is replayed up to it
 * (debug_traceTransaction's replay) and the top call's revert data decoded: a staking or governance custom
 * error as `Name(arg, ...)`, else the revert reason or the EVM's error.
 */
async function refusalOf(backend: RpcBackend, block: Block, index: number): Promise<string> {
  const hash = keccak256(block.transactions[index] as Uint8Array);
  const spec = { tracer: 'callTracer', config: { ...DEFAULT_CALL_TRACER_CONFIG, onlyTopCall: true } } as const;
  const frame = (await traceTransaction(backend, hash, spec)) as { to?: string; output?: string; error?: string; revertReason?: string };
  const iface = CONTRACTS.find((c) => c.address === frame.to?.toLowerCase())?.iface;
  const error = iface === undefined || frame.output === undefined ? null : customError(iface, frame.output);
  if (error !== null) return error;
  return frame.revertReason ?? frame.error ?? 'execution reverted';
}

function customError(iface: Interface, output: string): string | null {
  try {
    const e = iface.parseError(output);
    return e === null ? null : `${e.name}(${e.args.map((a: unknown) => String(a)).join(', ')})`;
  } catch {
    return null; // revert data that is not one of the contract's errors
  }
}
