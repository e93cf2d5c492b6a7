/**
 * Sponsored gas (ADR 0016) through a real chain (memory store, native contracts wired as on a node): a
 * contract opts in with GasSponsor and funds a deposit; a caller without CMT sends ordinary signed
 * transactions at gas price 0; each block's fees, deposits, balances and the total supply are checked
 * to the wei. Also: the mempool's claims on a deposit, and a hostile proposer's price-0 transactions.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Address } from '@ethereumjs/util';
import { ContractFactory, Interface, Transaction, Wallet, keccak256 as ethersKeccak, toUtf8Bytes } from 'ethers';
import type { BaseWallet } from 'ethers';
import { SPONSOR_ABI, SPONSOR_ADDRESS, decodeValidatedTx, executeBlock, runCall, sponsorInterface, systemHooksOf, validateRawTx } from '../../../src/execution/index.ts';
import type { ExecutedBlock, ValidatedTx } from '../../../src/execution/index.ts';
import { MempoolErrorCode, createMempool, testMempoolOptions } from '../../../src/mempool/index.ts';
import type { PoolTx } from '../../../src/mempool/index.ts';
import { openChain } from '../../../src/node/chain.ts';
import type { Chain } from '../../../src/node/chain.ts';
import { FEE_POOL_ADDRESS } from '../../../src/params/index.ts';
import { bytesToHex, hexToBytes, isChainError } from '../../../src/primitives/index.ts';
import { createMemoryStore } from '../../../src/storage/index.ts';
import type { Receipt } from '../../../src/types/index.ts';
import { CHAIN_ID, ONE, devWallet, nextBlockContext, testGenesis } from '../../utils/chain.ts';
import { PROJECT_ROOT, compileSolidity } from '../../utils/solc.ts';

const BASE_FEE = 2_000_000_000n; // testGenesis' min gas price, the chain's constant base fee
const SPONSOR = bytesToHex(SPONSOR_ADDRESS);
const FEE_POOL = FEE_POOL_ADDRESS.toLowerCase();
const SOURCE = 'contracts/test/sponsor/SponsoredCounter.sol';
const counterArtifact = () => {
  const a = compileSolidity({ [SOURCE]: readFileSync(join(PROJECT_ROOT, SOURCE), 'utf8') }).SponsoredCounter;
  assert.ok(a);
  return a;
};
const counterInterface = () => new Interface(counterArtifact().abi);

/** A caller that never held CMT (a fixed key, so runs are reproducible). */
const freshCaller = (tag: string) => new Wallet(ethersKeccak(toUtf8Bytes(`sponsored caller ${tag}`)));

interface Policy {
  maxGasPerTx: bigint;
  callerGasPerWindow: bigint;
  windowBlocks: bigint;
}

/** A real chain driven block by block, with signed transactions from any wallet. */
class SponsorChain {
  private readonly nonces = new Map<string, number>();
  readonly rules = { chainId: CHAIN_ID, maxTxSizeBytes: 131072, blockGasLimit: 30_000_000n, minGasPriceWei: BASE_FEE };

  private constructor(readonly chain: Chain) {}

  static async open(): Promise<SponsorChain> {
    return new SponsorChain(await openChain(createMemoryStore(), testGenesis(3), { allowUnlimitedContractSize: false }));
  }

  height(): bigint {
    return this.chain.head().header.height;
  }

  /** Signs a transaction from `wallet` with its next nonce; price 0 unless `price` says otherwise. */
  async sign(wallet: BaseWallet, o: { to: string | null; data?: string; value?: bigint; gasLimit?: bigint; price?: bigint; type?: 0 | 2; nonce?: number }): Promise<Uint8Array> {
    const nonce = o.nonce ?? this.nonces.get(wallet.address) ?? 0;
    if (o.nonce === undefined) this.nonces.set(wallet.address, nonce + 1);
    const price = o.price ?? 0n;
    const fees = o.type === 2 ? { type: 2, maxFeePerGas: price, maxPriorityFeePerGas: 0n } : { type: 0, gasPrice: price };
    const tx = Transaction.from({ ...fees, to: o.to, data: o.data ?? '0x', value: o.value ?? 0n, nonce, gasLimit: o.gasLimit ?? 200_000n, chainId: CHAIN_ID });
    return hexToBytes(await wallet.signTransaction(tx));
  }

