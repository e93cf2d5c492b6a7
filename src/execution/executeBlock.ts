/**
 * The block transition: run transactions in order against the world state, send every fee to the fee
 * pool, and produce the header, receipts and roots. The proposer calls it in `build` mode (a transaction
 * that cannot run is left out); a validator re-executing a proposed block uses `apply` mode (any failure
 * makes the block invalid). No clock, randomness or I/O: the block context comes in as arguments.
 */
import { Account, Address } from '@ethereumjs/util';
import { Bloom } from '@ethereumjs/vm';
import type { Common, RunTxResult, VM } from '../evm/index.ts';
import { createEvmBlock, runTx } from '../evm/index.ts';
import { ChainError } from '../primitives/index.ts';
import type { Commit, DuplicateVoteEvidence, Header, Receipt, Validator } from '../types/index.ts';
import type { WorldState } from '../state/index.ts';
import { encodeCommit, encodeConsensusReceipt, encodeReceiptItem, hashEvidence, joinReceiptItems } from '../types/index.ts';
import { keccak256 } from '../crypto/index.ts';
import { OrderedTrie } from './roots.ts';
import { runPlainTransfer } from './plainTransfer.ts';
import { contractCallBlock, runContractCall } from './contractCall.ts';
import type { ContractCallBlock } from './contractCall.ts';
import { isSponsoredPrice, runSponsoredTx } from './extensions/sponsoredTx.ts';
import { effectiveGasPrice, senderAddress } from './validateTx.ts';
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
  /** Dev mode (hardhat_setPrevRandao): this block's prevRandao instead of the one derived from its parent. */
  prevRandao?: Uint8Array;
  /** Double-sign evidence the block commits (verified by consensus): what staking's beginBlock slashes. */
  evidence?: DuplicateVoteEvidence[];
}

export interface ExecutedBlock {
  header: Header;
  transactions: ValidatedTx[];
  receipts: Receipt[];
  /** The receipts in their stored encoding (encodeReceipts), when made along the way. */
  encodedReceipts?: Uint8Array;
  /** Build mode only: transactions that failed on their own account and should leave the pool. */
  rejected: Array<{ tx: ValidatedTx; reason: string }>;
  /**
   * Validator set changes this block's endBlock returned (power 0 removes a member). As in CometBFT they
   * take effect two heights later: the set of height h+1 was fixed before block h ran.
   */
  validatorUpdates: Validator[];
}

export type ExecutionMode = 'build' | 'apply';

/** What a begin-of-block hook may do besides writing state: run a call in the block's EVM (scheduled calls). */
export interface BlockEnvironment {
  ctx: BlockContext;
  /** A call from `from` to `to` at the start of the block (no transaction, no nonce): its outcome and gas. */
  call(from: Uint8Array, to: Uint8Array, data: Uint8Array, gasLimit: bigint): Promise<{ ok: boolean; gasUsed: bigint }>;
}

export interface BlockHooks {
  /** Runs on the block's state before its transactions (dev-mode state edits, scheduled calls). */
  beginBlock?: (state: WorldState, env: BlockEnvironment) => Promise<void>;
  /**
   * Runs after the transactions and fees, before the state root (staking's election): its writes are part
   * of the block's state, and what it returns are the validator set changes.
   */
  endBlock?: (state: WorldState, ctx: BlockContext) => Promise<Validator[]>;
}

export interface ExecuteOptions {
  /** Run plain value transfers without the EVM (plainTransfer.ts); off only to compare the two paths. */
  plainTransfers?: boolean;
  /** Run calls that stay inside their contract in our interpreter (contractCall.ts); off only to compare. */
  contractCalls?: boolean;
}

/** What the block needs from each executed transaction, from the VM or the plain-transfer path. */
interface TxOutcome {
  gasUsed: bigint;
  status: 0 | 1;
  logs: Receipt['logs'];
  /** Null for a transaction without logs (an all-zero bloom). */
  bloom: Bloom | null;
  createdAddress: Uint8Array | null;
}

function outcomeOf(r: RunTxResult): TxOutcome {
  const status = 'status' in r.receipt ? r.receipt.status : 1;
  return {
    gasUsed: r.totalGasSpent,
    status: status === 1 ? 1 : 0,
    logs: r.receipt.logs.map(([address, topics, data]) => ({ address, topics, data })),
    bloom: r.receipt.logs.length === 0 ? null : r.bloom,
    createdAddress: r.createdAddress?.bytes ?? null,
  };
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
  options: ExecuteOptions = {},
): Promise<ExecutedBlock> {
  const builder = await BlockBuilder.open(vm, common, ctx, mode, hooks, options);
  try {
    await builder.add(candidates);
  } catch (err) {
    await builder.abort();
    throw err;
  }
  const executed = await builder.seal();
  await builder.accept();
  return executed;
}

