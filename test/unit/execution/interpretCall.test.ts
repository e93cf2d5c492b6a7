/**
 * eth_call and eth_estimateGas in our interpreter (src/execution/interpretCall.ts) must be invisible: for
 * every request, simulateCall gives what runCall gives in the VM (return data, gas used, gas consumed,
 * refund, error, or the same thrown error), estimateGas gives the VM's estimate, and nothing reaches the
 * state. Requests are random: random programs (test/utils/evmPrograms.ts, some with a snippet the
 * interpreter hands back), an OpenZeppelin-based ERC-20, senders with and without accounts or with code,
 * values, legacy and 1559 prices above and below the base fee, access lists, gas limits from under the
 * intrinsic gas to the cap. Seeded: a failure names its seed and request; SEED=<n> replays it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Account, Address, createAddressFromString } from '@ethereumjs/util';
import { Interface } from 'ethers';
import { estimateGas, interpretCall, runCall, simulateCall } from '../../../src/execution/index.ts';
import type { CallOutcome, CallRequest } from '../../../src/execution/index.ts';
import { ChainError, bigintToBytes, bytesToHex, hexToBytes, padLeft } from '../../../src/primitives/index.ts';
import { ONE, createTestChain, devWallet } from '../../utils/chain.ts';
import type { TestChain } from '../../utils/chain.ts';
import { loadTestToken } from '../../utils/contracts.ts';
import { pick, randomCallProgram, randomCalldata, randomWord } from '../../utils/evmPrograms.ts';
import { seededRandom } from '../../utils/random.ts';

const SEEDS = process.env.SEED === undefined ? [11, 12, 13] : [Number(process.env.SEED)];
const GWEI = 10n ** 9n;
const CAP = 16_777_216n; // callGasCap under Osaka: EIP-7825's per-transaction limit

const address = (prefix: string, i: number): string => `0x${prefix}${i.toString(16).padStart(40 - prefix.length, '0')}`;
const CONTRACTS = Array.from({ length: 8 }, (_, i) => address('ca11', i));
/** The token's address: where the deployer's first creation lands (setup deploys it). */
let TOKEN = '';
/** SSTORE(0, 0) then SSTORE(1, CALLVALUE): clearing the set slot 0 earns a refund. */
const CLEARER = address('c1ea', 1);
/**
 * Returns what a call sees of its transaction and block, one word each: GASPRICE, BASEFEE, CALLER, ORIGIN,
 * CALLVALUE, SELFBALANCE, COINBASE, TIMESTAMP, NUMBER, PREVRANDAO, GASLIMIT, CHAINID, ADDRESS, CALLDATASIZE,
 * CODESIZE, GAS.
 */
const ENV_READER = address('e4e', 1);
const ENV_OPCODES = ['3a', '48', '33', '32', '34', '47', '41', '42', '43', '44', '45', '46', '30', '36', '38', '5a'];
const ENV_READER_CODE = ENV_OPCODES.map((op, i) => `${op}61${(i * 32).toString(16).padStart(4, '0')}52`).join('') + `61${(ENV_OPCODES.length * 32).toString(16).padStart(4, '0')}5ff3`;
const CODE_SENDER = address('c0de', 0xff); // has code: the VM refuses it as a sender (EIP-3607)
const NO_CODE = address('e0a', 1);
const LOW = address('', 0x42); // below 2^16: the interpreter never takes it
const PRECOMPILE = address('', 2);
const HOLDERS = [0, 1, 2].map((i) => devWallet(i).address);

const env = {
  height: 7n,
  timestamp: 1_800_000_000n,
  coinbase: hexToBytes(address('fee', 1)),
  gasLimit: 30_000_000n,
  baseFeePerGas: 2n * GWEI,
  prevRandao: padLeft(bigintToBytes(0x1234_5678_9abc_def0n), 32),
};

const token = new Interface([
  'function transfer(address to, uint256 amount) returns (bool)',
  'function balanceOf(address) view returns (uint256)',
  'function allowance(address, address) view returns (uint256)',
  'function totalSupply() view returns (uint256)',
  'function failWithReason()',
]);

async function install(chain: TestChain, at: string, code: string, storage: Array<[bigint, bigint]> = [], balance = 0n): Promise<void> {
  const a = createAddressFromString(at);
  await chain.state.putAccount(a, new Account(1n, balance));
  await chain.state.putCode(a, hexToBytes(code.startsWith('0x') ? code : `0x${code}`));
  for (const [key, value] of storage) await chain.state.putStorage(a, padLeft(bigintToBytes(key), 32), bigintToBytes(value));
}

