/**
 * Shared pieces of the settlement contract tests (escrow, payment channels, checks, order book): compiling
 * contracts/settlement and contracts/test/settlement once, a dev node with funded wallets, deploy helpers,
 * exact custom-error assertions, chain time control, and a gas recorder whose table
 * `SETTLEMENT_GAS_REPORT=1` prints at the end of a file.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Contract, ContractFactory, HDNodeWallet, Mnemonic, Wallet, isCallException } from 'ethers';
import type { ContractTransactionResponse, JsonRpcProvider, Log, TransactionReceipt } from 'ethers';
import { PROJECT_ROOT, compileSolidity } from '../utils/solc.ts';
import type { CompiledContracts } from '../utils/solc.ts';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { createEthersProvider } from '../utils/e2e-clients.ts';

export const NATIVE = '0x0000000000000000000000000000000000000000';
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';
export const ONE = 10n ** 18n;

const SOURCE_DIRS = ['contracts/settlement', 'contracts/test/settlement'];

let compiled: CompiledContracts | undefined;

/** Every contract of contracts/settlement and contracts/test/settlement, compiled in one solc run (cached). */
export function settlementArtifacts(): CompiledContracts {
  if (compiled) return compiled;
  const sources: Record<string, string> = {};
  for (const dir of SOURCE_DIRS) {
    for (const file of readdirSync(join(PROJECT_ROOT, dir)).filter((f) => f.endsWith('.sol')).sort()) {
      sources[`${dir}/${file}`] = readFileSync(join(PROJECT_ROOT, dir, file), 'utf8');
    }
  }
  compiled = compileSolidity(sources);
  return compiled;
}

export interface SettlementEnv {
  node: CmtProcess;
  provider: JsonRpcProvider;
  /** The ten funded dev accounts (1,000,000 CMT each). */
  wallets: Wallet[];
  close(): Promise<void>;
}

