/**
 * Shared pieces of the commerce contract tests (marketplace, arbitrator pool, reputation): compiling the
 * contracts once, a dev node with the ten dev wallets, deploying the marketplace stack, sending transactions and
 * checking reverts by their exact custom error, decoding events, a bigint reference of the payout split, and an
 * optional gas report. Everything talks to the node through JSON-RPC with ethers v6.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Contract, ContractFactory, HDNodeWallet, Interface, Wallet, isCallException } from 'ethers';
import type { JsonFragment, JsonRpcProvider, LogDescription, TransactionReceipt } from 'ethers';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { BASE_FEE_WEI, CHAIN_ID, ONE_CMT, createEthersProvider, toQuantity } from '../utils/e2e-clients.ts';
import { PROJECT_ROOT, compileSolidity } from '../utils/solc.ts';
import type { ContractArtifact } from '../utils/solc.ts';

export { ONE_CMT };
export const CMT = '0x0000000000000000000000000000000000000000';
export const BPS = 10_000n;
export const HOUR = 3600;
export const DAY = 24 * HOUR;

const DEV_MNEMONIC = 'test test test test test test test test test test test junk';
const COMMERCE_DIR = 'contracts/commerce';
const TEST_DIR = 'contracts/test/commerce';

// ---------------------------------------------------------------- compiling

export type CommerceContractName =
  | 'Marketplace' | 'ArbitratorPool' | 'Reputation' | 'TestToken' | 'ReentrantToken' | 'BadToken' | 'Actor';

let artifacts: Record<CommerceContractName, ContractArtifact> | undefined;

/** Compiles the commerce contracts, their test helpers and TestToken in one solc run (cached on disk). */
export function loadArtifacts(): Record<CommerceContractName, ContractArtifact> {
  if (artifacts) return artifacts;
  const files = [
    ...readdirSync(join(PROJECT_ROOT, COMMERCE_DIR)).map((f) => `${COMMERCE_DIR}/${f}`),
    ...readdirSync(join(PROJECT_ROOT, TEST_DIR)).map((f) => `${TEST_DIR}/${f}`),
    'contracts/test/TestToken.sol',
  ].filter((f) => f.endsWith('.sol'));
  const compiled = compileSolidity(Object.fromEntries(files.map((f) => [f, readFileSync(join(PROJECT_ROOT, f), 'utf8')])));
  const pick = (name: CommerceContractName): ContractArtifact => {
    const a = compiled[name];
    if (!a) throw new Error(`contract ${name} missing from the compiler output`);
    return a;
  };
  artifacts = {
    Marketplace: pick('Marketplace'), ArbitratorPool: pick('ArbitratorPool'), Reputation: pick('Reputation'),
    TestToken: pick('TestToken'), ReentrantToken: pick('ReentrantToken'), BadToken: pick('BadToken'), Actor: pick('Actor'),
  };
  return artifacts;
}

let errorsInterface: Interface | undefined;

/** One interface holding every custom error of every contract involved, to decode any revert. */
export function allErrors(): Interface {
  if (errorsInterface) return errorsInterface;
  const bySignature = new Map<string, JsonFragment>();
  for (const a of Object.values(loadArtifacts())) {
    for (const f of a.abi) {
      if (f.type !== 'error') continue;
      bySignature.set(`${f.name}(${(f.inputs ?? []).map((i) => i.type).join(',')})`, f);
    }
  }
  errorsInterface = new Interface([...bySignature.values()]);
  return errorsInterface;
}

// ---------------------------------------------------------------- the chain

export interface Chain {
  node: CmtProcess;
  provider: JsonRpcProvider;
  /** The ten funded dev accounts, connected to the provider. */
  wallets: Wallet[];
  stop(): Promise<void>;
}

