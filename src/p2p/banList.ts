/**
 * Node ids banned until a clock time. Bans are by node id, never by IP: ids are proven by the handshake,
 * while an IP is shared by every node behind one NAT (and by all of a local testnet). Expired entries
 * are dropped lazily on lookup, so the list needs no timer.
 */
import type { Clock, PeerId } from './types.ts';

export class BanList {
  private readonly until = new Map<PeerId, number>();

  constructor(private readonly clock: Clock) {}

  ban(id: PeerId, durationMs: number): number {
    const untilMs = this.clock.nowMs() + durationMs;
    this.until.set(id, Math.max(untilMs, this.until.get(id) ?? 0));
    return untilMs;
  }

  /** The clock time the ban ends, or undefined if `id` is not banned now. */
  bannedUntil(id: PeerId): number | undefined {
    const untilMs = this.until.get(id);
    if (untilMs === undefined) return undefined;
    if (untilMs > this.clock.nowMs()) return untilMs;
    this.until.delete(id);
    return undefined;
  }
}
