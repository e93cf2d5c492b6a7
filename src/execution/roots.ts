/** Ordered-trie commitments of a block's transactions and receipts, as Ethereum computes them. */
import type { Common } from '../evm/index.ts';
import { MerklePatriciaTrie } from '@ethereumjs/mpt';
import { RLP } from '../encoding/index.ts';
import { EMPTY_TRIE_ROOT } from '../state/index.ts';

export async function orderedTrieRoot(values: readonly Uint8Array[], common: Common): Promise<Uint8Array> {
  if (values.length === 0) return EMPTY_TRIE_ROOT;
  const trie = new MerklePatriciaTrie({ common });
  for (let i = 0; i < values.length; i++) {
    await trie.put(RLP.encode(i), values[i] as Uint8Array);
  }
  return trie.root();
}
