/**
 * The block transition: run transactions in order against the world state, send every fee to the fee
 * pool, and produce the header, receipts and roots. The proposer calls it in `build` mode (a transaction
 * that cannot run is left out); a validator re-executing a proposed block uses `apply` mode (any failure
 * makes the block invalid). No clock, randomness or I/O: the block context comes in as arguments.
 */
import { Account, Address, createAddressFromString } from '@ethereumjs/util';
import { Bloom, encodeReceipt } from '@ethereumjs/vm';
import type { Common, RunTxResult, VM } from '../evm/index.ts';
import { createEvmBlock, runTx } from '../evm/index.ts';
import { ChainError } from '../primitives/index.ts';
import type { Commit, Header, Receipt } from '../types/index.ts';
import type { WorldState } from '../state/index.ts';
import { encodeCommit } from '../types/index.ts';
import { keccak256 } from '../crypto/index.ts';
import { orderedTrieRoot } from './roots.ts';
import type { ValidatedTx } from './validateTx.ts';

export interface BlockContext {
  parentHash: Uint8Array;
  height: bigint;
  timestamp: bigint;
  proposer: Uint8Array;
  gasLimit: bigint;
  baseFeePerGas: bigint;
  validatorsHash: Uint8Array;
  lastCommit: Commit | null;
  feePool: Uint8Array;
}

export interface ExecutedBlock {
  header: Header;
  transactions: ValidatedTx[];
  receipts: Receipt[];
  /** Build mode only: transactions that failed on their own account and should leave the pool. */
  rejected: Array<{ tx: ValidatedTx; reason: string }>;
}

export type ExecutionMode = 'build' | 'apply';

export interface BlockHooks {
  /** Runs on the block's state before its transactions (dev-mode state edits; later staking's beginBlock). */
  beginBlock?: (state: WorldState) => Promise<void>;
}

export function prevRandaoFor(ctx: Pick<BlockContext, 'parentHash' | 'lastCommit'>): Uint8Array {
  const commitHash = ctx.lastCommit === null ? new Uint8Array(32) : keccak256(encodeCommit(ctx.lastCommit));
  return keccak256(new Uint8Array([...ctx.parentHash, ...commitHash]));
}

export async function executeBlock(
  vm: VM,
  common: Common,
  ctx: BlockContext,
  candidates: Iterable<ValidatedTx>,
  mode: ExecutionMode,
  hooks: BlockHooks = {},
): Promise<ExecutedBlock> {
  const state = vm.stateManager;
  const prevRandao = prevRandaoFor(ctx);
  const evmBlock = createEvmBlock(common, { ...ctx, coinbase: ctx.feePool, prevRandao });
  const included: ValidatedTx[] = [];
  const results: RunTxResult[] = [];
  const rejected: ExecutedBlock['rejected'] = [];
  let gasUsed = 0n;
  await state.checkpoint();
  try {
    await hooks.beginBlock?.(state as WorldState);
    for (const tx of candidates) {
      if (tx.gasLimit > ctx.gasLimit - gasUsed) {
        if (mode === 'apply') throw new ChainError('BLOCK_GAS_EXCEEDED', `block gas limit exceeded by ${tx.hash}`);
        continue;
      }
      const account = await state.getAccount(createAddressFromString(tx.sender));
      if ((account?.nonce ?? 0n) !== tx.nonce && mode === 'build') continue; // an earlier tx of this sender failed
      let result: RunTxResult;
      const depth = checkpointDepth(state);
      try {
        result = await runTx(vm, { tx: tx.tx, block: evmBlock, blockGasUsed: gasUsed, skipHardForkValidation: true });
      } catch (err) {
        await unwindTo(vm, depth);
        if (mode === 'apply') throw new ChainError('INVALID_BLOCK_TX', `transaction ${tx.hash} cannot run: ${String(err)}`);
        rejected.push({ tx, reason: err instanceof Error ? err.message : String(err) });
        continue;
      }
      gasUsed += result.totalGasSpent;
      included.push(tx);
      results.push(result);
    }
    await creditBurnedFees(vm, ctx, gasUsed);
    await state.commit();
  } catch (err) {
    await state.revert();
    throw err;
  }
  const stateRoot = await state.getStateRoot();
  return assemble(common, ctx, prevRandao, stateRoot, gasUsed, included, results, rejected);
}

