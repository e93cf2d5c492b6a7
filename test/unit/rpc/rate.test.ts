/**
 * Rates as CyberMiles' RPC took them (Go big.Rat text) to 18-decimal fixed point: exact, or an
 * invalid-params error naming the parameter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcError } from '../../../src/rpc/errors.ts';
import { parseRate } from '../../../src/rpc/namespaces/rate.ts';

const ONE = 10n ** 18n;

const VALID: Array<[string, string, bigint]> = [
  ['a decimal', '0.2', ONE / 5n],
  ['a fraction', '1/5', ONE / 5n],
  ['the same rate unreduced', '20/100', ONE / 5n],
  ['a whole number', '1', ONE],
  ['zero', '0', 0n],
  ['no leading digit', '.5', ONE / 2n],
  ['18 decimals', '0.000000000000000001', 1n],
  ['trailing zeros past 18 decimals', '0.2000000000000000000000', ONE / 5n],
  ['a fraction with a power-of-two-and-five denominator', '3/8', 375_000_000_000_000_000n],
  ['surrounding blanks', ' 0.25 ', ONE / 4n],
  ['above one', '3/2', (3n * ONE) / 2n],
];

for (const [what, text, expected] of VALID) {
  test(`parseRate: ${what} (${JSON.stringify(text)})`, () => assert.equal(parseRate(text, 'compRate'), expected));
}

const INVALID: Array<[string, unknown, RegExp]> = [
  ['two decimal points', '0.3.4', /not a rate/],
  ['a third', '1/3', /no exact value with 18 decimals/],
  ['19 significant decimals', '0.0000000000000000001', /no exact value/],
  ['a zero denominator', '1/0', /divides by zero/],
  ['a negative rate', '-0.2', /not negative/],
  ['a decimal fraction', '0.1/2', /not a rate/],
  ['an empty string', '', /not a rate/],
  ['a lone point', '.', /not a rate/],
  ['exponent notation', '2e-1', /not a rate/],
  ['a JSON number', 0.2, /as text/],
  ['null', null, /as text/],
];

for (const [what, value, message] of INVALID) {
  test(`parseRate refuses ${what}`, () => {
    assert.throws(
      () => parseRate(value, 'compRate'),
      (err: unknown) => err instanceof RpcError && err.code === -32602 && message.test(err.message) && err.message.includes('compRate'),
    );
  });
}
