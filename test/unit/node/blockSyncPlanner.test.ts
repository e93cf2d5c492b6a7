/**
 * The block-sync planner: requests spread over the peers that serve each height within per-peer and
 * window bounds, timeouts hand heights to other peers, answers nobody asked for are flagged, a rejected
 * block's sender loses everything it sent, and the caught-up rule is CometBFT's. Ends with a seeded
 * simulation (BLOCK_SYNC_PLANNER_SEED=<n> replays it) checking the bounds after every step.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSyncPlanner, testSyncPlannerOptions, validateSyncPlannerOptions } from '../../../src/node/blockSyncPlanner.ts';
import type { SyncPlanner, SyncPlannerOptions, SyncRequest } from '../../../src/node/blockSyncPlanner.ts';
import { ChainError } from '../../../src/primitives/index.ts';
import { Prng } from '../../sim/prng.ts';

const SEED = Number(process.env.BLOCK_SYNC_PLANNER_SEED ?? 20240612);
const TIMEOUT = testSyncPlannerOptions.requestTimeoutMs;

/** The item a peer delivers for a height: enough to tell who sent what. */
const item = (peerId: string, height: bigint): string => `${peerId}@${height}`;

function planner(over: Partial<SyncPlannerOptions> = {}, peers: Record<string, [number, number]> = {}): SyncPlanner<string> {
  const p = createSyncPlanner<string>({ ...testSyncPlannerOptions, ...over });
  for (const [id, [base, height]] of Object.entries(peers)) assert.equal(p.setPeerStatus(id, BigInt(base), BigInt(height)), 'ok');
  return p;
}

/** "A:1 B:2" — compact, in the order returned. */
const show = (requests: SyncRequest[]): string => requests.map((r) => `${r.peerId}:${r.height}`).join(' ');

/** Every request answered with its block. */
function deliver(p: SyncPlanner<string>, requests: SyncRequest[]): void {
  for (const r of requests) assert.equal(p.onBlock(r.peerId, r.height, item(r.peerId, r.height)), 'expected', `${r.peerId}:${r.height}`);
}

describe('requests', () => {
  test('step table: heights in order, each to the least-loaded peer serving it, within the bounds', () => {
    const steps: Array<[string, Partial<SyncPlannerOptions>, Record<string, [number, number]>, number, string]> = [
      ['spread round-robin over equal peers', { maxPendingPerPeer: 2, maxPendingTotal: 8 }, { A: [1, 100], B: [1, 100], C: [1, 100] }, 0, 'A:1 B:2 C:3 A:4 B:5 C:6'],
      ['the window bounds the heights asked', { maxPendingPerPeer: 4, maxPendingTotal: 5 }, { A: [1, 100], B: [1, 100] }, 0, 'A:1 B:2 A:3 B:4 A:5'],
      ['the window starts above our height', { maxPendingPerPeer: 4, maxPendingTotal: 3 }, { A: [1, 100] }, 40, 'A:41 A:42 A:43'],
      ['one peer: only its per-peer bound', { maxPendingPerPeer: 2, maxPendingTotal: 8 }, { A: [1, 100] }, 0, 'A:1 A:2'],
      ['nothing above the highest peer', { maxPendingPerPeer: 4, maxPendingTotal: 8 }, { A: [1, 3] }, 0, 'A:1 A:2 A:3'],
      ['a peer only gets heights it serves', { maxPendingPerPeer: 4, maxPendingTotal: 8 }, { A: [1, 2], B: [4, 6] }, 0, 'A:1 A:2 B:4 B:5 B:6'],
      ['nothing when we are at the top', { maxPendingPerPeer: 4, maxPendingTotal: 8 }, { A: [1, 5] }, 5, ''],
      ['a node at genesis serves nothing', { maxPendingPerPeer: 4, maxPendingTotal: 8 }, { A: [0, 0] }, 0, ''],
      ['no peers, no requests', {}, {}, 0, ''],
    ];
    for (const [name, options, peers, ourHeight, expected] of steps) {
      assert.equal(show(planner(options, peers).nextRequests(BigInt(ourHeight), 0)), expected, name);
    }
  });

  test('asked or received heights are not asked again; answers free room for the next heights', () => {
    const p = planner({ maxPendingPerPeer: 2, maxPendingTotal: 4 }, { A: [1, 100] });
    const first = p.nextRequests(0n, 0);
    assert.equal(show(first), 'A:1 A:2');
    assert.equal(show(p.nextRequests(0n, 10)), '', 'A is full');
    deliver(p, first.slice(1));
    assert.equal(show(p.nextRequests(0n, 20)), 'A:3', 'one slot freed; height 2 is held, not asked again');
    deliver(p, p.nextRequests(0n, 20));
    deliver(p, [{ peerId: 'A', height: 3n }]);
    assert.equal(show(p.nextRequests(0n, 30)), 'A:4', 'the window (4) ends at height 4 while block 1 is missing');
    assert.equal(show(p.nextRequests(0n, 30)), '');
    assert.deepEqual(p.stats(), { peers: 1, maxPeerHeight: 100n, requested: 2, received: 2 });
  });

  test('a newer status widens what a peer is asked for', () => {
    const p = planner({ maxPendingPerPeer: 8 }, { A: [1, 2] });
    assert.equal(show(p.nextRequests(0n, 0)), 'A:1 A:2');
    assert.equal(p.setPeerStatus('A', 1n, 4n), 'ok');
    assert.equal(show(p.nextRequests(0n, 0)), 'A:3 A:4');
  });
});

