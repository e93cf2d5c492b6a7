/**
 * encoding: RLP (the canonical binary codec for headers, blocks, receipts and votes) and the JSON-RPC
 * quantity/data codecs.
 */
export { RLP, RlpError, pairHead } from './rlp.ts';
export type { Input as RlpInput } from '@ethereumjs/rlp';
export {
  parseAddress,
  parseData,
  parseHash,
  parseQuantity,
  toData,
  toQuantity,
} from './quantity.ts';