async function setup(rand: () => number): Promise<TestChain> {
  const chain = await createTestChain(3);
  for (const [i, at] of CONTRACTS.entries()) {
    const storage: Array<[bigint, bigint]> = [];
    for (let key = 0n; key < 4n; key++) if (rand() < 0.5) storage.push([key, randomWord(rand) || 1n]);
    await install(chain, at, randomCallProgram(rand, { bail: 0.2 }).code, storage, i % 2 === 0 ? BigInt(i) * ONE : 0n);
  }
  await install(chain, CLEARER, '5f5f55346001555f5ff3', [[0n, 7n], [1n, 1n]]);
  await install(chain, ENV_READER, ENV_READER_CODE, [], 3n);
  await install(chain, CODE_SENDER, '00', [], ONE);
  await install(chain, LOW, '60016000f3');
  await chain.state.putAccount(createAddressFromString(NO_CODE), new Account(0n, ONE));
  // the token: its runtime code, and balances written where OpenZeppelin's ERC20 keeps them (slot 0 mapping)
  const artifact = loadTestToken();
  const deployer = HOLDERS[0] as string;
  const created = await chain.vm.evm.runCall({
    caller: createAddressFromString(deployer),
    data: hexToBytes(artifact.bytecode + token.getAbiCoder().encode(['uint256'], [10n ** 27n]).slice(2)),
    gasLimit: 10_000_000n,
  });
  assert.equal(created.execResult.exceptionError, undefined, 'the token deploys');
  TOKEN = (created.createdAddress as Address).toString();
  // a holder the token knows of, for balanceOf and transfer from HOLDERS[1]
  const send = await chain.vm.evm.runCall({ caller: createAddressFromString(deployer), to: created.createdAddress as Address, data: hexToBytes(token.encodeFunctionData('transfer', [HOLDERS[1], 10n ** 20n])), gasLimit: 200_000n });
  assert.equal(send.execResult.exceptionError, undefined, 'the deployer hands out tokens');
  return chain;
}

function randomRequest(rand: () => number): CallRequest {
  const r = rand();
  const to = r < 0.35 ? pick(rand, CONTRACTS) : r < 0.45 ? CLEARER : r < 0.55 ? ENV_READER : r < 0.8 ? TOKEN : pick(rand, [LOW, PRECOMPILE, NO_CODE, address('dead', 9)]);
  const data =
    to === TOKEN
      ? pick(rand, [
          token.encodeFunctionData('balanceOf', [pick(rand, HOLDERS)]),
          token.encodeFunctionData('allowance', [pick(rand, HOLDERS), pick(rand, HOLDERS)]),
          token.encodeFunctionData('totalSupply', []),
          token.encodeFunctionData('transfer', [pick(rand, HOLDERS), pick(rand, [0n, 1n, 10n ** 30n])]),
          token.encodeFunctionData('failWithReason', []),
          '0xdeadbeef',
        ])
      : randomCalldata(rand);
  const req: CallRequest = { to: hexToBytes(to), data: hexToBytes(data) };
  const f = rand();
  if (f < 0.6) req.from = hexToBytes(pick(rand, HOLDERS));
  else if (f < 0.7) req.from = hexToBytes(CODE_SENDER);
  else if (f < 0.8) req.from = hexToBytes(address('ab5e', 3)); // no account
  // else: no sender (the zero address)
  const v = rand();
  if (v < 0.15) req.value = pick(rand, [1n, ONE, 10n ** 30n]);
  else if (v < 0.3) req.value = 0n;
  const p = rand();
  if (p < 0.2) req.gasPrice = pick(rand, [0n, 1n, 2n * GWEI, 5n * GWEI]);
  else if (p < 0.4) {
    req.maxFeePerGas = pick(rand, [1n, 2n * GWEI, 10n * GWEI]);
    if (rand() < 0.7) req.maxPriorityFeePerGas = pick(rand, [0n, GWEI, 20n * GWEI]);
  } else if (p < 0.45) req.maxPriorityFeePerGas = GWEI;
  if (rand() < 0.08) req.accessList = [{ address: to, storageKeys: [`0x${'00'.repeat(31)}01`] }];
  if (rand() < 0.04) req.nonce = pick(rand, [0n, 7n, 2n ** 64n - 2n, 2n ** 64n - 1n]);
  return req;
}

