/**
 * What `web3_clientVersion` answers (docs/adr/0008-dev-client-version-compat.md). Test tooling keys off its
 * prefix: @nomicfoundation/hardhat-network-helpers 1.x refuse every helper unless it starts with
 * `HardhatNetwork`, `anvil` or `zksync`. A dev chain can therefore answer with Hardhat's or anvil's prefix;
 * our own name and version always follow, so the node stays identifiable.
 */
import { VERSION } from './version.ts';

export const CLIENT_VERSION_COMPATS = ['hardhat', 'anvil', 'none'] as const;
export type ClientVersionCompat = (typeof CLIENT_VERSION_COMPATS)[number];

// The releases whose dev-method behaviour the end-to-end tests compare us with (the hardhat and
// @foundry-rs/anvil devDependencies; a unit test keeps them equal).
export const HARDHAT_COMPAT_VERSION = '2.29.1';
export const ANVIL_COMPAT_VERSION = '1.7.1';

export function isClientVersionCompat(v: string): v is ClientVersionCompat {
  return (CLIENT_VERSION_COMPATS as readonly string[]).includes(v);
}

export function clientVersion(compat: ClientVersionCompat): string {
  const own = `cybermiles/v${VERSION}/${process.platform}-${process.arch}/node${process.versions.node}`;
  switch (compat) {
    case 'hardhat':
      return `HardhatNetwork/${HARDHAT_COMPAT_VERSION}/${own}`;
    case 'anvil':
      return `anvil/v${ANVIL_COMPAT_VERSION}/${own}`;
    case 'none':
      return own;
  }
}
