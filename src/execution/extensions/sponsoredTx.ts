/**
 * A sponsored transaction (ADR 0016): an ordinary signed transaction at price 0 to a contract whose
 * GasSponsor deposit pays its gas. The caller runs it at base fee 0 (so the EVM charges its sender
 * nothing, and the sender's balance during execution is exactly its own); around that run, the deposit
 * first sets aside gas limit x base fee (so the called contract cannot withdraw what its own gas may cost),
 * then takes gas used x base fee and gets the rest back. That amount leaves the sponsor account's balance
 * as the EVM's base-fee burn leaves a paying sender's, and executeBlock's creditBurnedFees pays it to the
 * fee pool with every other fee: nothing is destroyed (CyberMiles burned these fees by accident, §2.6).
 */
import { Account, Address } from '@ethereumjs/util';
import { bytesToHex, hexToBytes, invariant } from '../../primitives/index.ts';
import type { Hex } from '../../primitives/index.ts';
import type { WorldState } from '../../state/index.ts';
import type { Receipt } from '../../types/index.ts';
import { SPONSOR_ADDRESS, addToDeposit, callerGasLeft, checkSponsored, readSponsorState, recordUsage, sponsorInterface, sponsorStore, sponsoredCreationError } from './gasSponsor.ts';

/** The fields of a transaction sponsorship looks at. */
export interface SponsoredTxFields {
  /** Undefined for a contract creation (always refused). */
  to: Uint8Array | undefined;
  sender: Hex;
  gasLimit: bigint;
}

/** What the mempool needs to reserve a sponsored transaction's share of the deposit and of the caller's budget. */
export interface SponsorQuote {
  target: Hex;
  deposit: bigint;
  callerGasLeft: bigint;
}

/**
 * A transaction is a sponsorship request when it offers to pay nothing on a chain that charges: the one
 * check every paying transaction pays for. (On a chain whose base fee is 0 every transaction is free anyway.)
 */
export function isSponsoredPrice(maxFeePerGas: bigint, baseFee: bigint): boolean {
  return maxFeePerGas === 0n && baseFee > 0n;
}

/** Mempool admission: the sponsorship `tx` would get in the block at `height`, or the reason it gets none. */
export async function quoteSponsorship(state: WorldState, tx: SponsoredTxFields, height: bigint, baseFee: bigint): Promise<SponsorQuote> {
  if (tx.to === undefined) throw sponsoredCreationError();
  const s = await readSponsorState(sponsorStore(state), tx.to, hexToBytes(tx.sender), height);
  checkSponsored(tx.to, tx.sender, tx.gasLimit, s, baseFee);
  return { target: bytesToHex(tx.to), deposit: s.deposit, callerGasLeft: callerGasLeft(s) };
}

/**
 * Runs `run` (the transaction at base fee 0, which must leave no checkpoint open when it throws) as a
 * sponsored transaction in the block at `height`: refused (throws, nothing written) unless sponsored;
 * otherwise the deposit pays, the caller's usage grows, and the receipt gets a GasSponsored log.
 */
export async function runSponsoredTx<R extends { totalGasSpent: bigint }>(
  state: WorldState,
  tx: SponsoredTxFields,
  env: { height: bigint; baseFee: bigint },
  run: () => Promise<R>,
): Promise<{ result: R; log: Receipt['logs'][number] }> {
  if (tx.to === undefined) throw sponsoredCreationError();
  const target = tx.to;
  const caller = hexToBytes(tx.sender);
  const store = sponsorStore(state);
  const before = await readSponsorState(store, target, caller, env.height);
  checkSponsored(target, tx.sender, tx.gasLimit, before, env.baseFee);
  const reserved = tx.gasLimit * env.baseFee;
  await addToDeposit(store, target, -reserved);
  let result: R;
  try {
    result = await run();
  } catch (err) {
    await addToDeposit(store, target, reserved);
    throw err;
  }
  const gasUsed = result.totalGasSpent;
  const fee = gasUsed * env.baseFee;
  await addToDeposit(store, target, reserved - fee);
  await burnFromSponsor(state, fee);
  await recordUsage(store, target, caller, before, gasUsed, env.height);
  const encoded = sponsorInterface.encodeEventLog('GasSponsored', [bytesToHex(target), tx.sender, gasUsed, fee]);
  return { result, log: { address: SPONSOR_ADDRESS, topics: encoded.topics.map((t) => hexToBytes(t)), data: hexToBytes(encoded.data) } };
}

/** The fee leaves the sponsor account as a base-fee burn; the block credits it to the fee pool. */
async function burnFromSponsor(state: WorldState, fee: bigint): Promise<void> {
  if (fee === 0n) return;
  const address = new Address(SPONSOR_ADDRESS);
  const account = (await state.getAccount(address)) ?? new Account();
  // every deposit word is backed by this balance: less means the accounting is broken, not the transaction
  invariant(account.balance >= fee, `the sponsor account holds ${account.balance} wei, a deposit owes ${fee}`);
  account.balance -= fee;
  await state.putAccount(address, account);
}
