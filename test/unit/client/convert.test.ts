/**
 * The client's conversions between people's input and contract values: the amount rule (a plain number is
 * CMT, a suffix names the unit), decimal rates as 1e18 fixed-point, consensus keys in hex or base64,
 * addresses. Exact in both directions (a property test round-trips every wei amount).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatCmt, formatRate, parseAddress, parseAmount, parsePubKey, parseRate } from '../../../src/client/index.ts';
import { isChainError } from '../../../src/primitives/index.ts';

const CMT = 10n ** 18n;
const failsWith = (code: string) => (err: unknown) => isChainError(err) && err.code === code;

describe('parseAmount: a plain number is CMT, "cmt"/"wei" name the unit', () => {
  const cases: Array<[string, bigint]> = [
    ['1000', 1000n * CMT],
    ['0.5', CMT / 2n],
    ['1000cmt', 1000n * CMT],
    ['1.5 CMT', (3n * CMT) / 2n],
    ['0.000000000000000001', 1n],
    ['5wei', 5n],
    ['5 WEI', 5n],
    ['0', 0n],
    [' 12 ', 12n * CMT],
  ];
  for (const [text, wei] of cases) it(`"${text}" is ${wei} wei`, () => assert.equal(parseAmount(text), wei));

  const bad = ['', '-1', '1e18', '1.5.5', '1.5wei', '0.0000000000000000001', '10 eth', 'cmt', '0x10', '1,000'];
  for (const text of bad) it(`"${text}" is refused`, () => assert.throws(() => parseAmount(text), failsWith('BAD_AMOUNT')));
});

describe('formatCmt', () => {
  const cases: Array<[bigint, string]> = [
    [0n, '0'],
    [1500n * CMT, '1500'],
    [CMT / 10n, '0.1'],
    [1n, '0.000000000000000001'],
    [25_367_833_587_011_669_203n, '25.367833587011669203'],
  ];
  for (const [wei, text] of cases) it(`${wei} wei is "${text}"`, () => assert.equal(formatCmt(wei), text));

  it('round-trips through parseAmount for every amount', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 128n }), (wei) => parseAmount(formatCmt(wei)) === wei && parseAmount(`${formatCmt(wei)}cmt`) === wei && parseAmount(`${wei}wei`) === wei));
  });
});

describe('parseRate and formatRate: decimals as 1e18 fixed-point', () => {
  const cases: Array<[string | bigint, bigint]> = [
    ['0.2', 2n * 10n ** 17n],
    ['0.15', 15n * 10n ** 16n],
    ['1', CMT],
    ['0.000000000000000001', 1n],
    [2n * 10n ** 17n, 2n * 10n ** 17n],
  ];
  for (const [input, fixed] of cases) it(`${String(input)} is ${fixed}`, () => assert.equal(parseRate(input), fixed));
  for (const bad of ['1/5', '20%', '-0.1', '.5', '0.1234567890123456789'] as const) {
    it(`"${bad}" is refused`, () => assert.throws(() => parseRate(bad), failsWith('BAD_RATE')));
  }
  it('a negative fixed-point rate is refused', () => assert.throws(() => parseRate(-1n), failsWith('BAD_RATE')));
  it('formatRate is its inverse', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), (fixed) => parseRate(formatRate(fixed)) === fixed));
    assert.equal(formatRate(10n ** 17n), '0.1');
  });
});

describe('parsePubKey: base64 (priv_validator_key.json) or 0x-hex, 32 bytes', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const hex = `0x${Buffer.from(key).toString('hex')}`;
  it('reads base64, hex (any case) and bytes alike', () => {
    assert.equal(parsePubKey(Buffer.from(key).toString('base64')), hex);
    assert.equal(parsePubKey(hex.toUpperCase().replace('0X', '0x')), hex);
    assert.equal(parsePubKey(key), hex);
  });
  for (const bad of ['zz', `${hex}00`, Buffer.alloc(31).toString('base64'), Buffer.alloc(33).toString('base64')]) {
    it(`refuses "${bad}"`, () => assert.throws(() => parsePubKey(bad), failsWith('BAD_PUBKEY')));
  }
  it('refuses 31 bytes', () => assert.throws(() => parsePubKey(new Uint8Array(31)), failsWith('BAD_PUBKEY')));
});

describe('parseAddress', () => {
  it('checksums any-case input', () => assert.equal(parseAddress('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'), '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'));
  it('refuses short and bad-checksum addresses, naming what it was', () => {
    assert.throws(() => parseAddress('0x123', 'validator'), (err: unknown) => failsWith('BAD_ADDRESS')(err) && /invalid validator "0x123"/.test((err as Error).message));
    assert.throws(() => parseAddress('0xF39fd6e51aad88f6f4ce6ab8827279cfffb92266'), failsWith('BAD_ADDRESS'));
  });
});
