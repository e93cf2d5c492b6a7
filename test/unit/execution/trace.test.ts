import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createAddressFromString } from '@ethereumjs/util';
import { AbiCoder, Transaction, getCreateAddress } from 'ethers';
import { createExecutionVM } from '../../../src/evm/index.ts';
import { executeBlock, validateRawTx } from '../../../src/execution/index.ts';
import type { ValidatedTx } from '../../../src/execution/index.ts';
import type { Receipt } from '../../../src/types/index.ts';
import {
  DEFAULT_CALL_TRACER_CONFIG,
  DEFAULT_STRUCT_LOGGER_CONFIG,
  blockEnvOf,
  traceBlockByHash,
  traceBlockByNumber,
  traceCall,
  traceTransaction,
} from '../../../src/execution/trace/index.ts';
import type { CallFrame, StructLog, StructLoggerResult, TraceDeps, TracerSpec } from '../../../src/execution/trace/index.ts';
import { isChainError, hexToBytes } from '../../../src/primitives/index.ts';
import type { Hex } from '../../../src/primitives/index.ts';
import { debugHandlers, parseTraceOptions } from '../../../src/rpc/namespaces/debug.ts';
import type { RpcBackend } from '../../../src/rpc/index.ts';
import { RpcError } from '../../../src/rpc/errors.ts';
import { buildImpersonatedTx } from '../../../src/rpc/namespaces/impersonation.ts';
import { createWorldState } from '../../../src/state/index.ts';
import { createChainStore, createMemoryStore } from '../../../src/storage/index.ts';
import { createBlock } from '../../../src/types/index.ts';
import { keccak256 } from '../../../src/crypto/index.ts';
import { CHAIN_ID, ONE, createTestChain, devWallet, firstBlockContext, signTransfer } from '../../utils/chain.ts';

const RECIPIENT = '0x00000000000000000000000000000000000000aa';
const TX_GAS = 200_000n;

const word = (n: bigint | number): string => BigInt(n).toString(16).padStart(64, '0');
const q = (n: bigint | number): Hex => `0x${BigInt(n).toString(16)}` as Hex;

/** Error("boom") as Solidity's require would revert with it. */
const BOOM = `08c379a0${AbiCoder.defaultAbiCoder().encode(['string'], ['boom']).slice(2)}`;

/** B(x): emits LOG1(topic 0x2a, data x + 1) and returns x + 1. */
const B_RUNTIME = ['6000', '35', '6001', '01', '6000', '52', '602a', '6020', '6000', 'a1', '6020', '6000', 'f3'].join('');

/** A(v): slot0 = v; if slot0 == 0 revert Error("boom"), else return B(v). The revert data sits at 0x44. */
function aRuntime(b: string): string {
  const body = [
    '6000', '35', // 00 PUSH1 0 CALLDATALOAD                 v
    '80', '6000', '55', // 03 DUP1 PUSH1 0 SSTORE           v
    '6000', '54', // 07 PUSH1 0 SLOAD                       v s0
    '6019', '57', // 0a PUSH1 0x19 JUMPI                    v
    '6064', '6044', '6000', '39', // 0d CODECOPY(0, 0x44, 100)
    '6064', '6000', 'fd', // 14 REVERT(0, 100)
    '5b', // 19 JUMPDEST
    '6000', '52', // 1a MSTORE(0, v)
    '6020', '6000', '6020', '6000', '6000', // 1d retSize retOffset argsSize argsOffset value
    `73${b.slice(2).toLowerCase()}`, // 27 PUSH20 B
    '5a', 'f1', '50', // 3c GAS CALL POP
    '6020', '6000', 'f3', // 3f RETURN(0, 32)
  ].join('');
  assert.equal(body.length / 2, 0x44, 'hand-assembled offsets');
  return body + BOOM;
}

/** C(v): B's code run by DELEGATECALL on v (so mem[0] = v + 1), then STATICCALL A(v + 1), whose SSTORE fails. */
function cRuntime(a: string, b: string): string {
  return [
    '6000', '35', '6000', '52', // MSTORE(0, v)
    '6020', '6000', '6020', '6000', `73${b.slice(2)}`, '5a', 'f4', '50', // DELEGATECALL(gas, B, 0, 32, 0, 32)
    '6020', '6020', '6020', '6000', `73${a.slice(2)}`, '5a', 'fa', '50', // STATICCALL(gas, A, 0, 32, 32, 32)
    '6040', '6000', 'f3', // RETURN(0, 64)
  ].join('').toLowerCase();
}

