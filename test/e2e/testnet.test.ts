/**
 * `cmt testnet init` as a user runs it (issue 4, item 6): N homes with one shared genesis listing all N
 * validators, their own keys, distinct ports and each other as persistent peers; refusal to overwrite; and
 * `cmt start` refusing a multi-validator home until the consensus network lands.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { removeHome, spawnCmt, tempHome } from '../utils/node.ts';
import { runCmt, runCmtAsync } from '../utils/e2e2-helpers.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) removeHome(d);
});

function newDir(): string {
  const d = tempHome('cmt-testnet-');
  dirs.push(d);
  return join(d, 'net'); // not yet existing
}

interface Toml {
  rpc: { port: number };
  p2p: { laddr: string; persistent_peers: string; seeds: string };
}

function nodeIdOf(home: string): string {
  const key = JSON.parse(readFileSync(join(home, 'config', 'node_key.json'), 'utf8')) as { pub_key: { value: string } };
  // ADR 0012: node id = hex of the first 20 bytes of SHA-256 of the ed25519 public key
  return createHash('sha256').update(Buffer.from(key.pub_key.value, 'base64')).digest('hex').slice(0, 40);
}

describe('cmt testnet --help', { concurrency: true }, () => {
  const cases: Array<[string[], RegExp[]]> = [
    [['--help'], [/\btestnet\b/]],
    [['testnet', '--help'], [/^Usage: cmt testnet \[options\] \[command\]/m, /\binit\b/]],
    [['testnet', 'init', '--help'], [/^Usage: cmt testnet init \[options\]/m, /--validators <n>/, /--dir <dir>/, /--force/, /--chain-id/]],
  ];
  for (const [args, patterns] of cases) {
    it(`cmt ${args.join(' ')}`, async () => {
      const r = await runCmtAsync(args);
      assert.equal(r.code, 0, r.stderr);
      for (const p of patterns) assert.match(r.stdout, p);
    });
  }
});

describe('cmt testnet init --validators 4', () => {
  const dir = newDir();
  const homes = [0, 1, 2, 3].map((i) => join(dir, `node${i}`));

  it('writes four homes', () => {
    const r = runCmt(['testnet', 'init', '--validators', '4', '--dir', dir, '--chain-id', '4321']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /4-validator testnet/);
    for (const home of homes) {
      for (const f of ['genesis.json', 'config.toml', 'priv_validator_key.json', 'node_key.json']) assert.ok(existsSync(join(home, 'config', f)), `${home}/config/${f}`);
    }
    assert.ok(!existsSync(join(dir, 'node4')));
  });

  it('shares one genesis listing the four validator keys with equal power', () => {
    const texts = homes.map((h) => readFileSync(join(h, 'config', 'genesis.json'), 'utf8'));
    for (const t of texts) assert.equal(t, texts[0], 'genesis.json is byte-identical in every home');
    const genesis = JSON.parse(texts[0] as string) as {
      validators: Array<{ name: string; power: string; pub_key: { type: string; value: string } }>;
      app_state: { evm: { chain_id: number } };
    };
    assert.equal(genesis.app_state.evm.chain_id, 4321);
    assert.deepEqual(genesis.validators.map((v) => v.name), ['validator0', 'validator1', 'validator2', 'validator3']);
    assert.deepEqual(new Set(genesis.validators.map((v) => v.power)), new Set(['10']));
    for (const [i, home] of homes.entries()) {
      const key = JSON.parse(readFileSync(join(home, 'config', 'priv_validator_key.json'), 'utf8')) as { pub_key: { type: string; value: string } };
      assert.deepEqual(genesis.validators[i]?.pub_key, key.pub_key, `node${i} holds validator${i}'s key`);
    }
  });

  it('gives each node distinct ports and every other node as a persistent peer by node id', () => {
    const configs = homes.map((h) => parseToml(readFileSync(join(h, 'config', 'config.toml'), 'utf8')) as unknown as Toml);
    const ids = homes.map(nodeIdOf);
    assert.equal(new Set(ids).size, 4);
    assert.deepEqual(configs.map((c) => c.rpc.port), [8545, 8546, 8547, 8548]);
    assert.deepEqual(configs.map((c) => c.p2p.laddr), ['127.0.0.1:26656', '127.0.0.1:26657', '127.0.0.1:26658', '127.0.0.1:26659']);
    for (const [i, c] of configs.entries()) {
      const expected = ids.flatMap((id, j) => (j === i ? [] : [`${id}@127.0.0.1:${26656 + j}`]));
      assert.deepEqual(c.p2p.persistent_peers.split(','), expected, `node${i}`);
    }
  });

  it('refuses to overwrite a non-empty dir without --force, and replaces the homes with it', () => {
    const before = readFileSync(join(homes[0] as string, 'config', 'genesis.json'), 'utf8');
    const r = runCmt(['testnet', 'init', '--validators', '2', '--dir', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: .* is not empty; refusing to overwrite it \(use --force/m);
    assert.equal(readFileSync(join(homes[0] as string, 'config', 'genesis.json'), 'utf8'), before, 'nothing was touched');

    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const forced = runCmt(['testnet', 'init', '--validators', '2', '--dir', dir, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.notEqual(readFileSync(join(homes[0] as string, 'config', 'genesis.json'), 'utf8'), before);
    assert.ok(!existsSync(homes[2] as string), 'the homes of the old, larger testnet are gone');
    assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'mine', 'files that are not node homes are kept');
  });

  it('rejects a bad validator count', () => {
    for (const n of ['0', 'x', '65']) {
      const r = runCmt(['testnet', 'init', '--validators', n, '--dir', newDir()]);
      assert.equal(r.code, 1, n);
      assert.match(r.stderr, /^error: invalid (--)?validators/m, n);
    }
  });
});

describe('cmt start on a testnet home', () => {
  it('refuses a multi-validator genesis until the consensus network lands', () => {
    const dir = newDir();
    assert.equal(runCmt(['testnet', 'init', '--validators', '2', '--dir', dir]).code, 0);
    const r = runCmt(['start', '--home', join(dir, 'node0'), '--rpc.port', '0', '--silent']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /^error: .*genesis\.json lists 2 validators; multi-validator networks need issue 4's consensus; /m);
    assert.ok(!existsSync(join(dir, 'node0', 'data', 'chain.lmdb')), 'refused before opening the database');
  });

  it('starts the home of a one-validator testnet as a solo node', async () => {
    const dir = newDir();
    assert.equal(runCmt(['testnet', 'init', '--validators', '1', '--dir', dir]).code, 0);
    const node = spawnCmt(['start', '--home', join(dir, 'node0'), '--rpc.port', '0', '--silent']);
    try {
      const port = await node.listening;
      assert.ok(port > 0);
    } finally {
      await node.stop();
    }
  });
});
