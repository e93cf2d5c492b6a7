/**
 * A plain value transfer (no data, no access list, no authorizations, to an account without code) runs
 * without the EVM. PERF: @ethereumjs's runTx spends ~300 µs of journal, checkpoint, message and receipt
 * machinery on what is three account updates; this does the same updates directly (~10x less).
 *
 * It must leave exactly the state, gas and receipt the VM would (test/unit/execution/plainTransfer.test.ts
 * runs random blocks both ways and compares roots and receipts). Anything outside the narrow case the
 * rules below are written for returns `undefined`, and the caller runs the VM, which also produces the
 * VM's own errors (wrong nonce, insufficient funds, EIP-3607 sender with code, fee cap below base fee).
 */
import { Account, Address, KECCAK256_NULL, MAX_INTEGER, equalsBytes } from '@ethereumjs/util';
import type { WorldState } from '../state/index.ts';
import { effectiveGasPrice, senderAddress } from './validateTx.ts';
import type { ValidatedTx } from './validateTx.ts';

/** Intrinsic gas of a transaction without data or access list; also its EIP-7623 floor. */
const TRANSFER_GAS = 21_000n;

export interface PlainTransferOutcome {
  gasUsed: bigint;
  /** Priority fee paid to the block's fee recipient (the base fee part is credited at the end of the block). */
  tip: bigint;
}

/** Precompiles and system contracts live at low addresses; a call there can run code even without any. */
export function isLowAddress(to: Uint8Array): boolean {
  for (let i = 0; i < 18; i++) if (to[i] !== 0) return false;
  return true;
}

/** The shape check, from the decoded fields alone (no @ethereumjs object): cheap enough for every transaction. */
export function isPlainTransferShape(tx: Pick<ValidatedTx, 'transferTo' | 'gasLimit'>): boolean {
  return tx.transferTo !== undefined && tx.gasLimit >= TRANSFER_GAS && !isLowAddress(tx.transferTo);
}

export function hasCode(account: Account | undefined): boolean {
  return account !== undefined && !equalsBytes(account.codeHash, KECCAK256_NULL);
}

/**
 * The sender's account when runTx would accept it for `tx`: it exists, has no code (EIP-3607), has the
 * transaction's nonce and covers the VM's max cost (value + gasLimit x maxFeePerGas, x gasPrice for legacy and
 * 2930). Otherwise undefined, and the VM runs the transaction and gives its own error.
 */
export async function payingSender(state: WorldState, tx: ValidatedTx, fromAddress: Address): Promise<Account | undefined> {
  const from = await state.getAccount(fromAddress);
  if (from === undefined || hasCode(from) || from.nonce !== tx.nonce) return undefined;
  return from.balance < tx.value + tx.gasLimit * tx.maxFeePerGas ? undefined : from;
}

/**
 * Runs `tx` as a plain transfer if every precondition holds, or returns undefined without touching state.
 * `baseFee` is the block's; `feeRecipient` receives the priority fee as the VM's coinbase would.
 */
export async function runPlainTransfer(
  state: WorldState,
  tx: ValidatedTx,
  baseFee: bigint,
  feeRecipient: Uint8Array,
): Promise<PlainTransferOutcome | undefined> {
  if (!isPlainTransferShape(tx) || tx.maxFeePerGas < baseFee) return undefined;
  const fromAddress = senderAddress(tx);
  const toAddress = new Address(tx.transferTo as Uint8Array);
  const from = await payingSender(state, tx, fromAddress);
  if (from === undefined) return undefined;
  const to = equalsBytes(fromAddress.bytes, toAddress.bytes) ? from : await state.getAccount(toAddress);
  if (hasCode(to)) return undefined;
  // EIP-161: a zero-value call touches the recipient and an empty one is deleted at the end of the tx
  if (tx.value === 0n && to !== undefined && to.isEmpty()) return undefined;
  if (to !== undefined && to !== from && to.balance + tx.value > MAX_INTEGER) return undefined;

  const gasPrice = effectiveGasPrice(tx, baseFee);
  from.nonce += 1n;
  from.balance -= TRANSFER_GAS * gasPrice + tx.value;
  if (to === from) from.balance += tx.value;
  await state.putAccount(fromAddress, from);
  if (to !== from && tx.value !== 0n) {
    const recipient = to ?? new Account();
    recipient.balance += tx.value;
    await state.putAccount(toAddress, recipient);
  }
  const tip = TRANSFER_GAS * (gasPrice - baseFee);
  await payTip(state, feeRecipient, tip);
  return { gasUsed: TRANSFER_GAS, tip };
}

/**
 * Credits the priority fee to the block's fee recipient as runTx credits its coinbase: the VM touches the
 * account even for a zero tip, and EIP-161 then deletes it if it is empty.
 */
export async function payTip(state: WorldState, feeRecipient: Uint8Array, tip: bigint): Promise<void> {
  const recipientAddress = new Address(feeRecipient);
  const pool = await state.getAccount(recipientAddress);
  if (tip !== 0n) {
    const credited = pool ?? new Account();
    credited.balance += tip;
    await state.putAccount(recipientAddress, credited);
  } else if (pool !== undefined && pool.isEmpty()) {
    await state.deleteAccount(recipientAddress);
  }
}

