/**
 * The contract-call fast path (src/execution/contractCall.ts) must be invisible: blocks of calls to
 * contracts executed with it and without it give the same header (state root, receipts root, bloom, gas),
 * the same included and rejected transactions and the same receipts, block after block; and a block it
 * built re-executes in apply mode, without it, to the same header. Random programs (test/utils/evmPrograms.ts)
 * and fixed ones (every SSTORE case, transient storage, logs, every environment opcode, copies past the
 * end), exact gas limits found by search (the SSTORE 2,300-gas sentry, memory expansion), the VM's
 * rejections, targets without code, precompiles and EIP-7702 delegations, programs the fast path must hand
 * back, and an OpenZeppelin ERC-20. `contractCallRuns` shows the fast path really ran (and handed back what
 * it must). Seeded: a failure names its seed, block and transaction (program, calldata, value, gas, type);
 * SEED=<n> replays it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { createTx } from '@ethereumjs/tx';
import { Account, createAddressFromString } from '@ethereumjs/util';
import { AbiCoder, Interface, Transaction } from 'ethers';
import type { HDNodeWallet } from 'ethers';
import { BlockBuilder, contractCallRuns, executeBlock, prevRandaoFor, runCall, validateRawTx } from '../../../src/execution/index.ts';
import type { BlockContext, CallRequest, ExecuteOptions, ExecutedBlock, ValidatedTx } from '../../../src/execution/index.ts';
import { keccak256 } from '../../../src/crypto/index.ts';
import { FEE_POOL_ADDRESS } from '../../../src/params/index.ts';
import { bigintToBytes, bytesToHex, hexToBytes } from '../../../src/primitives/index.ts';
import { hashHeader } from '../../../src/types/index.ts';
import { CHAIN_ID, ONE, createTestChain, devWallet, firstBlockContext } from '../../utils/chain.ts';
import type { TestChain } from '../../utils/chain.ts';
import { loadTestToken } from '../../utils/contracts.ts';
import { BAIL_SNIPPETS, pick, push, randomBytes, randomCallProgram, randomCalldata, randomWord } from '../../utils/evmPrograms.ts';
import { seededRandom } from '../../utils/random.ts';

/** A failure names its seed; SEED=<n> replays it (and runs only it). */
const SEEDS = process.env.SEED === undefined ? [1, 2, 3] : [Number(process.env.SEED)];
const SEED = SEEDS[0] as number;

const SENDERS = 7;
const DELEGATED_SENDER = 4; // code 0xef0100 || contract: an EIP-7702 account, which may send
const CODE_SENDER = 5; // code 0x00: the VM rejects its transactions (EIP-3607)
const POOR = 6; // 0.005 ether: not enough for a big gas limit
const GWEI = 10n ** 9n;
const GENEROUS = 2_000_000n;
const OFF: ExecuteOptions = { plainTransfers: false, contractCalls: false };

const address = (prefix: string, i: number): string => `0x${prefix}${i.toString(16).padStart(40 - prefix.length, '0')}`;
const CONTRACTS = [0, 1, 2, 3, 4, 5].map((i) => address('c0de', i));
const DELEGATIONS = {
  toContract: address('de1e', 1),
  toEoa: address('de1e', 2),
  toPrecompile: address('de1e', 3),
  toDelegation: address('de1e', 4),
};
const EMPTY = address('e000', 1); // exists, no code, nothing in it: EIP-161 deletes it when touched
const PRECOMPILES = [...Array.from({ length: 0x11 }, (_, i) => address('', i + 1)), address('', 0x100)];

const wallets: HDNodeWallet[] = Array.from({ length: SENDERS }, (_, i) => devWallet(i));
const walletAddress = (i: number): string => (wallets[i] as HDNodeWallet).address;

const strip = (hex: string): string => (hex.startsWith('0x') ? hex.slice(2) : hex);
const word = (v: bigint): string => v.toString(16).padStart(64, '0');
const designator = (target: string): string => `ef0100${strip(target).toLowerCase()}`;

/** Assembles hex pieces with labels: ':name' is a JUMPDEST, '@name' a PUSH2 of where that JUMPDEST is. */
function asm(...parts: string[]): string {
  const labels = new Map<string, number>();
  let pc = 0;
  for (const p of parts) {
    if (p.startsWith(':')) labels.set(p.slice(1), pc);
    pc += p.startsWith(':') ? 1 : p.startsWith('@') ? 3 : p.length / 2;
  }
  return parts
    .map((p) => {
      if (p.startsWith(':')) return '5b';
      if (!p.startsWith('@')) return p;
      const at = labels.get(p.slice(1));
      if (at === undefined) throw new Error(`no label ${p}`);
      return `61${at.toString(16).padStart(4, '0')}`;
    })
    .join('');
}

/** Binary operation `op` on (a, b), a on top (as the yellow paper writes it: op(a, b)). */
const op2 = (op: string, a: bigint, b: bigint): string => push(b) + push(a) + op;
const op3 = (op: string, a: bigint, b: bigint, c: bigint): string => push(c) + push(b) + push(a) + op;
const NEG = (v: bigint): bigint => (2n ** 256n - v) % 2n ** 256n;

interface Install {
  code: string;
  balance?: bigint;
  nonce?: bigint;
  storage?: Array<[bigint, bigint]>;
}

/** Puts code (and balance, nonce, storage slots) at `at`, keeping what else the account has. */
async function install(chain: TestChain, at: string, what: Install): Promise<void> {
  const a = createAddressFromString(at);
  const account = (await chain.state.getAccount(a)) ?? new Account(1n, 0n);
  if (what.balance !== undefined) account.balance = what.balance;
  if (what.nonce !== undefined) account.nonce = what.nonce;
  await chain.state.putAccount(a, account);
  await chain.state.putCode(a, hexToBytes(`0x${what.code}`));
  for (const [key, value] of what.storage ?? []) await chain.state.putStorage(a, hexToBytes(`0x${word(key)}`), bigintToBytes(value));
}

/** The accounts every test starts from: senders with code, a poor sender, delegations, an empty account. */
async function prepareAccounts(chain: TestChain): Promise<void> {
  await install(chain, walletAddress(CODE_SENDER), { code: '00' });
  await install(chain, walletAddress(DELEGATED_SENDER), { code: designator(CONTRACTS[1] as string) });
  const poor = createAddressFromString(walletAddress(POOR));
  await chain.state.putAccount(poor, new Account(0n, 5n * 10n ** 15n));
  await install(chain, DELEGATIONS.toContract, { code: designator(CONTRACTS[0] as string), nonce: 1n, balance: ONE });
  await install(chain, DELEGATIONS.toEoa, { code: designator(walletAddress(1)) });
  await install(chain, DELEGATIONS.toPrecompile, { code: designator(address('', 4)) });
  await install(chain, DELEGATIONS.toDelegation, { code: designator(DELEGATIONS.toContract) });
  await chain.state.putAccount(createAddressFromString(EMPTY), new Account());
}

type GasSpec = bigint | 'minimum' | { boundary: number; memo?: string };

interface TxSpec {
  from: number;
  /** Undefined: a contract creation. */
  to?: string;
  data?: string;
  value?: bigint;
  type?: 0 | 1 | 2;
  /** Gas price (types 0 and 1) or fee cap (type 2). */
  price?: bigint;
  tip?: bigint;
  accessList?: Array<{ address: string; storageKeys: string[] }>;
  /** A number, the admission minimum, or the smallest limit that does not run out of gas plus `boundary`. */
  gas?: GasSpec;
  /** Added to the sender's nonce (a wrong nonce). */
  nonceOffset?: number;
}

