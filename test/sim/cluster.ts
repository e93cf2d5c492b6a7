/**
 * N Tendermint machines in one process, driven by a virtual clock (EventQueue) over a simulated network.
 * The cluster plays the node around each machine: it runs the effects (build, validate, sign, broadcast,
 * schedule timeouts, commit decided blocks, start the next height), keeps each node's write-ahead log of
 * inputs (replayed on restart), and a gossip layer: a new message is forwarded once to every peer, and
 * every gossipIntervalMs each node offers its own messages of the current height to peers that lack them,
 * and a decided block's proposal and commit to peers still at that height (CometBFT's catch-up). One node
 * may be byzantine: it equivocates on every vote and proposal and proposes invalid blocks.
 *
 * Invariants are checked as each step's effects are produced, i.e. after every step: agreement, validity,
 * every commit certificate is +2/3 of real precommits, honest validators never sign two values, evidence
 * only ever names the byzantine validator, and a restarted node never decides differently.
 */
import { bytesToHex, equalBytes } from '../../src/primitives/index.ts';
import { createTendermintState, createValidatorSet, findValidator, isDuplicateVoteEvidence, isQuorum, nextHeightValidatorSet, proposalsOf, stepTendermint, valueKey } from '../../src/consensus/index.ts';
import type { DuplicateVoteEvidence, TendermintEffect, TendermintInput, TendermintState, TimeoutOptions, ValidatorSet, Vote } from '../../src/consensus/index.ts';
import type { Commit } from '../../src/types/index.ts';
import { EventQueue } from './eventQueue.ts';
import { SimNetwork } from './network.ts';
import type { SimMessage } from './network.ts';
import type { Prng } from './prng.ts';
import { DoubleSigner } from './byzantine.ts';
import { catchUp, holds, relayFor } from './gossip.ts';
import type { StoredBlock } from './gossip.ts';
import { SimSigner } from './simSigner.ts';

export class SimFailure extends Error {}

export interface ClusterOptions {
  powers: readonly bigint[];
  /** Chance that an honest node loses its connections right after it decides (while chaos lasts). */
  isolateDeciderChance: () => number;
  /** Index of the double-signing validator, or null. */
  byzantine: number | null;
  timeouts: TimeoutOptions;
  gossipIntervalMs: number;
}

export interface SimNode {
  readonly index: number;
  readonly address: Uint8Array;
  readonly key: string;
  readonly byzantine: boolean;
  readonly signer: SimSigner;
  /** The block store: survives crashes. */
  readonly store: Map<bigint, StoredBlock>;
  alive: boolean;
  /** Bumped on crash and restart: events scheduled by an earlier incarnation are dropped. */
  incarnation: number;
  state: TendermintState;
  /** Inputs since the last startHeight: what a restart replays. */
  wal: TendermintInput[];
  /** Our own messages of the current height, offered again to peers that lack them. */
  sent: SimMessage[];
}

function nodeAddress(i: number): Uint8Array {
  const a = new Uint8Array(20);
  a[0] = 0xcc;
  a[19] = i + 1;
  return a;
}

export class Cluster {
  readonly queue = new EventQueue();
  readonly network: SimNetwork;
  readonly nodes: SimNode[];
  readonly decided = new Map<bigint, string>();
  readonly stats = { decisions: 0, decidedAfterRound0: 0, maxRound: 0, relocks: 0, evidence: 0, crashes: 0, restarts: 0, replayedInputs: 0 };
  private readonly sets: ValidatorSet[] = [];
  private readonly blocks = new Map<string, { height: bigint; valid: boolean }>();
  private readonly honestVotes = new Map<string, string>();
  private readonly signedPrecommits = new Set<string>();
  private readonly evidenceSeen = new Set<string>();
  private readonly adversary: DoubleSigner;

