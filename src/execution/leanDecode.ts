/**
 * The common signed transactions (EIP-155 legacy, EIP-2930 and EIP-1559 calls, to an address) decoded and
 * checked without building an @ethereumjs transaction object. PERF: admission runs on the JSON-RPC thread,
 * where the object and its re-encoding for the signing hash cost about as much as everything else but the
 * signature recovery (docs/performance.md).
 *
 * A happy-path accelerator, never a second set of rules: it accepts only what @ethereumjs accepts and
 * returns `undefined` for anything else (contract creation, other types, unprotected legacy, any odd
 * encoding, any invalid value), and validateTx.ts then takes the @ethereumjs path, which gives the precise
 * error. test/unit/execution/leanDecode.test.ts checks both paths agree on random and mutated inputs.
 */
import type { Common } from '../evm/index.ts';
import { keccak256 } from '../crypto/index.ts';
import { RLP } from '../encoding/index.ts';
import { bigintToBytes, bytesToBigint } from '../primitives/index.ts';

export interface LeanTx {
  type: 0 | 1 | 2;
  chainId: bigint;
  nonce: bigint;
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  value: bigint;
  /** max(intrinsic gas, EIP-7623 calldata floor) */
  minimumGas: bigint;
  senderPublicKey: Uint8Array;
  /** The recipient when this is a value transfer's shape (no data, no access list), else undefined. */
  transferTo: Uint8Array | undefined;
  /** A call without an access list: what the contract-call path (contractCall.ts) runs. */
  call: LeanCall | undefined;
}

export interface LeanCall {
  to: Uint8Array;
  data: Uint8Array;
  /** Intrinsic gas (EIP-2028 calldata pricing) and EIP-7623's calldata floor (0 before it). */
  intrinsicGas: bigint;
  floorGas: bigint;
}

/** A decoded transaction before its sender is recovered: `fields` and `chainId` give its signing hash. */
export type LeanParsed = Omit<LeanTx, 'senderPublicKey'> & { fields: Item[]; r: Uint8Array; s: Uint8Array; recovery: number };

const MAX_UINT256 = 2n ** 256n - 1n;
const MAX_NONCE = 2n ** 64n - 1n; // EIP-2681: the nonce must stay below it
const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n; // EIP-2

type Item = Uint8Array | Item[];

type Field = 'nonce' | 'tip' | 'fee' | 'gas' | 'to' | 'value' | 'data' | 'access' | 'v' | 'r' | 's';

/** Field positions per type (legacy has no access list: -1; legacy and 2930 pay gasPrice as fee and tip). */
const LAYOUTS: readonly Record<Field, number>[] = [
  { nonce: 0, tip: 1, fee: 1, gas: 2, to: 3, value: 4, data: 5, access: -1, v: 6, r: 7, s: 8 },
  { nonce: 1, tip: 2, fee: 2, gas: 3, to: 4, value: 5, data: 6, access: 7, v: 8, r: 9, s: 10 },
  { nonce: 1, tip: 2, fee: 3, gas: 4, to: 5, value: 6, data: 7, access: 8, v: 9, r: 10, s: 11 },
];

/**
 * A field by name (legacy has no access list: an empty one). PERF: top-level functions rather than closures
 * per transaction: tsx's name-keeping wraps every closure it creates in a defineProperty (~6 µs a transaction).
 */
function fieldOf(fields: Item[], layout: Record<Field, number>, name: Field): Item | undefined {
  return layout[name] < 0 ? [] : fields[layout[name]];
}

/** The hash a transaction's sender signed: EIP-155 for legacy, type byte + RLP of the fields before v for typed ones. */
export function signingHash(parsed: Pick<LeanParsed, 'type' | 'chainId' | 'fields'>): Uint8Array {
  const { type, chainId, fields } = parsed;
  if (type === 0) return keccak256(RLP.encode([...(fields.slice(0, 6) as Uint8Array[]), bigintToBytes(chainId), new Uint8Array(), new Uint8Array()]));
  const body = RLP.encode(fields.slice(0, -3) as never);
  const payload = new Uint8Array(body.length + 1);
  payload[0] = type;
  payload.set(body, 1);
  return keccak256(payload);
}

/** An integer field: canonical (no leading zero byte), at most `maxBytes` long. */
function uint(field: Item | undefined, maxBytes = 32): bigint | undefined {
  if (!(field instanceof Uint8Array) || field.length > maxBytes || (field.length > 0 && field[0] === 0)) return undefined;
  return bytesToBigint(field);
}

/** An access list of [address, [storage key...]] items; undefined if malformed. Returns address and key counts. */
function accessListCounts(field: Item | undefined): { addresses: number; keys: number } | undefined {
  if (!Array.isArray(field)) return undefined;
  let keys = 0;
  for (const item of field) {
    if (!Array.isArray(item) || item.length !== 2) return undefined;
    const [address, slots] = item;
    if (!(address instanceof Uint8Array) || address.length !== 20 || !Array.isArray(slots)) return undefined;
    for (const slot of slots) if (!(slot instanceof Uint8Array) || slot.length !== 32) return undefined;
    keys += slots.length;
  }
  return { addresses: field.length, keys };
}

interface GasParams {
  txGas: bigint;
  zero: bigint;
  nonZero: bigint;
  address: bigint;
  key: bigint;
  /** EIP-7623's floor price per token, when active. */
  floor: bigint | undefined;
  /** EIP-7825's per-transaction gas cap, when active (@ethereumjs rejects above it). */
  maxTxGas: bigint | undefined;
}

