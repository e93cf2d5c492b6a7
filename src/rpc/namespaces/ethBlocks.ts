/** eth_ chain reads: blocks, transactions, receipts, fees, client status. */
import { parseHash, parseQuantity, toQuantity } from '../../encoding/index.ts';
import { FEE_POOL_ADDRESS } from '../../params/index.ts';
import { bytesToHex } from '../../primitives/index.ts';
import type { Hex } from '../../primitives/index.ts';
import { blockTxHashes } from '../../types/index.ts';
import type { Block } from '../../types/index.ts';
import type { RpcBackend } from '../backend.ts';
import { invalidParams } from '../errors.ts';
import { decodeBlockTx, formatBlock, formatReceipt, formatTx } from '../format.ts';
import type { Json } from '../format.ts';
import type { HandlerTable } from '../params.ts';
import { findBlock, isVisible, requireParam, resolveHeight } from '../params.ts';

/** A block in eth_ form, with transaction hashes or (fullTxs) transaction objects; shared with cmt_ reads. */
export function blockJson(block: Block | undefined, fullTxs: unknown, backend: RpcBackend): Json | null {
  if (block === undefined) return null;
  if (fullTxs !== true) return formatBlock(block, [...blockTxHashes(block)]);
  const receipts = backend.store.receipts(block.header.height) ?? [];
  const txs = block.transactions.map((_, i) =>
    formatTx(decodeBlockTx(block, i, backend.txCommon), bytesToHex(receipts[i]?.from ?? new Uint8Array(20)), { block, index: i }),
  );
  return formatBlock(block, txs);
}

function blockByHashParam(params: unknown[], backend: RpcBackend): Block | undefined {
  const height = backend.store.heightByHash(parseHash(requireParam(params, 0, 'block hash'), 'block hash'));
  return height === undefined || !isVisible(height, backend) ? undefined : backend.store.blockByHeight(height);
}

export function txAt(block: Block | undefined, indexParam: unknown, backend: RpcBackend): Json | null {
  if (block === undefined) return null;
  const index = Number(parseQuantity(indexParam, 'index'));
  if (index >= block.transactions.length) return null;
  const from = backend.store.receipts(block.header.height)?.[index]?.from ?? new Uint8Array(20);
  return formatTx(decodeBlockTx(block, index, backend.txCommon), bytesToHex(from), { block, index });
}

export function locate(hashParam: unknown, backend: RpcBackend): { block: Block; index: number } | undefined {
  const loc = backend.store.txLocation(parseHash(hashParam, 'transaction hash'));
  if (loc === undefined || !isVisible(loc.height, backend)) return undefined;
  const block = backend.store.blockByHeight(loc.height);
  return block === undefined ? undefined : { block, index: loc.index };
}

function receiptsOf(block: Block, backend: RpcBackend): Json[] {
  const receipts = backend.store.receipts(block.header.height) ?? [];
  return block.transactions.map((_, i) => formatReceipt(block, receipts, i, backend.common));
}

