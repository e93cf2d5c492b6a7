/**
 * The rules a block proposed by another validator (or downloaded by block sync) must meet before we spend
 * an execution on it. Execution then decides the rest: re-executing the block's transactions on our head
 * with the context its header claims must give a byte-identical header (state, receipts and transaction
 * roots, gas used, bloom), or the block is invalid.
 */
import { findValidator, validatorSetHash, verifyCommit } from '../consensus/index.ts';
import type { ValidatorSet } from '../consensus/index.ts';
import { ChainError, bytesToHex, equalBytes } from '../primitives/index.ts';
import type { Block, Genesis } from '../types/index.ts';

/** How far ahead of our clock a proposed block's timestamp may be: clocks of honest machines differ a little. */
export const MAX_FUTURE_DRIFT_SEC = 15n;

export interface HeaderCheckContext {
  parent: Block;
  genesis: Genesis;
  /** The set of the block's height (its proposer must be a member). */
  validators: ValidatorSet;
  /** The set of the parent's height, which must have signed the block's lastCommit. */
  parentValidators: ValidatorSet | undefined;
  nowMs: number;
}

/** Returns why the block is invalid, or undefined. */
export function checkProposedHeader(block: Block, c: HeaderCheckContext): string | undefined {
  const h = block.header;
  const parent = c.parent.header;
  if (h.height !== parent.height + 1n) return `height ${h.height} does not follow ${parent.height}`;
  if (!equalBytes(h.parentHash, c.parent.hash)) return `parent hash ${bytesToHex(h.parentHash)} is not our head ${bytesToHex(c.parent.hash)}`;
  if (findValidator(c.validators, bytesToHex(h.proposer)) === undefined) return `proposer ${bytesToHex(h.proposer)} is not a validator`;
  if (h.timestamp < parent.timestamp) return `timestamp ${h.timestamp} is before the parent's ${parent.timestamp}`;
  if (h.timestamp > BigInt(Math.floor(c.nowMs / 1000)) + MAX_FUTURE_DRIFT_SEC) return `timestamp ${h.timestamp} is in the future`;
  if (h.gasLimit !== c.genesis.blockGasLimit) return `gas limit ${h.gasLimit} is not the chain's ${c.genesis.blockGasLimit}`;
  if (h.baseFeePerGas !== c.genesis.minGasPriceWei) return `base fee ${h.baseFeePerGas} is not the chain's ${c.genesis.minGasPriceWei}`;
  if (!equalBytes(h.validatorsHash, validatorSetHash(c.validators))) return `validators hash ${bytesToHex(h.validatorsHash)} is not the hash of height ${h.height}'s validator set`;
  if (parent.height === 0n) return block.lastCommit === null ? undefined : 'the first block carries a last commit';
  if (block.lastCommit === null) return 'no certificate of the parent block';
  if (c.parentValidators === undefined) return 'the parent height validator set is unknown';
  try {
    verifyCommit(block.lastCommit, c.parentValidators, c.genesis.consensusChainId, parent.height, c.parent.hash);
  } catch (err) {
    return `last commit: ${err instanceof ChainError ? err.message : String(err)}`;
  }
  return undefined;
}
