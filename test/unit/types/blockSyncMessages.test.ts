/**
 * The block-sync codec: every message round-trips (real executed blocks with signed commits, and random
 * ones), and the decoder throws nothing but BAD_BLOCK_SYNC_MESSAGE on any input (the node bans peers on
 * exactly that), naming the offending field, inside the block too.
 * Seeded: a failure prints the seed; BLOCK_SYNC_CODEC_SEED=<n> replays it.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createValidatorSet, verifyCommit } from '../../../src/consensus/index.ts';
import { ed25519KeyFromSeed, ed25519Sign } from '../../../src/crypto/index.ts';
import { RLP } from '../../../src/encoding/index.ts';
import { executeBlock, validateRawTx } from '../../../src/execution/index.ts';
import { ChainError } from '../../../src/primitives/index.ts';
import {
  MAX_BLOCK_BYTES,
  createBlock,
  createValidator,
  decodeBlockSyncMessage,
  encodeBlock,
  encodeBlockSyncMessage,
  encodeCommit,
  hashValidatorSet,
  precommitSignBytes,
} from '../../../src/types/index.ts';
import type { Block, BlockSyncMessage, Commit, Header } from '../../../src/types/index.ts';
import { Prng } from '../../sim/prng.ts';
import { ONE, createTestChain, devWallet, firstBlockContext, nextBlockContext, signTransfer } from '../../utils/chain.ts';
import { assertDecodesStrictly, assertRejectsFields, b, frame, mutate, randomFrame, set, u } from './wireHelpers.ts';
import type { Fields, StrictCodec } from './wireHelpers.ts';

const SEED = Number(process.env.BLOCK_SYNC_CODEC_SEED ?? 20240611);
const CHAIN = 'test';

// ---- real blocks: executed on the test chain, certified by 3 of 4 ed25519 validators ----

const seeds = [1, 2, 3, 4].map((i) => new Uint8Array(32).fill(i));
const validators = seeds.map((s) => createValidator(ed25519KeyFromSeed(s).publicKey, 10n));
const validatorSet = createValidatorSet(validators);

function certify(block: Block, round = 0): Commit {
  const { height } = block.header;
  return {
    height,
    round,
    blockHash: block.hash,
    signatures: seeds.slice(0, 3).map((seed, i) => {
      const timestampMs = 1_767_225_600_000n + BigInt(i);
      return { validatorAddress: (validators[i] as { address: Uint8Array }).address, timestampMs, signature: ed25519Sign(seed, precommitSignBytes(CHAIN, height, round, block.hash, timestampMs)) };
    }),
  };
}

/** Blocks 1 (no parent certificate) and 2 (certifying block 1), each with its own commit. */
async function realChain(): Promise<Array<{ block: Block; commit: Commit }>> {
  const chain = await createTestChain();
  const validatorsHash = hashValidatorSet(validators);
  const proposer = (validators[0] as { address: Uint8Array }).address;
  const to = devWallet(2).address;
  const raws1 = [await signTransfer(0, 0, to, ONE), await signTransfer(1, 0, to, 2n * ONE, { type: 2 })];
  const ctx1 = { ...firstBlockContext(chain), parentHash: createBlock(chain.genesisHeader, [], null).hash, proposer, validatorsHash };
  const out1 = await executeBlock(chain.vm, chain.common, ctx1, raws1.map((r) => validateRawTx(r, chain.txCommon, chain.rules)), 'apply');
  const block1 = createBlock(out1.header, raws1, null);
  const commit1 = certify(block1);
  const raws2 = [await signTransfer(0, 1, to, 3n)];
  const ctx2 = { ...nextBlockContext(block1, chain.feePool), lastCommit: commit1 };
  const out2 = await executeBlock(chain.vm, chain.common, ctx2, raws2.map((r) => validateRawTx(r, chain.txCommon, chain.rules)), 'apply');
  const block2 = createBlock(out2.header, raws2, commit1);
  return [
    { block: block1, commit: commit1 },
    { block: block2, commit: certify(block2, 1) },
  ];
}

