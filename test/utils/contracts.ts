/** Compiled test contracts from `contracts/test/`, memoised per process (and cached on disk by compileSolidity). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, compileSolidity } from './solc.ts';
import type { ContractArtifact } from './solc.ts';

const loaded = new Map<string, ContractArtifact>();

/** Compiles `contracts/<file>` and returns the contract `name` from it. */
export function loadContract(file: string, name: string): ContractArtifact {
  const key = `${file}:${name}`;
  const hit = loaded.get(key);
  if (hit) return hit;
  const sourceName = `contracts/${file}`;
  const compiled = compileSolidity({ [sourceName]: readFileSync(join(PROJECT_ROOT, sourceName), 'utf8') });
  const artifact = compiled[name];
  if (!artifact || artifact.sourceName !== sourceName) throw new Error(`contract ${name} not found in ${sourceName}`);
  loaded.set(key, artifact);
  return artifact;
}

/**
 * TestToken: OpenZeppelin ERC-20 "Test Token" (TT), 18 decimals. Constructor `(uint256 initialSupply)` mints to
 * the deployer; `failWithReason()` reverts with "TestToken: always fails"; `restricted()` reverts with
 * `NotAllowed(address who)`.
 */
export function loadTestToken(): ContractArtifact {
  return loadContract('test/TestToken.sol', 'TestToken');
}
