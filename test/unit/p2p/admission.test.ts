/** The admission rule as a step table: description, input, expected decision. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideAdmission } from '../../../src/p2p/admission.ts';
import type { AdmissionInput } from '../../../src/p2p/admission.ts';

const LOW = '11'.repeat(20);
const HIGH = 'ee'.repeat(20);
const base: AdmissionInput = {
  selfId: LOW,
  peerId: HIGH,
  direction: 'inbound',
  existing: undefined,
  bannedUntilMs: undefined,
  persistent: false,
  inbound: 0,
  outbound: 0,
  maxInbound: 2,
  maxOutbound: 2,
};

const table: Array<[string, Partial<AdmissionInput>, string]> = [
  ['a new peer within limits', {}, 'accept'],
  ['ourselves', { peerId: LOW }, 'SELF_CONNECTION'],
  ['a banned peer', { bannedUntilMs: 1 }, 'BANNED'],
  ['a banned persistent peer', { bannedUntilMs: 1, persistent: true }, 'BANNED'],
  ['inbound at the inbound limit', { inbound: 2 }, 'TOO_MANY_PEERS'],
  ['outbound at the outbound limit', { direction: 'outbound', outbound: 2 }, 'TOO_MANY_PEERS'],
  ['inbound while only outbound is full', { outbound: 2 }, 'accept'],
  ['a persistent peer beyond the limit', { inbound: 2, persistent: true }, 'accept'],
  // We are the smaller id: the connection we dialed wins.
  ['we are smaller: new outbound vs existing inbound', { direction: 'outbound', existing: 'inbound' }, 'replace'],
  ['we are smaller: new inbound vs existing outbound', { direction: 'inbound', existing: 'outbound' }, 'DUPLICATE_PEER'],
  // We are the larger id: the connection the peer dialed wins.
  ['we are larger: new inbound vs existing outbound', { selfId: HIGH, peerId: LOW, direction: 'inbound', existing: 'outbound' }, 'replace'],
  ['we are larger: new outbound vs existing inbound', { selfId: HIGH, peerId: LOW, direction: 'outbound', existing: 'inbound' }, 'DUPLICATE_PEER'],
  // Same dialer twice: it lost the first one, the newer wins.
  ['the peer dials again', { direction: 'inbound', existing: 'inbound' }, 'replace'],
  ['we dial again', { direction: 'outbound', existing: 'outbound' }, 'replace'],
  // A duplicate replaces, so it is not counted against the limits.
  ['a duplicate at the limit', { direction: 'inbound', existing: 'inbound', inbound: 2 }, 'replace'],
];

for (const [description, change, expected] of table) {
  test(`admission: ${description} -> ${expected}`, () => {
    const d = decideAdmission({ ...base, ...change });
    const got = d.accept ? (d.replaceExisting ? 'replace' : 'accept') : d.reason.code;
    assert.equal(got, expected);
  });
}

test('admission: both ends of a pair agree on every combination of connections', () => {
  for (const [a, b] of [[LOW, HIGH], [HIGH, LOW]] as const) {
    // Connection X is dialed by a, Y by b. At a, X is outbound and Y inbound; at b, the reverse.
    for (const order of ['X first', 'Y first']) {
      const atA = order === 'X first'
        ? decideAdmission({ ...base, selfId: a, peerId: b, direction: 'inbound', existing: 'outbound' })
        : decideAdmission({ ...base, selfId: a, peerId: b, direction: 'outbound', existing: 'inbound' });
      const atB = order === 'X first'
        ? decideAdmission({ ...base, selfId: b, peerId: a, direction: 'outbound', existing: 'inbound' })
        : decideAdmission({ ...base, selfId: b, peerId: a, direction: 'inbound', existing: 'outbound' });
      // "Keeps X" at a: X first and Y refused, or Y first and X replaces it. Same reading at b.
      const keptAtA = order === 'X first' ? (atA.accept ? 'Y' : 'X') : atA.accept ? 'X' : 'Y';
      const keptAtB = order === 'X first' ? (atB.accept ? 'Y' : 'X') : atB.accept ? 'X' : 'Y';
      assert.equal(keptAtA, keptAtB, `${a < b ? 'a smaller' : 'b smaller'}, ${order}`);
      assert.equal(keptAtA, a < b ? 'X' : 'Y');
    }
  }
});