/**
 * One block in the making: opened on the head state (beginBlock runs), transactions added in any number
 * of batches (a proposer executes them as they arrive instead of all at the tick), then sealed (fees,
 * roots, header), and finally accepted (it becomes the state's base) or aborted (the state is back where it
 * was, even after sealing: a proposal that consensus does not decide is dropped). `executeBlock` is
 * open + add + seal + accept.
 */
export class BlockBuilder {
  private readonly included: ValidatedTx[] = [];
  /**
   * PERF: each included transaction's receipt, its encoding for the receipts root and the block's bloom are
   * made as it is included, not at the seal: the seal is on the critical path after the block's tick (ADR 0018).
   */
  private readonly receipts: Receipt[] = [];
  private readonly receiptItems: Uint8Array[] = [];
  /** The ordered tries of the included transactions and of their encoded receipts, kept as they grow. */
  private readonly txTrie = new OrderedTrie();
  private readonly receiptTrie = new OrderedTrie();
  private readonly bloom: Bloom;
  private readonly rejected: ExecutedBlock['rejected'] = [];
  private gasUsed = 0n;
  private stage: 'open' | 'sealed' | 'done' = 'open';
  /** The block's account changes were written into the trie before the seal (flushState). */
  private flushed = false;
  /** The block at base fee 0 that sponsored transactions run in (ADR 0016), made on first use. */
  private unpricedBlock: ReturnType<typeof createEvmBlock> | undefined;
  /** The block as the contract-call path sees it; undefined when that path is off. */
  private readonly callBlock: ContractCallBlock | undefined;

  private constructor(
    private readonly vm: VM,
    private readonly common: Common,
    readonly ctx: BlockContext,
    private readonly mode: ExecutionMode,
    private readonly plainTransfers: boolean,
    private readonly prevRandao: Uint8Array,
    private readonly evmBlock: ReturnType<typeof createEvmBlock>,
    /** The state root before the block: what abort returns to. */
    private readonly parentRoot: Uint8Array,
    private readonly hooks: BlockHooks,
    contractCalls: boolean,
  ) {
    this.bloom = new Bloom(undefined, common);
    this.callBlock = contractCalls ? contractCallBlock(vm, common, ctx, prevRandao) : undefined;
  }

  static async open(vm: VM, common: Common, ctx: BlockContext, mode: ExecutionMode, hooks: BlockHooks = {}, options: ExecuteOptions = {}): Promise<BlockBuilder> {
    const prevRandao = ctx.prevRandao ?? prevRandaoFor(ctx);
    const evmBlock = createEvmBlock(common, { ...ctx, coinbase: ctx.feePool, prevRandao });
    const parentRoot = await vm.stateManager.getStateRoot(); // nothing to flush after the previous block
    const builder = new BlockBuilder(vm, common, ctx, mode, options.plainTransfers ?? true, prevRandao, evmBlock, parentRoot, hooks, options.contractCalls ?? true);
    await vm.stateManager.checkpoint();
    const env: BlockEnvironment = {
      ctx,
      async call(from, to, data, gasLimit) {
        const depth = checkpointDepth(vm.stateManager);
        try {
          const r = await vm.evm.runCall({ caller: new Address(from), origin: new Address(from), to: new Address(to), data, gasLimit, block: evmBlock });
          return { ok: r.execResult.exceptionError === undefined, gasUsed: r.execResult.executionGasUsed };
        } catch {
          await unwindTo(vm, depth); // an internal failure counts as a failed call that used all its gas
          return { ok: false, gasUsed: gasLimit };
        }
      },
    };
    try {
      await hooks.beginBlock?.(vm.stateManager as WorldState, env);
    } catch (err) {
      await vm.stateManager.revert();
      throw err;
    }
    return builder;
  }

  /** Transactions executed so far, in block order. */
  get transactions(): readonly ValidatedTx[] {
    return this.included;
  }

