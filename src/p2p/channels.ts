/**
 * The numbered channels messages travel on, with CometBFT's channel ids where CometBFT has one (so a
 * packet dump reads the same), and the limits each channel enforces. p2p does not know what the bytes
 * on a channel mean: the node encodes and decodes them; p2p only bounds their size and queues.
 */

export const Channel = {
  /** Proposals and round-step announcements (CometBFT's StateChannel 0x20). */
  proposal: 0x20,
  /** Parts of a proposed block (DataChannel 0x21). */
  blockPart: 0x21,
  /** Prevotes and precommits (VoteChannel 0x22). */
  vote: 0x22,
  /** Transaction gossip (MempoolChannel 0x30). */
  tx: 0x30,
  /** Double-sign evidence (EvidenceChannel 0x38). */
  evidence: 0x38,
  /** Block sync requests and responses: whole blocks with their commits (BlocksyncChannel 0x40). */
  blockSync: 0x40,
} as const;
export type ChannelName = keyof typeof Channel;
export type ChannelId = number;

export interface ChannelLimits {
  /** Largest message accepted on the channel, after reassembly of its chunks; larger → disconnect + ban. */
  maxMessageBytes: number;
  /** Messages waiting to be sent to one peer on this channel; beyond it `send` reports 'full'. */
  sendQueueMessages: number;
  /**
   * Bytes waiting to be sent to one peer on this channel; beyond it `send` reports 'full'. An empty
   * queue always takes one message of up to maxMessageBytes, so this never makes a message unsendable.
   */
  sendQueueBytes: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Defaults sized for CyberMiles: block parts of 64 KiB (CometBFT's part size) with room to spare; a
 * transaction is at most 128 KiB (the chain's max_tx_bytes) and the node may batch several in one
 * message; a block-sync response carries a whole block and commit, so it gets the largest limit. Queues
 * bound the memory one slow peer can pin: the sum of sendQueueBytes (about 56 MiB) per peer at worst.
 */
export const defaultChannelLimits: Readonly<Record<ChannelId, ChannelLimits>> = {
  [Channel.proposal]: { maxMessageBytes: 1 * MiB, sendQueueMessages: 64, sendQueueBytes: 4 * MiB },
  [Channel.blockPart]: { maxMessageBytes: 1 * MiB, sendQueueMessages: 1024, sendQueueBytes: 8 * MiB },
  [Channel.vote]: { maxMessageBytes: 64 * KiB, sendQueueMessages: 4096, sendQueueBytes: 2 * MiB },
  [Channel.tx]: { maxMessageBytes: 1 * MiB, sendQueueMessages: 8192, sendQueueBytes: 8 * MiB },
  [Channel.evidence]: { maxMessageBytes: 1 * MiB, sendQueueMessages: 256, sendQueueBytes: 2 * MiB },
  [Channel.blockSync]: { maxMessageBytes: 32 * MiB, sendQueueMessages: 64, sendQueueBytes: 32 * MiB },
};

export function channelName(id: ChannelId): string {
  for (const [name, value] of Object.entries(Channel)) if (value === id) return name;
  return `0x${id.toString(16).padStart(2, '0')}`;
}
