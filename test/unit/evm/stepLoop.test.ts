/**
 * The step loop and the fast opcode functions (src/evm/stepLoop.ts) against @ethereumjs as it comes: the
 * same programs run on a chain VM and on a plain @ethereumjs VM over an identical state, and every result
 * (error, gas, return data, logs) must be the same. The plain VM has a step listener, so it runs
 * @ethereumjs's own loop; its opcode table was never given the fast functions, and it ends call frames
 * with @ethereumjs's own runInterpreter (frameResult.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Account, Address } from '@ethereumjs/util';
import { createVM } from '@ethereumjs/vm';
import { stepLoopInstalled, stepLoopRuns, useFastOpcodes } from '../../../src/evm/index.ts';
import { originalRunInterpreter } from '../../../src/evm/frameResult.ts';
import { executeBlock, runCall, validateRawTx } from '../../../src/execution/index.ts';
import type { CallOutcome } from '../../../src/execution/index.ts';
import type { RunTxResult } from '../../../src/evm/index.ts';
import { bigintToBytes, bytesToHex, hexToBytes } from '../../../src/primitives/index.ts';
import { CHAIN_ID, createTestChain, devWallet, firstBlockContext } from '../../utils/chain.ts';
import { EDGES, push, randomProgram, randomValue, writeToMemory } from '../../utils/evmPrograms.ts';
import type { TestChain } from '../../utils/chain.ts';
import { loadTestToken } from '../../utils/contracts.ts';
import { seededRandom } from '../../utils/random.ts';
import { AbiCoder, Interface, Transaction } from 'ethers';

/** A failure names its seed; SEED=<n> replays it. */
const seed = Number(process.env.SEED ?? 20261127);
const env = { height: 1n, timestamp: 1_800_000_000n, coinbase: new Uint8Array(20), gasLimit: 30_000_000n, baseFeePerGas: 0n, prevRandao: new Uint8Array(32) };
const TARGET = hexToBytes('0x00000000000000000000000000000000000c0de1');
const INNER = hexToBytes('0x00000000000000000000000000000000000c0de3');

/** The chain as the node builds it, and the same chain with a VM straight from @ethereumjs. */
async function pair(): Promise<[TestChain, TestChain]> {
  const fast = await createTestChain(2);
  const plain = await createTestChain(2);
  plain.vm = await createVM({ common: plain.common, stateManager: plain.state });
  plain.vm.evm.events!.on('step', (_step: unknown) => undefined); // a listener sends every run through @ethereumjs's loop
  Object.assign(plain.vm.evm, { runInterpreter: originalRunInterpreter });
  return [fast, plain];
}

async function install(chains: TestChain[], code: string, at: Uint8Array = TARGET): Promise<void> {
  for (const chain of chains) {
    await chain.state.putAccount(new Address(at), new Account(1n));
    await chain.state.putCode(new Address(at), hexToBytes(`0x${code}`));
  }
}

/**
 * A program that runs a random program in a nested frame: it CALLs another contract that runs one, or
 * CREATEs a contract with one as init code (which deploys whatever memory it returns), then returns the
 * frame's outcome, its return data and all of its own memory.
 */
function nestedProgram(rand: () => number, inner: string): string {
  let code = rand() < 0.5 ? randomProgram(rand).replace(/(595ff3|595ffd|00|fe)$/, '') : '';
  if (rand() < 0.5) {
    // CALL: retLength, retOffset, argsLength, argsOffset, value, address, gas
    code += push(0x40n) + '5f' + push(32n) + '5f' + push(rand() < 0.2 ? 1n : 0n) + `73${bytesToHex(INNER).slice(2)}` + (rand() < 0.3 ? push(BigInt(Math.floor(rand() * 30_000))) : '5a') + 'f1';
  } else {
    // CREATE: value, offset, size, with the inner program as init code at offset 0
    code += writeToMemory(inner) + push(BigInt(inner.length / 2)) + '5f' + push(rand() < 0.2 ? 1n : 0n) + 'f0';
  }
  return code + push(0x200n) + '52' + '3d' + push(0x220n) + '52' + '3d5f' + push(0x240n) + '3e' + '595ff3'; // outcome, RETURNDATASIZE, RETURNDATACOPY, all memory
}

