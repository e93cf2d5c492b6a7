/**
 * The byzantine validator's strategy. Its machine runs the honest algorithm; at every broadcast it plays
 * both sides of the round: each (height, round) it either splits its peers in two or gives everyone its
 * second value, for its proposal and its votes alike. The second proposal aims at the lock rules: a value
 * that had a polka in an earlier round, with that round as its valid round (L28-L29 must refuse it to
 * anyone locked later on another value), else a fresh block (L22-L23 must refuse it to anyone locked). Its
 * second vote backs that proposal, another block proposed in the round, nil, or a proposed block when its
 * machine voted nil. Its signer signs anything, so every honest node that sees both votes reports evidence.
 */
import { equalBytes } from '../../src/primitives/index.ts';
import { isQuorum, proposalsOf, valueKey } from '../../src/consensus/index.ts';
import type { Proposal, Vote } from '../../src/consensus/index.ts';
import type { SimNode } from './cluster.ts';
import type { SimMessage } from './network.ts';
import type { Prng } from './prng.ts';

export interface DoubleSignerDeps {
  send(from: number, to: number, m: SimMessage): void;
  newBlock(height: bigint, valid: boolean): Uint8Array;
  recordSigned(node: SimNode, v: Vote): void;
  totalPower(height: bigint): bigint;
}

export class DoubleSigner {
  /** The peers that get the first value, per height/round (empty: everyone gets the second). */
  private readonly sides = new Map<string, Set<number>>();
  private readonly secondProposals = new Map<string, Uint8Array>();

  constructor(
    private readonly rng: Prng,
    private readonly deps: DoubleSignerDeps,
  ) {}

  vote(node: SimNode, peers: readonly SimNode[], a: Vote, nowMs: number): void {
    const rm = node.state.log.rounds.get(a.round);
    const second = this.secondProposals.get(`${a.height}/${a.round}`);
    const proposed = [...(second === undefined ? [] : [second]), ...(rm === undefined ? [] : proposalsOf(rm).map((p) => p.blockHash))];
    const others = proposed.filter((h) => a.blockHash === null || !equalBytes(h, a.blockHash));
    const other = others.length > 0 ? (others[0] as Uint8Array) : a.blockHash === null ? this.rng.bytes(32) : null;
    const b = node.signer.signVote(a.type, a.height, a.round, other, nowMs) as Vote;
    this.deps.recordSigned(node, b);
    this.split(node, peers, a.height, a.round, { kind: 'vote', vote: a }, { kind: 'vote', vote: b });
  }

  proposal(node: SimNode, peers: readonly SimNode[], a: Proposal): void {
    const total = this.deps.totalPower(a.height);
    let blockHash: Uint8Array | null = null;
    let validRound = -1;
    for (const [round, rm] of node.state.log.rounds) {
      if (round >= a.round) continue;
      for (const p of proposalsOf(rm)) {
        if (equalBytes(p.blockHash, a.blockHash) || !isQuorum(rm.prevotes.powerByValue.get(valueKey(p.blockHash)) ?? 0n, total)) continue;
        blockHash = p.blockHash;
        validRound = round;
      }
    }
    blockHash ??= this.deps.newBlock(a.height, this.rng.chance(0.7));
    this.secondProposals.set(`${a.height}/${a.round}`, blockHash);
    const b = node.signer.signProposal(a.height, a.round, blockHash, validRound) as Proposal;
    this.split(node, peers, a.height, a.round, { kind: 'proposal', proposal: a }, { kind: 'proposal', proposal: b });
  }

  private split(node: SimNode, peers: readonly SimNode[], height: bigint, round: number, a: SimMessage, b: SimMessage): void {
    const key = `${height}/${round}`;
    let sideA = this.sides.get(key);
    if (sideA === undefined) {
      const order = this.rng.shuffle(peers.map((p) => p.index));
      sideA = new Set(this.rng.chance(0.3) ? [] : order.slice(0, this.rng.int(1, order.length - 1)));
      this.sides.set(key, sideA);
    }
    for (const peer of peers) this.deps.send(node.index, peer.index, sideA.has(peer.index) ? a : b);
  }
}
