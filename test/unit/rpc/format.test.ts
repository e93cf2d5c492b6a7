import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Transaction, Wallet } from 'ethers';
import { txHashAndTo } from '../../../src/rpc/format.ts';
import { hexToBytes } from '../../../src/primitives/index.ts';

const wallet = new Wallet(`0x${'11'.repeat(32)}`);
const TO = `0x${'ab'.repeat(20)}`;
const common = { chainId: 1234n, nonce: 7, gasLimit: 100_000n, value: 5n, data: '0x1234' };

test('a stored transaction\'s hash and recipient, read from its bytes, are what ethers decodes (types 0, 1, 2, 4 and a creation)', async () => {
  const auth = await wallet.authorize({ address: TO, nonce: 8, chainId: 1234n });
  const requests = [
    { type: 0, to: TO, gasPrice: 2_000_000_000n },
    { type: 0, gasPrice: 2_000_000_000n }, // a creation: no recipient
    { type: 1, to: TO, gasPrice: 2_000_000_000n, accessList: [{ address: TO, storageKeys: [`0x${'00'.repeat(32)}`] }] },
    { type: 2, to: TO, maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 1n },
    { type: 4, to: TO, maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 1n, authorizationList: [auth] },
  ];
  for (const req of requests) {
    const signed = Transaction.from(await wallet.signTransaction({ ...common, ...req }));
    const got = txHashAndTo(hexToBytes(signed.serialized));
    assert.deepEqual(got, { hash: signed.hash, to: signed.to === null ? null : signed.to.toLowerCase() }, `type ${req.type}${req.to === undefined ? ' creation' : ''}`);
  }
});
