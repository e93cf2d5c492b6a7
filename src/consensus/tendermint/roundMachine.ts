/**
 * The Tendermint consensus algorithm (Buchman, Kwon, Milosevic, "The latest gossip on BFT consensus",
 * Algorithm 1) as a pure function: `stepTendermint(state, input) -> { state, effects }`. No clock, timer,
 * socket, randomness or cryptography: the node runs the effects (sign, broadcast, build, validate,
 * schedule a timeout, commit) and feeds their results back as inputs. Each branch names the lines of the
 * paper it implements; the upon-rules live in rules.ts, the shared actions in roundActions.ts.
 *
 * Inputs the machine ignores (wrong height, unknown validator, a proposal not from proposer(h, r), stale
 * timeouts, messages before the first height) return the same state object and no effects.
 */
import { bytesToHex, equalBytes, invariant } from '../../primitives/index.ts';
import type { Commit } from '../../types/index.ts';
import { sameValue } from './evidence.ts';
import { addProposal, addVote } from './messageLog.ts';
import { proposerForRound } from './proposerSelection.ts';
import { castVote, commitFromLog, isValidator, setOf, startRound } from './roundActions.ts';
import { applyRules } from './rules.ts';
import { enterHeight, isInRound } from './state.ts';
import type { TendermintState } from './state.ts';
import type { Proposal, TendermintEffect, TendermintInput, Vote } from './types.ts';
import { findValidator } from './validatorSet.ts';
import { valueKey } from './voteSet.ts';

export interface TendermintOutput {
  state: TendermintState;
  effects: TendermintEffect[];
}

/**
 * Proposals for rounds this far above ours are dropped: finding proposer(h, r) costs r priority runs, and a
 * byzantine proposer could name any round. Honest proposals of a far round come back by gossip once L55
 * has taken us there (votes need no proposer lookup, so they still trigger it).
 */
export const MAX_PROPOSAL_ROUND_LEAD = 1000;

function isRound(round: number): boolean {
  return Number.isSafeInteger(round) && round >= 0;
}

/** L10, L52-L54: the node starts a height with its validator set (from the block that decided height-1). */
function onStartHeight(s: TendermintState, input: Extract<TendermintInput, { kind: 'startHeight' }>, out: TendermintEffect[]): TendermintState {
  if (s.step !== 'idle' && input.height <= s.height) return s; // already there or past it
  const own = s.decision !== null && input.height === s.height + 1n;
  const next = enterHeight(s, input.height, input.validators);
  const lastCommit: Commit | null = own && s.decision !== null ? commitFromLog(s, s.decision) : input.lastCommit;
  const waiting = own && s.commitTimeoutPending;
  const entered: TendermintState = { ...next, lastCommit, lastValidators: own ? s.validators : null, commitTimeoutPending: waiting };
  // L54 StartRound(0), unless the commit timeout of the height we decided still runs
  return waiting ? entered : startRound(entered, 0, out);
}

function onProposal(s: TendermintState, p: Proposal, out: TendermintEffect[]): TendermintState {
  if (s.step === 'idle' || p.height !== s.height || !isRound(p.round) || p.round > s.round + MAX_PROPOSAL_ROUND_LEAD) return s;
  // the paper's ⟨PROPOSAL, h, r, v, vr⟩ has -1 <= vr < r; anything else matches no rule
  if (!Number.isSafeInteger(p.validRound) || p.validRound < -1 || p.validRound >= p.round) return s;
  const set = setOf(s);
  const proposer = proposerForRound(set, p.round);
  if (!equalBytes(proposer.address, p.proposerAddress)) return s; // "from proposer(h_p, r)"
  const added = addProposal(s.log, p, bytesToHex(p.proposerAddress), proposer.power, s.round);
  if (added.outcome !== 'added') return s;
  let next: TendermintState = { ...s, log: added.log };
  // valid(v) is asked once per block, as soon as it is proposed, so the rules that need it do not wait twice
  const key = valueKey(p.blockHash);
  if (!next.validity.has(key) && !next.validationRequested.has(key)) {
    out.push({ kind: 'validateBlock', height: p.height, round: p.round, blockHash: p.blockHash });
    next = { ...next, validationRequested: new Set(next.validationRequested).add(key) };
  }
  return next;
}

/** A precommit for height-1 arriving before round 0 starts joins the last commit (who signed the last block). */
function onLatePrecommit(s: TendermintState, v: Vote): TendermintState {
  const last = s.lastCommit;
  if (s.step !== 'newHeight' || last === null || s.lastValidators === null) return s;
  if (v.type !== 'precommit' || v.height !== last.height || v.round !== last.round || !sameValue(v.blockHash, last.blockHash)) return s;
  if (findValidator(s.lastValidators, bytesToHex(v.validatorAddress)) === undefined) return s;
  if (last.signatures.some((sig) => equalBytes(sig.validatorAddress, v.validatorAddress))) return s;
  const signatures = [...last.signatures, { validatorAddress: v.validatorAddress, timestampMs: v.timestampMs, signature: v.signature }].sort((a, b) =>
    Buffer.compare(a.validatorAddress, b.validatorAddress),
  );
  return { ...s, lastCommit: { ...last, signatures } };
}

