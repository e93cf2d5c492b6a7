/**
 * viem 2.x against a real node with one-second blocks (`--block-time 1`), so every write waits for its
 * receipt: deploy, write/read, logs and events, simulation of reverts, gas estimation, fee history, blocks,
 * transactions, pending vs latest nonces, and a WebSocket client watching blocks and contract events.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BaseError, ContractFunctionRevertedError, createPublicClient, createTestClient, createWalletClient, defineChain, http,
  parseAbiItem, webSocket,
} from 'viem';
import type { Abi, Address, Hash, Log, PublicClient, WalletClient } from 'viem';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { loadTestToken } from '../utils/contracts.ts';
import { BASE_FEE_WEI, CHAIN_ID, DEV_KEY_0, ONE_CMT, waitFor } from '../utils/e2e-clients.ts';

const SUPPLY = 1_000_000n * ONE_CMT;
const TRANSFER_EVENT = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');

describe('viem clients (block time 1 s)', () => {
  const { abi: jsonAbi, bytecode } = loadTestToken();
  const abi = jsonAbi as Abi;
  const account = privateKeyToAccount(DEV_KEY_0);
  const recipient = privateKeyToAccount(generatePrivateKey()).address;
  let node: CmtProcess;
  let publicClient: PublicClient;
  let walletClient: WalletClient;
  let tokenAddress: Address;
  let deployBlock: bigint;
  let transferHash: Hash;
  let transferBlock: bigint;

  before(async () => {
    node = await startCmt(['--block-time', '1']);
    const chain = defineChain({
      id: CHAIN_ID,
      name: 'CyberMiles dev',
      nativeCurrency: { name: 'CMT', symbol: 'CMT', decimals: 18 },
      rpcUrls: { default: { http: [node.url], webSocket: [node.wsUrl] } },
    });
    publicClient = createPublicClient({ chain, transport: http(), pollingInterval: 100 });
    walletClient = createWalletClient({ chain, account, transport: http() });
  });

  after(async () => {
    if (node) {
      await node.stop();
      removeHome(node.home);
    }
  });

  const receiptOf = (hash: Hash) => publicClient.waitForTransactionReceipt({ hash, pollingInterval: 100, timeout: 15_000 });

  test('deployContract and waitForTransactionReceipt', async () => {
    const hash = await walletClient.deployContract({ abi, bytecode, args: [SUPPLY], account, chain: walletClient.chain });
    const receipt = await receiptOf(hash);
    assert.equal(receipt.status, 'success');
    assert.ok(receipt.contractAddress);
    tokenAddress = receipt.contractAddress;
    deployBlock = receipt.blockNumber;
    assert.equal(await publicClient.getCode({ address: tokenAddress }), loadTestToken().deployedBytecode);
    assert.equal(await publicClient.readContract({ address: tokenAddress, abi, functionName: 'balanceOf', args: [account.address] }), SUPPLY);
  });

  test('writeContract transfer then readContract', async () => {
    transferHash = await walletClient.writeContract({
      address: tokenAddress, abi, functionName: 'transfer', args: [recipient, 42n * ONE_CMT], account, chain: walletClient.chain,
    });
    const receipt = await receiptOf(transferHash);
    assert.equal(receipt.status, 'success');
    assert.equal(receipt.type, 'eip1559');
    assert.ok(receipt.effectiveGasPrice >= BASE_FEE_WEI);
    transferBlock = receipt.blockNumber;
    const read = (who: Address, blockNumber?: bigint) =>
      publicClient.readContract({ address: tokenAddress, abi, functionName: 'balanceOf', args: [who], ...(blockNumber === undefined ? {} : { blockNumber }) });
    assert.equal(await read(recipient), 42n * ONE_CMT);
    assert.equal(await read(account.address), SUPPLY - 42n * ONE_CMT);
    assert.equal(await read(recipient, transferBlock - 1n), 0n);
  });

  test('getLogs and getContractEvents return the Transfer events', async () => {
    const events = await publicClient.getContractEvents({ address: tokenAddress, abi, eventName: 'Transfer', fromBlock: deployBlock });
    assert.deepEqual(events.map((e) => (e as unknown as { args: unknown }).args), [
      { from: '0x0000000000000000000000000000000000000000', to: account.address, value: SUPPLY },
      { from: account.address, to: recipient, value: 42n * ONE_CMT },
    ]);
    const logs = await publicClient.getLogs({ address: tokenAddress, event: TRANSFER_EVENT, args: { to: recipient }, fromBlock: 0n, toBlock: 'latest' });
    assert.equal(logs.length, 1);
    assert.equal(logs[0]!.transactionHash, transferHash);
    assert.equal(logs[0]!.blockNumber, transferBlock);
    assert.deepEqual(logs[0]!.args, { from: account.address, to: recipient, value: 42n * ONE_CMT });
    const none = await publicClient.getLogs({ address: tokenAddress, event: TRANSFER_EVENT, args: { from: recipient }, fromBlock: 0n });
    assert.deepEqual(none, []);
  });

  test('simulateContract rejects with the revert reason and the custom error', async () => {
    const revertOf = async (functionName: string): Promise<ContractFunctionRevertedError> => {
      try {
        await publicClient.simulateContract({ address: tokenAddress, abi, functionName, account });
      } catch (err) {
        assert.ok(err instanceof BaseError, String(err));
        const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
        assert.ok(reverted instanceof ContractFunctionRevertedError, err.message);
        return reverted;
      }
      throw new assert.AssertionError({ message: `${functionName} did not revert` });
    };
    assert.equal((await revertOf('failWithReason')).reason, 'TestToken: always fails');
    const custom = await revertOf('restricted');
    assert.equal(custom.data?.errorName, 'NotAllowed');
    assert.deepEqual(custom.data?.args, [account.address]);
    const { result } = await publicClient.simulateContract({ address: tokenAddress, abi, functionName: 'transfer', args: [recipient, 1n], account });
    assert.equal(result, true);
  });

  test('estimateGas and estimateContractGas', async () => {
    assert.equal(await publicClient.estimateGas({ account, to: recipient, value: 1n }), 21_000n);
    const gas = await publicClient.estimateContractGas({ address: tokenAddress, abi, functionName: 'transfer', args: [recipient, 1n], account });
    const hash = await walletClient.writeContract({ address: tokenAddress, abi, functionName: 'transfer', args: [recipient, 1n], account, chain: walletClient.chain, gas });
    const receipt = await receiptOf(hash);
    assert.equal(receipt.status, 'success');
    assert.ok(gas >= receipt.gasUsed && gas > 21_000n);
  });

  test('getFeeHistory reports the constant base fee', async () => {
    const history = await publicClient.getFeeHistory({ blockCount: 3, rewardPercentiles: [25, 75] });
    const latest = await publicClient.getBlockNumber();
    assert.equal(history.baseFeePerGas.length, 4, 'blockCount + 1 (the next block)');
    assert.ok(history.baseFeePerGas.every((fee) => fee === BASE_FEE_WEI));
    assert.equal(history.gasUsedRatio.length, 3);
    assert.equal(history.reward?.length, 3);
    assert.ok(history.reward?.every((r) => r.length === 2));
    assert.ok(history.oldestBlock + 2n <= latest && history.oldestBlock >= 0n);
  });

  test('getBlock and getTransaction', async () => {
    const block = await publicClient.getBlock({ blockNumber: transferBlock, includeTransactions: true });
    assert.equal(block.number, transferBlock);
    assert.equal(block.baseFeePerGas, BASE_FEE_WEI);
    const tx = block.transactions.find((t) => t.hash === transferHash);
    assert.ok(tx, 'the transfer is in its block');
    const parent = await publicClient.getBlock({ blockNumber: transferBlock - 1n });
    assert.equal(block.parentHash, parent.hash);
    assert.ok(block.timestamp >= parent.timestamp);
    const byHash = await publicClient.getBlock({ blockHash: block.hash });
    assert.deepEqual(byHash.transactions, block.transactions.map((t) => t.hash));

    const fetched = await publicClient.getTransaction({ hash: transferHash });
    assert.equal(fetched.from, account.address.toLowerCase());
    assert.equal(fetched.to, tokenAddress.toLowerCase());
    assert.equal(fetched.blockNumber, transferBlock);
    assert.equal(fetched.type, 'eip1559');
    assert.equal(fetched.chainId, CHAIN_ID);
    assert.equal(fetched.input.slice(0, 10), '0xa9059cbb', 'transfer(address,uint256)');
  });

  test('getTransactionCount: pending counts a tx that is not mined yet', async () => {
    // Pause the producer so the tx stays pending for as long as the assertions need (no timing race).
    const testClient = createTestClient({ chain: walletClient.chain, mode: 'hardhat', transport: http() });
    await testClient.setIntervalMining({ interval: 0 });
    try {
      const latestBefore = await publicClient.getTransactionCount({ address: account.address, blockTag: 'latest' });
      const hash = await walletClient.sendTransaction({ account, chain: walletClient.chain, to: recipient, value: 1n });
      assert.equal(await publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' }), latestBefore + 1);
      assert.equal(await publicClient.getTransactionCount({ address: account.address, blockTag: 'latest' }), latestBefore);
      assert.equal((await publicClient.getTransaction({ hash })).blockNumber, null);
      await testClient.mine({ blocks: 1 });
      assert.equal((await receiptOf(hash)).status, 'success');
      assert.equal(await publicClient.getTransactionCount({ address: account.address, blockTag: 'latest' }), latestBefore + 1);
    } finally {
      await testClient.setIntervalMining({ interval: 1 });
    }
  });

  test('WebSocket client: watchBlockNumber and watchContractEvent', async () => {
    const wsClient = createPublicClient({
      chain: walletClient.chain, transport: webSocket(node.wsUrl, { reconnect: false, keepAlive: false }),
    });
    const numbers: bigint[] = [];
    const transfers: Log[] = [];
    const errors: Error[] = [];
    const unwatchBlocks = wsClient.watchBlockNumber({ onBlockNumber: (n) => numbers.push(n), onError: (e) => errors.push(e) });
    const unwatchEvents = wsClient.watchContractEvent({
      address: tokenAddress, abi, eventName: 'Transfer', args: { to: recipient }, onLogs: (logs) => transfers.push(...logs), onError: (e) => errors.push(e),
    });
    try {
      // Wait for the subscriptions to be live (a head arrived) before sending, so the event cannot be missed.
      await waitFor('a block number over WebSocket', () => (numbers.length >= 1 ? true : undefined));
      const hash = await walletClient.writeContract({
        address: tokenAddress, abi, functionName: 'transfer', args: [recipient, 5n], account, chain: walletClient.chain,
      });
      const got = await waitFor('the Transfer event over WebSocket', () => transfers.find((l) => l.transactionHash === hash), 15_000);
      assert.deepEqual((got as unknown as { args: unknown }).args, { from: account.address, to: recipient, value: 5n });
      assert.equal(got.address, tokenAddress.toLowerCase());
      await waitFor('two more block numbers', () => (numbers.length >= 3 ? true : undefined));
      for (let i = 1; i < numbers.length; i++) assert.ok(numbers[i]! > numbers[i - 1]!, `increasing: ${numbers.join(',')}`);
      assert.deepEqual(errors, []);
    } finally {
      unwatchBlocks();
      unwatchEvents();
      (await wsClient.transport.getRpcClient()).close();
    }
  });
});