  /** Runs `candidates` in order. Build mode leaves out what cannot run; apply mode throws (then abort). */
  async add(candidates: Iterable<ValidatedTx>): Promise<void> {
    if (this.stage !== 'open') throw new ChainError('BLOCK_SEALED', 'transactions added to a sealed or aborted block', {}, 'internal');
    const { vm, ctx, mode } = this;
    const state = vm.stateManager;
    for (const tx of candidates) {
      if (tx.gasLimit > ctx.gasLimit - this.gasUsed) {
        if (mode === 'apply') throw new ChainError('BLOCK_GAS_EXCEEDED', `block gas limit exceeded by ${tx.hash}`);
        continue;
      }
      const account = await state.getAccount(senderAddress(tx));
      if ((account?.nonce ?? 0n) !== tx.nonce && mode === 'build') continue; // an earlier tx of this sender failed
      // the one check a paying transaction pays for; a price-0 one never reaches the plain-transfer path
      const sponsored = isSponsoredPrice(tx.maxFeePerGas, ctx.baseFeePerGas);
      const plain = this.plainTransfers && !sponsored ? await runPlainTransfer(state as WorldState, tx, ctx.baseFeePerGas, ctx.feePool) : undefined;
      if (plain !== undefined) {
        this.gasUsed += plain.gasUsed;
        this.include(tx, { gasUsed: plain.gasUsed, status: 1, logs: [], bloom: null, createdAddress: null });
        continue;
      }
      const called = this.callBlock !== undefined && !sponsored ? await runContractCall(state as WorldState, tx, this.callBlock) : undefined;
      if (called !== undefined) {
        this.gasUsed += called.gasUsed;
        this.include(tx, { ...called, createdAddress: null });
        continue;
      }
      let result: TxOutcome;
      const depth = checkpointDepth(state);
      try {
        result = sponsored
          ? await this.runSponsored(tx, depth)
          : outcomeOf(await runTx(vm, { tx: tx.tx, block: this.evmBlock, blockGasUsed: this.gasUsed, skipHardForkValidation: true }));
      } catch (err) {
        await unwindTo(vm, depth);
        if (mode === 'apply') throw new ChainError('INVALID_BLOCK_TX', `transaction ${tx.hash} cannot run: ${String(err)}`);
        this.rejected.push({ tx, reason: err instanceof Error ? err.message : String(err) });
        continue;
      }
      this.gasUsed += result.gasUsed;
      this.include(tx, result);
    }
  }

  /** Adds an executed transaction and its receipt (cumulative gas is the block's gas so far, this one included). */
  private include(tx: ValidatedTx, r: TxOutcome): void {
    this.included.push(tx);
    if (r.bloom !== null) this.bloom.or(r.bloom);
    const logs = r.logs.map((l) => [l.address, l.topics, l.data] as [Uint8Array, Uint8Array[], Uint8Array]);
    this.txTrie.push(tx.raw);
    this.receiptTrie.push(encodeConsensusReceipt(r.status, this.gasUsed, r.bloom?.bitvector ?? EMPTY_BLOOM, logs, tx.type));
    const receipt = toReceipt(tx, r, this.gasUsed, this.ctx.baseFeePerGas);
    this.receipts.push(receipt);
    this.receiptItems.push(encodeReceiptItem(receipt));
  }

  /**
   * Writes the account changes made so far into the trie (what the seal's state root would do for them), so
   * that sealing has only the rest to write. PERF: an executor with nothing else to do calls it between
   * batches; the seal's trie work then shrinks to the last batch (docs/performance.md). The result is the
   * same block: the trie holds the same values in the end, whatever the order they were written in.
   */
  async flushState(): Promise<void> {
    if (this.stage !== 'open') throw new ChainError('BLOCK_SEALED', 'state flushed in a sealed or aborted block', {}, 'internal');
    this.flushed = true;
    await (this.vm.stateManager as WorldState).flush();
    // the same for the transaction and receipt roots: the seal then only recomputes the subtrees added since
    this.txTrie.root();
    this.receiptTrie.root();
  }

  /**
   * A price-0 transaction whose gas its target's GasSponsor deposit pays (ADR 0016), run at base fee 0 so
   * the EVM charges the sender nothing. One that is not sponsored throws like any transaction that cannot
   * run: build mode leaves it out, apply mode finds the block invalid.
   */
  private async runSponsored(tx: ValidatedTx, depth: number): Promise<TxOutcome> {
    const { vm, ctx } = this;
    const block = (this.unpricedBlock ??= createEvmBlock(this.common, { ...ctx, coinbase: ctx.feePool, prevRandao: this.prevRandao, baseFeePerGas: 0n }));
    const run = async (): Promise<RunTxResult> => {
      try {
        return await runTx(vm, { tx: tx.tx, block, blockGasUsed: this.gasUsed, skipHardForkValidation: true });
      } catch (err) {
        await unwindTo(vm, depth); // before the deposit's reservation is undone in the block's own layer
        throw err;
      }
    };
    const fields = { to: tx.tx.to?.bytes, sender: tx.sender, gasLimit: tx.gasLimit };
    const { result, log } = await runSponsoredTx(vm.stateManager as WorldState, fields, { height: ctx.height, baseFee: ctx.baseFeePerGas }, run);
    const outcome = outcomeOf(result);
    const bloom = outcome.bloom ?? new Bloom(undefined, this.common);
    bloom.add(log.address);
    for (const topic of log.topics) bloom.add(topic);
    return { ...outcome, logs: [...outcome.logs, log], bloom };
  }

