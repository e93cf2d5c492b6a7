/**
 * The paper's message log for one height: per round, the proposal of that round's proposer, the prevotes
 * and precommits tallied by value (voteSet.ts), and the senders of any message (for L55's f+1). Duplicate
 * votes are ignored. A second vote of one validator for a different value comes back as duplicate-vote
 * evidence (once per validator, round and type); it is also counted for its value when that value can matter to a
 * rule, i.e. nil or a block proposed at this height, so an equivocator cannot make us keep junk values.
 *
 * Bound: rounds up to the current one grow only as fast as honest validators time out, but a validator
 * can sign messages for any future round. Each validator may occupy at most FUTURE_ROUNDS_PER_VALIDATOR
 * rounds above the current one; a message for a higher round evicts its lowest one (so the rounds honest
 * validators are really in stay), a lower one is dropped. Dropping is safe (the network may delay any
 * message); gossip offers it again once it matters.
 */
import { createDuplicateVoteEvidence, sameValue } from './evidence.ts';
import type { DuplicateVoteEvidence, Proposal, Vote } from './types.ts';
import { EMPTY_VOTE_SET, NIL_KEY, addExtraToVoteSet, addToVoteSet, hasVote, powerFor, removeFromVoteSet, valueKey } from './voteSet.ts';
import type { VoteSet } from './voteSet.ts';

export const FUTURE_ROUNDS_PER_VALIDATOR = 2;

export interface RoundMessages {
  /** The first proposal received from proposer(h, r): the one L22 and L28 react to first. */
  readonly proposal: Proposal | null;
  /**
   * Other values the same proposer proposed in this round (it equivocated), kept when some vote of the
   * round names them: a polka or a commit may form around any of them (L36, L49), and a node that first
   * saw another one must still recognise it. Bounded by the values the round's votes name.
   */
  readonly otherProposals: readonly Proposal[];
  /** Address key of the proposal's sender (to evict it with the sender's other messages). */
  readonly proposerKey: string | null;
  readonly prevotes: VoteSet;
  readonly precommits: VoteSet;
  /** Power of each distinct validator that sent any message in this round. */
  readonly senders: ReadonlyMap<string, bigint>;
  readonly senderPower: bigint;
}

export interface MessageLog {
  readonly rounds: ReadonlyMap<number, RoundMessages>;
  /** Rounds each validator has messages in (ascending). */
  readonly roundsBySender: ReadonlyMap<string, readonly number[]>;
  /** Slots already reported: `${validator}/${round}/${type}`. One piece of evidence per slot is enough to
   * slash, and keying by slot stops an equivocator from making us store or emit one per junk value. */
  readonly reported: ReadonlySet<string>;
}

export const EMPTY_ROUND: RoundMessages = {
  proposal: null,
  otherProposals: [],
  proposerKey: null,
  prevotes: EMPTY_VOTE_SET,
  precommits: EMPTY_VOTE_SET,
  senders: new Map(),
  senderPower: 0n,
};

export const EMPTY_LOG: MessageLog = { rounds: new Map(), roundsBySender: new Map(), reported: new Set() };

export type LogOutcome = 'added' | 'duplicate' | 'ignored' | 'conflict';

export function roundMessages(log: MessageLog, round: number): RoundMessages {
  return log.rounds.get(round) ?? EMPTY_ROUND;
}

/** Every proposal of a round, the first received first. */
export function proposalsOf(rm: RoundMessages): readonly Proposal[] {
  return rm.proposal === null ? rm.otherProposals : [rm.proposal, ...rm.otherProposals];
}

function withRound(log: MessageLog, round: number, messages: RoundMessages): MessageLog {
  return { ...log, rounds: new Map(log.rounds).set(round, messages) };
}

/** Records that `sender` (with `power`) has a message in `round`. */
function withSender(log: MessageLog, rm: RoundMessages, round: number, sender: string, power: bigint): { log: MessageLog; rm: RoundMessages } {
  if (rm.senders.has(sender)) return { log, rm };
  const rounds = [...(log.roundsBySender.get(sender) ?? []), round].sort((a, b) => a - b);
  return {
    log: { ...log, roundsBySender: new Map(log.roundsBySender).set(sender, rounds) },
    rm: { ...rm, senders: new Map(rm.senders).set(sender, power), senderPower: rm.senderPower + power },
  };
}

