/**
 * Installed filters (eth_newFilter, eth_newBlockFilter, eth_newPendingTransactionFilter) polled with
 * eth_getFilterChanges. Filters not polled for five minutes are removed, as in geth.
 */
import { randomBytes } from 'node:crypto';
import { bytesToHex } from '../primitives/index.ts';
import type { Hex } from '../primitives/index.ts';
import type { Block, Receipt } from '../types/index.ts';
import type { RpcBackend } from './backend.ts';
import { RpcCode, RpcError } from './errors.ts';
import type { Json } from './format.ts';
import type { LogCriteria } from './logFilter.ts';
import { blockLogs, logsInRange, parseLogCriteria } from './logFilter.ts';
import { resolveHeight } from './params.ts';

type Filter =
  | { kind: 'logs'; criteria: LogCriteria; raw: Record<string, unknown>; toBlock: bigint | undefined; changes: Json[]; lastPollMs: number }
  | { kind: 'blocks'; changes: Hex[]; lastPollMs: number }
  | { kind: 'pendingTxs'; changes: Hex[]; lastPollMs: number };

const FILTER_TIMEOUT_MS = 5 * 60_000;
const MAX_BUFFERED = 10_000;

export class FilterRegistry {
  private readonly filters = new Map<string, Filter>();
  private readonly backend: RpcBackend;
  private readonly nowMs: () => number;

  constructor(backend: RpcBackend, nowMs: () => number) {
    this.backend = backend;
    this.nowMs = nowMs;
  }

  private add(filter: Filter): Hex {
    this.expire();
    const id = bytesToHex(randomBytes(16));
    this.filters.set(id, filter);
    return id;
  }

  newLogFilter(raw: Record<string, unknown>): Hex {
    const criteria = parseLogCriteria(raw);
    const toBlock = raw.toBlock == null || raw.toBlock === 'latest' || raw.toBlock === 'pending' ? undefined : resolveHeight(raw.toBlock, this.backend);
    return this.add({ kind: 'logs', criteria, raw, toBlock, changes: [], lastPollMs: this.nowMs() });
  }

  newBlockFilter(): Hex {
    return this.add({ kind: 'blocks', changes: [], lastPollMs: this.nowMs() });
  }

  newPendingTxFilter(): Hex {
    return this.add({ kind: 'pendingTxs', changes: [], lastPollMs: this.nowMs() });
  }

  uninstall(id: string): boolean {
    return this.filters.delete(id.toLowerCase());
  }

  changes(id: string): unknown[] {
    const f = this.get(id);
    f.lastPollMs = this.nowMs();
    const out = f.changes;
    f.changes = [];
    return out;
  }

  logs(id: string): Json[] {
    const f = this.get(id);
    if (f.kind !== 'logs') throw new RpcError(RpcCode.INVALID_PARAMS, 'filter is not a log filter');
    f.lastPollMs = this.nowMs();
    const from = resolveHeight(f.raw.fromBlock ?? 'latest', this.backend);
    const head = this.backend.head().header.height;
    return logsInRange(f.criteria, from, f.toBlock ?? head, this.backend);
  }

  onBlock(block: Block, receipts: () => Receipt[]): void {
    for (const f of this.filters.values()) {
      if (f.kind === 'blocks') push(f.changes, bytesToHex(block.hash));
      else if (f.kind === 'logs' && (f.toBlock === undefined || block.header.height <= f.toBlock)) {
        for (const log of blockLogs(f.criteria, block, receipts())) push(f.changes, log);
      }
    }
  }

  onPendingTx(hash: Hex): void {
    for (const f of this.filters.values()) if (f.kind === 'pendingTxs') push(f.changes, hash);
  }

  private get(id: string): Filter {
    const f = this.filters.get(String(id).toLowerCase());
    if (f === undefined) throw new RpcError(RpcCode.SERVER, 'filter not found');
    return f;
  }

  private expire(): void {
    const now = this.nowMs();
    for (const [id, f] of this.filters) if (now - f.lastPollMs > FILTER_TIMEOUT_MS) this.filters.delete(id);
  }
}

function push<T>(list: T[], item: T): void {
  if (list.length >= MAX_BUFFERED) list.shift(); // a filter nobody polls must not grow without bound
  list.push(item);
}