type Settled = { outcome: CallOutcome } | { thrown: string };

async function settle(run: () => Promise<CallOutcome>): Promise<Settled> {
  try {
    return { outcome: await run() };
  } catch (err) {
    return { thrown: `${(err as { code?: string }).code ?? ''}: ${(err as Error).message}` };
  }
}

/** What the two paths must agree on (the VM's own result object aside). */
function comparable(s: Settled): unknown {
  if ('thrown' in s) return s;
  const { returnData, gasUsed, gasConsumed, gasRefund, error } = s.outcome;
  return { returnData: bytesToHex(returnData), gasUsed, gasConsumed, gasRefund, error };
}

function describe(req: CallRequest, gas: bigint): string {
  return JSON.stringify({ ...req, gas }, (_, v) => (v instanceof Uint8Array ? bytesToHex(v).slice(0, 90) : typeof v === 'bigint' ? v.toString() : v));
}

for (const seed of SEEDS) {
  test(`random eth_call requests: the interpreter's outcome is the VM's, exactly, and what the VM refuses it refuses (seed ${seed})`, async (t) => {
    const rand = seededRandom(seed);
    const chain = await setup(rand);
    const root = await chain.state.getStateRoot();
    let interpreted = 0;
    let tokenInterpreted = 0;
    let reverted = 0;
    let environments = 0;
    let refunded = 0;
    const requests = 250;
    for (let i = 0; i < requests; i++) {
      const req = randomRequest(rand);
      const g = rand();
      const gas = g < 0.47 ? CAP : g < 0.5 ? CAP + 1n + BigInt(Math.floor(rand() * 1e7)) : g < 0.6 ? 21_000n + BigInt(Math.floor(rand() * 5_000)) : 21_000n + BigInt(Math.floor(rand() * 200_000));
      const fast = await interpretCall(chain.vm, chain.txCommon, env, req, gas);
      const vm = await settle(() => runCall(chain.vm, chain.txCommon, env, req, gas));
      const simulated = await settle(() => simulateCall(chain.vm, chain.txCommon, env, req, gas));
      const what = `seed ${seed}, request ${i}: ${describe(req, gas)}`;
      assert.deepEqual(comparable(simulated), comparable(vm), what);
      if (fast !== undefined) {
        interpreted++;
        if (bytesToHex(req.to as Uint8Array) === TOKEN) tokenInterpreted++;
        if (fast.error === 'revert') reverted++;
        if (fast.gasRefund > 0n) refunded++;
        if (bytesToHex(req.to as Uint8Array) === ENV_READER) environments++;
        assert.deepEqual(comparable({ outcome: fast }), comparable(vm), `interpreter, ${what}`);
        if (req.accessList !== undefined || (req.from !== undefined && bytesToHex(req.from) === CODE_SENDER)) assert.fail(`the interpreter must hand back ${what}`);
      }
    }
    t.diagnostic(`${requests} requests: ${interpreted} in the interpreter (${tokenInterpreted} to the token, ${reverted} reverted, ${refunded} with a refund)`);
    assert.ok(interpreted >= requests * 0.25, `a good share ran in the interpreter: ${interpreted} of ${requests}`);
    assert.ok(tokenInterpreted >= 20, `token calls ran in the interpreter: ${tokenInterpreted}`);
    assert.ok(reverted > 0 && refunded > 0 && environments > 5, `the interpreted calls include reverts (${reverted}), refunds (${refunded}) and environment reads (${environments})`);
    assert.deepEqual(await chain.state.getStateRoot(), root, 'no call left anything in the state');
  });
}

test('estimateGas gives the VM-only estimate, and that limit is the smallest that succeeds', async () => {
  const rand = seededRandom(SEEDS[0] as number);
  const chain = await setup(rand);
  let compared = 0;
  for (let i = 0; compared < 40 && i < 400; i++) {
    const req = randomRequest(rand);
    const vmOnly = await settle(async () => ({ ...(await runCall(chain.vm, chain.txCommon, env, req, CAP)), returnData: new Uint8Array() }));
    if ('thrown' in vmOnly || vmOnly.outcome.error !== undefined) continue; // estimateGas throws for these: the eth_call comparison covers them
    const expected = await estimateGas(chain.vm, chain.txCommon, env, req, CAP, runCall);
    const got = await estimateGas(chain.vm, chain.txCommon, env, req, CAP);
    assert.equal(got, expected, `request ${i}: ${describe(req, CAP)}`);
    const below = await settle(() => runCall(chain.vm, chain.txCommon, env, req, got - 1n));
    assert.ok('thrown' in below || below.outcome.error !== undefined, `request ${i}: one gas less than the estimate fails`);
    compared++;
  }
  assert.ok(compared >= 40, `estimates compared: ${compared}`);
});

