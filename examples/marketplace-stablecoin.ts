/**
 * A purchase paid in a stable coin, from listing to review, with viem:
 *
 *   1. a stable-coin issuer deploys CUSD and mints 100 CUSD to a buyer (as it would against a fiat deposit);
 *   2. the marketplace operator deploys the arbitrator pool, the marketplace (2.5% fee) and its reputation registry;
 *   3. a seller lists an item priced at 25 CUSD;
 *   4. the buyer approves and buys it: the 25 CUSD are held in escrow by the marketplace, not paid to the seller;
 *   5. the buyer confirms receipt: the seller is credited the price less the fee, the operator the fee, and both
 *      withdraw (the marketplace never pushes money, each party pulls what it is owed);
 *   6. buyer and seller rate each other: only the two parties of a completed order can, once each;
 *   7. the seller's aggregate rating is read in one call.
 *
 * Run against a dev node (`npm start`): `npx tsx examples/marketplace-stablecoin.ts` (CMT_RPC overrides the URL).
 * Every step checks its receipt and the state it should leave; any failure exits with a non-zero code.
 */
import assert from 'node:assert/strict';
import {
  createPublicClient, createWalletClient, defineChain, formatUnits, getContract, http, keccak256, parseEventLogs, parseUnits, toHex,
} from 'viem';
import type { Abi, Hash, Hex, TransactionReceipt } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { ArbitratorPoolAbi, MarketplaceAbi, ReputationAbi, StableCoinAbi } from '../contracts/abi.ts';
import arbitratorPoolArtifact from '../contracts/artifacts/ArbitratorPool.json' with { type: 'json' };
import marketplaceArtifact from '../contracts/artifacts/Marketplace.json' with { type: 'json' };
import reputationArtifact from '../contracts/artifacts/Reputation.json' with { type: 'json' };
import stableCoinArtifact from '../contracts/artifacts/StableCoin.json' with { type: 'json' };

const RPC = process.env['CMT_RPC'] ?? 'http://127.0.0.1:8545';
const cyberMilesDev = defineChain({
  id: 1234,
  name: 'CyberMiles dev',
  nativeCurrency: { name: 'CMT', symbol: 'CMT', decimals: 18 },
  rpcUrls: { default: { http: [RPC] } },
});
// The funded accounts of a dev chain (`npm start` prints them); on a real network these are your users' wallets.
const MNEMONIC = 'test test test test test test test test test test test junk';
const devAccount = (index: number) => mnemonicToAccount(MNEMONIC, { addressIndex: index });
const operator = devAccount(0); // runs the marketplace and receives its fees
const issuer = devAccount(1); // issues the stable coin
const seller = devAccount(2);
const buyer = devAccount(3);

const client = createPublicClient({ chain: cyberMilesDev, transport: http(), pollingInterval: 100 });
const wallet = createWalletClient({ chain: cyberMilesDev, transport: http() });

/** Waits for a transaction and fails unless it succeeded: a reverted transaction is a receipt, not an error. */
async function mined(hash: Hash, what: string): Promise<TransactionReceipt> {
  const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 100 });
  assert.equal(receipt.status, 'success', `${what}: transaction ${hash} reverted`);
  return receipt;
}

/** Waits for a deployment and returns the new contract, typed by its ABI: `c.read.x([...])`, `c.write.y([...])`. */
async function deployed<const A extends Abi>(abi: A, hash: Hash, what: string) {
  const { contractAddress } = await mined(hash, `deploy ${what}`);
  assert.ok(contractAddress, `deploy ${what}: no contract address`);
  console.log(`   ${what} deployed at ${contractAddress}`);
  return getContract({ address: contractAddress, abi, client: { public: client, wallet } });
}

const DECIMALS = 6; // like most fiat-backed coins
const cusd = (amount: string): bigint => parseUnits(amount, DECIMALS);
const show = (units: bigint): string => `${formatUnits(units, DECIMALS)} CUSD`;