describe('answers', () => {
  test('an answer nobody asked that peer for is unexpected; each answer is taken once', () => {
    const p = planner({ maxPendingPerPeer: 1 }, { A: [1, 100], B: [1, 100] });
    assert.equal(show(p.nextRequests(0n, 0)), 'A:1 B:2');
    assert.equal(p.onBlock('C', 1n, 'x'), 'unexpected', 'an unknown peer');
    assert.equal(p.onBlock('A', 5n, 'x'), 'unexpected', 'a height never asked');
    assert.equal(p.onBlock('A', 2n, 'x'), 'unexpected', "a height asked of another peer");
    assert.equal(p.onNoBlock('A', 7n), 'unexpected', 'a refusal never asked for');
    assert.equal(p.onBlock('A', 1n, 'a1'), 'expected');
    assert.equal(p.onBlock('A', 1n, 'a1'), 'unexpected', 'the same answer twice');
    assert.equal(p.nextToApply(0n)?.item, 'a1', 'the unexpected answers changed nothing');
  });

  test('a refusal sends the height to another peer and never back to the one that refused', () => {
    const p = planner({ maxPendingPerPeer: 1 }, { A: [1, 100], B: [1, 100] });
    assert.equal(show(p.nextRequests(0n, 0)), 'A:1 B:2');
    assert.equal(p.onNoBlock('A', 1n), 'expected');
    assert.equal(show(p.nextRequests(0n, 10)), 'A:3', 'A is not asked for 1 again; B is busy');
    deliver(p, [{ peerId: 'B', height: 2n }]);
    assert.equal(show(p.nextRequests(0n, 20)), 'B:1');
  });

  test('the next block stays until our height passes it; a block below our height is dropped', () => {
    const p = planner({ maxPendingPerPeer: 4 }, { A: [1, 100] });
    deliver(p, p.nextRequests(0n, 0));
    assert.deepEqual(p.nextToApply(0n), { height: 1n, peerId: 'A', item: 'A@1' });
    assert.deepEqual(p.nextToApply(0n), { height: 1n, peerId: 'A', item: 'A@1' }, 'looking is not taking');
    assert.equal(show(p.nextRequests(0n, 0)), 'A:5 A:6 A:7 A:8', 'a block being applied is not asked again');
    assert.equal(p.nextToApply(1n)?.item, 'A@2');
    assert.equal(p.nextToApply(3n)?.item, 'A@4', 'blocks 2 and 3 were applied some other way');
    assert.equal(p.stats().received, 1);
    assert.equal(p.nextToApply(4n), undefined, 'block 5 is asked, not received');
  });
});

describe('timeouts', () => {
  test('a timed-out request goes to another peer; its peer is reported, gets nothing more until it answers, and its late answer is ignored', () => {
    const p = planner({ maxPendingPerPeer: 1 }, { A: [1, 100] });
    assert.equal(show(p.nextRequests(0n, 0)), 'A:1');
    p.setPeerStatus('B', 1n, 100n);
    assert.equal(show(p.nextRequests(0n, 500)), 'B:2');
    assert.deepEqual(p.timedOut(TIMEOUT - 1), [], 'not yet');
    assert.deepEqual(p.timedOut(TIMEOUT), ['A'], "A's request is requestTimeoutMs old; B's is not");
    assert.equal(show(p.nextRequests(0n, TIMEOUT)), '', 'A is stalled and B is full');
    deliver(p, [{ peerId: 'B', height: 2n }]);
    assert.equal(show(p.nextRequests(0n, TIMEOUT)), 'B:1', 'height 1 goes to B');
    assert.equal(show(p.nextRequests(0n, TIMEOUT)), '', 'A still owes height 1');
    assert.equal(p.onBlock('A', 1n, 'late'), 'late', 'owed, no longer needed: not a reason to ban');
    assert.equal(p.onBlock('A', 1n, 'late'), 'unexpected', 'but only once');
    assert.equal(show(p.nextRequests(0n, TIMEOUT)), 'A:3', 'A answered: it is asked again');
    assert.deepEqual(p.timedOut(TIMEOUT + 1), [], 'the released request is not reported twice');
  });

  test('a peer with several timed-out requests is reported once', () => {
    const p = planner({ maxPendingPerPeer: 3 }, { A: [1, 100] });
    p.nextRequests(0n, 0);
    assert.deepEqual(p.timedOut(TIMEOUT), ['A']);
    assert.equal(p.stats().requested, 0);
  });

  test('an answer to a request that timed out after we applied its height some other way is late', () => {
    const p = planner({ maxPendingPerPeer: 1 }, { A: [1, 100], B: [1, 100] });
    assert.equal(show(p.nextRequests(0n, 0)), 'A:1 B:2');
    assert.equal(p.nextToApply(2n), undefined, 'blocks 1 and 2 came by another path');
    assert.equal(p.onBlock('B', 2n, 'b2'), 'late', 'asked, answered in time, no longer needed');
    p.timedOut(TIMEOUT);
    assert.equal(p.onBlock('A', 1n, 'a1'), 'late');
    assert.equal(p.stats().received, 0);
  });
});

