/**
 * The timed part: `concurrency` workers send pre-signed transactions (each worker owns some senders and sends
 * their transactions in nonce order) while an observer polls eth_blockNumber every ~20 ms and timestamps
 * each bench transaction when the first block containing it is seen. Then every receipt is checked.
 */
import { performance } from 'node:perf_hooks';
import { sleep } from './peers.ts';
import { batchedCalls, toHex } from './rpc.ts';
import type { RpcClient } from './rpc.ts';
import type { SignedTx } from './workload.ts';

const POLL_MS = 20;

export interface Measurement {
  txs: number;
  accepted: number;
  included: number;
  /** First send to the observation of the block holding the last accepted transaction. */
  elapsedMs: number;
  /** First send to the last eth_sendRawTransaction answer. */
  sendMs: number;
  /** Send -> block observed, per included transaction, sorted. */
  latenciesMs: number[];
  blocks: number;
  okReceipts: number;
  timedOut: boolean;
  errors: string[];
}

interface State {
  txs: SignedTx[];
  sentAt: number[];
  includedAt: (number | undefined)[];
  accepted: boolean[];
  waiting: Set<number>;
  blocks: Set<number>;
  lastInclusion: number;
  lastAnswer: number;
  workersDone: boolean;
  deadline: number;
  skippedAtDeadline: number;
  errors: Map<string, number>;
}

/** Each worker gets the senders s with s mod workers = w, and sends nonce by nonce across them. */
function workerQueues(txs: SignedTx[], concurrency: number): number[][] {
  const senders = new Set(txs.map((t) => t.sender)).size;
  const workers = Math.max(1, Math.min(concurrency, senders));
  const queues: number[][] = Array.from({ length: workers }, () => []);
  const order = txs.map((_, i) => i).sort((a, b) => (txs[a] as SignedTx).nonce - (txs[b] as SignedTx).nonce || (txs[a] as SignedTx).sender - (txs[b] as SignedTx).sender);
  for (const i of order) (queues[(txs[i] as SignedTx).sender % workers] as number[]).push(i);
  return queues;
}

async function runWorker(rpc: RpcClient, st: State, queue: number[]): Promise<void> {
  const failedSenders = new Set<number>();
  for (const i of queue) {
    const tx = st.txs[i] as SignedTx;
    // After a rejection the sender's later nonces could never be mined: skip them.
    if (failedSenders.has(tx.sender)) continue;
    if (performance.now() > st.deadline) {
      st.skippedAtDeadline++;
      continue;
    }
    st.sentAt[i] = performance.now();
    try {
      await rpc.call('eth_sendRawTransaction', [tx.raw]);
      st.accepted[i] = true;
      if (st.includedAt[i] === undefined) st.waiting.add(i);
    } catch (err) {
      failedSenders.add(tx.sender);
      const msg = err instanceof Error ? err.message : String(err);
      st.errors.set(msg, (st.errors.get(msg) ?? 0) + 1);
    }
    st.lastAnswer = performance.now();
  }
}

async function observeBlocks(rpc: RpcClient, st: State, startBlock: number): Promise<void> {
  const index = new Map(st.txs.map((t, i) => [t.hash, i]));
  let last = startBlock;
  while (!(st.workersDone && st.waiting.size === 0) && performance.now() < st.deadline) {
    const head = Number(BigInt(await rpc.call<string>('eth_blockNumber')));
    for (let n = last + 1; n <= head; n++) {
      const block = await rpc.call<{ transactions: string[] } | null>('eth_getBlockByNumber', [toHex(n), false]);
      if (!block) break;
      const seen = performance.now();
      for (const hash of block.transactions) {
        const i = index.get(hash.toLowerCase());
        if (i === undefined || st.includedAt[i] !== undefined) continue;
        st.includedAt[i] = seen;
        st.waiting.delete(i);
        st.blocks.add(n);
        st.lastInclusion = seen;
      }
      last = n;
    }
    await sleep(POLL_MS);
  }
}

async function countOkReceipts(rpc: RpcClient, hashes: string[]): Promise<number> {
  const receipts = await batchedCalls(rpc, hashes.map((h) => ({ method: 'eth_getTransactionReceipt', params: [h] })));
  return receipts.filter((r) => (r.result as { status?: string } | null | undefined)?.status === '0x1').length;
}

/**
 * Waits for a new block and returns its number, so that every run starts at the same phase of the 1 s block
 * interval. Otherwise a run whose sending takes about one interval lands in one block or two by chance, and
 * its tx/s swings by 2x between runs.
 */
async function nextBlock(rpc: RpcClient, maxWaitMs = 3000): Promise<number> {
  const blockNumber = async (): Promise<number> => Number(BigInt(await rpc.call<string>('eth_blockNumber')));
  const first = await blockNumber();
  const deadline = performance.now() + maxWaitMs;
  for (;;) {
    const head = await blockNumber();
    if (head !== first || performance.now() > deadline) return head;
    await sleep(5);
  }
}

/** Called when the clock starts and when the last eth_sendRawTransaction is answered (CPU snapshots). */
export interface MeasureHooks {
  started?(): void;
  sent?(): void;
}

export async function measure(rpc: RpcClient, txs: SignedTx[], concurrency: number, timeoutMs: number, hooks: MeasureHooks = {}): Promise<Measurement> {
  const startBlock = await nextBlock(rpc);
  hooks.started?.();
  const t0 = performance.now();
  const st: State = {
    txs,
    sentAt: new Array<number>(txs.length).fill(0),
    includedAt: new Array<number | undefined>(txs.length).fill(undefined),
    accepted: new Array<boolean>(txs.length).fill(false),
    waiting: new Set(),
    blocks: new Set(),
    lastInclusion: t0,
    lastAnswer: t0,
    workersDone: false,
    deadline: t0 + timeoutMs,
    skippedAtDeadline: 0,
    errors: new Map(),
  };
  let observerError: unknown;
  const observer = observeBlocks(rpc, st, startBlock).catch((err: unknown) => {
    observerError = err;
    st.deadline = 0; // stops the workers
  });
  await Promise.all(workerQueues(txs, concurrency).map((q) => runWorker(rpc, st, q)));
  hooks.sent?.();
  st.workersDone = true;
  await observer;
  if (observerError !== undefined) throw observerError;

  const includedIdx = txs.map((_, i) => i).filter((i) => st.accepted[i] && st.includedAt[i] !== undefined);
  const latenciesMs = includedIdx.map((i) => (st.includedAt[i] as number) - (st.sentAt[i] as number)).sort((a, b) => a - b);
  const accepted = st.accepted.filter(Boolean).length;
  const errors = [...st.errors].map(([msg, n]) => `${n}x ${msg}`);
  const timedOut = st.waiting.size > 0 || st.skippedAtDeadline > 0;
  return {
    txs: txs.length,
    accepted,
    included: includedIdx.length,
    elapsedMs: st.lastInclusion - t0,
    sendMs: st.lastAnswer - t0,
    latenciesMs,
    blocks: st.blocks.size,
    okReceipts: await countOkReceipts(rpc, includedIdx.map((i) => (txs[i] as SignedTx).hash)),
    timedOut,
    errors,
  };
}
