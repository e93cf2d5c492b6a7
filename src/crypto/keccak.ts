import createKeccakHash from 'keccak';

/**
 * keccak-256 through the native addon. PERF: 2-6x faster than @noble/hashes (reference/dependencies.md
 * §2); it is on every trie node write and every tx hash, so it matters.
 */
export function keccak256(data: Uint8Array): Uint8Array {
  const digest = createKeccakHash('keccak256')
    .update(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
    .digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}
