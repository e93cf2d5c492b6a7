/**
 * The transaction pool. Per sender, transactions are kept by nonce; those contiguous from the account's
 * nonce and affordable in order are executable ("pending"), the rest wait ("queued") until the gap fills
 * or funds arrive (CyberMiles rejected future nonces and exchanges complained, reference §11). Block
 * order is by effective tip across senders and by nonce within a sender. Pure: no clock, no I/O; the
 * caller passes account state in.
 */
import { ChainError } from '../primitives/index.ts';
import { MempoolErrorCode } from './errors.ts';
import { mergeBySenders } from './ordering.ts';

export interface PoolTx<T = unknown> {
  hash: string;
  sender: string;
  nonce: bigint;
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  value: bigint;
  size: number;
  payload: T;
}

export interface AccountState {
  nonce: bigint;
  balance: bigint;
}

export interface MempoolOptions {
  maxTxSizeBytes: number;
  maxPerAccount: number;
  maxTotal: number;
  priceBumpPercent: number;
  minGasPrice: bigint;
}

export type AddResult = { status: 'pending' | 'queued' } | { status: 'replaced'; replaced: string };

export interface Mempool<T> {
  add(tx: PoolTx<T>, account: AccountState, baseFee: bigint): AddResult;
  pending(baseFee: bigint, limit?: number): PoolTx<T>[];
  update(getAccount: (sender: string) => AccountState, baseFee: bigint): void;
  senders(): string[];
  remove(hash: string): boolean;
  get(hash: string): PoolTx<T> | undefined;
  has(hash: string): boolean;
  pendingNonce(sender: string, accountNonce: bigint): bigint;
  content(): { pending: Map<string, PoolTx<T>[]>; queued: Map<string, PoolTx<T>[]> };
  stats(): { pending: number; queued: number };
  readonly size: number;
}

export function defaultMempoolOptions(minGasPrice: bigint): MempoolOptions {
  return { maxTxSizeBytes: 131_072, maxPerAccount: 1024, maxTotal: 100_000, priceBumpPercent: 10, minGasPrice };
}

export function validateMempoolOptions(o: MempoolOptions): MempoolOptions {
  const positive = (n: number) => Number.isInteger(n) && n > 0;
  if (!positive(o.maxTxSizeBytes) || !positive(o.maxPerAccount) || !positive(o.maxTotal) || o.priceBumpPercent < 0 || o.minGasPrice < 0n) {
    throw new ChainError('BAD_OPTION', 'invalid mempool options: limits must be positive integers and prices non-negative');
  }
  return o;
}

type Entry<T> = PoolTx<T> & { seq: number };

export function effectiveTip<T>(tx: PoolTx<T>, baseFee: bigint): bigint {
  const room = tx.maxFeePerGas - baseFee;
  return room < tx.maxPriorityFeePerGas ? room : tx.maxPriorityFeePerGas;
}

const cost = <T>(tx: PoolTx<T>): bigint => tx.value + tx.gasLimit * tx.maxFeePerGas;

