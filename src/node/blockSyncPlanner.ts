/**
 * The bookkeeping of a node catching up by block sync (issue 4): which peer serves which heights, which
 * heights are asked of whom and since when, and which blocks have arrived but wait for those below them.
 * Pure: no I/O, no timers; the node passes the time in and does the sending, verifying, applying and
 * banning. Generic over what a received block is stored as (the node's { block, commit }).
 *
 * The node's loop:
 *   - statusResponse → setPeerStatus; 'regressed' means the peer went back on its word (ban it).
 *   - on a tick: timedOut(now) (the peers named were too slow; CometBFT drops them), then send a
 *     blockRequest for each of nextRequests(ourHeight, now).
 *   - blockResponse → onBlock, noBlockResponse → onNoBlock; 'unexpected' is an answer nobody asked that
 *     peer for (ban it); 'late' is one it owed but that is no longer needed (ignore it).
 *   - while nextToApply(ourHeight) gives a block: verify its commit against the validator set of its
 *     height, execute, store; if it fails, ban reject(height) and the height is asked again elsewhere.
 *   - caughtUp(ourHeight) → switch to consensus. A disconnect → removePeer.
 *
 * Each block travels with its own commit, so a bad block or certificate is always the fault of the one
 * peer that sent it (CometBFT verifies block h with h+1's lastCommit and must suspect two senders).
 */
import { ChainError } from '../primitives/index.ts';
import type { PeerId } from '../p2p/index.ts';

export interface SyncPlannerOptions {
  /** Requests outstanding at one peer; more wait for its answers. CometBFT: 20. */
  maxPendingPerPeer: number;
  /**
   * How far ahead of our height blocks are requested: every height asked or received but not applied
   * lies in ourHeight+1..ourHeight+maxPendingTotal, which bounds memory (× MAX_BLOCK_BYTES at worst).
   */
  maxPendingTotal: number;
  /** A request unanswered this long goes to another peer, and its peer is reported by timedOut. */
  requestTimeoutMs: number;
}

export const defaultSyncPlannerOptions: Readonly<SyncPlannerOptions> = { maxPendingPerPeer: 16, maxPendingTotal: 128, requestTimeoutMs: 15_000 };
export const testSyncPlannerOptions: Readonly<SyncPlannerOptions> = { maxPendingPerPeer: 2, maxPendingTotal: 8, requestTimeoutMs: 1_000 };

export function validateSyncPlannerOptions(o: SyncPlannerOptions): SyncPlannerOptions {
  const bad = (field: string, why: string): never => {
    throw new ChainError('BAD_OPTION', `invalid block-sync option ${field}: ${why}`, { field });
  };
  if (!Number.isSafeInteger(o.maxPendingPerPeer) || o.maxPendingPerPeer < 1) bad('maxPendingPerPeer', 'must be an integer >= 1');
  if (!Number.isSafeInteger(o.maxPendingTotal) || o.maxPendingTotal < 1) bad('maxPendingTotal', 'must be an integer >= 1');
  if (!Number.isFinite(o.requestTimeoutMs) || o.requestTimeoutMs <= 0) bad('requestTimeoutMs', 'must be > 0');
  return o;
}

export interface SyncRequest {
  peerId: PeerId;
  height: bigint;
}

export interface SyncedBlock<T> {
  height: bigint;
  /** Who sent it: the peer to ban if it fails verification. */
  peerId: PeerId;
  item: T;
}

/** expected: stored (or noted); late: owed by the peer but no longer needed; unexpected: never asked of it. */
export type SyncResponseVerdict = 'expected' | 'late' | 'unexpected';

export interface SyncPlannerStats {
  peers: number;
  /** The highest height a connected peer reported (0 with no peers): the sync target. */
  maxPeerHeight: bigint;
  requested: number;
  received: number;
}

export interface SyncPlanner<T> {
  /**
   * Records a peer's range base..height (a new peer, or a newer status). A peer whose base or height goes
   * down contradicts itself (committed blocks do not disappear): it is removed and 'regressed' returned.
   */
  setPeerStatus(peerId: PeerId, base: bigint, height: bigint): 'ok' | 'regressed';
  /** Forgets a peer; its outstanding requests go to others. Blocks it already delivered are kept. */
  removePeer(peerId: PeerId): void;
  /**
   * The requests to send now, in height order: every height above ourHeight within the window that is
   * neither asked nor received, each to the least-loaded peer that serves it, has room, and is not stalled
   * (a peer with a timed-out request gets no more until it answers it). Records them as sent at nowMs.
   */
  nextRequests(ourHeight: bigint, nowMs: number): SyncRequest[];
  onBlock(peerId: PeerId, height: bigint, item: T): SyncResponseVerdict;
  /** The peer does not serve `height` (it pruned it): it is not asked for it again, others are. */
  onNoBlock(peerId: PeerId, height: bigint): SyncResponseVerdict;
  /** Releases requests outstanding for requestTimeoutMs or more; returns their peers, each once. */
  timedOut(nowMs: number): PeerId[];
  /**
   * The block at ourHeight+1, if received. It stays here until ourHeight passes it (so it is not asked
   * again while it is being applied) or reject(height) drops it.
   */
  nextToApply(ourHeight: bigint): SyncedBlock<T> | undefined;
  /**
   * The block at `height` failed verification: drops it with everything else its sender delivered, removes
   * the sender (its requests go to others) and returns it, for the node to ban. undefined if none is held.
   */
  reject(height: bigint): PeerId | undefined;
  /** CometBFT's rule: some peer is connected and none has reported a height above ours. */
  caughtUp(ourHeight: bigint): boolean;
  stats(): SyncPlannerStats;
}

