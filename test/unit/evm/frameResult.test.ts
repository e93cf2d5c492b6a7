import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Account, Address } from '@ethereumjs/util';
import { frameResultLazy } from '../../../src/evm/index.ts';
import { bytesToHex, hexToBytes } from '../../../src/primitives/index.ts';
import { createTestChain, devWallet } from '../../utils/chain.ts';

const TARGET = hexToBytes('0x00000000000000000000000000000000000c0de2');

test('a call frame result still has its runState, made when first read, also in a copy of the result', async () => {
  assert.equal(frameResultLazy, true, '@ethereumjs/evm changed runInterpreter: the patch is off (see src/evm/frameResult.ts)');
  const chain = await createTestChain(1);
  await chain.state.putAccount(new Address(TARGET), new Account(1n));
  await chain.state.putCode(new Address(TARGET), hexToBytes('0x602a5f5260205ff3')); // return the word 42
  const caller = new Address(hexToBytes(devWallet(0).address));
  const { execResult } = await chain.vm.evm.runCall({ caller, origin: caller, to: new Address(TARGET), gasLimit: 100_000n });
  assert.equal(execResult.exceptionError, undefined);
  assert.equal(BigInt(bytesToHex(execResult.returnValue)), 42n);
  const copy = { ...execResult };
  for (const result of [execResult, copy]) {
    const runState = result.runState as unknown as { gasLeft: bigint; address: Address; returnValue: Uint8Array; memoryWordCount: bigint };
    assert.equal(runState.gasLeft, execResult.gas, 'the interpreter state');
    assert.equal(runState.memoryWordCount, 1n);
    assert.deepEqual(runState.address.bytes, TARGET, 'the call environment');
    assert.deepEqual(runState.returnValue, execResult.returnValue, 'the frame result');
  }
  assert.equal(execResult.runState, execResult.runState, 'made once');
});
