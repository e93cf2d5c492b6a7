/**
 * A node of a validator network: p2p (encrypted TCP to its peers), consensus gossip, block sync and
 * transaction gossip, built around the producer's consensus driver. A single-validator chain has none of
 * this (its outbox is silent).
 */
import type { Ed25519Key } from '../crypto/index.ts';
import { createP2P, defaultP2PLimits } from '../p2p/index.ts';
import type { P2P } from '../p2p/index.ts';
import type { ChainStore } from '../storage/index.ts';
import { BlockSync } from './blockSync.ts';
import type { Clock } from './clock.ts';
import { ConsensusGossip } from './consensusGossip.ts';
import type { EvidencePool } from './evidencePool.ts';
import type { Logger } from './logger.ts';
import type { NodeP2POptions } from './p2pOptions.ts';
import type { BlockProducer } from './producer.ts';
import { TxGossip } from './txGossip.ts';

export interface NetworkDeps {
  nodeKey: Ed25519Key;
  consensusChainId: string;
  p2p: NodeP2POptions;
  store: ChainStore;
  headHeight(): bigint;
  /** Admits a raw transaction from a peer; true when it is new to the pool. */
  admitFromPeer(raw: Uint8Array): Promise<boolean>;
  /** The pool's executable transactions (raw), sent to each peer that connects. */
  pendingTransactions(): Uint8Array[];
  /** Where verified double-sign evidence goes, to be committed in a block. */
  evidence: EvidencePool;
  clock: Clock;
  logger: Logger;
}

export class NodeNetwork {
  readonly p2p: P2P;
  readonly gossip: ConsensusGossip;
  readonly txs: TxGossip;
  private sync: BlockSync | undefined;

  constructor(private readonly d: NetworkDeps) {
    this.p2p = createP2P(
      { nodeKey: d.nodeKey, network: d.consensusChainId, listen: d.p2p.listen, persistentPeers: d.p2p.persistentPeers, seeds: d.p2p.seeds, limits: defaultP2PLimits },
      { clock: d.clock, logger: d.logger },
    );
    this.gossip = new ConsensusGossip(this.p2p, { consensusChainId: d.consensusChainId, regossipMs: 1000 }, d.clock, d.logger);
    this.txs = new TxGossip(this.p2p, d.admitFromPeer, d.pendingTransactions);
  }

  /** Connects the gossip to the producer's consensus and starts listening and dialing. */
  async start(producer: BlockProducer): Promise<void> {
    this.gossip.attach(producer.consensus);
    const sync = new BlockSync({
      p2p: this.p2p,
      store: this.d.store,
      headHeight: this.d.headHeight,
      driver: producer.consensus,
      validatorSets: producer.validatorSets,
      consensusChainId: this.d.consensusChainId,
      clock: this.d.clock,
      logger: this.d.logger,
    });
    this.sync = sync;
    this.gossip.onAhead = (peer) => sync.peerAhead(peer);
    this.gossip.onEvidence = (e) => this.d.evidence.add(e);
    sync.start();
    this.txs.start();
    await this.p2p.start();
    this.d.logger.info('p2p started', { nodeId: this.p2p.nodeId, listen: this.p2p.selfAddress(), peers: this.d.p2p.persistentPeers.length });
  }

  onCommitted(): void {
    this.sync?.onCommitted();
  }

  catchingUp(): boolean {
    return this.sync?.catchingUp() ?? false;
  }

  peerCount(): number {
    return this.p2p.peers().length;
  }

  async stop(): Promise<void> {
    this.gossip.stop();
    this.sync?.stop();
    await this.p2p.stop();
  }
}