interface PeerState {
  base: bigint;
  height: bigint;
  /** Heights asked of it and not yet answered, not timed out. */
  asked: Set<bigint>;
  /** Heights asked of it that timed out and went to others; it still owes an answer. */
  stalled: Set<bigint>;
  /** Heights it answered with noBlockResponse. */
  declined: Set<bigint>;
}

export function createSyncPlanner<T>(options: SyncPlannerOptions): SyncPlanner<T> {
  const o = validateSyncPlannerOptions({ ...options });
  const peers = new Map<PeerId, PeerState>();
  const requests = new Map<bigint, { peerId: PeerId; sinceMs: number }>();
  const received = new Map<bigint, { peerId: PeerId; item: T }>();
  // The last ourHeight the node told us: answers at or below it are no longer needed.
  let applied = 0n;

  function advance(ourHeight: bigint): void {
    applied = ourHeight;
    for (const h of received.keys()) if (h <= applied) received.delete(h);
    for (const p of peers.values()) for (const h of p.declined) if (h <= applied) p.declined.delete(h);
  }

  function maxPeerHeight(): bigint {
    let max = 0n;
    for (const p of peers.values()) if (p.height > max) max = p.height;
    return max;
  }

  function removePeer(peerId: PeerId): void {
    const peer = peers.get(peerId);
    if (peer === undefined) return;
    for (const h of peer.asked) requests.delete(h);
    peers.delete(peerId);
  }

  /** Spreads the window: the peer with the fewest outstanding requests, the earliest added on a tie. */
  function pickPeer(height: bigint): PeerId | undefined {
    let best: [PeerId, PeerState] | undefined;
    for (const entry of peers) {
      const p = entry[1];
      if (height < p.base || height > p.height || p.stalled.size > 0 || p.declined.has(height)) continue;
      if (p.asked.size >= o.maxPendingPerPeer) continue;
      if (best === undefined || p.asked.size < best[1].asked.size) best = entry;
    }
    return best?.[0];
  }

  /** Matches an answer to what was asked of the peer; an expected one is no longer outstanding. */
  function answer(peerId: PeerId, height: bigint): SyncResponseVerdict {
    const peer = peers.get(peerId);
    if (peer === undefined) return 'unexpected';
    if (requests.get(height)?.peerId === peerId) {
      requests.delete(height);
      peer.asked.delete(height);
      return height <= applied ? 'late' : 'expected';
    }
    return peer.stalled.delete(height) ? 'late' : 'unexpected';
  }

  return {
    setPeerStatus(peerId, base, height) {
      const peer = peers.get(peerId);
      if (peer === undefined) {
        peers.set(peerId, { base, height, asked: new Set(), stalled: new Set(), declined: new Set() });
        return 'ok';
      }
      if (base < peer.base || height < peer.height) {
        removePeer(peerId);
        return 'regressed';
      }
      peer.base = base;
      peer.height = height;
      return 'ok';
    },

    removePeer,

    nextRequests(ourHeight, nowMs) {
      advance(ourHeight);
      const out: SyncRequest[] = [];
      const peerTop = maxPeerHeight();
      const windowTop = ourHeight + BigInt(o.maxPendingTotal);
      const top = peerTop < windowTop ? peerTop : windowTop;
      for (let height = ourHeight + 1n; height <= top; height++) {
        if (requests.has(height) || received.has(height)) continue;
        const peerId = pickPeer(height);
        if (peerId === undefined) continue;
        requests.set(height, { peerId, sinceMs: nowMs });
        peers.get(peerId)?.asked.add(height);
        out.push({ peerId, height });
      }
      return out;
    },

    onBlock(peerId, height, item) {
      const verdict = answer(peerId, height);
      if (verdict === 'expected') received.set(height, { peerId, item });
      return verdict;
    },

    onNoBlock(peerId, height) {
      const verdict = answer(peerId, height);
      if (verdict === 'expected') peers.get(peerId)?.declined.add(height);
      return verdict;
    },

    timedOut(nowMs) {
      const slow = new Set<PeerId>();
      for (const [height, r] of requests) {
        if (nowMs - r.sinceMs < o.requestTimeoutMs) continue;
        requests.delete(height);
        const peer = peers.get(r.peerId);
        peer?.asked.delete(height);
        peer?.stalled.add(height);
        slow.add(r.peerId);
      }
      return [...slow];
    },

    nextToApply(ourHeight) {
      advance(ourHeight);
      const height = ourHeight + 1n;
      const r = received.get(height);
      return r === undefined ? undefined : { height, peerId: r.peerId, item: r.item };
    },

    reject(height) {
      const peerId = received.get(height)?.peerId;
      if (peerId === undefined) return undefined;
      for (const [h, r] of received) if (r.peerId === peerId) received.delete(h);
      removePeer(peerId);
      return peerId;
    },

    caughtUp(ourHeight) {
      return peers.size > 0 && ourHeight >= maxPeerHeight();
    },

    stats() {
      return { peers: peers.size, maxPeerHeight: maxPeerHeight(), requested: requests.size, received: received.size };
    },
  };
}
