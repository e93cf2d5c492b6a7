/**
 * The attack the lock rules exist for, scripted message by message on three honest machines (V1, V3, V4)
 * and one byzantine validator (V2, the proposer of round 1), four validators of power 1:
 *
 * Round 0: V1 proposes A. V1 and V3 see the polka, lock A and precommit it; V4 misses it and precommits
 * nil. V2 precommits A to V1 and nil to the others, so V1 decides A while V3 and V4 go to round 1.
 * Round 1: V2 proposes a fresh B. V3, locked on A, must prevote nil (L23): if it prevoted B, B would get
 * V3 + V4 + V2 = 3 of 4, and V3 and V4 would decide B against V1's A.
 * Round 2: V3 re-proposes A with valid round 0; V4 counts V2's A-prevote (relayed by V1) although V2 sent
 * it nil, sees the round-0 polka, prevotes A (L28), and A is decided everywhere.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stepTendermint } from '../../../../src/consensus/index.ts';
import type { Proposal, TendermintInput, TendermintState, Vote } from '../../../../src/consensus/index.ts';
import { block, input as i, machine, proposal, validatorSet, vote } from './fixtures.ts';
import type { BlockName } from './fixtures.ts';

/** A validator's machine with an instant signer: its signed votes are collected for the script to deliver. */
class Node {
  state: TendermintState;
  decided: string | null = null;
  readonly votes: Vote[] = [];
  readonly proposals: Proposal[] = [];

  constructor(readonly index: number) {
    this.state = machine(index);
  }

  feed(...inputs: TendermintInput[]): this {
    for (const input of inputs) {
      const out = stepTendermint(this.state, input);
      this.state = out.state;
      for (const e of out.effects) {
        if (e.kind === 'signVote') {
          const name = e.blockHash === null ? null : (['A', 'B'] as const).find((n) => Buffer.compare(block(n), e.blockHash as Uint8Array) === 0) ?? null;
          this.feed({ kind: 'voteSigned', vote: vote(e.voteType, this.index, e.round, name) });
        } else if (e.kind === 'broadcastVote') this.votes.push(e.vote);
        else if (e.kind === 'signProposal') this.feed({ kind: 'proposalSigned', proposal: { ...proposal(this.index, e.round, 'A', e.validRound), blockHash: e.blockHash } });
        else if (e.kind === 'broadcastProposal') this.proposals.push(e.proposal);
        else if (e.kind === 'decide') this.decided = e.blockHash[0] === block('A')[0] ? 'A' : 'B';
        else if (e.kind === 'validateBlock') this.feed(i.valid(e.blockHash[0] === block('A')[0] ? 'A' : 'B'));
      }
    }
    return this;
  }

  lastVote(type: 'prevote' | 'precommit', round: number): Vote {
    const v = this.votes.find((x) => x.type === type && x.round === round);
    assert.ok(v !== undefined, `V${this.index} has no ${type} in round ${round}`);
    return v;
  }
}

const deliver = (to: Node, ...votes: Vote[]): void => {
  to.feed(...votes.map((v): TendermintInput => ({ kind: 'vote', vote: v })));
};
const byz = (type: 'prevote' | 'precommit', round: number, value: BlockName | null): Vote => vote(type, 2, round, value);

test('a byzantine proposer cannot make validators locked on a decided value decide another one (L23), and the height still ends on A', () => {
  const set = validatorSet([1n, 1n, 1n, 1n]);
  const [v1, v3, v4] = [new Node(1), new Node(3), new Node(4)];
  for (const n of [v1, v3, v4]) n.feed(i.start(set));

  // round 0: V1 (the proposer) builds A; V3 gets the proposal, V4 times out
  v1.feed({ kind: 'proposalBuilt', height: 1n, round: 0, blockHash: block('A') });
  v3.feed(i.proposal(1, 0, 'A'));
  v4.feed(i.timeout('propose', 0));
  assert.equal(v4.lastVote('prevote', 0).blockHash, null);

  deliver(v1, v3.lastVote('prevote', 0), byz('prevote', 0, 'A'));
  deliver(v3, v1.lastVote('prevote', 0), byz('prevote', 0, 'A'));
  assert.equal(v1.state.lockedRound, 0);
  assert.equal(v3.state.lockedRound, 0);
  // V4 sees A, nil, nil: 2f+1 prevotes for anything, no polka; it precommits nil on the prevote timeout
  deliver(v4, v1.lastVote('prevote', 0), byz('prevote', 0, null));
  v4.feed(i.timeout('prevote', 0));
  assert.equal(v4.lastVote('precommit', 0).blockHash, null);

  // precommits: V2 tells V1 "A" and the others "nil"
  deliver(v1, v3.lastVote('precommit', 0), byz('precommit', 0, 'A'));
  assert.equal(v1.decided, 'A');
  for (const n of [v3, v4]) {
    deliver(n, ...[v1, v3, v4].filter((m) => m !== n).map((m) => m.lastVote('precommit', 0)), byz('precommit', 0, null));
    assert.equal(n.decided, null);
    n.feed(i.timeout('precommit', 0));
    assert.equal(n.state.round, 1);
  }

  // round 1: V2 proposes a fresh B to V3 and V4
  for (const n of [v3, v4]) n.feed(i.proposal(2, 1, 'B'));
  assert.equal(v3.lastVote('prevote', 1).blockHash, null, 'V3 is locked on A: L23 refuses B');
  assert.ok(v4.lastVote('prevote', 1).blockHash !== null, 'V4 is not locked');
  for (const n of [v3, v4]) {
    const other = n === v3 ? v4 : v3;
    deliver(n, other.lastVote('prevote', 1), byz('prevote', 1, 'B'));
    assert.notEqual(n.state.step, 'commit');
    n.feed(i.timeout('prevote', 1));
  }
  for (const n of [v3, v4]) {
    const other = n === v3 ? v4 : v3;
    deliver(n, other.lastVote('precommit', 1), byz('precommit', 1, 'B'));
    assert.equal(n.decided, null, `V${n.index} must not decide B`);
    n.feed(i.timeout('precommit', 1));
    assert.equal(n.state.round, 2);
  }

  // round 2: V3 re-proposes A (valid round 0); V4 learns V2's round-0 A-prevote from V1's relay
  assert.equal(v3.proposals.at(-1)?.validRound, 0);
  v4.feed({ kind: 'proposal', proposal: v3.proposals.at(-1) as Proposal });
  assert.equal(v4.votes.filter((v) => v.round === 2).length, 0, 'no polka for A in round 0 yet: L28 waits');
  deliver(v4, byz('prevote', 0, 'A'), v3.lastVote('prevote', 0));
  assert.ok(v4.lastVote('prevote', 2).blockHash !== null, 'V4 prevotes A through L28');
  deliver(v3, v4.lastVote('prevote', 2), byz('prevote', 2, 'A'));
  deliver(v4, v3.lastVote('prevote', 2), byz('prevote', 2, 'A'));
  deliver(v3, v4.lastVote('precommit', 2), byz('precommit', 2, 'A'));
  deliver(v4, v3.lastVote('precommit', 2), byz('precommit', 2, 'A'));
  assert.deepEqual([v1.decided, v3.decided, v4.decided], ['A', 'A', 'A']);
});
