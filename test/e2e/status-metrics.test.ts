/**
 * `cmt status` as an operator runs it, against a real `cmt start --dev` child process: the readable block,
 * `--json`, the RPC address taken from a home's config.toml, and an unreachable node as a one-line error
 * with exit code 1. (The /metrics server is tested over a socket in test/unit/node/metricsServer.test.ts.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeHome, startCmt, tempHome } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { freePort, runCmt, runCmtAsync, spawnCmt } from '../utils/e2e2-helpers.ts';
import type { Spawned } from '../utils/e2e2-helpers.ts';

const HASH = /^0x[0-9a-f]{64}$/;

describe('cmt status', () => {
  let node: CmtProcess;
  const homes: string[] = [];
  const running: Spawned[] = [];

  before(async () => {
    node = await startCmt();
    homes.push(node.home);
  });
  after(async () => {
    await node.stop();
    for (const n of running) await n.stop();
    for (const h of homes) removeHome(h);
  });

  it('prints height, hashes, block time, sync state, peers, chain id and version', async () => {
    const r = await runCmtAsync(['status', '--rpc', node.url]);
    assert.equal(r.code, 0, r.stderr);
    const field = (name: string): string => {
      const m = new RegExp(`^${name}:\\s+(.+)$`, 'm').exec(r.stdout);
      assert.ok(m, `no "${name}" line in:\n${r.stdout}`);
      return m[1] as string;
    };
    assert.match(field('height'), /^\d+$/);
    assert.match(field('hash'), HASH);
    assert.match(field('app hash'), HASH);
    assert.ok(!Number.isNaN(Date.parse(field('block time'))), field('block time'));
    assert.equal(field('catching up'), 'no');
    assert.equal(field('peers'), '0');
    assert.equal(field('chain id'), '1234');
    assert.match(field('version'), /cybermiles\/v\d+\.\d+\.\d+/);
    assert.equal(field('rpc'), node.url);
  });

  it('--json prints one object with the same facts, as numbers and booleans', async () => {
    const r = await runCmtAsync(['status', '--rpc', node.url, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(s).sort(), ['appHash', 'blockTime', 'catchingUp', 'chainId', 'hash', 'height', 'peers', 'rpc', 'version']);
    assert.equal(s.chainId, 1234);
    assert.equal(s.peers, 0);
    assert.equal(s.catchingUp, false);
    assert.equal(s.rpc, node.url);
    assert.ok(Number.isInteger(s.height) && (s.height as number) >= 0);
    assert.match(s.hash as string, HASH);
    // the node's own view of the same head (blocks may be produced between the two calls)
    const latest = Number(BigInt(await node.rpc<string>('eth_blockNumber')));
    assert.ok((s.height as number) <= latest);
  });

  it('--home reads the RPC address from the home config.toml', async () => {
    const home = join(tempHome('cmt-status-'), 'home');
    homes.push(join(home, '..'));
    assert.equal(runCmt(['init', '--dev', '--home', home]).code, 0);
    const port = await freePort();
    const configFile = join(home, 'config', 'config.toml');
    writeFileSync(configFile, readFileSync(configFile, 'utf8').replace('port = 8545', `port = ${port}`));
    const started = spawnCmt(['start', '--silent', '--home', home]);
    running.push(started);
    assert.equal(await started.listening, port);
    const r = await runCmtAsync(['status', '--home', home, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { rpc: string }).rpc, `http://127.0.0.1:${port}`);
  });

  it('an unreachable node: a one-line error naming the URL, exit code 1', async () => {
    const url = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const r = await runCmtAsync(['status', '--rpc', url]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^error: cannot reach a node at ${url} \\(ECONNREFUSED\\): is it running\\?`));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'a message, not a stack trace');
  });

  it('a malformed --rpc is refused before any request', async () => {
    const r = await runCmtAsync(['status', '--rpc', 'localhost 8545']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: invalid --rpc: expected a URL/);
  });

  it('--help describes it, and cmt --help lists it', async () => {
    const help = await runCmtAsync(['status', '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: cmt status \[options\]/m);
    for (const flag of [/--rpc <url>/, /--home <dir>/, /--json/]) assert.match(help.stdout, flag);
    assert.match((await runCmtAsync(['--help'])).stdout, /^\s+status\b/m);
  });
});

describe('cmt start --metrics.port', () => {
  it('serves Prometheus metrics that follow the chain: height, committed transactions, block interval, mempool', async () => {
    const port = await freePort();
    const node = await startCmt(['--block-time', '0', '--metrics.port', String(port)]);
    try {
      const [from] = (await node.rpc<string[]>('eth_accounts')) as [string];
      for (let i = 0; i < 3; i++) await node.rpc('eth_sendTransaction', [{ from, to: from, value: '0x1' }]);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      const value = (name: string): number => {
        const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
        assert.ok(m, `no ${name} sample in:\n${text}`);
        return Number(m[1]);
      };
      const height = Number(BigInt(await node.rpc<string>('eth_blockNumber')));
      assert.equal(value('cmt_consensus_height'), height);
      assert.equal(value('cmt_consensus_total_txs'), 3);
      assert.equal(value('cmt_consensus_rounds'), 0);
      assert.equal(value('cmt_mempool_size'), 0);
      assert.equal(value('cmt_p2p_peers'), 0);
      // one interval fewer than the blocks this process committed
      assert.equal(value('cmt_consensus_block_interval_seconds_count'), 2);
    } finally {
      await node.stop();
      removeHome(node.home);
    }
  });
});
