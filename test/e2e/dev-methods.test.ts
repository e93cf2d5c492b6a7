/**
 * Development methods (cmt start --dev) through JSON-RPC: mining control, time travel, snapshots, state
 * editing and impersonation under their evm_/hardhat_/anvil_ names, checked by their effect on the chain;
 * and the dev defaults a test suite expects (accounts, balances, gas limit, contract size).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Wallet } from 'ethers';
import { DEV_ADDRESS_0, DEV_ADDRESS_1, DEV_KEY_0, ONE_CMT, toQuantity } from '../utils/e2e-clients.ts';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';

const STRANGER = '0x1234567890123456789012345678901234567890';

interface BlockJson {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
  mixHash: string;
  stateRoot: string;
  gasLimit: string;
  transactions: string[];
}

/** Runtime code: returns BLOCKHASH(calldata word 0). */
const BLOCKHASH_CODE = '0x5f35405f5260205ff3';
/** Runtime code: stores BLOCKHASH(NUMBER - 2) in slot 0. */
const STORE_GRANDPARENT_HASH_CODE = '0x4360029003405f5500';
/** Runtime code: returns PREVRANDAO. */
const PREVRANDAO_CODE = '0x445f5260205ff3';
/** Runtime code: stores PREVRANDAO in slot 0. */
const STORE_PREVRANDAO_CODE = '0x445f5500';
/** Runtime code: returns 42. */
const RETURN_42_CODE = '0x602a5f5260205ff3';

const word = (n: bigint): string => `0x${n.toString(16).padStart(64, '0')}`;
const freshAddress = (): string => Wallet.createRandom().address.toLowerCase();