export function createMempool<T>(options: Partial<MempoolOptions> & { minGasPrice: bigint }): Mempool<T> {
  const opts = validateMempoolOptions({ ...defaultMempoolOptions(options.minGasPrice), ...options });
  const bySender = new Map<string, Map<bigint, Entry<T>>>();
  const byHash = new Map<string, Entry<T>>();
  const accounts = new Map<string, AccountState>();
  let seq = 0;

  const fail = (code: MempoolErrorCode, message: string): never => {
    throw new ChainError(code, message);
  };

  /** Splits one sender's txs: contiguous from the account nonce and affordable in order are executable. */
  function split(sender: string): { pending: Entry<T>[]; queued: Entry<T>[] } {
    const txs = bySender.get(sender);
    const account = accounts.get(sender) ?? { nonce: 0n, balance: 0n };
    const pending: Entry<T>[] = [];
    if (txs === undefined) return { pending, queued: [] };
    let nonce = account.nonce;
    let spent = 0n;
    for (let tx = txs.get(nonce); tx !== undefined; tx = txs.get(++nonce)) {
      spent += cost(tx);
      if (spent > account.balance) break;
      pending.push(tx);
    }
    const queued = [...txs.values()].filter((t) => t.nonce >= account.nonce + BigInt(pending.length)).sort((a, b) => (a.nonce < b.nonce ? -1 : 1));
    return { pending, queued };
  }

  function insert(tx: Entry<T>): void {
    let txs = bySender.get(tx.sender);
    if (txs === undefined) bySender.set(tx.sender, (txs = new Map()));
    txs.set(tx.nonce, tx);
    byHash.set(tx.hash, tx);
  }

  function remove(hash: string): boolean {
    const tx = byHash.get(hash);
    if (tx === undefined) return false;
    byHash.delete(hash);
    const txs = bySender.get(tx.sender);
    txs?.delete(tx.nonce);
    if (txs?.size === 0) bySender.delete(tx.sender);
    return true;
  }

  /** The cheapest transaction to drop when full: lowest tip, the last nonce of its sender. */
  function cheapest(baseFee: bigint): Entry<T> | undefined {
    let worst: Entry<T> | undefined;
    for (const txs of bySender.values()) {
      let last: Entry<T> | undefined;
      for (const t of txs.values()) if (last === undefined || t.nonce > last.nonce) last = t;
      if (last !== undefined && (worst === undefined || effectiveTip(last, baseFee) < effectiveTip(worst, baseFee))) worst = last;
    }
    return worst;
  }

  function checkReplacement(old: Entry<T>, tx: PoolTx<T>): void {
    const bump = (v: bigint) => (v * BigInt(100 + opts.priceBumpPercent) + 99n) / 100n;
    if (tx.maxFeePerGas < bump(old.maxFeePerGas) || tx.maxPriorityFeePerGas < bump(old.maxPriorityFeePerGas)) {
      fail(MempoolErrorCode.REPLACEMENT_UNDERPRICED, `replacement transaction underpriced: nonce ${tx.nonce} is taken by ${old.hash}; raise both fees by at least ${opts.priceBumpPercent}% (max fee >= ${bump(old.maxFeePerGas)}, tip >= ${bump(old.maxPriorityFeePerGas)})`);
    }
  }

  function checkFunds(tx: PoolTx<T>, account: AccountState): void {
    let earlier = 0n;
    for (const t of bySender.get(tx.sender)?.values() ?? []) if (t.nonce < tx.nonce) earlier += cost(t);
    const want = earlier + cost(tx);
    if (want > account.balance) {
      const detail = earlier > 0n ? ` (${cost(tx)} for this transaction plus ${earlier} for earlier pending ones)` : '';
      fail(MempoolErrorCode.INSUFFICIENT_FUNDS, `insufficient funds for gas * price + value: address ${tx.sender} have ${account.balance} want ${want}${detail}`);
    }
  }

  return {
    add(tx, account, baseFee) {
      if (byHash.has(tx.hash)) fail(MempoolErrorCode.ALREADY_KNOWN, `already known: transaction ${tx.hash} is in the pool`);
      if (tx.size > opts.maxTxSizeBytes) fail(MempoolErrorCode.OVERSIZED, `oversized data: transaction size ${tx.size}, limit ${opts.maxTxSizeBytes}`);
      const floor = baseFee > opts.minGasPrice ? baseFee : opts.minGasPrice;
      if (tx.maxFeePerGas < floor) fail(MempoolErrorCode.UNDERPRICED, `transaction underpriced: max fee per gas ${tx.maxFeePerGas} below the minimum ${floor}`);
      if (tx.nonce < account.nonce) fail(MempoolErrorCode.NONCE_TOO_LOW, `nonce too low: next nonce ${account.nonce}, tx nonce ${tx.nonce}`);
      accounts.set(tx.sender, account);
      const old = bySender.get(tx.sender)?.get(tx.nonce);
      if (old !== undefined) checkReplacement(old, tx);
      else if ((bySender.get(tx.sender)?.size ?? 0) >= opts.maxPerAccount) {
        fail(MempoolErrorCode.ACCOUNT_LIMIT, `account limit reached: ${tx.sender} already has ${opts.maxPerAccount} transactions in the pool`);
      }
      checkFunds(tx, account);
      if (old === undefined && byHash.size >= opts.maxTotal) {
        const victim = cheapest(baseFee);
        if (victim === undefined || effectiveTip(tx, baseFee) <= effectiveTip(victim, baseFee)) {
          fail(MempoolErrorCode.POOL_FULL, `txpool is full: ${opts.maxTotal} transactions; pay a higher tip than ${victim === undefined ? 0n : effectiveTip(victim, baseFee)} to replace the cheapest`);
        }
        remove((victim as Entry<T>).hash);
      }
      if (old !== undefined) remove(old.hash);
      insert({ ...tx, seq: seq++ });
      if (old !== undefined) return { status: 'replaced', replaced: old.hash };
      return split(tx.sender).pending.some((t) => t.hash === tx.hash) ? { status: 'pending' } : { status: 'queued' };
    },
    pending(baseFee, limit = Number.MAX_SAFE_INTEGER) {
      const lanes = [...bySender.keys()].map((s) => split(s).pending.filter((t) => t.maxFeePerGas >= baseFee));
      return mergeBySenders(lanes, (t) => effectiveTip(t, baseFee), limit);
    },
    update(getAccount, baseFee) {
      void baseFee;
      for (const sender of [...bySender.keys()]) {
        const account = getAccount(sender);
        accounts.set(sender, account);
        for (const tx of [...(bySender.get(sender)?.values() ?? [])]) if (tx.nonce < account.nonce) remove(tx.hash);
      }
      for (const sender of [...accounts.keys()]) if (!bySender.has(sender)) accounts.delete(sender);
    },
    senders: () => [...bySender.keys()],
    remove,
    get: (hash) => byHash.get(hash),
    has: (hash) => byHash.has(hash),
    pendingNonce(sender, accountNonce) {
      const txs = bySender.get(sender);
      let n = accountNonce;
      while (txs?.has(n)) n++;
      return n;
    },
    content() {
      const pending = new Map<string, PoolTx<T>[]>();
      const queued = new Map<string, PoolTx<T>[]>();
      for (const sender of bySender.keys()) {
        const s = split(sender);
        if (s.pending.length > 0) pending.set(sender, s.pending);
        if (s.queued.length > 0) queued.set(sender, s.queued);
      }
      return { pending, queued };
    },
    stats() {
      let pending = 0;
      for (const sender of bySender.keys()) pending += split(sender).pending.length;
      return { pending, queued: byHash.size - pending };
    },
    get size() {
      return byHash.size;
    },
  };
}
