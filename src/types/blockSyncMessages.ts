/**
 * The block-sync wire format (channel 0x40): one byte naming the message kind, then one RLP list.
 *
 * A node that is behind asks peers for their range (statusRequest/statusResponse), then for blocks one
 * height at a time (blockRequest), and gets each block with its own commit certificate (blockResponse) or a
 * refusal (noBlockResponse). The block's own commit travels beside it because Block.lastCommit only
 * certifies the parent: without it the newest block a peer has could not be verified until the next one
 * exists, and a bad certificate could not be pinned on one sender.
 *
 * Strict in the same way as consensusMessages.ts: exact field counts, canonical integers, exact lengths,
 * canonical RLP, inside the block as well. Every violation is a ChainError BAD_BLOCK_SYNC_MESSAGE naming
 * the field, never anything else, because the node bans the sending peer on exactly that error. Signatures
 * and the block's validity are not checked here: that needs the validator set of the height and execution.
 */
import type { RlpInput } from '../encoding/index.ts';
import { equalBytes } from '../primitives/index.ts';
import type { Block } from './block.ts';
import { encodeBlock } from './block.ts';
import type { Commit } from './commit.ts';
import { commitToFields } from './commit.ts';
import { MAX_HEIGHT, createWireCodec } from './wireCodec.ts';

export type BlockSyncMessage =
  | { kind: 'statusRequest' }
  /**
   * The heights a peer serves: base..height. Blocks start at 1, so a node with none beyond genesis says
   * base 0, height 0; otherwise 1 <= base <= height (base > 1 once it has pruned).
   */
  | { kind: 'statusResponse'; base: bigint; height: bigint }
  | { kind: 'blockRequest'; height: bigint }
  /** `commit` certifies `block` itself (its height and hash), not its parent. */
  | { kind: 'blockResponse'; block: Block; commit: Commit }
  /** "I do not serve this height": the answer to a blockRequest outside the peer's range. */
  | { kind: 'noBlockResponse'; height: bigint };

export type BlockSyncMessageKind = BlockSyncMessage['kind'];

/**
 * The first byte of every message, numbered as CometBFT's blocksync Message oneof so a packet dump reads
 * the same. Never renumber: peers of different versions must agree.
 */
export const BLOCK_SYNC_MESSAGE_KIND: Readonly<Record<BlockSyncMessageKind, number>> = {
  blockRequest: 0x01,
  noBlockResponse: 0x02,
  blockResponse: 0x03,
  statusRequest: 0x04,
  statusResponse: 0x05,
};

const wire = createWireCodec('BAD_BLOCK_SYNC_MESSAGE', 'block-sync message', BLOCK_SYNC_MESSAGE_KIND);
const { bad, uintBytes, list, bytes, uint, height } = wire;

function messageFields(m: BlockSyncMessage): RlpInput[] {
  switch (m.kind) {
    case 'statusRequest':
      return [];
    case 'statusResponse':
      return [uintBytes(m.base, 'statusResponse.base'), uintBytes(m.height, 'statusResponse.height')];
    case 'blockRequest':
      return [uintBytes(m.height, 'blockRequest.height')];
    case 'blockResponse':
      // The block as the byte string encodeBlock makes (and the store keeps), so a peer serves it unparsed.
      return [encodeBlock(m.block), commitToFields(m.commit)];
    case 'noBlockResponse':
      return [uintBytes(m.height, 'noBlockResponse.height')];
  }
}

/** Throws BAD_BLOCK_SYNC_MESSAGE only for values it cannot encode faithfully (negative or fractional). */
export function encodeBlockSyncMessage(m: BlockSyncMessage): Uint8Array {
  return wire.encodeFrame(m.kind, messageFields(m));
}

function statusFrom(f: unknown[]): BlockSyncMessage {
  const [b, h] = list(f, 'statusResponse', 2);
  const base = uint(b, 'statusResponse.base', MAX_HEIGHT);
  const top = uint(h, 'statusResponse.height', MAX_HEIGHT);
  if (base > top) throw bad('statusResponse.base', `${base} is above height ${top}`);
  if (base === 0n && top > 0n) throw bad('statusResponse.base', `is 0 with height ${top} (blocks start at 1)`);
  return { kind: 'statusResponse', base, height: top };
}

function blockResponseFrom(f: unknown[]): BlockSyncMessage {
  const [b, c] = list(f, 'blockResponse', 2);
  const block = wire.block(bytes(b, 'block'), 'block');
  const commit = wire.commit(c, 'commit');
  if (commit.height !== block.header.height) throw bad('commit.height', `${commit.height} is not the block's height ${block.header.height}`);
  if (!equalBytes(commit.blockHash, block.hash)) throw bad('commit.blockHash', "is not the block's hash");
  return { kind: 'blockResponse', block, commit };
}

function bodyFrom(kind: BlockSyncMessageKind, f: unknown[]): BlockSyncMessage {
  switch (kind) {
    case 'statusRequest':
      list(f, 'statusRequest', 0);
      return { kind };
    case 'statusResponse':
      return statusFrom(f);
    case 'blockRequest':
      return { kind, height: height(list(f, 'blockRequest', 1)[0], 'blockRequest.height') };
    case 'blockResponse':
      return blockResponseFrom(f);
    case 'noBlockResponse':
      return { kind, height: height(list(f, 'noBlockResponse', 1)[0], 'noBlockResponse.height') };
  }
}

/** The message in `data`, or a ChainError BAD_BLOCK_SYNC_MESSAGE naming the field (ban the sender). */
export function decodeBlockSyncMessage(data: Uint8Array): BlockSyncMessage {
  const { kind, fields } = wire.decodeFrame(data);
  return bodyFrom(kind, fields);
}
