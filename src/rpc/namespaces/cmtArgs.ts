/**
 * The one object argument of a cmt_ write method, read field by field in CyberMiles' camelCase names and
 * formats (reference §2.7, §6.1): amounts as decimal or hex wei text, rates as big.Rat text, consensus
 * keys as base64. Anything malformed is an invalid-params error naming the field.
 */
import { parseAddress, parseQuantity } from '../../encoding/index.ts';
import { RATE_ONE } from '../../staking/index.ts';
import { invalidParams } from '../errors.ts';
import { requireParam } from '../params.ts';
import { parseRate } from './rate.ts';

const DECIMAL_WEI = /^\d+$/;
const HEX_WEI = /^0x[0-9a-fA-F]+$/;
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;
const HEX_KEY = /^0x[0-9a-fA-F]{64}$/;

export class WriteArgs {
  private constructor(readonly fields: Readonly<Record<string, unknown>>) {}

  static of(params: unknown[]): WriteArgs {
    const o = requireParam(params, 0, 'arguments');
    if (typeof o !== 'object' || Array.isArray(o)) throw invalidParams('expected one object argument with "from" and the method\'s fields');
    return new WriteArgs(o as Record<string, unknown>);
  }

  has(name: string): boolean {
    return this.fields[name] !== undefined && this.fields[name] !== null;
  }

  private get(name: string): unknown {
    if (!this.has(name)) throw invalidParams(`missing "${name}"`);
    return this.fields[name];
  }

  address(name: string): Uint8Array {
    return parseAddress(this.get(name), name);
  }

  /** Wei as CyberMiles' JSON had it (a decimal string), or a hex quantity, or a safe JSON integer. */
  wei(name: string): bigint {
    const v = this.get(name);
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === 'string' && DECIMAL_WEI.test(v)) return BigInt(v);
    if (typeof v === 'string' && HEX_WEI.test(v)) return BigInt(v);
    const negative = (typeof v === 'number' && v < 0) || (typeof v === 'string' && v.trim().startsWith('-'));
    throw invalidParams(`invalid ${name}: ${negative ? 'amounts are not negative' : `expected wei as decimal or 0x hex text, got ${JSON.stringify(v)}`}`);
  }

  /** A commission rate: in (0, 1) as the staking rules require, 18-decimal fixed point. */
  commission(name: string): bigint {
    const rate = parseRate(this.get(name), name);
    if (rate <= 0n || rate >= RATE_ONE) throw invalidParams(`invalid ${name}: a commission rate is above 0 and below 1, got "${String(this.fields[name])}"`);
    return rate;
  }

  /** Rate text with no range check (governance parameters check their own). */
  rate(name: string): bigint {
    return parseRate(this.get(name), name);
  }

  text(name: string): string {
    const v = this.get(name);
    if (typeof v !== 'string') throw invalidParams(`invalid ${name}: expected a string`);
    return v;
  }

  /** A height, a proposal id or another count: a JSON integer, decimal text or a hex quantity. */
  count(name: string): bigint {
    const v = this.get(name);
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === 'string' && DECIMAL_WEI.test(v)) return BigInt(v);
    return parseQuantity(v, name);
  }

  /** true/false, or CyberMiles' "Y"/"N" answers. */
  flag(name: string): boolean {
    const v = this.get(name);
    if (v === true || v === 'Y' || v === 'y' || v === 'true') return true;
    if (v === false || v === 'N' || v === 'n' || v === 'false') return false;
    throw invalidParams(`invalid ${name}: expected true/false or "Y"/"N", got ${JSON.stringify(v)}`);
  }

  pubKey(name: string): Uint8Array {
    return parsePubKey(this.get(name), name);
  }

  /** CyberMiles' description object {name, website, location, email, profile}, stored as compact JSON. */
  description(name: string): string {
    const v = this.get(name);
    if (typeof v !== 'object' || Array.isArray(v)) throw invalidParams(`invalid ${name}: expected an object {name, website, location, email, profile}`);
    const d = v as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const field of ['name', 'website', 'location', 'email', 'profile']) {
      if (d[field] === undefined || d[field] === null) continue;
      if (typeof d[field] !== 'string') throw invalidParams(`invalid ${name}.${field}: expected a string`);
      out[field] = d[field];
    }
    return JSON.stringify(out);
  }
}

/** An ed25519 consensus key: base64 of its 32 bytes as CyberMiles took it, 0x hex, or the {type, value} object its queries answer. */
export function parsePubKey(raw: unknown, name: string): Uint8Array {
  const v = typeof raw === 'object' && raw !== null && 'value' in raw ? (raw as { value: unknown }).value : raw;
  if (typeof v === 'string' && BASE64_KEY.test(v)) return new Uint8Array(Buffer.from(v, 'base64'));
  if (typeof v === 'string' && HEX_KEY.test(v)) return new Uint8Array(Buffer.from(v.slice(2), 'hex'));
  throw invalidParams(`invalid ${name}: expected the base64 (or 0x hex) of a 32-byte ed25519 public key`);
}