function onVote(s: TendermintState, v: Vote, out: TendermintEffect[]): TendermintState {
  if (s.step === 'idle' || !isRound(v.round)) return s;
  if (v.height === s.height - 1n) return onLatePrecommit(s, v);
  if (v.height !== s.height) return s;
  const key = bytesToHex(v.validatorAddress);
  const member = findValidator(setOf(s), key);
  if (member === undefined) return s;
  const added = addVote(s.log, v, key, member.power, s.round);
  if (added.evidence !== undefined) out.push({ kind: 'reportEvidence', evidence: added.evidence });
  return added.log === s.log ? s : { ...s, log: added.log };
}

/** L57-L67 and the commit timeout. A timeout for another height, round or step is stale: nothing happens. */
function onTimeout(s: TendermintState, t: Extract<TendermintInput, { kind: 'timeout' }>, out: TendermintEffect[]): TendermintState {
  if (t.step === 'commit') {
    if (s.step === 'commit' && t.height === s.height) return { ...s, commitTimeoutPending: false };
    // the node already started the next height: round 0 can begin (L54)
    if (s.step === 'newHeight' && t.height === s.height - 1n) return startRound({ ...s, commitTimeoutPending: false }, 0, out);
    return s;
  }
  if (!isInRound(s) || t.height !== s.height || t.round !== s.round) return s;
  switch (t.step) {
    case 'propose':
      // L57-L60 (the paper's L58 reads "step_p = prevote"; its erratum and every implementation: propose)
      if (s.step !== 'propose') return s;
      castVote(s, 'prevote', null, out);
      return { ...s, step: 'prevote' };
    case 'prevote':
      // L61-L64
      if (s.step !== 'prevote') return s;
      castVote(s, 'precommit', null, out);
      return { ...s, step: 'precommit' };
    case 'precommit':
      // L65-L67
      return startRound(s, s.round + 1, out);
  }
}

/**
 * L19: our block for this round is built; have the proposal signed (once per round). Only while still in
 * the propose step: after our own propose timeout we have prevoted, and signers keep height/round/step
 * monotonic (CometBFT's privval rule), so a proposal would be refused anyway.
 */
function onProposalBuilt(s: TendermintState, input: Extract<TendermintInput, { kind: 'proposalBuilt' }>, out: TendermintEffect[]): TendermintState {
  if (s.step !== 'propose' || input.height !== s.height || input.round !== s.round || s.guards.proposalSignRequested) return s;
  if (!isValidator(s) || !equalBytes(proposerForRound(setOf(s), s.round).address, s.address)) return s;
  out.push({ kind: 'signProposal', height: s.height, round: s.round, blockHash: input.blockHash, validRound: -1 });
  // we built it, so it is valid(v) for us
  return {
    ...s,
    validity: new Map(s.validity).set(valueKey(input.blockHash), true),
    guards: { ...s.guards, proposalSignRequested: true },
  };
}

/** L19 "broadcast ⟨PROPOSAL⟩": to the peers and, as the paper's broadcast does, to ourselves. */
function onProposalSigned(s: TendermintState, p: Proposal, out: TendermintEffect[]): TendermintState {
  if (s.step === 'idle' || p.height !== s.height || !equalBytes(p.proposerAddress, s.address)) return s;
  out.push({ kind: 'broadcastProposal', proposal: p });
  return onProposal({ ...s, validity: new Map(s.validity).set(valueKey(p.blockHash), true) }, p, out);
}

/** "broadcast ⟨PREVOTE|PRECOMMIT⟩" completes: send it, and count it as our own message. */
function onVoteSigned(s: TendermintState, v: Vote, out: TendermintEffect[]): TendermintState {
  if (s.step === 'idle' || !equalBytes(v.validatorAddress, s.address)) return s;
  if (v.height !== s.height && v.height !== s.height - 1n) return s;
  out.push({ kind: 'broadcastVote', vote: v });
  const before = out.length;
  const next = onVote(s, v, out);
  // the signer refuses a second value for one (height, round, type); getting one means it is broken
  invariant(out.length === before, `signer returned a conflicting vote at height ${v.height} round ${v.round}`);
  return next;
}

function onBlockValidity(s: TendermintState, input: Extract<TendermintInput, { kind: 'blockValidity' }>): TendermintState {
  if (s.step === 'idle' || input.height !== s.height) return s;
  const key = valueKey(input.blockHash);
  if (s.validity.get(key) === input.valid) return s;
  return { ...s, validity: new Map(s.validity).set(key, input.valid) };
}

function handle(s: TendermintState, input: TendermintInput, out: TendermintEffect[]): TendermintState {
  switch (input.kind) {
    case 'startHeight':
      return onStartHeight(s, input, out);
    case 'proposal':
      return onProposal(s, input.proposal, out);
    case 'vote':
      return onVote(s, input.vote, out);
    case 'timeout':
      return onTimeout(s, input, out);
    case 'proposalBuilt':
      return onProposalBuilt(s, input, out);
    case 'proposalSigned':
      return onProposalSigned(s, input.proposal, out);
    case 'voteSigned':
      return onVoteSigned(s, input.vote, out);
    case 'blockValidity':
      return onBlockValidity(s, input);
  }
}

export function stepTendermint(state: TendermintState, input: TendermintInput): TendermintOutput {
  const effects: TendermintEffect[] = [];
  const handled = handle(state, input, effects);
  // the rules read only the state: if the input changed nothing, none can have become enabled
  const next = handled === state ? handled : applyRules(handled, effects);
  return { state: next, effects };
}
