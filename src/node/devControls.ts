/**
 * Dev-mode controls behind the evm_/hardhat_/anvil_ methods (ADR 0009). State edits (setBalance,
 * setCode, ...) change the latest state at once without mining, as on Hardhat: the chain stores the
 * head's edited state root, which every read at the head sees, and the edits wait in the producer for the
 * next block, whose beginBlock applies them so its state root commits them. `mine(n)` stores long runs of
 * empty blocks as one range record, so it takes the same time for 10 or 10 million blocks. Snapshots are
 * a height plus the pending edits and block controls; reverting rewinds the stored chain.
 */
import type { Mempool } from '../mempool/index.ts';
import type { ValidatedTx } from '../execution/index.ts';
import { ChainError } from '../primitives/index.ts';
import type { Hex } from '../primitives/index.ts';
import type { DevControls, DevEdit } from '../rpc/index.ts';
import type { KVWrite } from '../storage/index.ts';
import type { Chain } from './chain.ts';
import { decodePendingEdits, encodePendingEdits } from './devEdits.ts';
import type { ProposalExecutor } from './executor.ts';
import type { Clock } from './clock.ts';
import type { BlockProducer } from './producer.ts';
import type { InclusionWaiters } from './waiters.ts';

interface Snapshot {
  height: bigint;
  edits: DevEdit[];
  offsetSec: bigint;
  nextTimestamp: bigint | undefined;
  gasLimit: bigint;
  prevRandao: Uint8Array | undefined;
}

export interface DevControlDeps {
  chain: Chain;
  executor: ProposalExecutor;
  producer: BlockProducer;
  pool: Mempool<ValidatedTx>;
  impersonated: Set<string>;
  clock: Clock;
  waiters: InclusionWaiters;
  /** Re-checks the pool against the edited state (a new nonce or balance changes what is executable). */
  onStateEdited(): Promise<void>;
}

/**
 * A mine(n) leaves the first block (pending edits and transactions) and the last one (so the head is
 * always a block with a commit) to the producer; the blocks between are one stored range. Below this
 * many blocks in between, mining them one by one is as quick.
 */
const MIN_RANGE = 2n;

/** The default seconds between the blocks of one hardhat_mine call (Hardhat's default interval). */
const DEFAULT_INTERVAL_SEC = 1n;

/**
 * Puts the edits that were pending when the node stopped back in the producer, for the next block; the
 * head's edited root that reads see was stored with them.
 */
export function restorePendingEdits(chain: Chain, producer: BlockProducer): void {
  producer.replaceEdits(decodePendingEdits(chain.store.devEdits(), chain.head().hash));
}

