/** Messages between the node and its execution worker (structured-cloned: bigints and bytes travel as is). */
import type { BlockContext } from '../execution/index.ts';
import type { Hex } from '../primitives/index.ts';
import type { DevEdit } from '../rpc/index.ts';
import type { Genesis } from '../types/index.ts';

/** A validated transaction as it crosses threads: the worker re-creates it without recovering the signature. */
export type WireTx = { raw: Uint8Array; sender: Hex; publicKey: Uint8Array | undefined };

/**
 * `build` executes a whole block in one round trip; `open`, `add`..., `seal` build one from batches sent as
 * transactions arrive (`abort` drops it). `included`/`rejected` index the transactions in the order sent.
 */
export type WorkerRequest =
  | { kind: 'build'; ctx: BlockContext; txs: WireTx[]; edits: DevEdit[] }
  | { kind: 'open'; ctx: BlockContext; edits: DevEdit[] }
  | { kind: 'add'; txs: WireTx[] }
  | { kind: 'seal' }
  | { kind: 'abort' }
  | { kind: 'commit'; commit: Uint8Array }
  | { kind: 'rewind'; height: bigint }
  | { kind: 'close' };

export type WorkerResult =
  | {
      ok: true;
      kind: 'built';
      /**
       * The block's header only: the node has its transactions (those sent, by `included`) and the context's
       * last commit and evidence. PERF: the whole block crossed threads, encoded and decoded (ADR 0018).
       */
      header: Uint8Array;
      receipts: Uint8Array;
      included: number[];
      rejected: Array<{ index: number; reason: string }>;
      validatorUpdates: Uint8Array;
    }
  | { ok: true; kind: 'done' }
  | { ok: false; error: string };

export type WorkerResponse = WorkerResult & { id: number };

export interface WorkerInit {
  dbPath: string;
  genesis: Genesis;
  allowUnlimitedContractSize: boolean;
  /** Nice steps the worker thread lowers itself by (0: the process's priority; see createWorkerExecutor). */
  nice: number;
}