function summary(out: CallOutcome & { result: RunTxResult }) {
  return {
    error: out.error,
    gasUsed: out.gasUsed,
    returnData: bytesToHex(out.returnData),
    logs: out.result.execResult.logs?.map(([address, topics, data]) => [bytesToHex(address), topics.map(bytesToHex), bytesToHex(data)]),
  };
}

test('the step loop is installed, chain VMs run in it and get the fast opcode functions; a traced VM does not', async () => {
  assert.equal(stepLoopInstalled, true, '@ethereumjs/evm moved or changed its interpreter: the step loop is off (see src/evm/stepLoop.ts)');
  const [fast, plain] = await pair();
  const table = (chain: TestChain) => (chain.vm.evm as unknown as { _opcodeMap: Array<{ opHandler: unknown; gasHandler: unknown }> })._opcodeMap;
  for (const code of [0x51, 0x52, 0x54, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4]) assert.notEqual(table(fast)[code]!.opHandler, table(plain)[code]!.opHandler, `handler of 0x${code.toString(16)}`);
  for (const code of [0x51, 0x52, 0x53, 0x54]) assert.notEqual(table(fast)[code]!.gasHandler, table(plain)[code]!.gasHandler, `gas of 0x${code.toString(16)}`);
  const untuned = await createVM({ common: plain.common, stateManager: plain.state });
  assert.equal(useFastOpcodes(untuned.evm), 12, 'four gas functions and eight handlers swapped');
  assert.equal(useFastOpcodes(untuned.evm), 0, 'nothing left to swap');
  await install([fast, plain], '602a5f5260205ff3');
  const from = hexToBytes(devWallet(0).address);
  for (const [chain, inline] of [[fast, 1], [plain, 0]] as const) {
    const before = { ...stepLoopRuns };
    await runCall(chain.vm, chain.txCommon, env, { from, to: TARGET }, 100_000n);
    assert.deepEqual({ inline: stepLoopRuns.inline - before.inline, original: stepLoopRuns.original - before.original }, { inline, original: 1 - inline });
  }
});

test('every edge value goes through MSTORE, MLOAD and MSTORE again, at any alignment, as in @ethereumjs', async () => {
  const chains = await pair();
  const from = hexToBytes(devWallet(0).address);
  for (const value of EDGES) {
    for (const offset of [0n, 1n, 31n, 33n, 8180n, 9001n]) {
      // value at offset, read back, stored again at 0x200, then all of memory returned
      const code = push(value) + push(offset) + '52' + push(offset) + '51' + push(0x200n) + '52' + '595ff3';
      await install(chains, code);
      const [fast, plain] = await Promise.all(chains.map((c) => runCall(c.vm, c.txCommon, env, { from, to: TARGET }, 1_000_000n)));
      assert.deepEqual(summary(fast!), summary(plain!), `value ${value} at ${offset}`);
      assert.equal(fast!.returnData.length, Math.max(0x220, Math.ceil((Number(offset) + 32) / 32) * 32), 'memory reaches past the last word written');
      assert.equal(BigInt(bytesToHex(fast!.returnData.subarray(0x200, 0x220))), value, 'the word read back is the word written');
    }
  }
});

