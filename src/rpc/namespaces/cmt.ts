/**
 * cmt_ methods in CyberMiles' shapes (reference/cybermiles.md §6.2): status and the pool, for tools written
 * against the original (web3-cmt's `cmt.syncing`, `cmt.pendingTransactionCount`). Staking and governance
 * methods join with issue 5.
 */
import { parseQuantity, toQuantity } from '../../encoding/index.ts';
import { bytesToHex } from '../../primitives/index.ts';
import { invalidParams } from '../errors.ts';
import { formatTx } from '../format.ts';
import type { HandlerTable } from '../params.ts';

/** The original's default and cap for cmt_getPendingTransactions. */
const DEFAULT_PENDING_LIMIT = 30;
const MAX_PENDING_LIMIT = 100;

export const cmtHandlers: HandlerTable = {
  /** The original's snake_case object (CometBFT's sync_info); catching_up while block sync has blocks to fetch. */
  cmt_syncing: (_p, backend) => {
    const head = backend.head();
    return {
      latest_block_hash: bytesToHex(head.hash),
      latest_app_hash: bytesToHex(head.header.stateRoot),
      latest_block_height: Number(head.header.height),
      latest_block_time: new Date(Number(head.header.timestamp) * 1000).toISOString(),
      catching_up: backend.catchingUp(),
    };
  },
  /** Executable and queued transactions in the pool, as a quantity. */
  cmt_pendingTransactionCount: (_p, backend) => {
    const s = backend.pool.stats();
    return toQuantity(s.pending + s.queued);
  },
  /** Up to `limit` (default 30, at most 100) pool transactions, executable ones first, in eth_ transaction form. */
  cmt_getPendingTransactions: (params, backend) => {
    const limit = params[0] == null ? DEFAULT_PENDING_LIMIT : Number(parseQuantity(params[0], 'limit'));
    if (limit < 1 || limit > MAX_PENDING_LIMIT) throw invalidParams(`limit must be between 1 and ${MAX_PENDING_LIMIT}, got ${limit}`);
    const { pending, queued } = backend.pool.content();
    const txs = [...pending.values(), ...queued.values()].flat().slice(0, limit);
    return txs.map((tx) => formatTx(tx.tx, tx.sender, undefined));
  },
};
