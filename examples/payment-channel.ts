/**
 * Paying per use through a payment channel, with ethers v6:
 *
 *   1. PaymentChannels is deployed (once per chain; it has no owner);
 *   2. a customer opens a channel to a charging station with a 10 CMT deposit;
 *   3. for each kWh delivered the customer signs, off chain and for free, a claim of the *cumulative* amount owed
 *      (1.5, 3, 4.5, 6 CMT): an EIP-712 signature the station checks before delivering more. No transaction,
 *      no gas, no waiting for blocks, however many payments;
 *   4. the station closes the channel with the last claim alone: it receives 6 CMT, and the 4 CMT left are
 *      credited back to the customer, who withdraws them.
 *
 * Run against a dev node (`npm start`): `npx tsx examples/payment-channel.ts` (CMT_RPC overrides the URL).
 * Every step checks its receipt and the state it should leave; any failure exits with a non-zero code.
 */
import assert from 'node:assert/strict';
import { Contract, ContractFactory, HDNodeWallet, JsonRpcProvider, ZeroAddress, formatEther, parseEther, verifyTypedData } from 'ethers';
import type { ContractTransactionResponse, LogDescription, TransactionReceipt } from 'ethers';
import { PaymentChannelsAbi } from '../contracts/abi.ts';
import paymentChannelsArtifact from '../contracts/artifacts/PaymentChannels.json' with { type: 'json' };

const RPC = process.env['CMT_RPC'] ?? 'http://127.0.0.1:8545';
const CHAIN_ID = 1234;
// staticNetwork: no chain-id probe before every request. cacheTimeout -1: ethers would otherwise answer a
// repeated request (a balance, a nonce) from a 250 ms cache, stale right after a transaction on a fast dev chain.
const provider = new JsonRpcProvider(RPC, CHAIN_ID, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });
// The funded accounts of a dev chain (`npm start` prints them); on a real network these are your users' wallets.
const MNEMONIC = 'test test test test test test test test test test test junk';
const devWallet = (index: number) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).connect(provider);
const deployer = devWallet(0);
const customer = devWallet(1); // pays per kWh
const station = devWallet(2); // a charging station, paid per kWh

/** Waits for a transaction and fails unless it succeeded. */
async function mined(tx: Promise<ContractTransactionResponse>, what: string): Promise<TransactionReceipt> {
  const receipt = await (await tx).wait();
  assert.ok(receipt !== null && receipt.status === 1, `${what}: the transaction failed`);
  return receipt;
}

/** The first `name` event `contract` emitted in `receipt`. */
function eventOf(contract: Contract, receipt: TransactionReceipt, name: string): LogDescription {
  const found = receipt.logs.map((log) => contract.interface.parseLog(log)).find((e) => e?.name === name);
  assert.ok(found, `${name} event`);
  return found;
}

const cmt = (wei: bigint): string => `${formatEther(wei)} CMT`;
const NATIVE = ZeroAddress; // the channel's asset: CMT itself (an ERC-20 address would make it a token channel)

// ---------------------------------------------------------------- 1. the contract
console.log('1. PaymentChannels is deployed');
const deployment = await new ContractFactory(PaymentChannelsAbi, paymentChannelsArtifact.bytecode, deployer).deploy();
const deployed = await deployment.deploymentTransaction()?.wait();
assert.equal(deployed?.status, 1, 'deploy PaymentChannels: the transaction failed');
const channelsAddress = await deployment.getAddress();
console.log(`   PaymentChannels deployed at ${channelsAddress}`);
const asCustomer = new Contract(channelsAddress, PaymentChannelsAbi, customer);
const asStation = new Contract(channelsAddress, PaymentChannelsAbi, station);