/** Starts an automining dev node and derives the dev wallets. */
export async function startChain(): Promise<Chain> {
  const node = await startCmt(['--block-time', '0']);
  const provider = createEthersProvider(node.url);
  const root = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0");
  const wallets = Array.from({ length: 10 }, (_, i) => new Wallet(root.deriveChild(i).privateKey, provider));
  return {
    node,
    provider,
    wallets,
    async stop() {
      provider.destroy();
      await node.stop();
      removeHome(node.home);
    },
  };
}

/**
 * Mines a block `seconds` after the latest one; later blocks continue from there. (evm_increaseTime would add
 * to the wall clock, which automined blocks run ahead of: each block is at least one second after its parent.)
 */
export async function increaseTime(chain: Chain, seconds: number): Promise<void> {
  await chain.node.rpc('evm_setNextBlockTimestamp', [toQuantity((await latestTimestamp(chain)) + BigInt(seconds))]);
  await chain.node.rpc('evm_mine');
}

export async function latestTimestamp(chain: Chain): Promise<bigint> {
  const block = await chain.provider.getBlock('latest');
  assert.ok(block);
  return BigInt(block.timestamp);
}

export async function snapshot(chain: Chain): Promise<string> {
  return chain.node.rpc<string>('evm_snapshot');
}

export async function revertTo(chain: Chain, id: string): Promise<void> {
  assert.equal(await chain.node.rpc('evm_revert', [id]), true);
  nonces.clear(); // the reverted blocks took their nonces with them
}

// ---------------------------------------------------------------- transactions

/** Next nonce per sender, kept here so that a transaction costs two round trips (send, receipt). */
const nonces = new Map<string, number>();

/**
 * Signs and sends a type-2 transaction from `from` and returns its receipt (status not checked). Gas fields are
 * fixed (the node's base fee is constant, the limit is far above any call here), so ethers asks the node for
 * neither fee data nor an estimate. The node automines: the receipt is normally there as soon as the hash is.
 */
async function sendRaw(from: Wallet, tx: { to: string | null; data: string; value: bigint }): Promise<TransactionReceipt> {
  const provider = from.provider as JsonRpcProvider;
  const nonce = nonces.get(from.address) ?? (await provider.getTransactionCount(from.address, 'pending'));
  const signed = await from.signTransaction({
    ...tx, nonce, chainId: CHAIN_ID, type: 2, gasLimit: 8_000_000n, maxFeePerGas: 2n * BASE_FEE_WEI, maxPriorityFeePerGas: 0n,
  });
  let hash: string;
  try {
    hash = await provider.send('eth_sendRawTransaction', [signed]);
  } catch (e) {
    nonces.delete(from.address);
    throw e;
  }
  nonces.set(from.address, nonce + 1);
  const receipt = (await provider.getTransactionReceipt(hash)) ?? (await provider.waitForTransaction(hash, 1, 30_000));
  assert.ok(receipt, `no receipt for ${hash}`);
  return receipt;
}

export async function deploy(
  name: CommerceContractName, signer: Wallet, args: unknown[] = [],
): Promise<{ contract: Contract; receipt: TransactionReceipt }> {
  const { abi, bytecode } = loadArtifacts()[name];
  const { data } = await new ContractFactory(abi, bytecode).getDeployTransaction(...args);
  const receipt = await sendRaw(signer, { to: null, data, value: 0n });
  assert.ok(receipt.status === 1 && receipt.contractAddress, `deploy ${name}`);
  return { contract: new Contract(receipt.contractAddress, abi, signer), receipt };
}

/**
 * Sends `fn(...args)` from `from` (with `value` CMT) and returns the successful receipt. A revert is reported
 * with its decoded custom error (replayed with eth_call).
 */
export async function send(c: Contract, from: Wallet, fn: string, args: unknown[] = [], value = 0n): Promise<TransactionReceipt> {
  const data = c.interface.encodeFunctionData(fn, args);
  const receipt = await sendRaw(from, { to: c.target as string, data, value });
  if (receipt.status !== 1) {
    const method = (c.connect(from) as Contract).getFunction(fn);
    const why = await method.staticCall(...args, { value }).then(() => 'no revert in a replay', (e: unknown) => {
      try {
        const d = decodeRevert(e);
        return `${d.name}(${d.args.join(', ')})`;
      } catch {
        return String(e);
      }
    });
    assert.fail(`${fn} failed: ${why}`);
  }
  return receipt;
}

