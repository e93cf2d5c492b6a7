/**
 * The cmt_ write, transaction and absence methods on a real dev chain (automine), through raw JSON-RPC only:
 * staking and governance driven with CyberMiles' method and parameter names, answered with its commit
 * result; the cmt_ transaction reads checked against the eth_ methods; bad input refused with
 * invalid-params errors while the node keeps serving.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Wallet, keccak256 } from 'ethers';
import type { JsonRpcProvider } from 'ethers';
import { removeHome, startCmt, withDevNode } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { devWallet, rpcError, signTransfer } from '../utils/e2e2-helpers.ts';

const CMT = 10n ** 18n;
const INVALID_PARAMS = -32602;

interface Commit {
  check_tx: { code: number };
  deliver_tx: { code: number; data: string; log: string; gasUsed: string; fee: { key: string; value: string } };
  hash: string;
  height: number;
}
type Answer<T> = { height: number; data: T };
type Json = Record<string, unknown>;

describe('cmt_ write and transaction methods', () => {
  let node: CmtProcess;
  let provider: JsonRpcProvider;
  const send = <T>(method: string, params: unknown[]): Promise<T> => provider.send(method, params) as Promise<T>;
  const addr = (i: number) => devWallet(i).address;
  const lower = (i: number) => devWallet(i).address.toLowerCase();
  const consensusKey = randomBytes(32).toString('base64');
  const description = { name: 'a shop', website: 'https://shop.example', email: 'owner@shop.example' };

  withDevNode(['--block-time', '0'], (n, p) => {
    node = n;
    provider = p;
  });

  /** The commit result must describe the transaction's real receipt: its block, gas and fee. */
  async function assertCommitted(r: Commit, code: 0 | 'nonzero'): Promise<Json> {
    assert.equal(r.check_tx.code, 0);
    if (code === 0) assert.equal(r.deliver_tx.code, 0, `deliver_tx refused: ${r.deliver_tx.log}`);
    else assert.notEqual(r.deliver_tx.code, 0);
    const receipt = await send<Json>('eth_getTransactionReceipt', [r.hash]);
    assert.equal(receipt.status, code === 0 ? '0x1' : '0x0');
    assert.equal(Number(receipt.blockNumber), r.height);
    assert.equal(BigInt(r.deliver_tx.gasUsed), BigInt(receipt.gasUsed as string));
    assert.equal(r.deliver_tx.fee.key, Buffer.from('GasFee').toString('base64'));
    assert.equal(BigInt(r.deliver_tx.fee.value), BigInt(receipt.gasUsed as string) * BigInt(receipt.effectiveGasPrice as string));
    return receipt;
  }

  test('cmt_declareCandidacy declares with 10% self-stake and cmt_queryValidator shows it', async () => {
    const balance = await provider.getBalance(addr(1));
    const r = await send<Commit>('cmt_declareCandidacy', [{
      from: addr(1), pubKey: consensusKey, maxAmount: (10_000n * CMT).toString(), compRate: '0.2', description,
    }]);
    await assertCommitted(r, 0);
    // the self-stake (self_staking_ratio 1/10 of the maximum) left the balance with the fee
    assert.equal(balance - (await provider.getBalance(addr(1))), 1_000n * CMT + BigInt(r.deliver_tx.fee.value));
    const v = await send<Answer<{ pub_key: { value: string }; shares: string; max_shares: string; comp_rate: string; description: string; state: string }>>('cmt_queryValidator', [addr(1)]);
    assert.equal(v.height, r.height);
    assert.deepEqual(
      [v.data.pub_key.value, v.data.shares, v.data.max_shares, v.data.comp_rate, JSON.parse(v.data.description)],
      [consensusKey, (1_000n * CMT).toString(), (10_000n * CMT).toString(), '0.2', description],
    );
  });

  test('cmt_updateCandidacy raises the maximum with the extra self-stake and keeps what it leaves out', async () => {
    const r = await send<Commit>('cmt_updateCandidacy', [{ from: addr(1), maxAmount: `0x${(20_000n * CMT).toString(16)}`, compRate: '1/4' }]);
    await assertCommitted(r, 0);
    const v = await send<Answer<{ pub_key: { value: string }; shares: string; max_shares: string; comp_rate: string; description: string }>>('cmt_queryValidator', [addr(1)]);
    assert.deepEqual(
      [v.data.shares, v.data.max_shares, v.data.comp_rate, v.data.pub_key.value, JSON.parse(v.data.description)],
      [(2_000n * CMT).toString(), (20_000n * CMT).toString(), '0.25', consensusKey, description],
    );
  });

  test('cmt_delegate and cmt_withdraw (partial, then complete) move the delegation cmt_queryDelegator shows', async () => {
    const delegations = async () =>
      (await send<Answer<Array<{ validator_address: string; delegate_amount: string }>>>('cmt_queryDelegator', [addr(2)])).data.map((d) => [d.validator_address, d.delegate_amount]);
    // cubeBatch and sig of CyberMiles' hardware wallet are accepted and have no effect
    await assertCommitted(await send<Commit>('cmt_delegate', [{ from: addr(2), validatorAddress: addr(1), amount: (500n * CMT).toString(), cubeBatch: '02', sig: 'abcd' }]), 0);
    assert.deepEqual(await delegations(), [[lower(1), (500n * CMT).toString()]]);
    await assertCommitted(await send<Commit>('cmt_withdraw', [{ from: addr(2), validatorAddress: addr(1), amount: (200n * CMT).toString() }]), 0);
    assert.deepEqual(await delegations(), [[lower(1), (300n * CMT).toString()]]);
    await assertCommitted(await send<Commit>('cmt_withdraw', [{ from: addr(2), validatorAddress: addr(1), completelyWithdraw: true }]), 0);
    assert.deepEqual(await delegations(), []);
    const v = await send<Answer<{ shares: string }>>('cmt_queryValidator', [addr(1)]);
    assert.equal(v.data.shares, (2_000n * CMT).toString(), 'only the self-stake is left');
  });

  test('a call the staking rules refuse is committed with a non-zero code and the custom error in log', async () => {
    const nonce = await provider.getTransactionCount(addr(3));
    const r = await send<Commit>('cmt_verifyCandidacy', [{ from: addr(3), candidateAddress: addr(1), verified: true }]);
    await assertCommitted(r, 'nonzero');
    assert.equal(r.deliver_tx.log, `NotFoundation(${addr(3)})`);
    assert.equal(await provider.getTransactionCount(addr(3)), nonce + 1, 'the refused call used its nonce, as in CyberMiles');
    const tx = await send<{ txResult: { code: number; log: string; gasUsed: string } }>('cmt_getTransactionByHash', [r.hash]);
    assert.deepEqual(tx.txResult, { code: r.deliver_tx.code, log: r.deliver_tx.log, gasUsed: r.deliver_tx.gasUsed });
    const v = await send<Answer<{ verified: string }>>('cmt_queryValidator', [addr(1)]);
    assert.equal(v.data.verified, 'N');
  });

  test('cmt_setCompRate lowers one delegation\'s rate; cmt_updateCandidacyAccount and cmt_acceptCandidacyAccountUpdate hand the candidacy over', async () => {
    await assertCommitted(await send<Commit>('cmt_delegate', [{ from: addr(5), validatorAddress: addr(1), amount: (1_500n * CMT).toString() }]), 0);
    await assertCommitted(await send<Commit>('cmt_setCompRate', [{ from: addr(1), delegatorAddress: addr(5), compRate: '1/10' }]), 0);
    const rates = (await send<Answer<Array<{ validator_address: string; comp_rate: string }>>>('cmt_queryDelegator', [addr(5)])).data;
    assert.deepEqual(rates.map((d) => [d.validator_address, d.comp_rate]), [[lower(1), '0.1']]);
    const tooHigh = await send<Commit>('cmt_setCompRate', [{ from: addr(1), delegatorAddress: addr(5), compRate: '0.9' }]);
    await assertCommitted(tooHigh, 'nonzero');
    assert.equal(tooHigh.deliver_tx.log, `BadCommission(${9n * 10n ** 17n})`);

    const request = await send<Commit>('cmt_updateCandidacyAccount', [{ from: addr(1), newCandidateAccount: addr(6) }]);
    await assertCommitted(request, 0);
    const self = BigInt((await send<Answer<Array<{ validator_address: string; delegate_amount: string }>>>('cmt_queryDelegator', [addr(1)])).data.find((d) => d.validator_address === lower(1))?.delegate_amount ?? '0');
    const before = await provider.getBalance(addr(1));
    await assertCommitted(await send<Commit>('cmt_acceptCandidacyAccountUpdate', [{ from: addr(6), accountUpdateRequestId: request.deliver_tx.data }]), 0);
    assert.equal(await provider.getBalance(addr(1)), before + self, 'the old owner has its self-stake back');
    const delegations = (await send<Answer<Array<{ validator_address: string; delegate_amount: string }>>>('cmt_queryDelegator', [addr(6)])).data;
    assert.deepEqual(delegations.map((d) => [d.validator_address, d.delegate_amount]), [[lower(1), self.toString()]], 'the new owner holds it');
    // the old owner acts for nobody now; the new one updates the candidacy
    await assertCommitted(await send<Commit>('cmt_deactivateCandidacy', [{ from: addr(1) }]), 'nonzero');
    await assertCommitted(await send<Commit>('cmt_updateCandidacy', [{ from: addr(6), description: { name: 'a shop under new owners' } }]), 0);
    const v = await send<Answer<{ description: string }>>('cmt_queryValidator', [addr(1)]);
    assert.equal(JSON.parse(v.data.description).name, 'a shop under new owners');
  });

  test('cmt_proposeChangeParam returns the proposal id; cmt_vote by the one validator approves it', async () => {
    const proposals = async () => (await send<Answer<Array<{ id: number; type: string; result: string; proposer: string; reason: string }>>>('cmt_queryProposals', [])).data;
    const count = (await proposals()).length;
    const proposed = await send<Commit>('cmt_proposeChangeParam', [{ from: addr(0), name: 'max_slash_blocks', value: '40', reason: 'an idle dev chain' }]);
    await assertCommitted(proposed, 0);
    assert.equal(proposed.deliver_tx.data, String(count), 'ids count from 0');
    const open = (await proposals()).at(-1);
    assert.deepEqual([open?.id, open?.type, open?.result, open?.proposer, open?.reason], [count, 'changeParam', 'open', lower(0), 'an idle dev chain']);
    await assertCommitted(await send<Commit>('cmt_vote', [{ from: addr(0), proposalId: proposed.deliver_tx.data, answer: 'Y' }]), 0);
    assert.equal((await proposals()).at(-1)?.result, 'approved');
    // a ratio parameter takes CyberMiles' rational text
    const ratio = await send<Commit>('cmt_proposeChangeParam', [{ from: addr(0), name: 'slash_ratio', value: '1/500', reason: 'harsher' }]);
    await assertCommitted(ratio, 0);
    await assertCommitted(await send<Commit>('cmt_vote', [{ from: addr(0), proposalId: Number(ratio.deliver_tx.data), answer: true }]), 0);
    const params = await send<Answer<{ max_slash_blocks: number; slash_ratio: string }>>('cmt_queryParams', []);
    assert.deepEqual([params.data.max_slash_blocks, params.data.slash_ratio], [40, '0.002']);
    // a proposal from an account that is no validator is refused by governance
    const refused = await send<Commit>('cmt_proposeChangeParam', [{ from: addr(1), name: 'max_slash_blocks', value: '41', reason: 'not mine to ask' }]);
    await assertCommitted(refused, 'nonzero');
    assert.equal(refused.deliver_tx.log, `NotAValidator(${addr(1)})`);
  });

  test('cmt_proposeChangeParam with expireTimestamp: the proposal expires at a block time', async () => {
    const at = (await provider.getBlock('latest'))!.timestamp + 3_600;
    const r = await send<Commit>('cmt_proposeChangeParam', [{ from: addr(0), name: 'max_slash_blocks', value: '45', reason: 'by time', expireTimestamp: at }]);
    await assertCommitted(r, 0);
    const all = (await send<Answer<Array<{ id: number; expire_block_height: number; expire_timestamp: number; result: string }>>>('cmt_queryProposals', [])).data;
    const p = all.find((x) => x.id === Number(r.deliver_tx.data));
    assert.deepEqual([p?.expire_block_height, p?.expire_timestamp, p?.result], [0, at, 'open']);
  });

  test('cmt_sendRawTx, cmt_getTransactionByHash, cmt_getBlockByNumber, cmt_getTransactionFromBlock and cmt_decodeRawTxs agree with eth_', async () => {
    const wallet = devWallet(4);
    const raw = await signTransfer(wallet, { nonce: await provider.getTransactionCount(wallet.address), value: 12_345n });
    const { hash } = await send<{ hash: string }>('cmt_sendRawTx', [raw]);
    assert.equal(hash, keccak256(raw));
    const ethTx = await send<Json>('eth_getTransactionByHash', [hash]);
    const cmtTx = await send<Json>('cmt_getTransactionByHash', [hash]);
    assert.deepEqual(cmtTx, { ...ethTx, cmtHash: hash, txResult: { code: 0, log: '', gasUsed: '21000' } });
    const height = Number(ethTx.blockNumber);
    const ethBlock = await send<Json>('eth_getBlockByNumber', [ethTx.blockNumber, false]);
    assert.deepEqual(await send<Json>('cmt_getBlockByNumber', [height, false]), { ...ethBlock, transactions: [raw] });
    assert.deepEqual(await send<Json>('cmt_getBlockByNumber', [height, true]), await send<Json>('eth_getBlockByNumber', [ethTx.blockNumber, true]));
    assert.deepEqual(await send<Json>('cmt_getTransactionFromBlock', [height, 0]), cmtTx);
    assert.equal(await send<unknown>('cmt_getTransactionFromBlock', [height, 1]), null);
    assert.equal(await send<unknown>('cmt_getBlockByNumber', [height + 1000, false]), null);
    // decoding: what the transaction says, without a block position, from hex or base64
    const decoded = await send<Json[]>('cmt_decodeRawTxs', [[raw, Buffer.from(raw.slice(2), 'hex').toString('base64')]]);
    const unmined: Json = { ...ethTx, cmtHash: hash, blockHash: null, blockNumber: null, transactionIndex: null };
    delete unmined.blockTimestamp;
    assert.deepEqual(decoded, [unmined, unmined]);
  });

  test('cmt_getTransactionByHash finds a transaction waiting in the pool', async () => {
    const wallet = devWallet(5);
    const nonce = await provider.getTransactionCount(wallet.address);
    const raw = await signTransfer(wallet, { nonce: nonce + 1 }); // a nonce gap: it waits, queued
    const { hash } = await send<{ hash: string }>('cmt_sendRawTx', [raw]);
    const tx = await send<Json>('cmt_getTransactionByHash', [hash]);
    assert.deepEqual([tx.hash, tx.cmtHash, tx.blockNumber, tx.from, 'txResult' in tx], [hash, hash, null, wallet.address.toLowerCase(), false]);
    assert.equal(await send<unknown>('cmt_getTransactionByHash', [keccak256(randomBytes(8))]), null);
  });

  test('cmt_queryAbsentValidators: the dev validator signs every block, so nobody is absent', async () => {
    const head = await provider.getBlockNumber();
    assert.deepEqual(await send<unknown>('cmt_queryAbsentValidators', []), { height: head, data: { Validators: {} } });
    assert.deepEqual(await send<unknown>('cmt_queryAbsentValidators', ['0x2']), { height: 2, data: { Validators: {} } });
  });

  test('bad input is an invalid-params error, a refused admission a JSON-RPC error, and the node keeps serving', async () => {
    const delegate = { from: addr(6), validatorAddress: addr(1), amount: (10n * CMT).toString() };
    const declare = { from: addr(7), pubKey: randomBytes(32).toString('base64'), maxAmount: (10_000n * CMT).toString(), compRate: '0.2', description };
    const stranger = Wallet.createRandom().address;
    const cases: Array<[string, string, Json, RegExp]> = [
      ['missing from', 'cmt_delegate', { ...delegate, from: undefined }, /missing "from"/],
      ['unknown account', 'cmt_delegate', { ...delegate, from: stranger }, /unknown account/],
      ['malformed compRate', 'cmt_declareCandidacy', { ...declare, compRate: '0.3.4' }, /compRate/],
      ['compRate of 1', 'cmt_declareCandidacy', { ...declare, compRate: '1' }, /below 1/],
      ['inexact compRate', 'cmt_declareCandidacy', { ...declare, compRate: '1/3' }, /18 decimals/],
      ['negative amount', 'cmt_delegate', { ...delegate, amount: '-5' }, /not negative/],
      ['bad consensus key', 'cmt_declareCandidacy', { ...declare, pubKey: 'abc' }, /pubKey/],
      ['transfer from an account', 'cmt_proposeTransferFund', { from: addr(0), transferFrom: addr(6), transferTo: addr(6), amount: '1', reason: 'x' }, /community pool/],
      ['bad answer', 'cmt_vote', { from: addr(0), proposalId: 0, answer: 'maybe' }, /answer/],
      ['two expiries', 'cmt_proposeChangeParam', { from: addr(0), name: 'max_slash_blocks', value: '45', reason: 'x', expireBlockHeight: 1000, expireTimestamp: 4_000_000_000 }, /not both/],
    ];
    for (const [what, method, arg, message] of cases) {
      const err = await rpcError(node, method, [arg]);
      assert.equal(err.code, INVALID_PARAMS, `${what}: ${err.message}`);
      assert.match(err.message, message, what);
    }
    assert.equal((await rpcError(node, 'cmt_delegate', [])).code, INVALID_PARAMS);
    // admission refuses a used nonce: the admission message comes back as the error
    const stale = await rpcError(node, 'cmt_delegate', [{ ...delegate, nonce: '0x0', from: addr(1) }]);
    assert.match(stale.message, /nonce too low/);
    // still serving, and a good call still commits
    assert.ok((await provider.getBlockNumber()) > 0);
    await assertCommitted(await send<Commit>('cmt_delegate', [delegate]), 0);
  });
});