let real: Array<{ block: Block; commit: Commit }> = [];
before(async () => {
  real = await realChain();
});

function realAt(height: number): { block: Block; commit: Commit } {
  const r = real[height - 1];
  assert.ok(r !== undefined, `no real block ${height}`);
  return r;
}

// ---- random messages ----

function genHeight(rng: Prng): bigint {
  return rng.pick([1n, 2n, BigInt(rng.nextU32()) + 1n, (1n << 63n) - 1n]);
}

function genCommit(rng: Prng, height: bigint, blockHash: Uint8Array): Commit {
  const signatures = Array.from({ length: rng.int(1, 5) }, (_, i) => ({
    validatorAddress: Uint8Array.from([i, ...rng.bytes(19)]), // distinct by construction
    timestampMs: BigInt(rng.nextU32()),
    signature: rng.bytes(64),
  }));
  return { height, round: rng.pick([0, 1, rng.int(0, 1000)]), blockHash, signatures };
}

function genBlock(rng: Prng): Block {
  const height = genHeight(rng);
  const header: Header = {
    height,
    timestamp: BigInt(rng.nextU32()),
    parentHash: rng.bytes(32),
    proposer: rng.bytes(20),
    stateRoot: rng.bytes(32),
    transactionsRoot: rng.bytes(32),
    receiptsRoot: rng.bytes(32),
    logsBloom: rng.chance(0.5) ? new Uint8Array(256) : rng.bytes(256),
    gasUsed: BigInt(rng.int(0, 30_000_000)),
    gasLimit: rng.pick([0n, 30_000_000n, (1n << 64n) - 1n]),
    baseFeePerGas: rng.pick([0n, 2_000_000_000n, (1n << 256n) - 1n]),
    prevRandao: rng.bytes(32),
    validatorsHash: rng.bytes(32),
    lastCommitHash: rng.bytes(32),
    evidenceHash: rng.bytes(32),
  };
  const transactions = Array.from({ length: rng.int(0, 4) }, () => rng.bytes(rng.int(1, 150)));
  const lastCommit = height === 1n || rng.chance(0.2) ? null : genCommit(rng, height - 1n, rng.bytes(32));
  return createBlock(header, transactions, lastCommit);
}

function genMessage(rng: Prng, kind: BlockSyncMessage['kind']): BlockSyncMessage {
  switch (kind) {
    case 'statusRequest':
      return { kind };
    case 'statusResponse': {
      if (rng.chance(0.1)) return { kind, base: 0n, height: 0n };
      const height = genHeight(rng);
      return { kind, base: rng.pick([1n, height, (height + 1n) / 2n]), height };
    }
    case 'blockRequest':
    case 'noBlockResponse':
      return { kind, height: genHeight(rng) };
    case 'blockResponse': {
      const block = genBlock(rng);
      return { kind, block, commit: genCommit(rng, block.header.height, block.hash) };
    }
  }
}

const KINDS: BlockSyncMessage['kind'][] = ['statusRequest', 'statusResponse', 'blockRequest', 'blockResponse', 'noBlockResponse'];

const codec: StrictCodec<BlockSyncMessage> = { encode: encodeBlockSyncMessage, decode: decodeBlockSyncMessage, code: 'BAD_BLOCK_SYNC_MESSAGE' };

test('real blocks with their commits round-trip, and the decoded commit verifies against the validator set', () => {
  for (const { block, commit } of real) {
    const msg: BlockSyncMessage = { kind: 'blockResponse', block, commit };
    const decoded = decodeBlockSyncMessage(encodeBlockSyncMessage(msg));
    assert.deepEqual(decoded, msg);
    assert.equal(decoded.kind, 'blockResponse');
    if (decoded.kind !== 'blockResponse') return;
    assert.equal(verifyCommit(decoded.commit, validatorSet, CHAIN, block.header.height, decoded.block.hash), 30n);
  }
  assert.equal(realAt(1).block.lastCommit, null, 'block 1 carries no parent certificate');
  assert.deepEqual(realAt(2).block.lastCommit, realAt(1).commit, "block 2 carries block 1's certificate");
});

