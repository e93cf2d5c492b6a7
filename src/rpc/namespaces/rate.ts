/**
 * Rates as CyberMiles' RPC took them (Go big.Rat text, reference §2.7: "0.2" or "1/5") to the chain's
 * fixed point with 18 decimals (RATE_ONE = 1). The conversion is exact or refused: a rate such as "1/3"
 * has no 18-decimal value, and rounding it would make the chain store a rate nobody asked for.
 */
import { RATE_ONE } from '../../staking/index.ts';
import { invalidParams } from '../errors.ts';

const FRACTION = /^(\d+)\/(\d+)$/;
const DECIMAL = /^(\d*)(?:\.(\d+))?$/;

/** `text` ("0.2", "1/5", "1") as an 18-decimal fixed-point integer; `name` is the parameter, for errors. */
export function parseRate(text: unknown, name: string): bigint {
  if (typeof text !== 'string') throw invalidParams(`invalid ${name}: expected a rate as text such as "0.2" or "1/5", got ${JSON.stringify(text) ?? String(text)}`);
  const [num, den] = rationalOf(text.trim(), name);
  if (den === 0n) throw invalidParams(`invalid ${name}: "${text}" divides by zero`);
  const scaled = num * RATE_ONE;
  if (scaled % den !== 0n) throw invalidParams(`invalid ${name}: "${text}" has no exact value with 18 decimals`);
  return scaled / den;
}

function rationalOf(text: string, name: string): [bigint, bigint] {
  const fraction = FRACTION.exec(text);
  if (fraction !== null) return [BigInt(fraction[1] as string), BigInt(fraction[2] as string)];
  const decimal = DECIMAL.exec(text);
  if (decimal === null || text === '' || text === '.') {
    const sign = text.startsWith('-') ? ' (rates are not negative)' : '';
    throw invalidParams(`invalid ${name}: "${text}" is not a rate such as "0.2" or "1/5"${sign}`);
  }
  const whole = decimal[1] ?? '';
  const frac = decimal[2] ?? '';
  return [BigInt(`${whole}${frac}` || '0'), 10n ** BigInt(frac.length)];
}
