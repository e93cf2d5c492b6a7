/**
 * Tracing by re-execution, as geth does: a committed transaction is traced by running its block again
 * on the parent block's state (the earlier transactions untraced, in the environment the block had),
 * and a call request is traced on the state at a block. Nothing is written back: the replay runs inside
 * a checkpoint that is reverted.
 *
 * The block environment is rebuilt from the stored header (number, timestamp, gas limit, base fee,
 * prevRandao) with the fee pool as coinbase, as executeBlock had it. The base fee is credited to the fee
 * pool only after a block's last transaction (executeBlock's creditBurnedFees), so no transaction of the
 * block sees it and the replay needs no credit. Senders come from the stored receipts, which also covers
 * dev-mode impersonated transactions whose signatures are placeholders.
 *
 * Dev-mode state edits (hardhat_setBalance and friends) ran in the block's beginBlock and are not stored,
 * so a block that had them replays without them. So that such a replay still produces a trace, balance
 * and nonce checks are skipped; they cannot change a replay of a block without edits, whose transactions
 * all passed those checks when the block was built.
 */
import { createTxFromRLP } from '@ethereumjs/tx';
import { Address } from '@ethereumjs/util';
import type { BlockEnv, Common, RunTxResult, TypedTransaction, VM } from '../../evm/index.ts';
import { createEvmBlock, runTx } from '../../evm/index.ts';
import { FEE_POOL_ADDRESS } from '../../params/index.ts';
import { bytesToHex, hexToBytes } from '../../primitives/index.ts';
import type { Hex } from '../../primitives/index.ts';
import { keccak256 } from '../../crypto/index.ts';
import type { WorldState } from '../../state/index.ts';
import type { Block, Header, Receipt } from '../../types/index.ts';
import { runCall } from '../simulateCall.ts';
import { isSponsoredPrice, runSponsoredTx } from '../extensions/sponsoredTx.ts';
import type { CallRequest } from '../simulateCall.ts';
import { createCallTracer } from './callTracer.ts';
import type { CallFrame, CallTracerConfig } from './callTracer.ts';
import { blockNotFound, replayFailed, txNotFound } from './errors.ts';
import { createStructLogger } from './structLogger.ts';
import type { StructLoggerConfig, StructLoggerResult } from './structLogger.ts';
import type { TxTracer } from './tracer.ts';
import { withTracer } from './tracer.ts';

/** The tracers there are, by the name clients ask for them (no name: the struct logger). */
export const TRACER_NAMES = ['structLogger', 'callTracer'] as const;

export type TracerSpec =
  | { tracer: 'structLogger'; config: StructLoggerConfig }
  | { tracer: 'callTracer'; config: CallTracerConfig };

export type TraceResult = StructLoggerResult | CallFrame;

export interface BlockTraceEntry {
  txHash: Hex;
  result: TraceResult;
}

/** The chain reads tracing needs (the RPC backend has them). */
export interface TraceStore {
  blockByHeight(height: bigint): Block | undefined;
  heightByHash(hash: Uint8Array): bigint | undefined;
  receipts(height: bigint): Receipt[] | undefined;
  txLocation(hash: Uint8Array): { height: bigint; index: number } | undefined;
}

export interface TraceDeps {
  readonly common: Common;
  readonly txCommon: Common;
  readonly store: TraceStore;
  /** A fresh, isolated world state at a committed height. */
  stateAt(height: bigint): WorldState;
  vmAt(height: bigint, state: WorldState): Promise<VM>;
}

/** Where and how a traced call runs: the state after block `height`, in environment `env`. */
export interface CallSite {
  height: bigint;
  env: BlockEnv;
  gasLimit: bigint;
}

export function createTracer(spec: TracerSpec): TxTracer<TraceResult> {
  return spec.tracer === 'callTracer' ? createCallTracer(spec.config) : createStructLogger(spec.config);
}

export async function traceTransaction(deps: TraceDeps, txHash: Uint8Array, spec: TracerSpec): Promise<TraceResult> {
  const loc = deps.store.txLocation(txHash);
  const block = loc === undefined ? undefined : deps.store.blockByHeight(loc.height);
  if (loc === undefined || block === undefined) throw txNotFound(bytesToHex(txHash));
  const traces = await replayBlock(deps, block, loc.index, (i) => (i === loc.index ? createTracer(spec) : undefined));
  const entry = traces[0];
  if (entry === undefined) throw replayFailed('the traced transaction produced no trace', { hash: bytesToHex(txHash) });
  return entry.result;
}

/** Every transaction of the block at `height`, each with its own tracer. */
export async function traceBlockByNumber(deps: TraceDeps, height: bigint, spec: TracerSpec): Promise<BlockTraceEntry[]> {
  const block = deps.store.blockByHeight(height);
  if (block === undefined) throw blockNotFound(`#${height}`);
  return replayBlock(deps, block, block.transactions.length - 1, () => createTracer(spec));
}

