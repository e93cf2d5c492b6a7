/**
 * Step tables for locking and unlocking across rounds: lockedValue/lockedRound (L23, L29, L36-L41) and
 * validValue/validRound (L15-L16, L42-L43), with the re-proposal of a valid value (L28). Same validators
 * and conventions as roundMachine.test.ts.
 */
import { describe } from 'node:test';
import { built, input as i, lockAInRound0, runTable, signedProposal } from './fixtures.ts';

describe('Tendermint round machine: locks and valid values across rounds (step tables)', () => {
  runTable({
    name: 'locked proposer re-proposes its valid value with its valid round, and prevotes it through L28',
    self: 2,
    given: (set) => [
      i.start(set),
      i.proposal(1, 0, 'A'),
      i.valid('A'),
      i.signedPrevote(2, 0, 'A'),
      i.prevote(1, 0, 'A'),
      i.prevote(3, 0, 'A'),
      i.signedPrecommit(2, 0, 'A'),
      i.precommit(1, 0, null),
    ],
    rows: () => [
      { label: 'L47 precommits split', input: i.precommit(3, 0, null), effects: ['scheduleTimeout precommit h1 r0 1000ms'], state: { locked: 'A/0', valid: 'A/0' } },
      { label: 'L65 -> L11, L14-L16 validValue != nil, L19', input: i.timeout('precommit', 0), effects: ['signProposal r1 A vr0', 'scheduleTimeout propose h1 r1 3500ms'], state: { round: 1, locked: 'A/0' } },
      { label: 'L19 broadcast; L28-L30 with the round-0 polka', input: signedProposal(2, 1, 'A', 0), effects: ['broadcastProposal r1 A', 'signVote prevote r1 A'], state: { step: 'prevote' } },
      { label: 'a second build for the same round is not proposed', input: built(1, 'B'), effects: [] },
    ],
  });

  runTable({
    name: 'locked on A: a fresh proposal of B gets nil (L23 false, L26)',
    self: 4,
    given: lockAInRound0,
    rows: () => [
      { label: 'round 1 proposal', input: i.proposal(2, 1, 'B'), effects: ['validateBlock r1 B'], state: { round: 1, step: 'propose', locked: 'A/0' } },
      { label: 'L22-L23 locked on another value, L25-L27', input: i.valid('B'), effects: ['signVote prevote r1 nil'], state: { step: 'prevote', locked: 'A/0' } },
    ],
  });

  runTable({
    name: 'locked on A: a fresh proposal of A itself gets a prevote (L23 lockedValue = v)',
    self: 4,
    given: lockAInRound0,
    rows: () => [{ label: 'L22-L24 (valid(A) already known)', input: i.proposal(2, 1, 'A'), effects: ['signVote prevote r1 A'], state: { step: 'prevote', locked: 'A/0' } }],
  });

  runTable({
    name: 'unlocking: a polka newer than the lock lets a locked validator prevote another value (L28-L30), then it relocks (L36)',
    self: 4,
    given: lockAInRound0,
    rows: () => [
      { label: 'L57 no proposal in round 1', input: i.timeout('propose', 1), effects: ['signVote prevote r1 nil'] },
      { label: 'own nil prevote', input: i.signedPrevote(4, 1, null), effects: ['broadcastVote prevote r1 nil'] },
      { label: 'others prevote B', input: i.prevote(1, 1, 'B'), effects: [] },
      { label: 'L34 2f+1 prevotes for anything', input: i.prevote(2, 1, 'B'), effects: ['scheduleTimeout prevote h1 r1 1500ms'] },
      { label: 'polka for B in round 1, but no proposal seen: no L36', input: i.prevote(3, 1, 'B'), effects: [], state: { step: 'prevote', locked: 'A/0', valid: 'A/0' } },
      { label: 'L61', input: i.timeout('prevote', 1), effects: ['signVote precommit r1 nil'] },
      { label: 'own nil precommit', input: i.signedPrecommit(4, 1, null), effects: ['broadcastVote precommit r1 nil'] },
      { label: 'precommits', input: i.precommit(1, 1, null), effects: [] },
      { label: 'L47', input: i.precommit(2, 1, null), effects: ['scheduleTimeout precommit h1 r1 1500ms'] },
      { label: 'L65 -> round 2 (V3 proposes)', input: i.timeout('precommit', 1), effects: ['scheduleTimeout propose h1 r2 4000ms'], state: { round: 2, locked: 'A/0' } },
      { label: 'proposal of B with vr = 1', input: i.proposal(3, 2, 'B', 1), effects: ['validateBlock r2 B'] },
      { label: 'L28-L30: lockedRound 0 <= vr 1', input: i.valid('B'), effects: ['signVote prevote r2 B'], state: { step: 'prevote', locked: 'A/0' } },
      { label: 'own prevote', input: i.signedPrevote(4, 2, 'B'), effects: ['broadcastVote prevote r2 B'] },
      { label: 'prevote', input: i.prevote(1, 2, 'B'), effects: [] },
      { label: 'L36-L43 relock on B', input: i.prevote(2, 2, 'B'), effects: ['signVote precommit r2 B'], state: { step: 'precommit', locked: 'B/2', valid: 'B/2' } },
    ],
  });

  runTable({
    name: 'a polka older than the lock is not enough (L28-L29 false, L31-L32)',
    self: 4,
    given: (set) => [
      i.start(set),
      i.timeout('propose', 0),
      i.signedPrevote(4, 0, null),
      i.prevote(1, 0, 'B'),
      i.prevote(2, 0, 'B'),
      i.prevote(3, 0, 'B'), // polka for B in round 0 that V4 could not act on (no proposal)
      i.timeout('prevote', 0),
      i.signedPrecommit(4, 0, null),
      i.precommit(1, 0, null),
      i.precommit(2, 0, null),
      i.timeout('precommit', 0),
      i.proposal(2, 1, 'A'),
      i.valid('A'),
      i.signedPrevote(4, 1, 'A'),
      i.prevote(1, 1, 'A'),
      i.prevote(2, 1, 'A'), // lock A in round 1
      i.signedPrecommit(4, 1, 'A'),
      i.precommit(1, 1, null),
      i.precommit(2, 1, null),
      i.timeout('precommit', 1),
    ],
    rows: () => [
      { label: 'round 2: B re-proposed with vr = 0', input: i.proposal(3, 2, 'B', 0), effects: ['validateBlock r2 B'], state: { round: 2, locked: 'A/1' } },
      { label: 'L29 lockedRound 1 > vr 0 and locked on A: L32', input: i.valid('B'), effects: ['signVote prevote r2 nil'], state: { step: 'prevote', locked: 'A/1' } },
    ],
  });

  runTable({
    name: 'L28 waits for the 2f+1 prevotes of the valid round',
    self: 4,
    given: (set) => [i.start(set), i.timeout('propose', 0), i.precommit(1, 0, null), i.precommit(2, 0, null), i.precommit(3, 0, null), i.timeout('precommit', 0)],
    rows: () => [
      { label: 'proposal with vr = 0', input: i.proposal(2, 1, 'A', 0), effects: ['validateBlock r1 A'], state: { round: 1, step: 'propose' } },
      { label: 'valid, but no polka for A in round 0 yet', input: i.valid('A'), effects: [], state: { step: 'propose' } },
      { label: 'prevote of round 0', input: i.prevote(1, 0, 'A'), effects: [] },
      { label: 'prevote of round 0', input: i.prevote(2, 0, 'A'), effects: [] },
      { label: 'L28-L30 polka complete (not locked)', input: i.prevote(3, 0, 'A'), effects: ['signVote prevote r1 A'], state: { step: 'prevote' } },
    ],
  });

  runTable({
    name: 'a polka seen after precommitting nil updates validValue only (L36 with step = precommit: L42-L43)',
    self: 4,
    given: (set) => [i.start(set), i.proposal(1, 0, 'A'), i.valid('A'), i.signedPrevote(4, 0, 'A'), i.prevote(1, 0, 'A'), i.prevote(2, 0, null)],
    rows: () => [
      { label: 'L61', input: i.timeout('prevote', 0), effects: ['signVote precommit r0 nil'], state: { step: 'precommit' } },
      { label: 'L36 step = precommit: no lock, no precommit, validValue = A', input: i.prevote(3, 0, 'A'), effects: [], state: { step: 'precommit', locked: 'nil/-1', valid: 'A/0' } },
    ],
  });

});