/** Reads `fn(...args)`. */
export async function read<T = unknown>(c: Contract, fn: string, args: unknown[] = []): Promise<T> {
  return (await c.getFunction(fn)(...args)) as T;
}

/** Reads a function returning one struct, as a plain object. */
export async function readStruct<T>(c: Contract, fn: string, args: unknown[] = []): Promise<T> {
  const r = (await c.getFunction(fn)(...args)) as { toObject(deep?: boolean): Record<string, unknown> };
  return r.toObject(true) as T;
}

/** Decodes the revert data carried by an ethers error into the custom error it encodes. */
export function decodeRevert(e: unknown): { name: string; args: unknown[] } {
  assert.ok(isCallException(e), `expected a call exception, got ${String(e)}`);
  assert.ok(e.data, `no revert data in ${e.message}`);
  const parsed = allErrors().parseError(e.data);
  assert.ok(parsed, `unknown revert data ${e.data}`);
  return { name: parsed.name, args: [...parsed.args] };
}

/**
 * Asserts that `fn(...args)` from `from` reverts with the custom error `error` (and, when given, exactly these
 * arguments). It is executed by the node with eth_call on the latest state (what eth_estimateGas does before a
 * send), so no failed transaction is mined.
 */
export async function expectRevert(
  c: Contract, from: Wallet, fn: string, args: unknown[], error: string, errorArgs?: unknown[], value = 0n,
): Promise<void> {
  await assert.rejects((c.connect(from) as Contract).getFunction(fn).staticCall(...args, { value }), (e: unknown) => {
    const decoded = decodeRevert(e);
    assert.equal(decoded.name, error, `${fn} reverted with ${decoded.name}(${decoded.args.join(', ')})`);
    if (errorArgs) assert.deepEqual(decoded.args, errorArgs, `${fn}: arguments of ${error}`);
    return true;
  });
}

/** The events named `name` that `c` emitted in `receipt`, in order. */
export function eventsOf(receipt: TransactionReceipt, c: Contract, name: string): LogDescription[] {
  const address = (c.target as string).toLowerCase();
  const out: LogDescription[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = c.interface.parseLog(log);
    if (parsed?.name === name) out.push(parsed);
  }
  return out;
}

/** Asserts that `c` emitted exactly one `name` event in `receipt` with exactly `args`; returns it. */
export function expectEvent(receipt: TransactionReceipt, c: Contract, name: string, args: unknown[]): LogDescription {
  const found = eventsOf(receipt, c, name);
  assert.equal(found.length, 1, `one ${name} event`);
  const ev = found[0]!;
  assert.deepEqual([...ev.args], args, `${name} arguments`);
  return ev;
}

// ---------------------------------------------------------------- reference split

export interface Payout {
  toBuyer: bigint;
  toSeller: bigint;
  toFeeRecipient: bigint;
  toArbitrator: bigint;
}

/** Reference of Marketplace.computePayout: arbitration fee, then the buyer's share, then the fee on the rest. */
export function referencePayout(amount: bigint, buyerBps: bigint, feeBps: bigint, arbitrationFeeBps: bigint): Payout {
  const toArbitrator = (amount * arbitrationFeeBps) / BPS;
  const rest = amount - toArbitrator;
  const toBuyer = (rest * buyerBps) / BPS;
  const sellerGross = rest - toBuyer;
  const toFeeRecipient = (sellerGross * feeBps) / BPS;
  return { toBuyer, toSeller: sellerGross - toFeeRecipient, toFeeRecipient, toArbitrator };
}

// ---------------------------------------------------------------- the deployed stack

