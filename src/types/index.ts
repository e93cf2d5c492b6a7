/**
 * types: the chain's data structures and their canonical codecs and hashes: Header, Block, Commit,
 * Receipt, Genesis, and the empty-block range record; votes, proposals and evidence with their strict gossip
 * codec (consensusMessages.ts), the block-sync codec (blockSyncMessages.ts; both strict through wireCodec.ts)
 * and block parts (partSet.ts). No behaviour beyond encode/decode/hash, genesis validation and part-set
 * reassembly.
 */
export { blockTxHashes, createBlock, decodeBlock, encodeBlock, knowTxHashes } from './block.ts';
export type { Block } from './block.ts';
export { decodeCommit, encodeCommit, precommitSignBytes } from './commit.ts';
export type { Commit, CommitSignature } from './commit.ts';
export { proposalSignBytes, voteSignBytes } from './signBytes.ts';
export type { SignedMessageKind } from './signBytes.ts';
export { decodeEmptyRange, emptyRangeBlock, emptyRangeHash, emptyRangeHeader, emptyRangeHeightOf, encodeEmptyRange, inEmptyRange } from './emptyRange.ts';
export type { EmptyRange } from './emptyRange.ts';
export { parseGenesis } from './genesis.ts';
export type { Genesis, GenesisAccount, GenesisJson, GenesisStaking, GenesisValidator } from './genesis.ts';
export { decodeHeader, encodeHeader, hashHeader } from './header.ts';
export type { Header } from './header.ts';
export { decodeReceipts, encodeConsensusReceipt, encodeReceiptItem, encodeReceipts, joinReceiptItems } from './receipt.ts';
export type { Log, Receipt } from './receipt.ts';
export { createValidator, decodeValidatorUpdates, encodeValidatorUpdates, hashValidatorSet } from './validator.ts';
export type { Validator } from './validator.ts';
export { evidenceFromFields, evidenceKey, evidenceToFields, hashEvidence, voteFromFields, voteToFields } from './vote.ts';
export type { DuplicateVoteEvidence, Proposal, Vote, VoteType } from './vote.ts';
export { CONSENSUS_MESSAGE_KIND, decodeConsensusMessage, encodeConsensusMessage } from './consensusMessages.ts';
export { MAX_COMMIT_SIGNATURES } from './wireCodec.ts';
export type { ConsensusMessage, ConsensusMessageKind, RoundStepName } from './consensusMessages.ts';
export { BLOCK_SYNC_MESSAGE_KIND, decodeBlockSyncMessage, encodeBlockSyncMessage } from './blockSyncMessages.ts';
export type { BlockSyncMessage, BlockSyncMessageKind } from './blockSyncMessages.ts';
export { BLOCK_PART_SIZE, MAX_BLOCK_BYTES, MAX_BLOCK_PARTS, PartSet, partProofLength, splitIntoParts } from './partSet.ts';
export type { Part, PartSetHeader, PartSetOptions } from './partSet.ts';
