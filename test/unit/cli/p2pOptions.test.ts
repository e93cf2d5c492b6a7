/**
 * The p2p options of `cmt start` (p2p.laddr, p2p.persistent-peers, p2p.seeds): defaults, the four layers
 * (flag > CMT_* > config.toml > default), normalisation of peer addresses, and one clear error naming the
 * option for a bad value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfigToml, readConfigFile, resolveOptions } from '../../../src/cli/config.ts';
import { defaultNodeOptions, parseListenAddress, parsePeerList, validateNodeOptions } from '../../../src/node/index.ts';
import { isChainError } from '../../../src/primitives/index.ts';

const A = 'a'.repeat(40);
const B = 'B'.repeat(40);

function withHome(configToml: string | undefined, fn: (home: string) => void): void {
  const home = mkdtempSync(join(tmpdir(), 'cmt-p2popt-'));
  try {
    if (configToml !== undefined) {
      mkdirSync(join(home, 'config'));
      writeFileSync(join(home, 'config', 'config.toml'), configToml);
    }
    fn(home);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function resolve(home: string, flags: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) {
  const base = defaultNodeOptions();
  base.home = home;
  return validateNodeOptions(resolveOptions(base, flags, env)).p2p;
}

function badOption(pattern: RegExp): (err: unknown) => boolean {
  return (err) => isChainError(err) && err.code === 'BAD_OPTION' && pattern.test(err.message);
}

test('defaults: listen on 127.0.0.1:26656, no peers, no seeds', () => {
  withHome(undefined, (home) => assert.deepEqual(resolve(home), { listen: { host: '127.0.0.1', port: 26656 }, persistentPeers: [], seeds: [] }));
});

test('the default config.toml parses and gives the defaults', () => {
  withHome(defaultConfigToml(), (home) => {
    assert.deepEqual(resolve(home), defaultNodeOptions().p2p);
    assert.equal(readConfigFile(home).get('p2p.persistent_peers'), '');
  });
});

test('flag > environment > config.toml for each p2p option', () => {
  const file = defaultConfigToml({ p2pLaddr: '0.0.0.0:1000', persistentPeers: [`${A}@10.0.0.1:1`] });
  withHome(file, (home) => {
    assert.deepEqual(resolve(home), { listen: { host: '0.0.0.0', port: 1000 }, persistentPeers: [`${A}@10.0.0.1:1`], seeds: [] });
    const env = { CMT_P2P_LADDR: '127.0.0.2:2000', CMT_P2P_PERSISTENT_PEERS: `${B}@h:2`, CMT_P2P_SEEDS: `${A}@seed:3` };
    assert.deepEqual(resolve(home, {}, env), {
      listen: { host: '127.0.0.2', port: 2000 },
      persistentPeers: [`${B.toLowerCase()}@h:2`],
      seeds: [`${A}@seed:3`],
    });
    const flags = { 'p2p.laddr': '127.0.0.3:3000', 'p2p.persistentPeers': `${A}@x:4, ${B}@[::1]:5`, 'p2p.seeds': '' };
    assert.deepEqual(resolve(home, flags, env), {
      listen: { host: '127.0.0.3', port: 3000 },
      persistentPeers: [`${A}@x:4`, `${B.toLowerCase()}@[::1]:5`],
      seeds: [],
    });
  });
});

test('a TOML array of peers is accepted as well as a comma-separated string', () => {
  withHome(`[p2p]\npersistent_peers = ["${A}@h:1", "${B}@h:2"]\n`, (home) => {
    assert.deepEqual(resolve(home).persistentPeers, [`${A}@h:1`, `${B.toLowerCase()}@h:2`]);
  });
});

test('listen addresses: host:port, [v6]:port, CometBFT tcp:// prefix; anything else names the option', () => {
  assert.deepEqual(parseListenAddress('p2p.laddr', 'tcp://0.0.0.0:26656'), { host: '0.0.0.0', port: 26656 });
  assert.deepEqual(parseListenAddress('p2p.laddr', '[::1]:0'), { host: '::1', port: 0 });
  for (const bad of ['26656', 'host:', ':1', 'host:70000', 'a b:1', 'udp://h:1']) {
    assert.throws(() => parseListenAddress('p2p.laddr', bad), badOption(/^invalid p2p\.laddr: expected <host>:<port>/), bad);
  }
});

test('peer lists: empty entries are skipped, a bad entry fails with the option name and the entry', () => {
  assert.deepEqual(parsePeerList('p2p.seeds', ` ,${A}@h:1,, `), [`${A}@h:1`]);
  const bad = [`${A}@h`, `${A.slice(1)}@h:1`, `${A}@h:0`, `${A}@h:65536`, 'h:1', `${A}@h:1;rm`];
  for (const entry of bad) {
    assert.throws(() => parsePeerList('p2p.persistent-peers', `${A}@ok:1,${entry}`), badOption(/^invalid p2p\.persistent-peers: bad peer address .*expected <40 hex node id>@<host>:<port>/), entry);
  }
});

test('a bad p2p value in any layer stops the node from starting with the option named', () => {
  withHome('[p2p]\nseeds = "nope"\n', (home) => assert.throws(() => resolve(home), badOption(/p2p\.seeds/)));
  withHome(undefined, (home) => {
    assert.throws(() => resolve(home, {}, { CMT_P2P_LADDR: 'x' }), badOption(/p2p\.laddr/));
    assert.throws(() => resolve(home, { 'p2p.persistentPeers': 'x@y:1' }), badOption(/p2p\.persistent-peers/));
  });
});
