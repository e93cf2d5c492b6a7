/**
 * Stateless admission checks of a raw signed transaction: size, type, chain id, signature, intrinsic
 * gas, gas limit and fee caps. Stateful checks (nonce, balance, whether a price-0 call is sponsored)
 * belong to the mempool and execution.
 */
import { createTxFromRLP } from '@ethereumjs/tx';
import { Address, createAddressFromString } from '@ethereumjs/util';
import type { Common, TypedTransaction } from '../evm/index.ts';
import { decodeTransaction } from '../evm/index.ts';
import { keccak256, recoverPublicKey } from '../crypto/index.ts';
import { RLP } from '../encoding/index.ts';
import { ChainError, bytesPart, bytesToBigint, bytesToHex, checkedHexToBytes } from '../primitives/index.ts';
import type { Hex } from '../primitives/index.ts';
import { TxErrorCode } from './errors.ts';
import { sponsoredCreationError } from './extensions/gasSponsor.ts';
import { isSponsoredPrice } from './extensions/sponsoredTx.ts';
import { leanDecodeRecovered, leanParse, leanTx, signingHash } from './leanDecode.ts';
import type { LeanCall, LeanParsed, LeanTx } from './leanDecode.ts';

export interface AdmissionRules {
  chainId: bigint;
  maxTxSizeBytes: number;
  blockGasLimit: bigint;
  minGasPriceWei: bigint;
}

export interface ValidatedTx {
  /** Built on first use: the common paths (admission, plain transfers, receipts) never need it. */
  tx: TypedTransaction;
  raw: Uint8Array;
  /** EIP-2718 type (0 legacy). */
  type: TypedTransaction['type'];
  /** The recipient when this is a value transfer's shape (to an address, no data, no access list). */
  transferTo: Uint8Array | undefined;
  /** Recipient, data and intrinsic gas of a call without access list, when decoded without @ethereumjs (leanDecode.ts). */
  call?: LeanCall | undefined;
  hash: Hex;
  sender: Hex;
  /** The recovered key (absent for dev-mode impersonated transactions, which carry no real signature). */
  senderPublicKey?: Uint8Array;
  nonce: bigint;
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  value: bigint;
}

const SUPPORTED_TYPES = new Set([0, 1, 2, 4]); // legacy, access list, fee market, set-code

function fail(code: TxErrorCode, message: string, context: Record<string, unknown> = {}): never {
  throw new ChainError(code, message, context);
}

/** Reads the chain id straight from the encoding so a wrong one gets its own precise error. */
function declaredChainId(raw: Uint8Array): bigint | undefined {
  const first = raw[0] ?? 0;
  if (first <= 0x7f) {
    if (!SUPPORTED_TYPES.has(first)) fail(TxErrorCode.UNSUPPORTED_TYPE, `transaction type ${first} not supported`);
    const fields = RLP.decode(raw.subarray(1));
    if (!Array.isArray(fields) || !(fields[0] instanceof Uint8Array)) fail(TxErrorCode.MALFORMED, 'malformed typed transaction');
    return bytesToBigint(fields[0]);
  }
  const fields = RLP.decode(raw);
  if (!Array.isArray(fields) || fields.length !== 9 || !(fields[6] instanceof Uint8Array)) {
    fail(TxErrorCode.MALFORMED, 'malformed legacy transaction: expected an RLP list of 9 fields');
  }
  const v = bytesToBigint(fields[6]);
  return v >= 35n ? (v - 35n) / 2n : undefined; // undefined: pre-EIP-155 (unprotected)
}

export interface ValidateOptions {
  /** Take the lean path (leanDecode.ts) for the common shapes (default); off only to compare the two paths. */
  lean?: boolean;
}

