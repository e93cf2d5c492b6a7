/** The mempool's data shapes and its interface. The pool never looks inside `payload`. */

/** A transaction the caller has decoded, recovered the sender of, and checked statelessly. */
export interface PoolTx<T = unknown> {
  /** 0x-prefixed lowercase 32-byte transaction hash. */
  hash: string;
  /** 0x-prefixed lowercase address. */
  sender: string;
  nonce: bigint;
  gasLimit: bigint;
  /** The gas price for legacy and access-list transactions. */
  maxFeePerGas: bigint;
  /** The gas price for legacy and access-list transactions. */
  maxPriorityFeePerGas: bigint;
  value: bigint;
  /** Encoded size in bytes. */
  size: number;
  /** Present on a sponsored transaction (fee cap 0): whose deposit pays its gas (sponsored.ts). */
  sponsor?: Sponsorship;
  /** The decoded transaction, opaque to the pool. */
  payload: T;
}

/**
 * A sponsored transaction's sponsor, as the caller read it from the latest state (ADR 0016): the contract
 * whose GasSponsor deposit pays, that deposit in wei, and the gas the sender may still use of it.
 */
export interface Sponsorship {
  /** 0x-prefixed lowercase address. */
  target: string;
  deposit: bigint;
  callerGasLeft: bigint;
}

/** The sender's account in the latest state, as read by the caller. */
export interface AccountState {
  nonce: bigint;
  balance: bigint;
}

/**
 * Where an accepted transaction went. `evicted` names a cheaper transaction of another sender dropped to
 * make room; `executable` says whether a replacement landed among the pending transactions.
 */
export type AddResult =
  | { status: 'pending' | 'queued'; evicted?: string }
  | { status: 'replaced'; replaced: string; executable: boolean };

/**
 * What `update` took out: `stale` had nonces below the account's (mined, or superseded by a transaction
 * mined elsewhere); `unpayable` were pending but now cost more than the sender's balance on their own.
 */
export interface UpdateResult {
  stale: string[];
  unpayable: string[];
}

export interface Mempool<T> {
  /** Admits `tx` or throws a ChainError with a MempoolErrorCode. `account` is the sender's latest state. */
  add(tx: PoolTx<T>, account: AccountState, baseFee: bigint): AddResult;
  /** Executable transactions in block order: best tip first across senders, nonce order within one. */
  pending(baseFee: bigint, limit?: number): PoolTx<T>[];
  /** Re-validates every sender after a block; `getAccount` is called once per sender in the pool. */
  update(getAccount: (sender: string) => AccountState, baseFee: bigint): UpdateResult;
  /** The senders `update` will ask about, so the caller can prefetch their state asynchronously. */
  senders(): string[];
  remove(hash: string): boolean;
  get(hash: string): PoolTx<T> | undefined;
  has(hash: string): boolean;
  /** The next nonce the sender should use: its account nonce plus its contiguous pending transactions. */
  pendingNonce(sender: string, accountNonce: bigint): bigint;
  /** Per sender, in nonce order (txpool_content). */
  content(): { pending: Map<string, PoolTx<T>[]>; queued: Map<string, PoolTx<T>[]> };
  stats(): { pending: number; queued: number };
  readonly size: number;
}