/** Plain data (hex strings for bytes, strings for bigints), so that deepEqual and messages show values. */
function plain(x: unknown): unknown {
  if (x instanceof Uint8Array) return bytesToHex(x);
  if (typeof x === 'bigint') return x.toString();
  if (Array.isArray(x)) return x.map(plain);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

interface Summary {
  header: Record<string, unknown>;
  included: string[];
  rejected: Array<[string, string]>;
  receipts: unknown[];
}

function summary(out: ExecutedBlock): Summary {
  return {
    header: plain(out.header) as Record<string, unknown>,
    included: out.transactions.map((t) => t.hash),
    rejected: out.rejected.map((r) => [r.tx.hash, r.reason]),
    receipts: out.receipts.map(plain),
  };
}

function validated(chain: TestChain, raws: Uint8Array[]): ValidatedTx[] {
  return raws.map((raw) => validateRawTx(raw, chain.txCommon, chain.rules));
}

const runsNow = (): { fast: number; fallback: number } => ({ fast: contractCallRuns.fast, fallback: contractCallRuns.fallback });

/**
 * Four chains from the same state: `probe` builds each block one transaction at a time with the fast path
 * off (so that a gas limit can be searched for in the state the transaction will meet), then `fast` (fast
 * path on) and `vm` (off) execute the same transactions in build mode, and `applied` re-executes what
 * `fast` included in apply mode (off). Every block's results must be equal.
 */
class Harness {
  readonly descriptions = new Map<string, string>();
  readonly runs = { fast: 0, fallback: 0 };
  readonly boundaries = new Map<string, bigint>();
  txs = 0;
  notAdmitted = 0;
  private blockNumber = 0;

  private constructor(
    readonly label: string,
    readonly probe: TestChain,
    readonly fast: TestChain,
    readonly vm: TestChain,
    readonly applied: TestChain,
    public ctx: BlockContext,
  ) {}

  static async create(label: string, setup?: (chain: TestChain) => Promise<void>): Promise<Harness> {
    const chains: TestChain[] = [];
    for (let i = 0; i < 4; i++) {
      const chain = await createTestChain(SENDERS);
      await prepareAccounts(chain);
      await setup?.(chain);
      chains.push(chain);
    }
    const [probe, fast, vm, applied] = chains as [TestChain, TestChain, TestChain, TestChain];
    return new Harness(label, probe, fast, vm, applied, firstBlockContext(fast));
  }

  /** The same state edit on every chain (between blocks). */
  async setup(edit: (chain: TestChain) => Promise<void>): Promise<void> {
    for (const chain of [this.probe, this.fast, this.vm, this.applied]) await edit(chain);
  }

  /**
   * Runs one block of `specs` on all four chains and compares them. `fastOptions` are the fast chain's
   * options (default: none, so the fast path's default is tested); `baseFee` this block's base fee.
   */
  async block(specs: TxSpec[], options: { baseFee?: bigint; fastOptions?: ExecuteOptions; fastBatches?: number } = {}): Promise<ExecutedBlock> {
    this.blockNumber++;
    const label = `${this.label}, block ${this.blockNumber} (seed ${SEED}; SEED=<n> replays)`;
    const ctx: BlockContext = { ...this.ctx, baseFeePerGas: options.baseFee ?? this.ctx.baseFeePerGas };
    const start = runsNow();
    const builder = await BlockBuilder.open(this.probe.vm, this.probe.common, ctx, 'build', {}, OFF);
    const raws: Uint8Array[] = [];
    for (const spec of specs) {
      const raw = await this.sign(spec, ctx);
      let tx: ValidatedTx;
      try {
        tx = validateRawTx(raw, this.probe.txCommon, this.probe.rules);
      } catch {
        this.notAdmitted++; // e.g. a tip above the fee cap: never reaches a block
        continue;
      }
      raws.push(raw);
      await builder.add([tx]);
    }
    const probed = await builder.seal();
    await builder.accept();
    this.txs += raws.length;

    const before = runsNow();
    assert.deepEqual(before, start, `${label}: the fast path ran with contractCalls: false (probe chain)`);
    const a = await this.runFast(ctx, validated(this.fast, raws), options.fastOptions ?? {}, options.fastBatches ?? 1);
    const after = runsNow();
    this.runs.fast += after.fast - before.fast;
    this.runs.fallback += after.fallback - before.fallback;
    const b = await executeBlock(this.vm.vm, this.vm.common, ctx, validated(this.vm, raws), 'build', {}, OFF);
    const c = await executeBlock(this.applied.vm, this.applied.common, ctx, validated(this.applied, a.transactions.map((t) => t.raw)), 'apply', {}, OFF);
    assert.deepEqual(runsNow(), after, `${label}: the fast path ran with contractCalls: false`);
    assert.ok(after.fast + after.fallback - before.fast - before.fallback <= raws.length, `${label}: more fast-path runs than transactions`);

    this.compare(`${label}: fast path on vs off`, summary(a), summary(b));
    this.compare(`${label}: apply mode (off) of the block the fast path built`, summary(c), { ...summary(a), rejected: [] });
    this.compare(`${label}: the probe chain (harness check, not the fast path)`, summary(probed), summary(b));
    this.ctx = { ...ctx, height: ctx.height + 1n, timestamp: ctx.timestamp + 1n, parentHash: hashHeader(a.header) };
    return a;
  }

  /**
   * The fast chain's block: executeBlock, or (with `batches` > 1) a BlockBuilder fed in batches with
   * flushState between them, as the node's executor does while it waits for more transactions.
   */
  private async runFast(ctx: BlockContext, txs: ValidatedTx[], options: ExecuteOptions, batches: number): Promise<ExecutedBlock> {
    if (batches <= 1) return executeBlock(this.fast.vm, this.fast.common, ctx, txs, 'build', {}, options);
    const builder = await BlockBuilder.open(this.fast.vm, this.fast.common, ctx, 'build', {}, options);
    const size = Math.ceil(txs.length / batches);
    for (let i = 0; i < txs.length; i += size) {
      await builder.add(txs.slice(i, i + size));
      await builder.flushState();
    }
    const sealed = await builder.seal();
    await builder.accept();
    return sealed;
  }

  /** Signs `spec` with the sender's current nonce in the probe chain's block (and a gas limit found there). */
  private async sign(spec: TxSpec, ctx: BlockContext): Promise<Uint8Array> {
    const from = walletAddress(spec.from);
    const account = await this.probe.state.getAccount(createAddressFromString(from));
    const nonce = Math.max(0, Number(account?.nonce ?? 0n) + (spec.nonceOffset ?? 0));
    const type = spec.type ?? 2;
    const price = spec.price ?? 3n * GWEI;
    const tip = spec.tip ?? GWEI;
    const fees = type === 2 ? { maxFeePerGas: price, maxPriorityFeePerGas: tip } : { gasPrice: price };
    const accessList = type === 0 ? undefined : (spec.accessList ?? []);
    const fields = { type, to: spec.to ?? null, value: spec.value ?? 0n, nonce, chainId: CHAIN_ID, data: spec.data ?? '0x', ...fees, ...(accessList === undefined ? {} : { accessList }) };
    const minimum = minimumGas(this.probe, fields);
    let gasLimit: bigint;
    if (spec.gas === undefined) gasLimit = GENEROUS;
    else if (spec.gas === 'minimum') gasLimit = minimum;
    else if (typeof spec.gas === 'bigint') gasLimit = spec.gas;
    else {
      const memo = spec.gas.memo;
      const found = (memo === undefined ? undefined : this.boundaries.get(memo)) ?? (await this.boundary(ctx, spec, minimum));
      if (memo !== undefined) this.boundaries.set(memo, found);
      gasLimit = found + BigInt(spec.gas.boundary);
    }
    if (gasLimit < minimum) gasLimit = minimum;
    const raw = hexToBytes(await (wallets[spec.from] as HDNodeWallet).signTransaction(Transaction.from({ ...fields, gasLimit })));
    const code = spec.to === undefined ? '(creation)' : bytesToHex(await this.probe.state.getCode(createAddressFromString(spec.to)));
    const data = spec.data ?? '0x';
    const zeros = (data.slice(2).match(/../g) ?? []).filter((b) => b === '00').length;
    const shownData = data.length <= 2 + 2 * 512 ? data : `${data.slice(0, 130)}... (${(data.length - 2) / 2} bytes, ${zeros} zero)`;
    this.descriptions.set(
      bytesToHex(keccak256(raw)),
      `from dev ${spec.from} (nonce ${nonce}) to ${spec.to ?? 'creation'} [code ${code === '0x' ? 'none' : code}] data ${shownData} value ${spec.value ?? 0n} gasLimit ${gasLimit} (${typeof spec.gas === 'object' ? `boundary${spec.gas.boundary >= 0 ? '+' : ''}${spec.gas.boundary}` : String(spec.gas ?? 'generous')}) type ${type} ${type === 2 ? `maxFee ${price} tip ${tip}` : `gasPrice ${price}`}${accessList !== undefined && accessList.length > 0 ? ` accessList ${JSON.stringify(accessList)}` : ''}; block base fee ${ctx.baseFeePerGas}`,
    );
    return raw;
  }

  /**
   * The smallest gas limit with which the call does not run out of gas, in the state of the block being
   * built (runCall, reverted afterwards). Starts from the gas the call consumed with plenty: usually that
   * is it; the SSTORE sentry (more) and the calldata floor (less) make it search.
   */
  private async boundary(ctx: BlockContext, spec: TxSpec, minimum: bigint): Promise<bigint> {
    const env = { height: ctx.height, timestamp: ctx.timestamp, coinbase: ctx.feePool, gasLimit: ctx.gasLimit, baseFeePerGas: ctx.baseFeePerGas, prevRandao: prevRandaoFor(ctx) };
    const type = spec.type ?? 2;
    const request: CallRequest = {
      from: hexToBytes(walletAddress(spec.from)),
      ...(spec.to === undefined ? {} : { to: hexToBytes(spec.to) }),
      data: hexToBytes(spec.data ?? '0x'),
      value: spec.value ?? 0n,
      ...(type === 2 ? { maxFeePerGas: spec.price ?? 3n * GWEI, maxPriorityFeePerGas: spec.tip ?? GWEI } : { gasPrice: spec.price ?? 3n * GWEI }),
      ...(spec.accessList !== undefined && spec.accessList.length > 0 ? { accessList: spec.accessList } : {}),
    };
    const run = async (gas: bigint) => {
      try {
        return await runCall(this.probe.vm, this.probe.txCommon, env, request, gas);
      } catch {
        return undefined; // e.g. a value above the balance: no boundary to find
      }
    };
    const outOfGas = async (gas: bigint) => (await run(gas))?.error === 'out of gas';
    const first = await run(GENEROUS);
    if (first === undefined || first.error === 'out of gas') return GENEROUS;
    let lo = minimum - 1n; // lo runs out of gas (or is below the minimum), hi does not
    let hi = GENEROUS;
    const guess = first.gasConsumed;
    if (guess > lo && guess < hi) {
      if (await outOfGas(guess)) lo = guess;
      else if (guess - 1n > lo && (await outOfGas(guess - 1n))) return guess;
      else hi = guess;
    }
    if (lo < minimum && !(await outOfGas(minimum))) return minimum;
    if (lo < minimum) lo = minimum;
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (await outOfGas(mid)) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  /** Equal summaries, or a message that names what differs and the transaction where it starts. */
  private compare(label: string, x: Summary, y: Summary): void {
    if (isDeepStrictEqual(x, y)) return;
    const lines = [label];
    for (const key of Object.keys({ ...x.header, ...y.header })) {
      if (!isDeepStrictEqual(x.header[key], y.header[key])) lines.push(`header.${key}: ${JSON.stringify(x.header[key])} vs ${JSON.stringify(y.header[key])}`);
    }
    const txAt = (hash: string | undefined) => (hash === undefined ? '(none)' : `${hash}: ${this.descriptions.get(hash) ?? '?'}`);
    const firstDiff = <T,>(p: T[], q: T[]) => {
      for (let i = 0; i < Math.max(p.length, q.length); i++) if (!isDeepStrictEqual(p[i], q[i])) return i;
      return -1;
    };
    const inc = firstDiff(x.included, y.included);
    if (inc >= 0) lines.push(`included differ from #${inc}: ${txAt(x.included[inc])} vs ${txAt(y.included[inc])}`);
    const rej = firstDiff(x.rejected, y.rejected);
    if (rej >= 0) lines.push(`rejected differ from #${rej}: ${JSON.stringify(x.rejected[rej])} vs ${JSON.stringify(y.rejected[rej])}; tx ${txAt((x.rejected[rej] ?? y.rejected[rej])?.[0])}`);
    const rec = firstDiff(x.receipts, y.receipts);
    if (rec >= 0) lines.push(`receipts differ from #${rec}: ${JSON.stringify(x.receipts[rec])} vs ${JSON.stringify(y.receipts[rec])}; tx ${txAt(x.included[rec])}`);
    if (inc < 0 && rej < 0 && rec < 0) {
      lines.push('receipts equal, state differs: one of these transactions left different state:');
      for (const hash of x.included) lines.push(`  ${txAt(hash)}`);
    }
    assert.fail(lines.join('\n'));
  }
}

/** The admission minimum: intrinsic gas or the EIP-7623 calldata floor, whichever is more. */
function minimumGas(chain: TestChain, fields: { type: number; to: string | null; value: bigint; data: string; accessList?: Array<{ address: string; storageKeys: string[] }> }): bigint {
  const tx = createTx(
    {
      type: fields.type,
      ...(fields.to === null ? {} : { to: fields.to }),
      value: fields.value,
      data: fields.data,
      gasLimit: 10_000_000n,
      ...(fields.type === 2 ? { maxFeePerGas: 1n, maxPriorityFeePerGas: 0n } : { gasPrice: 1n }),
      ...(fields.accessList === undefined ? {} : { accessList: fields.accessList as never }),
    } as never,
    { common: chain.txCommon },
  );
  return tx.getMinimumGasLimit();
}

// ---------------------------------------------------------------------------------------------------------
// random programs, calldata, values, fees, gas limits

/** A random call: mostly to the random contracts, sometimes to delegations, precompiles, accounts without code. */
function randomCall(rand: () => number, contracts: readonly string[]): TxSpec {
  const s = rand();
  const from = s < 0.04 ? CODE_SENDER : s < 0.12 ? POOR : s < 0.2 ? DELEGATED_SENDER : Math.floor(rand() * 4);
  const t = rand();
  const fresh = address('f2e5', Math.floor(rand() * 2 ** 40));
  const to =
    t < 0.75
      ? pick(rand, contracts)
      : t < 0.83
        ? pick(rand, [...Object.values(DELEGATIONS), walletAddress(DELEGATED_SENDER)])
        : t < 0.89
          ? pick(rand, PRECOMPILES)
          : pick(rand, [fresh, EMPTY, walletAddress(1), walletAddress(from), walletAddress(CODE_SENDER)]);
  const v = rand();
  const value = v < 0.55 ? 0n : v < 0.7 ? 1n : v < 0.8 ? ONE : v < 0.85 ? 2000n * ONE : BigInt(Math.floor(rand() * 1e6));
  const type = pick(rand, [0, 0, 1, 1, 2, 2, 2] as const);
  const priceChoice = rand();
  const price = priceChoice < 0.03 ? 0n : pick(rand, [2n * GWEI, 2n * GWEI + 1n, 3n * GWEI, 7n * GWEI, 10n * GWEI, 10n * GWEI, 20n * GWEI, 20n * GWEI]);
  const tip = type === 2 ? pick(rand, [0n, 1n, GWEI, 3n * GWEI, price]) : undefined;
  const accessList =
    type !== 0 && rand() < 0.12 ? [{ address: pick(rand, [to, fresh]), storageKeys: rand() < 0.5 ? [] : [`0x${word(BigInt(Math.floor(rand() * 4)))}`] }] : undefined;
  const g = rand();
  const gas: GasSpec =
    g < 0.3 ? GENEROUS : g < 0.7 ? { boundary: pick(rand, [-1, 0, 0, 0, 1, 2, 5, Math.floor(rand() * 600) - 300]) } : g < 0.9 ? 25_000n + BigInt(Math.floor(rand() * 300_000)) : 'minimum';
  const n = rand();
  return {
    from,
    to,
    data: randomCalldata(rand),
    value,
    type,
    price,
    ...(tip === undefined ? {} : { tip: tip > price ? price : tip }),
    ...(accessList === undefined ? {} : { accessList }),
    gas,
    ...(n < 0.03 ? { nonceOffset: 1 } : n < 0.05 ? { nonceOffset: -1 } : {}),
  };
}

/** Storage for a contract: a few small slots with nonzero values (and some left zero). */
function randomStorage(rand: () => number): Array<[bigint, bigint]> {
  const slots: Array<[bigint, bigint]> = [];
  for (let key = 0n; key < 4n; key++) if (rand() < 0.6) slots.push([key, rand() < 0.3 ? 1n : randomWord(rand) || 1n]);
  if (rand() < 0.5) slots.push([0x100n, randomWord(rand) || 1n]);
  return slots;
}

for (const seed of SEEDS) {
  test(`random programs called with random calldata, values, fees and gas limits give the VM's exact blocks (seed ${seed})`, async (t: TestContext) => {
    const rand = seededRandom(seed);
    const targets = [...CONTRACTS, FEE_POOL_ADDRESS]; // the fee pool is the coinbase: its balance grows by the tips
    const programs = new Map<string, Install>();
    for (const [i, at] of targets.entries()) {
      programs.set(at, { code: randomCallProgram(rand, { bail: 0.1 }).code, ...(i % 2 === 0 ? { storage: randomStorage(rand) } : {}), ...(i % 3 === 1 ? { balance: BigInt(i) * ONE } : {}) });
    }
    const h = await Harness.create(`random programs (seed ${seed})`, async (chain) => {
      for (const [at, what] of programs) await install(chain, at, what);
    });
    const baseFees = [2n * GWEI, 7n * GWEI, 0n, 2n * GWEI + 1n, 3n * GWEI];
    for (const [i, baseFee] of baseFees.entries()) {
      if (i > 0) {
        // new programs at some addresses (storage kept: it meets code that did not write it)
        const replaced: Array<[string, string]> = [];
        for (const at of targets) if (rand() < 0.4) replaced.push([at, randomCallProgram(rand, { bail: 0.1 }).code]);
        await h.setup(async (chain) => {
          for (const [at, code] of replaced) await install(chain, at, { code });
        });
      }
      const specs = Array.from({ length: 40 }, () => randomCall(rand, targets));
      // the plain-transfer path on and off: with it off, the fast path meets calls to accounts without code
      const fastOptions: ExecuteOptions = i === 0 ? {} : i % 2 === 1 ? { plainTransfers: false, contractCalls: true } : { plainTransfers: true };
      await h.block(specs, { baseFee, fastOptions, fastBatches: i === 3 ? 4 : 1 });
    }
    t.diagnostic(`${h.txs} transactions (${h.notAdmitted} not admitted): ${h.runs.fast} on the fast path, ${h.runs.fallback} handed back`);
    assert.ok(h.runs.fast >= h.txs / 10, `the fast path ran ${h.runs.fast} of ${h.txs} transactions (seed ${seed})`);
    assert.ok(h.runs.fallback > 0, `the fast path handed nothing back (seed ${seed})`);
  });
}

// ---------------------------------------------------------------------------------------------------------
// SSTORE: every EIP-2200/3529 case

test('every SSTORE case on one slot (0->0, 0->x, x->y, x->0, x->0->x, 0->x->0, x->y->x, ... up to three stores), cold and warm, ended by STOP, RETURN and REVERT, with plenty of gas and with exactly enough', async (t: TestContext) => {
  const X = 5n;
  const Y = 7n;
  const endings = { STOP: '00', RETURN: '60205ff3', REVERT: '60205ffd' } as const;
  const sequences: bigint[][] = [];
  for (let len = 1; len <= 3; len++) {
    for (let n = 0; n < 3 ** len; n++) sequences.push(Array.from({ length: len }, (_, i) => [0n, X, Y][Math.floor(n / 3 ** i) % 3] as bigint));
  }
  interface Case {
    original: bigint;
    sequence: bigint[];
    warm: boolean;
    ending: keyof typeof endings;
  }
  const cases: Case[] = [];
  for (const ending of Object.keys(endings) as Array<keyof typeof endings>) {
    for (const original of [0n, X]) for (const sequence of sequences) for (const warm of [false, true]) cases.push({ original, sequence, warm, ending });
  }
  // BURN: a loop of 3,000 rounds (78,000 gas) first, so that the refund stays under its cap (a fifth of the gas used)
  const BURN = '610bb8' + '5b' + '600190038061000357' + '50';
  const program = (c: Case, burn = false) => (burn ? BURN : '') + (c.warm ? '5f5450' : '') + c.sequence.map((v) => push(v) + '5f55').join('') + endings[c.ending];
  // one account per case and gas limit: each transaction meets the slot at its original value
  const variants: Array<{ name: string; gas: (c: Case) => GasSpec; only?: keyof typeof endings; burn?: boolean }> = [
    { name: 'plenty', gas: () => 200_000n },
    { name: 'plenty, the refund under its cap', gas: () => 300_000n, burn: true },
    { name: 'exactly enough', gas: (c) => ({ boundary: 0, memo: `${program(c)}/${c.original}` }) },
    { name: 'one short', gas: (c) => ({ boundary: -1, memo: `${program(c)}/${c.original}` }), only: 'STOP' },
    { name: 'one more', gas: (c) => ({ boundary: 1, memo: `${program(c)}/${c.original}` }), only: 'RETURN' },
  ];
  const at = (v: number, i: number) => address(`55${v}`, i);
  const h = await Harness.create('SSTORE cases', async (chain) => {
    for (const [v, variant] of variants.entries()) {
      for (const [i, c] of cases.entries()) {
        if (variant.only !== undefined && variant.only !== c.ending) continue;
        await install(chain, at(v, i), { code: program(c, variant.burn), storage: c.original === 0n ? [] : [[0n, c.original]] });
      }
    }
  });
  for (const [v, variant] of variants.entries()) {
    for (const ending of Object.keys(endings) as Array<keyof typeof endings>) {
      if (variant.only !== undefined && variant.only !== ending) continue;
      const specs: TxSpec[] = [];
      for (const [i, c] of cases.entries()) {
        if (c.ending === ending) specs.push({ from: i % 4, to: at(v, i), type: pick(seededRandom(i + 1), [0, 1, 2] as const), gas: variant.gas(c) });
      }
      const out = await h.block(specs);
      assert.equal(out.transactions.length, specs.length, `${variant.name}, ${ending}: every case included`);
      if (variant.name === 'one short') assert.ok(out.receipts.every((r) => r.status === 0), 'one gas short of the boundary runs out of gas');
      if (variant.name !== 'one short' && ending !== 'REVERT') assert.ok(out.receipts.every((r) => r.status === 1), `${variant.name}, ${ending}: every case succeeds`);
    }
  }
  t.diagnostic(`${h.txs} transactions: ${h.runs.fast} on the fast path, ${h.runs.fallback} handed back`);
  assert.ok(h.runs.fast >= h.txs / 2, `the fast path ran ${h.runs.fast} of ${h.txs}`);
});

test('the same slot written by consecutive transactions of one block: each meets the value the previous one left as its original', async (t: TestContext) => {
  const rand = seededRandom(SEED + 100);
  const SEQ = address('5e90', 1); // stores calldata words 0, 1, 2 into slot 0 in turn
  const SEQ_REVERT = address('5e90', 2); // the same, then reverts
  const COUNTER = address('5e90', 3); // slot 0 += 1
  const stores = [0, 1, 2].map((i) => push(BigInt(32 * i)) + '355f55').join('');
  const h = await Harness.create('consecutive SSTOREs', async (chain) => {
    await install(chain, SEQ, { code: stores + '00', storage: [[0n, 5n]] });
    await install(chain, SEQ_REVERT, { code: stores + '5f5ffd', storage: [[0n, 5n]] });
    await install(chain, COUNTER, { code: '5f54600101' + '5f5500' });
  });
  for (let block = 0; block < 3; block++) {
    const specs: TxSpec[] = [];
    for (let i = 0; i < 30; i++) {
      const values = [0, 1, 2].map(() => pick(rand, [0n, 5n, 7n]));
      const to = pick(rand, [SEQ, SEQ, SEQ_REVERT, COUNTER]);
      specs.push({ from: Math.floor(rand() * 4), to, data: `0x${values.map(word).join('')}`, type: pick(rand, [0, 1, 2] as const), gas: rand() < 0.5 ? 150_000n : { boundary: pick(rand, [-1, 0, 0, 1]) } });
    }
    await h.block(specs);
  }
  const counter = await h.fast.state.getStorage(createAddressFromString(COUNTER), hexToBytes(`0x${word(0n)}`));
  assert.ok(counter.length > 0, 'the counter counted');
  t.diagnostic(`${h.txs} transactions: ${h.runs.fast} on the fast path, ${h.runs.fallback} handed back`);
  assert.ok(h.runs.fast >= h.txs / 2, `the fast path ran ${h.runs.fast} of ${h.txs}`);
});

// ---------------------------------------------------------------------------------------------------------
// transient storage, logs, environment, arithmetic, copies

test('TSTORE/TLOAD within a transaction, never across transactions, undone by REVERT', async () => {
  const T = address('75a0', 1);
  // calldata word 0 is the mode: 1 stores 0xaa transiently (slot 1 gets TLOAD(1)); 2 stores 0xbb and reverts;
  // anything else records TLOAD(1) in slot 2 (0 unless it leaked) and TLOAD(2) in slot 3
  const code = asm(
    '5f35600114', '@one', '57',
    '5f35600214', '@two', '57',
    '60015c600255', '60025c600355', '00',
    ':one', '60aa60015d', '60015c600155', '5f60025d', '60015c', '60025c', '01', '600455', '00',
    ':two', '60bb60015d', '60015c600555', '5f5ffd',
  );
  const h = await Harness.create('transient storage', async (chain) => {
    await install(chain, T, { code, storage: [[2n, 9n], [3n, 9n]] });
  });
  const mode = (m: bigint) => `0x${word(m)}`;
  const specs: TxSpec[] = [1n, 0n, 2n, 0n, 1n, 1n, 0n, 2n, 2n, 0n].map((m, i) => ({ from: i % 3, to: T, data: mode(m), gas: i % 2 === 0 ? 120_000n : { boundary: 0 } }));
  await h.block(specs);
  await h.block(specs.map((s, i) => ({ ...s, from: (i + 1) % 3 })));
  const slot = async (k: bigint) => bytesToHex(await h.fast.state.getStorage(createAddressFromString(T), hexToBytes(`0x${word(k)}`)));
  assert.equal(await slot(1n), '0xaa', 'TLOAD after TSTORE in the same transaction');
  assert.equal(await slot(2n), '0x', 'nothing leaked into a later transaction (slot 2 was set to 0)');
  assert.equal(await slot(5n), '0x', 'the reverted transaction stored nothing');
  assert.ok(h.runs.fast > 0, 'the fast path ran');
});

/** Code that leaves each of these words on the stack and stores it in its own slot from `first` on. */
function storeEach(expressions: string[], first: number): string {
  return expressions.map((e, i) => e + push(BigInt(first + i)) + '55').join('');
}

const ENVIRONMENT_VALUES = [
  '30', '32', '33', '34', '36', '38', '3a', '3d', '41', '42', '43', '44', '45', '46', '47', '48', '58', '59', '5a',
  '5f35', '600435', '601f35', '602035', `${push(2n ** 255n)}35`, '3660011c35', '6001360335',
];

const M = 2n ** 256n - 1n;
const ARITHMETIC_VALUES = [
  op2('0a', 3n, 2n ** 255n + 12345n), op2('0a', 2n, 255n), op2('0a', 2n, 256n), op2('0a', 0n, 0n), op2('0a', M, M), op2('0a', 7n, 2n ** 64n + 1n), op2('0a', NEG(2n), 255n),
  op2('0b', 0n, 0xffn), op2('0b', 0n, 0x7fn), op2('0b', 1n, 0x8000n), op2('0b', 30n, 2n ** 247n), op2('0b', 31n, 2n ** 255n), op2('0b', 32n, 0x80n), op2('0b', 2n ** 255n, 0xffn),
  op2('1a', 0n, M - 0xffn), op2('1a', 31n, 0x1234n), op2('1a', 32n, M), op2('1a', 2n ** 255n, M), op2('1a', 30n, 0x1234n),
  op2('1d', 1n, NEG(2n)), op2('1d', 255n, M), op2('1d', 256n, NEG(5n)), op2('1d', 256n, 5n), op2('1d', 2n ** 255n, NEG(1n)), op2('1d', 4n, 2n ** 255n), op2('1d', 0n, NEG(9n)),
  op2('1b', 256n, 1n), op2('1b', 255n, 3n), op2('1c', 256n, M), op2('1c', 255n, M), op2('1b', 2n ** 64n, 1n),
  op2('05', NEG(2n ** 255n), NEG(1n)), op2('05', NEG(7n), 2n), op2('05', 7n, NEG(2n)), op2('05', NEG(7n), NEG(2n)), op2('05', 5n, 0n), op2('05', NEG(1n), 0n),
  op2('07', NEG(7n), 2n), op2('07', 7n, NEG(2n)), op2('07', NEG(7n), NEG(2n)), op2('07', NEG(2n ** 255n), NEG(1n)), op2('07', 5n, 0n),
  op2('04', 5n, 0n), op2('06', 5n, 0n), op2('04', M, 3n), op2('06', M, 10n ** 18n),
  op3('08', M, M, 7n), op3('08', 1n, 2n, 0n), op3('08', M, 1n, M), op3('09', M, M, M - 2n), op3('09', 3n, 4n, 0n), op3('09', 2n ** 200n, 2n ** 200n, 1000003n),
  op2('12', NEG(1n), 0n), op2('13', NEG(1n), 0n), op2('10', NEG(1n), 0n), op2('11', NEG(1n), 0n), op2('12', 2n ** 255n, 2n ** 255n - 1n), op2('14', M, NEG(1n)),
  push(0n) + '15', push(M) + '19', push(0n) + '1e', push(1n) + '1e', push(2n ** 255n) + '1e', push(2n ** 200n + 5n) + '1e', op2('16', M, 0xf0f0n), op2('17', 2n ** 255n, 1n), op2('18', M, 0xffn),
  op2('01', M, 2n), op2('02', 2n ** 255n, 3n), op2('03', 0n, 1n),
  '5f5f20', `5f${push(2n ** 64n)}20`, '60405f20',
];

test('every environment and block opcode, and arithmetic at its signed and unsigned edges, reach storage and logs as in the VM', async (t: TestContext) => {
  const V = address('e4e0', 1);
  const rand = seededRandom(SEED + 200);
  // memory gets words (a log's data); environment values to slots 0x10..., arithmetic to 0x40...; then
  // logs with environment values as topics
  const logs =
    '60205fa0' + // LOG0 of memory word 0
    '3360405fa1' + // LOG1(topic CALLER)
    '4342603f6001a2' + // LOG2(TIMESTAMP, NUMBER) of 63 bytes from 1
    '5a3a4860006010a3' + // LOG3(BASEFEE, GASPRICE, GAS) of zero bytes at 0x10
    '32413034' + push(0n) + push(2n ** 64n) + 'a4' + // LOG4(CALLVALUE, ADDRESS, COINBASE, ORIGIN) of zero bytes at 2^64: no memory
    '595fa0'; // all of memory
  const program = push(0x1234n) + '5f52' + '3360205233604052' + storeEach(ENVIRONMENT_VALUES, 0x10) + storeEach(ARITHMETIC_VALUES, 0x40) + logs + '00';
  const h = await Harness.create('environment and arithmetic', async (chain) => {
    await install(chain, V, { code: program, balance: 3n * ONE });
  });
  for (const baseFee of [2n * GWEI, 7n * GWEI, 0n]) {
    const specs: TxSpec[] = [];
    for (let i = 0; i < 12; i++) {
      const type = pick(rand, [0, 1, 2] as const);
      const price = pick(rand, [2n * GWEI, 9n * GWEI, 20n * GWEI]);
      specs.push({
        from: pick(rand, [0, 1, 2, 3, DELEGATED_SENDER]),
        to: rand() < 0.85 ? V : DELEGATIONS.toContract,
        data: randomCalldata(rand),
        value: pick(rand, [0n, 1n, ONE, 12345n]),
        type,
        price,
        ...(type === 2 ? { tip: pick(rand, [0n, 1n, GWEI, price]) } : {}),
        gas: rand() < 0.6 ? GENEROUS : { boundary: pick(rand, [0, 1]) },
      });
    }
    await h.block(specs, { baseFee });
  }
  const slot = async (k: number) => bytesToHex(await h.fast.state.getStorage(createAddressFromString(V), hexToBytes(`0x${word(BigInt(k))}`)));
  assert.equal(BigInt(await slot(0x10 + 13)), CHAIN_ID, 'CHAINID reached storage');
  t.diagnostic(`${h.txs} transactions: ${h.runs.fast} on the fast path, ${h.runs.fallback} handed back`);
  assert.ok(h.runs.fast >= h.txs / 2, `the fast path ran ${h.runs.fast} of ${h.txs}`);
});

test('CALLDATACOPY, CODECOPY and MCOPY across and past the end, KECCAK256 and LOG0-4 of what they copied', async (t: TestContext) => {
  const C = address('c0b1', 1);
  const copy = (op: string, size: bigint, source: bigint, dest: bigint) => push(size) + push(source) + push(dest) + op;
  const code =
    copy('37', 64n, 0n, 0n) + // calldata from its start
    '6040' + '60103603' + '6040' + '37' + // 64 bytes from calldatasize - 16 to 0x40 (past the end)
    copy('37', 32n, 2n ** 255n, 0x80n) + // from a huge offset: zeros
    copy('37', 0n, 2n ** 255n, 2n ** 64n) + // nothing, anywhere: no memory
    copy('39', 40n, 0n, 0xa0n) + // code from its start
    '6030' + '600a3803' + '60c0' + '39' + // from codesize - 10, past the end
    copy('39', 32n, 2n ** 64n, 0x100n) +
    copy('5e', 100n, 10n, 0x20n) + // MCOPY overlapping forwards
    copy('5e', 100n, 0x30n, 0x08n) + // and backwards
    copy('5e', 0n, 2n ** 64n, 2n ** 64n) + // nothing
    copy('5e', 33n, 0x100n, 0x200n) + // growing memory from the destination
    copy('5e', 64n, 0x400n, 0x10n) + // and from the source
    '595f20' + push(1n) + '55' + // KECCAK256 of all of memory
    '595920' + push(2n) + '55' + // KECCAK256 of MSIZE bytes from MSIZE: memory doubles
    '5f5fa0' + '3660205fa1' + '595f5959a2' + '5a60106011600a600ba3' + '36333430' + '6020' + '6005' + 'a4' + '595fa0' +
    push(0x40n) + '5ff3';
  const h = await Harness.create('copies', async (chain) => {
    await install(chain, C, { code });
  });
  const rand = seededRandom(SEED + 300);
  const specs: TxSpec[] = [];
  for (let i = 0; i < 16; i++) specs.push({ from: i % 4, to: C, data: pick(rand, ['0x', '0x01', `0x${randomBytes(rand, 1 + Math.floor(rand() * 100))}`, `0x${randomBytes(rand, 2000, 0.95)}`]), type: pick(rand, [0, 1, 2] as const), gas: rand() < 0.5 ? GENEROUS : { boundary: pick(rand, [-1, 0, 1]) } });
  await h.block(specs);
  t.diagnostic(`${h.txs} transactions: ${h.runs.fast} on the fast path, ${h.runs.fallback} handed back`);
  assert.ok(h.runs.fast >= h.txs / 2, `the fast path ran ${h.runs.fast} of ${h.txs}`);
});

test('gas limits swept across the SSTORE sentry, memory expansion, copies, logs, KECCAK256 and EXP', async (t: TestContext) => {
  const programs = [
    '5f545f5500', // SLOAD then SSTORE of the same value: 100 gas, but the sentry wants more than 2,300 left
    '60015f5560025f5500', // 0 -> 1 -> 2: the second store is dirty (100 gas)
    '5f545f55600160015500', // no-op store, then a fresh slot
    '60015f555f5f5500', // 0 -> 1 -> 0: a refund
    `60aa${push(0x2000n)}5200`, // MSTORE past 8 KiB
    `60aa601f53${push(0x40n)}51${push(0x3ffn)}5300`, // MSTORE8 at a word's last byte, MLOAD, MSTORE8 at 0x3ff
    `${push(0x300n)}5f5f3700`, // CALLDATACOPY growing memory
    `${push(0x200n)}5f${push(0x100n)}5e00`, // MCOPY growing memory (from its destination)
    `${push(0x20n)}${push(0x300n)}5f5e00`, // MCOPY growing memory (from its source)
    `${push(0x500n)}5f2000`, // KECCAK256 of 0x500 bytes
    `33${push(0x123n)}${push(0x40n)}a100`, // LOG1 of 0x123 bytes
    `${push(2n ** 255n + 1n)}${push(3n)}0a5f5500`, // EXP with a 32-byte exponent
    `5a5f55${push(0x100n)}5f20505a60015500`, // GAS stored before and after
  ];
  const deltas = [-5, -2, -1, 0, 1, 2, 5, 30];
  const at = (p: number, d: number) => address(`5eef${p.toString(16).padStart(2, '0')}`, d);
  const h = await Harness.create('gas sweeps', async (chain) => {
    for (const [p, code] of programs.entries()) for (let d = 0; d < deltas.length; d++) await install(chain, at(p, d), { code, storage: p === 0 || p === 2 ? [[0n, 3n]] : [] });
  });
  const specs: TxSpec[] = [];
  for (const [p, code] of programs.entries()) {
    for (const [d, delta] of deltas.entries()) specs.push({ from: d % 4, to: at(p, d), data: '0x', type: 2, gas: { boundary: delta, memo: code } });
  }
  const out = await h.block(specs);
  const byDelta = deltas.map((delta, d) => [delta, out.receipts.filter((_r, i) => i % deltas.length === d).map((r) => r.status).join('')]);
  t.diagnostic(`statuses by gas limit (boundary + delta): ${JSON.stringify(byDelta)}; ${h.runs.fast} on the fast path, ${h.runs.fallback} handed back`);
  assert.ok(out.receipts.filter((_r, i) => deltas[i % deltas.length] === 0).every((r) => r.status === 1), 'exactly enough gas is enough');
  assert.ok(out.receipts.filter((_r, i) => deltas[i % deltas.length] === -1).every((r) => r.status === 0), 'one gas less is not');
  assert.ok(h.runs.fast >= programs.length * 4, `the fast path ran ${h.runs.fast} of ${h.txs}`);
});

// ---------------------------------------------------------------------------------------------------------
// what the VM rejects, targets without code, and what the fast path must hand back

test("the VM's rejections stay the VM's: wrong nonces, balance below gas x price + value, fee cap below the base fee, senders with code", async () => {
  const P = address('0bad', 1);
  const h = await Harness.create('rejections', async (chain) => {
    await install(chain, P, { code: '3360015534600255600160035500' });
  });
  const specs: TxSpec[] = [
    { from: 0, to: P, nonceOffset: 1 }, // too high: left for later
    { from: 0, to: P, data: '0x01' },
    { from: 0, to: P, nonceOffset: -1 }, // already used
    { from: 1, to: P, value: 1000n * ONE }, // the value is all it has: no gas left to pay
    { from: 1, to: P, value: 999n * ONE },
    { from: POOR, to: P, gas: 2_000_000n, price: 3n * GWEI }, // 0.006 ether of gas, has 0.005
    { from: POOR, to: P, gas: 100_000n, price: 3n * GWEI },
    { from: POOR, to: P, gas: 100_000n, value: 5n * 10n ** 15n }, // gas plus value too much
    { from: 2, to: P, type: 2, price: 5n * GWEI, tip: GWEI }, // fee cap below the base fee of 7 gwei
    { from: 2, to: P, type: 0, price: 6n * GWEI },
    { from: 2, to: P, type: 2, price: 7n * GWEI, tip: 0n }, // exactly the base fee
    { from: 3, to: P, type: 2, price: 0n, tip: 0n }, // price 0 on a priced chain: a sponsorship request nobody sponsors
    { from: CODE_SENDER, to: P },
    { from: DELEGATED_SENDER, to: P, value: 1n },
    { from: DELEGATED_SENDER, to: walletAddress(DELEGATED_SENDER), data: '0x00' }, // to itself: runs the delegate's code
    { from: 3, to: P, type: 1, price: 8n * GWEI, accessList: [{ address: P, storageKeys: [`0x${word(1n)}`] }] }, // must be handed back
    { from: 3, to: P, type: 1, price: 8n * GWEI, accessList: [] },
    { from: 3, to: P, type: 2, price: 2n ** 64n, tip: 2n ** 64n }, // can't pay: gas x fee cap beyond the balance
  ];
  await h.block(specs, { baseFee: 7n * GWEI });
  await h.block(specs.map((s) => ({ ...s })), { baseFee: 2n * GWEI });
});

test('zero tips to an empty fee recipient (EIP-161 deletes the touched account) and tips to one that has code', async () => {
  const P = address('0fee', 1);
  const h = await Harness.create('fee recipient', async (chain) => {
    await install(chain, P, { code: '4760015541600255' + '3a600355' + '00' });
    await chain.state.putAccount(createAddressFromString(FEE_POOL_ADDRESS), new Account());
  });
  // gas price = base fee: no tip; then one with a tip; then base fee 0 at price 0
  const zeroTips: TxSpec[] = [
    { from: 0, to: P, type: 0, price: 2n * GWEI },
    { from: 1, to: P, type: 2, price: 5n * GWEI, tip: 0n },
    { from: 2, to: P, type: 1, price: 2n * GWEI, value: 1n },
  ];
  await h.block(zeroTips, { baseFee: 2n * GWEI });
  await h.setup(async (chain) => chain.state.putAccount(createAddressFromString(FEE_POOL_ADDRESS), new Account()));
  await h.block([{ from: 0, to: P, type: 0, price: 0n }, { from: 1, to: P, type: 2, price: 0n, tip: 0n }], { baseFee: 0n });
  await h.block([...zeroTips, { from: 3, to: P, type: 2, price: 5n * GWEI, tip: GWEI }], { baseFee: 2n * GWEI });
  // the fee recipient is the contract called: SELFBALANCE must not see the tip
  await h.setup(async (chain) => install(chain, FEE_POOL_ADDRESS, { code: '4760015500' }));
  await h.block([{ from: 0, to: FEE_POOL_ADDRESS, type: 2, price: 9n * GWEI, tip: 3n * GWEI, value: 5n }, { from: 1, to: FEE_POOL_ADDRESS, type: 0, price: 9n * GWEI }]);
  assert.ok(h.runs.fast >= 8, `the fast path ran ${h.runs.fast} of ${h.txs}`);
});

test('calls to accounts without code, to precompiles 0x01-0x11 and 0x100, and to EIP-7702 delegations, the plain-transfer path on and off', async (t: TestContext) => {
  const rand = seededRandom(SEED + 400);
  const h = await Harness.create('targets', async (chain) => {
    await install(chain, CONTRACTS[0] as string, { code: '3360015534600255305f5230600255' + '3660015500', storage: [[9n, 9n]] });
    await install(chain, CONTRACTS[1] as string, { code: '4760015500' });
  });
  const targets = [EMPTY, walletAddress(1), walletAddress(CODE_SENDER), address('f2e5', 77), address('f2e5', 78), ...PRECOMPILES, ...Object.values(DELEGATIONS), walletAddress(DELEGATED_SENDER)];
  for (const plainTransfers of [false, true, false]) {
    const specs: TxSpec[] = [];
    for (const to of targets) {
      for (const data of ['0x', '0x00', `0x${randomBytes(rand, 1 + Math.floor(rand() * 200))}`]) {
        specs.push({ from: Math.floor(rand() * 4), to, data, value: pick(rand, [0n, 0n, 1n, ONE]), type: pick(rand, [0, 1, 2] as const), gas: rand() < 0.7 ? 200_000n : 'minimum' });
      }
    }
    specs.push({ from: 0, to: walletAddress(0), data: '0x1234', value: 1n }); // to itself
    await h.block(specs, { fastOptions: { plainTransfers, contractCalls: true } });
  }
  t.diagnostic(`${h.txs} transactions: ${h.runs.fast} on the fast path, ${h.runs.fallback} handed back`);
});

test('programs with CALL, CREATE, BALANCE, SELFDESTRUCT, INVALID, ... or an exceptional halt are handed back to the VM', async (t: TestContext) => {
  const names = Object.keys(BAIL_SNIPPETS);
  const at = (i: number) => address('ba11', i);
  const programOf = (name: string, pc0: string) => {
    const [snippet] = (BAIL_SNIPPETS[name] as (pc: number, depth: number) => [string, number])(pc0.length / 2, 0);
    return pc0 + snippet + '6002600155' + '00';
  };
  const start = '60015f55'; // SSTORE(0, 1) first: nothing of it may stay when the VM finds the halt
  const h = await Harness.create('hand-backs', async (chain) => {
    for (const [i, name] of names.entries()) await install(chain, at(i), { code: programOf(name, start), balance: 2n, storage: [[1n, 1n]] });
    await install(chain, address('0000', 0xc0de9), { code: '60015f5500' }); // what CALL and DELEGATECALL reach
  });
  const before = { ...h.runs };
  const specs: TxSpec[] = names.map((_name, i) => ({ from: i % 4, to: at(i), value: i % 3 === 0 ? 1n : 0n, gas: 300_000n }));
  const out = await h.block(specs);
  t.diagnostic(`statuses: ${names.map((n, i) => `${n} ${out.receipts[i]?.status}`).join(', ')}`);
  assert.equal(h.runs.fast - before.fast, 0, 'none of them ran on the fast path');
  assert.equal(h.runs.fallback - before.fallback, names.length, 'every one was handed back');
  // a program the fast path runs, given one gas too few: it runs out of gas, so it is handed back too
  const OK = address('ba11', 0xfff);
  await h.setup((chain) => install(chain, OK, { code: '60015f5560025f5500' }));
  const mid = { ...h.runs };
  await h.block([{ from: 0, to: OK, gas: { boundary: -1 } }, { from: 1, to: OK, gas: { boundary: 0 } }]);
  assert.deepEqual({ fast: h.runs.fast - mid.fast, fallback: h.runs.fallback - mid.fallback }, { fast: 1, fallback: 1 }, 'out of gas: handed back; exactly enough: fast');
  // an access list (even of unrelated addresses) and a sender with code: the VM runs them, the fast path never starts
  const late = { ...h.runs };
  await h.block([
    { from: 2, to: OK, type: 1, accessList: [{ address: address('f2e5', 1), storageKeys: [] }] },
    { from: 3, to: OK, type: 2, accessList: [{ address: OK, storageKeys: [`0x${word(0n)}`] }] },
    { from: CODE_SENDER, to: OK },
    { from: DELEGATED_SENDER, to: OK },
  ]);
  assert.deepEqual({ fast: h.runs.fast - late.fast, fallback: h.runs.fallback - late.fallback }, { fast: 0, fallback: 0 }, 'not even tried');
});

// ---------------------------------------------------------------------------------------------------------
// an OpenZeppelin ERC-20

test('an OpenZeppelin ERC-20: transfers between many holders, transfers beyond the balance, approve/transferFrom, failWithReason; most on the fast path', async (t: TestContext) => {
  const art = loadTestToken();
  const iface = new Interface(art.abi);
  const rand = seededRandom(SEED + 500);
  const h = await Harness.create('ERC-20');
  const deployData = art.bytecode + AbiCoder.defaultAbiCoder().encode(['uint256'], [10n ** 27n]).slice(2);
  const deployed = await h.block([{ from: 0, data: deployData, gas: 3_000_000n }]);
  const token = bytesToHex(deployed.receipts[0]?.contractAddress ?? new Uint8Array());
  assert.equal(deployed.receipts[0]?.status, 1, 'deployed');
  const holders = [0, 1, 2, 3].map(walletAddress);
  const others = Array.from({ length: 12 }, (_, i) => address('70c0', i + 1));
  // hand out tokens to the senders, and some to addresses nobody signs for
  const call = (from: number, fn: string, args: unknown[], gas: GasSpec = 200_000n, type: 0 | 1 | 2 = 2): TxSpec => ({ from, to: token, data: iface.encodeFunctionData(fn, args), gas, type });
  await h.block([...[1, 2, 3].map((i) => call(0, 'transfer', [walletAddress(i), 10n ** 24n])), ...others.map((o, i) => call(0, 'transfer', [o, BigInt(i + 1) * 10n ** 18n]))]);
  let tokenCalls = 0;
  const before = { ...h.runs };
  for (let block = 0; block < 3; block++) {
    const specs: TxSpec[] = [];
    for (let i = 0; i < 40; i++) {
      const from = Math.floor(rand() * 4);
      const r = rand();
      const gas: GasSpec = rand() < 0.3 ? { boundary: pick(rand, [-1, 0, 0, 1, 100]) } : 200_000n;
      const type = pick(rand, [0, 1, 2] as const);
      if (r < 0.55) specs.push(call(from, 'transfer', [pick(rand, [...holders, ...others]), pick(rand, [0n, 1n, 10n ** 18n, 5n * 10n ** 20n])], gas, type));
      else if (r < 0.62) specs.push(call(from, 'transfer', [pick(rand, holders), 10n ** 30n], gas, type)); // more than the balance: custom error
      else if (r < 0.7) specs.push(call(from, 'approve', [walletAddress((from + 1) % 4), pick(rand, [0n, 10n ** 18n, 2n ** 256n - 1n])], gas, type));
      else if (r < 0.8) specs.push(call(from, 'transferFrom', [walletAddress((from + 3) % 4), pick(rand, [...holders, ...others]), pick(rand, [1n, 10n ** 17n, 10n ** 19n])], gas, type));
      else if (r < 0.85) specs.push(call(from, 'failWithReason', [], gas, type));
      else if (r < 0.88) specs.push(call(from, 'restricted', [], gas, type));
      else if (r < 0.91) specs.push(call(from, 'transfer', ['0x0000000000000000000000000000000000000000', 1n], gas, type)); // ERC20InvalidReceiver
      else if (r < 0.94) specs.push(call(from, 'balanceOf', [pick(rand, holders)], gas, type));
      else if (r < 0.97) specs.push({ from, to: token, data: '0xdeadbeef', gas: 100_000n }); // no such function
      else specs.push({ from, to: token, value: 1n, data: iface.encodeFunctionData('totalSupply', []), gas: 100_000n }); // not payable
    }
    tokenCalls += specs.length;
    const out = await h.block(specs, { fastOptions: block === 1 ? { contractCalls: true, plainTransfers: false } : {}, fastBatches: block === 2 ? 5 : 1 });
    assert.ok(out.receipts.some((r) => r.status === 0) && out.receipts.some((r) => r.status === 1), 'some calls revert, most succeed');
  }
  const fast = h.runs.fast - before.fast;
  t.diagnostic(`${tokenCalls} token calls: ${fast} on the fast path, ${h.runs.fallback - before.fallback} handed back`);
  assert.ok(fast >= tokenCalls * 0.7, `most token calls took the fast path: ${fast} of ${tokenCalls}`);
});

test('apply mode with the fast path on re-executes a block built with it off, and the other way round', async () => {
  const rand = seededRandom(SEED + 600);
  const programs = CONTRACTS.map(() => randomCallProgram(rand).code);
  const chains: TestChain[] = [];
  for (let i = 0; i < 3; i++) {
    const chain = await createTestChain(SENDERS);
    await prepareAccounts(chain);
    for (const [j, code] of programs.entries()) await install(chain, CONTRACTS[j] as string, { code, storage: [[0n, 1n]] });
    chains.push(chain);
  }
  const [builder, onApply, offApply] = chains as [TestChain, TestChain, TestChain];
  let ctx = firstBlockContext(builder);
  let nonce = 0;
  for (let block = 0; block < 3; block++) {
    const raws: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      const tx = Transaction.from({ type: 2, to: pick(rand, CONTRACTS), nonce: nonce++, chainId: CHAIN_ID, data: randomCalldata(rand), gasLimit: 1_000_000n, maxFeePerGas: 5n * GWEI, maxPriorityFeePerGas: GWEI });
      raws.push(hexToBytes(await (wallets[0] as HDNodeWallet).signTransaction(tx)));
    }
    const built = await executeBlock(builder.vm, builder.common, ctx, validated(builder, raws), 'build', {}, OFF);
    assert.equal(built.transactions.length, raws.length, `seed ${SEED}, block ${block + 1}: all included`);
    const before = runsNow();
    const on = await executeBlock(onApply.vm, onApply.common, ctx, validated(onApply, raws), 'apply', {}, { contractCalls: true });
    const fastRuns = runsNow().fast - before.fast;
    const off = await executeBlock(offApply.vm, offApply.common, ctx, validated(offApply, raws), 'apply', {}, OFF);
    assert.deepEqual(summary(on), summary(built), `seed ${SEED}, block ${block + 1}: apply with the fast path`);
    assert.deepEqual(summary(off), summary(built), `seed ${SEED}, block ${block + 1}: apply without it`);
    assert.ok(fastRuns > 0, 'the fast path ran in apply mode');
    ctx = { ...ctx, height: ctx.height + 1n, timestamp: ctx.timestamp + 1n, parentHash: hashHeader(built.header) };
  }
});