export function validateRawTx(raw: Uint8Array, txCommon: Common, rules: AdmissionRules, options: ValidateOptions = {}): ValidatedTx {
  if (raw.length === 0) fail(TxErrorCode.MALFORMED, 'empty transaction');
  if (raw.length > rules.maxTxSizeBytes) {
    fail(TxErrorCode.OVERSIZED, `oversized data: transaction size ${raw.length} bytes, limit ${rules.maxTxSizeBytes}`);
  }
  // the common shapes: the same two halves as on the recovery thread (node/recovery.ts), with the recovery here
  const prepared = options.lean === false ? undefined : prepareRawTx(raw, txCommon, rules);
  if (prepared !== undefined) {
    const key = recoveredKey(prepared);
    if (key !== undefined) return prepared.finish(key);
  }
  let chainId: bigint | undefined;
  try {
    chainId = declaredChainId(raw);
  } catch (err) {
    if (err instanceof ChainError) throw err;
    fail(TxErrorCode.MALFORMED, `malformed transaction: ${(err as Error).message}`);
  }
  if (chainId !== undefined && chainId !== rules.chainId) {
    fail(TxErrorCode.WRONG_CHAIN_ID, `invalid chain id: transaction is for chain ${chainId}, this chain is ${rules.chainId}`);
  }
  let tx: TypedTransaction;
  try {
    tx = decodeTransaction(raw, txCommon);
  } catch (err) {
    fail(TxErrorCode.MALFORMED, `invalid transaction: ${firstLine(err)}`);
  }
  // PERF: the hash of a decoded transaction is the hash of its (canonical, strictly decoded) bytes: seed
  // the tx's own cache instead of letting it re-serialize, and derive the address with our keccak
  // (@ethereumjs/util's publicToAddress uses the pure-JS one).
  seedCache(tx, keccak256(raw), undefined);
  let publicKey: Uint8Array;
  try {
    publicKey = tx.getSenderPublicKey();
  } catch (err) {
    fail(TxErrorCode.BAD_SIGNATURE, `invalid sender: ${firstLine(err)}`);
  }
  const sender = bytesToHex(bytesPart(keccak256(publicKey), 12));
  return { ...checkGasAndFees(tx, raw, sender, rules), senderPublicKey: publicKey };
}

/** A raw transaction decoded up to its signature, for its sender to be recovered elsewhere (another thread). */
export interface AwaitingSender {
  signingHash: Uint8Array;
  r: Uint8Array;
  s: Uint8Array;
  recovery: number;
  /** The transaction as validateRawTx gives it, from the recovered key; throws validateRawTx's limit errors. */
  finish(senderPublicKey: Uint8Array): ValidatedTx;
}

/**
 * validateRawTx in two halves around the signature recovery, for the common shapes leanParse takes: this
 * half decodes, `finish` checks the limits once the key is known. Undefined for anything else (oversized,
 * another type, any odd encoding): validateRawTx then runs whole and gives the precise error, and so it must
 * for a signature from which no key can be recovered.
 */
export function prepareRawTx(raw: Uint8Array, txCommon: Common, rules: AdmissionRules): AwaitingSender | undefined {
  if (raw.length === 0 || raw.length > rules.maxTxSizeBytes) return undefined;
  const parsed = leanParse(raw, txCommon, rules.chainId);
  return parsed === undefined ? undefined : new PreparedTx(raw, parsed, txCommon, rules);
}

/** The sender's public key, or undefined when none can be recovered (validateRawTx's full path then says why). */
function recoveredKey(prepared: AwaitingSender): Uint8Array | undefined {
  try {
    return recoverPublicKey(prepared.signingHash, prepared.r, prepared.s, prepared.recovery);
  } catch {
    return undefined;
  }
}

/** A class, not an object with a closure: tsx wraps every named closure it creates in a defineProperty. */
class PreparedTx implements AwaitingSender {
  readonly signingHash: Uint8Array;
  readonly r: Uint8Array;
  readonly s: Uint8Array;
  readonly recovery: number;

  constructor(
    private readonly raw: Uint8Array,
    private readonly parsed: LeanParsed,
    private readonly txCommon: Common,
    private readonly rules: AdmissionRules,
  ) {
    this.signingHash = signingHash(parsed);
    this.r = parsed.r;
    this.s = parsed.s;
    this.recovery = parsed.recovery;
  }

  finish(senderPublicKey: Uint8Array): ValidatedTx {
    return validatedLean(this.raw, leanTx(this.parsed, senderPublicKey), this.txCommon, this.rules);
  }
}

/** A transaction leanParse accepted: the same checks, and the @ethereumjs object only when someone asks. */
function validatedLean(raw: Uint8Array, lean: LeanTx, txCommon: Common, rules: AdmissionRules): ValidatedTx {
  const hashBytes = keccak256(raw);
  const sender = bytesToHex(bytesPart(keccak256(lean.senderPublicKey), 12));
  checkLimits(lean.gasLimit, lean.minimumGas, lean.maxFeePerGas, lean.maxPriorityFeePerGas, lean.type === 2, txCommon, rules);
  return leanValidated(raw, lean, hashBytes, sender, txCommon);
}

/**
 * A transaction leanParse accepted, its @ethereumjs object built on first use. PERF: a class, where this was
 * an object literal with a getter: V8 builds such a literal in dictionary mode, so every read of every field
 * of every admitted transaction (the pool, the worker message, execution, receipts) was a hash-table lookup.
 */