function initCode(runtime: string): string {
  const len = (runtime.length / 2).toString(16).padStart(2, '0');
  assert.ok(runtime.length / 2 < 256);
  return `0x60${len}600c600039` + `60${len}6000f3` + runtime;
}

async function signCreate(from: number, nonce: number, data: string): Promise<Uint8Array> {
  const tx = Transaction.from({ type: 0, to: null, value: 0n, nonce, gasLimit: TX_GAS, gasPrice: 2_000_000_000n, chainId: CHAIN_ID, data });
  return hexToBytes(await devWallet(from).signTransaction(tx));
}

const STRUCT: TracerSpec = { tracer: 'structLogger', config: DEFAULT_STRUCT_LOGGER_CONFIG };
const CALLS: TracerSpec = { tracer: 'callTracer', config: DEFAULT_CALL_TRACER_CONFIG };

interface Fixture {
  deps: TraceDeps;
  hashes: Hex[];
  receipts: Receipt[];
  a: string;
  b: string;
  c: string;
  blockHash: Uint8Array;
}

/** A dev chain whose block 1 holds `txs`, committed to a memory chain store, and tracing deps over it. */
async function commitBlockOne(txs: ValidatedTx[]): Promise<{ deps: TraceDeps; receipts: Receipt[]; blockHash: Uint8Array }> {
  const chain = await createTestChain();
  const store = createChainStore(createMemoryStore());
  const genesis = createBlock(chain.genesisHeader, [], null);
  await store.kv.write(store.blockWrites(genesis, [], { height: 0n, round: 0, blockHash: genesis.hash, signatures: [] }, []));
  const ctx = { ...firstBlockContext(chain), parentHash: genesis.hash };
  const out = await executeBlock(chain.vm, chain.common, ctx, txs, 'apply');
  const block = createBlock(out.header, txs.map((t) => t.raw), null);
  const hashes = txs.map((t) => keccak256(t.raw));
  await store.kv.write(store.blockWrites(block, out.receipts, { height: 1n, round: 0, blockHash: block.hash, signatures: [] }, hashes));
  const deps: TraceDeps = {
    common: chain.common,
    txCommon: chain.txCommon,
    store,
    stateAt(height) {
      const header = store.blockByHeight(height)?.header;
      assert.ok(header !== undefined);
      return createWorldState(chain.nodes, chain.common, header.stateRoot, { caches: false });
    },
    vmAt(_height, state) {
      return createExecutionVM(chain.common, state, (h) => store.blockByHeight(h)?.hash, { allowUnlimitedContractSize: false });
    },
  };
  return { deps, receipts: out.receipts, blockHash: block.hash };
}

/** Block 1: [transfer, deploy B, deploy A, A(5), A(0) reverting, deploy C, C(5)]. */
async function buildChain(): Promise<Fixture> {
  const { txCommon, rules } = await createTestChain();
  const sender = devWallet(1).address;
  const b = getCreateAddress({ from: sender, nonce: 0 });
  const a = getCreateAddress({ from: sender, nonce: 1 });
  const c = getCreateAddress({ from: sender, nonce: 4 });
  const raws = [
    await signTransfer(0, 0, RECIPIENT, ONE),
    await signCreate(1, 0, initCode(B_RUNTIME)),
    await signCreate(1, 1, initCode(aRuntime(b))),
    await signTransfer(1, 2, a, 0n, { gasLimit: TX_GAS, data: `0x${word(5)}` }),
    await signTransfer(1, 3, a, 0n, { gasLimit: TX_GAS, data: `0x${word(0)}`, type: 2 }),
    await signCreate(1, 4, initCode(cRuntime(a, b))),
    await signTransfer(1, 5, c, 0n, { gasLimit: TX_GAS, data: `0x${word(5)}` }),
  ];
  const { deps, receipts, blockHash } = await commitBlockOne(raws.map((r) => validateRawTx(r, txCommon, rules)));
  assert.deepEqual(receipts.map((r) => r.status), [1, 1, 1, 1, 0, 1, 1], 'the fixture block runs as designed');
  const hashes = raws.map((r) => `0x${Buffer.from(keccak256(r)).toString('hex')}` as Hex);
  return { deps, hashes, receipts, a: a.toLowerCase(), b: b.toLowerCase(), c: c.toLowerCase(), blockHash };
}