test('a block response is [encodeBlock bytes, commit fields]: a peer serves both from its store as they are', () => {
  const { block, commit } = realAt(2);
  const bytes = encodeBlockSyncMessage({ kind: 'blockResponse', block, commit });
  assert.equal(bytes[0], 0x03);
  const [blockBytes, commitFields] = RLP.decode(bytes.subarray(1)) as [Uint8Array, Uint8Array[]];
  assert.deepEqual(blockBytes, encodeBlock(block));
  assert.deepEqual(RLP.encode(commitFields), encodeCommit(commit));
});

test(`every message kind round-trips (seed ${SEED})`, () => {
  const rng = new Prng(SEED);
  for (let i = 0; i < 2000; i++) {
    const kind = KINDS[i % KINDS.length] as BlockSyncMessage['kind'];
    const msg = genMessage(rng, kind);
    assert.deepEqual(decodeBlockSyncMessage(encodeBlockSyncMessage(msg)), msg, `seed ${SEED} case ${i} (${kind})`);
  }
});

test(`fuzz: random bytes never throw anything but BAD_BLOCK_SYNC_MESSAGE (seed ${SEED})`, () => {
  const rng = new Prng(SEED + 1);
  for (let i = 0; i < 20_000; i++) {
    assertDecodesStrictly(codec, randomFrame(rng, 6), `seed ${SEED + 1} case ${i}`);
  }
});

test(`fuzz: mutated valid encodings never throw anything but BAD_BLOCK_SYNC_MESSAGE (seed ${SEED})`, () => {
  const rng = new Prng(SEED + 2);
  const accepted = new Map<string, number>();
  for (let i = 0; i < 20_000; i++) {
    const valid = i % 10 === 0 ? encodeBlockSyncMessage({ kind: 'blockResponse', ...realAt(rng.int(1, 2)) }) : encodeBlockSyncMessage(genMessage(rng, rng.pick(KINDS)));
    const kind = assertDecodesStrictly(codec, mutate(rng, valid), `seed ${SEED + 2} case ${i}`)?.kind;
    if (kind !== undefined) accepted.set(kind, (accepted.get(kind) ?? 0) + 1);
  }
  // Some mutations (inside a commit signature, a height) must still decode: the fuzzer reaches the field checks.
  assert.ok((accepted.get('blockResponse') ?? 0) > 0, `accepted: ${JSON.stringify([...accepted])}`);
});

// ---- strictness table ----

/** Block 2's fields ([header, transactions, lastCommit]) and commit fields, to break one at a time. */
const blockFields = (): Fields => RLP.decode(encodeBlock(realAt(2).block)) as Fields;
const commitFields = (): Fields => RLP.decode(encodeCommit(realAt(2).commit)) as Fields;
/** A block response whose block is `block` (fields, or raw bytes) and whose commit is `commit`. */
const response = (block: Fields | Uint8Array = blockFields(), commit: Fields = commitFields()): Uint8Array =>
  frame(0x03, [block instanceof Uint8Array ? block : RLP.encode(block), commit]);
/** Header field indexes in encodeHeader's order. */
const H = { height: 0, timestamp: 1, parentHash: 2, proposer: 3, logsBloom: 7, gasUsed: 8, baseFeePerGas: 10, lastCommitHash: 13 } as const;

const VALID: [string, () => Uint8Array][] = [
  ['statusRequest', () => frame(0x04, [])],
  ['statusResponse', () => frame(0x05, [u(1), u(10)])],
  ['statusResponse of a node at genesis', () => frame(0x05, [u(0), u(0)])],
  ['statusResponse of a pruned node', () => frame(0x05, [u(10), u(10)])],
  ['blockRequest', () => frame(0x01, [u(5)])],
  ['noBlockResponse', () => frame(0x02, [u(5)])],
  ['blockResponse, block 1', () => encodeBlockSyncMessage({ kind: 'blockResponse', ...realAt(1) })],
  ['blockResponse, block 2', () => response()],
];

