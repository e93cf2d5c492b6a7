/**
 * Persistent peers and their redial timers. A lost or unreachable persistent peer is dialed again after
 * redialMinMs, doubling per failure up to redialMaxMs, and never before its ban ends. There is no
 * jitter: a validator mesh has a handful of peers, not a crowd redialing one seed at once.
 */
import type { PeerAddress } from './address.ts';
import type { BanList } from './banList.ts';
import type { Clock, PeerId } from './types.ts';

interface Entry {
  address: PeerAddress;
  failures: number;
  cancel: (() => void) | undefined;
}

export class Redialer {
  private readonly entries = new Map<PeerId, Entry>();
  private stopped = false;

  constructor(
    addresses: readonly PeerAddress[],
    private readonly limits: { redialMinMs: number; redialMaxMs: number },
    private readonly clock: Clock,
    private readonly bans: BanList,
    private readonly dial: (address: PeerAddress) => void,
  ) {
    for (const address of addresses) this.entries.set(address.id, { address, failures: 0, cancel: undefined });
  }

  has(id: PeerId): boolean {
    return this.entries.has(id);
  }

  addresses(): PeerAddress[] {
    return [...this.entries.values()].map((e) => e.address);
  }

  /** The peer is connected: its next loss starts the backoff from the bottom again. */
  connected(id: PeerId): void {
    const e = this.entries.get(id);
    if (e !== undefined) e.failures = 0;
  }

  /** Schedules the next dial of a persistent peer (no-op for others, or if one is already scheduled). */
  schedule(id: PeerId): void {
    const e = this.entries.get(id);
    if (e === undefined || this.stopped || e.cancel !== undefined) return;
    const { redialMinMs, redialMaxMs } = this.limits;
    let atMs = this.clock.nowMs() + Math.min(redialMaxMs, redialMinMs * 2 ** Math.min(e.failures, 30));
    e.failures++;
    const bannedUntil = this.bans.bannedUntil(id);
    if (bannedUntil !== undefined) atMs = Math.max(atMs, bannedUntil);
    e.cancel = this.clock.at(atMs, () => {
      e.cancel = undefined;
      this.dial(e.address);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) e.cancel?.();
  }
}
