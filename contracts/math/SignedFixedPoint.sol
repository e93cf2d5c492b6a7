// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FixedPoint, Rounding, FixedPointOverflow, FixedPointDivisionByZero} from "./FixedPoint.sol";

/// @title SignedFixedPoint
/// @notice Signed 18-decimal fixed-point arithmetic: an int256 `x` stands for `x / 10^18`. Results are computed
///         on magnitudes with {FixedPoint} (exactly, in 512 bits) and the sign is applied afterwards, so every
///         {Rounding} mode acts on the magnitude: `Down` rounds toward zero, `Up` away from zero, `HalfUp` to the
///         nearest value with ties away from zero. (Hence `mul(-a, b) == -mul(a, b)` in every mode.) A result
///         outside `[type(int256).min, type(int256).max]` reverts with {FixedPointOverflow}.
library SignedFixedPoint {
    /// @notice 1.0 in fixed point.
    int256 internal constant ONE = 1e18;

    /// @notice `x * y / denominator`, exact in 512 bits, the magnitude rounded once.
    /// @param x First factor.
    /// @param y Second factor.
    /// @param denominator Divisor; zero reverts with {FixedPointDivisionByZero}.
    /// @param rounding Rounding of the magnitude.
    /// @return The rounded quotient.
    function mulDiv(int256 x, int256 y, int256 denominator, Rounding rounding) internal pure returns (int256) {
        uint256 magnitude = FixedPoint.mulDiv(abs(x), abs(y), abs(denominator), rounding);
        return _withSign(magnitude, (x < 0) != (y < 0) != (denominator < 0));
    }

    /// @notice Fixed-point product `a * b / ONE`.
    /// @param a Fixed-point factor.
    /// @param b Fixed-point factor.
    /// @param rounding Rounding of the magnitude.
    /// @return The rounded product.
    function mul(int256 a, int256 b, Rounding rounding) internal pure returns (int256) {
        return _withSign(FixedPoint.mulDiv(abs(a), abs(b), FixedPoint.ONE, rounding), (a < 0) != (b < 0));
    }

    /// @notice Fixed-point quotient `a * ONE / b`.
    /// @param a Fixed-point dividend.
    /// @param b Fixed-point divisor; zero reverts with {FixedPointDivisionByZero}.
    /// @param rounding Rounding of the magnitude.
    /// @return The rounded quotient.
    function div(int256 a, int256 b, Rounding rounding) internal pure returns (int256) {
        if (b == 0) revert FixedPointDivisionByZero();
        return _withSign(FixedPoint.mulDiv(abs(a), FixedPoint.ONE, abs(b), rounding), (a < 0) != (b < 0));
    }

    /// @notice The fixed-point value of the integer `x` (`x * ONE`).
    /// @param x Integer.
    /// @return The fixed-point value; {FixedPointOverflow} when it does not fit.
    function fromInt(int256 x) internal pure returns (int256) {
        // Solidity's int division truncates toward zero, so these are the exact bounds of x * ONE in range.
        if (x > type(int256).max / ONE || x < type(int256).min / ONE) revert FixedPointOverflow();
        // Checked just above.
        unchecked {
            return x * ONE;
        }
    }

    /// @notice The integer part of the fixed-point `x`, its magnitude rounded.
    /// @param x Fixed-point value.
    /// @param rounding Rounding of the magnitude.
    /// @return The rounded integer.
    function toInt(int256 x, Rounding rounding) internal pure returns (int256) {
        return _withSign(FixedPoint.toUint(abs(x), rounding), x < 0);
    }

    /// @notice The magnitude of `x` as a uint256 (defined for `type(int256).min` too: 2^255).
    /// @param x Any int256.
    /// @return |x|.
    function abs(int256 x) internal pure returns (uint256) {
        // For negative x, -(x + 1) is in [0, 2^255 - 1] and adding 1 gives at most 2^255: no overflow either way.
        unchecked {
            return x >= 0 ? uint256(x) : uint256(-(x + 1)) + 1;
        }
    }

    /// @dev `magnitude` with the sign applied; {FixedPointOverflow} when outside the int256 range.
    function _withSign(uint256 magnitude, bool negative) private pure returns (int256) {
        if (negative) {
            if (magnitude > uint256(type(int256).max) + 1) revert FixedPointOverflow();
            // magnitude <= 2^255: magnitude - 1 fits in int256, and -(m - 1) - 1 >= type(int256).min.
            unchecked {
                return magnitude == 0 ? int256(0) : -int256(magnitude - 1) - 1;
            }
        }
        if (magnitude > uint256(type(int256).max)) revert FixedPointOverflow();
        return int256(magnitude);
    }
}