/** Order status as the contract numbers it. */
export const Status = { None: 0n, Paid: 1n, Disputed: 2n, Completed: 3n, Refunded: 4n, Resolved: 5n } as const;
export const Outcome = { None: 0n, Ruled: 1n, Settled: 2n, Defaulted: 3n } as const;
export const DisputeStatus = { None: 0n, Open: 1n, Ruled: 2n, Defaulted: 3n, Withdrawn: 4n } as const;

export interface OrderView {
  buyer: string;
  releaseAt: bigint;
  feeBps: bigint;
  arbitrationFeeBps: bigint;
  seller: string;
  closedAt: bigint;
  status: bigint;
  outcome: bigint;
  buyerBps: bigint;
  token: string;
  listingId: bigint;
  amount: bigint;
}

export interface DisputeView {
  arbitrable: string;
  deadline: bigint;
  assignments: bigint;
  status: bigint;
  arbitrator: string;
  bond: bigint;
  buyer: string;
  seller: string;
  localId: bigint;
}

export const PARAMS = {
  bondWei: ONE_CMT,
  rulingPeriod: DAY,
  maxArbitrators: 3,
  feeBps: 250n,
  arbitrationFeeBps: 500n,
  defaultBuyerBps: 5000n,
  escrowPeriod: 2 * DAY,
  arbitratorStakeWei: 5n * ONE_CMT,
  usdPerBuyer: 1_000_000n * ONE_CMT,
} as const;

export interface Commerce {
  chain: Chain;
  admin: Wallet;
  sellers: [Wallet, Wallet];
  buyers: [Wallet, Wallet];
  arbitrators: [Wallet, Wallet];
  stranger: Wallet;
  feeRecipient: Wallet;
  spare: Wallet;
  pool: Contract;
  market: Contract;
  reputation: Contract;
  /** A plain ERC-20 (OpenZeppelin), standing for a stable coin. */
  usd: Contract;
  /** Gas used by each deployment, for the gas report. */
  deployGas: Record<'ArbitratorPool' | 'Marketplace' | 'Reputation', bigint>;
}

/**
 * Deploys the pool, the marketplace (granted the pool's arbitrable role) and the reputation registry; two
 * approved arbitrators stake; the buyers hold and approve the stable coin. Wallets: 0 admin, 1-2 sellers,
 * 3-4 buyers, 5-6 arbitrators, 7 stranger, 8 fee recipient, 9 spare.
 */
export async function deployCommerce(chain: Chain): Promise<Commerce> {
  const w = chain.wallets;
  const [admin, s1, s2, b1, b2, a1, a2, stranger, feeRecipient, spare] = w as [
    Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet,
  ];
  const { contract: pool, receipt: poolReceipt } = await deploy('ArbitratorPool', admin, [
    admin.address, 0, PARAMS.bondWei, PARAMS.rulingPeriod, PARAMS.maxArbitrators,
  ]);
  const { contract: market, receipt: marketReceipt } = await deploy('Marketplace', admin, [
    admin.address, 0, await pool.getAddress(), PARAMS.feeBps, feeRecipient.address, PARAMS.arbitrationFeeBps,
    PARAMS.defaultBuyerBps,
  ]);
  const { contract: reputation, receipt: reputationReceipt } = await deploy('Reputation', admin, [await market.getAddress()]);
  const { contract: usd } = await deploy('TestToken', admin, [10n * PARAMS.usdPerBuyer]);
  await send(pool, admin, 'grantRole', [await read(pool, 'ARBITRABLE_ROLE'), await market.getAddress()]);
  const arbitratorRole = await read<string>(pool, 'ARBITRATOR_ROLE');
  for (const a of [a1, a2]) {
    await send(pool, admin, 'grantRole', [arbitratorRole, a.address]);
    await send(pool, a, 'stake', [], PARAMS.arbitratorStakeWei);
  }
  for (const b of [b1, b2]) {
    await send(usd, admin, 'transfer', [b.address, PARAMS.usdPerBuyer]);
    await send(usd, b, 'approve', [await market.getAddress(), 2n ** 256n - 1n]);
  }
  return {
    chain, admin, sellers: [s1, s2], buyers: [b1, b2], arbitrators: [a1, a2], stranger, feeRecipient, spare,
    pool, market, reputation, usd,
    deployGas: {
      ArbitratorPool: poolReceipt.gasUsed, Marketplace: marketReceipt.gasUsed, Reputation: reputationReceipt.gasUsed,
    },
  };
}

