/**
 * Consensus over p2p: our proposals (with their block cut into parts), votes, evidence and round steps go
 * out on the consensus channels; what peers send comes in through the strict wire decoder, has its
 * signature checked against the validator set of its height, and is handed to the driver once.
 *
 * Trust: a message that does not decode, or carries a bad signature of a validator, or a block part that
 * does not prove into its part set, gets the sender banned (p2p disconnects it). Messages for other
 * heights, from non-members, or already seen are dropped silently: honest peers send those in every race.
 *
 * Relay: each new valid proposal, part, vote and evidence is forwarded once to the other peers (flooding;
 * fine at the validator counts this runs with, and it carries messages across a missing direct link).
 * Lost messages (a peer restarted, a partition healed) come back by re-gossip: while our height, round and
 * step do not move, every `regossipMs` we offer again what we hold for the current height.
 */
import type { ConsensusDriver } from './consensusDriver.ts';
import type { ConsensusOutbox } from './consensusDriver.ts';
import { findValidator } from '../consensus/index.ts';
import type { DuplicateVoteEvidence, Proposal, TendermintState, Vote } from '../consensus/index.ts';
import { ed25519Verify } from '../crypto/index.ts';
import { Channel } from '../p2p/index.ts';
import type { ChannelId, P2P, PeerId } from '../p2p/index.ts';
import { ChainError, bytesToHex, equalBytes } from '../primitives/index.ts';
import { PartSet, decodeBlock, decodeConsensusMessage, encodeBlock, encodeConsensusMessage, evidenceKey, proposalSignBytes, splitIntoParts, voteSignBytes } from '../types/index.ts';
import type { Block, ConsensusMessage, Part, PartSetHeader } from '../types/index.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';

export interface GossipOptions {
  consensusChainId: string;
  /** Re-offer the current height's messages this often while consensus does not move. */
  regossipMs: number;
}

/** Parts that arrive before their proposal (another channel can overtake it) wait, within this bound. */
const MAX_EARLY_PARTS = 2048;
const CONSENSUS_CHANNELS: readonly ChannelId[] = [Channel.proposal, Channel.blockPart, Channel.vote, Channel.evidence];

/** A block cut into parts, kept for the height so re-gossip does not encode and split it again. */
interface SplitBlock {
  height: bigint;
  partSet: PartSetHeader;
  parts: Part[];
}

export interface PeerRoundState {
  height: bigint;
  round: number;
  step: string;
}

export class ConsensusGossip implements ConsensusOutbox {
  private driver: ConsensusDriver | undefined;
  private readonly seen = new Map<string, bigint>(); // id -> height
  private readonly partSets = new Map<string, { set: PartSet; blockHash: Uint8Array; done: boolean }>(); // `${h}/${r}`
  private readonly early = new Map<string, Part[]>(); // `${h}/${r}` -> parts before their proposal
  private earlyCount = 0;
  private readonly splits = new Map<string, SplitBlock>(); // block hash -> its parts
  private lastProgress = { height: 0n, round: -1, step: '' };
  private readonly peerStates = new Map<PeerId, PeerRoundState>();
  private timer: (() => void) | undefined;
  private stopped = false;
  /** Heights of consensus messages peers sent ahead of ours: a sign that we are behind (block sync). */
  onAhead: (peer: PeerId, height: bigint) => void = () => {};
  /** Verified double-sign evidence, ours or a peer's, seen for the first time (to the evidence pool). */
  onEvidence: (evidence: DuplicateVoteEvidence) => void = () => {};