test('random programs over memory, storage and logs (LOG0-4) give the same error, gas, return data and logs as @ethereumjs', async () => {
  const rand = seededRandom(seed);
  const chains = await pair();
  const from = hexToBytes(devWallet(0).address);
  const outcomes = new Set<string>();
  // one program for each way a run ends, whatever the seed, then random ones
  const fixed = ['602a5f52595ff3', '602a5f52595ffd', '602a5f5200', '602a5f52fe', '602a5f5201', `602a${push(2n ** 32n)}52`];
  for (let i = 0; i < fixed.length + 400; i++) {
    const code = fixed[i] ?? randomProgram(rand);
    await install(chains, code);
    const gasLimit = rand() < 0.2 ? 23_000n + BigInt(Math.floor(rand() * 5000)) : 3_000_000n;
    const data = hexToBytes(bytesToHex(bigintToBytes(randomValue(rand))));
    const [fast, plain] = await Promise.all(chains.map((c) => runCall(c.vm, c.txCommon, env, { from, to: TARGET, data }, gasLimit)));
    assert.deepEqual(summary(fast!), summary(plain!), `program ${i}: 0x${code}, gas ${gasLimit} (seed ${seed})`);
    outcomes.add(fast!.error ?? 'ok');
  }
  // every way a run ends was compared
  for (const end of ['ok', 'revert', 'out of gas', 'invalid opcode', 'stack underflow']) assert.ok(outcomes.has(end), `no program ended with ${end}: ${[...outcomes].join(', ')}`);
});

test('random programs in nested frames (CALL and CREATE) give the same error, gas, return data and logs as @ethereumjs', async () => {
  const rand = seededRandom(seed + 1);
  const chains = await pair();
  const from = hexToBytes(devWallet(0).address);
  const frames = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const inner = randomProgram(rand);
    const code = nestedProgram(rand, inner);
    await install(chains, inner, INNER);
    await install(chains, code);
    const gasLimit = rand() < 0.2 ? 30_000n + BigInt(Math.floor(rand() * 60_000)) : 3_000_000n;
    const [fast, plain] = await Promise.all(chains.map((c) => runCall(c.vm, c.txCommon, env, { from, to: TARGET }, gasLimit)));
    assert.deepEqual(summary(fast!), summary(plain!), `program ${i}: 0x${code}, inner 0x${inner}, gas ${gasLimit} (seed ${seed + 1})`);
    if (fast!.error === undefined) frames.add(BigInt(bytesToHex(fast!.returnData.subarray(0x200, 0x220))) === 0n ? 'inner failed' : 'inner ran');
  }
  assert.deepEqual([...frames].sort(), ['inner failed', 'inner ran'], 'nested frames both succeed and fail');
});

test('an ERC-20 deployment and transfers give the same receipts and state root as @ethereumjs', async () => {
  const chains = await pair();
  const art = loadTestToken();
  const iface = new Interface(art.abi);
  const sign = async (chain: TestChain, nonce: number, fields: object) =>
    validateRawTx(hexToBytes(await devWallet(0).signTransaction(Transaction.from({ type: 2, nonce, gasLimit: 3_000_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n, chainId: CHAIN_ID, ...fields }))), chain.txCommon, chain.rules);
  const results = [];
  for (const chain of chains) {
    const ctx = firstBlockContext(chain);
    const deployed = await executeBlock(chain.vm, chain.common, ctx, [await sign(chain, 0, { data: art.bytecode + AbiCoder.defaultAbiCoder().encode(['uint256'], [10n ** 24n]).slice(2) })], 'build');
    const token = bytesToHex(deployed.receipts[0]!.contractAddress!);
    const transfers = [];
    for (let n = 1; n <= 20; n++) transfers.push(await sign(chain, n, { to: token, data: iface.encodeFunctionData('transfer', [`0x${n.toString(16).padStart(40, '0')}`, BigInt(n) * 10n ** 15n]) }));
    transfers.push(await sign(chain, 21, { to: token, data: iface.encodeFunctionData('transfer', [devWallet(1).address, 10n ** 30n]) })); // reverts: more than the balance
    const block = await executeBlock(chain.vm, chain.common, { ...ctx, height: 2n, parentHash: deployed.header.stateRoot }, transfers, 'build');
    results.push({ deployRoot: bytesToHex(deployed.header.stateRoot), root: bytesToHex(block.header.stateRoot), receipts: bytesToHex(block.header.receiptsRoot), statuses: block.receipts.map((r) => r.status), gas: block.receipts.map((r) => r.gasUsed) });
  }
  assert.deepEqual(results[0], results[1]);
  assert.equal(results[0]!.statuses.filter((s) => s === 1).length, 20, 'twenty transfers succeed');
  assert.equal(results[0]!.statuses.at(-1), 0, 'the last one reverts');
});
