/**
 * The paper's "upon" rules (Algorithm 1, L22-L56), evaluated over the message log after every input that
 * changed the state, until none fires. Each rule is a guard on the state plus an action; the rules that
 * say "for the first time" keep a flag in `guards`, reset by StartRound. Rules needing valid(v) wait until
 * the execution layer has answered (validation is requested when the proposal arrives).
 *
 * Order: a decision (L49) first, then round skipping (L55), then the current round's rules. The paper
 * leaves the order open; any order is safe, and this one reacts to the most advanced information first.
 */
import { equalBytes } from '../../primitives/index.ts';
import { proposalsOf, roundMessages } from './messageLog.ts';
import { castVote, decide, scheduleTimeout, setOf, startRound } from './roundActions.ts';
import { isInRound } from './state.ts';
import type { TendermintState } from './state.ts';
import { isOneThirdPlus, isQuorum } from './thresholds.ts';
import type { TendermintEffect } from './types.ts';
import { NIL_KEY, powerFor, valueKey } from './voteSet.ts';

type Rule = (s: TendermintState, out: TendermintEffect[]) => TendermintState | null;

/** valid(v) as far as it is known: true, false, or undefined while the execution layer has not answered. */
function validity(s: TendermintState, blockHash: Uint8Array): boolean | undefined {
  return s.validity.get(valueKey(blockHash));
}

/** L49-L54: ⟨PROPOSAL, h_p, r, v, ∗⟩ from proposer(h_p, r) AND 2f+1 ⟨PRECOMMIT, h_p, r, id(v)⟩, any round r. */
const uponPrecommitQuorumForProposal: Rule = (s, out) => {
  if (s.decision !== null) return null;
  const total = setOf(s).totalPower;
  for (const [round, rm] of s.log.rounds) {
    for (const proposal of proposalsOf(rm)) {
      if (!isQuorum(powerFor(rm.precommits, valueKey(proposal.blockHash)), total)) continue;
      // L50: decide only a valid value; with an invalid one the paper waits (it cannot happen below 1/3 byzantine)
      if (validity(s, proposal.blockHash) === true) return decide(s, round, proposal.blockHash, out);
    }
  }
  return null;
};

/** L55-L56: f+1 ⟨∗, h_p, round, ∗, ∗⟩ with round > round_p: StartRound(round), to the highest such round. */
const uponFPlusOneInHigherRound: Rule = (s, out) => {
  const total = setOf(s).totalPower;
  let target = -1;
  for (const [round, rm] of s.log.rounds) {
    if (round > s.round && round > target && isOneThirdPlus(rm.senderPower, total)) target = round;
  }
  return target < 0 ? null : startRound(s, target, out);
};

/** L22-L27: ⟨PROPOSAL, h_p, round_p, v, −1⟩ from proposer(h_p, round_p) while step_p = propose. */
const uponFreshProposal: Rule = (s, out) => {
  if (s.step !== 'propose') return null;
  for (const proposal of proposalsOf(roundMessages(s.log, s.round))) {
    if (proposal.validRound !== -1) continue;
    const valid = validity(s, proposal.blockHash);
    if (valid === undefined) continue;
    // L23: not locked, or locked on this very value
    const accept = valid && (s.lockedRound === -1 || (s.lockedValue !== null && equalBytes(s.lockedValue, proposal.blockHash)));
    castVote(s, 'prevote', accept ? proposal.blockHash : null, out); // L24 / L26
    return { ...s, step: 'prevote' }; // L27
  }
  return null;
};

/** L28-L33: ⟨PROPOSAL, h_p, round_p, v, vr⟩ AND 2f+1 ⟨PREVOTE, h_p, vr, id(v)⟩ while step_p = propose ∧ 0 ≤ vr < round_p. */
const uponProposalWithPolka: Rule = (s, out) => {
  if (s.step !== 'propose') return null;
  for (const proposal of proposalsOf(roundMessages(s.log, s.round))) {
    const vr = proposal.validRound;
    if (vr < 0 || vr >= s.round) continue;
    if (!isQuorum(powerFor(roundMessages(s.log, vr).prevotes, valueKey(proposal.blockHash)), setOf(s).totalPower)) continue;
    const valid = validity(s, proposal.blockHash);
    if (valid === undefined) continue;
    // L29: our lock is not newer than the polka, or we are locked on this value
    const accept = valid && (s.lockedRound <= vr || (s.lockedValue !== null && equalBytes(s.lockedValue, proposal.blockHash)));
    castVote(s, 'prevote', accept ? proposal.blockHash : null, out); // L30 / L32
    return { ...s, step: 'prevote' }; // L33
  }
  return null;
};

