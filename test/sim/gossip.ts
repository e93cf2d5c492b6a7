/**
 * The simulation's model of CometBFT's consensus gossip: what a node offers a peer that is at its height
 * (its own messages, plus the proposal and votes of the peer's round and the prevotes of that proposal's
 * valid round, whoever signed them), what it offers a peer still at an earlier height (the decided block's
 * proposal and commit), and whether the peer already holds a message (CometBFT tracks this per peer with
 * vote bit-arrays; the simulation reads the peer's message log).
 */
import { bytesToHex, equalBytes } from '../../src/primitives/index.ts';
import { proposalsOf, valueKey } from '../../src/consensus/index.ts';
import type { Proposal, RoundMessages, TendermintState } from '../../src/consensus/index.ts';
import type { Commit } from '../../src/types/index.ts';
import type { SimMessage } from './network.ts';

export interface StoredBlock {
  hash: Uint8Array;
  commit: Commit;
  proposal: Proposal | null;
}

export function holds(peer: TendermintState, m: SimMessage): boolean {
  const height = m.kind === 'vote' ? m.vote.height : m.proposal.height;
  if (height !== peer.height) return true;
  const rm = peer.log.rounds.get(m.kind === 'vote' ? m.vote.round : m.proposal.round);
  if (rm === undefined) return false;
  if (m.kind === 'proposal') return proposalsOf(rm).some((p) => equalBytes(p.blockHash, m.proposal.blockHash));
  const set = m.vote.type === 'prevote' ? rm.prevotes : rm.precommits;
  const sender = bytesToHex(m.vote.validatorAddress);
  const key = valueKey(m.vote.blockHash);
  const first = set.votes.get(sender);
  return (first !== undefined && valueKey(first.blockHash) === key) || set.extras.has(`${sender}|${key}`);
}

export function relayFor(self: TendermintState, peer: TendermintState): SimMessage[] {
  const out: SimMessage[] = [];
  const add = (rm: RoundMessages | undefined, prevotesOnly: boolean): void => {
    if (rm === undefined) return;
    if (!prevotesOnly) for (const proposal of proposalsOf(rm)) out.push({ kind: 'proposal', proposal });
    const sets = prevotesOnly ? [rm.prevotes] : [rm.prevotes, rm.precommits];
    for (const set of sets) for (const vote of [...set.votes.values(), ...set.extras.values()]) out.push({ kind: 'vote', vote });
  };
  add(self.log.rounds.get(peer.round), false);
  const vr = peer.log.rounds.get(peer.round)?.proposal?.validRound ?? -1;
  if (vr >= 0) add(self.log.rounds.get(vr), true);
  return out;
}

export function catchUp(block: StoredBlock): SimMessage[] {
  const c = block.commit;
  const votes: SimMessage[] = c.signatures.map((s) => ({
    kind: 'vote',
    vote: { type: 'precommit', height: c.height, round: c.round, blockHash: c.blockHash, validatorAddress: s.validatorAddress, timestampMs: s.timestampMs, signature: s.signature },
  }));
  return block.proposal === null ? votes : [{ kind: 'proposal', proposal: block.proposal }, ...votes];
}
