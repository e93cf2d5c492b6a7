import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Account, Address } from '@ethereumjs/util';
import { jumpAnalysisCached } from '../../../src/evm/index.ts';
import { runCall } from '../../../src/execution/index.ts';
import { hexToBytes } from '../../../src/primitives/index.ts';
import { createTestChain, devWallet } from '../../utils/chain.ts';

const env = { height: 1n, timestamp: 1_800_000_000n, coinbase: new Uint8Array(20), gasLimit: 30_000_000n, baseFeePerGas: 0n, prevRandao: new Uint8Array(32) };

test('the jump analysis cache is installed, and codes of one length with different jump targets keep their own', async () => {
  assert.equal(jumpAnalysisCached, true, '@ethereumjs/evm moved its interpreter: the cache is off (see src/evm/jumpAnalysis.ts)');
  const chain = await createTestChain(1);
  const good = hexToBytes('0x1000000000000000000000000000000000000001');
  const bad = hexToBytes('0x1000000000000000000000000000000000000002');
  for (const [address, code] of [[good, '0x600456fe5b00'], [bad, '0x6004565bfe00']] as const) {
    await chain.state.putAccount(new Address(address), new Account(1n));
    await chain.state.putCode(new Address(address), hexToBytes(code));
  }
  const call = (to: Uint8Array) => runCall(chain.vm, chain.txCommon, env, { from: hexToBytes(devWallet(0).address), to }, 100_000n);
  for (let i = 0; i < 3; i++) {
    assert.equal((await call(good)).error, undefined, 'PUSH1 4 JUMP lands on the JUMPDEST at 4');
    assert.match((await call(bad)).error ?? '', /^invalid JUMP/, 'position 4 is not a JUMPDEST in the other code');
  }
});
