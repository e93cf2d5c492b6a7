/**
 * Sender recovery for eth_sendRawTransaction on a thread of its own. PERF: libsecp256k1's recovery is ~45 µs of
 * the ~140 µs the JSON-RPC thread spent on each transaction, the one part that needs no state and no order
 * (docs/adr/0024). The signatures that arrive in one event-loop turn go as one batch, one message each way;
 * answers come back in order, so transactions are admitted in the order they arrived.
 *
 * It only ever makes admission faster, never different: when the thread is not running (not started yet,
 * failed, closed) `recover` answers undefined, and so it does for a signature with no key, and the caller
 * then validates the transaction whole on its own thread, which gives every error its usual words.
 */
import { Worker } from 'node:worker_threads';
import { padLeft } from '../primitives/index.ts';
import { RECOVERY_INPUT_BYTES, RECOVERY_OUTPUT_BYTES } from './recoveryProtocol.ts';
import type { RecoveryAnswer, RecoveryBatch } from './recoveryProtocol.ts';

export interface RecoveryThread {
  /** The sender key of a signature over `hash`, or undefined (no key, or the thread is not there). */
  recover(hash: Uint8Array, r: Uint8Array, s: Uint8Array, recovery: number): Promise<Uint8Array | undefined>;
  close(): Promise<void>;
}

type Answer = (key: Uint8Array | undefined) => void;

export function startRecoveryThread(onFailure: (err: unknown) => void = () => undefined): RecoveryThread {
  const worker = new Worker(new URL('./recoveryWorker.boot.js', import.meta.url));
  worker.unref(); // never what keeps a process alive
  let running = true;
  let queue: Array<{ input: Uint8Array; answer: Answer }> = [];
  let flushScheduled = false;
  const inFlight = new Map<number, Answer[]>();
  let nextId = 1;

  /** Stops taking signatures; everything waiting is answered undefined, to be validated on the caller's thread. */
  const stop = (): void => {
    running = false;
    for (const answers of inFlight.values()) for (const answer of answers) answer(undefined);
    inFlight.clear();
    for (const { answer } of queue) answer(undefined);
    queue = [];
  };
  const giveUp = (err: unknown): void => {
    if (!running) return;
    stop();
    onFailure(err);
  };
  worker.on('error', giveUp);
  worker.on('exit', (code) => giveUp(new Error(`signature-recovery thread exited with code ${code}`)));
  worker.on('message', ({ id, keys, ok }: RecoveryAnswer) => {
    const answers = inFlight.get(id);
    inFlight.delete(id);
    if (answers === undefined) return;
    for (let i = 0; i < answers.length; i++) {
      (answers[i] as Answer)(ok[i] === 1 ? keys.slice(i * RECOVERY_OUTPUT_BYTES, (i + 1) * RECOVERY_OUTPUT_BYTES) : undefined);
    }
  });

  const flush = (): void => {
    flushScheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    if (!running) {
      for (const { answer } of batch) answer(undefined);
      return;
    }
    const input = new Uint8Array(batch.length * RECOVERY_INPUT_BYTES);
    for (let i = 0; i < batch.length; i++) input.set((batch[i] as { input: Uint8Array }).input, i * RECOVERY_INPUT_BYTES);
    const id = nextId++;
    inFlight.set(id, batch.map((b) => b.answer));
    const message: RecoveryBatch = { id, input, count: batch.length };
    worker.postMessage(message, [input.buffer]);
  };

  return {
    recover(hash, r, s, recovery) {
      if (!running || r.length > 32 || s.length > 32 || hash.length !== 32) return Promise.resolve(undefined);
      const input = new Uint8Array(RECOVERY_INPUT_BYTES);
      input.set(hash, 0);
      input.set(padLeft(r, 32), 32);
      input.set(padLeft(s, 32), 64);
      input[96] = recovery;
      return new Promise<Uint8Array | undefined>((resolve) => {
        queue.push({ input, answer: resolve });
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
      });
    },
    async close() {
      if (!running) return;
      stop();
      await worker.terminate();
    },
  };
}