describe('cmt_ writes on a chain with 1 s blocks', () => {
  let node: CmtProcess;

  before(async () => {
    node = await startCmt([]); // interval mining: admission returns at once, the answer waits for the block
  });

  after(async () => {
    if (node) {
      await node.stop();
      removeHome(node.home);
    }
  });

  test('cmt_delegate answers once the block that commits it exists', async () => {
    const r = await node.rpc<Commit>('cmt_delegate', [{ from: devWallet(2).address, validatorAddress: devWallet(0).address, amount: (700n * CMT).toString() }]);
    assert.equal(r.deliver_tx.code, 0, r.deliver_tx.log);
    const receipt = await node.rpc<Json>('eth_getTransactionReceipt', [r.hash]);
    assert.deepEqual([receipt.status, Number(receipt.blockNumber)], ['0x1', r.height]);
    const d = await node.rpc<Answer<Array<{ delegate_amount: string }>>>('cmt_queryDelegator', [devWallet(2).address, `0x${r.height.toString(16)}`]);
    assert.deepEqual(d.data.map((x) => x.delegate_amount), [(700n * CMT).toString()]);
  });

  test('many writes in flight at once, several from one account, all commit with consecutive nonces', async () => {
    const calls = [3, 3, 3, 4, 4, 5, 5, 5, 6, 7, 8, 9].map((i) => node.rpc<Commit>('cmt_delegate', [{ from: devWallet(i).address, validatorAddress: devWallet(0).address, amount: (1_000n * CMT).toString() }]));
    const results = await Promise.all(calls);
    for (const r of results) assert.equal(r.deliver_tx.code, 0, r.deliver_tx.log);
    assert.equal(new Set(results.map((r) => r.hash)).size, results.length);
    const nonces = await Promise.all([3, 5].map((i) => node.rpc<string>('eth_getTransactionCount', [devWallet(i).address, 'latest'])));
    assert.deepEqual(nonces.map((n) => Number(n)), [3, 3], 'three calls each, nonces 0, 1 and 2');
  });
});
