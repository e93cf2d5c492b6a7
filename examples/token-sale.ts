/**
 * Issuing a token and selling it for CMT, with viem:
 *
 *   1. the platform deploys the TokenFactory (once per chain: it issues tokens, vesting schedules and sales);
 *   2. a store issues its token ACME through the factory: mintable up to a cap of 1,000,000, 100,000 to itself;
 *   3. the store opens a sale of ACME at 1,000 ACME per CMT, soft cap 10 CMT, hard cap 50 CMT, for one day
 *      starting in a minute; the factory moves the tokens for the whole hard cap into the sale up front;
 *   4. the sale opens (the dev chain's clock is moved forward) and two buyers contribute 20 and 5 CMT;
 *   5. the window ends, anyone finalises: 25 CMT raised, the soft cap is met, so the sale succeeded (had it
 *      missed the soft cap, every buyer could pull back exactly what it paid);
 *   6. the buyers claim their tokens, the store's treasury withdraws the CMT raised and the unsold tokens go back
 *      to the store.
 *
 * Run against a dev node (`npm start`): `npx tsx examples/token-sale.ts` (CMT_RPC overrides the URL). Moving the
 * clock uses the dev chain's evm_setNextBlockTimestamp / hardhat_mine. Every step checks its receipt and the state it
 * should leave; any failure exits with a non-zero code.
 */
import assert from 'node:assert/strict';
import {
  createPublicClient, createTestClient, createWalletClient, defineChain, formatEther, getContract, http, parseEther,
  parseEventLogs, zeroAddress, zeroHash,
} from 'viem';
import type { Abi, Address, Hash, Hex, TransactionReceipt } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { IssuedTokenAbi, TokenFactoryAbi, TokenSaleAbi } from '../contracts/abi.ts';
import tokenFactoryArtifact from '../contracts/artifacts/TokenFactory.json' with { type: 'json' };

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
const platform = devAccount(0); // deploys the factory that every issuer uses
const store = devAccount(1); // issues the token and sells it
const treasury = devAccount(2); // the store's account that receives the CMT raised
const alice = devAccount(3);
const bob = devAccount(4);

const client = createPublicClient({ chain: cyberMilesDev, transport: http(), pollingInterval: 100 });
const wallet = createWalletClient({ chain: cyberMilesDev, transport: http() });
// Dev-chain controls (Hardhat's methods): only a development node moves its clock on request.
const devChain = createTestClient({ chain: cyberMilesDev, mode: 'hardhat', transport: http() });

/** Waits for a transaction and fails unless it succeeded: a reverted transaction is a receipt, not an error. */
async function mined(hash: Hash, what: string): Promise<TransactionReceipt> {
  const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 100 });
  assert.equal(receipt.status, 'success', `${what}: transaction ${hash} reverted`);
  return receipt;
}

/** The contract at `address`, typed by its ABI: `c.read.x([...])`, `c.write.y([...], { account })`. */
const contractAt = <const A extends Abi>(abi: A, address: Address) => getContract({ address, abi, client: { public: client, wallet } });

/** What a transaction cost its sender in gas, to tell payments apart from fees in balance changes. */
const gasCost = (r: TransactionReceipt): bigint => r.gasUsed * r.effectiveGasPrice;

/** Moves the chain's clock to `timestamp` and mines a block there, so that calls see the new time. */
async function moveClockTo(timestamp: bigint): Promise<void> {
  await devChain.setNextBlockTimestamp({ timestamp });
  await devChain.mine({ blocks: 1 });
}

const acme = (units: bigint): string => `${formatEther(units)} ACME`; // 18 decimals, like CMT
const cmt = (wei: bigint): string => `${formatEther(wei)} CMT`;

// ---------------------------------------------------------------- 1. the factory
console.log('1. The platform deploys the TokenFactory');
const { contractAddress: factoryAddress } = await mined(await wallet.deployContract({
  account: platform, abi: TokenFactoryAbi, bytecode: tokenFactoryArtifact.bytecode as Hex,
  args: [zeroAddress], // no symbol registry here; with one, createToken can also register the symbol
}), 'deploy TokenFactory');
assert.ok(factoryAddress, 'factory address');
const factory = contractAt(TokenFactoryAbi, factoryAddress);
console.log(`   TokenFactory deployed at ${factory.address}`);

// ---------------------------------------------------------------- 2. the token
console.log('2. The store issues ACME: mintable, capped at 1,000,000, 100,000 to itself');
const CAP = parseEther('1000000');
const issued = await mined(await factory.write.createToken([
  // the store is the token's admin and, as it is mintable, its minter
  { name: 'Acme Store Token', symbol: 'ACME', decimals: 18, cap: CAP, mintable: true, pausable: false, admin: store.address },
  [{ to: store.address, amount: parseEther('100000') }], // initial allocations
  [], // vesting grants (e.g. for the team) would be minted straight into vesting schedules
  false, // register the symbol in a registry
], { account: store }), 'create the token');
const [tokenCreated] = parseEventLogs({ abi: TokenFactoryAbi, logs: issued.logs, eventName: 'TokenCreated' });
assert.ok(tokenCreated, 'TokenCreated event');
const token = contractAt(IssuedTokenAbi, tokenCreated.args.token);
const tokenBalance = (address: Address) => token.read.balanceOf([address]);
assert.equal(await token.read.cap(), CAP);
assert.equal(await tokenBalance(store.address), parseEther('100000'));
console.log(`   ACME issued at ${token.address}; the store holds ${acme(await tokenBalance(store.address))}`);