// ---------------------------------------------------------------- 1. the stable coin
console.log('1. The issuer deploys the stable coin and mints 100 CUSD to the buyer');
const coin = await deployed(StableCoinAbi, await wallet.deployContract({
  account: issuer, abi: StableCoinAbi, bytecode: stableCoinArtifact.bytecode as Hex,
  args: ['CyberMiles USD', 'CUSD', DECIMALS, issuer.address, 3600], // the issuer is the admin; handing it over takes an hour
}), 'StableCoin (CUSD)');
// Minting is split between roles: the minter admin gives each minter an allowance, every mint consumes it.
const minterAdminRole = await coin.read.MINTER_ADMIN_ROLE();
await mined(await coin.write.grantRole([minterAdminRole, issuer.address], { account: issuer }), 'grant the minter admin role');
await mined(await coin.write.configureMinter([issuer.address, cusd('1000000')], { account: issuer }), 'configure the minter');
await mined(await coin.write.mint([buyer.address, cusd('100')], { account: issuer }), 'mint to the buyer');
const buyerStart = await coin.read.balanceOf([buyer.address]);
assert.equal(buyerStart, cusd('100'));
console.log(`   buyer holds ${show(buyerStart)}`);

// ---------------------------------------------------------------- 2. the marketplace
console.log('2. The operator deploys the arbitrator pool, the marketplace (2.5% fee) and the reputation registry');
// Disputes go to arbitrators who stake a CMT bond (here 1 CMT per dispute, 1 day to rule); this example's order
// is not disputed, so no arbitrator needs to join, but the marketplace needs the pool to exist.
const pool = await deployed(ArbitratorPoolAbi, await wallet.deployContract({
  account: operator, abi: ArbitratorPoolAbi, bytecode: arbitratorPoolArtifact.bytecode as Hex,
  args: [operator.address, 0, 10n ** 18n, 86_400n, 16n], // admin, admin transfer delay, bond, ruling period, max arbitrators
}), 'ArbitratorPool');
const FEE_BPS = 250; // 2.5%, taken from the seller's part when an order completes
const market = await deployed(MarketplaceAbi, await wallet.deployContract({
  account: operator, abi: MarketplaceAbi, bytecode: marketplaceArtifact.bytecode as Hex,
  // admin, admin transfer delay, arbitrator, fee, fee recipient, arbitration fee (5%), buyer's share if nobody rules (50%)
  args: [operator.address, 0, pool.address, FEE_BPS, operator.address, 500, 5000],
}), 'Marketplace');
const reputation = await deployed(ReputationAbi, await wallet.deployContract({
  account: operator, abi: ReputationAbi, bytecode: reputationArtifact.bytecode as Hex, args: [market.address],
}), 'Reputation');
// The pool only opens disputes for contracts it trusts to enforce its rulings.
const arbitrableRole = await pool.read.ARBITRABLE_ROLE();
await mined(await pool.write.grantRole([arbitrableRole, market.address], { account: operator }), 'let the marketplace open disputes');

// ---------------------------------------------------------------- 3. a listing
console.log('3. The seller lists an item at 25 CUSD (10 in stock, 3 days to dispute after a purchase)');
const PRICE = cusd('25');
// A listing may accept up to eight tokens (CMT is address 0); this one takes CUSD only.
const listed = await mined(await market.write.createListing(
  [[{ token: coin.address, amount: PRICE }], 10n, 3 * 86_400, 'ipfs://bafy-example-item'], { account: seller },
), 'create the listing');
const [listingCreated] = parseEventLogs({ abi: MarketplaceAbi, logs: listed.logs, eventName: 'ListingCreated' });
assert.ok(listingCreated, 'ListingCreated event');
const listingId = listingCreated.args.listingId;
console.log(`   listing #${listingId}`);

