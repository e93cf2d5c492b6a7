/** eth_subscribe over WebSocket: newHeads, logs and newPendingTransactions. */
import { randomBytes } from 'node:crypto';
import { bytesToHex } from '../primitives/index.ts';
import type { Hex } from '../primitives/index.ts';
import type { Block, Receipt } from '../types/index.ts';
import type { RpcBackend } from './backend.ts';
import { invalidParams } from './errors.ts';
import { formatBlock, formatTx } from './format.ts';
import type { LogCriteria } from './logFilter.ts';
import { blockLogs, parseLogCriteria } from './logFilter.ts';

type Subscription =
  | { kind: 'newHeads' }
  | { kind: 'logs'; criteria: LogCriteria }
  | { kind: 'newPendingTransactions'; full: boolean };

export type Notify = (subscription: Hex, result: unknown) => void;

/** The subscriptions of one WebSocket connection. */
export class SubscriptionSet {
  private readonly subs = new Map<Hex, Subscription>();
  private readonly notify: Notify;
  private readonly backend: RpcBackend;

  constructor(backend: RpcBackend, notify: Notify) {
    this.backend = backend;
    this.notify = notify;
  }

  subscribe(params: unknown[]): Hex {
    const kind = params[0];
    let sub: Subscription;
    if (kind === 'newHeads') sub = { kind };
    else if (kind === 'logs') sub = { kind, criteria: parseLogCriteria((params[1] ?? {}) as Record<string, unknown>) };
    else if (kind === 'newPendingTransactions') sub = { kind, full: params[1] === true };
    else throw invalidParams(`unsupported subscription type ${JSON.stringify(kind)}: use newHeads, logs or newPendingTransactions`);
    const id = bytesToHex(randomBytes(16));
    this.subs.set(id, sub);
    return id;
  }

  unsubscribe(id: unknown): boolean {
    return typeof id === 'string' && this.subs.delete(id.toLowerCase() as Hex);
  }

  get size(): number {
    return this.subs.size;
  }

  onBlock(block: Block, receipts: () => Receipt[]): void {
    let head: Record<string, unknown> | undefined;
    for (const [id, sub] of this.subs) {
      if (sub.kind === 'newHeads') {
        head ??= withoutBody(formatBlock(block, []));
        this.notify(id, head);
      } else if (sub.kind === 'logs') {
        for (const log of blockLogs(sub.criteria, block, receipts())) this.notify(id, log);
      }
    }
  }

  onPendingTx(hash: Hex): void {
    for (const [id, sub] of this.subs) {
      if (sub.kind !== 'newPendingTransactions') continue;
      if (!sub.full) this.notify(id, hash);
      else {
        const tx = this.backend.pool.get(hash);
        if (tx !== undefined) this.notify(id, formatTx(tx.tx, tx.sender, undefined));
      }
    }
  }
}

function withoutBody(block: Record<string, unknown>): Record<string, unknown> {
  const { transactions: _t, uncles: _u, size: _s, totalDifficulty: _d, ...header } = block;
  return header;
}
