/**
 * types: the chain's data structures and their canonical codecs and hashes: Header, Block, Commit,
 * Receipt, Genesis, and the empty-block range record. No behaviour beyond encode/decode/hash and genesis validation.
 */
export { createBlock, decodeBlock, encodeBlock } from './block.ts';
export type { Block } from './block.ts';
export { decodeCommit, encodeCommit, precommitSignBytes } from './commit.ts';
export type { Commit, CommitSignature } from './commit.ts';
export { proposalSignBytes, voteSignBytes } from './signBytes.ts';
export type { SignedMessageKind } from './signBytes.ts';
export { decodeEmptyRange, emptyRangeBlock, emptyRangeHash, emptyRangeHeader, emptyRangeHeightOf, encodeEmptyRange, inEmptyRange } from './emptyRange.ts';
export type { EmptyRange } from './emptyRange.ts';
export { parseGenesis } from './genesis.ts';
export type { Genesis, GenesisAccount, GenesisJson, GenesisValidator } from './genesis.ts';
export { decodeHeader, encodeHeader, hashHeader } from './header.ts';
export type { Header } from './header.ts';
export { decodeReceipts, encodeReceipts } from './receipt.ts';
export type { Log, Receipt } from './receipt.ts';
export { createValidator, hashValidatorSet } from './validator.ts';
export type { Validator } from './validator.ts';