  /** Credits the fees and computes the roots, still inside the block's checkpoint: accept or abort next. */
  async seal(): Promise<ExecutedBlock> {
    if (this.stage !== 'open') throw new ChainError('BLOCK_SEALED', 'block sealed or aborted twice', {}, 'internal');
    const state = this.vm.stateManager;
    let stateRoot: Uint8Array;
    let validatorUpdates: Validator[];
    try {
      await creditBurnedFees(this.vm, this.ctx, this.gasUsed);
      validatorUpdates = (await this.hooks.endBlock?.(state as WorldState, this.ctx)) ?? [];
      stateRoot = await state.getStateRoot(); // flushes into the trie's checkpoint layer, so abort can still undo it
    } catch (err) {
      this.stage = 'done';
      await state.revert();
      if (this.flushed) await state.setStateRoot(this.parentRoot); // see abort
      throw err;
    }
    this.stage = 'sealed';
    return { ...assemble(this.ctx, this.prevRandao, stateRoot, this.gasUsed, this.included, this.receipts, { transactions: this.txTrie.root(), receipts: this.receiptTrie.root() }, this.bloom, this.rejected), encodedReceipts: joinReceiptItems(this.receiptItems), validatorUpdates };
  }

  /** The sealed block becomes the state's base; its new trie nodes reach the node store (to be written with it). */
  async accept(): Promise<void> {
    if (this.stage !== 'sealed') throw new ChainError('BLOCK_SEALED', 'only a sealed block can be accepted', {}, 'internal');
    this.stage = 'done';
    await this.vm.stateManager.commit();
  }

  /** Drops everything the block did to the state, sealed or not. */
  async abort(): Promise<void> {
    if (this.stage === 'done') return;
    const flushed = this.stage === 'sealed' || this.flushed;
    this.stage = 'done';
    const state = this.vm.stateManager;
    await state.revert();
    // sealing (or flushState) flushed the block's values out of @ethereumjs's caches, which then cannot undo
    // them exactly: go back to the parent's root explicitly (this also empties the caches)
    if (flushed) await state.setStateRoot(this.parentRoot);
  }
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

/**
 * The EVM burns base fee x gas; CyberMiles pays every fee to the fee pool, so the burn is credited back.
 * A sponsored transaction's gas was burned from its sponsor's deposit (sponsoredTx.ts): credited the same way.
 */
async function creditBurnedFees(vm: VM, ctx: BlockContext, gasUsed: bigint): Promise<void> {
  const amount = gasUsed * ctx.baseFeePerGas;
  if (amount === 0n) return;
  const pool = new Address(ctx.feePool);
  const account = (await vm.stateManager.getAccount(pool)) ?? new Account();
  account.balance += amount;
  await vm.stateManager.putAccount(pool, account);
}

function assemble(
  ctx: BlockContext,
  prevRandao: Uint8Array,
  stateRoot: Uint8Array,
  gasUsed: bigint,
  included: ValidatedTx[],
  receipts: Receipt[],
  roots: { transactions: Uint8Array; receipts: Uint8Array },
  bloom: Bloom,
  rejected: ExecutedBlock['rejected'],
): Omit<ExecutedBlock, 'validatorUpdates'> {
  const header: Header = {
    height: ctx.height,
    timestamp: ctx.timestamp,
    parentHash: ctx.parentHash,
    proposer: ctx.proposer,
    stateRoot,
    transactionsRoot: roots.transactions,
    receiptsRoot: roots.receipts,
    logsBloom: bloom.bitvector,
    gasUsed,
    gasLimit: ctx.gasLimit,
    baseFeePerGas: ctx.baseFeePerGas,
    prevRandao,
    validatorsHash: ctx.validatorsHash,
    lastCommitHash: ctx.lastCommit === null ? new Uint8Array(32) : keccak256(encodeCommit(ctx.lastCommit)),
    evidenceHash: hashEvidence(ctx.evidence ?? []),
  };
  return { header, transactions: included, receipts, rejected };
}

const EMPTY_BLOOM = new Uint8Array(256);

function toReceipt(tx: ValidatedTx, r: TxOutcome, cumulativeGasUsed: bigint, baseFee: bigint): Receipt {
  return {
    txType: tx.type,
    status: r.status,
    cumulativeGasUsed,
    gasUsed: r.gasUsed,
    effectiveGasPrice: effectiveGasPrice(tx, baseFee),
    from: senderAddress(tx).bytes,
    contractAddress: r.createdAddress,
    logs: r.logs,
  };
}

