/**
 * Dev-mode controls behind the evm_/hardhat_/anvil_ methods. State edits (setBalance, setCode, ...) are
 * applied at the start of a block mined for them, so the header's state root always commits to the
 * state clients read; snapshots are block heights, and reverting rewinds the stored chain.
 */
import type { Mempool } from '../mempool/index.ts';
import type { ValidatedTx } from '../execution/index.ts';
import { ChainError } from '../primitives/index.ts';
import type { Hex } from '../primitives/index.ts';
import type { DevControls } from '../rpc/index.ts';
import type { Chain } from './chain.ts';
import type { BlockExecutor } from './executor.ts';
import type { Clock } from './clock.ts';
import type { BlockProducer } from './producer.ts';
import type { InclusionWaiters } from './waiters.ts';

interface Snapshot {
  height: bigint;
  offsetSec: bigint;
  gasLimit: bigint;
}

export interface DevControlDeps {
  chain: Chain;
  executor: BlockExecutor;
  producer: BlockProducer;
  pool: Mempool<ValidatedTx>;
  impersonated: Set<string>;
  clock: Clock;
  waiters: InclusionWaiters;
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

  return {
    async mine(blocks, intervalSec, timestamp) {
      for (let i = 0n; i < blocks; i++) {
        if (i === 0n && timestamp !== undefined) producer.time.nextTimestamp = timestamp;
        else if (i > 0n && intervalSec !== undefined) producer.time.nextTimestamp = chain.head().header.timestamp + intervalSec;
        await mineOne();
      }
    },
    snapshot() {
      const id = nextSnapshotId++;
      snapshots.set(id, { height: chain.head().header.height, offsetSec: producer.time.offsetSec, gasLimit: producer.time.gasLimit });
      return `0x${id.toString(16)}` as Hex;
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
        producer.time.nextTimestamp = undefined;
        producer.time.gasLimit = snap.gasLimit;
      });
      producer.start();
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
      producer.queueEdit(edit);
      await mineOne();
    },
    impersonate(address, enabled) {
      if (enabled) deps.impersonated.add(address.toLowerCase());
      else deps.impersonated.delete(address.toLowerCase());
    },
  };
}