// ---------------------------------------------------------------- 2. the channel
console.log('2. The customer opens a channel to the station with a 10 CMT deposit');
const customerStart = await provider.getBalance(customer.address);
const stationStart = await provider.getBalance(station.address);
const DEPOSIT = parseEther('10');
const SETTLE_DELAY = 3600n; // after the customer asks to close, the station has an hour to redeem its last claim
const head = await provider.getBlock('latest');
assert.ok(head, 'latest block');
const now = BigInt(head.timestamp);
const opened = await mined(asCustomer.getFunction('open')(
  station.address,
  ZeroAddress, // who signs claims: zero = the customer itself (a separate hot key or a contract wallet also works)
  NATIVE, DEPOSIT, SETTLE_DELAY,
  now + 86_400n, // expiration: the station must redeem before then; the customer can extend it with topUp
  0n, // no hard deadline (cancelAfter)
  { value: DEPOSIT },
), 'open the channel');
const channelId = eventOf(asCustomer, opened, 'ChannelOpened').args.getValue('id') as bigint;
console.log(`   channel #${channelId} holds ${cmt(DEPOSIT)}`);

// ---------------------------------------------------------------- 3. off-chain payments
console.log('3. For each kWh the customer signs a cumulative claim; the station checks each one');
// The EIP-712 domain binds every claim to this contract on this chain, so it cannot be replayed elsewhere.
const domain = { name: 'CMT PaymentChannels', version: '1', chainId: CHAIN_ID, verifyingContract: channelsAddress };
const CLAIM_TYPES = { Claim: [{ name: 'channelId', type: 'uint256' }, { name: 'amount', type: 'uint256' }] };
const PRICE_PER_KWH = parseEther('1.5');
let latest = { amount: 0n, signature: '' };
for (let kwh = 1n; kwh <= 4n; kwh++) {
  const amount = kwh * PRICE_PER_KWH; // cumulative: each claim replaces the previous one, it does not add to it
  const signature = await customer.signTypedData(domain, CLAIM_TYPES, { channelId, amount }); // no transaction
  // The station accepts a claim only if the channel's signer signed it, it grows, and the deposit covers it.
  assert.equal(verifyTypedData(domain, CLAIM_TYPES, { channelId, amount }, signature), customer.address, 'claim signed by the customer');
  assert.ok(amount > latest.amount && amount <= DEPOSIT, 'claim grows and is covered by the deposit');
  latest = { amount, signature };
  console.log(`   kWh ${kwh}: claim for ${cmt(amount)} accepted`);
}
// Nothing happened on chain: the channel has paid nothing yet.
let channel = (await asStation.getFunction('getChannel')(channelId)) as { open: boolean; deposit: bigint; paid: bigint };
assert.equal(channel.paid, 0n);

// ---------------------------------------------------------------- 4. settlement
console.log('4. The station closes the channel with the last claim; the rest goes back to the customer');
const closed = await mined(asStation.getFunction('close')(channelId, latest.amount, latest.signature), 'close the channel');
const closedEvent = eventOf(asStation, closed, 'ChannelClosed').args;
const refund = closedEvent.getValue('refund') as bigint;
assert.equal(closedEvent.getValue('paid'), latest.amount);
assert.equal(refund, DEPOSIT - latest.amount);
channel = (await asStation.getFunction('getChannel')(channelId)) as typeof channel;
assert.equal(channel.open, false);
assert.equal(channel.paid, latest.amount);
// The station was paid at once (it sent the transaction); the customer's rest waits for it to pull it.
assert.equal(await asCustomer.getFunction('owed')(customer.address, NATIVE), refund);
const withdrawal = await mined(asCustomer.getFunction('withdraw')(NATIVE), 'customer withdraws the rest');
assert.equal(await asCustomer.getFunction('owed')(customer.address, NATIVE), 0n);
assert.equal(await provider.getBalance(channelsAddress), 0n, 'the contract holds nothing any more');

// Balances: what moved besides gas is exactly the last claim, from the customer to the station.
const stationReceived = (await provider.getBalance(station.address)) - stationStart + closed.fee;
const customerPaid = customerStart - (await provider.getBalance(customer.address)) - opened.fee - withdrawal.fee;
assert.equal(stationReceived, latest.amount);
assert.equal(customerPaid, latest.amount);
console.log(`   station ${station.address} received ${cmt(stationReceived)}`);
console.log(`   customer ${customer.address} paid ${cmt(customerPaid)} and got ${cmt(refund)} back (plus ${cmt(opened.fee + withdrawal.fee)} gas)`);
console.log('Done: four payments, two transactions for the customer, one for the station.');
provider.destroy();