// ---------------------------------------------------------------- 3. the sale
console.log('3. The store opens a sale: 1,000 ACME per CMT, soft cap 10 CMT, hard cap 50 CMT, open for one day, starting in a minute');
const RATE = parseEther('1000'); // ACME units per 1 CMT
const SOFT_CAP = parseEther('10');
const HARD_CAP = parseEther('50');
const forHardCap = (HARD_CAP * RATE) / parseEther('1'); // 50,000 ACME: what the sale must hold to sell out
// The factory pulls the tokens for the whole hard cap from the store, so approve it first.
await mined(await token.write.approve([factory.address, forHardCap], { account: store }), 'approve the factory');
const now = (await client.getBlock()).timestamp;
const start = now + 60n;
const end = start + 86_400n;
const opened = await mined(await factory.write.createSale([{
  token: token.address, beneficiary: treasury.address, start, end, tokensPerCmt: RATE, softCap: SOFT_CAP, hardCap: HARD_CAP,
  maxPerAddress: 0n, // no per-buyer limit
  gate: zeroAddress, kind: zeroHash, issuerSetId: 0n, // open to anyone: no identity-attestation allow list
}], { account: store }), 'create the sale');
const [saleCreated] = parseEventLogs({ abi: TokenFactoryAbi, logs: opened.logs, eventName: 'SaleCreated' });
assert.ok(saleCreated, 'SaleCreated event');
const sale = contractAt(TokenSaleAbi, saleCreated.args.sale);
const PHASE = { Pending: 0, Active: 1, AwaitingFinalization: 2, Succeeded: 3 } as const;
assert.equal(await tokenBalance(sale.address), forHardCap);
assert.equal(await sale.read.phase(), PHASE.Pending);
console.log(`   TokenSale at ${sale.address} holds ${acme(forHardCap)}`);

// ---------------------------------------------------------------- 4. contributions
console.log('4. A minute later the sale is open: Alice contributes 20 CMT, Bob 5 CMT');
await moveClockTo(start);
assert.equal(await sale.read.phase(), PHASE.Active);
const cmtOf = (address: Address) => client.getBalance({ address });
const cmtBefore = { alice: await cmtOf(alice.address), bob: await cmtOf(bob.address) };
const aliceIn = await mined(await sale.write.contribute({ account: alice, value: parseEther('20') }), 'Alice contributes');
const bobIn = await mined(await sale.write.contribute({ account: bob, value: parseEther('5') }), 'Bob contributes');
assert.equal(await sale.read.totalRaised(), parseEther('25'));
// Tokens are only promised until the sale succeeds: nothing is transferable while a refund is still possible.
assert.equal(await tokenBalance(alice.address), 0n);

// ---------------------------------------------------------------- 5. the end of the window
console.log('5. A day later the window is over; anyone may finalise');
await moveClockTo(end);
assert.equal(await sale.read.phase(), PHASE.AwaitingFinalization);
await mined(await sale.write.finalize({ account: store }), 'finalize');
assert.equal(await sale.read.phase(), PHASE.Succeeded);
console.log(`   succeeded: ${cmt(parseEther('25'))} raised, soft cap ${cmt(SOFT_CAP)} met`);

// ---------------------------------------------------------------- 6. claims, proceeds, unsold tokens
console.log('6. The buyers claim their tokens, the treasury withdraws the CMT, the unsold tokens go back');
const aliceClaim = await mined(await sale.write.claim({ account: alice }), 'Alice claims');
const bobClaim = await mined(await sale.write.claim({ account: bob }), 'Bob claims');
const treasuryBefore = await cmtOf(treasury.address);
const withdrawal = await mined(await sale.write.withdrawProceeds([treasury.address], { account: treasury }), 'withdraw the proceeds');
// Anyone may send the unsold tokens back to the issuer; here the store does it.
await mined(await sale.write.reclaimTokens({ account: store }), 'reclaim unsold tokens');

const balances = {
  alice: await tokenBalance(alice.address),
  bob: await tokenBalance(bob.address),
  store: await tokenBalance(store.address),
  sale: await tokenBalance(sale.address),
};
assert.equal(balances.alice, parseEther('20000'));
assert.equal(balances.bob, parseEther('5000'));
assert.equal(balances.store, parseEther('75000'), '100,000 - 50,000 put up for sale + 25,000 unsold');
assert.equal(balances.sale, 0n);
// Each buyer paid exactly its contribution, plus gas for its own transactions.
const aliceSpent = cmtBefore.alice - (await cmtOf(alice.address));
const bobSpent = cmtBefore.bob - (await cmtOf(bob.address));
assert.equal(aliceSpent, parseEther('20') + gasCost(aliceIn) + gasCost(aliceClaim));
assert.equal(bobSpent, parseEther('5') + gasCost(bobIn) + gasCost(bobClaim));
const raised = (await cmtOf(treasury.address)) - treasuryBefore + gasCost(withdrawal);
assert.equal(raised, parseEther('25'));
assert.equal(await cmtOf(sale.address), 0n);
console.log(`   Alice ${alice.address} holds ${acme(balances.alice)}`);
console.log(`   Bob ${bob.address} holds ${acme(balances.bob)}`);
console.log(`   treasury ${treasury.address} received ${cmt(raised)}`);
console.log(`   store ${store.address} holds ${acme(balances.store)}`);
console.log('Done: token issued, sale run, tokens claimed, proceeds withdrawn.');
