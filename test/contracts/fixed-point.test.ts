/**
 * The fixed-point libraries (contracts/math/FixedPoint.sol, SignedFixedPoint.sol) on a real dev node, through
 * FixedPointHarness (every library function as an external pure function, called with eth_call). Each function
 * is checked against a bigint reference written here: exact equality in every rounding mode (Down, Up,
 * HalfUp), the exact custom error on overflow, division by zero and bad decimals, on fixed edge values (0, 1,
 * ONE, the overflow thresholds, type(uint256).max, type(int256).min/max) and on random inputs (fast-check, with
 * inputs spread over every bit length). The rounding modes are also checked by their defining inequalities
 * (independently of the reference), pow by its bracketing of the exact power, and sqrt on the 512-bit path.
 *
 * GAS_REPORT=<dir> writes the gas of each library function (measured inside the harness) to
 * <dir>/fixed-point.md. FC_SEED and FC_RUNS change the properties' seed and number of runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Contract, Wallet } from 'ethers';
import { MAX_UINT256, createGasReport, decodeRevert, deploy, read, startChain } from './miscFixtures.ts';
import type { Chain } from './miscFixtures.ts';

const ONE = 10n ** 18n;
const MAX = MAX_UINT256;
const INT_MAX = 2n ** 255n - 1n;
const INT_MIN = -(2n ** 255n);
const Down = 0;
const Up = 1;
const HalfUp = 2;
const MODES = [Down, Up, HalfUp] as const;
type Mode = (typeof MODES)[number];

type Outcome = { ok: bigint } | { err: string };
const OVERFLOW = { err: 'FixedPointOverflow' } as const;
const DIV_ZERO = { err: 'FixedPointDivisionByZero' } as const;

// ---------------------------------------------------------------- the bigint reference

/** n / d for n >= 0, d > 0, rounded in `mode`. */
function roundDiv(n: bigint, d: bigint, mode: Mode): bigint {
  const q = n / d;
  const rem = n % d;
  if (rem === 0n || mode === Down) return q;
  if (mode === Up) return q + 1n;
  return 2n * rem >= d ? q + 1n : q;
}

function unsigned(v: bigint): Outcome {
  return v > MAX ? OVERFLOW : { ok: v };
}

function refMulDiv(x: bigint, y: bigint, d: bigint, mode: Mode): Outcome {
  if (d === 0n) return DIV_ZERO;
  return unsigned(roundDiv(x * y, d, mode));
}

const refMul = (a: bigint, b: bigint, mode: Mode): Outcome => refMulDiv(a, b, ONE, mode);
const refDiv = (a: bigint, b: bigint, mode: Mode): Outcome => refMulDiv(a, ONE, b, mode);