class LeanValidatedTx implements ValidatedTx {
  readonly type: TypedTransaction['type'];
  readonly transferTo: Uint8Array | undefined;
  readonly call: LeanCall | undefined;
  readonly hash: Hex;
  readonly senderPublicKey: Uint8Array;
  readonly nonce: bigint;
  readonly gasLimit: bigint;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
  readonly value: bigint;
  #built: TypedTransaction | undefined;
  readonly #hashBytes: Uint8Array;
  readonly #txCommon: Common;

  constructor(
    readonly raw: Uint8Array,
    lean: LeanTx,
    hashBytes: Uint8Array,
    readonly sender: Hex,
    txCommon: Common,
  ) {
    this.type = lean.type;
    this.transferTo = lean.transferTo;
    this.call = lean.call;
    this.hash = bytesToHex(hashBytes);
    this.senderPublicKey = lean.senderPublicKey;
    this.nonce = lean.nonce;
    this.gasLimit = lean.gasLimit;
    this.maxFeePerGas = lean.maxFeePerGas;
    this.maxPriorityFeePerGas = lean.maxPriorityFeePerGas;
    this.value = lean.value;
    this.#hashBytes = hashBytes;
    this.#txCommon = txCommon;
  }

  get tx(): TypedTransaction {
    this.#built ??= withKnownSender(createTxFromRLP(this.raw, { common: this.#txCommon, freeze: false }), this.#hashBytes, this.senderPublicKey, this.sender);
    return this.#built;
  }
}

function leanValidated(raw: Uint8Array, lean: LeanTx, hashBytes: Uint8Array, sender: Hex, txCommon: Common): ValidatedTx {
  return new LeanValidatedTx(raw, lean, hashBytes, sender, txCommon);
}

const senderBytesOf = new WeakMap<ValidatedTx, Uint8Array>();

/**
 * The sender as an Address. PERF: parsed from its hex once per transaction (createAddressFromString checks it
 * with a regular expression each time; a block's execution asked three times per transaction).
 */
export function senderAddress(tx: ValidatedTx): Address {
  let bytes = senderBytesOf.get(tx);
  if (bytes === undefined) senderBytesOf.set(tx, (bytes = senderBytes(tx.sender)));
  return new Address(bytes);
}

/** The sender's bytes: a recovered or impersonated sender is always 0x and 40 hex digits, so no pattern check. */
function senderBytes(sender: Hex): Uint8Array {
  if (sender.length !== 42) return createAddressFromString(sender).bytes; // (never: the same error it always gave)
  return checkedHexToBytes(sender);
}

/**
 * A decoded (unfrozen) transaction answering its hash and sender from what is already known. PERF: an
 * unfrozen transaction re-serializes and hashes itself on every hash(), and getSenderAddress() derives the
 * address with @ethereumjs/util's pure-JS keccak on every call (~17 µs of each EVM transaction's execution).
 */
function withKnownSender(tx: TypedTransaction, hash: Uint8Array, senderPublicKey: Uint8Array | undefined, sender: Hex): TypedTransaction {
  seedCache(tx, hash, senderPublicKey);
  const senderBytes = createAddressFromString(sender).bytes;
  return Object.assign(tx, { getSenderAddress: () => new Address(senderBytes), hash: () => hash });
}

/** Gives a decoded transaction the hash (and sender key) already known, so it never computes them again. */
function seedCache(tx: TypedTransaction, hash: Uint8Array, senderPublicKey: Uint8Array | undefined): TypedTransaction {
  const cache = (tx as unknown as { cache: { hash?: Uint8Array; senderPubKey?: Uint8Array } }).cache;
  cache.hash = hash;
  if (senderPublicKey !== undefined) cache.senderPubKey = senderPublicKey;
  return tx;
}

function checkLimits(gasLimit: bigint, minimumGas: bigint, maxFee: bigint, tip: bigint, isFeeMarket: boolean, txCommon: Common, rules: AdmissionRules): void {
  // the minimum includes EIP-7623's calldata floor: below it the transaction could never be included
  if (gasLimit < minimumGas) fail(TxErrorCode.INTRINSIC_GAS_TOO_LOW, `intrinsic gas too low: have ${gasLimit}, want ${minimumGas}`);
  const cap = txCommon.param('maxTransactionGasLimit') as bigint | undefined;
  const limit = cap !== undefined && cap > 0n && cap < rules.blockGasLimit ? cap : rules.blockGasLimit;
  if (gasLimit > limit) fail(TxErrorCode.GAS_LIMIT_TOO_HIGH, `exceeds block gas limit: gas ${gasLimit}, limit ${limit}`);
  if (tip > maxFee) fail(TxErrorCode.TIP_ABOVE_FEE_CAP, `max priority fee per gas higher than max fee per gas: tip ${tip}, max fee ${maxFee}`);
  // price 0 asks for sponsored gas (ADR 0016): whether the target pays is a question for the state (mempool, block)
  if (maxFee < rules.minGasPriceWei && maxFee !== 0n) {
    // the base fee is the chain's minimum price; say it in the words wallets and viem recognise
    fail(
      TxErrorCode.FEE_CAP_TOO_LOW,
      isFeeMarket
        ? `max fee per gas less than block base fee: maxFeePerGas ${maxFee}, baseFee ${rules.minGasPriceWei}`
        : `transaction underpriced: gas price ${maxFee} wei below the chain minimum ${rules.minGasPriceWei} wei`,
    );
  }
}

