/**
 * The `cmt` command as a user runs it: help and version, `init` and the files it writes, refusals with
 * exit code 1 and a one-line message, and option precedence (flag > environment > config.toml > default).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeHome, tempHome } from '../utils/node.ts';
import { devWallet, freePort, rpcClient, runCmt, runCmtAsync, signTransfer, spawnCmt } from '../utils/e2e2-helpers.ts';
import type { Spawned } from '../utils/e2e2-helpers.ts';

const homes: string[] = [];
const running: Spawned[] = [];

function newHome(): string {
  const h = join(tempHome('cmt-cli-'), 'home'); // not yet existing, as a user's fresh home would be
  homes.push(h);
  return h;
}

function initHome(extra: string[] = []): string {
  const home = newHome();
  const r = runCmt(['init', '--home', home, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return home;
}

/** Starts a node and returns the port it reports listening on. */
async function startNode(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ port: number; node: Spawned }> {
  const node = spawnCmt(['start', '--silent', ...args], env);
  running.push(node);
  return { port: await node.listening, node };
}

after(async () => {
  for (const n of running) await n.stop();
  for (const h of homes) removeHome(join(h, '..'));
});

describe('cmt help and version', { concurrency: true }, () => {
  const cases: Array<[string[], RegExp[]]> = [
    [['--help'], [/^Usage: cmt \[options\] \[command\]/m, /\binit\b/, /\bstart\b/, /\baccount\b/, /\bversion\b/]],
    [['start', '--help'], [/^Usage: cmt start \[options\]/m, /--home/, /--dev/, /--rpc\.port <value>/, /CMT_RPC_PORT/, /--block-time/]],
    [['init', '--home', 'unused', '--help'], [/^Usage: cmt init \[options\]/m, /--chain-id/, /--dev/, /--alloc/]],
    [['account', '--help'], [/^Usage: cmt account \[options\] \[command\]/m, /\bnew\b/, /\blist\b/, /\bimport\b/]],
    [['version'], [/^cmt \d+\.\d+\.\d+ \(node \d+/]],
  ];
  for (const [args, patterns] of cases) {
    it(`cmt ${args.join(' ')} exits 0 and prints what it is`, async () => {
      const r = await runCmtAsync(args);
      assert.equal(r.code, 0, r.stderr);
      for (const p of patterns) assert.match(r.stdout, p);
    });
  }
});

describe('cmt init', () => {
  it('writes genesis, config and keys', () => {
    const home = initHome();
    const config = join(home, 'config');
    const genesis = JSON.parse(readFileSync(join(config, 'genesis.json'), 'utf8')) as {
      chain_id: unknown;
      validators: Array<{ pub_key: { type: string; value: string } }>;
      app_state: { evm: { chain_id: number } };
    };
    assert.equal(typeof genesis.chain_id, 'string');
    assert.ok((genesis.chain_id as string).length > 0);
    assert.equal(genesis.validators[0]?.pub_key.type, 'tendermint/PubKeyEd25519');
    assert.equal(Buffer.from(genesis.validators[0]?.pub_key.value ?? '', 'base64').length, 32, 'an ed25519 public key');
    assert.equal(genesis.app_state.evm.chain_id, 1234);
    assert.match(readFileSync(join(config, 'config.toml'), 'utf8'), /\[rpc\][\s\S]*port = 8545/);
    for (const f of ['priv_validator_key.json', 'node_key.json']) {
      const parsed: unknown = JSON.parse(readFileSync(join(config, f), 'utf8'));
      assert.equal(typeof parsed, 'object', `${f} is a JSON object`);
    }
  });

  it('refuses to overwrite an existing home', () => {
    const home = initHome();
    const before = readFileSync(join(home, 'config', 'genesis.json'), 'utf8');
    const r = runCmt(['init', '--home', home]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /genesis\.json already exists; refusing to overwrite it/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'a message, not a stack trace');
    assert.equal(readFileSync(join(home, 'config', 'genesis.json'), 'utf8'), before, 'the genesis is untouched');
  });
});

describe('cmt start', () => {
  it('tells to run init on an uninitialised home without --dev', () => {
    const home = newHome();
    const r = runCmt(['start', '--home', home, '--rpc.port', '0'], {}, 20_000);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`no chain in .*: run "cmt init --home .*" first`));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(existsSync(join(home, 'config', 'genesis.json')), false);
  });

  it('names an unknown config.toml key and exits 1', () => {
    const home = initHome(['--dev']);
    writeFileSync(join(home, 'config', 'config.toml'), '[rpc]\nprot = 8545\n');
    const r = runCmt(['start', '--home', home], {}, 20_000);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown setting "rpc\.prot"/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('takes the port from config.toml, then the environment, then the flag', async () => {
    const home = initHome(['--dev']);
    const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
    writeFileSync(join(home, 'config', 'config.toml'), `[rpc]\nport = ${p1}\n`);

    const fromFile = await startNode(['--home', home]);
    assert.equal(fromFile.port, p1);
    assert.equal(await rpcClient(`http://127.0.0.1:${p1}`).rpc('eth_chainId'), '0x4d2');
    assert.equal(await fromFile.node.stop(), 0);

    const fromEnv = await startNode(['--home', home], { CMT_RPC_PORT: String(p2) });
    assert.equal(fromEnv.port, p2);
    assert.equal(await rpcClient(`http://127.0.0.1:${p2}`).rpc('eth_chainId'), '0x4d2');
    assert.equal(await fromEnv.node.stop(), 0);

    const fromFlag = await startNode(['--home', home, '--rpc.port', String(p3)], { CMT_RPC_PORT: String(p2) });
    assert.equal(fromFlag.port, p3);
    assert.equal(await rpcClient(`http://127.0.0.1:${p3}`).rpc('eth_chainId'), '0x4d2');
    assert.equal(await fromFlag.node.stop(), 0);
  });

  it('automines with CMT_BLOCK_TIME=0: the receipt exists when the send returns', async () => {
    const home = newHome();
    const { port, node } = await startNode(['--dev', '--home', home, '--rpc.port', '0'], { CMT_BLOCK_TIME: '0' });
    const client = rpcClient(`http://127.0.0.1:${port}`);
    assert.equal(await client.rpc('hardhat_getAutomine'), true);
    const w = devWallet(0);
    for (let nonce = 0; nonce < 3; nonce++) {
      const hash = await client.rpc<string>('eth_sendRawTransaction', [await signTransfer(w, { nonce })]);
      const receipt = await client.rpc<{ status: string; blockNumber: string } | null>('eth_getTransactionReceipt', [hash]);
      assert.ok(receipt, `tx ${nonce} is mined when eth_sendRawTransaction returns`);
      assert.equal(receipt.status, '0x1');
    }
    assert.equal(await node.stop(), 0);
  });

  it('uses the config.toml block time when neither flag nor environment sets one', async () => {
    const home = initHome(['--dev']);
    writeFileSync(join(home, 'config', 'config.toml'), '[node]\nblock_time = 0\n');
    const { port, node } = await startNode(['--home', home, '--dev', '--rpc.port', '0']);
    assert.equal(await rpcClient(`http://127.0.0.1:${port}`).rpc('hardhat_getAutomine'), true);
    await node.stop();
    const env = await startNode(['--home', home, '--dev', '--rpc.port', '0'], { CMT_BLOCK_TIME: '1' });
    assert.equal(await rpcClient(`http://127.0.0.1:${env.port}`).rpc('hardhat_getAutomine'), false, 'the environment beats the file');
    await env.node.stop();
  });
});
