/**
 * Step tables for the Tendermint round machine: each row is an input, the effects it must produce and the
 * state after it. Row labels name the lines of Algorithm 1 ("The latest gossip on BFT consensus") the row
 * exercises; with locking.test.ts (locks and valid values across rounds) they cover every branch of L11-L67.
 * Four validators of power 1 unless a table says otherwise: quorum (2f+1) = 3, f+1 = 2; proposers of
 * height 1 rounds 0,1,2,3 are V1,V2,V3,V4.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nextHeightValidatorSet, proposerForRound, stepTendermint } from '../../../../src/consensus/index.ts';
import type { TendermintInput } from '../../../../src/consensus/index.ts';
import { EQUAL, addr, built, feed, input as i, lockAInRound0, machine, proposal, runTable, signedProposal, validatorSet, viewState, vote } from './fixtures.ts';

describe('Tendermint round machine (step tables)', () => {
  test('the fixture proposers are V1..V4 for rounds 0..3', () => {
    const set = validatorSet(EQUAL);
    assert.deepEqual([0, 1, 2, 3].map((r) => proposerForRound(set, r).address[19]), [1, 2, 3, 4]);
  });

  runTable({
    name: 'round 0, all correct: propose, prevote, lock, precommit, decide; late precommit joins the last commit; next height',
    self: 2,
    rows: (set) => [
      { label: 'L10 start, L11-L13 StartRound(0), L21 not proposer', input: i.start(set), effects: ['scheduleTimeout propose h1 r0 3000ms'], state: { height: 1n, round: 0, step: 'propose' } },
      { label: 'proposal from proposer(1,0): ask valid(v)', input: i.proposal(1, 0, 'A'), effects: ['validateBlock r0 A'], state: { step: 'propose' } },
      { label: 'L22-L24, L27', input: i.valid('A'), effects: ['signVote prevote r0 A'], state: { step: 'prevote' } },
      { label: 'own prevote signed: broadcast', input: i.signedPrevote(2, 0, 'A'), effects: ['broadcastVote prevote r0 A'] },
      { label: '2 of 4 prevotes', input: i.prevote(1, 0, 'A'), effects: [] },
      { label: 'L36-L43 lock, precommit, validValue', input: i.prevote(3, 0, 'A'), effects: ['signVote precommit r0 A'], state: { step: 'precommit', locked: 'A/0', valid: 'A/0' } },
      { label: 'own precommit signed', input: i.signedPrecommit(2, 0, 'A'), effects: ['broadcastVote precommit r0 A'] },
      { label: '2 of 4 precommits', input: i.precommit(1, 0, 'A'), effects: [] },
      {
        label: 'L49-L51 decide with the certificate; commit timeout',
        input: i.precommit(3, 0, 'A'),
        effects: ['decide h1 r0 A sigs=V1,V2,V3', 'scheduleTimeout commit h1 r0 10000ms'],
        state: { step: 'commit', decision: 'A/r0' },
      },
      { label: 'decided: nothing more happens in height 1', input: i.timeout('precommit', 0), effects: [], state: { step: 'commit' } },
      { label: 'L52-L53 next height known, commit timeout still runs', input: i.start(nextHeightValidatorSet(set), 2n), effects: [], state: { height: 2n, step: 'newHeight', locked: 'nil/-1', valid: 'nil/-1', decision: 'none' } },
      { label: 'a late precommit of height 1 joins the last commit', input: i.precommit(4, 0, 'A'), effects: [] },
      { label: 'L54 StartRound(0) of height 2 after the commit timeout; V2 proposes', input: i.timeout('commit', 0, 1n), effects: ['buildProposal h2 r0 last=V1,V2,V3,V4', 'scheduleTimeout propose h2 r0 3000ms'], state: { height: 2n, round: 0, step: 'propose' } },
      { label: 'L19 getValue() returned', input: built(0, 'B', 2n), effects: ['signProposal r0 B vr-1'] },
      { label: 'L19 broadcast; own proposal received: L22-L24', input: signedProposal(2, 0, 'B', -1, 2n), effects: ['broadcastProposal r0 B', 'signVote prevote r0 B'], state: { step: 'prevote' } },
    ],
  });

  runTable({
    name: 'the commit timeout may fire before the node starts the next height',
    self: 2,
    given: (set) => [i.start(set), i.proposal(1, 0, 'A'), i.valid('A'), i.precommit(1, 0, 'A'), i.precommit(3, 0, 'A'), i.precommit(4, 0, 'A')],
    rows: (set) => [
      { label: 'commit timeout while still in height 1', input: i.timeout('commit', 0), effects: [], state: { step: 'commit' } },
      { label: 'L54 round 0 starts at once', input: i.start(nextHeightValidatorSet(set), 2n), effects: ['buildProposal h2 r0 last=V1,V3,V4', 'scheduleTimeout propose h2 r0 3000ms'], state: { height: 2n, step: 'propose' } },
    ],
  });

  runTable({
    name: 'timeouts: propose -> nil prevote, prevote -> nil precommit, precommit -> next round',
    self: 2,
    given: (set) => [i.start(set)],
    rows: () => [
      { label: 'L57-L60 OnTimeoutPropose', input: i.timeout('propose', 0), effects: ['signVote prevote r0 nil'], state: { step: 'prevote' } },
      { label: 'L58 guard: not in propose any more', input: i.timeout('propose', 0), effects: [] },
      { label: 'late proposal: validity asked, but L22 needs step propose', input: i.proposal(1, 0, 'A'), effects: ['validateBlock r0 A'] },
      { label: 'L22 guard', input: i.valid('A'), effects: [], state: { step: 'prevote' } },
      { label: 'own nil prevote', input: i.signedPrevote(2, 0, null), effects: ['broadcastVote prevote r0 nil'] },
      { label: '2 prevotes', input: i.prevote(1, 0, 'A'), effects: [] },
      { label: 'L34-L35 2f+1 prevotes for anything', input: i.prevote(3, 0, null), effects: ['scheduleTimeout prevote h1 r0 1000ms'] },
      { label: 'L34 only the first time', input: i.prevote(4, 0, 'B'), effects: [] },
      { label: 'L61-L64 OnTimeoutPrevote', input: i.timeout('prevote', 0), effects: ['signVote precommit r0 nil'], state: { step: 'precommit', locked: 'nil/-1' } },
      { label: 'L62 guard: not in prevote any more', input: i.timeout('prevote', 0), effects: [] },
      { label: 'own nil precommit', input: i.signedPrecommit(2, 0, null), effects: ['broadcastVote precommit r0 nil'] },
      { label: '2 precommits', input: i.precommit(1, 0, 'A'), effects: [] },
      { label: 'L47-L48 2f+1 precommits for anything', input: i.precommit(3, 0, null), effects: ['scheduleTimeout precommit h1 r0 1000ms'] },
      { label: 'L47 only the first time', input: i.precommit(4, 0, null), effects: [] },
      { label: 'L65-L67 -> StartRound(1), L14 V2 proposes, L17-L18 getValue()', input: i.timeout('precommit', 0), effects: ['buildProposal h1 r1', 'scheduleTimeout propose h1 r1 3500ms'], state: { round: 1, step: 'propose' } },
      { label: 'L66 guard: stale round', input: i.timeout('precommit', 0), effects: [], state: { round: 1 } },
      { label: 'stale height', input: i.timeout('propose', 1, 7n), effects: [], state: { step: 'propose' } },
    ],
  });

  runTable({
    name: 'a polka for nil: precommit nil',
    self: 2,
    given: (set) => [i.start(set), i.timeout('propose', 0), i.signedPrevote(2, 0, null)],
    rows: () => [
      { label: '2 nil prevotes', input: i.prevote(1, 0, null), effects: [] },
      { label: 'L44-L46', input: i.prevote(3, 0, null), effects: ['signVote precommit r0 nil'], state: { step: 'precommit' } },
    ],
  });

  runTable({
    name: 'decision on +2/3 precommits of an earlier round (L49 for any r)',
    self: 4,
    given: (set) => [i.start(set), i.proposal(1, 0, 'A'), i.valid('A')],
    rows: () => [
      { label: 'round 1 message', input: i.prevote(2, 1, null), effects: [] },
      { label: 'L55 f+1 in round 1 -> StartRound(1)', input: i.prevote(3, 1, null), effects: ['scheduleTimeout propose h1 r1 3500ms'], state: { round: 1, step: 'propose' } },
      { label: 'round-0 precommit', input: i.precommit(1, 0, 'A'), effects: [] },
      { label: 'round-0 precommit', input: i.precommit(2, 0, 'A'), effects: [] },
      { label: 'L49-L51', input: i.precommit(3, 0, 'A'), effects: ['decide h1 r0 A sigs=V1,V2,V3', 'scheduleTimeout commit h1 r0 10000ms'], state: { step: 'commit', decision: 'A/r0' } },
    ],
  });

  runTable({
    name: 'L49-L50 waits for valid(v), and decides before L22 prevotes',
    self: 4,
    given: (set) => [i.start(set), i.proposal(1, 0, 'A'), i.precommit(1, 0, 'A'), i.precommit(2, 0, 'A')],
    rows: () => [
      { label: '+2/3 precommits, validity unknown', input: i.precommit(3, 0, 'A'), effects: ['scheduleTimeout precommit h1 r0 1000ms'], state: { decision: 'none', step: 'propose' } },
      { label: 'L49-L51', input: i.valid('A'), effects: ['decide h1 r0 A sigs=V1,V2,V3', 'scheduleTimeout commit h1 r0 10000ms'], state: { decision: 'A/r0' } },
    ],
  });

  runTable({
    name: 'an invalid block is prevoted nil and never decided',
    self: 4,
    given: (set) => [i.start(set), i.proposal(1, 0, 'A')],
    rows: () => [
      { label: 'L22-L23 valid(v) false, L26', input: i.valid('A', false), effects: ['signVote prevote r0 nil'], state: { step: 'prevote' } },
      { label: 'precommit', input: i.precommit(1, 0, 'A'), effects: [] },
      { label: 'precommit', input: i.precommit(2, 0, 'A'), effects: [] },
      { label: 'L50 valid(v) false: no decision', input: i.precommit(3, 0, 'A'), effects: ['scheduleTimeout precommit h1 r0 1000ms'], state: { decision: 'none' } },
    ],
  });

  runTable({
    name: 'round skipping on f+1 messages of a higher round (L55-L56)',
    self: 4,
    given: (set) => [i.start(set)],
    rows: () => [
      { label: 'one validator in round 3 (1/4 of the power)', input: i.prevote(1, 3, 'A'), effects: [], state: { round: 0 } },
      { label: 'same validator again', input: i.precommit(1, 3, null), effects: [], state: { round: 0 } },
      { label: 'L55-L56 f+1 -> StartRound(3), V4 proposes', input: i.prevote(2, 3, null), effects: ['buildProposal h1 r3', 'scheduleTimeout propose h1 r3 4500ms'], state: { round: 3, step: 'propose' } },
      { label: 'a proposal counts as a message of its round', input: i.proposal(1, 4, 'B'), effects: ['validateBlock r4 B'], state: { round: 3 } },
      { label: 'L55 proposal + vote of round 4', input: i.precommit(3, 4, null), effects: ['scheduleTimeout propose h1 r4 5000ms'], state: { round: 4 } },
      { label: 'L22 in the new round', input: i.valid('B'), effects: ['signVote prevote r4 B'], state: { step: 'prevote' } },
    ],
  });

  runTable({
    name: 'messages that match no rule are ignored; a double vote becomes evidence once',
    self: 4,
    given: (set) => [i.start(set)],
    rows: () => [
      { label: 'proposal not from proposer(h, r)', input: i.proposal(2, 0, 'A'), effects: [] },
      { label: 'proposal with vr >= r', input: i.proposal(1, 0, 'A', 0), effects: [] },
      { label: 'vote from outside the set', input: i.prevote(9, 0, 'A'), effects: [] },
      { label: 'vote for another height', input: { kind: 'vote', vote: vote('prevote', 1, 0, 'A', 2n) }, effects: [] },
      { label: 'prevote', input: i.prevote(1, 0, 'A'), effects: [] },
      { label: 'the same prevote again', input: i.prevote(1, 0, 'A'), effects: [] },
      { label: 'a conflicting prevote', input: i.prevote(1, 0, 'B'), effects: ['reportEvidence V1 prevote r0 A/B'] },
      { label: 'reported once', input: i.prevote(1, 0, 'B'), effects: [] },
      { label: 'a third value: one evidence per validator, round and type is enough', input: i.prevote(1, 0, null), effects: [] },
      { label: 'precommits are another type', input: i.precommit(1, 0, 'B'), effects: [] },
      { label: 'a conflicting precommit', input: i.precommit(1, 0, 'A'), effects: ['reportEvidence V1 precommit r0 A/B'] },
      { label: 'the conflicting votes were not counted: 2 prevotes for anything', input: i.prevote(2, 0, 'A'), effects: [] },
      { label: 'L34 needs a third validator', input: i.prevote(3, 0, null), effects: [] },
    ],
  });

  runTable({
    name: 'an equivocator counts once for anything and once for each proposed value or nil it voted (the paper counts senders per value)',
    self: 4,
    given: (set) => [i.start(set), i.proposal(1, 0, 'A'), i.valid('A'), i.signedPrevote(4, 0, 'A')],
    rows: () => [
      { label: 'V1 prevotes nil', input: i.prevote(1, 0, null), effects: [] },
      { label: 'V1 also prevotes A: evidence, and A now has V4 + V1', input: i.prevote(1, 0, 'A'), effects: ['reportEvidence V1 prevote r0 nil/A'] },
      { label: 'V2 prevotes B, a block nobody proposed: 3 distinct validators, L34', input: i.prevote(2, 0, 'B'), effects: ['scheduleTimeout prevote h1 r0 1000ms'] },
      { label: 'V2 also prevotes C: evidence, but C is not counted (it cannot matter)', input: i.prevote(2, 0, 'C'), effects: ['reportEvidence V2 prevote r0 B/C'] },
      { label: 'V2 also prevotes A: counted (no second evidence); L36 with V4, V1, V2', input: i.prevote(2, 0, 'A'), effects: ['signVote precommit r0 A'], state: { step: 'precommit', locked: 'A/0' } },
    ],
  });

  runTable({
    name: 'an equivocating proposer: its second proposal is kept once votes name it, and can be decided (L49)',
    self: 4,
    given: (set) => [i.start(set)],
    rows: () => [
      { label: 'first proposal', input: i.proposal(1, 0, 'A'), effects: ['validateBlock r0 A'] },
      { label: 'second proposal, no vote names it: dropped', input: i.proposal(1, 0, 'B'), effects: [] },
      { label: 'precommit B', input: i.precommit(1, 0, 'B'), effects: [] },
      { label: 'precommit B', input: i.precommit(2, 0, 'B'), effects: [] },
      { label: 'L47', input: i.precommit(3, 0, 'B'), effects: ['scheduleTimeout precommit h1 r0 1000ms'] },
      { label: 'second proposal again (gossip): now kept', input: i.proposal(1, 0, 'B'), effects: ['validateBlock r0 B'], state: { decision: 'none' } },
      { label: 'L49-L51 on the second proposal', input: i.valid('B'), effects: ['decide h1 r0 B sigs=V1,V2,V3', 'scheduleTimeout commit h1 r0 10000ms'], state: { decision: 'B/r0' } },
    ],
  });

  runTable({
    name: 'one validator decides alone (the dev chain case)',
    self: 1,
    powers: [10n],
    rows: (set) => [
      { label: 'L14-L18', input: i.start(set), effects: ['buildProposal h1 r0', 'scheduleTimeout propose h1 r0 3000ms'] },
      { label: 'L19', input: built(0, 'A'), effects: ['signProposal r0 A vr-1'] },
      { label: 'L19 broadcast, L22-L24', input: signedProposal(1, 0, 'A'), effects: ['broadcastProposal r0 A', 'signVote prevote r0 A'] },
      { label: 'own prevote is 2f+1: L36-L41', input: i.signedPrevote(1, 0, 'A'), effects: ['broadcastVote prevote r0 A', 'signVote precommit r0 A'], state: { locked: 'A/0' } },
      { label: 'own precommit is 2f+1: L49-L51', input: i.signedPrecommit(1, 0, 'A'), effects: ['broadcastVote precommit r0 A', 'decide h1 r0 A sigs=V1', 'scheduleTimeout commit h1 r0 10000ms'], state: { decision: 'A/r0' } },
    ],
  });

  runTable({
    name: 'quorums are counted by voting power (V1 holds 5 of 8)',
    self: 2,
    powers: [5n, 1n, 1n, 1n],
    rows: (set) => [
      { label: 'L21', input: i.start(set), effects: ['scheduleTimeout propose h1 r0 3000ms'] },
      { label: 'L55: V1 alone is more than 1/3', input: i.precommit(1, 2, null), effects: ['buildProposal h1 r2', 'scheduleTimeout propose h1 r2 4000ms'], state: { round: 2 } },
      { label: 'L19', input: built(2, 'A'), effects: ['signProposal r2 A vr-1'] },
      { label: 'L22', input: signedProposal(2, 2, 'A'), effects: ['broadcastProposal r2 A', 'signVote prevote r2 A'] },
      { label: 'own prevote (1 of 8)', input: i.signedPrevote(2, 2, 'A'), effects: ['broadcastVote prevote r2 A'] },
      { label: 'V3, V4: 3 of 8 is not 2f+1', input: i.prevote(3, 2, 'A'), effects: [] },
      { label: '3 of 8', input: i.prevote(4, 2, 'A'), effects: [] },
      { label: 'L36: V1 brings 8 of 8', input: i.prevote(1, 2, 'A'), effects: ['signVote precommit r2 A'], state: { locked: 'A/2' } },
    ],
  });

  runTable({
    name: 'a node outside the validator set follows without signing',
    self: 9,
    rows: (set) => [
      { label: 'L21', input: i.start(set), effects: ['scheduleTimeout propose h1 r0 3000ms'] },
      { label: 'proposal', input: i.proposal(1, 0, 'A'), effects: ['validateBlock r0 A'] },
      { label: 'L22 without a vote of its own', input: i.valid('A'), effects: [], state: { step: 'prevote' } },
      { label: 'prevote', input: i.prevote(1, 0, 'A'), effects: [] },
      { label: 'prevote', input: i.prevote(2, 0, 'A'), effects: [] },
      { label: 'L36', input: i.prevote(3, 0, 'A'), effects: [], state: { step: 'precommit', locked: 'A/0' } },
      { label: 'precommit', input: i.precommit(1, 0, 'A'), effects: [] },
      { label: 'precommit', input: i.precommit(2, 0, 'A'), effects: [] },
      { label: 'L49', input: i.precommit(3, 0, 'A'), effects: ['decide h1 r0 A sigs=V1,V2,V3', 'scheduleTimeout commit h1 r0 10000ms'] },
    ],
  });
});

describe('Tendermint round machine (properties of the step function)', () => {
  test('an input that matches nothing returns the very same state object', () => {
    const set = validatorSet(EQUAL);
    const s = feed(machine(4), [i.start(set), i.prevote(1, 0, 'A')]).state;
    for (const stale of [i.prevote(1, 0, 'A'), i.prevote(9, 0, 'A'), i.timeout('prevote', 0), i.timeout('propose', 5), i.proposal(3, 0, 'A'), i.valid('A', true, 9n)]) {
      const out = feed(s, [stale]);
      assert.equal(out.state, s);
      assert.deepEqual(out.effects, []);
    }
  });

  test('before the first height every input is ignored', () => {
    const s = machine(1);
    for (const x of [i.prevote(1, 0, 'A'), i.timeout('propose', 0), i.proposal(1, 0, 'A'), i.signedPrevote(1, 0, 'A')]) assert.equal(feed(s, [x]).state, s);
  });

  test('step never changes the state it is given', () => {
    const set = validatorSet(EQUAL);
    const s = feed(machine(4), lockAInRound0(set)).state;
    const before = JSON.stringify(viewState(s), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    const logRounds = [...s.log.rounds.keys()];
    const prevotes0 = s.log.rounds.get(0)?.prevotes.power;
    feed(s, [i.proposal(2, 1, 'B'), i.valid('B'), i.prevote(1, 1, 'B'), i.prevote(2, 1, 'B'), i.prevote(3, 1, 'B'), i.prevote(1, 0, 'C'), i.timeout('precommit', 1), i.prevote(3, 0, 'B')]);
    assert.equal(JSON.stringify(viewState(s), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)), before);
    assert.deepEqual([...s.log.rounds.keys()], logRounds);
    assert.equal(s.log.rounds.get(0)?.prevotes.power, prevotes0);
  });

  test('a signer that returns a conflicting vote stops the machine loudly', () => {
    const set = validatorSet(EQUAL);
    const s = feed(machine(4), [i.start(set), i.signedPrevote(4, 0, null)]).state;
    assert.throws(() => feed(s, [i.signedPrevote(4, 0, 'A')]), /conflicting vote/);
  });

  test('a build that comes back after the round moved on, or after our own propose timeout, is not proposed', () => {
    const set = validatorSet(EQUAL);
    const prevoted = feed(machine(1), [i.start(set), i.timeout('propose', 0)]).state;
    assert.equal(prevoted.step, 'prevote');
    assert.deepEqual(feed(prevoted, [built(0, 'A')]).effects, [], 'the signer would refuse a proposal after a prevote of the same round');
    const s = feed(prevoted, [i.prevote(2, 1, null), i.prevote(3, 1, null)]).state;
    assert.equal(s.round, 1);
    assert.deepEqual(feed(s, [built(0, 'A')]).effects, []);
  });

  test('signature requests of a round come in height/round/step order (what a double-sign guard enforces)', () => {
    const order = { signProposal: 1, prevote: 2, precommit: 3 } as const;
    const set = validatorSet(EQUAL);
    for (const inputs of [
      [i.start(set), built(0, 'A'), { kind: 'proposalSigned', proposal: proposal(1, 0, 'A') } as TendermintInput, i.prevote(2, 0, 'A'), i.prevote(3, 0, 'A'), i.signedPrevote(1, 0, 'A')],
      [i.start(set), i.timeout('propose', 0), built(0, 'A'), i.prevote(2, 0, null), i.prevote(3, 0, null), i.signedPrevote(1, 0, null), i.timeout('precommit', 0)],
    ]) {
      let s = machine(1);
      let last = [0, 0];
      for (const x of inputs) {
        const out = stepTendermint(s, x);
        s = out.state;
        for (const e of out.effects) {
          if (e.kind !== 'signVote' && e.kind !== 'signProposal') continue;
          const at = [e.round, e.kind === 'signProposal' ? order.signProposal : order[e.voteType]];
          assert.ok(at[0]! > last[0]! || (at[0] === last[0] && at[1]! > last[1]!), `request ${JSON.stringify(at)} after ${JSON.stringify(last)}`);
          last = at;
        }
      }
    }
  });

  test('the commit carries the proposer address bytes of each signer in address order', () => {
    const set = validatorSet(EQUAL);
    const { state } = feed(machine(4), [i.start(set), i.proposal(1, 0, 'A'), i.valid('A'), i.precommit(3, 0, 'A'), i.precommit(1, 0, 'A'), i.precommit(2, 0, 'A')]);
    assert.equal(state.step, 'commit');
    const out = feed(state, [i.start(nextHeightValidatorSet(set), 2n), i.timeout('commit', 0)]);
    assert.deepEqual(out.state.lastCommit?.signatures.map((sig) => sig.validatorAddress[19]), [1, 2, 3]);
    assert.deepEqual(out.state.lastCommit?.signatures[0]?.validatorAddress, addr(1));
  });
});