function evict(log: MessageLog, sender: string, round: number): MessageLog {
  const rm = roundMessages(log, round);
  const power = rm.senders.get(sender) ?? 0n;
  const senders = new Map(rm.senders);
  senders.delete(sender);
  const mine = rm.proposerKey === sender;
  const next: RoundMessages = {
    proposal: mine ? null : rm.proposal,
    otherProposals: mine ? [] : rm.otherProposals,
    proposerKey: mine ? null : rm.proposerKey,
    prevotes: removeFromVoteSet(rm.prevotes, sender, power),
    precommits: removeFromVoteSet(rm.precommits, sender, power),
    senders,
    senderPower: rm.senderPower - power,
  };
  const rounds = (log.roundsBySender.get(sender) ?? []).filter((r) => r !== round);
  return { ...withRound(log, round, next), roundsBySender: new Map(log.roundsBySender).set(sender, rounds) };
}

/** The future-round budget: may `sender` add a message in `round`? Evicts its lowest future round if needed. */
function admit(log: MessageLog, sender: string, round: number, currentRound: number): MessageLog | null {
  if (round <= currentRound) return log;
  const rounds = log.roundsBySender.get(sender) ?? [];
  if (rounds.includes(round)) return log;
  const future = rounds.filter((r) => r > currentRound);
  if (future.length < FUTURE_ROUNDS_PER_VALIDATOR) return log;
  const lowest = future[0] as number;
  return round > lowest ? evict(log, sender, lowest) : null;
}

export interface AddVoteResult {
  log: MessageLog;
  outcome: LogOutcome;
  evidence?: DuplicateVoteEvidence;
}

/** Values a vote can matter for: nil and every block proposed at this height (L28, L36, L44, L49). */
function mayMatter(log: MessageLog, key: string): boolean {
  if (key === NIL_KEY) return true;
  for (const rm of log.rounds.values()) for (const p of proposalsOf(rm)) if (valueKey(p.blockHash) === key) return true;
  return false;
}

export function addVote(log: MessageLog, vote: Vote, sender: string, power: bigint, currentRound: number): AddVoteResult {
  const rm = roundMessages(log, vote.round);
  const set = vote.type === 'prevote' ? rm.prevotes : rm.precommits;
  const existing = set.votes.get(sender);
  if (existing !== undefined) {
    const key = valueKey(vote.blockHash);
    if (sameValue(existing.blockHash, vote.blockHash) || hasVote(set, sender, key)) return { log, outcome: 'duplicate' };
    const reportKey = `${sender}/${vote.round}/${vote.type}`;
    const fresh = !log.reported.has(reportKey);
    let next: MessageLog = fresh ? { ...log, reported: new Set(log.reported).add(reportKey) } : log;
    const counted = mayMatter(log, key);
    if (counted) {
      const extra = addExtraToVoteSet(set, sender, vote, power);
      next = withRound(next, vote.round, vote.type === 'prevote' ? { ...rm, prevotes: extra } : { ...rm, precommits: extra });
    }
    if (!fresh && !counted) return { log, outcome: 'duplicate' };
    return fresh ? { log: next, outcome: 'conflict', evidence: createDuplicateVoteEvidence(existing, vote) } : { log: next, outcome: 'conflict' };
  }
  const admitted = admit(log, sender, vote.round, currentRound);
  if (admitted === null) return { log, outcome: 'ignored' };
  const s = withSender(admitted, roundMessages(admitted, vote.round), vote.round, sender, power);
  const next: RoundMessages =
    vote.type === 'prevote'
      ? { ...s.rm, prevotes: addToVoteSet(s.rm.prevotes, sender, vote, power) }
      : { ...s.rm, precommits: addToVoteSet(s.rm.precommits, sender, vote, power) };
  return { log: withRound(s.log, vote.round, next), outcome: 'added' };
}

/**
 * The first proposal of a round is kept as `proposal`. A different one from the same proposer (an
 * equivocating proposer) is kept in `otherProposals` if a vote of the round already names its value, else
 * dropped; gossip offers it again once votes for it exist.
 */
export function addProposal(log: MessageLog, proposal: Proposal, sender: string, power: bigint, currentRound: number): { log: MessageLog; outcome: LogOutcome } {
  const rm = roundMessages(log, proposal.round);
  if (rm.proposal !== null) {
    if (proposalsOf(rm).some((p) => sameValue(p.blockHash, proposal.blockHash))) return { log, outcome: 'duplicate' };
    const key = valueKey(proposal.blockHash);
    if (powerFor(rm.prevotes, key) === 0n && powerFor(rm.precommits, key) === 0n) return { log, outcome: 'ignored' };
    return { log: withRound(log, proposal.round, { ...rm, otherProposals: [...rm.otherProposals, proposal] }), outcome: 'added' };
  }
  const admitted = admit(log, sender, proposal.round, currentRound);
  if (admitted === null) return { log, outcome: 'ignored' };
  const s = withSender(admitted, roundMessages(admitted, proposal.round), proposal.round, sender, power);
  return { log: withRound(s.log, proposal.round, { ...s.rm, proposal, proposerKey: sender }), outcome: 'added' };
}
