/**
 * Shared pieces of the commerce contract tests (marketplace, arbitrator pool, reputation): their contract set
 * on the shared harness (contractHarness.ts), deploying the marketplace stack, and a bigint reference of the
 * payout split.
 */
import assert from 'node:assert/strict';
import type { Contract, TransactionReceipt, Wallet } from 'ethers';
import { ONE_CMT } from '../utils/e2e-clients.ts';
import { DAY, contractSet, eventsOf, read, readStruct } from './contractHarness.ts';
import type { Chain } from './contractHarness.ts';

export * from './contractHarness.ts';
export { ONE_CMT };
export const CMT = '0x0000000000000000000000000000000000000000';
export const BPS = 10_000n;

// ---------------------------------------------------------------- the contract set

export type CommerceContractName =
  | 'Marketplace' | 'ArbitratorPool' | 'Reputation' | 'TestToken' | 'ReentrantToken' | 'BadToken' | 'Actor';

const set = contractSet(
  ['contracts/commerce', 'contracts/test/shared', 'contracts/test/TestToken.sol'],
  ['Marketplace', 'ArbitratorPool', 'Reputation', 'TestToken', 'ReentrantToken', 'BadToken', 'Actor'] as const,
);
export const { loadArtifacts, allErrors, decodeRevert, deploy, send, expectRevert } = set;

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