  /** Forgets the nonce a refused transaction took, so the next one reuses it. */
  unsign(wallet: BaseWallet): void {
    this.nonces.set(wallet.address, (this.nonces.get(wallet.address) ?? 1) - 1);
  }

  /** Builds (proposer's build mode) and commits the next block. */
  async mine(txs: Array<Uint8Array | ValidatedTx> = []): Promise<ExecutedBlock> {
    const validated = txs.map((t) => (t instanceof Uint8Array ? validateRawTx(t, this.chain.txCommon, this.rules) : t));
    const ctx = nextBlockContext(this.chain.head(), hexToBytes(FEE_POOL));
    const { block, executed } = await this.chain.buildBlock(ctx, validated);
    await this.chain.commitBlock(block, executed, { height: block.header.height, round: 0, blockHash: block.hash, signatures: [] });
    return executed;
  }

  /** Runs the next block on a throwaway copy of the head state in `mode`, as a validator re-executes a proposal. */
  async executeOnCopy(txs: ValidatedTx[], mode: 'build' | 'apply'): Promise<ExecutedBlock> {
    const h = this.height();
    const vm = await this.chain.vmAt(h, this.chain.stateAt(h));
    const ctx = nextBlockContext(this.chain.head(), hexToBytes(FEE_POOL));
    return executeBlock(vm, this.chain.common, ctx, txs, mode, systemHooksOf(testGenesis(3)));
  }

  async deployCounter(policy: Policy, depositWei: bigint): Promise<string> {
    const { abi, bytecode } = counterArtifact();
    const { data } = await new ContractFactory(abi, bytecode).getDeployTransaction(policy.maxGasPerTx, policy.callerGasPerWindow, policy.windowBlocks);
    const executed = await this.mine([await this.sign(devWallet(0), { to: null, data, value: depositWei, gasLimit: 2_000_000n, price: BASE_FEE })]);
    const receipt = executed.receipts[0];
    assert.ok(receipt?.status === 1 && receipt.contractAddress !== null, 'the counter deploys');
    return bytesToHex(receipt.contractAddress);
  }

  async balance(address: string): Promise<bigint> {
    return (await this.chain.readState(this.height()).getAccount(new Address(hexToBytes(address.toLowerCase()))))?.balance ?? 0n;
  }

  async nonce(address: string): Promise<bigint> {
    return (await this.chain.readState(this.height()).getAccount(new Address(hexToBytes(address.toLowerCase()))))?.nonce ?? 0n;
  }

  /** A view of the GasSponsor contract, run on the head like eth_call. */
  async view(method: 'sponsorship' | 'callerUsage', args: string[]): Promise<bigint[]> {
    const h = this.height();
    const vm = await this.chain.vmAt(h);
    const env = { height: h + 1n, timestamp: this.chain.head().header.timestamp + 1n, coinbase: new Uint8Array(20), gasLimit: 30_000_000n, baseFeePerGas: BASE_FEE, prevRandao: new Uint8Array(32) };
    const out = await runCall(vm, this.chain.txCommon, env, { to: SPONSOR_ADDRESS, data: hexToBytes(sponsorInterface.encodeFunctionData(method, args)) }, 1_000_000n);
    assert.equal(out.error, undefined, `${method} answers`);
    return [...sponsorInterface.decodeFunctionResult(method, out.returnData)] as bigint[];
  }

  async deposit(target: string): Promise<bigint> {
    return (await this.view('sponsorship', [target]))[0] as bigint;
  }

  /** Every account any test here moves CMT between: their sum is the supply (no staking, so no minting). */
  async supply(extra: string[]): Promise<bigint> {
    const accounts = [devWallet(0).address, devWallet(1).address, devWallet(2).address, SPONSOR, FEE_POOL, ...extra];
    let sum = 0n;
    for (const a of new Set(accounts.map((x) => x.toLowerCase()))) sum += await this.balance(a);
    return sum;
  }
}

