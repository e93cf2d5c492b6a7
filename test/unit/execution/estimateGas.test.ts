/**
 * eth_estimateGas must return the exact minimum: the call succeeds with the estimate and fails with one
 * gas less. Cases: a plain transfer, a storage refund, a CALL that keeps 1/64 back (the quick answer fails
 * and the binary search runs), and code that branches on gasleft().
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Account, Address } from '@ethereumjs/util';
import { estimateGas, runCall } from '../../../src/execution/index.ts';
import type { CallRequest } from '../../../src/execution/index.ts';
import { hexToBytes } from '../../../src/primitives/index.ts';
import { createTestChain, devWallet } from '../../utils/chain.ts';

const CLEARER = hexToBytes('0x00000000000000000000000000000000000c1ea2');
const FORWARDER = hexToBytes('0x000000000000000000000000000000000000f0a0');
const GAS_GATE = hexToBytes('0x0000000000000000000000000000000000009a7e');

async function setup() {
  const chain = await createTestChain(1);
  const put = async (address: Uint8Array, code: string) => {
    await chain.state.putAccount(new Address(address), new Account(1n));
    await chain.state.putCode(new Address(address), hexToBytes(code));
  };
  await put(CLEARER, '0x600060005500'); // SSTORE(0, 0): clearing a set slot earns a refund
  await chain.state.putStorage(new Address(CLEARER), new Uint8Array(32), Uint8Array.of(1));
  // CALL(gas(), CLEARER, 0, 0, 0, 0, 0); revert unless it succeeded
  await put(FORWARDER, '0x600060006000600060007300000000000000000000000000000000000c1ea25af115602657005b600080fd');
  // revert unless gasleft() > 50,000
  await put(GAS_GATE, '0x5a6200c3501060' + '0d' + '57600080fd5b00');
  return chain;
}

const env = { height: 1n, timestamp: 1_800_000_000n, coinbase: new Uint8Array(20), gasLimit: 30_000_000n, baseFeePerGas: 2_000_000_000n, prevRandao: new Uint8Array(32) };

for (const [name, to, atLeast] of [
  ['a plain transfer', '0x1111111111111111111111111111111111111111', 21_000n],
  ['a storage refund', CLEARER, 21_000n],
  ['a CALL keeping 1/64 back', FORWARDER, 21_000n],
  ['code that branches on gasleft()', GAS_GATE, 71_000n],
] as const) {
  test(`estimateGas is the exact minimum: ${name}`, async () => {
    const chain = await setup();
    const req: CallRequest = { from: hexToBytes(devWallet(0).address), to: typeof to === 'string' ? hexToBytes(to) : to, value: 1n };
    const estimate = await estimateGas(chain.vm, chain.txCommon, env, req, 16_000_000n);
    assert.ok(estimate >= atLeast, `${estimate}`);
    assert.equal((await runCall(chain.vm, chain.txCommon, env, req, estimate)).error, undefined, `succeeds with ${estimate}`);
    const less = await runCall(chain.vm, chain.txCommon, env, req, estimate - 1n).catch(() => ({ error: 'rejected' }));
    assert.notEqual(less.error, undefined, `fails with ${estimate - 1n}`);
    if (name === 'a plain transfer') assert.equal(estimate, 21_000n);
  });
}