test('a token balance read takes the interpreter and answers the stored balance', async () => {
  const chain = await setup(seededRandom(5));
  const holder = HOLDERS[0] as string;
  const req: CallRequest = { to: hexToBytes(TOKEN), data: hexToBytes(token.encodeFunctionData('balanceOf', [holder])) };
  const fast = await interpretCall(chain.vm, chain.txCommon, env, req, CAP);
  assert.ok(fast !== undefined, 'balanceOf runs in the interpreter');
  assert.equal(fast.error, undefined);
  assert.equal(BigInt(bytesToHex(fast.returnData)), 10n ** 27n - 10n ** 20n, 'the deployer holds the supply less what it handed out');
  const revert = await interpretCall(chain.vm, chain.txCommon, env, { ...req, data: hexToBytes(token.encodeFunctionData('failWithReason', [])) }, CAP);
  assert.equal(revert?.error, 'revert', 'a revert is an outcome, with its data');
  assert.ok((revert?.returnData.length ?? 0) > 4, 'revert data kept');
});

test('the interpreter hands back what it must: access lists, senders with code, low addresses, accounts without code, prices and limits the VM refuses', async () => {
  const chain = await setup(seededRandom(6));
  const base: CallRequest = { to: hexToBytes(TOKEN), data: hexToBytes(token.encodeFunctionData('totalSupply', [])), from: hexToBytes(HOLDERS[1] as string) };
  assert.ok((await interpretCall(chain.vm, chain.txCommon, env, base, CAP)) !== undefined, 'the plain request runs');
  const handedBack: Array<[string, CallRequest, bigint]> = [
    ['an access list', { ...base, accessList: [] }, CAP],
    ['a sender with code', { ...base, from: hexToBytes(CODE_SENDER) }, CAP],
    ['a low address', { ...base, to: hexToBytes(LOW) }, CAP],
    ['a precompile', { ...base, to: hexToBytes(PRECOMPILE) }, CAP],
    ['no code', { ...base, to: hexToBytes(NO_CODE) }, CAP],
    ['a creation', { data: base.data as Uint8Array }, CAP],
    ['a legacy price under the base fee', { ...base, gasPrice: 1n }, CAP],
    ['a fee cap under the base fee', { ...base, maxFeePerGas: 1n }, CAP],
    ['a tip over the fee cap', { ...base, maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: 4n * GWEI }, CAP],
    ['value beyond the balance', { ...base, value: 10n ** 30n }, CAP],
    ['gas under the intrinsic gas', base, 21_000n],
    ['gas at 2^31', base, 2n ** 31n],
    ["gas above EIP-7825's cap", base, CAP + 1n],
    ['a nonce of 2^64 - 1', { ...base, nonce: 2n ** 64n - 1n }, CAP],
    ['gas times the price beyond 256 bits', { ...base, gasPrice: 2n ** 256n / CAP + 1n }, CAP],
  ];
  for (const [what, req, gas] of handedBack) assert.equal(await interpretCall(chain.vm, chain.txCommon, env, req, gas), undefined, what);
});

test('estimateGas takes a gas above the cap as the cap (as geth), and a field no transaction can have is CALL_INVALID, not an internal error', async () => {
  const chain = await setup(seededRandom(7));
  const req: CallRequest = { from: hexToBytes(HOLDERS[1] as string), to: hexToBytes(TOKEN), data: hexToBytes(token.encodeFunctionData('transfer', [HOLDERS[2], 1n])) };
  const estimate = await estimateGas(chain.vm, chain.txCommon, env, req, CAP);
  assert.equal(await estimateGas(chain.vm, chain.txCommon, env, { ...req, gas: CAP * 2n }, CAP), estimate, 'the same estimate');
  for (const bad of [{ ...req, nonce: 2n ** 64n - 1n }, { ...req, gasPrice: 2n ** 256n / CAP + 1n }]) {
    await assert.rejects(runCall(chain.vm, chain.txCommon, env, bad, CAP), (err: unknown) => err instanceof ChainError && err.code === 'CALL_INVALID');
  }
});
