/**
 * Push and poll notifications against a node with one-second blocks: `eth_subscribe` (newHeads, logs,
 * newPendingTransactions) and `eth_unsubscribe` over a raw WebSocket, and the HTTP polling filters
 * (`eth_newFilter`, `eth_newBlockFilter`, `eth_getFilterChanges`, `eth_getFilterLogs`, `eth_uninstallFilter`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Contract, ContractFactory, Wallet } from 'ethers';
import type { ContractTransactionResponse, JsonRpcProvider } from 'ethers';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { loadTestToken } from '../utils/contracts.ts';
import { DEV_KEY_0, ONE_CMT, TRANSFER_TOPIC, addressTopic, createEthersProvider, openWsRpc, waitFor } from '../utils/e2e-clients.ts';
import type { WsRpc } from '../utils/e2e-clients.ts';

interface RpcLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
  removed: boolean;
}
interface RpcHead {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
}

describe('subscriptions and polling filters (block time 1 s)', () => {
  let node: CmtProcess;
  let provider: JsonRpcProvider;
  let wallet: Wallet;
  let ws: WsRpc;
  let tokenA: Contract;
  let tokenB: Contract;
  const r1 = Wallet.createRandom().address;
  const r2 = Wallet.createRandom().address;

  before(async () => {
    node = await startCmt(['--block-time', '1']);
    provider = createEthersProvider(node.url);
    wallet = new Wallet(DEV_KEY_0, provider);
    const { abi, bytecode } = loadTestToken();
    const factory = new ContractFactory(abi, bytecode, wallet);
    const [a, b] = [await factory.deploy(1000n * ONE_CMT), await factory.deploy(1000n * ONE_CMT)];
    await Promise.all([a.waitForDeployment(), b.waitForDeployment()]);
    tokenA = new Contract(await a.getAddress(), abi, wallet);
    tokenB = new Contract(await b.getAddress(), abi, wallet);
    ws = await openWsRpc(node.wsUrl);
  });

  after(async () => {
    await ws?.close();
    provider?.destroy();
    if (node) {
      await node.stop();
      removeHome(node.home);
    }
  });

  /** Sends the transfers in order (one nonce each) and waits for all receipts. */
  async function transfers(list: [Contract, string, bigint][]): Promise<string[]> {
    const sent: ContractTransactionResponse[] = [];
    for (const [token, to, amount] of list) sent.push(await token.getFunction('transfer')(to, amount));
    const receipts = await Promise.all(sent.map((tx) => tx.wait()));
    for (const r of receipts) assert.equal(r?.status, 1);
    return sent.map((tx) => tx.hash);
  }

  test('newHeads: consecutive heads chained by parentHash, matching eth_getBlockByNumber', async () => {
    const sub = await ws.call<string>('eth_subscribe', ['newHeads']);
    assert.match(sub, /^0x[0-9a-f]+$/);
    const heads = (await ws.waitForCount(sub, 3, 15_000)) as RpcHead[];
    for (let i = 1; i < heads.length; i++) {
      assert.equal(BigInt(heads[i]!.number), BigInt(heads[i - 1]!.number) + 1n);
      assert.equal(heads[i]!.parentHash, heads[i - 1]!.hash);
      assert.ok(BigInt(heads[i]!.timestamp) >= BigInt(heads[i - 1]!.timestamp));
    }
    for (const head of heads.slice(0, 3)) {
      const block = await node.rpc<RpcHead>('eth_getBlockByNumber', [head.number, false]);
      assert.equal(block.hash, head.hash);
      assert.equal(block.parentHash, head.parentHash);
    }
    assert.equal(await ws.call('eth_unsubscribe', [sub]), true);
  });

  test('eth_unsubscribe returns true once and stops the notifications', async () => {
    const [stopped, sentinel] = [await ws.call<string>('eth_subscribe', ['newHeads']), await ws.call<string>('eth_subscribe', ['newHeads'])];
    await ws.waitForCount(stopped, 1, 15_000);
    assert.equal(await ws.call('eth_unsubscribe', [stopped]), true);
    const countAtStop = ws.received(stopped).length;
    const sentinelAtStop = ws.received(sentinel).length;
    // Notifications sent before the unsubscribe reply precede it on the socket; the next head is after it.
    await ws.waitForCount(sentinel, sentinelAtStop + 1, 15_000);
    assert.equal(ws.received(stopped).length, countAtStop, 'no heads after eth_unsubscribe');
    assert.equal(await ws.call('eth_unsubscribe', [stopped]), false);
    assert.equal(await ws.call('eth_unsubscribe', [sentinel]), true);
  });

  test('logs with an address and topic filter: exactly the matching Transfer logs', async () => {
    const tokenAAddress = await tokenA.getAddress();
    const filtered = await ws.call<string>('eth_subscribe', ['logs', { address: tokenAAddress, topics: [TRANSFER_TOPIC, null, addressTopic(r1)] }]);
    const all = await ws.call<string>('eth_subscribe', ['logs', {}]);
    const hashes = await transfers([[tokenA, r1, 1n], [tokenA, r2, 2n], [tokenB, r1, 3n], [tokenA, r1, 4n]]);
    // Every log of these txs reached the unfiltered subscription, so the filtered one has had its chance too.
    await waitFor('all four logs on the unfiltered subscription', () => {
      const seen = new Set((ws.received(all) as RpcLog[]).map((l) => l.transactionHash));
      return hashes.every((h) => seen.has(h)) ? true : undefined;
    }, 15_000);
    const logs = ws.received(filtered) as RpcLog[];
    assert.deepEqual(logs.map((l) => l.transactionHash), [hashes[0], hashes[3]]);
    assert.deepEqual(logs.map((l) => BigInt(l.data)), [1n, 4n]);
    for (const log of logs) {
      assert.equal(log.address.toLowerCase(), tokenAAddress.toLowerCase());
      assert.deepEqual(log.topics, [TRANSFER_TOPIC, addressTopic(wallet.address), addressTopic(r1)]);
      assert.equal(log.removed, false);
      const receipt = await node.rpc<{ blockHash: string; logs: RpcLog[] }>('eth_getTransactionReceipt', [log.transactionHash]);
      assert.equal(receipt.blockHash, log.blockHash);
      assert.equal(receipt.logs[0]!.logIndex, log.logIndex);
    }
    assert.equal(await ws.call('eth_unsubscribe', [filtered]), true);
    assert.equal(await ws.call('eth_unsubscribe', [all]), true);
  });

  test('newPendingTransactions: the hash arrives before the head of the block that includes it', async () => {
    const sub = await ws.call<string>('eth_subscribe', ['newPendingTransactions']);
    const heads = await ws.call<string>('eth_subscribe', ['newHeads']);
    const tx = await wallet.sendTransaction({ to: r2, value: ONE_CMT });
    await waitFor('the pending tx hash', () => ((ws.received(sub) as string[]).includes(tx.hash) ? true : undefined));
    const receipt = await tx.wait();
    assert.ok(receipt);
    assert.equal(receipt.status, 1);
    await ws.waitForCount(heads, 1, 15_000);
    await waitFor('the head of the including block', () =>
      (ws.received(heads) as RpcHead[]).some((h) => BigInt(h.number) >= BigInt(receipt.blockNumber)) ? true : undefined, 15_000);
    const order = ws.arrivals().filter((a) => a.subscription === heads || a.result === tx.hash);
    const pendingAt = order.findIndex((a) => a.result === tx.hash);
    const includedAt = order.findIndex((a) => a.subscription === heads && BigInt((a.result as RpcHead).number) >= BigInt(receipt.blockNumber));
    assert.ok(pendingAt < includedAt, `pending notification #${pendingAt} before the head #${includedAt}`);
    assert.equal((ws.received(sub) as string[]).filter((h) => h === tx.hash).length, 1);
    assert.equal(await ws.call('eth_unsubscribe', [sub]), true);
    assert.equal(await ws.call('eth_unsubscribe', [heads]), true);
  });

  test('eth_newFilter + eth_getFilterChanges returns each new log once', async () => {
    const tokenAAddress = await tokenA.getAddress();
    const id = await node.rpc<string>('eth_newFilter', [{ address: tokenAAddress, topics: [TRANSFER_TOPIC] }]);
    assert.deepEqual(await node.rpc('eth_getFilterChanges', [id]), []);
    const [hash] = await transfers([[tokenA, r2, 9n], [tokenB, r2, 9n]]);
    const changes = await node.rpc<RpcLog[]>('eth_getFilterChanges', [id]);
    assert.deepEqual(changes.map((l) => l.transactionHash), [hash]);
    assert.equal(BigInt(changes[0]!.data), 9n);
    assert.deepEqual(await node.rpc('eth_getFilterChanges', [id]), [], 'the same log is not returned twice');
    assert.equal(await node.rpc('eth_uninstallFilter', [id]), true);
  });

  test('eth_newBlockFilter returns the hashes of new blocks, each once', async () => {
    const id = await node.rpc<string>('eth_newBlockFilter');
    const start = BigInt(await node.rpc<string>('eth_blockNumber'));
    const hashes: string[] = [];
    await waitFor('two new block hashes', async () => {
      hashes.push(...(await node.rpc<string[]>('eth_getFilterChanges', [id])));
      return hashes.length >= 2 ? true : undefined;
    }, 15_000);
    assert.equal(new Set(hashes).size, hashes.length, 'no repeats');
    const numbers: bigint[] = [];
    for (const hash of hashes) {
      const block = await node.rpc<RpcHead>('eth_getBlockByHash', [hash, false]);
      assert.equal(block.hash, hash);
      numbers.push(BigInt(block.number));
    }
    assert.ok(numbers[0]! >= start && numbers[0]! <= start + 1n, `first new block ${numbers[0]} after ${start}`);
    for (let i = 1; i < numbers.length; i++) assert.equal(numbers[i], numbers[i - 1]! + 1n);
    assert.equal(await node.rpc('eth_uninstallFilter', [id]), true);
  });

  test('eth_getFilterLogs returns every matching log in the range, like eth_getLogs', async () => {
    const criteria = { address: await tokenA.getAddress(), fromBlock: '0x0', topics: [TRANSFER_TOPIC] };
    const id = await node.rpc<string>('eth_newFilter', [criteria]);
    const logs = await node.rpc<RpcLog[]>('eth_getFilterLogs', [id]);
    assert.deepEqual(logs, await node.rpc<RpcLog[]>('eth_getLogs', [criteria]));
    assert.deepEqual(logs.map((l) => BigInt(l.data)), [1000n * ONE_CMT, 1n, 2n, 4n, 9n], 'mint and the four transfers of token A');
    assert.equal(await node.rpc('eth_uninstallFilter', [id]), true);
  });

  test('eth_uninstallFilter: true once, then false, and the filter is gone', async () => {
    const id = await node.rpc<string>('eth_newBlockFilter');
    assert.equal(await node.rpc('eth_uninstallFilter', [id]), true);
    assert.equal(await node.rpc('eth_uninstallFilter', [id]), false);
    await assert.rejects(node.rpc('eth_getFilterChanges', [id]), /filter not found/i);
    await assert.rejects(node.rpc('eth_getFilterLogs', [id]), /filter not found/i);
  });
});
