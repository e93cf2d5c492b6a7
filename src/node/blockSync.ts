/**
 * Block sync over p2p (issue 4 item 5): serves our committed blocks with their certificates, and when
 * peers report heads above ours, downloads the missing blocks (planned by blockSyncPlanner.ts), checks
 * each certificate against the validator set of its height, and hands the block to consensus, which
 * executes and commits it and moves on to the next height. Consensus keeps running meanwhile: a node
 * catching up simply has its heights decided by the network's certificates instead of its own votes.
 *
 * When to fetch: a peer one block ahead is normal for a moment (it committed first and its precommits are
 * still on their way to us), so a head one block ahead is fetched only after it stayed ahead for
 * `lagGraceMs`; two or more blocks ahead are fetched at once.
 */
import { verifyCommit } from '../consensus/index.ts';
import { Channel } from '../p2p/index.ts';
import type { P2P, PeerId } from '../p2p/index.ts';
import { ChainError } from '../primitives/index.ts';
import type { ChainStore } from '../storage/index.ts';
import { decodeBlockSyncMessage, encodeBlockSyncMessage } from '../types/index.ts';
import type { Block, BlockSyncMessage, Commit } from '../types/index.ts';
import { createSyncPlanner, defaultSyncPlannerOptions } from './blockSyncPlanner.ts';
import type { SyncPlanner, SyncPlannerOptions } from './blockSyncPlanner.ts';
import type { Clock } from './clock.ts';
import type { ConsensusDriver } from './consensusDriver.ts';
import type { Logger } from './logger.ts';
import type { ValidatorSets } from './validatorSets.ts';

export interface BlockSyncDeps {
  p2p: P2P;
  store: ChainStore;
  headHeight(): bigint;
  driver: ConsensusDriver;
  validatorSets: ValidatorSets;
  consensusChainId: string;
  clock: Clock;
  logger: Logger;
}

export interface BlockSyncOptions {
  planner: SyncPlannerOptions;
  lagGraceMs: number;
  tickMs: number;
}

export const defaultBlockSyncOptions: BlockSyncOptions = { planner: defaultSyncPlannerOptions, lagGraceMs: 1500, tickMs: 250 };

interface Synced {
  block: Block;
  commit: Commit;
}

export class BlockSync {
  private readonly planner: SyncPlanner<Synced>;
  private behindSinceMs: number | undefined;
  private applying = false;
  private timer: (() => void) | undefined;
  private stopped = false;
  /** Blocks this node took from the network rather than deciding them itself (status, tests). */
  syncedBlocks = 0;

  constructor(
    private readonly d: BlockSyncDeps,
    private readonly opts: BlockSyncOptions = defaultBlockSyncOptions,
  ) {
    this.planner = createSyncPlanner<Synced>(opts.planner);
  }

  start(): void {
    this.d.p2p.on('message', (peer, channel, bytes) => {
      if (channel === Channel.blockSync) this.receive(peer, bytes);
    });
    this.d.p2p.on('peer', (e) => {
      if (e.kind === 'disconnected') {
        this.planner.removePeer(e.peer.id);
        return;
      }
      this.send(e.peer.id, { kind: 'statusRequest' });
      this.send(e.peer.id, this.status());
    });
    const tick = (): void => {
      if (this.stopped) return;
      for (const peer of this.planner.timedOut(this.d.clock.nowMs())) this.d.logger.debug('block sync request timed out', { peer });
      this.pump();
      this.timer = this.d.clock.at(this.d.clock.nowMs() + this.opts.tickMs, tick);
    };
    this.timer = this.d.clock.at(this.d.clock.nowMs() + this.opts.tickMs, tick);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.();
  }

  /** Our head moved: peers learn it (they may be the ones behind). */
  onCommitted(): void {
    const status = encodeBlockSyncMessage(this.status());
    for (const peer of this.d.p2p.peers()) this.d.p2p.send(peer.id, Channel.blockSync, status);
    this.pump();
  }