  constructor(
    private readonly rng: Prng,
    private readonly opts: ClusterOptions,
  ) {
    this.network = new SimNetwork(rng, this.queue, (to, m) => this.deliver(to, m));
    this.adversary = new DoubleSigner(rng, {
      send: (from, to, m) => this.network.send(from, to, m),
      newBlock: (height, valid) => this.newBlock(height, valid),
      recordSigned: (node, v) => this.recordSigned(node, v),
      totalPower: (height) => this.setFor(height).totalPower,
    });
    this.nodes = opts.powers.map((_, i) => {
      const address = nodeAddress(i);
      const byzantine = i === opts.byzantine;
      return {
        index: i,
        address,
        key: bytesToHex(address),
        byzantine,
        signer: new SimSigner(address, !byzantine),
        store: new Map(),
        alive: true,
        incarnation: 0,
        state: createTendermintState({ address, timeouts: opts.timeouts }),
        wal: [],
        sent: [],
      };
    });
  }

  /** The validator set of a height: genesis, then one priority increment per height (no set changes here). */
  setFor(height: bigint): ValidatorSet {
    if (this.sets.length === 0) {
      this.sets.push(createValidatorSet(this.opts.powers.map((power, i) => ({ address: nodeAddress(i), publicKey: new Uint8Array(32), power }))));
    }
    while (BigInt(this.sets.length) < height) this.sets.push(nextHeightValidatorSet(this.sets[this.sets.length - 1] as ValidatorSet));
    return this.sets[Number(height) - 1] as ValidatorSet;
  }

  fail(message: string): never {
    throw new SimFailure(`${message} (virtual time ${this.queue.nowMs} ms)`);
  }

  start(): void {
    for (const node of this.nodes) this.input(node, node.incarnation, { kind: 'startHeight', height: 1n, validators: this.setFor(1n), lastCommit: null });
    this.queue.after(this.opts.gossipIntervalMs, () => this.gossip());
  }

  crash(i: number): void {
    const node = this.nodes[i] as SimNode;
    node.alive = false;
    node.incarnation++;
    this.stats.crashes++;
  }

  /** A fresh machine replays the write-ahead log; the effects of the replay run again (they are idempotent). */
  restart(i: number): void {
    const node = this.nodes[i] as SimNode;
    node.alive = true;
    node.incarnation++;
    node.state = createTendermintState({ address: node.address, timeouts: this.opts.timeouts });
    node.sent = [];
    const effects: TendermintEffect[] = [];
    for (const input of node.wal) {
      const out = stepTendermint(node.state, input);
      node.state = out.state;
      effects.push(...out.effects);
    }
    this.stats.restarts++;
    this.stats.replayedInputs += node.wal.length;
    this.runEffects(node, effects);
  }

  private input(node: SimNode, incarnation: number, input: TendermintInput): { state: TendermintState; effects: TendermintEffect[] } | null {
    if (!node.alive || node.incarnation !== incarnation) return null;
    if (input.kind === 'startHeight') {
      node.wal = [input];
      node.sent = [];
    } else {
      node.wal.push(input);
    }
    const before = node.state;
    const out = stepTendermint(node.state, input);
    node.state = out.state;
    if (out.state.round > this.stats.maxRound) this.stats.maxRound = out.state.round;
    // a lock moved to another value within a height: the unlock-and-relock path (L28-L30 then L36)
    const was = before.lockedValue;
    const now = out.state.lockedValue;
    if (out.state.height === before.height && was !== null && now !== null && !equalBytes(was, now)) this.stats.relocks++;
    this.runEffects(node, out.effects);
    return out;
  }

  private later(node: SimNode, delayMs: number, make: () => TendermintInput): void {
    const incarnation = node.incarnation;
    this.queue.after(delayMs, () => this.input(node, incarnation, make()));
  }

  private newBlock(height: bigint, valid: boolean): Uint8Array {
    const hash = this.rng.bytes(32);
    this.blocks.set(bytesToHex(hash), { height, valid });
    return hash;
  }

