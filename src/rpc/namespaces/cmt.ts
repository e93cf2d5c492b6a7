/**
 * cmt_ methods in CyberMiles' shapes (reference/cybermiles.md §6.2), for tools written against the original
 * (web3-cmt's `cmt.syncing`). Staking and governance methods join with issue 5.
 */
import { bytesToHex } from '../../primitives/index.ts';
import type { HandlerTable } from '../params.ts';

export const cmtHandlers: HandlerTable = {
  /** The original's snake_case object; `catching_up` stays false until block sync exists (issue 4). */
  cmt_syncing: (_p, backend) => {
    const head = backend.head();
    return {
      latest_block_hash: bytesToHex(head.hash),
      latest_app_hash: bytesToHex(head.header.stateRoot),
      latest_block_height: Number(head.header.height),
      latest_block_time: new Date(Number(head.header.timestamp) * 1000).toISOString(),
      catching_up: false,
    };
  },
};
