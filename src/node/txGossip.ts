/**
 * Transaction gossip: transactions admitted to our pool (from JSON-RPC or from a peer) go to every other
 * peer, batched per event-loop turn into one message (an RLP list of raw transactions) so a burst of
 * sends costs a few frames, not one per transaction. A received batch is admitted transaction by
 * transaction through the same checks as eth_sendRawTransaction; what the pool already knows or refuses
 * is dropped quietly (a peer's view of nonces and balances may lag ours by a block), but a message that
 * is not a list of byte strings gets the peer banned.
 *
 * A peer that connects gets our pool's executable transactions, as CometBFT's mempool reactor walks the
 * whole pool for each peer: an announcement reaches only the peers connected at that moment, so without
 * this a transaction taken while a node had no peers (a full node starting, a partition) would never leave
 * it, and a restarted validator would not see what the others hold.
 *
 * Every peer relays what is new to it, so a transaction arrives several times, and the copies that come
 * after its block was committed are no longer in the pool: like CometBFT's mempool cache, the hashes of
 * the last SEEN_CAPACITY transactions taken are remembered, and a copy of one is dropped before its
 * signature is recovered again.
 */
import { keccak256 } from '../crypto/index.ts';
import { RLP } from '../encoding/index.ts';
import { bytesToHex } from '../primitives/index.ts';
import { Channel } from '../p2p/index.ts';
import type { P2P, PeerId } from '../p2p/index.ts';

/** Keeps one message well under the tx channel's 1 MiB limit. */
const MAX_BATCH_BYTES = 512 * 1024;

const SEEN_CAPACITY = 20_000;

export class TxGossip {
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private except: PeerId | undefined | null = null; // null: batch empty; undefined: mixed sources
  private scheduled = false;
  /** Hashes of transactions taken (from peers or JSON-RPC), oldest first. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly p2p: P2P,
    /** Admits one raw transaction; resolves true when it is new to the pool (then it is relayed). */
    private readonly admit: (raw: Uint8Array) => Promise<boolean>,
    /** The pool's executable transactions, raw, for a peer that just connected. */
    private readonly pending: () => Uint8Array[],
  ) {}

  start(): void {
    this.p2p.on('message', (peer, channel, bytes) => {
      if (channel === Channel.tx) void this.receive(peer, bytes);
    });
    this.p2p.on('peer', (e) => {
      if (e.kind === 'connected') void this.sendPoolTo(e.peer.id);
    });
  }

  /** A transaction new to our pool; `from` is the peer that sent it (it needs no copy back). */
  announce(raw: Uint8Array, from?: PeerId): void {
    this.remember(raw);
    if (this.p2p.peers().length === 0) return;
    if (this.batchBytes + raw.length > MAX_BATCH_BYTES) this.flush();
    this.batch.push(raw);
    this.batchBytes += raw.length;
    this.except = this.except === null ? from : this.except === from ? from : undefined;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.batch.length === 0) return;
    const bytes = RLP.encode(this.batch);
    const except = this.except;
    this.batch = [];
    this.batchBytes = 0;
    this.except = null;
    for (const peer of this.p2p.peers()) if (peer.id !== except) this.p2p.send(peer.id, Channel.tx, bytes);
  }

  /** Our pool to a new peer, in batches, waiting for its send queue when it is full (a big pool). */
  private async sendPoolTo(peer: PeerId): Promise<void> {
    let batch: Uint8Array[] = [];
    let bytes = 0;
    /** False once the peer is gone (drained() resolves at once for a gone peer, and send says 'no-peer'). */
    const flush = async (): Promise<boolean> => {
      if (batch.length === 0) return true;
      const message = RLP.encode(batch);
      batch = [];
      bytes = 0;
      for (;;) {
        const result = this.p2p.send(peer, Channel.tx, message);
        if (result !== 'full') return result === 'queued';
        await this.p2p.drained(peer, Channel.tx);
      }
    };
    for (const raw of this.pending()) {
      if (bytes + raw.length > MAX_BATCH_BYTES && !(await flush())) return;
      batch.push(raw);
      bytes += raw.length;
    }
    await flush();
  }

  private async receive(peer: PeerId, bytes: Uint8Array): Promise<void> {
    let list: unknown;
    try {
      list = RLP.decode(bytes);
    } catch {
      list = undefined;
    }
    if (!Array.isArray(list) || list.length === 0 || !list.every((t) => t instanceof Uint8Array && t.length > 0)) {
      this.p2p.ban(peer, 'transaction message is not a list of raw transactions');
      return;
    }
    for (const raw of list as Uint8Array[]) {
      if (this.seen.has(txKey(raw))) continue;
      const fresh = await this.admit(raw).catch(() => false);
      if (fresh) this.announce(raw, peer);
    }
  }

  private remember(raw: Uint8Array): void {
    this.seen.add(txKey(raw));
    if (this.seen.size > SEEN_CAPACITY) this.seen.delete(this.seen.values().next().value as string);
  }
}

function txKey(raw: Uint8Array): string {
  return bytesToHex(keccak256(raw));
}
