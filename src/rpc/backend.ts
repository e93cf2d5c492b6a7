/**
 * What the RPC layer needs from a running node. The node implements it; RPC handlers only decode
 * parameters, call these, and encode results. Consensus and p2p appear only as small status values.
 */
import type { EventEmitter } from 'node:events';
import type { BlockEnv, Common, VM } from '../evm/index.ts';
import type { ValidatedTx } from '../execution/index.ts';
import type { Hex } from '../primitives/index.ts';
import type { WorldState } from '../state/index.ts';
import type { StakingParams } from '../staking/index.ts';
import type { ChainStore } from '../storage/index.ts';
import type { Block, Receipt } from '../types/index.ts';

export interface NodeEvents {
  /** A committed block and its receipts, decoded on first call (most blocks have no one asking). */
  block: [Block, () => Receipt[]];
  pendingTx: [Hex];
}

export interface PoolView {
  pendingNonce(sender: Hex, accountNonce: bigint): bigint;
  get(hash: Hex): ValidatedTx | undefined;
  content(): { pending: Map<string, ValidatedTx[]>; queued: Map<string, ValidatedTx[]> };
  stats(): { pending: number; queued: number };
  remove(hash: Hex): boolean;
}

/** A dev-mode state edit, as data so it can cross to wherever blocks are executed. */
export type DevEdit =
  | { kind: 'balance' | 'nonce'; address: Uint8Array; value: bigint }
  | { kind: 'code'; address: Uint8Array; code: Uint8Array }
  | { kind: 'storage'; address: Uint8Array; slot: Uint8Array; value: Uint8Array };

export interface DevControls {
  /** Mines `blocks` blocks in constant time (runs of empty blocks are stored as one range, ADR 0009). */
  mine(blocks: bigint, intervalSec: bigint | undefined, timestamp: bigint | undefined): Promise<void>;
  snapshot(): Promise<Hex>;
  revert(id: Hex): Promise<boolean>;
  increaseTime(seconds: bigint): bigint;
  setNextBlockTimestamp(timestamp: bigint): void;
  setBlockGasLimit(gasLimit: bigint): void;
  /** The next block's prevRandao (mixHash). */
  setPrevRandao(value: Uint8Array): void;
  setAutomine(enabled: boolean): Promise<void>;
  getAutomine(): boolean;
  setIntervalMining(ms: number): Promise<void>;
  /** Edits the latest state without mining (Hardhat semantics): the next block commits it (ADR 0009). */
  editState(edit: DevEdit): Promise<void>;
  impersonate(address: Hex, enabled: boolean): void;
}

export interface RpcBackend {
  readonly chainId: bigint;
  readonly clientVersion: string;
  readonly common: Common;
  readonly txCommon: Common;
  readonly store: ChainStore;
  readonly gasCap: bigint;
  readonly minGasPriceWei: bigint;
  /** Genesis' staking parameters (governance's changes are read from state); undefined: staking off. */
  readonly stakingParams: StakingParams | undefined;
  readonly events: EventEmitter<NodeEvents>;
  readonly pool: PoolView;
  /** Present only when started with --dev. */
  readonly dev: DevControls | undefined;
  head(): Block;
  /** A fresh state at a committed height that a call may modify (changes are never kept). */
  stateAt(height: bigint): WorldState;
  /** Read-only state at a committed height (shared and cached for the head: never write to it). */
  readState(height: bigint): WorldState;
  vmAt(height: bigint, state: WorldState): Promise<VM>;
  /** Runs `fn` alone on a VM kept for calls at `height`; `fn` must leave its state as found (runCall does). */
  withCallVM<T>(height: bigint, fn: (vm: VM) => Promise<T>): Promise<T>;
  /** The environment the next block will have: what 'pending' calls execute in. */
  pendingEnv(): BlockEnv;
  accounts(): Hex[];
  /** Private key of an unlocked (dev) account, for eth_sendTransaction and the eth_sign family. */
  signingKey(address: Hex): Uint8Array | undefined;
  isImpersonated(address: Hex): boolean;
  /**
   * Admits a signed transaction; in automine mode resolves once it is mined. `signedHere`: the node signed it
   * just now with a nonce it filled from the pool (dev accounts), so it is validated at once, before another
   * request can fill the same nonce, not after a trip to the signature-recovery thread.
   */
  submitTransaction(raw: Uint8Array, signedHere?: boolean): Promise<Hex>;
  /** Admits an unsigned transaction from an impersonated account (dev mode). */
  submitImpersonated(tx: ValidatedTx): Promise<Hex>;
  peerCount(): number;
  /** Block sync still has blocks to fetch: a peer reported a head above ours. */
  catchingUp(): boolean;
}
