import { Mainnet, createCustomCommon } from '@ethereumjs/common';
import type { Common } from '@ethereumjs/common';
import { ecrecoverHook, keccak256 } from '../crypto/index.ts';

/**
 * The @ethereumjs Common for our chain: chain id, hardfork, and native crypto through customCrypto
 * (5x the transfer throughput of the pure-JS defaults, reference/dependencies.md §3).
 */
export function createChainCommon(chainId: bigint, hardfork: string): Common {
  return createCustomCommon({ chainId: Number(chainId), name: 'cybermiles' }, Mainnet, {
    hardfork,
    customCrypto: { keccak256, ecrecover: ecrecoverHook },
  });
}