export async function traceBlockByHash(deps: TraceDeps, hash: Uint8Array, spec: TracerSpec): Promise<BlockTraceEntry[]> {
  const height = deps.store.heightByHash(hash);
  if (height === undefined) throw blockNotFound(bytesToHex(hash));
  return traceBlockByNumber(deps, height, spec);
}

/** debug_traceCall: the call runs like eth_call (nothing is kept) with the tracer attached. */
export async function traceCall(deps: TraceDeps, req: CallRequest, site: CallSite, spec: TracerSpec): Promise<TraceResult> {
  const state = deps.stateAt(site.height);
  const vm = await deps.vmAt(site.height, state);
  const tracer = createTracer(spec);
  const outcome = await withTracer(vm, tracer, () => runCall(vm, deps.txCommon, site.env, req, site.gasLimit));
  return tracer.finish({ gasLimit: site.gasLimit, gasUsed: outcome.gasUsed });
}

/** The environment a committed block's transactions ran in (see executeBlock). */
export function blockEnvOf(header: Header): BlockEnv {
  return {
    height: header.height,
    timestamp: header.timestamp,
    coinbase: hexToBytes(FEE_POOL_ADDRESS),
    gasLimit: header.gasLimit,
    baseFeePerGas: header.baseFeePerGas,
    prevRandao: header.prevRandao,
  };
}

/**
 * Runs the block's transactions 0..`last` on its parent state and returns the traces of those for which
 * `tracerFor` gives a tracer.
 */
async function replayBlock(
  deps: TraceDeps,
  block: Block,
  last: number,
  tracerFor: (index: number) => TxTracer<TraceResult> | undefined,
): Promise<BlockTraceEntry[]> {
  const height = block.header.height;
  if (height === 0n || last < 0) return [];
  const receipts = deps.store.receipts(height);
  if (receipts === undefined || receipts.length !== block.transactions.length) {
    throw replayFailed(`receipts of block ${height} are missing`, { height: height.toString() });
  }
  const state = deps.stateAt(height - 1n);
  const vm = await deps.vmAt(height - 1n, state);
  const evmBlock = createEvmBlock(deps.common, blockEnvOf(block.header));
  const baseFee = block.header.baseFeePerGas;
  const unpricedBlock = createEvmBlock(deps.common, { ...blockEnvOf(block.header), baseFeePerGas: 0n });
  const out: BlockTraceEntry[] = [];
  let blockGasUsed = 0n;
  await state.checkpoint();
  try {
    for (let i = 0; i <= last; i++) {
      const raw = block.transactions[i] as Uint8Array;
      const tx = decodeReplayTx(raw, (receipts[i] as Receipt).from, deps.txCommon);
      const tracer = tracerFor(i);
      const runIn = (b: typeof evmBlock): Promise<RunTxResult> =>
        runTx(vm, { tx, block: b, blockGasUsed, skipHardForkValidation: true, skipBalance: true, skipNonce: true });
      // a sponsored transaction ran at base fee 0 with its sponsor's deposit paying, as executeBlock runs it
      const sponsored = isSponsoredPrice('maxFeePerGas' in tx ? tx.maxFeePerGas : tx.gasPrice, baseFee);
      const fields = { to: tx.to?.bytes, sender: bytesToHex((receipts[i] as Receipt).from), gasLimit: tx.gasLimit };
      const run = sponsored
        ? async (): Promise<RunTxResult> => (await runSponsoredTx(state, fields, { height, baseFee }, () => runIn(unpricedBlock))).result
        : () => runIn(evmBlock);
      let result: RunTxResult;
      try {
        result = tracer === undefined ? await run() : await withTracer(vm, tracer, run);
      } catch (err) {
        throw replayFailed(`transaction ${i} of block ${height} cannot run again: ${err instanceof Error ? err.message : String(err)}`, {
          height: height.toString(),
          index: i,
        });
      }
      blockGasUsed += result.totalGasSpent;
      if (tracer !== undefined) {
        out.push({ txHash: bytesToHex(keccak256(raw)), result: tracer.finish({ gasLimit: tx.gasLimit, gasUsed: result.totalGasSpent }) });
      }
    }
  } finally {
    await state.revert();
  }
  return out;
}

/**
 * Decodes a stored transaction whose sender is the one its receipt recorded. Unlike decodeTransaction the
 * object is not frozen, so the sender can be fixed on it: impersonated dev transactions carry placeholder
 * signatures that recover to no real key (and every other sender is saved an ecrecover).
 */
function decodeReplayTx(raw: Uint8Array, from: Uint8Array, txCommon: Common): TypedTransaction {
  const tx = createTxFromRLP(raw, { common: txCommon, freeze: false });
  const sender = new Address(from);
  Object.assign(tx, { getSenderAddress: () => sender });
  return tx;
}
