/**
 * The consensus boundary: inputs in, effects out, no timers, sockets or clock inside. The node runs the
 * effects (build a proposal, sign, schedule a timeout, commit a decided block) and feeds results back
 * as inputs. Issue 4's Tendermint machine speaks the same language with more kinds of input (votes,
 * proposals from peers); this single-validator machine is its one-validator case.
 */
import type { Commit, CommitSignature } from '../types/index.ts';

export type ConsensusInput =
  | { kind: 'start'; height: bigint; lastBlockTimeMs: number; nowMs: number }
  | { kind: 'timeout'; height: bigint; nowMs: number }
  | { kind: 'txsAvailable'; nowMs: number }
  | { kind: 'mineNow'; nowMs: number }
  | { kind: 'proposalReady'; height: bigint; round: number; blockHash: Uint8Array }
  | { kind: 'proposalSkipped'; height: bigint }
  | { kind: 'precommitSigned'; height: bigint; round: number; blockHash: Uint8Array; signature: CommitSignature }
  | { kind: 'committed'; height: bigint; nowMs: number }
  | { kind: 'setBlockTime'; blockTimeMs: number; nowMs: number };

export type ConsensusEffect =
  | { kind: 'scheduleTimeout'; height: bigint; atMs: number }
  | { kind: 'buildProposal'; height: bigint; round: number; allowEmpty: boolean }
  | { kind: 'signPrecommit'; height: bigint; round: number; blockHash: Uint8Array }
  | { kind: 'decide'; height: bigint; round: number; blockHash: Uint8Array; commit: Commit };