/** PERF: Common.param walks the hardfork tables on every call (~6 µs each, twice per admitted transaction). */
const gasParams = new WeakMap<Common, { hardfork: string; params: GasParams }>();

export function gasParamsOf(common: Common): GasParams {
  const hardfork = common.hardfork();
  const known = gasParams.get(common);
  if (known !== undefined && known.hardfork === hardfork) return known.params;
  const params: GasParams = {
    txGas: common.param('txGas'),
    zero: common.param('txDataZeroGas'),
    nonZero: common.param('txDataNonZeroGas'),
    address: common.param('accessListAddressGas'),
    key: common.param('accessListStorageKeyGas'),
    floor: common.isActivatedEIP(7623) ? common.param('totalCostFloorPerToken') : undefined,
    maxTxGas: common.isActivatedEIP(7825) ? common.param('maxTransactionGasLimit') : undefined,
  };
  gasParams.set(common, { hardfork, params });
  return params;
}

/** A call's intrinsic gas and its EIP-7623 floor (0 before EIP-7623). */
export function callGas(common: Common, data: Uint8Array, access: { addresses: number; keys: number }): { intrinsic: bigint; floor: bigint } {
  let zeros = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === 0) zeros++;
  const nonZeros = data.length - zeros;
  const p = gasParamsOf(common);
  const intrinsic = p.txGas + BigInt(zeros) * p.zero + BigInt(nonZeros) * p.nonZero + BigInt(access.addresses) * p.address + BigInt(access.keys) * p.key;
  const floor = p.floor === undefined ? 0n : p.txGas + BigInt(zeros + 4 * nonZeros) * p.floor;
  return { intrinsic, floor };
}

/**
 * Decodes a transaction whose sender another thread already recovered from these exact bytes (the
 * execution worker's input): the same decoding, without the signature recovery.
 */
export function leanDecodeRecovered(raw: Uint8Array, txCommon: Common, chainId: bigint, senderPublicKey: Uint8Array): LeanTx | undefined {
  const parsed = leanParse(raw, txCommon, chainId);
  return parsed === undefined ? undefined : leanTx(parsed, senderPublicKey);
}

export function leanTx(parsed: LeanParsed, senderPublicKey: Uint8Array): LeanTx {
  const { type, chainId, nonce, gasLimit, maxFeePerGas, maxPriorityFeePerGas, value, minimumGas, transferTo, call } = parsed;
  return { type, chainId, nonce, gasLimit, maxFeePerGas, maxPriorityFeePerGas, value, minimumGas, senderPublicKey, transferTo, call };
}

export function leanParse(raw: Uint8Array, txCommon: Common, chainId: bigint): LeanParsed | undefined {
  const first = raw[0] ?? 0;
  const type = first >= 0xc0 ? 0 : first;
  if (type !== 0 && type !== 1 && type !== 2) return undefined;
  let fields: Item;
  try {
    fields = RLP.decode(type === 0 ? raw : raw.subarray(1)) as Item;
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields) || fields.length !== [9, 11, 12][type]) return undefined;
  const layout = LAYOUTS[type] as Record<Field, number>;
  const nonce = uint(fieldOf(fields, layout, 'nonce'), 8);
  const gasLimit = uint(fieldOf(fields, layout, 'gas'), 8);
  const maxFee = uint(fieldOf(fields, layout, 'fee'));
  const tip = uint(fieldOf(fields, layout, 'tip'));
  const value = uint(fieldOf(fields, layout, 'value'));
  const v = uint(fieldOf(fields, layout, 'v'));
  const r = uint(fieldOf(fields, layout, 'r'));
  const s = uint(fieldOf(fields, layout, 's'));
  const to = fieldOf(fields, layout, 'to');
  const data = fieldOf(fields, layout, 'data');
  const access = accessListCounts(fieldOf(fields, layout, 'access'));
  if (nonce === undefined || gasLimit === undefined || maxFee === undefined || tip === undefined || value === undefined) return undefined;
  if (v === undefined || r === undefined || s === undefined || access === undefined) return undefined;
  if (!(to instanceof Uint8Array) || to.length !== 20 || !(data instanceof Uint8Array)) return undefined;
  if (nonce >= MAX_NONCE || tip > maxFee || gasLimit * maxFee > MAX_UINT256) return undefined;
  const txGasCap = gasParamsOf(txCommon).maxTxGas;
  if (txGasCap !== undefined && gasLimit > txGasCap) return undefined;
  if (r === 0n || s === 0n || s > SECP256K1_HALF_N) return undefined;

  let recovery: number;
  if (type === 0) {
    if (v !== chainId * 2n + 35n && v !== chainId * 2n + 36n) return undefined; // unprotected or another chain
    recovery = Number(v - chainId * 2n - 35n);
  } else {
    if (uint(fields[0]) !== chainId || v > 1n) return undefined;
    recovery = Number(v);
  }
  const gas = callGas(txCommon, data, access);
  return {
    type,
    chainId,
    nonce,
    gasLimit,
    maxFeePerGas: maxFee,
    maxPriorityFeePerGas: tip,
    value,
    minimumGas: gas.floor > gas.intrinsic ? gas.floor : gas.intrinsic,
    transferTo: data.length === 0 && access.addresses === 0 ? to : undefined,
    call: access.addresses === 0 ? { to, data, intrinsicGas: gas.intrinsic, floorGas: gas.floor } : undefined,
    fields,
    r: fieldOf(fields, layout, 'r') as Uint8Array,
    s: fieldOf(fields, layout, 's') as Uint8Array,
    recovery,
  };
}