const ops = (logs: StructLog[]): string[] => logs.map((l) => `${l.depth}:${l.op}`);
const at = <T>(list: T[], i: number): T => {
  const v = list[i];
  assert.ok(v !== undefined, `no entry ${i}`);
  return v;
};

describe('tracing', () => {
  let f: Fixture;
  before(async () => {
    f = await buildChain();
  });
  const trace = (i: number, spec: TracerSpec) => traceTransaction(f.deps, hexToBytes(at(f.hashes, i)), spec);

  test('an ETH transfer: no opcodes, a single CALL frame with the receipt gas', async () => {
    assert.deepEqual(await trace(0, STRUCT), { gas: 21000, failed: false, returnValue: '', structLogs: [] });
    assert.deepEqual(await trace(0, CALLS), {
      type: 'CALL',
      from: devWallet(0).address.toLowerCase(),
      to: RECIPIENT,
      value: q(ONE),
      gas: q(21000),
      gasUsed: q(21000),
      input: '0x',
    });
  });

  test('struct logger: the op sequence of A(5), its depths, gas and result', async () => {
    const r = (await trace(3, STRUCT)) as StructLoggerResult;
    const top = [
      'PUSH1', 'CALLDATALOAD', 'DUP1', 'PUSH1', 'SSTORE', 'PUSH1', 'SLOAD', 'PUSH1', 'JUMPI', 'JUMPDEST', 'PUSH1', 'MSTORE',
      'PUSH1', 'PUSH1', 'PUSH1', 'PUSH1', 'PUSH1', 'PUSH20', 'GAS', 'CALL',
    ].map((o) => `1:${o}`);
    const inner = ['PUSH1', 'CALLDATALOAD', 'PUSH1', 'ADD', 'PUSH1', 'MSTORE', 'PUSH1', 'PUSH1', 'PUSH1', 'LOG1', 'PUSH1', 'PUSH1', 'RETURN'].map((o) => `2:${o}`);
    assert.deepEqual(ops(r.structLogs), [...top, ...inner, '1:POP', '1:PUSH1', '1:PUSH1', '1:RETURN']);
    assert.equal(r.failed, false);
    assert.equal(r.gas, Number(at(f.receipts, 3).gasUsed));
    assert.equal(r.returnValue, word(6));
    const [push, load, dup] = r.structLogs;
    assert.deepEqual([push?.pc, load?.pc, dup?.pc], [0, 2, 3]);
    assert.deepEqual([push?.gasCost, load?.gasCost], [3, 3]);
    assert.equal(load?.gas, (push?.gas ?? 0) - 3);
    assert.deepEqual(load?.stack, ['0x0']);
    assert.deepEqual(dup?.stack, ['0x5']);
    assert.equal(push?.memory, undefined, 'memory is off by default');
    // geth counts the gas handed to the callee in the CALL's cost: the rest is the cold account access
    const call = at(r.structLogs, top.length - 1);
    const calleeFirst = at(r.structLogs, top.length);
    assert.equal(call.gasCost - calleeFirst.gas, 2600);
  });

  test('struct logger: storage seen by SSTORE and SLOAD, and the refund counter', async () => {
    const ok = (await trace(3, STRUCT)) as StructLoggerResult;
    const sstore = ok.structLogs.find((l) => l.op === 'SSTORE');
    const sload = ok.structLogs.find((l) => l.op === 'SLOAD');
    assert.deepEqual(sstore?.storage, { [word(0)]: word(5) });
    assert.deepEqual(sload?.storage, { [word(0)]: word(5) });
    assert.equal(ok.structLogs.find((l) => l.op === 'PUSH1')?.storage, undefined, 'storage appears on SLOAD/SSTORE only');
    // A(0) clears the slot A(5) set earlier in the block (5 -> 0 earns the clearing refund), then reverts
    const cleared = (await trace(4, STRUCT)) as StructLoggerResult;
    assert.deepEqual(cleared.structLogs.find((l) => l.op === 'SLOAD')?.storage, { [word(0)]: word(0) });
    assert.equal(cleared.structLogs.find((l) => l.op === 'SLOAD')?.refund, 4800);
  });

  test('struct logger: a revert returns the revert data and ends in REVERT', async () => {
    const r = (await trace(4, STRUCT)) as StructLoggerResult;
    assert.equal(r.failed, true);
    assert.equal(r.returnValue, BOOM);
    assert.equal(r.structLogs[r.structLogs.length - 1]?.op, 'REVERT');
    assert.deepEqual(ops(r.structLogs).slice(-7), ['1:PUSH1', '1:PUSH1', '1:PUSH1', '1:CODECOPY', '1:PUSH1', '1:PUSH1', '1:REVERT']);
    assert.equal(r.gas, Number(at(f.receipts, 4).gasUsed));
  });

  test('struct logger options: disableStack, enableMemory, disableStorage, limit', async () => {
    const spec: TracerSpec = { tracer: 'structLogger', config: { ...DEFAULT_STRUCT_LOGGER_CONFIG, disableStack: true, enableMemory: true, disableStorage: true, limit: 14 } };
    const r = (await trace(3, spec)) as StructLoggerResult;
    assert.equal(r.structLogs.length, 14);
    assert.ok(r.structLogs.every((l) => l.stack === undefined && l.storage === undefined));
    // after MSTORE(0, 5) memory holds one word
    assert.equal(at(r.structLogs, 11).op, 'MSTORE');
    assert.equal(at(r.structLogs, 11).memory, undefined);
    assert.deepEqual(at(r.structLogs, 12).memory, [word(5)]);
  });

  test('callTracer: A(5) calls B, with the receipt gas on the top frame', async () => {
    const r = (await trace(3, CALLS)) as CallFrame;
    const struct = (await trace(3, STRUCT)) as StructLoggerResult;
    const calleeGas = struct.structLogs.find((l) => l.depth === 2)?.gas;
    assert.deepEqual(r, {
      type: 'CALL',
      from: devWallet(1).address.toLowerCase(),
      to: f.a,
      value: '0x0',
      gas: q(TX_GAS),
      gasUsed: q(at(f.receipts, 3).gasUsed),
      input: `0x${word(5)}`,
      output: `0x${word(6)}`,
      calls: [{ type: 'CALL', from: f.a, to: f.b, value: '0x0', gas: q(calleeGas ?? 0), gasUsed: q(1042), input: `0x${word(5)}`, output: `0x${word(6)}` }],
    });
  });

  test('callTracer: DELEGATECALL and STATICCALL frames, and a write in a static context', async () => {
    const r = (await trace(6, { tracer: 'callTracer', config: { onlyTopCall: false, withLog: true } })) as CallFrame;
    assert.equal(r.output, `0x${word(6)}${word(0)}`);
    const [delegate, staticCall] = r.calls ?? [];
    assert.equal(r.calls?.length, 2);
    assert.deepEqual({ ...delegate, gas: undefined }, {
      type: 'DELEGATECALL',
      from: f.c,
      to: f.b,
      value: '0x0',
      gas: undefined,
      gasUsed: q(1042),
      input: `0x${word(5)}`,
      output: `0x${word(6)}`,
      // B's code logs in C's context
      logs: [{ address: f.c, topics: [`0x${word(0x2a)}`], data: `0x${word(6)}`, position: '0x0' }],
    });
    assert.equal(staticCall?.type, 'STATICCALL');
    assert.equal(staticCall?.from, f.c);
    assert.equal(staticCall?.to, f.a);
    assert.equal('value' in (staticCall ?? {}), false, 'geth gives a STATICCALL no value');
    assert.equal(staticCall?.input, `0x${word(6)}`);
    assert.equal(staticCall?.error, 'write protection');
    assert.equal(staticCall?.gasUsed, staticCall?.gas, 'a failed frame uses all its gas');
    assert.equal(staticCall?.output, undefined);
  });

  test('callTracer: onlyTopCall and withLog', async () => {
    const top = (await trace(3, { tracer: 'callTracer', config: { onlyTopCall: true, withLog: false } })) as CallFrame;
    assert.equal(top.calls, undefined);
    assert.equal(top.output, `0x${word(6)}`);
    const logged = (await trace(3, { tracer: 'callTracer', config: { onlyTopCall: false, withLog: true } })) as CallFrame;
    assert.equal(logged.logs, undefined, 'A itself logs nothing');
    assert.deepEqual(logged.calls?.[0]?.logs, [{ address: f.b, topics: [`0x${word(0x2a)}`], data: `0x${word(6)}`, position: '0x0' }]);
  });

  test('callTracer: a revert has geth\'s error, the revert data as output and the decoded reason', async () => {
    const r = (await trace(4, CALLS)) as CallFrame;
    assert.equal(r.error, 'execution reverted');
    assert.equal(r.output, `0x${BOOM}`);
    assert.equal(r.revertReason, 'boom');
    assert.equal(r.calls, undefined);
    assert.equal(r.gasUsed, q(at(f.receipts, 4).gasUsed));
  });

  test('callTracer: a deployment is a CREATE to the new address returning the runtime code', async () => {
    const r = (await trace(2, CALLS)) as CallFrame;
    assert.equal(r.type, 'CREATE');
    assert.equal(r.to, f.a);
    assert.equal(r.output, `0x${aRuntime(f.b)}`);
    assert.equal(r.gasUsed, q(at(f.receipts, 2).gasUsed));
  });

  test('traceBlockByNumber/ByHash: every transaction, same results as tracing each', async () => {
    const byNumber = await traceBlockByNumber(f.deps, 1n, CALLS);
    assert.deepEqual(byNumber.map((e) => e.txHash), f.hashes);
    assert.deepEqual(at(byNumber, 3).result, await trace(3, CALLS));
    assert.deepEqual(await traceBlockByHash(f.deps, f.blockHash, CALLS), byNumber);
    assert.deepEqual(await traceBlockByNumber(f.deps, 0n, CALLS), []);
    await assert.rejects(traceBlockByNumber(f.deps, 9n, CALLS), (e: unknown) => isChainError(e) && e.code === 'UNKNOWN_BLOCK');
  });

  test('an unknown transaction hash is "transaction not found"', async () => {
    await assert.rejects(traceTransaction(f.deps, new Uint8Array(32).fill(7), CALLS), (e: unknown) => isChainError(e) && e.message === 'transaction not found');
  });

  test('traceCall runs on the state after the block and keeps nothing', async () => {
    const block = f.deps.store.blockByHeight(1n);
    assert.ok(block !== undefined);
    const site = { height: 1n, env: blockEnvOf(block.header), gasLimit: 100_000n };
    const req = { from: hexToBytes(devWallet(2).address), to: hexToBytes(f.a), data: hexToBytes(`0x${word(7)}`) };
    const r = (await traceCall(f.deps, req, site, CALLS)) as CallFrame;
    assert.equal(r.output, `0x${word(8)}`);
    assert.equal(r.gas, q(100_000n));
    assert.equal(r.calls?.[0]?.to, f.b);
    // the call stores 7; after it, slot0 still holds block 1's 5 (A(0) reverted its clearing)
    const s = (await traceCall(f.deps, req, site, STRUCT)) as StructLoggerResult;
    assert.deepEqual(s.structLogs.find((l) => l.op === 'SLOAD')?.storage, { [word(0)]: word(7) });
    const slot = await f.deps.stateAt(1n).getStorage(createAddressFromString(f.a), new Uint8Array(32));
    assert.deepEqual([...slot], [5]);
  });
});

