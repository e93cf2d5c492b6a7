/**
 * Development methods (cmt start --dev) through JSON-RPC: mining control, time travel, snapshots, state
 * editing and impersonation under their evm_/hardhat_/anvil_ names, checked by their effect on the chain.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Wallet } from 'ethers';
import { DEV_ADDRESS_0, DEV_ADDRESS_1, DEV_KEY_0 } from '../utils/e2e-clients.ts';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';

const STRANGER = '0x1234567890123456789012345678901234567890';

// both block executors: a worker thread (the default) and in process (--execution-worker false)
for (const executionWorker of ['true', 'false']) describe(`development methods (execution worker: ${executionWorker})`, () => {
  let node: CmtProcess;
  const rpc = <T>(method: string, params: unknown[] = []) => node.rpc<T>(method, params);
  const head = async () => rpc<{ number: string; timestamp: string; hash: string }>('eth_getBlockByNumber', ['latest', false]);

  before(async () => {
    node = await startCmt(['--block-time', '0', '--execution-worker', executionWorker]);
  });
  after(async () => {
    await node.stop();
    removeHome(node.home);
  });

  test('evm_mine and hardhat_mine add blocks; evm_mine takes an exact timestamp', async () => {
    const start = BigInt((await head()).number);
    await rpc('evm_mine');
    await rpc('hardhat_mine', ['0x3']);
    assert.equal(BigInt((await head()).number), start + 4n);
    const t = BigInt((await head()).timestamp) + 1000n;
    await rpc('evm_mine', [`0x${t.toString(16)}`]);
    assert.equal(BigInt((await head()).timestamp), t);
    // every block is stored, so a single call is bounded instead of running for hours
    await assert.rejects(rpc('hardhat_mine', ['0xffffffff']), (e: Error & { code?: number }) => e.code === -32602 && /at most 10000/.test(e.message));
  });

  test('evm_setNextBlockTimestamp fixes the next block; an earlier one is refused', async () => {
    const t = BigInt((await head()).timestamp) + 500n;
    await rpc('evm_setNextBlockTimestamp', [`0x${t.toString(16)}`]);
    await rpc('evm_mine');
    assert.equal(BigInt((await head()).timestamp), t);
    await assert.rejects(rpc('evm_setNextBlockTimestamp', ['0x1']), (e: Error & { code?: number }) => e.code === -32602);
  });

  test('evm_increaseTime shifts later blocks and the pending environment', async () => {
    const before = BigInt((await head()).timestamp);
    await rpc('evm_increaseTime', [3600]);
    await rpc('evm_mine');
    assert.ok(BigInt((await head()).timestamp) >= before + 3600n);
  });

  test('setBalance, setNonce, setCode and setStorageAt change state under both prefixes', async () => {
    await rpc('hardhat_setBalance', [STRANGER, '0xde0b6b3a7640000']);
    assert.equal(await rpc('eth_getBalance', [STRANGER, 'latest']), '0xde0b6b3a7640000');
    await rpc('anvil_setBalance', [STRANGER, '0x1']);
    assert.equal(await rpc('eth_getBalance', [STRANGER, 'latest']), '0x1');
    await rpc('hardhat_setNonce', [STRANGER, '0x7']);
    assert.equal(await rpc('eth_getTransactionCount', [STRANGER, 'latest']), '0x7');
    await rpc('anvil_setCode', [STRANGER, '0x6001600055']);
    assert.equal(await rpc('eth_getCode', [STRANGER, 'latest']), '0x6001600055');
    const slot = `0x${'00'.repeat(31)}05`;
    const value = `0x${'00'.repeat(31)}2a`;
    await rpc('hardhat_setStorageAt', [STRANGER, '0x5', value]);
    assert.equal(await rpc('eth_getStorageAt', [STRANGER, slot, 'latest']), value);
  });

  test('evm_snapshot / evm_revert restore the chain once; later snapshots are discarded', async () => {
    const snap = await rpc<string>('evm_snapshot');
    const { hash, number } = await head();
    const balanceBefore = await rpc<string>('eth_getBalance', [DEV_ADDRESS_1, 'latest']);
    await rpc('eth_sendTransaction', [{ from: DEV_ADDRESS_0, to: DEV_ADDRESS_1, value: '0x3e8' }]);
    const later = await rpc<string>('evm_snapshot');
    await rpc('evm_mine');
    assert.notEqual(await rpc('eth_getBalance', [DEV_ADDRESS_1, 'latest']), balanceBefore);
    assert.equal(await rpc('evm_revert', [snap]), true);
    assert.equal((await head()).hash, hash);
    assert.equal((await head()).number, number);
    assert.equal(await rpc('eth_getBalance', [DEV_ADDRESS_1, 'latest']), balanceBefore);
    assert.equal(await rpc('evm_revert', [snap]), false, 'a snapshot reverts once');
    assert.equal(await rpc('evm_revert', [later]), false, 'snapshots after the reverted one are gone');
    // the chain goes on from the restored head with the same nonces
    const wallet = new Wallet(DEV_KEY_0);
    const nonce = Number(await rpc<string>('eth_getTransactionCount', [DEV_ADDRESS_0, 'latest']));
    const raw = await wallet.signTransaction({ to: DEV_ADDRESS_1, value: 1n, nonce, gasLimit: 21000n, gasPrice: 2_000_000_000n, chainId: 1234n });
    const txHash = await rpc<string>('eth_sendRawTransaction', [raw]);
    assert.equal((await rpc<{ status: string }>('eth_getTransactionReceipt', [txHash])).status, '0x1');
  });

  test('impersonation: eth_sendTransaction from an address whose key the node does not hold', async () => {
    await rpc('hardhat_setBalance', [STRANGER, '0xde0b6b3a7640000']);
    await rpc('anvil_setCode', [STRANGER, '0x']);
    await assert.rejects(rpc('eth_sendTransaction', [{ from: STRANGER, to: DEV_ADDRESS_1, value: '0x1' }]), /unknown account/);
    await rpc('hardhat_impersonateAccount', [STRANGER]);
    const before = BigInt(await rpc<string>('eth_getBalance', [DEV_ADDRESS_1, 'latest']));
    const hash = await rpc<string>('eth_sendTransaction', [{ from: STRANGER, to: DEV_ADDRESS_1, value: '0x64' }]);
    const receipt = await rpc<{ status: string; from: string }>('eth_getTransactionReceipt', [hash]);
    assert.equal(receipt.status, '0x1');
    assert.equal(receipt.from, STRANGER);
    assert.equal(BigInt(await rpc<string>('eth_getBalance', [DEV_ADDRESS_1, 'latest'])), before + 100n);
    const tx = await rpc<{ from: string; hash: string }>('eth_getTransactionByHash', [hash]);
    assert.equal(tx.from, STRANGER);
    await rpc('hardhat_stopImpersonatingAccount', [STRANGER]);
    await assert.rejects(rpc('eth_sendTransaction', [{ from: STRANGER, to: DEV_ADDRESS_1, value: '0x1' }]), /unknown account/);
  });

  test('manual mining: with automine off transactions wait until evm_mine', async () => {
    await rpc('evm_setAutomine', [false]);
    assert.equal(await rpc('hardhat_getAutomine'), false);
    const hash = await rpc<string>('eth_sendTransaction', [{ from: DEV_ADDRESS_0, to: DEV_ADDRESS_1, value: '0x1' }]);
    assert.equal(await rpc('eth_getTransactionReceipt', [hash]), null);
    assert.equal((await rpc<{ pending: string }>('txpool_status')).pending, '0x1');
    await rpc('evm_mine');
    assert.equal((await rpc<{ status: string }>('eth_getTransactionReceipt', [hash])).status, '0x1');
    await rpc('evm_setAutomine', [true]);
  });
});
