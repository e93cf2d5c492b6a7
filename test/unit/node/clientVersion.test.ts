/**
 * web3_clientVersion per --client-version-compat (ADR 0008): the hardhat and anvil answers must pass the
 * prefix check of the installed @nomicfoundation/hardhat-network-helpers (read from its source, so an upgrade
 * that changes the accepted prefixes fails here), `none` must not, and the versions we claim are the ones
 * the end-to-end tests compare us with.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { resolveOptions } from '../../../src/cli/config.ts';
import { ANVIL_COMPAT_VERSION, HARDHAT_COMPAT_VERSION, clientVersion } from '../../../src/node/clientVersion.ts';
import { VERSION, defaultNodeOptions, validateNodeOptions } from '../../../src/node/index.ts';

const require = createRequire(import.meta.url);

/** The lower-cased prefixes checkIfDevelopmentNetwork accepts, e.g. ["hardhatnetwork", "zksync", "anvil"]. */
function helperPrefixes(): string[] {
  const pkgDir = dirname(require.resolve('@nomicfoundation/hardhat-network-helpers/package.json'));
  const src = readFileSync(join(pkgDir, 'dist/src/utils.js'), 'utf8');
  const check = src.slice(src.indexOf('async function checkIfDevelopmentNetwork'), src.indexOf('async function getHardhatProvider'));
  return [...check.matchAll(/\.toLowerCase\(\)\.startsWith\("([a-z0-9]+)"\)/g)].map((m) => m[1] as string);
}

const accepted = (version: string): boolean => helperPrefixes().some((p) => version.toLowerCase().startsWith(p));

test('the helpers accept the hardhat and anvil answers and refuse our own name', () => {
  assert.ok(helperPrefixes().length >= 2, `found the helpers' prefix check: ${helperPrefixes().join(', ')}`);
  assert.equal(accepted(clientVersion('hardhat')), true);
  assert.equal(accepted(clientVersion('anvil')), true);
  assert.equal(accepted(clientVersion('none')), false);
});

test('every answer ends with our own name, version and platform', () => {
  const own = `cybermiles/v${VERSION}/${process.platform}-${process.arch}/node${process.versions.node}`;
  assert.equal(clientVersion('none'), own);
  assert.equal(clientVersion('hardhat'), `HardhatNetwork/${HARDHAT_COMPAT_VERSION}/${own}`);
  assert.equal(clientVersion('anvil'), `anvil/v${ANVIL_COMPAT_VERSION}/${own}`);
});

test('the claimed Hardhat and anvil versions are the devDependencies the e2e tests run against', () => {
  const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  assert.equal(pkg.devDependencies['hardhat'], HARDHAT_COMPAT_VERSION);
  assert.equal(pkg.devDependencies['@foundry-rs/anvil'], ANVIL_COMPAT_VERSION);
});

test('--client-version-compat defaults to hardhat, is set by flag or environment and refuses other values', () => {
  // a home without a config.toml, so only defaults, flags and environment count
  const base = () => Object.assign(defaultNodeOptions(), { home: join(tmpdir(), 'cmt-client-version-no-home') });
  assert.equal(validateNodeOptions(resolveOptions(base(), {}, {})).dev.clientVersionCompat, 'hardhat');
  assert.equal(validateNodeOptions(resolveOptions(base(), { clientVersionCompat: 'anvil' }, {})).dev.clientVersionCompat, 'anvil');
  assert.equal(validateNodeOptions(resolveOptions(base(), {}, { CMT_CLIENT_VERSION_COMPAT: 'none' })).dev.clientVersionCompat, 'none');
  assert.throws(() => validateNodeOptions(resolveOptions(base(), { clientVersionCompat: 'geth' }, {})), /client-version-compat: one of hardhat, anvil, none/);
});