describe('tracing a failing creation', () => {
  test('callTracer drops the logs of frames under a failed one, and a failed CREATE has no to', async () => {
    const f = await buildChain();
    const block = f.deps.store.blockByHeight(1n);
    assert.ok(block !== undefined);
    // init code: CALL B(0) (which logs), then REVERT(0, 0)
    const init = ['6000', '6000', '6020', '6000', '6000', `73${f.b.slice(2)}`, '5a', 'f1', '50', '6000', '6000', 'fd'].join('');
    const req = { from: hexToBytes(devWallet(2).address), data: hexToBytes(`0x${init}`) };
    const site = { height: 1n, env: blockEnvOf(block.header), gasLimit: 100_000n };
    const r = (await traceCall(f.deps, req, site, { tracer: 'callTracer', config: { onlyTopCall: false, withLog: true } })) as CallFrame;
    assert.equal(r.type, 'CREATE');
    assert.equal(r.error, 'execution reverted');
    assert.equal('to' in r, false);
    assert.equal(r.output, undefined, 'an empty revert has no output');
    assert.equal(r.calls?.length, 1);
    assert.equal(r.calls?.[0]?.to, f.b);
    assert.equal(r.calls?.[0]?.output, `0x${word(1)}`);
    assert.equal(r.calls?.[0]?.logs, undefined);
  });
});

