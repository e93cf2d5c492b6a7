/**
 * The simulation's signer: the model of the node's persisted signer state (someone else's part of issue 4).
 * An honest signer survives crashes, returns the same signature when asked again for something it signed
 * (a restart replaying its log), and otherwise signs only strictly after the last height/round/step it
 * signed (CometBFT's privval rule; step: proposal < prevote < precommit), so it never signs two values for
 * one (height, round, step). The byzantine one signs anything. Signatures are placeholders: the machine never
 * verifies them (its caller does) and nobody in the simulation forges.
 */
import { concatBytes } from '../../src/primitives/index.ts';
import type { Proposal, Vote, VoteType } from '../../src/consensus/index.ts';

function sameValue(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return Buffer.compare(a, b) === 0;
}

const STEP = { proposal: 1, prevote: 2, precommit: 3 } as const;

export class SimSigner {
  private readonly votes = new Map<string, Vote>();
  private readonly proposals = new Map<string, Proposal>();
  private last: [bigint, number, number] = [0n, -1, 0];
  refusals = 0;

  constructor(
    readonly address: Uint8Array,
    readonly protect: boolean,
  ) {}

  /** Whether (height, round, step) comes strictly after the last signature; records it if so. */
  private advance(height: bigint, round: number, step: number): boolean {
    const [h, r, st] = this.last;
    const after = height > h || (height === h && (round > r || (round === r && step > st)));
    if (after) this.last = [height, round, step];
    return after || !this.protect;
  }

  private signature(): Uint8Array {
    return concatBytes(this.address, new Uint8Array(44));
  }

  signVote(type: VoteType, height: bigint, round: number, blockHash: Uint8Array | null, nowMs: number): Vote | null {
    const key = `${height}/${round}/${type}`;
    const prev = this.votes.get(key);
    if (prev !== undefined && this.protect && sameValue(prev.blockHash, blockHash)) return prev;
    if (!this.advance(height, round, STEP[type])) {
      this.refusals++;
      return null;
    }
    const vote: Vote = { type, height, round, blockHash, validatorAddress: this.address, timestampMs: BigInt(nowMs), signature: this.signature() };
    this.votes.set(key, vote);
    return vote;
  }

  signProposal(height: bigint, round: number, blockHash: Uint8Array, validRound: number): Proposal | null {
    const key = `${height}/${round}`;
    const prev = this.proposals.get(key);
    if (prev !== undefined && this.protect && sameValue(prev.blockHash, blockHash) && prev.validRound === validRound) return prev;
    if (!this.advance(height, round, STEP.proposal)) {
      this.refusals++;
      return null;
    }
    const proposal: Proposal = { height, round, blockHash, validRound, proposerAddress: this.address, signature: this.signature() };
    this.proposals.set(key, proposal);
    return proposal;
  }
}
