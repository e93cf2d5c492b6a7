/**
 * Amounts, rates and keys between what people type and what the contracts take: amounts are bigint wei,
 * rates fixed-point integers with 18 decimals (staking's RATE_ONE, 1e18, is 1; CMT has 18 decimals too),
 * consensus keys 32 bytes. Exact decimal arithmetic on strings and bigints: no floating point touches money.
 */
import { getAddress, isAddress } from 'ethers';
import { ClientError } from './errors.ts';

const DECIMALS = 18;
const ONE = 10n ** 18n;

/** An exact decimal ("12", "0.25") scaled by 10^18; at most 18 fractional digits, never negative. */
function parseFixed18(text: string): bigint | undefined {
  const m = /^(\d+)(?:\.(\d{1,18}))?$/.exec(text);
  if (m === null) return undefined;
  return BigInt(m[1] as string) * ONE + BigInt((m[2] ?? '').padEnd(DECIMALS, '0') || '0');
}

/** A fixed-point integer with 18 decimals as the shortest exact decimal ("1500", "0.2", "25.367833587011669203"). */
function formatFixed18(value: bigint): string {
  const sign = value < 0n ? '-' : '';
  const abs = value < 0n ? -value : value;
  const frac = (abs % ONE).toString().padStart(DECIMALS, '0').replace(/0+$/, '');
  return `${sign}${abs / ONE}${frac === '' ? '' : `.${frac}`}`;
}

/**
 * One rule for amounts typed by people: a number is CMT ("1000", "0.5"), and a unit suffix makes it explicit:
 * "1000cmt" (CMT, up to 18 decimals) or "5wei" (wei, whole). Case-insensitive; no sign, no exponent.
 */
export function parseAmount(text: string): bigint {
  const m = /^\s*([0-9.]+)\s*(cmt|wei)?\s*$/i.exec(text);
  const unit = m?.[2]?.toLowerCase() ?? 'cmt';
  const wei = m === null ? undefined : unit === 'wei' ? (/^\d+$/.test(m[1] as string) ? BigInt(m[1] as string) : undefined) : parseFixed18(m[1] as string);
  if (wei === undefined) {
    throw new ClientError('BAD_AMOUNT', `invalid amount "${text}": expected CMT ("1000", "0.5", "1000cmt", at most 18 decimals) or whole wei ("5wei")`, { amount: text });
  }
  return wei;
}

/** Wei as CMT, exact ("1500", "0.000000000000000001"). */
export function formatCmt(wei: bigint): string {
  return formatFixed18(wei);
}

/** A rate as the contracts take it: a bigint is already fixed-point (2e17 = 0.2); a string is a decimal ("0.2"). */
export function parseRate(rate: bigint | string): bigint {
  if (typeof rate === 'bigint') {
    if (rate < 0n) throw new ClientError('BAD_RATE', `invalid rate ${rate}: negative`, { rate: rate.toString() });
    return rate;
  }
  const fixed = parseFixed18(rate.trim());
  if (fixed === undefined) throw new ClientError('BAD_RATE', `invalid rate "${rate}": expected a decimal such as 0.2 (at most 18 decimals)`, { rate });
  return fixed;
}

/** A fixed-point rate (RATE_ONE = 1e18 = 1) as a decimal ("0.2"). */
export function formatRate(fixed: bigint): string {
  return formatFixed18(fixed);
}

/**
 * An ed25519 public key as the staking contract's bytes32: 0x-prefixed hex (64 digits) or base64, the form
 * of `pub_key.value` in priv_validator_key.json and genesis.json.
 */
export function parsePubKey(key: string | Uint8Array): string {
  let bytes: Uint8Array | undefined;
  if (key instanceof Uint8Array) bytes = key;
  else if (/^0x[0-9a-fA-F]{64}$/.test(key)) return key.toLowerCase();
  else if (/^[A-Za-z0-9+/]{43}=$/.test(key)) bytes = Buffer.from(key, 'base64');
  if (bytes?.length !== 32) {
    throw new ClientError('BAD_PUBKEY', 'invalid consensus key: expected 32 bytes as 0x-hex (64 digits) or base64 (as in priv_validator_key.json)');
  }
  return `0x${Buffer.from(bytes).toString('hex')}`;
}

/** A 20-byte address (any case, EIP-55 checked when mixed), checksummed; `what` names it in the error. */
export function parseAddress(text: string, what = 'address'): string {
  if (!isAddress(text)) throw new ClientError('BAD_ADDRESS', `invalid ${what} "${text}": expected a 0x-prefixed 20-byte address`, { [what]: text });
  return getAddress(text);
}
