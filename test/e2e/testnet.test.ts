/**
 * `cmt testnet init` and `cmt testnet start` as a user runs them (issue 4, item 6): N homes with one shared
 * genesis listing all N validators, their own keys, distinct ports and each other as persistent peers;
 * refusal to overwrite; `cmt start --dev` refusing a multi-validator home; and
 * `cmt testnet start` running a (one-validator) testnet with prefixed logs, stopped by Ctrl-C.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { removeHome, rpcClient, spawnCmt, tempHome } from '../utils/node.ts';
import type { Spawned } from '../utils/node.ts';
import { freePort, runCmt, runCmtAsync, waitFor } from '../utils/e2e2-helpers.ts';

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
    [['testnet', '--help'], [/^Usage: cmt testnet \[options\] \[command\]/m, /\binit\b/, /\bstart\b/]],
    [['testnet', 'init', '--help'], [/^Usage: cmt testnet init \[options\]/m, /--validators <n>/, /--dir <dir>/, /--force/, /--chain-id/, /--rpc-base-port <port>/, /--p2p-base-port <port>/]],
    [['testnet', 'start', '--help'], [/^Usage: cmt testnet start \[options\] \[start-flags\.\.\.\]/m, /--dir <dir>/, /--only <indices>/, /--stop-on-exit/]],
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

  it('takes the base ports of JSON-RPC and p2p from --rpc-base-port and --p2p-base-port', () => {
    const d = newDir();
    const r = runCmt(['testnet', 'init', '--validators', '3', '--dir', d, '--rpc-base-port', '20100', '--p2p-base-port', '30200']);
    assert.equal(r.code, 0, r.stderr);
    const configs = [0, 1, 2].map((i) => parseToml(readFileSync(join(d, `node${i}`, 'config', 'config.toml'), 'utf8')) as unknown as Toml);
    assert.deepEqual(configs.map((c) => c.rpc.port), [20100, 20101, 20102]);
    assert.deepEqual(configs.map((c) => c.p2p.laddr), ['127.0.0.1:30200', '127.0.0.1:30201', '127.0.0.1:30202']);
    assert.match(configs[0]?.p2p.persistent_peers ?? '', /@127\.0\.0\.1:30201,.*@127\.0\.0\.1:30202$/);
  });

  it('rejects base ports out of range or overlapping, before writing anything', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--rpc-base-port', '65535'], /^error: invalid --rpc-base-port: expected 1\.\.65534 for 2 nodes, got 65535$/m],
      [['--p2p-base-port', '0'], /^error: invalid --p2p-base-port: expected 1\.\.65534 for 2 nodes, got 0$/m],
      [['--p2p-base-port', 'x'], /^error: invalid --p2p-base-port: expected a positive integer, got "x"$/m],
      [['--rpc-base-port', '9000', '--p2p-base-port', '9001'], /^error: invalid port bases: JSON-RPC 9000\.\.9001 overlaps p2p 9001\.\.9002$/m],
    ];
    for (const [flags, message] of cases) {
      const d = newDir();
      const r = runCmt(['testnet', 'init', '--validators', '2', '--dir', d, ...flags]);
      assert.equal(r.code, 1, flags.join(' '));
      assert.match(r.stderr, message);
      assert.ok(!existsSync(d), `${flags.join(' ')}: nothing written`);
    }
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
  it('refuses --dev on a multi-validator home: a dev chain is a single validator that can be rewound', () => {
    const dir = newDir();
    assert.equal(runCmt(['testnet', 'init', '--validators', '2', '--dir', dir]).code, 0);
    const r = runCmt(['start', '--home', join(dir, 'node0'), '--dev', '--rpc.port', '0', '--silent']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /^error: --dev runs a single-validator chain, but .*genesis\.json lists 2 validators/m);
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

/** A one-validator testnet on free ports. */
async function soloTestnet(): Promise<{ dir: string; rpcPort: number }> {
  const dir = newDir();
  const rpcPort = await freePort();
  let p2pPort = await freePort();
  while (p2pPort === rpcPort) p2pPort = await freePort();
  const r = runCmt(['testnet', 'init', '--validators', '1', '--dir', dir, '--rpc-base-port', String(rpcPort), '--p2p-base-port', String(p2pPort)]);
  assert.equal(r.code, 0, r.stderr);
  return { dir, rpcPort };
}