  constructor(
    private readonly p2p: P2P,
    private readonly opts: GossipOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** The driver is built with this gossip as its outbox, so it is attached after construction. */
  attach(driver: ConsensusDriver): void {
    this.driver = driver;
    this.p2p.on('message', (peer, channel, bytes) => {
      if (CONSENSUS_CHANNELS.includes(channel)) this.receive(peer, bytes);
    });
    this.p2p.on('peer', (e) => {
      if (e.kind === 'disconnected') this.peerStates.delete(e.peer.id);
      else this.sendProgressTo(e.peer.id); // a new peer learns where we are, and re-gossip fills it in
    });
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.();
  }

  peerState(peer: PeerId): PeerRoundState | undefined {
    return this.peerStates.get(peer);
  }

  // ---- ConsensusOutbox ----

  proposal(proposal: Proposal, block: Block): void {
    this.markSeen(proposalId(proposal), proposal.height);
    this.sendProposal(proposal, block);
  }

  vote(vote: Vote): void {
    this.markSeen(voteId(vote), vote.height);
    this.broadcast(Channel.vote, { kind: 'vote', vote }, undefined);
  }

  evidence(evidence: DuplicateVoteEvidence): void {
    this.addEvidence(evidence, undefined);
  }

  progress(height: bigint, round: number, step: TendermintState['step']): void {
    if (height !== this.lastProgress.height) this.prune(height);
    this.lastProgress = { height, round, step };
    if (step === 'idle') return;
    this.broadcast(Channel.proposal, { kind: 'newRoundStep', height, round, step }, undefined);
  }

  // ---- receiving ----

  private receive(peer: PeerId, bytes: Uint8Array): void {
    let msg: ConsensusMessage;
    try {
      msg = decodeConsensusMessage(bytes);
    } catch (err) {
      this.p2p.ban(peer, err instanceof Error ? err.message : String(err));
      return;
    }
    try {
      this.handle(peer, msg);
    } catch (err) {
      if (err instanceof ChainError && (err.code === 'BAD_BLOCK_PART' || err.code === 'BAD_CONSENSUS_MESSAGE')) this.p2p.ban(peer, err.message);
      else this.logger.warn('consensus message not handled', { peer, kind: msg.kind, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private handle(peer: PeerId, msg: ConsensusMessage): void {
    const driver = this.driver;
    if (driver === undefined) return;
    switch (msg.kind) {
      case 'newRoundStep':
        this.peerStates.set(peer, { height: msg.height, round: msg.round, step: msg.step });
        if (msg.height > driver.status().height) this.onAhead(peer, msg.height);
        return;
      case 'proposal':
        return this.onProposal(peer, msg.proposal, msg.partSet);
      case 'blockPart':
        return this.onPart(peer, msg.height, msg.round, msg.part);
      case 'vote':
        return this.onVote(peer, msg.vote);
      case 'duplicateVoteEvidence':
        if (!this.verifyVote(peer, msg.evidence.voteA) || !this.verifyVote(peer, msg.evidence.voteB)) return;
        this.addEvidence(msg.evidence, peer);
        return;
      case 'commit':
      case 'hasVote':
        return; // block sync serves lagging peers; these are for a future, finer gossip
    }
  }

  private onProposal(peer: PeerId, p: Proposal, partSet: PartSetHeader): void {
    const driver = this.driver as ConsensusDriver;
    const set = driver.validatorsFor(p.height);
    if (set === undefined) {
      if (p.height > driver.status().height) this.onAhead(peer, p.height);
      return;
    }
    const id = proposalId(p);
    if (this.seen.has(id)) return;
    const member = findValidator(set, bytesToHex(p.proposerAddress));
    if (member === undefined) return;
    const signBytes = proposalSignBytes(this.opts.consensusChainId, p.height, p.round, p.blockHash, p.validRound);
    if (!ed25519Verify(member.publicKey, signBytes, p.signature)) {
      this.p2p.ban(peer, `bad proposal signature of ${bytesToHex(p.proposerAddress)} at ${p.height}/${p.round}`);
      return;
    }
    this.markSeen(id, p.height);
    // one block per round: a second proposal of the round is an equivocation; its block is not fetched
    const key = `${p.height}/${p.round}`;
    if (!this.partSets.has(key)) this.partSets.set(key, { set: new PartSet(partSet), blockHash: p.blockHash, done: driver.block(p.blockHash) !== undefined });
    this.broadcast(Channel.proposal, { kind: 'proposal', proposal: p, partSet }, peer);
    void driver.receiveProposal(p).catch(() => undefined);
    const waiting = this.early.get(`${p.height}/${p.round}`);
    if (waiting !== undefined) {
      this.early.delete(`${p.height}/${p.round}`);
      this.earlyCount -= waiting.length;
      for (const part of waiting) this.onPart(peer, p.height, p.round, part);
    }
  }

  private onPart(peer: PeerId, height: bigint, round: number, part: Part): void {
    const driver = this.driver as ConsensusDriver;
    if (height !== driver.status().height) return;
    const key = `${height}/${round}`;
    const entry = this.partSets.get(key);
    if (entry === undefined) {
      // its proposal has not arrived yet (it travels on another channel)
      if (this.earlyCount >= MAX_EARLY_PARTS) return;
      const list = this.early.get(key) ?? [];
      list.push(part);
      this.early.set(key, list);
      this.earlyCount++;
      return;
    }
    if (entry.done || entry.set.hasPart(part.index)) return;
    const added = entry.set.addPart(part); // BAD_BLOCK_PART: the sender is banned by receive()
    this.broadcast(Channel.blockPart, { kind: 'blockPart', height, round, part }, peer);
    if (added !== 'complete') return;
    entry.done = true;
    const block = decodeBlock(entry.set.blockBytes() as Uint8Array);
    if (!equalBytes(block.hash, entry.blockHash)) {
      // the part-set header is not signed: whoever relayed the proposal could have swapped it
      this.logger.warn('reassembled block does not match its proposal', { height, round });
      return;
    }
    void driver.receiveBlock(block).catch(() => undefined);
  }

  private onVote(peer: PeerId, v: Vote): void {
    const id = voteId(v);
    if (this.seen.has(id)) return;
    if (!this.verifyVote(peer, v)) return;
    this.markSeen(id, v.height);
    this.broadcast(Channel.vote, { kind: 'vote', vote: v }, peer);
    void this.driver?.receiveVote(v).catch(() => undefined);
  }

  /** True for a member's correctly signed vote of a height we are deciding (or just decided). */
  private verifyVote(peer: PeerId, v: Vote): boolean {
    const driver = this.driver as ConsensusDriver;
    const set = driver.validatorsFor(v.height);
    if (set === undefined) {
      if (v.height > driver.status().height) this.onAhead(peer, v.height);
      return false;
    }
    const member = findValidator(set, bytesToHex(v.validatorAddress));
    if (member === undefined) return false;
    const signBytes = voteSignBytes(this.opts.consensusChainId, v.type, v.height, v.round, v.blockHash, v.timestampMs);
    if (ed25519Verify(member.publicKey, signBytes, v.signature)) return true;
    this.p2p.ban(peer, `bad ${v.type} signature of ${bytesToHex(v.validatorAddress)} at ${v.height}/${v.round}`);
    return false;
  }

  private addEvidence(e: DuplicateVoteEvidence, from: PeerId | undefined): void {
    const id = `e/${evidenceKey(e)}`;
    if (this.seen.has(id)) return;
    this.seen.set(id, e.voteA.height + 1_000_000n); // evidence outlives the height it is about
    this.onEvidence(e);
    this.broadcast(Channel.evidence, { kind: 'duplicateVoteEvidence', evidence: e }, from);
  }

  // ---- sending ----

  private broadcast(channel: ChannelId, msg: ConsensusMessage, except: PeerId | undefined): void {
    const bytes = encodeConsensusMessage(msg);
    for (const peer of this.p2p.peers()) if (peer.id !== except) this.p2p.send(peer.id, channel, bytes);
  }

  /** A proposal and every part of its block, to all peers. */
  private sendProposal(proposal: Proposal, block: Block): void {
    const key = bytesToHex(block.hash);
    let split = this.splits.get(key);
    if (split === undefined) {
      const { header, parts } = splitIntoParts(encodeBlock(block));
      split = { height: block.header.height, partSet: header, parts };
      this.splits.set(key, split);
    }
    this.broadcast(Channel.proposal, { kind: 'proposal', proposal, partSet: split.partSet }, undefined);
    for (const part of split.parts) this.broadcast(Channel.blockPart, { kind: 'blockPart', height: proposal.height, round: proposal.round, part }, undefined);
  }

  private sendProgressTo(peer: PeerId): void {
    const { height, round, step } = this.lastProgress;
    if (height === 0n || step === '' || step === 'idle') return;
    this.p2p.send(peer, Channel.proposal, encodeConsensusMessage({ kind: 'newRoundStep', height, round, step: step as 'propose' }));
  }

  private markSeen(id: string, height: bigint): void {
    this.seen.set(id, height);
  }

  /** A new height: messages of heights before the last one can no longer matter. */
  private prune(height: bigint): void {
    for (const [id, h] of this.seen) if (h < height - 1n) this.seen.delete(id);
    for (const key of this.partSets.keys()) if (BigInt(key.slice(0, key.indexOf('/'))) < height) this.partSets.delete(key);
    for (const [key, split] of this.splits) if (split.height < height) this.splits.delete(key);
    for (const key of this.early.keys()) {
      if (BigInt(key.slice(0, key.indexOf('/'))) < height) {
        this.earlyCount -= this.early.get(key)?.length ?? 0;
        this.early.delete(key);
      }
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    let last = { ...this.lastProgress };
    const tick = (): void => {
      if (this.stopped) return;
      const now = this.lastProgress;
      if (now.height === last.height && now.round === last.round && now.step === last.step) this.regossip();
      last = { ...now };
      this.timer = this.clock.at(this.clock.nowMs() + this.opts.regossipMs, tick);
    };
    this.timer = this.clock.at(this.clock.nowMs() + this.opts.regossipMs, tick);
  }

  /** Consensus is stuck at this step: offer everything we hold for the height again (lost messages). */
  private regossip(): void {
    const driver = this.driver;
    if (driver === undefined || this.p2p.peers().length === 0) return;
    const { height } = driver.status();
    const held = driver.heldMessages();
    for (const p of held.proposals) {
      const block = driver.block(p.blockHash);
      if (block !== undefined) this.sendProposal(p, block);
    }
    for (const vote of held.votes) this.broadcast(Channel.vote, { kind: 'vote', vote }, undefined);
    this.progress(height, driver.status().round, driver.status().step);
  }
}

function proposalId(p: Proposal): string {
  return `p/${p.height}/${p.round}/${bytesToHex(p.blockHash)}`;
}

function voteId(v: Vote): string {
  return `v/${v.height}/${v.round}/${v.type}/${bytesToHex(v.validatorAddress)}/${v.blockHash === null ? 'nil' : bytesToHex(v.blockHash)}`;
}