  /** A consensus message showed a peer deciding a height above ours: ask where its head is. */
  peerAhead(peer: PeerId): void {
    this.send(peer, { kind: 'statusRequest' });
  }

  /** CometBFT's catching_up: a peer has reported a head above ours. */
  catchingUp(): boolean {
    return this.planner.stats().maxPeerHeight > this.d.headHeight();
  }

  private status(): BlockSyncMessage {
    const height = this.d.headHeight();
    return { kind: 'statusResponse', base: height === 0n ? 0n : 1n, height };
  }

  private send(peer: PeerId, m: BlockSyncMessage): void {
    this.d.p2p.send(peer, Channel.blockSync, encodeBlockSyncMessage(m));
  }

  private receive(peer: PeerId, bytes: Uint8Array): void {
    let m: BlockSyncMessage;
    try {
      m = decodeBlockSyncMessage(bytes);
    } catch (err) {
      this.d.p2p.ban(peer, err instanceof Error ? err.message : String(err));
      return;
    }
    switch (m.kind) {
      case 'statusRequest':
        this.send(peer, this.status());
        return;
      case 'statusResponse':
        if (this.planner.setPeerStatus(peer, m.base, m.height) === 'regressed') this.d.logger.info('peer head went backwards', { peer });
        this.pump();
        return;
      case 'blockRequest': {
        const block = m.height <= this.d.headHeight() ? this.d.store.blockByHeight(m.height) : undefined;
        const commit = block === undefined ? undefined : this.d.store.commit(m.height);
        if (block === undefined || commit === undefined) this.send(peer, { kind: 'noBlockResponse', height: m.height });
        else this.send(peer, { kind: 'blockResponse', block, commit });
        return;
      }
      case 'blockResponse': {
        const verdict = this.planner.onBlock(peer, m.block.header.height, { block: m.block, commit: m.commit });
        if (verdict === 'unexpected') this.d.p2p.ban(peer, `sent block ${m.block.header.height}, which it was not asked for`);
        else this.pump();
        return;
      }
      case 'noBlockResponse':
        if (this.planner.onNoBlock(peer, m.height) === 'unexpected') this.d.p2p.ban(peer, `declined block ${m.height}, which it was not asked for`);
        return;
    }
  }

  /** Sends due requests and applies the next downloaded block, one at a time. */
  private pump(): void {
    if (this.stopped) return;
    const head = this.d.headHeight();
    const target = this.planner.stats().maxPeerHeight;
    const now = this.d.clock.nowMs();
    if (target <= head) {
      this.behindSinceMs = undefined;
      return;
    }
    this.behindSinceMs ??= now;
    if (target === head + 1n && now - this.behindSinceMs < this.opts.lagGraceMs) return;
    for (const r of this.planner.nextRequests(head, now)) this.send(r.peerId, { kind: 'blockRequest', height: r.height });
    void this.applyNext();
  }

  private async applyNext(): Promise<void> {
    if (this.applying) return;
    const next = this.planner.nextToApply(this.d.headHeight());
    if (next === undefined) return;
    this.applying = true;
    const { block, commit } = next.item;
    try {
      verifyCommit(commit, this.d.validatorSets.at(next.height), this.d.consensusChainId, next.height, block.hash);
      await this.d.driver.applyCommitted(block, commit);
      this.syncedBlocks++;
    } catch (err) {
      if (err instanceof ChainError && err.action !== 'internal') {
        const peer = this.planner.reject(next.height);
        if (peer !== undefined) this.d.p2p.ban(peer, `block ${next.height} from block sync: ${err.message}`);
      } else {
        this.d.logger.error('applying a synced block failed', { height: next.height, error: err instanceof Error ? err.message : String(err) });
      }
    } finally {
      this.applying = false;
    }
    if (!this.stopped) setImmediate(() => this.pump());
  }
}
