import { createKeccak } from 'hash-wasm';
import { IN_HEAP_MAX } from '../primitives/index.ts';

/**
 * keccak-256 through hash-wasm's WebAssembly keccak (ADR 0021). PERF: it is on every trie node, transaction,
 * receipt and address hash. 0.7-0.8 µs for 32-110 byte inputs against 1.6-1.7 µs for the native `keccak`
 * addon driven directly, and 2.1 against 3.1-3.4 µs for a 532-byte branch node (measured on this machine,
 * same outputs). The addon also returned each digest in a new external Buffer: a malloc, a free and a
 * finalizer per hash, which showed up as glibc malloc in the execution worker's profile; this digest is a
 * plain 32-byte array on the JS heap.
 *
 * One hasher per thread (module instance), used synchronously from init to digest, so calls cannot
 * interleave. The module is compiled once at load (top-level await).
 */
const hasher = await createKeccak(256);

export function keccak256(data: Uint8Array): Uint8Array {
  hasher.init();
  hasher.update(outOfHeap(data, 0));
  return hasher.digest('binary');
}

/** keccak-256 of `head` followed by `tail`, without joining them into one array first. */
export function keccak256Concat(head: Uint8Array, tail: Uint8Array): Uint8Array {
  hasher.init();
  hasher.update(outOfHeap(head, 0));
  hasher.update(outOfHeap(tail, IN_HEAP_MAX));
  return hasher.digest('binary');
}

/**
 * hash-wasm's `update` takes `data.buffer`, which moves an array of up to 64 bytes out of V8's heap (two mallocs
 * and a free later: primitives/bytes.ts, SCRATCH). PERF: such an input (a key, an address, a word, a leaf) is
 * copied into a view of this array instead, which already lives outside the heap; a larger one already does.
 */
const STAGING = new Uint8Array(new ArrayBuffer(2 * IN_HEAP_MAX));

function outOfHeap(data: Uint8Array, at: number): Uint8Array {
  const n = data.length;
  if (n > IN_HEAP_MAX) return data;
  for (let i = 0; i < n; i++) STAGING[at + i] = data[i] as number;
  return STAGING.subarray(at, at + n);
}