/** How many state checkpoints are open: runTx must leave it as it found it, even when it throws. */
function checkpointDepth(state: VM['stateManager']): number {
  return (state as unknown as { _checkpointCount: number })._checkpointCount;
}

/**
 * An exception thrown from inside the EVM (not a revert: a bug or a missing dependency) can leave nested
 * checkpoints open, and committing on top of them would corrupt the block's state. Close them.
 */
async function unwindTo(vm: VM, depth: number): Promise<void> {
  while (checkpointDepth(vm.stateManager) > depth) await vm.evm.journal.revert();
}

/** The EVM burns base fee x gas; CyberMiles pays every fee to the fee pool, so the burn is credited back. */
async function creditBurnedFees(vm: VM, ctx: BlockContext, gasUsed: bigint): Promise<void> {
  const amount = gasUsed * ctx.baseFeePerGas;
  if (amount === 0n) return;
  const pool = new Address(ctx.feePool);
  const account = (await vm.stateManager.getAccount(pool)) ?? new Account();
  account.balance += amount;
  await vm.stateManager.putAccount(pool, account);
}

async function assemble(
  common: Common,
  ctx: BlockContext,
  prevRandao: Uint8Array,
  stateRoot: Uint8Array,
  gasUsed: bigint,
  included: ValidatedTx[],
  results: RunTxResult[],
  rejected: ExecutedBlock['rejected'],
): Promise<ExecutedBlock> {
  const bloom = new Bloom(undefined, common);
  const receipts: Receipt[] = [];
  const encodedReceipts: Uint8Array[] = [];
  included.forEach((tx, i) => {
    const r = results[i] as RunTxResult;
    bloom.or(r.bloom);
    encodedReceipts.push(encodeReceipt(r.receipt, tx.tx.type));
    receipts.push(toReceipt(tx, r, ctx.baseFeePerGas));
  });
  const header: Header = {
    height: ctx.height,
    timestamp: ctx.timestamp,
    parentHash: ctx.parentHash,
    proposer: ctx.proposer,
    stateRoot,
    transactionsRoot: orderedTrieRoot(included.map((t) => t.raw)),
    receiptsRoot: orderedTrieRoot(encodedReceipts),
    logsBloom: bloom.bitvector,
    gasUsed,
    gasLimit: ctx.gasLimit,
    baseFeePerGas: ctx.baseFeePerGas,
    prevRandao,
    validatorsHash: ctx.validatorsHash,
    lastCommitHash: ctx.lastCommit === null ? new Uint8Array(32) : keccak256(encodeCommit(ctx.lastCommit)),
  };
  return { header, transactions: included, receipts, rejected };
}

function toReceipt(tx: ValidatedTx, r: RunTxResult, baseFee: bigint): Receipt {
  const effectiveGasPrice =
    tx.tx.type >= 2 ? min(tx.maxFeePerGas, baseFee + tx.maxPriorityFeePerGas) : tx.maxFeePerGas;
  const status = 'status' in r.receipt ? r.receipt.status : 1;
  return {
    txType: tx.tx.type,
    status: status === 1 ? 1 : 0,
    cumulativeGasUsed: r.receipt.cumulativeBlockGasUsed,
    gasUsed: r.totalGasSpent,
    effectiveGasPrice,
    from: createAddressFromString(tx.sender).bytes,
    contractAddress: r.createdAddress?.bytes ?? null,
    logs: r.receipt.logs.map(([address, topics, data]) => ({ address, topics, data })),
  };
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
