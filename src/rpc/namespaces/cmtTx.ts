/**
 * cmt_ chain reads and raw submission in CyberMiles' shapes (reference §6.1), over the eth_ formatters:
 * blocks with raw or decoded transactions, a transaction with its `cmtHash` (one hash here: CyberMiles'
 * second, Tendermint hash existed only because it had two layers) and its deliver_tx-like `txResult`,
 * decoding of raw transactions, and the validators' consecutive absences that slashing counts.
 */
import { parseData, parseQuantity, toQuantity } from '../../encoding/index.ts';
import { decodeTransaction } from '../../evm/index.ts';
import { bytesToHex } from '../../primitives/index.ts';
import type { Hex } from '../../primitives/index.ts';
import { LISTS_VIEW } from '../../staking/index.ts';
import type { Block } from '../../types/index.ts';
import type { RpcBackend } from '../backend.ts';
import { invalidParams } from '../errors.ts';
import { formatBlock, formatTx } from '../format.ts';
import type { Json } from '../format.ts';
import type { HandlerTable } from '../params.ts';
import { findBlock, requireParam } from '../params.ts';
import { txOutcome } from './cmtCommit.ts';
import { stakingQuery } from './cmtShared.ts';
import { blockJson, locate, txAt } from './ethBlocks.ts';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const cmtTxHandlers: HandlerTable = {
  /** Admits a signed transaction as eth_sendRawTransaction does; `{hash}` as the original answered. */
  async cmt_sendRawTx(params, backend) {
    const raw = parseData(requireParam(params, 0, 'transaction'), 'transaction');
    return { hash: await backend.submitTransaction(raw) };
  },
  /** The block in eth_ form; its transactions as raw hex, or (decodeTx) as transaction objects. */
  cmt_getBlockByNumber(params, backend) {
    const block = findBlock(heightParam(requireParam(params, 0, 'height')), backend);
    if (block === undefined) return null;
    return params[1] === true ? blockJson(block, true, backend) : formatBlock(block, block.transactions.map((raw) => bytesToHex(raw)));
  },
  /** A committed transaction with its result, or one waiting in the pool (no result yet); null if unknown. */
  async cmt_getTransactionByHash(params, backend) {
    const hash = requireParam(params, 0, 'transaction hash');
    const found = locate(hash, backend);
    if (found !== undefined) return withResult(backend, found.block, found.index);
    const pending = backend.pool.get(String(hash).toLowerCase() as Hex);
    return pending === undefined ? null : { ...formatTx(pending.tx, pending.sender, undefined), cmtHash: pending.hash };
  },
  async cmt_getTransactionFromBlock(params, backend) {
    const block = findBlock(heightParam(requireParam(params, 0, 'height')), backend);
    const index = Number(countParam(requireParam(params, 1, 'index'), 'index'));
    if (block === undefined || index >= block.transactions.length) return null;
    return withResult(backend, block, index);
  },
  /** Signed transactions (0x hex, or base64 as CyberMiles' blocks carried them) as transaction objects. */
  cmt_decodeRawTxs(params, backend) {
    const list = requireParam(params, 0, 'transactions');
    if (!Array.isArray(list)) throw invalidParams('expected a list of raw transactions (hex or base64)');
    return list.map((item, i) => decodeRaw(item, `transactions[${i}]`, backend));
  },
  /** Validators with consecutive missed blocks: `{Validators: {<base64 consensus key>: {Count, LastBlockHeight}}}`. */
  async cmt_queryAbsentValidators(params, backend) {
    const { height, data } = await stakingQuery(backend, params[0], async (store) => {
      const absent: Array<[string, bigint]> = [];
      for (const owner of await store.listAll(LISTS_VIEW.validators)) {
        const missed = await store.get(LISTS_VIEW.missedBlocks(owner));
        if (missed > 0n) absent.push([Buffer.from(await store.fixed(LISTS_VIEW.validatorKey(owner), 32)).toString('base64'), missed]);
      }
      return absent;
    });
    // every block either resets a member's count or adds one to it: a count above 0 grew at this very block
    const entries = data.map(([key, count]) => [key, { Count: Number(count), LastBlockHeight: height }]);
    return { height, data: { Validators: Object.fromEntries(entries) } };
  },
};

/** CyberMiles passed heights as JSON integers; hex quantities and tags work as in eth_. */
function heightParam(value: unknown): unknown {
  return typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value)) ? toQuantity(countParam(value, 'height')) : value;
}

function countParam(value: unknown, name: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  return parseQuantity(value, name);
}

async function withResult(backend: RpcBackend, block: Block, index: number): Promise<Json> {
  const tx = txAt(block, toQuantity(index), backend) as Json;
  const receipt = backend.store.receipts(block.header.height)?.[index];
  if (receipt === undefined) return { ...tx, cmtHash: tx.hash };
  const { code, log, gasUsed } = await txOutcome(backend, block, index, receipt);
  return { ...tx, cmtHash: tx.hash, txResult: { code, log, gasUsed } };
}

function decodeRaw(item: unknown, name: string, backend: RpcBackend): Json {
  let raw: Uint8Array;
  if (typeof item === 'string' && item.startsWith('0x')) raw = parseData(item, name);
  else if (typeof item === 'string' && item !== '' && BASE64.test(item)) raw = new Uint8Array(Buffer.from(item, 'base64'));
  else throw invalidParams(`invalid ${name}: expected 0x hex or base64`);
  try {
    const tx = decodeTransaction(raw, backend.txCommon);
    return { ...formatTx(tx, tx.getSenderAddress().toString() as Hex, undefined), cmtHash: bytesToHex(tx.hash()) };
  } catch (err) {
    throw invalidParams(`invalid ${name}: not a signed transaction of this chain (${err instanceof Error ? err.message : String(err)})`);
  }
}