  private runEffects(node: SimNode, effects: readonly TendermintEffect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case 'buildProposal': {
          const valid = !node.byzantine || !this.rng.chance(0.3);
          this.later(node, this.rng.int(5, 40), () => ({ kind: 'proposalBuilt', height: e.height, round: e.round, blockHash: this.newBlock(e.height, valid) }));
          break;
        }
        case 'signProposal': {
          const p = node.signer.signProposal(e.height, e.round, e.blockHash, e.validRound);
          if (p === null) this.fail(`honest node ${node.index} was asked to sign a proposal at ${e.height}/${e.round} out of height/round/step order`);
          this.later(node, 1, () => ({ kind: 'proposalSigned', proposal: p }));
          break;
        }
        case 'broadcastProposal':
          if (node.byzantine) this.adversary.proposal(node, this.peersOf(node), e.proposal);
          else this.broadcast(node, { kind: 'proposal', proposal: e.proposal });
          break;
        case 'signVote': {
          const v = node.signer.signVote(e.voteType, e.height, e.round, e.blockHash, this.queue.nowMs);
          if (v === null) this.fail(`honest node ${node.index} was asked to sign a ${e.voteType} at ${e.height}/${e.round} out of height/round/step order`);
          this.recordSigned(node, v);
          this.later(node, 1, () => ({ kind: 'voteSigned', vote: v }));
          break;
        }
        case 'broadcastVote':
          if (node.byzantine) this.adversary.vote(node, this.peersOf(node), e.vote, this.queue.nowMs);
          else this.broadcast(node, { kind: 'vote', vote: e.vote });
          break;
        case 'validateBlock': {
          const info = this.blocks.get(bytesToHex(e.blockHash));
          const valid = info !== undefined && info.valid && info.height === e.height;
          this.later(node, this.rng.int(2, 60), () => ({ kind: 'blockValidity', height: e.height, blockHash: e.blockHash, valid }));
          break;
        }
        case 'scheduleTimeout':
          this.later(node, e.durationMs, () => ({ kind: 'timeout', step: e.step, height: e.height, round: e.round }));
          break;
        case 'decide':
          this.onDecide(node, e);
          break;
        case 'reportEvidence':
          this.onEvidence(e.evidence);
          break;
      }
    }
  }

  private recordSigned(node: SimNode, v: Vote): void {
    if (v.type === 'precommit') this.signedPrecommits.add(`${node.key}/${v.height}/${v.round}/${valueKey(v.blockHash)}`);
    if (node.byzantine) return;
    const key = `${node.key}/${v.height}/${v.round}/${v.type}`;
    const prev = this.honestVotes.get(key);
    if (prev !== undefined && prev !== valueKey(v.blockHash)) this.fail(`honest node ${node.index} signed two ${v.type}s at ${v.height}/${v.round}`);
    this.honestVotes.set(key, valueKey(v.blockHash));
  }

  private onDecide(node: SimNode, e: Extract<TendermintEffect, { kind: 'decide' }>): void {
    const hex = bytesToHex(e.blockHash);
    const stored = node.store.get(e.height);
    if (stored !== undefined && !equalBytes(stored.hash, e.blockHash)) this.fail(`node ${node.index} decided another block at height ${e.height} after a restart`);
    if (!node.byzantine && stored === undefined && this.rng.chance(this.opts.isolateDeciderChance())) {
      // the nemesis for lock bugs: the first to see a commit cannot pass it on before the others move on
      this.network.isolatedUntilMs.set(node.index, this.queue.nowMs + this.rng.int(500, 8_000));
    }
    if (!node.byzantine) {
      const agreed = this.decided.get(e.height);
      if (agreed !== undefined && agreed !== hex) this.fail(`agreement: two blocks decided at height ${e.height}`);
      this.decided.set(e.height, hex);
      const info = this.blocks.get(hex);
      if (info === undefined || !info.valid || info.height !== e.height) this.fail(`validity: node ${node.index} decided a block nobody validly proposed at ${e.height}`);
      this.checkCommit(e.height, e.commit);
    }
    if (stored === undefined) {
      const rm = node.state.log.rounds.get(e.round);
      const proposal = rm === undefined ? undefined : proposalsOf(rm).find((p) => equalBytes(p.blockHash, e.blockHash));
      node.store.set(e.height, { hash: e.blockHash, commit: e.commit, proposal: proposal ?? null });
      this.stats.decisions++;
      if (e.round > 0) this.stats.decidedAfterRound0++;
    }
    this.later(node, this.rng.int(5, 80), () => ({ kind: 'startHeight', height: e.height + 1n, validators: this.setFor(e.height + 1n), lastCommit: e.commit }));
  }

  private checkCommit(height: bigint, commit: Commit): void {
    const set = this.setFor(height);
    const seen = new Set<string>();
    let power = 0n;
    for (const sig of commit.signatures) {
      const key = bytesToHex(sig.validatorAddress);
      const member = findValidator(set, key);
      if (member === undefined || seen.has(key)) this.fail(`commit at ${height} has a bad or repeated signer ${key}`);
      if (!this.signedPrecommits.has(`${key}/${height}/${commit.round}/${valueKey(commit.blockHash)}`)) this.fail(`commit at ${height} holds a precommit ${key} never signed`);
      seen.add(key);
      power += member.power;
    }
    if (!isQuorum(power, set.totalPower)) this.fail(`commit at ${height} has ${power} of ${set.totalPower}: not +2/3`);
  }

  private onEvidence(ev: DuplicateVoteEvidence): void {
    const byz = this.opts.byzantine === null ? undefined : this.nodes[this.opts.byzantine];
    if (byz === undefined || !equalBytes(ev.voteA.validatorAddress, byz.address)) this.fail(`evidence against honest validator ${bytesToHex(ev.voteA.validatorAddress)}`);
    if (!isDuplicateVoteEvidence(ev)) this.fail('malformed evidence');
    const key = `${ev.voteA.height}/${ev.voteA.round}/${ev.voteA.type}/${valueKey(ev.voteA.blockHash)}/${valueKey(ev.voteB.blockHash)}`;
    if (!this.evidenceSeen.has(key)) {
      this.evidenceSeen.add(key);
      this.stats.evidence++;
    }
  }

  private peersOf(node: SimNode): SimNode[] {
    return this.nodes.filter((n) => n !== node);
  }

  private broadcast(node: SimNode, m: SimMessage): void {
    node.sent.push(m);
    for (const peer of this.peersOf(node)) this.network.send(node.index, peer.index, m);
  }

  /** A message from the network; honest nodes forward what was new to them once (flooding gossip). */
  private deliver(to: number, m: SimMessage): void {
    const node = this.nodes[to] as SimNode;
    const before = node.state;
    const out = this.input(node, node.incarnation, m.kind === 'vote' ? { kind: 'vote', vote: m.vote } : { kind: 'proposal', proposal: m.proposal });
    if (out === null || node.byzantine || out.state === before || out.effects.some((e) => e.kind === 'reportEvidence')) return;
    for (const peer of this.peersOf(node)) this.network.send(node.index, peer.index, m);
  }

  private gossip(): void {
    for (const a of this.nodes) {
      if (!a.alive || a.byzantine) continue;
      for (const b of this.peersOf(a)) {
        if (!b.alive || !this.network.connected(a.index, b.index)) continue;
        let offer: SimMessage[] = [];
        if (b.state.height === a.state.height) offer = [...a.sent, ...relayFor(a.state, b.state)];
        else if (b.state.height < a.state.height && b.state.step !== 'commit') {
          const block = a.store.get(b.state.height);
          if (block !== undefined) offer = catchUp(block);
        }
        for (const m of offer) if (!holds(b.state, m)) this.network.send(a.index, b.index, m);
      }
    }
    this.queue.after(this.opts.gossipIntervalMs, () => this.gossip());
  }
}