export function createDevControls(deps: DevControlDeps): DevControls {
  const { chain, producer, pool } = deps;
  const snapshots = new Map<bigint, Snapshot>();
  let nextSnapshotId = 1n;
  let automine = producer.blockTimeMs === 0;
  let intervalMs = producer.blockTimeMs === 0 ? 0 : producer.blockTimeMs;

  const applyMode = (): Promise<void> => {
    const blockTimeMs = automine ? 0 : intervalMs > 0 ? intervalMs : Number.POSITIVE_INFINITY;
    return producer.dispatch({ kind: 'setBlockTime', blockTimeMs, nowMs: deps.clock.nowMs() });
  };

  const mineOne = async (): Promise<void> => {
    await producer.dispatch({ kind: 'mineNow', nowMs: deps.clock.nowMs() });
    await producer.idle();
  };

  /**
   * The pending edits are stored with every change (in the same write as the edited root), keyed by the
   * head they apply to, so a restart keeps them. A record whose head a block has since replaced is void,
   * so there is nothing to write while nothing is pending and nothing was stored (most reverts of a test
   * suite).
   */
  let stored = producer.pendingEdits().length > 0;
  const editsRecord = (edits: readonly DevEdit[]): KVWrite[] => {
    if (edits.length === 0 && !stored) return [];
    stored = edits.length > 0;
    return [chain.store.devEditsWrite(edits.length === 0 ? null : encodePendingEdits(chain.head().hash, edits))];
  };

  return {
    async mine(blocks, intervalSec, timestamp) {
      producer.requireRunning();
      if (blocks === 0n) return;
      const interval = intervalSec ?? DEFAULT_INTERVAL_SEC;
      if (timestamp !== undefined) producer.time.nextTimestamp = timestamp;
      const from = chain.head().header.height;
      await mineOne(); // the first block takes the clock's time (or `timestamp`), as on Hardhat
      if (chain.head().header.height === from) producer.requireRunning(); // a halt came first: nothing was mined
      let mined = 1n;
      const mineNext = async (): Promise<void> => {
        producer.time.nextTimestamp = chain.head().header.timestamp + interval;
        await mineOne();
        mined++;
      };
      // transactions still waiting get real blocks, as long as blocks take them
      while (mined < blocks && pool.stats().pending > 0 && chain.head().transactions.length > 0) await mineNext();
      while (blocks - mined - 1n >= MIN_RANGE) {
        const between = blocks - mined - 1n;
        const reserved = await producer.exclusive(async () => {
          // an edit that came in meanwhile needs a real block: range blocks all have the anchor's state
          if (producer.pendingEdits().length > 0) return false;
          const range = await chain.reserveEmptyBlocks(between, interval, producer.time.gasLimit);
          // the executor adopts the new head the way it follows a revert: no message of its own is needed
          await deps.executor.rewind(range.last);
          return true;
        });
        if (!reserved) {
          await mineNext();
          continue;
        }
        await producer.start();
        mined += between;
      }
      while (mined < blocks) await mineNext();
    },
    snapshot() {
      // between blocks, so that the height and the pending edits belong together
      return producer.exclusive(async () => {
        const id = nextSnapshotId++;
        const { offsetSec, nextTimestamp, gasLimit, prevRandao } = producer.time;
        snapshots.set(id, { height: chain.head().header.height, edits: [...producer.pendingEdits()], offsetSec, nextTimestamp, gasLimit, prevRandao });
        return `0x${id.toString(16)}` as Hex;
      });
    },
    async revert(idHex) {
      const id = BigInt(idHex);
      const snap = snapshots.get(id);
      if (snap === undefined) return false;
      // a snapshot reverts once; snapshots taken after it describe a future that no longer exists
      for (const key of [...snapshots.keys()]) if (key >= id) snapshots.delete(key);
      await producer.exclusive(async () => {
        await deps.executor.rewind(snap.height);
        for (const group of [pool.content().pending, pool.content().queued]) {
          for (const txs of group.values()) for (const tx of txs) pool.remove(tx.hash);
        }
        deps.waiters.rejectAll(new ChainError('TX_DROPPED', 'transaction dropped by evm_revert'));
        producer.time.offsetSec = snap.offsetSec;
        producer.time.nextTimestamp = snap.nextTimestamp;
        producer.time.gasLimit = snap.gasLimit;
        producer.time.prevRandao = snap.prevRandao;
        // the edits pending at the snapshot come back; later ones are gone
        producer.replaceEdits(snap.edits);
        await chain.resetPendingEdits(snap.edits, editsRecord(snap.edits));
      });
      await producer.start();
      return true;
    },
    increaseTime(seconds) {
      producer.time.offsetSec += seconds;
      return producer.time.offsetSec;
    },
    setNextBlockTimestamp(timestamp) {
      producer.time.nextTimestamp = timestamp;
    },
    setBlockGasLimit(gasLimit) {
      producer.time.gasLimit = gasLimit;
    },
    setPrevRandao(value) {
      producer.time.prevRandao = value;
    },
    async setAutomine(enabled) {
      automine = enabled;
      await applyMode();
    },
    getAutomine: () => automine,
    async setIntervalMining(ms) {
      intervalMs = ms;
      if (ms > 0) automine = false;
      await applyMode();
    },
    async editState(edit) {
      // between blocks: a block being built has taken the edits before it, and its head has no edits yet
      await producer.exclusive(async () => {
        await chain.applyPendingEdits([edit], editsRecord([...producer.pendingEdits(), edit]));
        producer.queueEdit(edit);
      });
      await deps.onStateEdited();
    },
    impersonate(address, enabled) {
      if (enabled) deps.impersonated.add(address.toLowerCase());
      else deps.impersonated.delete(address.toLowerCase());
    },
  };
}
