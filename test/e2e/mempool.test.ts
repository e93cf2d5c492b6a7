/**
 * Mempool admission through eth_sendRawTransaction against a real node: every rejection is a JSON-RPC
 * error with a precise code and message, replacement by price bump, nonce-gap queueing and the
 * pending-aware views (nonce 'pending', tx by hash, txpool_*). Mining is manual (automine off) so
 * transactions stay pending until the test calls evm_mine.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Transaction, Wallet, decodeRlp, encodeRlp, toBeHex } from 'ethers';
import type { RlpStructuredData } from 'ethers';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { GWEI, MIN_GAS_PRICE, devWallet, rpcError, signTransfer } from '../utils/e2e2-helpers.ts';

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const SERVER = -32000;

interface Receipt {
  blockNumber: string;
  transactionIndex: string;
  status: string;
}

describe('mempool admission (e2e)', () => {
  let node: CmtProcess;
  const send = (raw: string): Promise<string> => node.rpc<string>('eth_sendRawTransaction', [raw]);
  const reject = (raw: string) => rpcError(node, 'eth_sendRawTransaction', [raw]);
  const nonceOf = async (w: Wallet, tag = 'latest'): Promise<number> => Number(await node.rpc<string>('eth_getTransactionCount', [w.address, tag]));
  const receipt = (hash: string) => node.rpc<Receipt | null>('eth_getTransactionReceipt', [hash]);
  const mine = () => node.rpc('evm_mine', []);
  const lookup = <T,>(groups: Record<string, Record<string, T>>, addr: string): Record<string, T> =>
    Object.entries(groups).find(([k]) => k.toLowerCase() === addr.toLowerCase())?.[1] ?? {};

  before(async () => {
    node = await startCmt(['--block-time', '0', '--silent']);
    assert.equal(await node.rpc('evm_setAutomine', [false]), true);
  });
  after(async () => {
    await node.stop();
    removeHome(node.home);
  });

  it('rejects a transaction signed for another chain', async () => {
    const raw = await signTransfer(devWallet(0), { nonce: 0, chainId: 1 });
    assert.deepEqual(await reject(raw), { code: SERVER, message: 'invalid chain id: transaction is for chain 1, this chain is 1234' });
  });

  it('rejects a tampered signature (high s, r beyond the curve order)', async () => {
    const fields = decodeRlp(await signTransfer(devWallet(0), { nonce: 0 })) as string[];
    const highS: RlpStructuredData[] = [...fields];
    highS[8] = toBeHex(SECP256K1_N - BigInt(fields[8] as string));
    const e1 = await reject(encodeRlp(highS));
    assert.equal(e1.code, SERVER);
    assert.match(e1.message, /^invalid sender: .*s-values greater than secp256k1n\/2/);
    const badR: RlpStructuredData[] = [...fields];
    badR[7] = toBeHex(SECP256K1_N + 5n);
    const e2 = await reject(encodeRlp(badR));
    assert.equal(e2.code, SERVER);
    assert.match(e2.message, /^invalid sender: Invalid Signature/);
  });

  it('rejects gas price below the 2 gwei minimum', async () => {
    const raw = await signTransfer(devWallet(0), { nonce: 0, gasPrice: 1n * GWEI });
    const e = await reject(raw);
    assert.equal(e.code, SERVER);
    assert.match(e.message, /^transaction underpriced: .*1000000000 wei .*2000000000 wei/);
  });

  it('rejects a sender without funds', async () => {
    const poor = Wallet.createRandom();
    const e = await reject(await signTransfer(new Wallet(poor.privateKey), { nonce: 0, value: 5n }));
    assert.equal(e.code, SERVER);
    const cost = 21_000n * MIN_GAS_PRICE + 5n;
    assert.equal(e.message, `insufficient funds for gas * price + value: address ${poor.address.toLowerCase()} has balance 0 wei, tx cost ${cost} wei`);
  });

  it('rejects a gas limit below the intrinsic gas', async () => {
    const e = await reject(await signTransfer(devWallet(0), { nonce: 0, gasLimit: 20_000n }));
    assert.deepEqual(e, { code: SERVER, message: 'intrinsic gas too low: have 20000, want 21000' });
  });

  it('rejects a transaction larger than 128 KiB', async () => {
    const raw = await signTransfer(devWallet(0), { nonce: 0, gasLimit: 5_000_000n, data: `0x${'00'.repeat(128 * 1024 + 1)}` });
    const size = (raw.length - 2) / 2;
    const e = await reject(raw);
    assert.equal(e.code, SERVER);
    assert.match(e.message, new RegExp(`^oversized data: transaction size ${size}( bytes)?, limit 131072$`));
  });

  it('rejects the same raw transaction twice as already known', async () => {
    const w = devWallet(1);
    const raw = await signTransfer(w, { nonce: await nonceOf(w, 'pending') });
    const hash = await send(raw);
    assert.equal(hash, Transaction.from(raw).hash);
    const e = await reject(raw);
    assert.deepEqual(e, { code: SERVER, message: `already known: transaction ${hash} is in the pool` });
    await mine();
    assert.equal((await receipt(hash))?.status, '0x1');
  });

  it('rejects a nonce that is already mined', async () => {
    const w = devWallet(2);
    const n = await nonceOf(w);
    const hash = await send(await signTransfer(w, { nonce: n, value: 1n }));
    await mine();
    assert.ok(await receipt(hash), 'first tx mined');
    assert.equal(await nonceOf(w), n + 1);
    const e = await reject(await signTransfer(w, { nonce: n, value: 2n }));
    assert.deepEqual(e, { code: SERVER, message: `nonce too low: next nonce ${n + 1}, tx nonce ${n}` });
  });

  it('replaces a pending tx only with a >= 10% price bump', async () => {
    const w = devWallet(3);
    const n = await nonceOf(w);
    const oldHash = await send(await signTransfer(w, { nonce: n, value: 1n, gasPrice: 2n * GWEI }));
    const e = await reject(await signTransfer(w, { nonce: n, value: 2n, gasPrice: 2_100_000_000n }));
    assert.equal(e.code, SERVER);
    assert.match(e.message, new RegExp(`^replacement transaction underpriced: nonce ${n} of 0x[0-9a-fA-F]{40} is taken by ${oldHash}; a 10% bump needs max fee per gas >= 2200000000 \\(got 2100000000\\)`));
    assert.ok(await node.rpc('eth_getTransactionByHash', [oldHash]), 'the old tx is still pending after the rejected replacement');

    const newHash = await send(await signTransfer(w, { nonce: n, value: 3n, gasPrice: 2_200_000_000n }));
    assert.notEqual(newHash, oldHash);
    assert.equal(await node.rpc('eth_getTransactionByHash', [oldHash]), null, 'the replaced tx is gone');
    const pending = lookup((await node.rpc<{ pending: Record<string, Record<string, { hash: string }>> }>('txpool_content')).pending, w.address);
    assert.equal(pending[String(n)]?.hash, newHash);
    await mine();
    assert.equal((await receipt(newHash))?.status, '0x1');
    assert.equal(await receipt(oldHash), null);
    assert.equal(await nonceOf(w), n + 1);
  });

  it('queues a nonce gap and mines the run in order once it is filled', async () => {
    const w = devWallet(4);
    const n = await nonceOf(w);
    const h2 = await send(await signTransfer(w, { nonce: n + 2 }));
    const h1 = await send(await signTransfer(w, { nonce: n + 1 }));
    assert.equal(await nonceOf(w, 'pending'), n, 'queued txs do not move the pending nonce');
    const status = await node.rpc<{ pending: string; queued: string }>('txpool_status');
    assert.equal(Number(status.queued), 2);
    assert.equal(Number(status.pending), 0);
    const content = await node.rpc<{ pending: Record<string, Record<string, unknown>>; queued: Record<string, Record<string, unknown>> }>('txpool_content');
    assert.deepEqual(Object.keys(lookup(content.queued, w.address)).sort(), [String(n + 1), String(n + 2)]);
    // CyberMiles' names for the same pool: a count, and the transactions themselves
    assert.equal(await node.rpc<string>('cmt_pendingTransactionCount'), '0x2');
    const listed = await node.rpc<Array<{ hash: string; nonce: string }>>('cmt_getPendingTransactions', []);
    assert.deepEqual(listed.map((t) => t.hash).sort(), [h1, h2].sort());
    assert.equal((await node.rpc<unknown[]>('cmt_getPendingTransactions', ['0x1'])).length, 1);
    await assert.rejects(node.rpc('cmt_getPendingTransactions', ['0x65']), /limit must be between 1 and 100/);
    await mine();
    assert.equal(await receipt(h1), null, 'a queued tx is not mined while the gap is open');

    const h0 = await send(await signTransfer(w, { nonce: n }));
    const promoted = await node.rpc<{ pending: string; queued: string }>('txpool_status');
    assert.deepEqual([Number(promoted.pending), Number(promoted.queued)], [3, 0]);
    assert.equal(await nonceOf(w, 'pending'), n + 3);
    await mine();
    const rs = await Promise.all([h0, h1, h2].map(receipt));
    const order = rs.map((r) => {
      assert.ok(r, 'every tx of the run is mined');
      return Number(r.blockNumber) * 1e6 + Number(r.transactionIndex);
    });
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'mined in nonce order');
    assert.equal(await nonceOf(w), n + 3);
  });

  it('reports pending txs in the nonce, by hash and in txpool_content', async () => {
    const w = devWallet(5);
    const latest = await nonceOf(w);
    const hashes: string[] = [];
    for (let i = 0; i < 3; i++) hashes.push(await send(await signTransfer(w, { nonce: latest + i, value: BigInt(i + 1) })));
    assert.equal(await nonceOf(w, 'pending'), latest + 3);
    assert.equal(await nonceOf(w, 'latest'), latest);

    const tx = await node.rpc<{ hash: string; blockNumber: string | null; blockHash: string | null; nonce: string; from: string }>('eth_getTransactionByHash', [hashes[0]]);
    assert.equal(tx.hash, hashes[0]);
    assert.equal(tx.blockNumber, null);
    assert.equal(tx.blockHash, null);
    assert.equal(Number(tx.nonce), latest);
    assert.equal(tx.from.toLowerCase(), w.address.toLowerCase());

    const content = await node.rpc<{ pending: Record<string, Record<string, { hash: string }>> }>('txpool_content');
    const mine0 = lookup(content.pending, w.address);
    assert.deepEqual(
      [0, 1, 2].map((i) => mine0[String(latest + i)]?.hash),
      hashes,
    );
    assert.equal(Number((await node.rpc<{ pending: string }>('txpool_status')).pending), 3);
    await mine();
    assert.equal(await nonceOf(w), latest + 3);
    const mined = await node.rpc<{ blockNumber: string | null }>('eth_getTransactionByHash', [hashes[2]]);
    assert.notEqual(mined.blockNumber, null);
    assert.equal(Number((await node.rpc<{ pending: string }>('txpool_status')).pending), 0);
  });
});
