/**
 * viem's test client (`createTestClient`) in both of its Hardhat-family modes against `cmt start --dev`
 * with automine: it calls `<mode>_setBalance`, `<mode>_impersonateAccount`, `<mode>_mine` and the evm_ time
 * and snapshot methods. Each flow checks the chain afterwards, with Hardhat's and anvil's semantics: state
 * edits do not mine, mined blocks are spaced by the interval, a revert restores blocks and balances.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPublicClient, createTestClient, createWalletClient, defineChain, http, publicActions } from 'viem';
import type { Chain, Hash, PublicClient } from 'viem';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import { CHAIN_ID, ONE_CMT } from '../utils/e2e-clients.ts';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';

let node: CmtProcess;
let chain: Chain;
let publicClient: PublicClient;

before(async () => {
  node = await startCmt(['--block-time', '0', '--silent']);
  chain = defineChain({
    id: CHAIN_ID,
    name: 'CyberMiles dev',
    nativeCurrency: { name: 'CMT', symbol: 'CMT', decimals: 18 },
    rpcUrls: { default: { http: [node.url] } },
  });
  publicClient = createPublicClient({ chain, transport: http(node.url), pollingInterval: 50 });
});

after(async () => {
  if (node === undefined) return;
  await node.stop();
  removeHome(node.home);
});

for (const mode of ['hardhat', 'anvil'] as const) {
  describe(`createTestClient({ mode: '${mode}' })`, () => {
    const testClient = () => createTestClient({ chain, mode, transport: http(node.url) }).extend(publicActions);
    // addresses nobody holds a key for: only impersonation can send from the first
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const receipt = (hash: Hash) => publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50, timeout: 15_000 });
    let snapshotId: `0x${string}`;
    let start: { number: bigint; hash: Hash };

    test('snapshot, then setBalance edits the latest state without mining', async () => {
      const client = testClient();
      snapshotId = await client.snapshot();
      const head = await client.getBlock();
      start = { number: head.number, hash: head.hash };
      await client.setBalance({ address: stranger, value: 5n * ONE_CMT });
      assert.equal(await client.getBalance({ address: stranger }), 5n * ONE_CMT);
      assert.equal(await client.getBlockNumber({ cacheTime: 0 }), start.number, 'no block was mined for the edit');
    });

    test('impersonateAccount lets eth_sendTransaction spend from the impersonated address', async () => {
      const client = testClient();
      await client.impersonateAccount({ address: stranger });
      const wallet = createWalletClient({ chain, transport: http(node.url) });
      const hash = await wallet.sendTransaction({ account: stranger, to: recipient, value: ONE_CMT, chain });
      const r = await receipt(hash);
      assert.equal(r.status, 'success');
      assert.equal(r.from.toLowerCase(), stranger.toLowerCase());
      assert.equal(await client.getBalance({ address: recipient }), ONE_CMT);
      assert.equal(await client.getBalance({ address: stranger }), 4n * ONE_CMT - r.gasUsed * r.effectiveGasPrice);
      await client.stopImpersonatingAccount({ address: stranger });
      await assert.rejects(wallet.sendTransaction({ account: stranger, to: recipient, value: 1n, chain }));
    });

    test('mine adds blocks spaced by the interval', async () => {
      const client = testClient();
      const before = await client.getBlockNumber({ cacheTime: 0 });
      await client.mine({ blocks: 5, interval: 10 });
      assert.equal(await client.getBlockNumber({ cacheTime: 0 }), before + 5n);
      const times: bigint[] = [];
      for (let n = before + 1n; n <= before + 5n; n++) times.push((await client.getBlock({ blockNumber: n })).timestamp);
      assert.deepEqual(times.slice(1).map((t, i) => t - (times[i] as bigint)), [10n, 10n, 10n, 10n]);
    });

    test('setNextBlockTimestamp fixes the next block; increaseTime shifts the ones after', async () => {
      const client = testClient();
      const t = (await client.getBlock()).timestamp + 1000n;
      await client.setNextBlockTimestamp({ timestamp: t });
      await client.mine({ blocks: 1 });
      assert.equal((await client.getBlock()).timestamp, t);
      await client.increaseTime({ seconds: 3600 });
      await client.mine({ blocks: 1 });
      assert.ok((await client.getBlock()).timestamp >= t + 3600n);
    });

    test('revert restores the snapshot: blocks, balances and the head hash', async () => {
      const client = testClient();
      await client.revert({ id: snapshotId });
      const head = await client.getBlock();
      assert.equal(head.number, start.number);
      assert.equal(head.hash, start.hash);
      assert.equal(await client.getBalance({ address: stranger }), 0n);
      assert.equal(await client.getBalance({ address: recipient }), 0n);
    });
  });
}