/** The pid `cmt testnet start` reports for node `name`. */
async function childPid(run: Spawned, name: string): Promise<number> {
  const m = await waitFor(`${name}'s pid`, async () => new RegExp(`^\\[testnet\\] ${name} started \\(pid (\\d+)\\)$`, 'm').exec(run.output()));
  return Number(m[1]);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** Never leave a supervisor or a node behind when a test fails half-way. */
async function cleanUp(run: Spawned, pids: number[]): Promise<void> {
  if (run.proc.exitCode === null && run.proc.signalCode === null) {
    run.proc.kill('SIGKILL');
    await run.exited;
  }
  for (const pid of pids) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
}

describe('cmt testnet start', () => {
  it('runs the nodes with prefixed logs and the flags after --, and stops them all on Ctrl-C with exit code 0', async () => {
    const { dir, rpcPort } = await soloTestnet();
    const run = spawnCmt(['testnet', 'start', '--dir', dir, '--', '--log-level', 'debug']);
    const pids: number[] = [];
    try {
      pids.push(await childPid(run, 'node0'));
      const node0 = rpcClient(`http://127.0.0.1:${rpcPort}`);
      await waitFor('node0 answers eth_blockNumber', () => node0.rpc<string>('eth_blockNumber').catch(() => undefined), 30_000);
      await waitFor('a debug line of node0', async () => /^\[node0\] \S+ DEBUG /m.test(run.output()));
      assert.match(run.output(), new RegExp(`^\\[node0\\] Listening on 127\\.0\\.0\\.1:${rpcPort}$`, 'm'));
      const foreign = run.output().split('\n').filter((l) => l !== '' && !/^\[(node0|testnet)\] /.test(l));
      assert.deepEqual(foreign, [], 'every line carries its prefix');

      run.proc.kill('SIGINT');
      assert.equal(await run.exited, 0, run.output());
      assert.match(run.output(), /^\[testnet\] all nodes stopped$/m);
      assert.equal(isRunning(pids[0] as number), false, 'the node process is gone');
    } finally {
      await cleanUp(run, pids);
    }
  });

  it('reports a node that dies (here: killed, as a fault test does) and exits 1 when none is left', async () => {
    const { dir, rpcPort } = await soloTestnet();
    const run = spawnCmt(['testnet', 'start', '--dir', dir]);
    const pids: number[] = [];
    try {
      pids.push(await childPid(run, 'node0'));
      const node0 = rpcClient(`http://127.0.0.1:${rpcPort}`);
      await waitFor('node0 answers eth_blockNumber', () => node0.rpc<string>('eth_blockNumber').catch(() => undefined), 30_000);
      process.kill(pids[0] as number, 'SIGKILL');
      assert.equal(await run.exited, 1, run.output());
      assert.match(run.output(), /^\[testnet\] node0 was killed by SIGKILL; no node is left running$/m);
    } finally {
      await cleanUp(run, pids);
    }
  });

  it('refuses a directory without node homes, and --only with an index that has no home', async () => {
    const empty = newDir();
    const none = await runCmtAsync(['testnet', 'start', '--dir', empty]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^error: no node homes in .*: run "cmt testnet init --validators N --dir .*" first$/m);

    const { dir } = await soloTestnet();
    const only = await runCmtAsync(['testnet', 'start', '--dir', dir, '--only', '0,2']);
    assert.equal(only.code, 1);
    assert.match(only.stderr, /^error: invalid --only: no home for node2 \(the testnet has node0\)$/m);
    const bad = await runCmtAsync(['testnet', 'start', '--dir', dir, '--only', 'first']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: invalid --only: expected node indices like 0,2, got "first"$/m);
  });
});