// ---------------------------------------------------------------- 4. the purchase, into escrow
console.log('4. The buyer approves the marketplace and buys one item: the money goes into escrow');
await mined(await coin.write.approve([market.address, PRICE], { account: buyer }), 'approve the marketplace');
// The buyer states the unit price it agreed to: if the seller changed it in the meantime, the purchase fails.
const bought = await mined(await market.write.buy([listingId, coin.address, 1n, PRICE], { account: buyer }), 'buy');
const [orderPlaced] = parseEventLogs({ abi: MarketplaceAbi, logs: bought.logs, eventName: 'OrderPlaced' });
assert.ok(orderPlaced, 'OrderPlaced event');
const orderId = orderPlaced.args.orderId;
const ORDER_PAID = 1;
const ORDER_COMPLETED = 3;
let order = await market.read.getOrder([orderId]);
assert.equal(order.status, ORDER_PAID);
assert.equal(order.amount, PRICE);
assert.equal(await market.read.escrowed([coin.address]), PRICE);
assert.equal(await coin.read.balanceOf([buyer.address]), buyerStart - PRICE);
console.log(`   order #${orderId}: ${show(order.amount)} in escrow until ${new Date(Number(order.releaseAt) * 1000).toISOString()}`);

// ---------------------------------------------------------------- 5. receipt confirmed, everyone paid
console.log('5. The buyer confirms receipt: the seller and the marketplace are credited, and withdraw');
await mined(await market.write.confirmReceipt([orderId], { account: buyer }), 'confirm receipt');
order = await market.read.getOrder([orderId]);
assert.equal(order.status, ORDER_COMPLETED);
const fee = (PRICE * BigInt(FEE_BPS)) / 10_000n;
assert.equal(await market.read.owedTo([seller.address, coin.address]), PRICE - fee);
assert.equal(await market.read.owedTo([operator.address, coin.address]), fee);
// Nothing is pushed: each party pulls what it is owed, to any address it names.
await mined(await market.write.withdraw([coin.address, seller.address], { account: seller }), 'seller withdraws');
await mined(await market.write.withdraw([coin.address, operator.address], { account: operator }), 'operator withdraws the fee');
const sellerBalance = await coin.read.balanceOf([seller.address]);
const operatorBalance = await coin.read.balanceOf([operator.address]);
const buyerBalance = await coin.read.balanceOf([buyer.address]);
assert.equal(sellerBalance, PRICE - fee);
assert.equal(operatorBalance, fee);
assert.equal(await coin.read.balanceOf([market.address]), 0n, 'nothing is left in the marketplace');
console.log(`   seller ${seller.address} holds ${show(sellerBalance)}`);
console.log(`   marketplace fee recipient ${operator.address} holds ${show(operatorBalance)}`);
console.log(`   buyer ${buyer.address} holds ${show(buyerBalance)}`);

// ---------------------------------------------------------------- 6. reviews from a verified purchase
console.log('6. Buyer and seller review each other');
// The review text lives off chain; the chain keeps its hash, so the text cannot be changed later.
const buyerReview = 'Arrived in two days, exactly as described.';
await mined(await reputation.write.rate(
  [orderId, 5, keccak256(toHex(buyerReview)), 'ipfs://bafy-example-buyer-review'], { account: buyer },
), 'buyer rates the seller');
const sellerReview = 'Paid promptly.';
await mined(await reputation.write.rate(
  [orderId, 4, keccak256(toHex(sellerReview)), 'ipfs://bafy-example-seller-review'], { account: seller },
), 'seller rates the buyer');

// ---------------------------------------------------------------- 7. the seller's reputation
console.log('7. The seller\'s aggregate rating, in one call');
const summary = await reputation.read.summary([seller.address]);
assert.equal(summary.ratingsAsSeller, 1n);
assert.equal(summary.scoreSumAsSeller, 5n);
const buyerSummary = await reputation.read.summary([buyer.address]);
assert.equal(buyerSummary.ratingsAsBuyer, 1n);
assert.equal(buyerSummary.scoreSumAsBuyer, 4n);
console.log(`   seller rating: ${(Number(summary.averageX100) / 100).toFixed(2)} / 5 from ${summary.ratings} rating(s), ` +
  `${summary.uniqueRaters} distinct rater(s), ${summary.disputesLost} dispute(s) lost`);
console.log('Done: listed, bought with a stable coin, confirmed, paid out, reviewed.');
