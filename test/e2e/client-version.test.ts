/**
 * web3_clientVersion as tools see it (ADR 0008): a dev chain passes for Hardhat by default, for anvil or as
 * itself on request; a node without --dev always answers with its own name, whatever the option says.
 * The default dev answer (HardhatNetwork/...) is checked by the conformance fixture web3_clientVersion and by
 * test/e2e/hardhat-project.test.ts with the real hardhat-network-helpers.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCmtAsync } from '../utils/e2e2-helpers.ts';
import { removeHome, rpcClient, spawnCmt, startCmt, tempHome } from '../utils/node.ts';
import type { Spawned } from '../utils/node.ts';

const OWN = /cybermiles\/v\d+\.\d+\.\d+[^/]*\/[a-z0-9]+-[a-z0-9_]+\/node\d+\.\d+\.\d+$/;

describe('web3_clientVersion', { concurrency: true }, () => {
  const homes: string[] = [];
  const running: Array<Pick<Spawned, 'stop'>> = [];
  after(async () => {
    for (const n of running) await n.stop();
    for (const h of homes) removeHome(h);
  });

  async function devAnswer(args: string[]): Promise<string> {
    const node = await startCmt(['--silent', ...args]);
    running.push(node);
    homes.push(node.home);
    return node.rpc<string>('web3_clientVersion');
  }

  test('--client-version-compat anvil answers anvil/v<version>/cybermiles/...', async () => {
    const v = await devAnswer(['--client-version-compat', 'anvil']);
    assert.match(v, /^anvil\/v\d+\.\d+\.\d+\//);
    assert.match(v, OWN);
  });

  test('--client-version-compat none answers cybermiles/... only', async () => {
    assert.match(await devAnswer(['--client-version-compat', 'none']), new RegExp(`^${OWN.source}`));
  });

  test('a node without --dev never passes for Hardhat', async () => {
    const home = tempHome();
    homes.push(home);
    const init = await runCmtAsync(['init', '--home', home]);
    assert.equal(init.code, 0, init.stderr);
    const node = spawnCmt(['start', '--home', home, '--rpc.port', '0', '--silent', '--client-version-compat', 'hardhat']);
    running.push(node);
    const port = await node.listening;
    assert.match(await rpcClient(`http://127.0.0.1:${port}`).rpc<string>('web3_clientVersion'), new RegExp(`^${OWN.source}`));
  });

  test('an unknown value is refused at start', async () => {
    const home = tempHome();
    homes.push(home);
    const r = await runCmtAsync(['start', '--dev', '--home', home, '--rpc.port', '0', '--client-version-compat', 'geth']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /client-version-compat: one of hardhat, anvil, none/);
  });
});
