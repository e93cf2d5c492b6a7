// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @notice How a result that is not exactly representable is rounded.
/// @dev For unsigned values: `Down` = toward zero (floor), `Up` = away from zero (ceiling), `HalfUp` = to the
///      nearest representable value, a tie (exactly half a unit) going up. The signed library applies the same
///      modes to the magnitude (see {SignedFixedPoint}).
enum Rounding {
    Down,
    Up,
    HalfUp
}

/// @notice The exact result does not fit in the result type.
error FixedPointOverflow();
/// @notice A division (or a conversion from a fraction) by zero.
error FixedPointDivisionByZero();
/// @notice A decimals count above {FixedPoint.MAX_DECIMALS} (10^decimals would not fit in 256 bits).
error FixedPointBadDecimals(uint256 decimals);

/// @title FixedPoint
/// @notice Unsigned 18-decimal fixed-point arithmetic: a value `x` (a uint256) stands for `x / 10^18`, so
///         `ONE = 10^18` is 1.0 and the largest value is about 1.16e59. Every operation that can lose precision
///         takes an explicit {Rounding}; every result is the exact mathematical result rounded once in that
///         mode (except {pow}, which rounds each multiplication, documented there). Overflow and division by
///         zero revert with the custom errors {FixedPointOverflow} and {FixedPointDivisionByZero}, never with a
///         panic.
/// @dev Products are formed in 512 bits (OpenZeppelin {Math.mul512} / {Math.mulDiv}), so `mulDiv(x, y, d)`
///      succeeds whenever the final result fits in 256 bits, whatever the size of `x * y`.
library FixedPoint {
    /// @notice 1.0 in fixed point.
    uint256 internal constant ONE = 1e18;
    /// @notice Largest decimals count {convertDecimals} accepts (10^77 < 2^256 < 10^78).
    uint256 internal constant MAX_DECIMALS = 77;

    /// @notice `x * y / denominator`, computed exactly in 512 bits and rounded once.
    /// @param x First factor.
    /// @param y Second factor.
    /// @param denominator Divisor; zero reverts with {FixedPointDivisionByZero}.
    /// @param rounding Rounding of an inexact quotient.
    /// @return result The rounded quotient; {FixedPointOverflow} when it does not fit in 256 bits.
    function mulDiv(uint256 x, uint256 y, uint256 denominator, Rounding rounding) internal pure returns (uint256 result) {
        if (denominator == 0) revert FixedPointDivisionByZero();
        (uint256 high,) = Math.mul512(x, y);
        // The quotient is below 2^256 exactly when the high word of the product is below the denominator; this
        // is also Math.mulDiv's own condition, so the call below cannot panic.
        if (high >= denominator) revert FixedPointOverflow();
        result = Math.mulDiv(x, y, denominator);
        if (rounding != Rounding.Down) result = _roundUp(result, mulmod(x, y, denominator), denominator, rounding);
    }

    /// @notice Fixed-point product `a * b / ONE`.
    /// @param a Fixed-point factor.
    /// @param b Fixed-point factor.
    /// @param rounding Rounding of an inexact product.
    /// @return The rounded product.
    function mul(uint256 a, uint256 b, Rounding rounding) internal pure returns (uint256) {
        return mulDiv(a, b, ONE, rounding);
    }

    /// @notice Fixed-point quotient `a * ONE / b`.
    /// @param a Fixed-point dividend.
    /// @param b Fixed-point divisor; zero reverts with {FixedPointDivisionByZero}.
    /// @param rounding Rounding of an inexact quotient.
    /// @return The rounded quotient.
    function div(uint256 a, uint256 b, Rounding rounding) internal pure returns (uint256) {
        return mulDiv(a, ONE, b, rounding);
    }

    /// @notice `x` raised to the integer power `n`, by binary exponentiation (square and multiply, least
    ///         significant bit first) where every multiplication is a {mul} rounded in `rounding`.
    /// @dev Exactly: `result = (n odd) ? x : ONE; for (n >>= 1; n > 0; n >>= 1) { x = mul(x, x);
    ///      if (n odd) result = mul(result, x); }`. So `pow(x, 0) = ONE` (also for x = 0), `pow(x, 1) = x`.
    ///      With `Down` every step rounds down, so the result is at most the exact value; with `Up` it is at
    ///      least the exact value (the two bracket it); each rounded step adds at most one unit of error,
    ///      amplified by the later multiplications. Reverts with {FixedPointOverflow} when a product overflows.
    /// @param x Fixed-point base.
    /// @param n Integer exponent.
    /// @param rounding Rounding of every multiplication.
    /// @return result The rounded power.
    function pow(uint256 x, uint256 n, Rounding rounding) internal pure returns (uint256 result) {
        result = n & 1 != 0 ? x : ONE;
        for (n >>= 1; n > 0; n >>= 1) {
            x = mul(x, x, rounding);
            if (n & 1 != 0) result = mul(result, x, rounding);
        }
    }

    /// @notice Fixed-point square root: the integer square root of `x * ONE` (a 316-bit number at most), rounded
    ///         once. Defined for every uint256 `x`.
    /// @dev `HalfUp` has no ties here: `(s + 1/2)^2` is never an integer.
    /// @param x Fixed-point radicand.
    /// @param rounding Rounding of an irrational (or inexact) root.
    /// @return s The rounded root.
    function sqrt(uint256 x, Rounding rounding) internal pure returns (uint256 s) {
        if (x == 0) return 0;
        if (x <= type(uint256).max / ONE) {
            s = Math.sqrt(x * ONE);
        } else {
            // x * ONE needs more than 256 bits. Integer Newton iteration from above: s_{k+1} = (s_k + N / s_k) / 2
            // with N / s_k = mulDiv(x, ONE, s_k) exact in 512 bits, starting at ceil(sqrt(x)) * 1e9 >= sqrt(N);
            // the sequence decreases strictly until it reaches floor(sqrt(N)) (about 2^158 at most, so the sum
            // below cannot overflow).
            s = Math.sqrt(x, Math.Rounding.Ceil) * 1e9;
            while (true) {
                uint256 next = (s + Math.mulDiv(x, ONE, s)) / 2;
                if (next >= s) break;
                s = next;
            }
        }
        if (rounding == Rounding.Down) return s;
        (uint256 nHigh, uint256 nLow) = Math.mul512(x, ONE);
        // Up: add one unless s^2 == N. HalfUp: add one when N - s^2 > s, i.e. when N > s * (s + 1).
        (uint256 bHigh, uint256 bLow) = Math.mul512(s, rounding == Rounding.Up ? s : s + 1);
        if (bHigh < nHigh || (bHigh == nHigh && bLow < nLow)) {
            // s < 2^159 (see above), so s + 1 cannot overflow.
            unchecked {
                ++s;
            }
        }
    }

    /// @notice The fixed-point value of the integer `x` (`x * ONE`).
    /// @param x Integer.
    /// @return The fixed-point value; {FixedPointOverflow} when `x` exceeds `type(uint256).max / ONE`.
    function fromUint(uint256 x) internal pure returns (uint256) {
        if (x > type(uint256).max / ONE) revert FixedPointOverflow();
        // Checked just above.
        unchecked {
            return x * ONE;
        }
    }

    /// @notice The integer part of the fixed-point `x`, rounded (`x / ONE`).
    /// @param x Fixed-point value.
    /// @param rounding Rounding of a fractional part.
    /// @return The rounded integer.
    function toUint(uint256 x, Rounding rounding) internal pure returns (uint256) {
        return _roundUp(x / ONE, x % ONE, ONE, rounding);
    }

    /// @notice The fixed-point value of the fraction `numerator / denominator`.
    /// @param numerator Integer numerator.
    /// @param denominator Integer denominator; zero reverts with {FixedPointDivisionByZero}.
    /// @param rounding Rounding of an inexact value.
    /// @return The rounded fixed-point fraction.
    function fromFraction(uint256 numerator, uint256 denominator, Rounding rounding) internal pure returns (uint256) {
        return mulDiv(numerator, ONE, denominator, rounding);
    }

    /// @notice Re-expresses an amount with `fromDecimals` decimals in `toDecimals` decimals (for example a
    ///         6-decimal token amount as an 18-decimal fixed-point value, or back).
    /// @param x The amount in `fromDecimals`.
    /// @param fromDecimals Decimals of `x` (at most {MAX_DECIMALS}).
    /// @param toDecimals Decimals of the result (at most {MAX_DECIMALS}).
    /// @param rounding Rounding when decimals are dropped.
    /// @return The amount in `toDecimals`; {FixedPointOverflow} when it does not fit.
    function convertDecimals(uint256 x, uint256 fromDecimals, uint256 toDecimals, Rounding rounding)
        internal
        pure
        returns (uint256)
    {
        if (fromDecimals > MAX_DECIMALS) revert FixedPointBadDecimals(fromDecimals);
        if (toDecimals > MAX_DECIMALS) revert FixedPointBadDecimals(toDecimals);
        if (toDecimals >= fromDecimals) {
            uint256 factor = 10 ** (toDecimals - fromDecimals);
            if (x > type(uint256).max / factor) revert FixedPointOverflow();
            // Checked just above.
            unchecked {
                return x * factor;
            }
        }
        uint256 divisor = 10 ** (fromDecimals - toDecimals);
        return _roundUp(x / divisor, x % divisor, divisor, rounding);
    }

    /// @dev Applies `rounding` to the quotient `q` of a division by `d` that left `remainder` (< d).
    function _roundUp(uint256 q, uint256 remainder, uint256 d, Rounding rounding) private pure returns (uint256) {
        if (remainder == 0 || rounding == Rounding.Down) return q;
        // HalfUp rounds up when remainder / d >= 1/2, i.e. 2 * remainder >= d, written without overflow.
        if (rounding == Rounding.Up || remainder >= d - remainder) {
            if (q == type(uint256).max) revert FixedPointOverflow();
            // q < type(uint256).max was checked just above.
            unchecked {
                return q + 1;
            }
        }
        return q;
    }
}
