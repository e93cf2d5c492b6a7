/**
 * Never sign twice at one height, round and step: the rule a validator's signer applies before every
 * signature (CometBFT's privval rule). Pure: the signer persists `LastSigned` before the signature leaves
 * the process, so the rule holds across crashes and restarts.
 */
import { equalBytes } from '../primitives/index.ts';

/** Steps in the order a validator signs them within a round. */
export const SIGN_STEP = { proposal: 1, prevote: 2, precommit: 3 } as const;
export type SignStep = (typeof SIGN_STEP)[keyof typeof SIGN_STEP];

export interface SignRequest {
  height: bigint;
  round: number;
  step: SignStep;
  /** null: a nil vote. */
  blockHash: Uint8Array | null;
  /** Proposals only (-1 otherwise). */
  validRound: number;
}

export interface LastSigned extends SignRequest {
  timestampMs: bigint;
  signature: Uint8Array;
}

export type SignDecision =
  | { kind: 'sign' }
  /** The same message again (a restart replaying its WAL): the same signature and timestamp, nothing new. */
  | { kind: 'repeat'; timestampMs: bigint; signature: Uint8Array }
  | { kind: 'refuse'; reason: string };

function sameValue(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a === null || b === null ? a === b : equalBytes(a, b);
}

export function checkSign(last: LastSigned | undefined, req: SignRequest): SignDecision {
  if (last === undefined) return { kind: 'sign' };
  const at = `height ${req.height} round ${req.round} step ${req.step}`;
  const was = `height ${last.height} round ${last.round} step ${last.step}`;
  if (req.height !== last.height) return req.height > last.height ? { kind: 'sign' } : { kind: 'refuse', reason: `${at} is below the last signed ${was}` };
  if (req.round !== last.round) return req.round > last.round ? { kind: 'sign' } : { kind: 'refuse', reason: `${at} is below the last signed ${was}` };
  if (req.step !== last.step) return req.step > last.step ? { kind: 'sign' } : { kind: 'refuse', reason: `${at} is below the last signed ${was}` };
  if (sameValue(req.blockHash, last.blockHash) && req.validRound === last.validRound) {
    return { kind: 'repeat', timestampMs: last.timestampMs, signature: last.signature };
  }
  return { kind: 'refuse', reason: `${at} was already signed for another value: signing again would be a double-sign` };
}