/** Creates a listing and returns its id. */
export async function createListing(
  env: Commerce, seller: Wallet, prices: [string, bigint][], stock = 100n, escrowPeriod = PARAMS.escrowPeriod,
): Promise<{ listingId: bigint; receipt: TransactionReceipt }> {
  const receipt = await send(env.market, seller, 'createListing', [prices, stock, escrowPeriod, 'ipfs://item']);
  const ev = eventsOf(receipt, env.market, 'ListingCreated')[0];
  assert.ok(ev);
  return { listingId: ev.args[0] as bigint, receipt };
}

/** Buys `quantity` items of `listingId` in `token` at the listing's current price; returns the order id. */
export async function buy(
  env: Commerce, buyer: Wallet, listingId: bigint, token: string, quantity = 1n,
): Promise<{ orderId: bigint; amount: bigint; receipt: TransactionReceipt }> {
  const unitPrice = await read<bigint>(env.market, 'priceOf', [listingId, token]);
  const amount = unitPrice * quantity;
  const receipt = await send(env.market, buyer, 'buy', [listingId, token, quantity, unitPrice], token === CMT ? amount : 0n);
  const ev = eventsOf(receipt, env.market, 'OrderPlaced')[0];
  assert.ok(ev);
  return { orderId: ev.args[0] as bigint, amount, receipt };
}

export async function readOrder(env: Commerce, orderId: bigint): Promise<OrderView> {
  return readStruct<OrderView>(env.market, 'getOrder', [orderId]);
}

export async function disputeOfOrder(env: Commerce, orderId: bigint): Promise<{ disputeId: bigint; dispute: DisputeView }> {
  const disputeId = await read<bigint>(env.pool, 'disputeOf', [await env.market.getAddress(), orderId]);
  return { disputeId, dispute: await readStruct<DisputeView>(env.pool, 'getDispute', [disputeId]) };
}

/** The wallet among `env`'s accounts with this address. */
export function walletOf(env: Commerce, address: string): Wallet {
  const w = env.chain.wallets.find((x) => x.address.toLowerCase() === address.toLowerCase());
  assert.ok(w, `no wallet for ${address}`);
  return w;
}

/** What the marketplace holds of `token` (CMT balance or token balance). */
export async function holdings(env: Commerce, token: string, tokenContract?: Contract): Promise<bigint> {
  const market = await env.market.getAddress();
  if (token === CMT) return env.chain.provider.getBalance(market);
  assert.ok(tokenContract);
  return read<bigint>(tokenContract, 'balanceOf', [market]);
}

// ---------------------------------------------------------------- gas report

/**
 * Collects gasUsed per labelled operation. When GAS_REPORT names a directory, `write(name)` stores the table as
 * `<dir>/<name>.md`; otherwise nothing is written or printed.
 */
export function createGasReport(): { record(label: string, gas: bigint | TransactionReceipt): void; write(name: string): void } {
  const rows = new Map<string, bigint>();
  return {
    record(label, gas) {
      if (!rows.has(label)) rows.set(label, typeof gas === 'bigint' ? gas : gas.gasUsed);
    },
    write(name) {
      const dir = process.env['GAS_REPORT'];
      if (!dir) return;
      const lines = ['| Operation | Gas used |', '|---|---:|', ...[...rows].map(([k, v]) => `| ${k} | ${v.toLocaleString('en-US')} |`)];
      writeFileSync(join(dir, `${name}.md`), `${lines.join('\n')}\n`);
    },
  };
}
