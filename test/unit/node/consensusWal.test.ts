/**
 * The consensus write-ahead log's records round-trip what the driver logs, including messages decoded from
 * a peer's bytes: p2p hands over Buffers, and JSON.stringify turns a Buffer into `{ type, data }` before a
 * replacer sees it. A validator restarted mid-height replayed such a record into the machine, which then
 * crashed comparing addresses (found by test/e2e/network.test.ts: a validator stopped while the chain was
 * halted could never start again).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeWalEntry, encodeWalEntry } from '../../../src/node/consensusWal.ts';
import type { WalEntry } from '../../../src/node/consensusWal.ts';
import { decodeConsensusMessage, encodeConsensusMessage } from '../../../src/types/index.ts';
import type { Proposal, Vote } from '../../../src/types/index.ts';

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
const vote: Vote = { type: 'prevote', height: 7n, round: 2, blockHash: bytes(32, 1), validatorAddress: bytes(20, 2), timestampMs: 1_700_000_000_000n, signature: bytes(64, 3) };
const proposal: Proposal = { height: 7n, round: 2, blockHash: bytes(32, 4), validRound: -1, proposerAddress: bytes(20, 5), signature: bytes(64, 6) };

/** As a peer's message arrives: decoded from a Buffer, so its byte fields are Buffers. */
function fromPeer<T extends 'vote' | 'proposal'>(kind: T): T extends 'vote' ? Vote : Proposal {
  const wire = Buffer.from(encodeConsensusMessage(kind === 'vote' ? { kind: 'vote', vote } : { kind: 'proposal', proposal, partSet: { total: 1, hash: bytes(32, 7) } }));
  const m = decodeConsensusMessage(wire);
  return (m.kind === 'vote' ? m.vote : m.kind === 'proposal' ? m.proposal : assert.fail(m.kind)) as T extends 'vote' ? Vote : Proposal;
}

/** Bytes as number arrays, whatever their class (the machine takes a Buffer or a Uint8Array alike). */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return [...v];
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
}

describe('consensus WAL records', () => {
  const cases: Array<[string, WalEntry]> = [
    ['a height', { kind: 'height', height: 12n }],
    ['our vote', { kind: 'input', input: { kind: 'voteSigned', vote } }],
    ['a peer\u2019s vote (Buffer fields)', { kind: 'input', input: { kind: 'vote', vote: fromPeer('vote') } }],
    ['a peer\u2019s proposal (Buffer fields)', { kind: 'input', input: { kind: 'proposal', proposal: fromPeer('proposal') } }],
    ['a nil vote', { kind: 'input', input: { kind: 'vote', vote: { ...vote, blockHash: null } } }],
  ];
  for (const [what, entry] of cases) {
    test(`round-trips ${what} with every byte field as bytes`, () => {
      const back = decodeWalEntry(encodeWalEntry(entry));
      assert.deepEqual(plain(back), plain(entry));
      const walk = (v: unknown): void => {
        if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return;
        assert.ok(!('type' in v && (v as { type: unknown }).type === 'Buffer'), `${what}: a Buffer came back in its toJSON form`);
        for (const x of Object.values(v)) walk(x);
      };
      walk(back);
    });
  }

  test('reads a record an earlier version wrote with a Buffer in its toJSON form', () => {
    const legacy = '{"kind":"input","input":{"kind":"vote","vote":{"type":"prevote","height":{"$big":"7"},"round":2,"blockHash":{"$hex":"0x01"},"validatorAddress":{"type":"Buffer","data":[2,2]},"timestampMs":{"$big":"5"},"signature":{"type":"Buffer","data":[3]}}}}';
    const e = decodeWalEntry(new TextEncoder().encode(legacy));
    assert.equal(e.kind, 'input');
    const v = (e as { input: { vote: Vote } }).input.vote;
    assert.ok(v.validatorAddress instanceof Uint8Array);
    assert.deepEqual([...v.validatorAddress], [2, 2]);
    assert.deepEqual([...v.signature], [3]);
    assert.equal(v.type, 'prevote', 'a vote\u2019s own type field is left alone');
  });
});
