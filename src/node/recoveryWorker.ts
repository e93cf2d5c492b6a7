/**
 * The signature-recovery thread (recovery.ts): recovers the sender key of each signature in a batch. A batch
 * is one array of RECOVERY_INPUT_BYTES per signature; the answer is one array of RECOVERY_OUTPUT_BYTES per
 * signature and a flag each (0: no key can be recovered, and the JSON-RPC thread then gives the precise error).
 */
import { parentPort } from 'node:worker_threads';
import { recoverPublicKey } from '../crypto/index.ts';
import { RECOVERY_INPUT_BYTES, RECOVERY_OUTPUT_BYTES } from './recoveryProtocol.ts';
import type { RecoveryAnswer, RecoveryBatch } from './recoveryProtocol.ts';

const port = parentPort;
if (port === null) throw new Error('recoveryWorker.ts runs as a worker thread');

port.on('message', ({ id, input, count }: RecoveryBatch) => {
  const keys = new Uint8Array(count * RECOVERY_OUTPUT_BYTES);
  const ok = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * RECOVERY_INPUT_BYTES;
    try {
      const key = recoverPublicKey(input.subarray(at, at + 32), input.subarray(at + 32, at + 64), input.subarray(at + 64, at + 96), input[at + 96] as number);
      keys.set(key, i * RECOVERY_OUTPUT_BYTES);
      ok[i] = 1;
    } catch {
      ok[i] = 0;
    }
  }
  const answer: RecoveryAnswer = { id, keys, ok };
  port.postMessage(answer, [keys.buffer, ok.buffer]);
});