/** Starts `cmt start --dev --block-time 0` (automine) and returns the funded dev wallets. */
export async function startSettlementNode(): Promise<SettlementEnv> {
  const node = await startCmt(['--block-time', '0']);
  const provider = createEthersProvider(node.url);
  const mnemonic = Mnemonic.fromPhrase(DEV_MNEMONIC);
  const wallets = Array.from({ length: 10 }, (_, i) => {
    const hd = HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`);
    return new Wallet(hd.privateKey, provider);
  });
  return {
    node,
    provider,
    wallets,
    async close() {
      provider.destroy();
      await node.stop();
      removeHome(node.home);
    },
  };
}

/** Deploys contract `name` from the settlement artifacts and returns it connected to `wallet`. */
export async function deploy(name: string, wallet: Wallet, ...args: unknown[]): Promise<Contract> {
  const artifact = settlementArtifacts()[name];
  assert.ok(artifact, `artifact ${name}`);
  const factory = new ContractFactory(artifact.abi, artifact.bytecode, wallet);
  const deployed = await factory.deploy(...args);
  await deployed.waitForDeployment();
  return new Contract(await deployed.getAddress(), artifact.abi, wallet);
}

/** `contract` connected to another signer, keeping its type. */
export function as(contract: Contract, wallet: Wallet): Contract {
  return contract.connect(wallet) as Contract;
}

/** Calls `contract.fn(...args)`; a tx. */
export async function send(contract: Contract, fn: string, ...args: unknown[]): Promise<TransactionReceipt> {
  const tx = (await contract.getFunction(fn)(...args)) as ContractTransactionResponse;
  const receipt = await tx.wait();
  assert.ok(receipt && receipt.status === 1, `${fn} mined`);
  return receipt;
}

/** Calls a view or simulates a function. */
export async function call<T = unknown>(contract: Contract, fn: string, ...args: unknown[]): Promise<T> {
  return (await contract.getFunction(fn).staticCall(...args)) as T;
}

/**
 * Asserts that `action` reverts with the custom error `name` (decoded against `contract`'s ABI) and, when
 * given, exactly these arguments.
 */
export async function expectRevert(action: Promise<unknown>, contract: Contract, name: string, args?: unknown[]): Promise<void> {
  await assert.rejects(action, (e: unknown) => {
    assert.ok(isCallException(e), `expected a call exception, got ${String(e)}`);
    let decoded = e.revert;
    if (!decoded && e.data) {
      const parsed = contract.interface.parseError(e.data);
      if (parsed) decoded = { name: parsed.name, signature: parsed.signature, args: [...parsed.args] };
    }
    assert.ok(decoded, `expected revert ${name}, got no decodable revert data (${e.message})`);
    assert.equal(decoded.name, name, `revert ${decoded.name}(${decoded.args.join(', ')})`);
    if (args) assert.deepEqual([...decoded.args].map(normalise), args.map(normalise));
    return true;
  });
}

function normalise(v: unknown): unknown {
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string' && /^0x[0-9a-fA-F]{40}$/.test(v)) return v.toLowerCase();
  return v;
}

/** The events `contract` emitted in `receipt`, as [name, ...args]. */
export function eventsOf(receipt: TransactionReceipt, contract: Contract): [string, ...unknown[]][] {
  const target = contract.target.toString().toLowerCase();
  const out: [string, ...unknown[]][] = [];
  for (const log of receipt.logs as Log[]) {
    if (log.address.toLowerCase() !== target) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed) out.push([parsed.name, ...[...parsed.args].map(normalise)]);
  }
  return out;
}

/** Asserts `receipt` holds an event `name` from `contract` with exactly `args` (addresses case-insensitive). */
export function expectEvent(receipt: TransactionReceipt, contract: Contract, name: string, args: unknown[]): void {
  const events = eventsOf(receipt, contract).filter((e) => e[0] === name);
  const want = [name, ...args.map(normalise)];
  assert.ok(
    events.some((e) => isDeepEqual(e, want)),
    `event ${name}(${args.join(', ')}) not found; got ${JSON.stringify(events, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`,
  );
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

/** fast-check runs for a property: `fallback` unless FC_RUNS overrides it (e.g. FC_RUNS=100 for a deeper local run). */
export function fcRuns(fallback: number): number {
  return Number(process.env['FC_RUNS'] ?? fallback);
}

/** Timestamp of the latest block. */
export async function now(provider: JsonRpcProvider): Promise<bigint> {
  const block = await provider.getBlock('latest');
  assert.ok(block);
  return BigInt(block.timestamp);
}

/** The next block (the next automined tx) gets exactly timestamp `t`. */
export async function setNextTimestamp(provider: JsonRpcProvider, t: bigint): Promise<void> {
  await provider.send('evm_setNextBlockTimestamp', [`0x${t.toString(16)}`]);
}

/** Moves chain time forward by `seconds` and mines a block. */
export async function increaseTime(provider: JsonRpcProvider, seconds: bigint): Promise<void> {
  await provider.send('evm_increaseTime', [`0x${seconds.toString(16)}`]);
  await provider.send('evm_mine', []);
}

export async function snapshot(provider: JsonRpcProvider): Promise<string> {
  return (await provider.send('evm_snapshot', [])) as string;
}

export async function revertTo(provider: JsonRpcProvider, id: string): Promise<void> {
  const ok = (await provider.send('evm_revert', [id])) as boolean;
  assert.equal(ok, true, 'evm_revert');
}

const ERC20_BALANCE_ABI = ['function balanceOf(address) view returns (uint256)'];

/** `holder`'s balance of `asset` (NATIVE for CMT). */
export async function balanceOf(provider: JsonRpcProvider, asset: string, holder: string): Promise<bigint> {
  if (asset === NATIVE) return provider.getBalance(holder);
  return (await new Contract(asset, ERC20_BALANCE_ABI, provider).getFunction('balanceOf')(holder)) as bigint;
}

/** Asserts the settlement contract holds exactly what it owes (`liabilities`) of each asset: no more, no less. */
export async function expectFullyBacked(provider: JsonRpcProvider, contract: Contract, assets: string[]): Promise<void> {
  const at = contract.target.toString();
  for (const asset of assets) {
    const owes = await call<bigint>(contract, 'liabilities', asset);
    assert.equal(await balanceOf(provider, asset, at), owes, `balance of ${asset} == liabilities`);
  }
}

/** CMT spent on gas by `receipt`. */
export function feeOf(receipt: TransactionReceipt): bigint {
  return receipt.gasUsed * receipt.gasPrice;
}

/** Records gasUsed per operation (min/max over calls) for the gas table of docs/contracts.md (settlement). */
export class GasRecorder {
  private readonly rows = new Map<string, { min: bigint; max: bigint; n: number }>();
  constructor(private readonly contract: string) {}

  record(op: string, receipt: TransactionReceipt): TransactionReceipt {
    const row = this.rows.get(op);
    const g = receipt.gasUsed;
    if (!row) this.rows.set(op, { min: g, max: g, n: 1 });
    else this.rows.set(op, { min: g < row.min ? g : row.min, max: g > row.max ? g : row.max, n: row.n + 1 });
    return receipt;
  }

  /** Prints a markdown table when SETTLEMENT_GAS_REPORT is set. */
  report(): void {
    if (!process.env['SETTLEMENT_GAS_REPORT']) return;
    const lines = [`| ${this.contract} | gasUsed (min) | gasUsed (max) | calls |`, '|---|---:|---:|---:|'];
    for (const [op, r] of this.rows) lines.push(`| ${op} | ${r.min} | ${r.max} | ${r.n} |`);
    console.log(lines.join('\n'));
  }
}

// ------------------------------------------------------------------------------------------------------------
// Reference order book: a plain, obviously-ordered model of contracts/settlement/OrderBook.sol's matching and
// rounding rules (sorted arrays instead of linked lists), used by the property tests to check price-time
// priority, rounding and conservation. (By convention such models live in test/utils/reference/; kept here
// because this helper file is the settlement tests' own.)

export const PRICE_SCALE = 10n ** 18n;
export const MAX_MATCHES = 32;

export const Kind = { Limit: 0, ImmediateOrCancel: 1, FillOrKill: 2 } as const;
export type KindValue = (typeof Kind)[keyof typeof Kind];
export const CloseReason = { Filled: 0n, Cancelled: 1n, Expired: 2n, SelfTrade: 3n, Dust: 4n } as const;

export function mulDivDown(a: bigint, b: bigint, c: bigint): bigint {
  return (a * b) / c;
}

export function mulDivUp(a: bigint, b: bigint, c: bigint): bigint {
  return (a * b + c - 1n) / c;
}

export interface RefOrder {
  id: bigint;
  marketId: bigint;
  maker: string;
  isBuy: boolean;
  price: bigint;
  remaining: bigint;
  escrowQuote: bigint;
  expiration: bigint;
}

export interface RefMarket {
  base: string;
  quote: string;
}

export interface RefTrade {
  makerOrderId: bigint;
  maker: string;
  price: bigint;
  base: bigint;
  quote: bigint;
}

export interface RefPlaceResult {
  orderId: bigint;
  filledBase: bigint;
  filledQuote: bigint;
  unfilled: bigint;
  payAsset: string;
  payIn: bigint;
  getAsset: string;
  getOut: bigint;
  trades: RefTrade[];
}

interface RefTaker {
  marketId: bigint;
  taker: string;
  takerBuys: boolean;
  byQuote: boolean;
  limit: bigint;
  wanted: bigint;
  base: bigint;
  quote: bigint;
  touched: number;
  trades: RefTrade[];
}

/** A typed error of the reference model, named like the contract's custom error. */
export class RefError extends Error {
  constructor(readonly errorName: string, readonly args: unknown[] = []) {
    super(errorName);
  }
}

export class RefExchange {
  readonly markets = new Map<bigint, RefMarket>();
  readonly orders: RefOrder[] = [];
  readonly owed = new Map<string, bigint>();
  nextOrderId = 1n;

  addMarket(id: bigint, base: string, quote: string): void {
    this.markets.set(id, { base: base.toLowerCase(), quote: quote.toLowerCase() });
  }

  owedOf(account: string, asset: string): bigint {
    return this.owed.get(`${account.toLowerCase()}|${asset.toLowerCase()}`) ?? 0n;
  }

  /** Escrow held for resting orders plus owed balances, per asset: what the contract must hold. */
  liabilities(asset: string): bigint {
    const a = asset.toLowerCase();
    let total = 0n;
    for (const o of this.orders) {
      const m = this.market(o.marketId);
      if (o.isBuy && m.quote === a) total += o.escrowQuote;
      if (!o.isBuy && m.base === a) total += o.remaining;
    }
    for (const [k, v] of this.owed) if (k.endsWith(`|${a}`)) total += v;
    return total;
  }

  /** Resting orders of one side, in priority order (best price, then oldest). */
  side(marketId: bigint, isBuy: boolean): RefOrder[] {
    return this.orders
      .filter((o) => o.marketId === marketId && o.isBuy === isBuy)
      .sort((x, y) => (x.price === y.price ? Number(x.id - y.id) : isBuy ? Number(y.price - x.price) : Number(x.price - y.price)));
  }

  place(marketId: bigint, taker: string, isBuy: boolean, price: bigint, amount: bigint, kind: KindValue, expiration: bigint, now: bigint): RefPlaceResult {
    const m = this.market(marketId);
    const t: RefTaker = { marketId, taker: taker.toLowerCase(), takerBuys: isBuy, byQuote: false, limit: price, wanted: amount, base: 0n, quote: 0n, touched: 0, trades: [] };
    const undo = this.save();
    this.match(t, now);
    let unfilled = amount - t.base;
    if (kind === Kind.FillOrKill && unfilled !== 0n) {
      this.restore(undo);
      throw new RefError('FillOrKillNotFilled', [amount, t.base]);
    }
    let orderId = 0n;
    let escrow = 0n;
    if (kind === Kind.Limit && unfilled !== 0n && !this.crosses(marketId, isBuy, price)) {
      escrow = isBuy ? mulDivUp(unfilled, price, PRICE_SCALE) : unfilled;
      orderId = this.nextOrderId++;
      this.orders.push({ id: orderId, marketId, maker: t.taker, isBuy, price, remaining: unfilled, escrowQuote: isBuy ? escrow : 0n, expiration });
      unfilled = 0n;
    }
    return isBuy
      ? { orderId, filledBase: t.base, filledQuote: t.quote, unfilled, payAsset: m.quote, payIn: t.quote + escrow, getAsset: m.base, getOut: t.base, trades: t.trades }
      : { orderId, filledBase: t.base, filledQuote: t.quote, unfilled, payAsset: m.base, payIn: t.base + escrow, getAsset: m.quote, getOut: t.quote, trades: t.trades };
  }

  cancel(id: bigint, caller: string, now: bigint): { maker: string; asset: string; refund: bigint } {
    const o = this.orders.find((x) => x.id === id);
    if (!o) throw new RefError('UnknownOrder', [id]);
    const expired = o.expiration <= now;
    if (caller.toLowerCase() !== o.maker && !expired) throw new RefError('NotAuthorized', [id, caller]);
    const m = this.market(o.marketId);
    const refund = this.remove(o);
    if (caller.toLowerCase() !== o.maker) this.credit(o.maker, o.isBuy ? m.quote : m.base, refund);
    return { maker: o.maker, asset: o.isBuy ? m.quote : m.base, refund };
  }

  /** Exact-output path payment; returns what the payer spends (before the sendMax check). */
  pathPayment(payer: string, sendAsset: string, deliverAmount: bigint, path: bigint[], now: bigint): bigint {
    const assets = [sendAsset.toLowerCase()];
    for (const id of path) {
      const m = this.market(id);
      const a = assets[assets.length - 1]!;
      assets.push(a === m.quote ? m.base : m.quote);
    }
    const undo = this.save();
    let need = deliverAmount;
    try {
      for (let i = path.length - 1; i >= 0; i--) {
        const m = this.market(path[i]!);
        const takerBuys = assets[i] === m.quote;
        const t: RefTaker = { marketId: path[i]!, taker: payer.toLowerCase(), takerBuys, byQuote: !takerBuys, limit: 0n, wanted: need, base: 0n, quote: 0n, touched: 0, trades: [] };
        this.match(t, now);
        if (t.wanted !== 0n) throw new RefError('InsufficientLiquidity', [path[i], t.wanted]);
        need = takerBuys ? t.quote : t.base;
      }
    } catch (e) {
      this.restore(undo);
      throw e;
    }
    return need;
  }

  /** Snapshot for undoing a reverted call. */
  save(): { orders: RefOrder[]; owed: Map<string, bigint>; next: bigint } {
    return { orders: this.orders.map((o) => ({ ...o })), owed: new Map(this.owed), next: this.nextOrderId };
  }

  restore(s: { orders: RefOrder[]; owed: Map<string, bigint>; next: bigint }): void {
    this.orders.splice(0, this.orders.length, ...s.orders);
    this.owed.clear();
    for (const [k, v] of s.owed) this.owed.set(k, v);
    this.nextOrderId = s.next;
  }

  private market(id: bigint): RefMarket {
    const m = this.markets.get(id);
    if (!m) throw new RefError('UnknownMarket', [id]);
    return m;
  }

  private credit(account: string, asset: string, amount: bigint): void {
    if (amount === 0n) return;
    const k = `${account.toLowerCase()}|${asset.toLowerCase()}`;
    this.owed.set(k, (this.owed.get(k) ?? 0n) + amount);
  }

  private remove(o: RefOrder): bigint {
    this.orders.splice(this.orders.indexOf(o), 1);
    return o.isBuy ? o.escrowQuote : o.remaining;
  }

  private closeAndCredit(o: RefOrder): void {
    const m = this.market(o.marketId);
    this.credit(o.maker, o.isBuy ? m.quote : m.base, this.remove(o));
  }

  private crosses(marketId: bigint, isBuy: boolean, price: bigint): boolean {
    const best = this.side(marketId, !isBuy)[0];
    if (!best) return false;
    return isBuy ? best.price <= price : best.price >= price;
  }

  private match(t: RefTaker, now: bigint): void {
    const m = this.market(t.marketId);
    const makerIsBuy = !t.takerBuys;
    while (t.wanted !== 0n && t.touched < MAX_MATCHES) {
      const o = this.side(t.marketId, makerIsBuy)[0];
      if (!o) break;
      if (t.limit !== 0n && (makerIsBuy ? o.price < t.limit : o.price > t.limit)) break;
      t.touched++;
      if (o.expiration <= now || o.maker === t.taker) {
        this.closeAndCredit(o);
        continue;
      }
      let b: bigint;
      let q: bigint;
      if (!o.isBuy) {
        b = o.remaining < t.wanted ? o.remaining : t.wanted;
        q = mulDivUp(b, o.price, PRICE_SCALE);
      } else {
        let cap = mulDivDown(o.remaining, o.price, PRICE_SCALE);
        if (cap > o.escrowQuote) cap = o.escrowQuote;
        if (cap === 0n) {
          this.closeAndCredit(o);
          continue;
        }
        if (!t.byQuote) {
          b = o.remaining < t.wanted ? o.remaining : t.wanted;
          q = mulDivDown(b, o.price, PRICE_SCALE);
        } else {
          q = cap < t.wanted ? cap : t.wanted;
          b = mulDivUp(q, PRICE_SCALE, o.price);
        }
      }
      o.remaining -= b;
      if (o.isBuy) {
        o.escrowQuote -= q;
        this.credit(o.maker, m.base, b);
      } else {
        this.credit(o.maker, m.quote, q);
      }
      t.base += b;
      t.quote += q;
      t.wanted -= t.byQuote ? q : b;
      t.trades.push({ makerOrderId: o.id, maker: o.maker, price: o.price, base: b, quote: q });
      if (o.remaining === 0n) this.closeAndCredit(o);
    }
  }
}
