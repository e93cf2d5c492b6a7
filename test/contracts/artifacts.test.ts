/**
 * The library's compiled artifacts and `as const` ABIs (contracts/artifacts/*.json, contracts/abi.ts) are what
 * the sources compile to today (regenerate with `npm run build:contracts`), and a dApp uses them as they are:
 * viem deploys TimeHashEscrow from its artifact and calls it through the typed ABI (argument and result
 * types are inferred: `npm run check` type-checks this file), on our dev node.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicClient, createWalletClient, defineChain, http, sha256, toHex } from 'viem';
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { TimeHashEscrowAbi } from '../../contracts/abi.ts';
import { generateContractArtifacts } from '../../scripts/contractArtifacts.ts';
import { DEV_KEY_0 } from '../utils/e2e-clients.ts';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { PROJECT_ROOT } from '../utils/solc.ts';

describe('contract artifacts and typed ABIs', () => {
  it('are what the sources compile to (npm run build:contracts regenerates them)', () => {
    const generated = generateContractArtifacts();
    for (const f of generated) {
      const path = join(PROJECT_ROOT, f.path);
      assert.ok(existsSync(path), `${f.path} is missing: run npm run build:contracts`);
      assert.equal(readFileSync(path, 'utf8'), f.content, `${f.path} is stale: run npm run build:contracts`);
    }
    const onDisk = readdirSync(join(PROJECT_ROOT, 'contracts', 'artifacts')).map((f) => `contracts/artifacts/${f}`);
    assert.deepEqual(onDisk.filter((p) => !generated.some((g) => g.path === p)), [], 'artifacts of contracts that no longer exist');
  });

  describe('used by viem on our node', () => {
    let node: CmtProcess;
    before(async () => {
      node = await startCmt(['--block-time', '0']);
    });
    after(async () => {
      if (node) {
        await node.stop();
        removeHome(node.home);
      }
    });

    it('deploys TimeHashEscrow from its artifact and calls it through the typed ABI', async () => {
      const chain = defineChain({ id: 1234, name: 'CyberMiles dev', nativeCurrency: { name: 'CMT', symbol: 'CMT', decimals: 18 }, rpcUrls: { default: { http: [node.url] } } });
      const account = privateKeyToAccount(DEV_KEY_0 as Hex);
      const wallet = createWalletClient({ chain, account, transport: http() });
      const client = createPublicClient({ chain, transport: http(), pollingInterval: 50 });
      const artifact = JSON.parse(readFileSync(join(PROJECT_ROOT, 'contracts/artifacts/TimeHashEscrow.json'), 'utf8')) as { bytecode: Hex };
      const deployHash = await wallet.deployContract({ abi: TimeHashEscrowAbi, bytecode: artifact.bytecode });
      const address = (await client.waitForTransactionReceipt({ hash: deployHash })).contractAddress;
      assert.ok(address);
      const native = await client.readContract({ address, abi: TimeHashEscrowAbi, functionName: 'NATIVE' });
      // escrow 1 CMT to a fresh address, releasable with a preimage before a deadline
      const preimage = toHex('open sesame');
      const now = BigInt((await client.getBlock()).timestamp);
      const hash = await wallet.writeContract({
        address, abi: TimeHashEscrowAbi, functionName: 'create',
        args: ['0x000000000000000000000000000000000000bEEF', native, 10n ** 18n, 0n, now + 3600n, sha256(preimage)], value: 10n ** 18n,
      });
      assert.equal((await client.waitForTransactionReceipt({ hash })).status, 'success');
      const count: bigint = await client.readContract({ address, abi: TimeHashEscrowAbi, functionName: 'escrowCount' });
      assert.equal(count, 1n);
    });
  });
});