export const ethBlockHandlers: HandlerTable = {
  eth_chainId: (_p, backend) => toQuantity(backend.chainId),
  eth_blockNumber: (_p, backend) => toQuantity(backend.head().header.height),
  eth_syncing: () => false,
  eth_mining: () => true,
  eth_hashrate: () => '0x0',
  eth_coinbase: () => FEE_POOL_ADDRESS,
  eth_accounts: (_p, backend) => backend.accounts(),
  eth_protocolVersion: () => '0x41',
  eth_gasPrice: (_p, backend) => toQuantity(backend.minGasPriceWei),
  // blocks are not full and the base fee is the chain's minimum price: no tip is needed to get in
  eth_maxPriorityFeePerGas: () => '0x0',
  eth_blobBaseFee: () => '0x1',
  eth_getBlockByNumber: (params, backend) => blockJson(findBlock(requireParam(params, 0, 'block'), backend), params[1], backend),
  eth_getBlockByHash: (params, backend) => blockJson(blockByHashParam(params, backend), params[1], backend),
  eth_getBlockTransactionCountByNumber(params, backend) {
    const block = findBlock(requireParam(params, 0, 'block'), backend);
    return block === undefined ? null : toQuantity(block.transactions.length);
  },
  eth_getBlockTransactionCountByHash(params, backend) {
    const block = blockByHashParam(params, backend);
    return block === undefined ? null : toQuantity(block.transactions.length);
  },
  eth_getUncleCountByBlockNumber: () => '0x0',
  eth_getUncleCountByBlockHash: () => '0x0',
  eth_getUncleByBlockNumberAndIndex: () => null,
  eth_getUncleByBlockHashAndIndex: () => null,
  eth_getTransactionByBlockNumberAndIndex: (params, backend) =>
    txAt(findBlock(requireParam(params, 0, 'block'), backend), requireParam(params, 1, 'index'), backend),
  eth_getTransactionByBlockHashAndIndex: (params, backend) =>
    txAt(blockByHashParam(params, backend), requireParam(params, 1, 'index'), backend),
  eth_getTransactionByHash(params, backend) {
    const hash = requireParam(params, 0, 'transaction hash');
    const found = locate(hash, backend);
    if (found !== undefined) return txAt(found.block, toQuantity(found.index), backend);
    const pending = backend.pool.get((hash as string).toLowerCase() as Hex);
    return pending === undefined ? null : formatTx(pending.tx, pending.sender, undefined);
  },
  eth_getTransactionReceipt(params, backend) {
    const found = locate(requireParam(params, 0, 'transaction hash'), backend);
    if (found === undefined) return null;
    const receipts = backend.store.receipts(found.block.header.height) ?? [];
    return formatReceipt(found.block, receipts, found.index, backend.common);
  },
  eth_getBlockReceipts(params, backend) {
    const block = findBlock(requireParam(params, 0, 'block'), backend);
    return block === undefined ? null : receiptsOf(block, backend);
  },
  eth_feeHistory(params, backend) {
    const count = Number(parseQuantity(requireParam(params, 0, 'blockCount'), 'blockCount'));
    if (count < 1 || count > 1024) throw invalidParams('blockCount must be between 1 and 1024');
    const newest = resolveHeight(requireParam(params, 1, 'newestBlock'), backend);
    const percentiles = params[2] === undefined || params[2] === null ? undefined : (params[2] as number[]);
    if (percentiles !== undefined && (!Array.isArray(percentiles) || percentiles.some((p, i) => typeof p !== 'number' || p < 0 || p > 100 || (i > 0 && p < (percentiles[i - 1] as number))))) {
      throw invalidParams('rewardPercentiles must be an increasing list of numbers in [0, 100]');
    }
    const oldest = newest - BigInt(count) + 1n < 0n ? 0n : newest - BigInt(count) + 1n;
    const baseFees: Hex[] = [];
    const ratios: number[] = [];
    const rewards: Hex[][] = [];
    for (let h = oldest; h <= newest; h++) {
      const block = backend.store.blockByHeight(h) as Block;
      baseFees.push(toQuantity(block.header.baseFeePerGas));
      ratios.push(Number(block.header.gasUsed) / Number(block.header.gasLimit));
      if (percentiles !== undefined) rewards.push(blockRewards(block, percentiles, backend));
    }
    baseFees.push(toQuantity(backend.minGasPriceWei)); // the next block's base fee
    const out: Json = {
      oldestBlock: toQuantity(oldest),
      baseFeePerGas: baseFees,
      gasUsedRatio: ratios,
      baseFeePerBlobGas: baseFees.map(() => '0x1'), // no blobs are ever included: the minimum blob base fee
      blobGasUsedRatio: ratios.map(() => 0),
    };
    if (percentiles !== undefined) out.reward = rewards;
    return out;
  },
};

/** Effective tips at the given percentiles of gas used in the block (geth's method). */
function blockRewards(block: Block, percentiles: number[], backend: RpcBackend): Hex[] {
  const receipts = backend.store.receipts(block.header.height) ?? [];
  if (receipts.length === 0) return percentiles.map(() => '0x0');
  const items = receipts
    .map((r) => ({ tip: r.effectiveGasPrice - block.header.baseFeePerGas, gas: r.gasUsed }))
    .sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0));
  const total = Number(block.header.gasUsed);
  return percentiles.map((p) => {
    const threshold = (total * p) / 100;
    let sum = 0;
    for (const item of items) {
      sum += Number(item.gas);
      if (sum >= threshold) return toQuantity(item.tip);
    }
    return toQuantity(items[items.length - 1]?.tip ?? 0n);
  });
}