const call = (method: string, args: unknown[] = []) => counterInterface().encodeFunctionData(method, args);

/** The GasSponsored log of a receipt: target, caller, gas used, fee. */
function sponsoredLog(receipt: Receipt): { target: string; caller: string; gasUsed: bigint; fee: bigint } {
  const logs = receipt.logs.filter((l) => bytesToHex(l.address) === SPONSOR);
  assert.equal(logs.length, 1, 'one GasSponsored log');
  const log = logs[0] as Receipt['logs'][number];
  const parsed = sponsorInterface.parseLog({ topics: log.topics.map((t) => bytesToHex(t)), data: bytesToHex(log.data) });
  assert.equal(parsed?.name, 'GasSponsored');
  return { target: String(parsed.args[0]).toLowerCase(), caller: String(parsed.args[1]).toLowerCase(), gasUsed: parsed.args[2] as bigint, fee: parsed.args[3] as bigint };
}

const POLICY: Policy = { maxGasPerTx: 200_000n, callerGasPerWindow: 1_000_000n, windowBlocks: 100n };

describe('sponsored gas in blocks', () => {
  test('a price-0 call is paid from the deposit into the fee pool: the caller pays nothing, nothing is burned', async () => {
    const c = await SponsorChain.open();
    const counter = await c.deployCounter(POLICY, ONE);
    assert.equal(await c.deposit(counter), ONE, 'the constructor deposited what it was sent');
    const caller = freshCaller('a');
    const before = { deposit: await c.deposit(counter), pool: await c.balance(FEE_POOL), sponsor: await c.balance(SPONSOR), supply: await c.supply([counter, caller.address]) };
    // one sponsored call (legacy, gasPrice 0) and one paying transfer in the same block
    const sponsored = await c.sign(caller, { to: counter, data: call('increment') });
    const paying = await c.sign(devWallet(1), { to: devWallet(2).address, value: 5n, gasLimit: 21_000n, price: BASE_FEE });
    const executed = await c.mine([sponsored, paying]);
    assert.equal(executed.transactions.length, 2, `both included (rejected: ${executed.rejected.map((r) => r.reason).join('; ')})`);
    const receipt = executed.receipts[0] as Receipt;
    assert.equal(receipt.status, 1);
    assert.ok(receipt.gasUsed > 21_000n, 'it ran contract code');
    const fee = receipt.gasUsed * BASE_FEE;
    assert.equal(await c.balance(caller.address), 0n, 'the caller still has nothing');
    assert.equal(await c.nonce(caller.address), 1n, 'its nonce moved as usual');
    assert.equal(await c.deposit(counter), before.deposit - fee, 'the deposit paid gas used x base fee');
    assert.equal(await c.balance(SPONSOR), before.sponsor - fee, 'out of the sponsor account');
    assert.equal(await c.balance(FEE_POOL), before.pool + fee + 21_000n * BASE_FEE, 'the fee pool got both fees');
    assert.equal(await c.supply([counter, caller.address]), before.supply, 'total supply unchanged: nothing burned');
    assert.equal(receipt.effectiveGasPrice, 0n, 'the sender paid 0 per gas');
    assert.deepEqual(sponsoredLog(receipt), { target: counter, caller: caller.address.toLowerCase(), gasUsed: receipt.gasUsed, fee });
    assert.deepEqual(await c.view('callerUsage', [counter, caller.address]), [receipt.gasUsed, c.height()]);
    const counted = await c.view('sponsorship', [counter]);
    assert.deepEqual(counted.slice(1), [POLICY.maxGasPerTx, POLICY.callerGasPerWindow, POLICY.windowBlocks]);
  });

  test('an EIP-1559 call with max fee 0 is sponsored too, and a reverting call still pays from the deposit', async () => {
    const c = await SponsorChain.open();
    const counter = await c.deployCounter(POLICY, ONE);
    const caller = freshCaller('b');
    const d0 = await c.deposit(counter);
    const ok = (await c.mine([await c.sign(caller, { to: counter, data: call('increment'), type: 2 })])).receipts[0] as Receipt;
    assert.equal(ok.status, 1);
    const d1 = await c.deposit(counter);
    assert.equal(d1, d0 - ok.gasUsed * BASE_FEE);
    const failed = await c.mine([await c.sign(caller, { to: counter, data: call('refuse') })]);
    const r = failed.receipts[0] as Receipt;
    assert.equal(r.status, 0, 'the call reverted');
    assert.ok(r.gasUsed > 21_000n);
    assert.equal(await c.deposit(counter), d1 - r.gasUsed * BASE_FEE, 'and its gas came from the deposit');
    assert.equal(await c.balance(caller.address), 0n);
    assert.equal(await c.nonce(caller.address), 2n);
    assert.equal(sponsoredLog(r).fee, r.gasUsed * BASE_FEE);
  });

  test('a caller gets callerGasPerWindow per window: over it the transaction is left out, the next window admits it', async () => {
    const c = await SponsorChain.open();
    const policy = { maxGasPerTx: 100_000n, callerGasPerWindow: 150_000n, windowBlocks: 8n };
    const counter = await c.deployCounter(policy, ONE);
    const caller = freshCaller('c');
    const first = await c.mine([await c.sign(caller, { to: counter, data: call('increment'), gasLimit: 100_000n, nonce: 0 })]);
    const start = c.height();
    const second = await c.mine([await c.sign(caller, { to: counter, data: call('increment'), gasLimit: 100_000n, nonce: 1 })]);
    const used = (first.receipts[0] as Receipt).gasUsed + (second.receipts[0] as Receipt).gasUsed;
    assert.ok((first.receipts[0] as Receipt).gasUsed + 100_000n <= policy.callerGasPerWindow, 'the second fit its budget');
    assert.equal(second.transactions.length, 1);
    assert.deepEqual(await c.view('callerUsage', [counter, caller.address]), [used, start]);
    assert.ok(used + 100_000n > policy.callerGasPerWindow, 'precondition: a third does not fit');
    const third = await c.sign(caller, { to: counter, data: call('increment'), gasLimit: 100_000n, nonce: 2 });
    const refused = await c.mine([third]);
    assert.equal(refused.transactions.length, 0);
    assert.match(refused.rejected[0]?.reason ?? '', /sponsored gas budget spent: .* may use \d+ more gas/);
    assert.equal(await c.nonce(caller.address), 2n, 'a refused transaction takes no nonce');
    // a smaller one still fits the rest of the window
    assert.ok(policy.callerGasPerWindow - used >= 50_000n, 'precondition: 50,000 gas is left');
    const small = (await c.mine([await c.sign(caller, { to: counter, data: call('increment'), gasLimit: 50_000n, nonce: 2 })])).receipts[0] as Receipt;
    assert.ok(small !== undefined && used + small.gasUsed + 100_000n > policy.callerGasPerWindow, 'precondition: 100,000 more still does not fit');
    // the window covers blocks start .. start + windowBlocks - 1
    assert.ok(c.height() < start + policy.windowBlocks - 2n, 'precondition: the window has blocks left')
    while (c.height() < start + policy.windowBlocks - 2n) await c.mine();
    const next = await c.sign(caller, { to: counter, data: call('increment'), gasLimit: 100_000n, nonce: 3 });
    const late = await c.mine([next]);
    assert.equal(late.header.height, start + policy.windowBlocks - 1n);
    assert.match(late.rejected[0]?.reason ?? '', /sponsored gas budget spent/, "the window's last block still counts the old usage");
    const again = await c.mine([next]);
    assert.equal(again.transactions.length, 1, 'a new window opened');
    assert.deepEqual(await c.view('callerUsage', [counter, caller.address]), [(again.receipts[0] as Receipt).gasUsed, start + policy.windowBlocks]);
  });

  test('a deposit that cannot cover gas limit x base fee refuses the call; no deposit at all refuses every call', async () => {
    const c = await SponsorChain.open();
    const counter = await c.deployCounter(POLICY, 150_000n * BASE_FEE);
    const caller = freshCaller('d');
    const paid = (await c.mine([await c.sign(caller, { to: counter, data: call('increment'), gasLimit: 100_000n })])).receipts[0] as Receipt;
    const left = 150_000n * BASE_FEE - paid.gasUsed * BASE_FEE;
    assert.equal(await c.deposit(counter), left);
    assert.ok(left < 200_000n * BASE_FEE && left >= 100_000n * BASE_FEE, 'precondition: 100,000 gas fits, 200,000 does not');
    const big = await c.mine([await c.sign(caller, { to: counter, data: call('increment'), gasLimit: 200_000n })]);
    assert.match(big.rejected[0]?.reason ?? '', new RegExp(`sponsor deposit too low: ${counter} has ${left} wei deposited, the transaction may cost ${200_000n * BASE_FEE} wei`));
    c.unsign(caller);
    assert.equal((await c.mine([await c.sign(caller, { to: counter, data: call('increment'), gasLimit: 100_000n })])).transactions.length, 1);
    const empty = await c.deployCounter(POLICY, 0n);
    const none = await c.mine([await c.sign(freshCaller('e'), { to: empty, data: call('increment') })]);
    assert.match(none.rejected[0]?.reason ?? '', /sponsor deposit too low: .* has 0 wei deposited/);
  });

  test('only the target withdraws its deposit; anyone may add to it', async () => {
    const c = await SponsorChain.open();
    const counter = await c.deployCounter(POLICY, ONE);
    const stranger = devWallet(2);
    const sponsorCall = (method: string, args: unknown[]) => new Interface(SPONSOR_ABI).encodeFunctionData(method, args);
    const steal = (await c.mine([await c.sign(stranger, { to: SPONSOR, data: sponsorCall('withdraw', [1n]), price: BASE_FEE })])).receipts[0] as Receipt;
    assert.equal(steal.status, 0, 'a stranger has no deposit of its own to withdraw');
    assert.equal(await c.deposit(counter), ONE);
    const added = (await c.mine([await c.sign(stranger, { to: SPONSOR, data: sponsorCall('deposit', [counter]), value: ONE, price: BASE_FEE })])).receipts[0] as Receipt;
    assert.equal(added.status, 1);
    assert.equal(await c.deposit(counter), 2n * ONE);
    const notOwner = (await c.mine([await c.sign(stranger, { to: counter, data: call('withdrawDeposit', [ONE]), price: BASE_FEE })])).receipts[0] as Receipt;
    assert.equal(notOwner.status, 0, 'the counter lets only its owner withdraw through it');
    const owner = devWallet(0).address;
    const ownerBefore = await c.balance(owner);
    const out = (await c.mine([await c.sign(devWallet(0), { to: counter, data: call('withdrawDeposit', [ONE]), price: BASE_FEE })])).receipts[0] as Receipt;
    assert.equal(out.status, 1);
    assert.equal(await c.deposit(counter), ONE);
    assert.equal(await c.balance(owner), ownerBefore + ONE - out.gasUsed * BASE_FEE, 'the owner received the withdrawn CMT');
    const over = (await c.mine([await c.sign(devWallet(0), { to: counter, data: call('withdrawDeposit', [2n * ONE]), price: BASE_FEE })])).receipts[0] as Receipt;
    assert.equal(over.status, 0, 'not more than the deposit');
  });

  test('a price-0 transaction that is not sponsored never runs for free, on any path (hostile proposer, worker decode)', async () => {
    const c = await SponsorChain.open();
    const plain = await c.deployCounter({ maxGasPerTx: 0n, callerGasPerWindow: 0n, windowBlocks: 0n }, 0n);
    const caller = freshCaller('f');
    const key = hexToBytes(caller.signingKey.publicKey).subarray(1);
    // decoded as the execution worker decodes (no admission): a call to an un-sponsored contract, a plain
    // transfer shape to an account without code, and a contract creation
    const worker = async (o: Parameters<SponsorChain['sign']>[1]) => decodeValidatedTx(await c.sign(caller, { ...o, nonce: 0 }), c.chain.txCommon, caller.address.toLowerCase() as `0x${string}`, key);
    const unsponsored = await worker({ to: plain, data: call('increment') });
    const transfer = await worker({ to: devWallet(1).address, gasLimit: 21_000n });
    const creation = await worker({ to: null, data: counterArtifact().bytecode, gasLimit: 1_000_000n });
    assert.ok(transfer.transferTo !== undefined, 'the transfer has the plain-transfer shape');
    for (const [tx, reason] of [
      [unsponsored, /not sponsored: gas price 0 is accepted only for calls to a contract that pays its callers' gas/],
      [transfer, /not sponsored/],
      [creation, /sponsored transactions cannot create contracts/],
    ] as const) {
      const built = await c.executeOnCopy([tx], 'build');
      assert.equal(built.transactions.length, 0);
      assert.match(built.rejected[0]?.reason ?? '', reason);
      await assert.rejects(c.executeOnCopy([tx], 'apply'), reason, 'a block carrying it is invalid');
    }
    assert.equal(await c.nonce(caller.address), 0n);
    // and admission refuses the creation before any state is read (CyberMiles' mainnet halt)
    assert.throws(
      () => validateRawTx(creation.raw, c.chain.txCommon, c.rules),
      (e: unknown) => isChainError(e) && e.code === 'TX_SPONSORED_CREATE' && /sponsored transactions cannot create contracts/.test(e.message),
    );
  });
});

describe('sponsored transactions in the mempool', () => {
  const target = `0x${'5'.repeat(40)}`;
  const sponsored = (sender: string, nonce: number, gasLimit: bigint, deposit: bigint, callerGasLeft = 10n ** 9n): PoolTx<string> => ({
    hash: `0x${sender.slice(2, 10)}${nonce.toString(16).padStart(56, '0')}`,
    sender,
    nonce: BigInt(nonce),
    gasLimit,
    maxFeePerGas: 0n,
    maxPriorityFeePerGas: 0n,
    value: 0n,
    size: 100,
    payload: `${sender}/${nonce}`,
    sponsor: { target, deposit, callerGasLeft },
  });
  const A = `0x${'a'.repeat(40)}`;
  const B = `0x${'b'.repeat(40)}`;
  const empty = { nonce: 0n, balance: 0n };
  const codeOf = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return isChainError(e) ? e.code : String(e);
    }
    return 'admitted';
  };

  test('pending sponsored transactions to one target together never claim more than its deposit', () => {
    const pool = createMempool<string>({ ...testMempoolOptions, minGasPrice: 2n });
    const fee = 2n;
    assert.equal(codeOf(() => pool.add(sponsored(A, 0, 100n, 250n), empty, fee)), 'admitted', '200 of 250 wei');
    assert.equal(codeOf(() => pool.add(sponsored(B, 0, 30n, 250n), empty, fee)), MempoolErrorCode.SPONSOR_DEPOSIT_RESERVED, '200 + 60 > 250');
    assert.equal(codeOf(() => pool.add(sponsored(B, 0, 25n, 250n), empty, fee)), 'admitted', '200 + 50 = 250');
    assert.deepEqual(pool.pending(fee).map((t) => t.payload), [`${A}/0`, `${B}/0`], 'both are executable at price 0');
    pool.remove(sponsored(A, 0, 100n, 250n).hash);
    assert.equal(codeOf(() => pool.add(sponsored(A, 0, 100n, 250n), empty, fee)), 'admitted', 'a mined (removed) one gives its claim back');
  });

  test("a caller's pending sponsored transactions share its window budget; a price-0 one without a sponsor is underpriced", () => {
    const pool = createMempool<string>({ ...testMempoolOptions, minGasPrice: 2n });
    assert.equal(codeOf(() => pool.add(sponsored(A, 0, 60n, 10n ** 6n, 100n), empty, 2n)), 'admitted');
    assert.equal(codeOf(() => pool.add(sponsored(A, 1, 50n, 10n ** 6n, 100n), empty, 2n)), MempoolErrorCode.SPONSOR_WINDOW_RESERVED);
    assert.equal(codeOf(() => pool.add(sponsored(A, 1, 40n, 10n ** 6n, 100n), empty, 2n)), 'admitted');
    const { sponsor: _, ...unsponsored } = sponsored(B, 0, 21_000n, 0n);
    assert.equal(codeOf(() => pool.add(unsponsored, empty, 2n)), MempoolErrorCode.UNDERPRICED);
  });
});