describe('tracing an impersonated transaction', () => {
  test('the sender is the one the receipt recorded, not what the placeholder signature recovers to', async () => {
    const { txCommon } = await createTestChain();
    const from = devWallet(2).address.toLowerCase() as Hex;
    const fakeBackend = { chainId: CHAIN_ID, txCommon } as unknown as RpcBackend;
    const tx = buildImpersonatedTx(fakeBackend, from, { to: hexToBytes(RECIPIENT), value: 7n }, 0n, 21000n, { type: 0, gasPrice: 2_000_000_000n });
    const { deps } = await commitBlockOne([tx]);
    const r = (await traceTransaction(deps, hexToBytes(tx.hash), CALLS)) as CallFrame;
    assert.deepEqual(r, { type: 'CALL', from, to: RECIPIENT, value: '0x7', gas: q(21000), gasUsed: q(21000), input: '0x' });
  });
});

describe('debug_ handlers', () => {
  test('trace options: default struct logger, callTracer config, unknown tracer is invalid params', () => {
    assert.deepEqual(parseTraceOptions(undefined), STRUCT);
    assert.deepEqual(parseTraceOptions({ enableMemory: true, limit: 3 }), {
      tracer: 'structLogger',
      config: { ...DEFAULT_STRUCT_LOGGER_CONFIG, enableMemory: true, limit: 3 },
    });
    assert.deepEqual(parseTraceOptions({ tracer: 'callTracer', tracerConfig: { onlyTopCall: true } }), {
      tracer: 'callTracer',
      config: { onlyTopCall: true, withLog: false },
    });
    assert.throws(() => parseTraceOptions({ tracer: 'prestateTracer' }), (e: unknown) => e instanceof RpcError && e.code === -32602 && /callTracer/.test(e.message));
    assert.throws(() => parseTraceOptions({ disableStack: 'yes' }), (e: unknown) => e instanceof RpcError && e.code === -32602);
  });

  test('debug_traceTransaction through the handler table', async () => {
    const fx = await buildChain();
    const head = fx.deps.store.blockByHeight(1n);
    assert.ok(head !== undefined);
    const backend = {
      ...fx.deps,
      gasCap: 50_000_000n,
      head: () => head,
      pendingEnv: () => ({ ...blockEnvOf(head.header), height: 2n }),
    } as unknown as RpcBackend;
    const handler = debugHandlers.debug_traceTransaction;
    assert.ok(handler !== undefined);
    const r = (await handler([fx.hashes[3], { tracer: 'callTracer' }], backend)) as CallFrame;
    assert.equal(r.calls?.[0]?.type, 'CALL');
    const callHandler = debugHandlers.debug_traceCall;
    assert.ok(callHandler !== undefined);
    const call = { from: devWallet(2).address, to: fx.a, input: `0x${word(9)}` };
    const traced = (await callHandler([call, 'latest', { tracer: 'callTracer' }], backend)) as CallFrame;
    assert.equal(traced.output, `0x${word(10)}`);
    assert.equal(traced.gas, q(16_777_216n), 'without gas the call gets the per-transaction cap');
    const atOne = (await callHandler([{ ...call, gas: '0x186a0' }, '0x1'], backend)) as StructLoggerResult;
    assert.equal(atOne.structLogs[atOne.structLogs.length - 1]?.op, 'RETURN');
    await assert.rejects(Promise.resolve(handler([fx.hashes[3], { tracer: 'nope' }], backend)), (e: unknown) => e instanceof RpcError && e.code === -32602);
  });
});