function checkGasAndFees(tx: TypedTransaction, raw: Uint8Array, sender: Hex, rules: AdmissionRules): ValidatedTx {
  const { isFeeMarket, maxFee, tip } = feeCaps(tx);
  // leanParse takes only calls, so a creation always comes this way
  if (tx.to === undefined && isSponsoredPrice(maxFee, rules.minGasPriceWei)) throw sponsoredCreationError();
  checkLimits(tx.gasLimit, tx.getMinimumGasLimit(), maxFee, tip, isFeeMarket, tx.common, rules);
  return {
    tx,
    raw,
    type: tx.type,
    transferTo: transferTarget(tx),
    hash: bytesToHex(tx.hash()),
    sender,
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    maxFeePerGas: maxFee,
    maxPriorityFeePerGas: tip,
    value: tx.value,
  };
}

/**
 * What a transaction pays per gas in a block with `baseFee`: its tip on top of the base fee, capped by its
 * fee cap. One rule for every type, since legacy and access-list transactions carry their gas price as
 * both cap and tip (so they pay exactly it).
 */
export function effectiveGasPrice(tx: Pick<ValidatedTx, 'maxFeePerGas' | 'maxPriorityFeePerGas'>, baseFee: bigint): bigint {
  const withTip = baseFee + tx.maxPriorityFeePerGas;
  return withTip < tx.maxFeePerGas ? withTip : tx.maxFeePerGas;
}

/** The fee cap and tip of any transaction type (legacy and access-list txs pay their gas price for both). */
function feeCaps(tx: TypedTransaction): { isFeeMarket: boolean; maxFee: bigint; tip: bigint } {
  if ('maxFeePerGas' in tx) {
    const t = tx as { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };
    return { isFeeMarket: true, maxFee: t.maxFeePerGas, tip: t.maxPriorityFeePerGas };
  }
  const price = (tx as { gasPrice: bigint }).gasPrice;
  return { isFeeMarket: false, maxFee: price, tip: price };
}

/** The recipient when `tx` has a value transfer's shape (to an address, no data, no access list). */
export function transferTarget(tx: TypedTransaction): Uint8Array | undefined {
  if (tx.type > 2 || tx.to === undefined || tx.data.length !== 0) return undefined;
  if ('accessList' in tx && (tx as { accessList: unknown[] }).accessList.length !== 0) return undefined;
  return tx.to.bytes;
}

/** An @ethereumjs error's first line, without the transaction dump it appends ("(tx type=..."). */
export function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n')[0] ?? msg).replace(/\s*\(tx type=.*$/, '');
}

/**
 * Re-creates a transaction that was already validated elsewhere (another thread), from its bytes and
 * its sender, without recovering the signature again. Impersonated dev transactions come without a
 * public key: their sender is pinned on an unfrozen object.
 */
export function decodeValidatedTx(raw: Uint8Array, txCommon: Common, sender: Hex, senderPublicKey: Uint8Array | undefined): ValidatedTx {
  const hash = keccak256(raw);
  const chainId = txCommon.chainId();
  const lean = senderPublicKey === undefined ? undefined : leanDecodeRecovered(raw, txCommon, chainId, senderPublicKey);
  if (lean !== undefined) return leanValidated(raw, lean, hash, sender, txCommon);
  const tx = withKnownSender(createTxFromRLP(raw, { common: txCommon, freeze: false }), hash, senderPublicKey, sender);
  const { maxFee, tip } = feeCaps(tx);
  return {
    tx,
    raw,
    type: tx.type,
    transferTo: transferTarget(tx),
    hash: bytesToHex(hash),
    sender,
    ...(senderPublicKey === undefined ? {} : { senderPublicKey }),
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    maxFeePerGas: maxFee,
    maxPriorityFeePerGas: tip,
    value: tx.value,
  };
}