// both block executors: a worker thread (the default) and in process (--execution-worker false)
for (const executionWorker of ['true', 'false']) describe(`development methods (execution worker: ${executionWorker})`, () => {
  let node: CmtProcess;
  const rpc = <T>(method: string, params: unknown[] = []) => node.rpc<T>(method, params);
  const head = async () => rpc<BlockJson>('eth_getBlockByNumber', ['latest', false]);
  const block = async (n: bigint) => rpc<BlockJson | null>('eth_getBlockByNumber', [toQuantity(n), false]);
  const blockNumber = async () => BigInt(await rpc<string>('eth_blockNumber'));
  const balance = async (address: string, tag: string | bigint = 'latest') =>
    BigInt(await rpc<string>('eth_getBalance', [address, typeof tag === 'bigint' ? toQuantity(tag) : tag]));

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
    // any count is mined in constant time; only counts beyond exact JavaScript numbers are refused
    await assert.rejects(rpc('hardhat_mine', [toQuantity(2n ** 48n + 1n)]), (e: Error & { code?: number }) => e.code === -32602 && /at most 2\^48/.test(e.message));
  });

  test('hardhat_mine(1_000_000) returns at once; every block in the range is there, linked and timed', async (t) => {
    await rpc('evm_mine'); // a fresh node's first block warms the block executor up; that is not what is timed
    const start = await blockNumber();
    const started = performance.now();
    await rpc('hardhat_mine', [toQuantity(1_000_000n)]);
    const ms = performance.now() - started;
    t.diagnostic(`hardhat_mine(1_000_000) took ${ms.toFixed(1)} ms`);
    assert.ok(ms < 2000, `mine(1_000_000) took ${ms} ms`);
    const end = start + 1_000_000n;
    assert.equal(await blockNumber(), end);
    // the first block, the range (start+2 .. end-1) and the last block, including the seams
    for (const n of [start + 1n, start + 2n, start + 3n, start + 500_000n, end - 1n, end]) {
      const [b, parent] = [await block(n), await block(n - 1n)];
      assert.ok(b !== null && parent !== null, `block ${n} exists`);
      assert.equal(b.parentHash, parent.hash, `block ${n} links to its parent`);
      assert.equal(BigInt(b.number), n);
      if (n > start + 1n) assert.equal(BigInt(b.timestamp), BigInt(parent.timestamp) + 1n, 'one second apart by default');
      const byHash = await rpc<BlockJson | null>('eth_getBlockByHash', [b.hash, false]);
      assert.equal(byHash?.number, b.number, `block ${n} is found by its hash`);
      // the first and last blocks are executed like any block (their rewards are minted); the range between
      // them is stored, not executed (ADR 0009): it changes no state and mints nothing
      if (n > start + 1n && n < end) assert.equal(b.stateRoot, parent.stateRoot, 'the blocks of the range change no state');
    }
    assert.equal(await block(end + 1n), null);
    // BLOCKHASH inside the range agrees with eth_getBlockByNumber
    const probe = freshAddress();
    await rpc('hardhat_setCode', [probe, BLOCKHASH_CODE]);
    assert.equal(await rpc('eth_call', [{ to: probe, data: word(end - 10n) }, 'latest']), (await block(end - 10n))?.hash);
    // the chain goes on from the last block, and the block executor reads the range's hashes too
    const last = await head();
    const recorder = freshAddress();
    await rpc('hardhat_setCode', [recorder, STORE_GRANDPARENT_HASH_CODE]);
    const tx = await rpc<string>('eth_sendTransaction', [{ from: DEV_ADDRESS_0, to: recorder, gas: '0x186a0' }]);
    const receipt = await rpc<{ blockNumber: string; status: string }>('eth_getTransactionReceipt', [tx]);
    assert.equal(receipt.status, '0x1');
    assert.equal(BigInt(receipt.blockNumber), end + 1n);
    assert.equal((await head()).parentHash, last.hash);
    assert.equal(await rpc('eth_getStorageAt', [recorder, '0x0', 'latest']), (await block(end - 1n))?.hash, 'BLOCKHASH in a block of the range');
  });

  test('hardhat_mine(n, interval) spaces the blocks by the interval', async () => {
    const start = await blockNumber();
    await rpc('hardhat_mine', ['0x64', '0xc']);
    const [first, last] = [await block(start + 1n), await block(start + 100n)];
    assert.equal(BigInt(last?.timestamp ?? 0) - BigInt(first?.timestamp ?? 0), 99n * 12n);
    assert.equal(BigInt((await block(start + 50n))?.timestamp ?? 0) - BigInt(first?.timestamp ?? 0), 49n * 12n);
    // later blocks continue from the last one's time
    await rpc('evm_mine');
    assert.ok(BigInt((await head()).timestamp) > BigInt(last?.timestamp ?? 0));
  });

  test('evm_revert below a mined range forgets it', async () => {
    const { hash, number } = await head();
    const snap = await rpc<string>('evm_snapshot');
    await rpc('hardhat_mine', [toQuantity(100_000n)]);
    assert.equal(await rpc('evm_revert', [snap]), true);
    assert.equal((await head()).hash, hash);
    assert.equal(await block(BigInt(number) + 50n), null);
    await rpc('evm_mine');
    assert.equal((await head()).parentHash, hash);
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

  test('state edits change the latest state at once and mine no block (Hardhat semantics)', async () => {
    const who = freshAddress();
    const contract = freshAddress();
    const n = await blockNumber();
    await rpc('hardhat_setBalance', [who, '0x1000']);
    await rpc('hardhat_setNonce', [who, '0x5']);
    await rpc('hardhat_setCode', [contract, RETURN_42_CODE]);
    await rpc('hardhat_setStorageAt', [contract, '0x1', word(7n)]);
    assert.equal(await blockNumber(), n, 'an edit does not advance the block number');
    assert.equal(await balance(who), 0x1000n);
    assert.equal(await balance(who, n), 0x1000n, 'the head block number reads the latest state, as on Hardhat');
    assert.equal(await balance(who, n - 1n), 0n, 'an older block reads what it committed');
    assert.equal(await rpc('eth_getTransactionCount', [who, 'latest']), '0x5');
    assert.equal(await rpc('eth_getTransactionCount', [who, 'pending']), '0x5');
    assert.equal(await rpc('eth_getCode', [contract, 'latest']), RETURN_42_CODE);
    assert.equal(await rpc('eth_getStorageAt', [contract, '0x1', 'latest']), word(7n));
    assert.equal(await rpc('eth_call', [{ to: contract }, 'latest']), word(42n));
    assert.ok(BigInt(await rpc<string>('eth_estimateGas', [{ to: contract }])) > 21_000n);
    // the next block's state root commits the edits: they are readable at its number afterwards
    await rpc('evm_mine');
    assert.equal(await balance(who, n + 1n), 0x1000n);
    assert.equal(await rpc('eth_getCode', [contract, toQuantity(n + 1n)]), RETURN_42_CODE);
    // as on Hardhat, block n keeps reading as it did while it was the head (what changeEtherBalance relies on)
    assert.equal(await balance(who, n), 0x1000n);
    assert.equal(await balance(who, n - 1n), 0n);
    assert.notEqual((await block(n + 1n))?.stateRoot, (await block(n))?.stateRoot, 'block n\'s header is what it committed');
  });

  test('an account funded by an edit can send at once; its nonce comes from the edit', async () => {
    const wallet = Wallet.createRandom();
    await rpc('anvil_setBalance', [wallet.address, toQuantity(ONE_CMT)]);
    await rpc('anvil_setNonce', [wallet.address, '0x3']);
    const n = await blockNumber();
    const raw = await wallet.signTransaction({ to: DEV_ADDRESS_1, value: 1n, nonce: 3, gasLimit: 21000n, gasPrice: 2_000_000_000n, chainId: 1234n });
    const hash = await rpc<string>('eth_sendRawTransaction', [raw]);
    const receipt = await rpc<{ status: string; blockNumber: string }>('eth_getTransactionReceipt', [hash]);
    assert.equal(receipt.status, '0x1');
    assert.equal(BigInt(receipt.blockNumber), n + 1n, 'one block: the edits and the transaction together');
    assert.equal(await rpc('eth_getTransactionCount', [wallet.address, 'latest']), '0x4');
  });

  test('evm_revert restores the edits pending at the snapshot and drops later ones', async () => {
    const a = freshAddress();
    const b = freshAddress();
    await rpc('hardhat_setBalance', [a, '0x1']);
    const n = await blockNumber();
    const snap = await rpc<string>('evm_snapshot');
    await rpc('hardhat_setBalance', [a, '0x2']);
    await rpc('hardhat_setBalance', [b, '0x7']);
    assert.equal(await rpc('evm_revert', [snap]), true);
    assert.deepEqual([await balance(a), await balance(b), await blockNumber()], [1n, 0n, n]);
    // a snapshot taken with pending edits brings them back even after a block committed them
    const snap2 = await rpc<string>('evm_snapshot');
    await rpc('evm_mine');
    await rpc('hardhat_setBalance', [a, '0x3']);
    assert.equal(await rpc('evm_revert', [snap2]), true);
    assert.deepEqual([await balance(a), await blockNumber()], [1n, n]);
    await rpc('evm_mine');
    assert.equal(await balance(a, n + 1n), 1n, 'and the next block commits them');
  });

  test('hardhat_setPrevRandao sets the next block\'s prevRandao, which PREVRANDAO reads', async () => {
    const value = word(0xc0ffeen);
    const reader = freshAddress();
    const recorder = freshAddress();
    await rpc('hardhat_setCode', [reader, PREVRANDAO_CODE]);
    await rpc('hardhat_setCode', [recorder, STORE_PREVRANDAO_CODE]);
    await rpc('hardhat_setPrevRandao', [value]);
    assert.equal(await rpc('eth_call', [{ to: reader }, 'pending']), value, 'pending calls see the next block\'s value');
    const hash = await rpc<string>('eth_sendTransaction', [{ from: DEV_ADDRESS_0, to: recorder, gas: '0x186a0' }]);
    const receipt = await rpc<{ status: string; blockNumber: string }>('eth_getTransactionReceipt', [hash]);
    assert.equal(receipt.status, '0x1');
    assert.equal(await rpc('eth_getStorageAt', [recorder, '0x0', 'latest']), value);
    assert.equal((await block(BigInt(receipt.blockNumber)))?.mixHash, value);
    await rpc('evm_mine');
    assert.notEqual((await head()).mixHash, value, 'used once');
    await assert.rejects(rpc('hardhat_setPrevRandao', ['0x1234']), (e: Error & { code?: number }) => e.code === -32602);
  });

  test('automine: concurrent sends from one account are mined in nonce order, each receipt there with its hash', async () => {
    const from = DEV_ADDRESS_0;
    const nonce = BigInt(await rpc<string>('eth_getTransactionCount', [from, 'latest']));
    const hashes = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const hash = await rpc<string>('eth_sendTransaction', [{ from, to: DEV_ADDRESS_1, value: toQuantity(BigInt(i + 1)) }]);
        const receipt = await rpc<{ status: string } | null>('eth_getTransactionReceipt', [hash]);
        assert.equal(receipt?.status, '0x1', 'the receipt exists when the hash is returned');
        return hash;
      }),
    );
    const txs = await Promise.all(hashes.map((h) => rpc<{ nonce: string; blockNumber: string; transactionIndex: string }>('eth_getTransactionByHash', [h])));
    const byNonce = [...txs].sort((x, y) => Number(BigInt(x.nonce) - BigInt(y.nonce)));
    assert.deepEqual(byNonce.map((t) => BigInt(t.nonce)), Array.from({ length: 8 }, (_, i) => nonce + BigInt(i)));
    const positions = byNonce.map((t) => BigInt(t.blockNumber) * 1000n + BigInt(t.transactionIndex));
    assert.deepEqual(positions, [...positions].sort((x, y) => (x < y ? -1 : 1)), 'mined in nonce order');
    assert.equal(BigInt(await rpc<string>('eth_getTransactionCount', [from, 'latest'])), nonce + 8n);
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
    // an access list is the transaction's, impersonated or not
    const accessList = [{ address: DEV_ADDRESS_1.toLowerCase(), storageKeys: [`0x${'00'.repeat(31)}07`] }];
    const listed = await rpc<string>('eth_sendTransaction', [{ from: STRANGER, to: DEV_ADDRESS_1, value: '0x1', accessList }]);
    const withList = await rpc<{ accessList: typeof accessList; type: string }>('eth_getTransactionByHash', [listed]);
    assert.deepEqual(withList.accessList, accessList);
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

describe('dev-mode state survives a restart: pending edits and mined ranges', () => {
  test('a restarted node has the same blocks, the same range, and the edits no block has committed yet', async () => {
    let node = await startCmt(['--block-time', '0']);
    const home = node.home;
    try {
      const who = freshAddress();
      await node.rpc('hardhat_mine', [toQuantity(1_000_000n)]);
      const inside = await node.rpc<BlockJson>('eth_getBlockByNumber', ['0x7a120', false]);
      await node.rpc('hardhat_setBalance', [who, '0x2a']);
      const number = await node.rpc<string>('eth_blockNumber');
      assert.equal(await node.stop(), 0);
      node = await startCmt(['--block-time', '0'], { home });
      assert.equal(await node.rpc('eth_blockNumber'), number);
      assert.deepEqual(await node.rpc('eth_getBlockByNumber', ['0x7a120', false]), inside);
      assert.equal(await node.rpc('eth_getBalance', [who, 'latest']), '0x2a', 'the pending edit is still there');
      await node.rpc('evm_mine');
      assert.equal(await node.rpc('eth_getBalance', [who, toQuantity(BigInt(number) + 1n)]), '0x2a', 'and the next block commits it');
    } finally {
      await node.stop();
      removeHome(home);
    }
  });
});

describe('dev defaults: accounts, balances, block gas limit, contract size', () => {
  /** Init code deploying `size` bytes of zeros (STOPs) as runtime code. */
  const deployCode = (size: number): string => {
    const len = size.toString(16).padStart(4, '0');
    return `0x61${len}600c5f3961${len}5ff3${'00'.repeat(size)}`;
  };
  const deploy = async (node: CmtProcess, size: number) => {
    const hash = await node.rpc<string>('eth_sendTransaction', [{ from: DEV_ADDRESS_0, data: deployCode(size), gas: toQuantity(15_000_000n) }]);
    return node.rpc<{ status: string; contractAddress: string | null }>('eth_getTransactionReceipt', [hash]);
  };

  test('--accounts and --balance shape the dev accounts; the gas limit is at least 30M; 24 KiB is the code limit', async () => {
    const node = await startCmt(['--block-time', '0', '--accounts', '3', '--balance', '5']);
    try {
      const accounts = await node.rpc<string[]>('eth_accounts');
      assert.equal(accounts.length, 3);
      for (const a of accounts) assert.equal(BigInt(await node.rpc<string>('eth_getBalance', [a, 'latest'])), 5n * ONE_CMT);
      const latest = await node.rpc<BlockJson>('eth_getBlockByNumber', ['latest', false]);
      assert.ok(BigInt(latest.gasLimit) >= 30_000_000n, `gas limit ${latest.gasLimit}`);
      assert.equal((await deploy(node, 24_576)).status, '0x1', 'exactly 24 KiB deploys');
      assert.equal((await deploy(node, 24_577)).status, '0x0', 'one byte more does not');
    } finally {
      await node.stop();
      removeHome(node.home);
    }
  });

  for (const executionWorker of ['true', 'false']) {
    test(`--allow-unlimited-contract-size lifts the limit (execution worker: ${executionWorker})`, async () => {
      const node = await startCmt(['--block-time', '0', '--allow-unlimited-contract-size', '--execution-worker', executionWorker]);
      try {
        const receipt = await deploy(node, 30_000);
        assert.equal(receipt.status, '0x1');
        const code = await node.rpc<string>('eth_getCode', [receipt.contractAddress, 'latest']);
        assert.equal((code.length - 2) / 2, 30_000);
      } finally {
        await node.stop();
        removeHome(node.home);
      }
    });
  }
});