const INVALID: [string, () => Uint8Array, string][] = [
  ['empty input', () => new Uint8Array(), 'message'],
  ['kind byte alone', () => Uint8Array.of(0x01), 'message'],
  ['unknown kind 0x00', () => frame(0x00, [u(5)]), 'kind'],
  ['unknown kind 0x06', () => frame(0x06, [u(5)]), 'kind'],
  ['trailing byte', () => Uint8Array.from([...frame(0x01, [u(5)]), 0]), 'rlp'],
  ['truncated', () => response().subarray(0, 100), 'rlp'],
  ['non-canonical RLP (0x81 0x05)', () => Uint8Array.of(0x01, 0xc2, 0x81, 0x05), 'rlp'],
  ['body is a byte string', () => frame(0x01, u(5)), 'blockRequest'],
  ['statusRequest with a field', () => frame(0x04, [u(1)]), 'statusRequest'],
  ['statusResponse with 1 field', () => frame(0x05, [u(1)]), 'statusResponse'],
  ['statusResponse with 3 fields', () => frame(0x05, [u(1), u(2), u(3)]), 'statusResponse'],
  ['statusResponse base above height', () => frame(0x05, [u(11), u(10)]), 'statusResponse.base'],
  ['statusResponse base 0 with blocks', () => frame(0x05, [u(0), u(10)]), 'statusResponse.base'],
  ['statusResponse height with a leading zero', () => frame(0x05, [u(1), Uint8Array.of(0, 10)]), 'statusResponse.height'],
  ['statusResponse height 2^63', () => frame(0x05, [u(1), u(1n << 63n)]), 'statusResponse.height'],
  ['statusResponse base as a list', () => frame(0x05, [[], u(10)]), 'statusResponse.base'],
  ['blockRequest height 0', () => frame(0x01, [u(0)]), 'blockRequest.height'],
  ['blockRequest zero as 0x00', () => frame(0x01, [Uint8Array.of(0)]), 'blockRequest.height'],
  ['blockRequest height of 9 bytes', () => frame(0x01, [b(9)]), 'blockRequest.height'],
  ['blockRequest with 2 fields', () => frame(0x01, [u(5), u(6)]), 'blockRequest'],
  ['noBlockResponse height 0', () => frame(0x02, [u(0)]), 'noBlockResponse.height'],
  ['noBlockResponse without a height', () => frame(0x02, []), 'noBlockResponse'],
  ['blockResponse with 1 field', () => frame(0x03, [encodeBlock(realAt(2).block)]), 'blockResponse'],
  ['blockResponse block as a list', () => frame(0x03, [blockFields(), commitFields()]), 'block'],
  ['block bytes that are not RLP', () => response(Uint8Array.of(0xf8)), 'block'],
  ['block with a trailing byte', () => response(Uint8Array.from([...encodeBlock(realAt(2).block), 0])), 'block'],
  ['block with 2 fields', () => response(blockFields().slice(0, 2)), 'block'],
  ['block over MAX_BLOCK_BYTES', () => response(RLP.encode([b(MAX_BLOCK_BYTES)])), 'block'],
  ['header with 13 fields', () => response(set(blockFields(), [0], (blockFields()[0] as Fields).slice(0, 13))), 'block.header'],
  ['header height 0', () => response(set(blockFields(), [0, H.height], u(0))), 'block.header.height'],
  ['header height with a leading zero', () => response(set(blockFields(), [0, H.height], Uint8Array.of(0, 2))), 'block.header.height'],
  ['header timestamp of 9 bytes', () => response(set(blockFields(), [0, H.timestamp], b(9))), 'block.header.timestamp'],
  ['header parent hash of 31 bytes', () => response(set(blockFields(), [0, H.parentHash], b(31))), 'block.header.parentHash'],
  ['header proposer of 21 bytes', () => response(set(blockFields(), [0, H.proposer], b(21))), 'block.header.proposer'],
  ['header bloom of 255 bytes', () => response(set(blockFields(), [0, H.logsBloom], b(255))), 'block.header.logsBloom'],
  ['header gasUsed as a list', () => response(set(blockFields(), [0, H.gasUsed], [])), 'block.header.gasUsed'],
  ['header base fee of 33 bytes', () => response(set(blockFields(), [0, H.baseFeePerGas], b(33))), 'block.header.baseFeePerGas'],
  ['header empty lastCommitHash', () => response(set(blockFields(), [0, H.lastCommitHash], new Uint8Array())), 'block.header.lastCommitHash'],
  ['transactions as a byte string', () => response(set(blockFields(), [1], b(3))), 'block.transactions'],
  ['a transaction as a list', () => response(set(blockFields(), [1, 0], [])), 'block.transactions[0]'],
  ['an empty transaction', () => response(set(blockFields(), [1], [b(3), new Uint8Array()])), 'block.transactions[1]'],
  ['lastCommit as an empty string', () => response(set(blockFields(), [2], new Uint8Array())), 'block.lastCommit'],
  ['lastCommit with 3 fields', () => response(set(blockFields(), [2], (blockFields()[2] as Fields).slice(0, 3))), 'block.lastCommit'],
  ['lastCommit without signatures', () => response(set(blockFields(), [2, 3], [])), 'block.lastCommit.signatures'],
  ['lastCommit signer twice', () => response(set(blockFields(), [2, 3, 1], (blockFields()[2] as Fields[])[3]?.[0] as Fields)), 'block.lastCommit.signatures[1].validatorAddress'],
  ['lastCommit height 0', () => response(set(blockFields(), [2, 0], u(0))), 'block.lastCommit.height'],
  ['commit with 3 fields', () => response(blockFields(), commitFields().slice(0, 3)), 'commit'],
  ['commit without signatures', () => response(blockFields(), set(commitFields(), [3], [])), 'commit.signatures'],
  ['commit signature of 63 bytes', () => response(blockFields(), set(commitFields(), [3, 0, 2], b(63))), 'commit.signatures[0].signature'],
  ['commit round 2^31', () => response(blockFields(), set(commitFields(), [1], u(2 ** 31))), 'commit.round'],
  ['commit block hash of 31 bytes', () => response(blockFields(), set(commitFields(), [2], b(31))), 'commit.blockHash'],
  ["commit of the parent's height", () => response(blockFields(), set(commitFields(), [0], u(1))), 'commit.height'],
  ['commit of another block', () => response(blockFields(), set(commitFields(), [2], b(32))), 'commit.blockHash'],
  ["block 1 with block 2's commit", () => response(RLP.decode(encodeBlock(realAt(1).block)) as Fields), 'commit.height'],
];

test('strictness table: valid baselines decode', () => {
  for (const [name, bytes] of VALID) assert.ok(assertDecodesStrictly(codec, bytes(), name) !== undefined, name);
});

test('strictness table: each violation is BAD_BLOCK_SYNC_MESSAGE naming its field', () => {
  // Built here, not at load: the cases break fields of the real blocks, which exist only after `before`.
  assertRejectsFields(codec, INVALID.map(([name, bytes, field]) => [name, bytes(), field] as const));
});

test('encoding refuses values it would otherwise mangle', () => {
  for (const msg of [
    { kind: 'blockRequest', height: -1n },
    { kind: 'statusResponse', base: -1n, height: 5n },
  ] as const) {
    assert.throws(() => encodeBlockSyncMessage(msg), (err: unknown) => err instanceof ChainError && err.code === 'BAD_BLOCK_SYNC_MESSAGE', msg.kind);
  }
});