/** L34-L35: 2f+1 ⟨PREVOTE, h_p, round_p, ∗⟩ while step_p = prevote, for the first time. */
const uponPrevoteQuorumAny: Rule = (s, out) => {
  if (s.step !== 'prevote' || s.guards.prevoteTimeoutScheduled) return null;
  if (!isQuorum(roundMessages(s.log, s.round).prevotes.power, setOf(s).totalPower)) return null;
  scheduleTimeout(s, 'prevote', out);
  return { ...s, guards: { ...s.guards, prevoteTimeoutScheduled: true } };
};

/** L36-L43: ⟨PROPOSAL, h_p, round_p, v, ∗⟩ AND 2f+1 ⟨PREVOTE, h_p, round_p, id(v)⟩ while valid(v) ∧ step_p ≥ prevote, first time. */
const uponPolkaForProposal: Rule = (s, out) => {
  if ((s.step !== 'prevote' && s.step !== 'precommit') || s.guards.polkaForValueSeen) return null;
  const rm = roundMessages(s.log, s.round);
  const proposal = proposalsOf(rm).find(
    (p) => validity(s, p.blockHash) === true && isQuorum(powerFor(rm.prevotes, valueKey(p.blockHash)), setOf(s).totalPower),
  );
  if (proposal === undefined) return null;
  let next: TendermintState = { ...s, guards: { ...s.guards, polkaForValueSeen: true } };
  if (s.step === 'prevote') {
    // L37-L41: lock on v and precommit it
    castVote(s, 'precommit', proposal.blockHash, out);
    next = { ...next, lockedValue: proposal.blockHash, lockedRound: s.round, step: 'precommit' };
  }
  // L42-L43: v is the value to re-propose from now on, even if we already precommitted nil
  return { ...next, validValue: proposal.blockHash, validRound: s.round };
};

/** L44-L46: 2f+1 ⟨PREVOTE, h_p, round_p, nil⟩ while step_p = prevote. */
const uponPolkaForNil: Rule = (s, out) => {
  if (s.step !== 'prevote') return null;
  if (!isQuorum(powerFor(roundMessages(s.log, s.round).prevotes, NIL_KEY), setOf(s).totalPower)) return null;
  castVote(s, 'precommit', null, out); // L45
  return { ...s, step: 'precommit' }; // L46
};

/** L47-L48: 2f+1 ⟨PRECOMMIT, h_p, round_p, ∗⟩ for the first time. */
const uponPrecommitQuorumAny: Rule = (s, out) => {
  if (s.guards.precommitTimeoutScheduled) return null;
  if (!isQuorum(roundMessages(s.log, s.round).precommits.power, setOf(s).totalPower)) return null;
  scheduleTimeout(s, 'precommit', out);
  return { ...s, guards: { ...s.guards, precommitTimeoutScheduled: true } };
};

const RULES: readonly Rule[] = [
  uponPrecommitQuorumForProposal,
  uponFPlusOneInHigherRound,
  uponFreshProposal,
  uponProposalWithPolka,
  uponPolkaForProposal,
  uponPolkaForNil,
  uponPrevoteQuorumAny,
  uponPrecommitQuorumAny,
];

/** Fires enabled rules until none is; only while inside a round (not idle, decided or between heights). */
export function applyRules(state: TendermintState, out: TendermintEffect[]): TendermintState {
  let s = state;
  for (;;) {
    if (!isInRound(s)) return s;
    let fired: TendermintState | null = null;
    for (const rule of RULES) {
      fired = rule(s, out);
      if (fired !== null) break;
    }
    if (fired === null) return s;
    s = fired;
  }
}
