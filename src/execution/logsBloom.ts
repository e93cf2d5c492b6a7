/**
 * The logs bloom of a transaction, as @ethereumjs's Bloom computes it (three 11-bit positions from the
 * keccak of the address and of each topic), with the positions of each address and topic kept. PERF: a
 * token transfer's log repeats the contract's address and the event's signature in every transaction, and
 * its holders' addresses often: four keccaks per transfer, most of them the same ones.
 */
import { Bloom } from '@ethereumjs/vm';
import type { Common } from '../evm/index.ts';
import { keccak256 } from '../crypto/index.ts';

const MEMO_LIMIT = 4096;
const BLOOM_BYTES = 256;
// two maps: an address and a topic with the same numeric value hash different bytes
const addressPositions = new Map<bigint, Uint16Array>();
const topicPositions = new Map<bigint, Uint16Array>();

function positions(memo: Map<bigint, Uint16Array>, key: bigint, bytes: Uint8Array): Uint16Array {
  let found = memo.get(key);
  if (found === undefined) {
    const h = keccak256(bytes);
    found = Uint16Array.of((((h[0] as number) << 8) | (h[1] as number)) & 2047, (((h[2] as number) << 8) | (h[3] as number)) & 2047, (((h[4] as number) << 8) | (h[5] as number)) & 2047);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(key, found);
  }
  return found;
}

function set(vector: Uint8Array, at: Uint16Array): void {
  for (let i = 0; i < 3; i++) {
    const loc = at[i] as number;
    vector[BLOOM_BYTES - (loc >> 3) - 1]! |= 1 << (loc & 7);
  }
}

/** The bloom of logs emitted by one contract: its address (as a number and as bytes) and each log's topics (numbers and 32-byte words). */
export function logsBloom(common: Common, address: bigint, addressBytes: Uint8Array, topics: ReadonlyArray<{ value: bigint; bytes: Uint8Array }>): Bloom {
  const vector = new Uint8Array(BLOOM_BYTES);
  set(vector, positions(addressPositions, address, addressBytes));
  for (const topic of topics) set(vector, positions(topicPositions, topic.value, topic.bytes));
  return new Bloom(vector, common);
}
