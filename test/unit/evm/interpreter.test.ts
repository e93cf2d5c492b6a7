/**
 * The interpreter (src/evm/interpreter) on its own: what it must hand back to the EVM, and when it must not
 * run at all. Its results for the frames it finishes are compared with @ethereumjs block by block in
 * test/unit/execution/contractCall.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEVM } from '@ethereumjs/evm';
import { Common, Mainnet } from '@ethereumjs/common';
import { analyseCode, gasScheduleOf, interpret } from '../../../src/evm/index.ts';
import type { Frame, GasSchedule } from '../../../src/evm/index.ts';
import { hexToBytes } from '../../../src/primitives/index.ts';
import { createTestChain } from '../../utils/chain.ts';

async function chainSchedule(): Promise<GasSchedule> {
  const chain = await createTestChain(1);
  return gasScheduleOf(chain.vm.evm as never);
}

function frame(code: string, gas = 1_000_000): Frame {
  return {
    code: analyseCode(hexToBytes(`0x${code}`)),
    address: 0xc0den,
    caller: 0xca11e7n,
    origin: 0xca11e7n,
    value: 0n,
    data: new Uint8Array(),
    gasPrice: 1n,
    selfBalance: 0n,
    gas,
    block: { coinbase: 0n, timestamp: 1n, number: 1n, prevRandao: 0n, gasLimit: 30_000_000n, chainId: 1234n, baseFee: 0n },
  };
}

const noStorage = { load: async () => 0n };

test('hostile frames end as unsupported (the EVM then runs them) and never throw', async () => {
  const schedule = await chainSchedule();
  const cases: Array<[string, string, RegExp]> = [
    ['MSTORE at 2^24: memory no gas limit pays for', '60016301000000' + '52', /out of gas/],
    ['MSTORE at 2^70', '6001' + '6901' + '00'.repeat(9) + '52', /out of gas/],
    ['a jump into PUSH data', '6003566001005b00', /invalid jump/],
    ['a jump past the end', '61ffff56', /invalid jump/],
    ['ADD on an empty stack', '01', /stack underflow/],
    ['1,025 items', '5f'.repeat(1025), /stack overflow/],
    ['an opcode that is not defined', '0c', /opcode 0xc/],
    ['INVALID', 'fe', /opcode 0xfe/],
    ['CALL', '5f5f5f5f5f5f5af1', /opcode 0xf1/],
    ['an endless loop', '5b5f56', /out of gas/],
    ['SSTORE with 2,300 gas left', '60015f55', /sentry/],
  ];
  for (const [name, code, reason] of cases) {
    const gas = name.includes('2,300') ? 2_305 : 1_000_000; // PUSH1 and PUSH0 leave exactly 2,300
    const result = await interpret(frame(code, gas), schedule, noStorage);
    assert.equal(result.status, 'unsupported', name);
    assert.match((result as { reason: string }).reason, reason, name);
  }
});

test('finished frames: STOP, RETURN with data, REVERT, and the end of the code; gas is exact for a known program', async () => {
  const schedule = await chainSchedule();
  // PUSH1 0x2a PUSH0 MSTORE PUSH1 0x20 PUSH0 RETURN: 3 + 2 + (3 + 3 memory) + 3 + 2 + 0 = 16 gas
  const returned = await interpret(frame('602a5f5260205ff3', 100), schedule, noStorage);
  assert.equal(returned.status, 'success');
  assert.equal((returned as { gasLeft: number }).gasLeft, 100 - 16);
  assert.equal(BigInt(`0x${Buffer.from((returned as { returnData: Uint8Array }).returnData).toString('hex')}`), 42n);
  assert.equal((await interpret(frame('602a5f5260205ffd'), schedule, noStorage)).status, 'revert');
  assert.equal((await interpret(frame('00'), schedule, noStorage)).status, 'success');
  assert.equal((await interpret(frame('6001'), schedule, noStorage)).status, 'success', 'runs off the end');
});

test('the interpreter does not run under rules it does not implement (a hardfork before EIP-3855/3198)', async () => {
  const schedule = await chainSchedule();
  assert.equal(schedule.enabled, true, "the chain's hardfork");
  const berlin = gasScheduleOf(await createEVM({ common: new Common({ chain: Mainnet, hardfork: 'berlin' }) }));
  assert.equal(berlin.enabled, false);
  assert.ok(berlin.fees.every((fee) => fee === -1), 'every opcode refused');
});
