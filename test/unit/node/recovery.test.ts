/**
 * The signature-recovery thread (src/node/recovery.ts): the keys it recovers are the ones the JSON-RPC thread
 * would, in the order asked, across batches; it answers undefined (the caller then validates on its own thread)
 * for a signature without a key, for a malformed request and once closed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keccak256, recoverPublicKey, signHash } from '../../../src/crypto/index.ts';
import { startRecoveryThread } from '../../../src/node/recovery.ts';
import { bytesToHex } from '../../../src/primitives/index.ts';
import { seededRandom } from '../../utils/random.ts';

test('recovers the keys the JSON-RPC thread would, in order, over many concurrent batches', async () => {
  const rand = seededRandom(Number(process.env.SEED ?? 11));
  const failures: unknown[] = [];
  const thread = startRecoveryThread((err) => failures.push(err));
  try {
    const signed = Array.from({ length: 300 }, (_, i) => {
      const key = keccak256(Uint8Array.of(i, 7)); // a valid secp256k1 key (below the order) for these inputs
      const hash = keccak256(Uint8Array.from({ length: 40 }, () => Math.floor(rand() * 256)));
      return { hash, ...signHash(hash, key) };
    });
    // three bursts, each asked within one event-loop turn, the next before the first is answered
    const asked: Array<Promise<Uint8Array | undefined>> = [];
    for (let burst = 0; burst < 3; burst++) {
      for (const s of signed.slice(burst * 100, (burst + 1) * 100)) asked.push(thread.recover(s.hash, s.r, s.s, s.recovery));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const keys = await Promise.all(asked);
    for (const [i, s] of signed.entries()) assert.equal(bytesToHex(keys[i] as Uint8Array), bytesToHex(recoverPublicKey(s.hash, s.r, s.s, s.recovery)), `signature ${i}`);
    assert.deepEqual(failures, []);
  } finally {
    await thread.close();
  }
});

test('answers undefined for a signature with no key and for a malformed request, and keeps answering', async () => {
  const thread = startRecoveryThread();
  try {
    const hash = keccak256(Uint8Array.of(1));
    const good = signHash(hash, keccak256(Uint8Array.of(2)));
    const zero = new Uint8Array(32);
    const [noKey, tooLong, ok] = await Promise.all([
      thread.recover(hash, zero, zero, 0), // r = s = 0: no point
      thread.recover(hash, new Uint8Array(33), good.s, good.recovery),
      thread.recover(hash, good.r, good.s, good.recovery),
    ]);
    assert.equal(noKey, undefined);
    assert.equal(tooLong, undefined);
    assert.equal(bytesToHex(ok as Uint8Array), bytesToHex(recoverPublicKey(hash, good.r, good.s, good.recovery)));
  } finally {
    await thread.close();
  }
});

test('once closed it answers undefined at once, including what was waiting', async () => {
  const thread = startRecoveryThread();
  const hash = keccak256(Uint8Array.of(3));
  const sig = signHash(hash, keccak256(Uint8Array.of(4)));
  const waiting = thread.recover(hash, sig.r, sig.s, sig.recovery);
  await thread.close();
  const after = await thread.recover(hash, sig.r, sig.s, sig.recovery);
  assert.equal(after, undefined);
  const answered = await waiting; // closed before or after its batch went out: either its key or undefined, never a hang
  assert.ok(answered === undefined || bytesToHex(answered) === bytesToHex(recoverPublicKey(hash, sig.r, sig.s, sig.recovery)));
});