describe('rejecting and removing peers', () => {
  test('a rejected block names its sender, which is removed with all it sent; the heights are asked of others', () => {
    const p = planner({ maxPendingPerPeer: 2 }, { A: [1, 100], B: [1, 100] });
    const sent = p.nextRequests(0n, 0);
    assert.equal(show(sent), 'A:1 B:2 A:3 B:4');
    deliver(p, sent.slice(0, 3));
    assert.equal(p.reject(1n), 'A');
    assert.deepEqual(p.stats(), { peers: 1, maxPeerHeight: 100n, requested: 1, received: 1 }, "A's block 3 went with it");
    assert.equal(p.onBlock('A', 5n, 'x'), 'unexpected', 'a removed peer is asked nothing');
    assert.equal(show(p.nextRequests(0n, 10)), 'B:1', 'B has one free slot (4 is outstanding)');
    deliver(p, [{ peerId: 'B', height: 4n }]);
    assert.equal(show(p.nextRequests(0n, 10)), 'B:3');
    assert.equal(p.reject(9n), undefined, 'nothing held at 9');
  });

  test('removing a peer releases its requests but keeps the blocks it delivered', () => {
    const p = planner({ maxPendingPerPeer: 2 }, { A: [1, 100], B: [1, 100] });
    const sent = p.nextRequests(0n, 0);
    assert.equal(show(sent), 'A:1 B:2 A:3 B:4');
    deliver(p, [sent[0] as SyncRequest]);
    p.removePeer('A');
    p.removePeer('nobody');
    assert.deepEqual(p.stats(), { peers: 1, maxPeerHeight: 100n, requested: 2, received: 1 });
    assert.equal(p.onBlock('A', 3n, 'x'), 'unexpected');
    assert.equal(p.nextToApply(0n)?.item, 'A@1', 'verified on its own merits when applied');
    assert.equal(p.reject(1n), 'A', 'and still traced to its sender');
    deliver(p, [{ peerId: 'B', height: 2n }]);
    assert.equal(show(p.nextRequests(0n, 10)), 'B:1');
    deliver(p, [{ peerId: 'B', height: 4n }]);
    assert.equal(show(p.nextRequests(0n, 10)), 'B:3', 'block 1 is outstanding at B, 2 and 4 are held');
  });

  test('a peer whose height or base goes down is removed as regressed', () => {
    const p = planner({ maxPendingPerPeer: 2 }, { A: [1, 10], B: [3, 10] });
    p.nextRequests(0n, 0);
    assert.equal(p.setPeerStatus('A', 1n, 10n), 'ok', 'the same status again');
    assert.equal(p.setPeerStatus('A', 2n, 12n), 'ok', 'pruned one, grew two');
    assert.equal(p.setPeerStatus('A', 2n, 11n), 'regressed');
    assert.equal(p.setPeerStatus('B', 2n, 10n), 'regressed');
    assert.deepEqual(p.stats(), { peers: 0, maxPeerHeight: 0n, requested: 0, received: 0 });
  });
});

describe('caught up', () => {
  test("step table: some peer is known and none is above us (CometBFT's rule)", () => {
    const steps: Array<[string, Record<string, [number, number]>, number, boolean]> = [
      ['no peer has reported: never caught up', {}, 0, false],
      ['a peer ahead', { A: [1, 5] }, 3, false],
      ['level with the highest peer', { A: [1, 5], B: [1, 3] }, 5, true],
      ['one peer ahead of several', { A: [1, 3], B: [1, 3], C: [1, 9] }, 3, false],
      ['ahead of every peer', { A: [1, 3] }, 7, true],
      ['a fresh network: everyone at genesis', { A: [0, 0], B: [0, 0] }, 0, true],
    ];
    for (const [name, peers, ourHeight, expected] of steps) assert.equal(planner({}, peers).caughtUp(BigInt(ourHeight)), expected, name);
  });

  test('only connected peers count', () => {
    const p = planner({}, { A: [1, 3], B: [1, 9] });
    assert.equal(p.caughtUp(3n), false);
    p.removePeer('B');
    assert.equal(p.caughtUp(3n), true);
    p.removePeer('A');
    assert.equal(p.caughtUp(3n), false, 'alone again: wait for a peer');
  });
});

