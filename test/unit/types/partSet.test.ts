/**
 * Block parts: split + Merkle proofs + reassembly in any order, duplicates ignored, forged parts refused
 * on arrival without disturbing the set. Seeded: PART_SET_SEED=<n> replays a failure.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keccak256 } from '../../../src/crypto/index.ts';
import { ChainError } from '../../../src/primitives/index.ts';
import { BLOCK_PART_SIZE, PartSet, decodeConsensusMessage, encodeConsensusMessage, partProofLength, splitIntoParts } from '../../../src/types/index.ts';
import type { Part } from '../../../src/types/index.ts';
import { Prng } from '../../sim/prng.ts';

const SEED = Number(process.env.PART_SET_SEED ?? 7331);

const isPartError = (err: unknown): boolean => err instanceof ChainError && err.code === 'BAD_BLOCK_PART';

function randomBlock(rng: Prng): { block: Uint8Array; partSize: number } {
  const size = rng.int(1, 4000);
  return { block: rng.bytes(size), partSize: rng.int(Math.max(1, Math.ceil(size / 512)), 300) };
}

test(`parts reassemble in any order with duplicates (seed ${SEED})`, () => {
  const rng = new Prng(SEED);
  for (let i = 0; i < 300; i++) {
    const { block, partSize } = randomBlock(rng);
    const { header, parts } = splitIntoParts(block, partSize);
    assert.equal(header.total, Math.ceil(block.length / partSize));
    const set = new PartSet(header, { partSize });
    const deliveries = rng.shuffle([...parts, ...parts.filter(() => rng.chance(0.3))]);
    const outcomes: string[] = [];
    for (const part of deliveries) {
      assert.equal(set.blockBytes() === null, !set.isComplete);
      const outcome = set.addPart(part);
      if (outcome !== 'duplicate') outcomes.push(outcome);
    }
    // Exactly one 'complete', and it is the last accepted part; everything after is a duplicate.
    assert.deepEqual(outcomes, [...Array<string>(parts.length - 1).fill('added'), 'complete'], `seed ${SEED} case ${i}`);
    assert.deepEqual(set.blockBytes(), block, `seed ${SEED} case ${i}`);
  }
});

test('proofs have the length partProofLength predicts; a single part is its own leaf', () => {
  const rng = new Prng(SEED);
  for (let total = 1; total <= 40; total++) {
    const { parts } = splitIntoParts(rng.bytes(total * 3), 3);
    for (const p of parts) assert.equal(p.proof.length, partProofLength(p.index, total));
  }
  const one = rng.bytes(100);
  assert.deepEqual(splitIntoParts(one).header, { total: 1, hash: keccak256(Uint8Array.from([0, ...one])) });
});

test('the default part size is 64 KiB', () => {
  const { header, parts } = splitIntoParts(new Uint8Array(2 * BLOCK_PART_SIZE + 1).fill(1));
  assert.equal(header.total, 3);
  assert.deepEqual(parts.map((p) => p.bytes.length), [BLOCK_PART_SIZE, BLOCK_PART_SIZE, 1]);
});

test(`a forged part is refused and leaves the set untouched (seed ${SEED})`, () => {
  const rng = new Prng(SEED + 1);
  for (let i = 0; i < 200; i++) {
    const { block, partSize } = randomBlock(rng);
    const { header, parts } = splitIntoParts(block, partSize);
    const set = new PartSet(header, { partSize });
    const victim = rng.pick(parts);
    const bytes = victim.bytes.slice();
    const at = rng.int(0, bytes.length - 1);
    bytes[at] = (bytes[at] as number) ^ (1 << rng.int(0, 7));
    assert.throws(() => set.addPart({ ...victim, bytes }), isPartError, `seed ${SEED + 1} case ${i}`);
    assert.equal(set.count, 0);
    assert.equal(set.hasPart(victim.index), false);
    // The genuine part is still welcome afterwards, and the block completes.
    for (const p of rng.shuffle(parts)) set.addPart(p);
    assert.deepEqual(set.blockBytes(), block);
  }
});

test('parts with wrong proofs, totals, indexes or sizes are refused', () => {
  const rng = new Prng(SEED + 2);
  const block = rng.bytes(1000);
  const { header, parts } = splitIntoParts(block, 100);
  const other = splitIntoParts(rng.bytes(1000), 100);
  const p0 = parts[0] as Part;
  const p1 = parts[1] as Part;
  const cases: [string, Part][] = [
    ['a part of another block', other.parts[3] as Part],
    ["another part's proof", { ...p0, proof: p1.proof }],
    ['a truncated proof', { ...p0, proof: p0.proof.slice(1) }],
    ['an extended proof', { ...p0, proof: [...p0.proof, keccak256(new Uint8Array())] }],
    ['a relabelled index', { ...p0, index: 1 }],
    ['a wrong total', { ...p0, total: 11 }],
    ['an index out of range', { ...p0, index: 10 }],
    ['a negative index', { ...p0, index: -1 }],
    ['a short middle part', { ...p0, bytes: p0.bytes.subarray(0, 99) }],
  ];
  const set = new PartSet(header, { partSize: 100 });
  for (const [name, part] of cases) assert.throws(() => set.addPart(part), isPartError, name);
  assert.equal(set.count, 0);
});

test('headers that could pin too much memory are refused up front', () => {
  const hash = new Uint8Array(32);
  assert.throws(() => new PartSet({ total: 0, hash }), isPartError);
  assert.throws(() => new PartSet({ total: 513, hash }), isPartError);
  assert.throws(() => new PartSet({ total: 10, hash }, { maxBytes: 9 * BLOCK_PART_SIZE }), isPartError);
  assert.throws(() => new PartSet({ total: 1, hash: new Uint8Array(31) }), isPartError);
  assert.doesNotThrow(() => new PartSet({ total: 512, hash }));
  assert.throws(() => splitIntoParts(new Uint8Array()), isPartError);
  assert.throws(() => splitIntoParts(new Uint8Array(513), 1), isPartError);
  assert.throws(() => splitIntoParts(new Uint8Array(5), 0), isPartError);
});

test(`parts survive the wire: proposal header + blockPart messages rebuild the block (seed ${SEED})`, () => {
  const rng = new Prng(SEED + 3);
  const block = rng.bytes(3 * BLOCK_PART_SIZE + 17);
  const { header, parts } = splitIntoParts(block);
  const proposal = decodeConsensusMessage(
    encodeConsensusMessage({
      kind: 'proposal',
      proposal: { height: 9n, round: 1, blockHash: rng.bytes(32), validRound: -1, proposerAddress: rng.bytes(20), signature: rng.bytes(64) },
      partSet: header,
    }),
  );
  assert.equal(proposal.kind, 'proposal');
  if (proposal.kind !== 'proposal') return;
  const set = new PartSet(proposal.partSet);
  for (const part of rng.shuffle(parts)) {
    const msg = decodeConsensusMessage(encodeConsensusMessage({ kind: 'blockPart', height: 9n, round: 1, part }));
    assert.equal(msg.kind, 'blockPart');
    if (msg.kind === 'blockPart') set.addPart(msg.part);
  }
  assert.deepEqual(set.blockBytes(), block);
});