/** The documented algorithm: square and multiply, least significant bit first, every product rounded. */
function refPow(x: bigint, n: bigint, mode: Mode): Outcome {
  let result = n & 1n ? x : ONE;
  for (n >>= 1n; n > 0n; n >>= 1n) {
    const sq = refMul(x, x, mode);
    if ('err' in sq) return sq;
    x = sq.ok;
    if (n & 1n) {
      const r = refMul(result, x, mode);
      if ('err' in r) return r;
      result = r.ok;
    }
  }
  return { ok: result };
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((n.toString(2).length + 1) >> 1); // >= sqrt(n)
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** sqrt(x * ONE): Down = largest s with s^2 <= N, Up = smallest s with s^2 >= N, HalfUp = nearest (4N vs (2s+1)^2). */
function refSqrt(x: bigint, mode: Mode): Outcome {
  const n = x * ONE;
  const s = isqrt(n);
  if (mode === Down) return { ok: s };
  if (mode === Up) return { ok: s * s === n ? s : s + 1n };
  return { ok: 4n * n > (2n * s + 1n) ** 2n ? s + 1n : s };
}

const refFromUint = (x: bigint): Outcome => unsigned(x * ONE);
const refToUint = (x: bigint, mode: Mode): Outcome => ({ ok: roundDiv(x, ONE, mode) });
const refFromFraction = (n: bigint, d: bigint, mode: Mode): Outcome => (d === 0n ? DIV_ZERO : unsigned(roundDiv(n * ONE, d, mode)));

function refConvert(x: bigint, from: bigint, to: bigint, mode: Mode): Outcome {
  if (from > 77n) return { err: `FixedPointBadDecimals:${from}` };
  if (to > 77n) return { err: `FixedPointBadDecimals:${to}` };
  if (to >= from) return unsigned(x * 10n ** (to - from));
  return { ok: roundDiv(x, 10n ** (from - to), mode) };
}

const abs = (v: bigint): bigint => (v < 0n ? -v : v);

function signed(magnitude: bigint, negative: boolean): Outcome {
  const v = negative ? -magnitude : magnitude;
  return v > INT_MAX || v < INT_MIN ? OVERFLOW : { ok: v };
}

/** Signed: the exact quotient's magnitude rounded in `mode`, then the sign. */
function refSMulDiv(x: bigint, y: bigint, d: bigint, mode: Mode): Outcome {
  if (d === 0n) return DIV_ZERO;
  const m = roundDiv(abs(x * y), abs(d), mode);
  if (m > MAX) return OVERFLOW;
  return signed(m, (x < 0n) !== (y < 0n) !== (d < 0n));
}

const refSMul = (a: bigint, b: bigint, mode: Mode): Outcome => refSMulDiv(a, b, ONE, mode);
const refSDiv = (a: bigint, b: bigint, mode: Mode): Outcome => (b === 0n ? DIV_ZERO : refSMulDiv(a, ONE, b, mode));
const refFromInt = (x: bigint): Outcome => signed(abs(x * ONE), x < 0n);
const refToInt = (x: bigint, mode: Mode): Outcome => signed(roundDiv(abs(x), ONE, mode), x < 0n);

/**
 * The rounding modes by their definition, independent of roundDiv: `r` is the result for the exact quotient
 * n / d (n >= 0, d > 0). Down: r*d <= n < (r+1)*d. Up: (r-1)*d < n <= r*d. HalfUp: |2n - 2rd| <= d, and a tie
 * (|2n - 2rd| == d) only with r above the quotient.
 */
function assertRounded(r: bigint, n: bigint, d: bigint, mode: Mode, what: string): void {
  if (mode === Down) assert.ok(r * d <= n && n < (r + 1n) * d, `${what}: Down`);
  else if (mode === Up) assert.ok((r - 1n) * d < n && n <= r * d, `${what}: Up`);
  else {
    const diff = 2n * n - 2n * r * d;
    assert.ok(abs(diff) <= d, `${what}: HalfUp is the nearest`);
    if (abs(diff) === d) assert.ok(diff < 0n, `${what}: HalfUp takes the tie upward`);
  }
}

// ---------------------------------------------------------------- inputs

const EDGES = [0n, 1n, 2n, 3n, ONE - 1n, ONE, ONE + 1n, 2n * ONE, 10n ** 36n, 2n ** 128n - 1n, 2n ** 128n, MAX / ONE, MAX / ONE + 1n, 2n ** 255n, MAX - 1n, MAX];
/** Any uint256: an edge value, or a random value of a random bit length (so every magnitude is as likely). */
const uintArb: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...EDGES) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 256 }).chain((bits) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n })) },
);
/** Values that do not overflow most operations (up to ~10^30 in fixed point). */
const smallArb: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(0n, 1n, ONE / 2n, ONE - 1n, ONE, ONE + 1n, 3n * ONE / 2n),
  fc.integer({ min: 1, max: 100 }).chain((bits) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n })),
);
const INT_EDGES = [0n, 1n, -1n, ONE, -ONE, ONE / 2n, -ONE / 2n, INT_MAX, INT_MIN, INT_MIN + 1n, INT_MAX / ONE, INT_MIN / ONE, INT_MAX / ONE + 1n, INT_MIN / ONE - 1n];
const intArb: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...INT_EDGES) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 255 }), fc.boolean())
      .chain(([bits, neg]) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }).map((v) => (neg ? -v : v))),
  },
);

