/**
 * Log filters (eth_getLogs, eth_newFilter, logs subscriptions): address and positional topic criteria,
 * with the header bloom used to skip blocks that cannot match.
 */
import { Bloom } from '@ethereumjs/vm';
import type { Common } from '../evm/index.ts';
import { parseAddress, parseHash } from '../encoding/index.ts';
import { equalBytes } from '../primitives/index.ts';
import type { Hex } from '../primitives/index.ts';
import { blockTxHashes } from '../types/index.ts';
import type { Block, Log, Receipt } from '../types/index.ts';
import type { RpcBackend } from './backend.ts';
import { RpcCode, RpcError, invalidParams } from './errors.ts';
import { RawJson, formatLog } from './format.ts';
import type { Json } from './format.ts';
import { resolveHeight } from './params.ts';

export interface LogCriteria {
  addresses: Uint8Array[]; // empty = any
  topics: Array<Uint8Array[] | null>; // null = any at that position
}

export const MAX_LOG_RANGE = 10_000n;
export const MAX_LOG_RESULTS = 10_000;

export function parseLogCriteria(f: Record<string, unknown>): LogCriteria {
  const addresses = f.address == null ? [] : Array.isArray(f.address) ? f.address.map((a) => parseAddress(a)) : [parseAddress(f.address)];
  if (f.topics != null && !Array.isArray(f.topics)) throw invalidParams('topics must be an array');
  const topics = ((f.topics as unknown[] | undefined) ?? []).map((t) =>
    t == null ? null : Array.isArray(t) ? t.map((x) => parseHash(x, 'topic')) : [parseHash(t, 'topic')],
  );
  if (topics.length > 4) throw invalidParams('too many topics: at most 4 positions');
  return { addresses, topics };
}

export function matchesLog(c: LogCriteria, address: Uint8Array, topics: Uint8Array[]): boolean {
  if (c.addresses.length > 0 && !c.addresses.some((a) => equalBytes(a, address))) return false;
  if (c.topics.length > topics.length) return false;
  return c.topics.every((want, i) => want === null || want.some((t) => equalBytes(t, topics[i] as Uint8Array)));
}

function bloomMayMatch(c: LogCriteria, block: Block, common: Common): boolean {
  const bloom = new Bloom(block.header.logsBloom, common);
  if (c.addresses.length > 0 && !c.addresses.some((a) => bloom.check(a))) return false;
  return c.topics.every((want) => want === null || want.some((t) => bloom.check(t)));
}

/**
 * Calls `fn` for each log of the block that matches `c`, with its transaction's hash, index and its index in the
 * block. The block's transaction hashes are made once per block object, and only if a log matches.
 */
function forEachMatchingLog(c: LogCriteria, block: Block, receipts: Receipt[], fn: (log: Log, txHash: Hex, txIndex: number, logIndex: number) => void): void {
  let logIndex = 0;
  let txHashes: readonly Hex[] | undefined;
  for (let txIndex = 0; txIndex < receipts.length; txIndex++) {
    for (const log of (receipts[txIndex] as Receipt).logs) {
      if (matchesLog(c, log.address, log.topics)) {
        txHashes ??= blockTxHashes(block);
        fn(log, txHashes[txIndex] as Hex, txIndex, logIndex);
      }
      logIndex++;
    }
  }
}

/** Matching logs of one block, formatted. */
export function blockLogs(c: LogCriteria, block: Block, receipts: Receipt[]): Json[] {
  const out: Json[] = [];
  forEachMatchingLog(c, block, receipts, (log, txHash, txIndex, logIndex) => out.push(formatLog(log, block, txHash, txIndex, logIndex)));
  return out;
}

/**
 * The JSON text of each log of a block, by its index in the block, made when first asked for. PERF: dapps poll
 * eth_getLogs over the same blocks again and again, and serializing the log objects was most of what each query
 * cost the JSON-RPC thread. Committed logs never change; the texts go with the block object (chainStore keeps the
 * recent ones).
 */
const logTexts = new WeakMap<Block, Array<string | undefined>>();

function blockLogTexts(c: LogCriteria, block: Block, receipts: Receipt[], out: string[]): void {
  let texts = logTexts.get(block);
  if (texts === undefined) logTexts.set(block, (texts = []));
  const cache = texts;
  forEachMatchingLog(c, block, receipts, (log, txHash, txIndex, logIndex) => {
    let text = cache[logIndex];
    if (text === undefined) cache[logIndex] = text = JSON.stringify(formatLog(log, block, txHash, txIndex, logIndex));
    out.push(text);
  });
}

/** eth_getLogs: the matching logs of a block range or of one block, as the JSON text of the result. */
export function queryLogs(f: Record<string, unknown>, backend: RpcBackend): RawJson {
  const c = parseLogCriteria(f);
  let from: bigint;
  let to: bigint;
  if (f.blockHash != null) {
    if (f.fromBlock != null || f.toBlock != null) throw invalidParams('cannot specify both blockHash and fromBlock/toBlock');
    from = to = resolveHeight({ blockHash: f.blockHash }, backend);
  } else {
    from = rangeEnd(f.fromBlock, backend);
    to = rangeEnd(f.toBlock, backend);
  }
  if (from > to) throw invalidParams(`invalid block range: fromBlock ${from} is after toBlock ${to}`);
  if (to - from >= MAX_LOG_RANGE) throw new RpcError(RpcCode.LIMIT_EXCEEDED, `block range too large: at most ${MAX_LOG_RANGE} blocks per query`);
  const texts: string[] = [];
  eachBlockInRange(c, from, to, backend, (block, receipts) => blockLogTexts(c, block, receipts, texts), () => texts.length);
  return new RawJson(`[${texts.join(',')}]`);
}

/** A log range end; one beyond the head is a bad request, not a missing resource (as geth answers). */
function rangeEnd(tag: unknown, backend: RpcBackend): bigint {
  try {
    return resolveHeight(tag ?? 'latest', backend);
  } catch (err) {
    if (err instanceof RpcError && err.code === RpcCode.RESOURCE_NOT_FOUND) throw invalidParams(`invalid block range: ${err.message}`);
    throw err;
  }
}

export function logsInRange(c: LogCriteria, from: bigint, to: bigint, backend: RpcBackend): Json[] {
  const out: Json[] = [];
  eachBlockInRange(c, from, to, backend, (block, receipts) => out.push(...blockLogs(c, block, receipts)), () => out.length);
  return out;
}

/** Calls `fn` for each block of the range whose bloom may match; `count` says how many results there are so far. */
function eachBlockInRange(c: LogCriteria, from: bigint, to: bigint, backend: RpcBackend, fn: (block: Block, receipts: Receipt[]) => void, count: () => number): void {
  for (let h = from; h <= to; h++) {
    const block = backend.store.blockByHeight(h);
    if (block === undefined || block.transactions.length === 0 || !bloomMayMatch(c, block, backend.common)) continue;
    fn(block, backend.store.receipts(h) ?? []);
    if (count() > MAX_LOG_RESULTS) throw new RpcError(RpcCode.LIMIT_EXCEEDED, `query returned more than ${MAX_LOG_RESULTS} results; narrow the block range`);
  }
}
