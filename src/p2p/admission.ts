/**
 * Whether a freshly authenticated connection may become the peer's connection: a pure rule, so it is
 * tested as a table (test/unit/p2p/admission.test.ts).
 *
 * Duplicates: both ends of a pair must keep the same one of two connections without talking about it.
 * Each connection has a dialer; the rule keeps the connection dialed by the smaller node id, which
 * both ends compute alike. When both connections have the same dialer, that dialer has dialed again,
 * which it only does when it has lost the old one (a restart, a dead link), so the newer one wins.
 */
import { P2PErrorCode, p2pError } from './errors.ts';
import type { P2PError } from './errors.ts';
import type { Direction, PeerId } from './types.ts';

export interface AdmissionInput {
  selfId: PeerId;
  peerId: PeerId;
  direction: Direction;
  /** Direction of the connection we already have to peerId, if any. */
  existing: Direction | undefined;
  bannedUntilMs: number | undefined;
  persistent: boolean;
  /** Connections now counted against the limits (persistent peers excluded). */
  inbound: number;
  outbound: number;
  maxInbound: number;
  maxOutbound: number;
}

export type Admission = { accept: true; replaceExisting: boolean } | { accept: false; reason: P2PError };

export function decideAdmission(a: AdmissionInput): Admission {
  if (a.peerId === a.selfId) return reject(P2PErrorCode.SELF_CONNECTION, 'connected to ourselves');
  if (a.bannedUntilMs !== undefined) return reject(P2PErrorCode.BANNED, `peer is banned until ${new Date(a.bannedUntilMs).toISOString()}`);
  if (a.existing !== undefined) {
    const dialer = (d: Direction) => (d === 'outbound' ? a.selfId : a.peerId);
    const newDialer = dialer(a.direction);
    const oldDialer = dialer(a.existing);
    if (newDialer === oldDialer || newDialer < oldDialer) return { accept: true, replaceExisting: true };
    return reject(P2PErrorCode.DUPLICATE_PEER, 'already connected through the connection the smaller node id dialed');
  }
  if (!a.persistent) {
    if (a.direction === 'inbound' && a.inbound >= a.maxInbound) return reject(P2PErrorCode.TOO_MANY_PEERS, `inbound limit ${a.maxInbound} reached`);
    if (a.direction === 'outbound' && a.outbound >= a.maxOutbound) return reject(P2PErrorCode.TOO_MANY_PEERS, `outbound limit ${a.maxOutbound} reached`);
  }
  return { accept: true, replaceExisting: false };
}

function reject(code: P2PErrorCode, message: string): Admission {
  return { accept: false, reason: p2pError(code, message) };
}