describe('FixedPoint and SignedFixedPoint (through FixedPointHarness) on a dev node', () => {
  let chain: Chain;
  let deployer: Wallet;
  let h: Contract;
  const seed = Number(process.env['FC_SEED'] ?? 20240611);
  const runs = (n: number): number => Number(process.env['FC_RUNS'] ?? n);
  const gas = createGasReport();

  before(async () => {
    chain = await startChain();
    deployer = chain.wallets[0]!;
    const d = await deploy('FixedPointHarness', deployer);
    gas.record('deploy FixedPointHarness', d.receipt);
    h = d.contract;
  });

  after(async () => {
    gas.write('fixed-point');
    await chain?.stop();
  });

  /** Runs `fn(...args)` on the node and returns its value or the name (with arguments) of its custom error. */
  async function call(fn: string, args: unknown[]): Promise<Outcome> {
    try {
      return { ok: await read<bigint>(h, fn, args) };
    } catch (e) {
      const d = decodeRevert(e);
      return { err: d.args.length ? `${d.name}:${d.args.join(',')}` : d.name };
    }
  }

  async function check(fn: string, args: unknown[], expected: Outcome): Promise<void> {
    assert.deepEqual(await call(fn, args), expected, `${fn}(${args.join(', ')})`);
  }

  /** Checks `fn` in the three modes against `ref`. */
  async function checkModes(fn: string, args: bigint[], ref: (mode: Mode) => Outcome): Promise<Outcome[]> {
    const got = await Promise.all(MODES.map((m) => call(fn, [...args, m])));
    MODES.forEach((m, i) => assert.deepEqual(got[i], ref(m), `${fn}(${args.join(', ')}, mode ${m})`));
    return got;
  }

  // ------------------------------------------------------------ fixed values

  describe('known values', () => {
    test('mul and div: exact results, the three modes on inexact ones, ties', async () => {
      await checkModes('mul', [3n * ONE / 2n, 5n * ONE / 2n], () => ({ ok: 375n * ONE / 100n })); // 1.5 * 2.5 = 3.75
      await checkModes('mul', [0n, MAX], () => ({ ok: 0n }));
      await checkModes('mul', [MAX, ONE], () => ({ ok: MAX }));
      // 1 wei * 0.5 = 0.5 wei: Down 0, Up 1, HalfUp 1 (tie goes up)
      assert.deepEqual(await checkModes('mul', [1n, ONE / 2n], refMul.bind(null, 1n, ONE / 2n)), [{ ok: 0n }, { ok: 1n }, { ok: 1n }]);
      // 1 wei * 0.4999.. : HalfUp rounds down
      assert.deepEqual((await checkModes('mul', [1n, ONE / 2n - 1n], refMul.bind(null, 1n, ONE / 2n - 1n)))[2], { ok: 0n });
      const third = 333_333_333_333_333_333n;
      assert.deepEqual(await checkModes('div', [ONE, 3n * ONE], refDiv.bind(null, ONE, 3n * ONE)), [{ ok: third }, { ok: third + 1n }, { ok: third }]);
      assert.deepEqual(await checkModes('div', [2n * ONE, 3n * ONE], refDiv.bind(null, 2n * ONE, 3n * ONE)), [{ ok: 2n * third }, { ok: 2n * third + 1n }, { ok: 2n * third + 1n }]);
      await checkModes('div', [MAX, ONE], () => ({ ok: MAX }));
      await checkModes('div', [5n, 0n], () => DIV_ZERO);
      await checkModes('div', [0n, 0n], () => DIV_ZERO);
      await checkModes('div', [MAX, ONE - 1n], () => OVERFLOW);
      await checkModes('mul', [MAX, ONE + 1n], () => OVERFLOW);
      await checkModes('mul', [2n ** 128n * ONE, 2n ** 128n], () => OVERFLOW); // 2^256 exactly
      await checkModes('mul', [2n ** 128n * ONE, 2n ** 128n - 1n], () => ({ ok: 2n ** 256n - 2n ** 128n }));
    });

    test('mulDiv keeps 512-bit intermediates; overflow only when the result does not fit; rounding up past max overflows', async () => {
      await checkModes('mulDiv', [MAX, MAX, MAX], () => ({ ok: MAX }));
      await checkModes('mulDiv', [2n ** 200n, 2n ** 200n, 2n ** 150n], () => ({ ok: 2n ** 250n }));
      await checkModes('mulDiv', [MAX, MAX, MAX - 1n], () => OVERFLOW);
      await checkModes('mulDiv', [MAX, 2n, 1n], () => OVERFLOW);
      await checkModes('mulDiv', [7n, 5n, 0n], () => DIV_ZERO);
      await checkModes('mulDiv', [0n, 0n, 0n], () => DIV_ZERO);
      // x * y / d with floor == MAX and a remainder: Down fits, Up overflows, HalfUp depends on the remainder
      for (const [d, y, halfUp] of [[4n, 7n, OVERFLOW], [4n, 11n, { ok: MAX }]] as const) {
        const x = (MAX * d + 1n + y - 1n) / y; // ceil((MAX*d + 1) / y)
        assert.ok(x <= MAX && (x * y) / d === MAX && (x * y) % d !== 0n, 'the case is what it claims');
        const got = await checkModes('mulDiv', [x, y, d], refMulDiv.bind(null, x, y, d));
        assert.deepEqual(got, [{ ok: MAX }, OVERFLOW, halfUp]);
      }
    });

    test('pow: exact powers, x^0 = 1 (also 0^0), x^1 = x, overflow, bracketing', async () => {
      await checkModes('pow', [2n * ONE, 10n], () => ({ ok: 1024n * ONE }));
      await checkModes('pow', [0n, 0n], () => ({ ok: ONE }));
      await checkModes('pow', [MAX, 0n], () => ({ ok: ONE }));
      await checkModes('pow', [MAX, 1n], () => ({ ok: MAX }));
      await checkModes('pow', [0n, 5n], () => ({ ok: 0n }));
      await checkModes('pow', [ONE, MAX], () => ({ ok: ONE }));
      await checkModes('pow', [MAX, 2n], () => OVERFLOW);
      await checkModes('pow', [10n * ONE, 59n], refPow.bind(null, 10n * ONE, 59n)); // 10^59 fits (< 1.16e59 * ...)
      await checkModes('pow', [10n * ONE, 60n], () => OVERFLOW);
      // 1.1^20 = 6.7274999493256000920...: Down and Up bracket it
      const got = await checkModes('pow', [11n * ONE / 10n, 20n], refPow.bind(null, 11n * ONE / 10n, 20n));
      const exactNum = 11n ** 20n * ONE; // exact value * 10^20 ... as a fraction of 10^20
      const lo = (got[0] as { ok: bigint }).ok;
      const hi = (got[1] as { ok: bigint }).ok;
      assert.ok(lo * 10n ** 20n <= exactNum && exactNum <= hi * 10n ** 20n);
      assert.equal(lo, 6_727_499_949_325_600_092n);
    });

    test('sqrt: perfect squares, irrational roots in the three modes, the 512-bit path up to type(uint256).max', async () => {
      await checkModes('sqrt', [0n], () => ({ ok: 0n }));
      await checkModes('sqrt', [ONE], () => ({ ok: ONE }));
      await checkModes('sqrt', [4n * ONE], () => ({ ok: 2n * ONE }));
      await checkModes('sqrt', [ONE / 4n], () => ({ ok: ONE / 2n }));
      // sqrt(2) = 1.414213562373095048 80168872...
      assert.deepEqual(await checkModes('sqrt', [2n * ONE], refSqrt.bind(null, 2n * ONE)), [
        { ok: 1_414_213_562_373_095_048n }, { ok: 1_414_213_562_373_095_049n }, { ok: 1_414_213_562_373_095_049n },
      ]);
      // 1 wei: sqrt(1e-18) = 1e-9 exactly
      await checkModes('sqrt', [1n], () => ({ ok: 10n ** 9n }));
      for (const x of [MAX / ONE, MAX / ONE + 1n, 2n ** 255n, MAX - 1n, MAX, (10n ** 29n) ** 2n]) {
        await checkModes('sqrt', [x], refSqrt.bind(null, x));
      }
      await checkModes('sqrt', [10n ** 58n], () => ({ ok: 10n ** 38n })); // sqrt(10^40) = 10^20
    });

    test('conversions: fromUint, toUint, fromFraction, convertDecimals', async () => {
      await check('fromUint', [0n], { ok: 0n });
      await check('fromUint', [7n], { ok: 7n * ONE });
      await check('fromUint', [MAX / ONE], { ok: (MAX / ONE) * ONE });
      await check('fromUint', [MAX / ONE + 1n], OVERFLOW);
      await check('fromUint', [MAX], OVERFLOW);
      assert.deepEqual(await checkModes('toUint', [5n * ONE / 2n], refToUint.bind(null, 5n * ONE / 2n)), [{ ok: 2n }, { ok: 3n }, { ok: 3n }]);
      assert.deepEqual(await checkModes('toUint', [5n * ONE / 2n - 1n], refToUint.bind(null, 5n * ONE / 2n - 1n)), [{ ok: 2n }, { ok: 3n }, { ok: 2n }]);
      await checkModes('toUint', [MAX], refToUint.bind(null, MAX));
      await checkModes('toUint', [0n], () => ({ ok: 0n }));
      assert.deepEqual(await checkModes('fromFraction', [2n, 3n], refFromFraction.bind(null, 2n, 3n)), [
        { ok: 666_666_666_666_666_666n }, { ok: 666_666_666_666_666_667n }, { ok: 666_666_666_666_666_667n },
      ]);
      await checkModes('fromFraction', [1n, 0n], () => DIV_ZERO);
      await checkModes('fromFraction', [MAX, 1n], () => OVERFLOW);
      await checkModes('fromFraction', [MAX, MAX], () => ({ ok: ONE }));
      // a 6-decimal amount to 18 and back, with the dropped digits rounded
      await checkModes('convertDecimals', [1_234_567n, 6n, 18n], () => ({ ok: 1_234_567n * 10n ** 12n }));
      assert.deepEqual(await checkModes('convertDecimals', [1_234_567_500_000_000_000n, 18n, 6n], refConvert.bind(null, 1_234_567_500_000_000_000n, 18n, 6n)), [
        { ok: 1_234_567n }, { ok: 1_234_568n }, { ok: 1_234_568n },
      ]);
      await checkModes('convertDecimals', [MAX, 77n, 0n], refConvert.bind(null, MAX, 77n, 0n));
      await checkModes('convertDecimals', [1n, 0n, 77n], () => ({ ok: 10n ** 77n }));
      await checkModes('convertDecimals', [12n, 0n, 77n], () => OVERFLOW);
      await checkModes('convertDecimals', [MAX, 5n, 5n], () => ({ ok: MAX }));
      await checkModes('convertDecimals', [1n, 78n, 0n], () => ({ err: 'FixedPointBadDecimals:78' }));
      await checkModes('convertDecimals', [1n, 0n, 78n], () => ({ err: 'FixedPointBadDecimals:78' }));
      await checkModes('convertDecimals', [1n, 300n, 200n], () => ({ err: 'FixedPointBadDecimals:300' }));
    });

    test('signed: magnitude rounding, signs, int256 extremes, conversions, abs', async () => {
      const third = 333_333_333_333_333_333n;
      assert.deepEqual(await checkModes('sdiv', [-ONE, 3n * ONE], refSDiv.bind(null, -ONE, 3n * ONE)), [{ ok: -third }, { ok: -third - 1n }, { ok: -third }]);
      assert.deepEqual(await checkModes('sdiv', [2n * ONE, -3n * ONE], refSDiv.bind(null, 2n * ONE, -3n * ONE)), [
        { ok: -2n * third }, { ok: -2n * third - 1n }, { ok: -2n * third - 1n },
      ]);
      assert.deepEqual(await checkModes('sdiv', [-ONE, -3n * ONE], refSDiv.bind(null, -ONE, -3n * ONE)), [{ ok: third }, { ok: third + 1n }, { ok: third }]);
      await checkModes('sdiv', [-ONE, 3n * ONE], refSDiv.bind(null, -ONE, 3n * ONE));
      await checkModes('sdiv', [1n, 0n], () => DIV_ZERO);
      await checkModes('smul', [-3n * ONE / 2n, 5n * ONE / 2n], () => ({ ok: -375n * ONE / 100n }));
      assert.deepEqual(await checkModes('smul', [-1n, ONE / 2n], refSMul.bind(null, -1n, ONE / 2n)), [{ ok: 0n }, { ok: -1n }, { ok: -1n }]);
      await checkModes('smul', [INT_MIN, ONE], () => ({ ok: INT_MIN }));
      await checkModes('smul', [INT_MIN, -ONE], () => OVERFLOW);
      await checkModes('smul', [INT_MAX, -ONE], () => ({ ok: -INT_MAX }));
      await checkModes('sdiv', [INT_MIN, -ONE], () => OVERFLOW);
      await checkModes('sdiv', [INT_MIN, ONE], () => ({ ok: INT_MIN }));
      await checkModes('smulDiv', [INT_MIN, INT_MIN, INT_MIN], () => ({ ok: INT_MIN }));
      await checkModes('smulDiv', [INT_MIN, -1n, 1n], () => OVERFLOW);
      await checkModes('smulDiv', [INT_MIN, INT_MIN, 1n], () => OVERFLOW);
      await checkModes('smulDiv', [5n, 5n, 0n], () => DIV_ZERO);
      await check('fromInt', [-7n], { ok: -7n * ONE });
      await check('fromInt', [INT_MAX / ONE], { ok: (INT_MAX / ONE) * ONE });
      await check('fromInt', [INT_MIN / ONE], { ok: (INT_MIN / ONE) * ONE });
      await check('fromInt', [INT_MAX / ONE + 1n], OVERFLOW);
      await check('fromInt', [INT_MIN / ONE - 1n], OVERFLOW);
      assert.deepEqual(await checkModes('toInt', [-5n * ONE / 2n], refToInt.bind(null, -5n * ONE / 2n)), [{ ok: -2n }, { ok: -3n }, { ok: -3n }]);
      await checkModes('toInt', [INT_MIN], refToInt.bind(null, INT_MIN));
      await checkModes('toInt', [INT_MAX], refToInt.bind(null, INT_MAX));
      await check('abs', [INT_MIN], { ok: 2n ** 255n });
      await check('abs', [-5n], { ok: 5n });
      await check('abs', [INT_MAX], { ok: INT_MAX });
    });

    test('a rounding mode outside the enum is refused by the ABI decoder', async () => {
      await assert.rejects(h.getFunction('mul').staticCall(ONE, ONE, 3));
    });
  });

  // ------------------------------------------------------------ properties

  describe('equal to the bigint reference on random inputs (fast-check)', () => {
    const opts = (n: number) => ({ numRuns: runs(n), seed, endOnFailure: true });

    test('mulDiv, mul and div in every mode; the results satisfy the rounding definitions', { timeout: 60_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(uintArb, uintArb, uintArb, async (x, y, d) => {
          const got = await checkModes('mulDiv', [x, y, d], refMulDiv.bind(null, x, y, d));
          got.forEach((g, m) => {
            if ('ok' in g) assertRounded(g.ok, x * y, d, m as Mode, `mulDiv(${x}, ${y}, ${d})`);
          });
        }),
        opts(45),
      );
      await fc.assert(
        fc.asyncProperty(uintArb, uintArb, async (a, b) => {
          const [muls, divs] = await Promise.all([
            checkModes('mul', [a, b], refMul.bind(null, a, b)),
            checkModes('div', [a, b], refDiv.bind(null, a, b)),
          ]);
          muls.forEach((g, m) => 'ok' in g && assertRounded(g.ok, a * b, ONE, m as Mode, `mul(${a}, ${b})`));
          divs.forEach((g, m) => 'ok' in g && assertRounded(g.ok, a * ONE, b, m as Mode, `div(${a}, ${b})`));
        }),
        opts(45),
      );
      // products near the overflow threshold: a = floor(MAX * ONE / b) + delta
      await fc.assert(
        fc.asyncProperty(uintArb.filter((b) => b > 0n), fc.integer({ min: -2, max: 2 }), async (b, delta) => {
          const a = (MAX * ONE) / b + BigInt(delta);
          if (a < 0n || a > MAX) return;
          await checkModes('mul', [a, b], refMul.bind(null, a, b));
        }),
        opts(30),
      );
    });

    test('pow in every mode; Down and Up bracket the exact power', { timeout: 60_000 }, async () => {
      const powArb = fc.tuple(
        fc.oneof(smallArb, fc.bigInt({ min: ONE / 2n, max: 2n * ONE }), fc.constantFrom(0n, 1n, ONE, MAX)),
        fc.oneof(fc.integer({ min: 0, max: 40 }).map(BigInt), fc.constantFrom(0n, 1n, 2n, 255n, MAX)),
      );
      await fc.assert(
        fc.asyncProperty(powArb, async ([x, n]) => {
          const got = await checkModes('pow', [x, n], refPow.bind(null, x, n));
          const down = got[Down]!;
          const up = got[Up]!;
          if (n <= 40n && 'ok' in down && 'ok' in up && n > 0n) {
            const scale = ONE ** (n - 1n);
            const exact = x ** n; // the exact power times ONE^(n-1)
            assert.ok(down.ok * scale <= exact && exact <= up.ok * scale, `pow(${x}, ${n}) brackets the exact power`);
          }
        }),
        opts(45),
      );
    });

    test('sqrt in every mode, over all of uint256', { timeout: 60_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(uintArb, async (x) => {
          const got = await checkModes('sqrt', [x], refSqrt.bind(null, x));
          const [down, up, half] = got.map((g) => (g as { ok: bigint }).ok) as [bigint, bigint, bigint];
          const n = x * ONE;
          assert.ok(down * down <= n && (down + 1n) ** 2n > n, 'Down is the integer square root');
          assert.ok(up * up >= n && (up === 0n || (up - 1n) ** 2n < n), 'Up is the smallest root at least sqrt');
          assert.ok(half === down || half === up, 'HalfUp is one of the neighbours');
        }),
        opts(60),
      );
    });

    test('conversions in every mode', { timeout: 60_000 }, async () => {
      const decimalsArb = fc.oneof(fc.integer({ min: 0, max: 77 }).map(BigInt), fc.constantFrom(0n, 6n, 18n, 77n, 78n, 255n));
      await fc.assert(
        fc.asyncProperty(uintArb, uintArb, decimalsArb, decimalsArb, async (x, d, from, to) => {
          await Promise.all([
            check('fromUint', [x], refFromUint(x)),
            checkModes('toUint', [x], refToUint.bind(null, x)),
            checkModes('fromFraction', [x, d], refFromFraction.bind(null, x, d)),
            checkModes('convertDecimals', [x, from, to], refConvert.bind(null, x, from, to)),
          ]);
        }),
        opts(40),
      );
    });

    test('signed mulDiv, mul, div, fromInt, toInt in every mode; sign symmetry', { timeout: 60_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(intArb, intArb, intArb, async (x, y, d) => {
          const [mds, muls, divs] = await Promise.all([
            checkModes('smulDiv', [x, y, d], refSMulDiv.bind(null, x, y, d)),
            checkModes('smul', [x, y], refSMul.bind(null, x, y)),
            checkModes('sdiv', [x, y], refSDiv.bind(null, x, y)),
            check('fromInt', [x], refFromInt(x)),
            checkModes('toInt', [x], refToInt.bind(null, x)),
          ]);
          mds.forEach((g, m) => 'ok' in g && assertRounded(abs(g.ok), abs(x * y), abs(d), m as Mode, `smulDiv(${x}, ${y}, ${d})`));
          muls.forEach((g, m) => 'ok' in g && assertRounded(abs(g.ok), abs(x * y), ONE, m as Mode, `smul(${x}, ${y})`));
          divs.forEach((g, m) => 'ok' in g && assertRounded(abs(g.ok), abs(x) * ONE, abs(y), m as Mode, `sdiv(${x}, ${y})`));
          // mul(-a, b) == -mul(a, b) whenever both fit
          if (x !== INT_MIN) {
            const neg = await call('smul', [-x, y, HalfUp]);
            const pos = muls[HalfUp]!;
            if ('ok' in neg && 'ok' in pos) assert.equal(neg.ok, -pos.ok);
          }
        }),
        opts(40),
      );
    });
  });

  // ------------------------------------------------------------ gas

  test('gas of each function (measured inside the harness, minus the call overhead of noop)', async () => {
    const base = await read<bigint>(h, 'gasOf', [h.interface.encodeFunctionData('noop', [1n, 2n, 3n, Down])]);
    const cases: [string, string, unknown[]][] = [
      ['mul (HalfUp)', 'mul', [3n * ONE / 2n, 5n * ONE / 3n, HalfUp]],
      ['div (HalfUp)', 'div', [ONE, 3n * ONE, HalfUp]],
      ['mulDiv (512-bit product, Up)', 'mulDiv', [MAX - 5n, MAX - 7n, MAX - 1n, Up]],
      ['pow (1.1^20, Down)', 'pow', [11n * ONE / 10n, 20n, Down]],
      ['pow (1.000001^365, Down)', 'pow', [ONE + 10n ** 12n, 365n, Down]],
      ['sqrt (2.0, HalfUp)', 'sqrt', [2n * ONE, HalfUp]],
      ['sqrt (2^255, 512-bit path, HalfUp)', 'sqrt', [2n ** 255n, HalfUp]],
      ['fromUint', 'fromUint', [12345n]],
      ['toUint (HalfUp)', 'toUint', [5n * ONE / 2n, HalfUp]],
      ['fromFraction (Up)', 'fromFraction', [2n, 3n, Up]],
      ['convertDecimals (18 -> 6, HalfUp)', 'convertDecimals', [1_234_567_500_000_000_000n, 18n, 6n, HalfUp]],
      ['signed mul (HalfUp)', 'smul', [-3n * ONE / 2n, 5n * ONE / 3n, HalfUp]],
      ['signed div (HalfUp)', 'sdiv', [-ONE, 3n * ONE, HalfUp]],
    ];
    gas.record('(call overhead of the harness, subtracted below)', base);
    for (const [label, fn, args] of cases) {
      const used = await read<bigint>(h, 'gasOf', [h.interface.encodeFunctionData(fn, args)]);
      assert.ok(used > base && used - base < 60_000n, `${label}: ${used - base}`);
      gas.record(`FixedPoint ${label}`, used - base);
    }
  });
});