test('options are validated', () => {
  const cases: Array<[Partial<SyncPlannerOptions>, string]> = [
    [{ maxPendingPerPeer: 0 }, 'maxPendingPerPeer'],
    [{ maxPendingPerPeer: 1.5 }, 'maxPendingPerPeer'],
    [{ maxPendingTotal: 0 }, 'maxPendingTotal'],
    [{ requestTimeoutMs: 0 }, 'requestTimeoutMs'],
    [{ requestTimeoutMs: Number.NaN }, 'requestTimeoutMs'],
  ];
  for (const [over, field] of cases) {
    const options = { ...testSyncPlannerOptions, ...over };
    assert.throws(() => validateSyncPlannerOptions(options), (e: unknown) => e instanceof ChainError && e.code === 'BAD_OPTION' && e.context['field'] === field, field);
    assert.throws(() => createSyncPlanner(options), (e: unknown) => e instanceof ChainError && e.code === 'BAD_OPTION', field);
  }
});

test(`simulation: honest, slow, silent and lying peers; bounds hold at every step and the node catches up (seed ${SEED})`, () => {
  for (let run = 0; run < 40; run++) {
    const rng = new Prng(SEED + run);
    const context = `seed ${SEED + run}`;
    const options = { maxPendingPerPeer: rng.int(1, 4), maxPendingTotal: rng.int(1, 12), requestTimeoutMs: 100 };
    const p = createSyncPlanner<string>(options);
    const top = BigInt(rng.int(1, 60));
    // honest answers with the block; slow answers after the timeout; silent never; liar sends a bad block
    const behaviour = new Map<string, 'honest' | 'slow' | 'silent' | 'liar'>([['H0', 'honest']]);
    const others = rng.int(0, 4);
    for (let i = 1; i <= others; i++) behaviour.set(`P${i}`, rng.pick(['honest', 'slow', 'silent', 'liar'] as const));
    for (const id of behaviour.keys()) p.setPeerStatus(id, 1n, id === 'H0' ? top : BigInt(rng.int(1, Number(top))));
    const outstanding = new Map<string, Array<{ height: bigint; atMs: number }>>();
    let ourHeight = 0n;
    let now = 0;
    for (let step = 0; step < 5000 && !p.caughtUp(ourHeight); step++) {
      now += rng.int(1, 60);
      for (const id of p.timedOut(now)) assert.notEqual(behaviour.get(id), 'honest', `${context}: an honest peer timed out`);
      for (const r of p.nextRequests(ourHeight, now)) outstanding.set(r.peerId, [...(outstanding.get(r.peerId) ?? []), { height: r.height, atMs: now }]);
      for (const [id, asked] of outstanding) {
        const kind = behaviour.get(id);
        const due = asked.filter((a) => (kind === 'honest' && now - a.atMs >= 10) || (kind === 'liar' && now - a.atMs >= 10) || (kind === 'slow' && now - a.atMs >= 150));
        outstanding.set(id, asked.filter((a) => !due.includes(a)));
        for (const a of due) assert.notEqual(p.onBlock(id, a.height, kind === 'liar' ? 'bad' : item(id, a.height)), 'unexpected', `${context}: ${id} answered what it was asked`);
      }
      for (let next = p.nextToApply(ourHeight); next !== undefined; next = p.nextToApply(ourHeight)) {
        if (next.item === 'bad') {
          const sender = p.reject(next.height);
          assert.equal(behaviour.get(sender ?? ''), 'liar', `${context}: rejected ${sender}`);
          outstanding.delete(sender ?? '');
        } else {
          assert.equal(next.item.split('@')[1], String(ourHeight + 1n), `${context}: applied in height order`);
          ourHeight++;
        }
      }
      // Heights are applied only from received blocks here, so no request is ever below our height.
      const { requested, received } = p.stats();
      assert.ok(requested + received <= options.maxPendingTotal, `${context}: ${requested} asked + ${received} held`);
      // A peer with a timed-out request gets no more, so even what slow and silent peers owe stays bounded.
      for (const [id, asked] of outstanding) assert.ok(asked.length <= options.maxPendingPerPeer, `${context}: ${id} owes ${asked.length}`);
    }
    assert.equal(ourHeight, top, `${context}: caught up with the honest peer`);
  }
});
