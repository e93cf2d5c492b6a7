import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import createKeccakHash from 'keccak';

/**
 * keccak-256 through the native addon. PERF: 2-6x faster than @noble/hashes (reference/dependencies.md
 * §2); it is on every trie node write and every tx hash, so it matters. The package's public API wraps
 * each hash in a stream.Transform, which costs more than hashing a trie node: we drive the addon's
 * KeccakState directly (one reused state; hashing is synchronous, so nothing can interleave), 3.3 -> 1.3 µs
 * for 32-110 byte inputs on this machine (tmp measurement, same output as the wrapper and @noble/hashes).
 */
interface KeccakState {
  initialize(rate: number, capacity: number): void;
  absorb(data: Buffer): void;
  squeeze(length: number): Buffer;
}

function loadNativeState(): KeccakState | undefined {
  try {
    const req = createRequire(import.meta.url);
    const dir = dirname(req.resolve('keccak/package.json'));
    const State = createRequire(`${dir}/package.json`)('node-gyp-build')(dir) as new () => KeccakState;
    return new State();
  } catch {
    return undefined; // no prebuilt addon for this platform: the package's own (JS fallback) API below
  }
}

const state = loadNativeState();

export function keccak256(data: Uint8Array): Uint8Array {
  const input = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let digest: Buffer;
  if (state !== undefined) {
    state.initialize(1088, 512); // keccak-256: rate 1088 bits, capacity 512, original (not SHA-3) padding
    state.absorb(input);
    digest = state.squeeze(32);
  } else {
    digest = createKeccakHash('keccak256').update(input).digest();
  }
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}
