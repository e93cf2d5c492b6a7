/**
 * Durability of a node's home: (a) a clean stop (SIGINT) and restart keeps the chain, balances and nonces;
 * (b) a crash (SIGKILL) in the middle of a stream of transfers leaves a consistent chain: every block links
 * to its parent, every transaction has its receipt, nonces and balances match the mined transactions, and
 * the node goes on accepting transactions. The crash is repeated at different moments of the stream.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Wallet } from 'ethers';
import { removeHome, startCmt, tempHome } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { devWallet, signTransfer, waitFor } from '../utils/e2e2-helpers.ts';

const INITIAL_WEI = 1_000_000n * 10n ** 18n;
const RECIPIENT = '0x00000000000000000000000000000000c0ffee01';

interface Tx {
  hash: string;
  from: string;
  to: string | null;
  nonce: string;
  value: string;
  blockNumber: string;
  blockHash: string;
}
interface Block {
  number: string;
  hash: string;
  parentHash: string;
  transactions: Tx[];
}
interface Receipt {
  transactionHash: string;
  blockNumber: string;
  blockHash: string;
  gasUsed: string;
  effectiveGasPrice: string;
  status: string;
}

const hex = (n: bigint | number): string => `0x${n.toString(16)}`;
const homes: string[] = [];
const nodes: CmtProcess[] = [];

async function start(home: string, blockTime: string): Promise<CmtProcess> {
  const node = await startCmt(['--block-time', blockTime, '--silent'], { home });
  nodes.push(node);
  return node;
}

async function balance(node: CmtProcess, addr: string, tag = 'latest'): Promise<bigint> {
  return BigInt(await node.rpc<string>('eth_getBalance', [addr, tag]));
}

async function transfer(node: CmtProcess, w: Wallet, value: bigint): Promise<Receipt> {
  const nonce = Number(await node.rpc<string>('eth_getTransactionCount', [w.address, 'pending']));
  const hash = await node.rpc<string>('eth_sendRawTransaction', [await signTransfer(w, { nonce, to: RECIPIENT, value })]);
  return waitFor(`receipt of ${hash}`, () => node.rpc<Receipt | null>('eth_getTransactionReceipt', [hash]));
}

/** Checks blocks 0..head and returns, per sender, its mined transactions and what they cost. */
async function checkChain(node: CmtProcess, senders: Wallet[]): Promise<bigint> {
  const head = BigInt(await node.rpc<string>('eth_blockNumber'));
  const count = new Map<string, number>(senders.map((w) => [w.address.toLowerCase(), 0]));
  const spent = new Map<string, bigint>(senders.map((w) => [w.address.toLowerCase(), 0n]));
  let received = 0n;
  let parent: string | undefined;
  for (let n = 0n; n <= head; n++) {
    const block = await node.rpc<Block | null>('eth_getBlockByNumber', [hex(n), true]);
    assert.ok(block, `block ${n} exists`);
    assert.equal(BigInt(block.number), n);
    if (parent !== undefined) assert.equal(block.parentHash, parent, `block ${n} links to block ${n - 1n}`);
    parent = block.hash;
    if (block.transactions.length === 0) continue;
    const batch = block.transactions.map((tx, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_getTransactionReceipt', params: [tx.hash] }));
    const receipts = (await node.rpcRaw(batch)) as Array<{ id: number; result: Receipt | null }>;
    for (const tx of block.transactions) {
      const r = receipts.find((x) => x.result?.transactionHash === tx.hash)?.result;
      assert.ok(r, `tx ${tx.hash} of block ${n} has a receipt`);
      assert.equal(BigInt(r.blockNumber), n);
      assert.equal(r.blockHash, block.hash);
      assert.equal(r.status, '0x1');
      const from = tx.from.toLowerCase();
      const seen = count.get(from);
      assert.ok(seen !== undefined, `unexpected sender ${from}`);
      assert.equal(Number(tx.nonce), seen, `nonces of ${from} are mined in order without gaps`);
      count.set(from, seen + 1);
      spent.set(from, (spent.get(from) ?? 0n) + BigInt(tx.value) + BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice));
      received += BigInt(tx.value);
    }
  }
  // Compared at the scanned head, so a block produced meanwhile cannot race the check.
  for (const w of senders) {
    const a = w.address.toLowerCase();
    assert.equal(Number(await node.rpc<string>('eth_getTransactionCount', [w.address, hex(head)])), count.get(a), `nonce of ${a}`);
    assert.equal(await balance(node, w.address, hex(head)), INITIAL_WEI - (spent.get(a) ?? 0n), `balance of ${a}`);
  }
  assert.equal(await balance(node, RECIPIENT, hex(head)), received, 'the recipient holds every mined value');
  return head;
}

after(async () => {
  for (const n of nodes) await n.kill9();
  for (const h of homes) removeHome(h);
});

describe('restart after a clean stop', () => {
  it('keeps blocks, balances and nonces, and continues', async () => {
    const home = tempHome();
    homes.push(home);
    const [a, b] = [devWallet(0), devWallet(1)];
    let node = await start(home, '1');
    for (const [w, v] of [[a, 11n], [b, 22n], [a, 33n]] as const) await transfer(node, w, v);
    const head = await node.rpc<string>('eth_blockNumber');
    const headBlock = await node.rpc<Block>('eth_getBlockByNumber', [head, false]);
    const before = { a: await balance(node, a.address), b: await balance(node, b.address), r: await balance(node, RECIPIENT) };
    const nonceA = Number(await node.rpc<string>('eth_getTransactionCount', [a.address, 'latest']));
    assert.equal(nonceA, 2);
    assert.equal(await node.stop(), 0, 'a clean stop exits with code 0');

    node = await start(home, '1');
    assert.ok(BigInt(await node.rpc<string>('eth_blockNumber')) >= BigInt(head), 'the head did not go back');
    const again = await node.rpc<Block>('eth_getBlockByNumber', [head, false]);
    assert.equal(again.hash, headBlock.hash, 'the block at the old head is unchanged');
    assert.equal(again.parentHash, headBlock.parentHash);
    assert.deepEqual({ a: await balance(node, a.address), b: await balance(node, b.address), r: await balance(node, RECIPIENT) }, before);
    assert.equal(Number(await node.rpc<string>('eth_getTransactionCount', [a.address, 'pending'])), nonceA);
    const r = await transfer(node, a, 44n);
    assert.ok(BigInt(r.blockNumber) > BigInt(head));
    assert.equal(Number(await node.rpc<string>('eth_getTransactionCount', [a.address, 'latest'])), nonceA + 1);
    assert.equal(await balance(node, RECIPIENT), before.r + 44n);
    await node.stop();
  });
});

describe('restart after kill -9 in the middle of a transfer stream', () => {
  const senders = [devWallet(2), devWallet(3), devWallet(4)];
  const PER_SENDER = 100;
  // Kill once this many sends are acknowledged and sender 0 has this many txs mined; automine (a block
  // per arrival) or short block times. Each sender sends in nonce order, one at a time, so the three are in flight
  // together and the stream spans blocks. In order, because a transaction that overtook its sender's previous one
  // waits in the pool for the gap, and is acknowledged before it is mined (as on Hardhat and anvil).

  const runs = [
    { killAfter: 20, minMined: 0, blockTime: '0' },
    { killAfter: 60, minMined: 1, blockTime: '0.2' },
    { killAfter: 230, minMined: 0, blockTime: '0' },
  ];

  for (const run of runs) {
    it(`is consistent when killed after ${run.killAfter} acks (block time ${run.blockTime})`, { timeout: 120_000 }, async () => {
      const home = tempHome();
      homes.push(home);
      const signed: string[] = [];
      for (let i = 0; i < PER_SENDER; i++) {
        for (const [s, w] of senders.entries()) signed.push(await signTransfer(w, { nonce: i, to: RECIPIENT, value: BigInt(1000 + i * 3 + s) }));
      }
      const node = await start(home, run.blockTime);
      let acked = 0;
      let crashed = false;
      const accepted: string[] = [];
      const sendOne = async (i: number): Promise<void> => {
        const body = JSON.stringify({ jsonrpc: '2.0', id: i, method: 'eth_sendRawTransaction', params: [signed[i]] });
        const reply = (await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((res) => res.json())) as { result?: string };
        if (reply.result !== undefined) accepted.push(reply.result);
        acked++;
      };
      const lanes = senders.map(async (_, s) => {
        for (let i = 0; i < PER_SENDER && !crashed; i++) await sendOne(i * senders.length + s).catch(() => {}); // sends cut off by the crash fail
      });
      const mined = async (): Promise<number> => Number(await node.rpc<string>('eth_getTransactionCount', [senders[0]?.address, 'latest']));
      await waitFor('the moment to kill', async () => acked >= run.killAfter && (run.minMined === 0 || (await mined()) >= run.minMined), 60_000);
      crashed = true;
      await node.kill9();
      await Promise.all(lanes);
      assert.notEqual(node.proc.signalCode, null, 'the node was killed, not stopped');

      const restarted = await start(home, run.blockTime);
      const head = await checkChain(restarted, senders);
      assert.ok(head >= 1n, 'blocks mined before the crash survived');
      if (run.blockTime === '0') {
        // Automine answers after the block is committed, so an acknowledged tx must survive the crash.
        for (const hash of accepted) assert.ok(await restarted.rpc('eth_getTransactionReceipt', [hash]), `acknowledged ${hash} survived`);
      }
      const r = await transfer(restarted, senders[0] as Wallet, 7n);
      assert.equal(r.status, '0x1');
      await checkChain(restarted, senders);
      await restarted.stop();
    });
  }
});
