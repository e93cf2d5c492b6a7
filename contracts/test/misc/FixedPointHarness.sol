// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FixedPoint, Rounding} from "../../math/FixedPoint.sol";
import {SignedFixedPoint} from "../../math/SignedFixedPoint.sol";

/// @title FixedPointHarness
/// @notice Test-only: exposes every function of {FixedPoint} and {SignedFixedPoint} as an external pure function,
///         so tests can call them with eth_call, and measures their gas ({gasOf}).
contract FixedPointHarness {
    /// @notice The call {gasOf} measured reverted.
    error MeasuredCallReverted();

    /// @notice {FixedPoint.mulDiv}.
    function mulDiv(uint256 x, uint256 y, uint256 d, Rounding r) external pure returns (uint256) {
        return FixedPoint.mulDiv(x, y, d, r);
    }

    /// @notice {FixedPoint.mul}.
    function mul(uint256 a, uint256 b, Rounding r) external pure returns (uint256) {
        return FixedPoint.mul(a, b, r);
    }

    /// @notice {FixedPoint.div}.
    function div(uint256 a, uint256 b, Rounding r) external pure returns (uint256) {
        return FixedPoint.div(a, b, r);
    }

    /// @notice {FixedPoint.pow}.
    function pow(uint256 x, uint256 n, Rounding r) external pure returns (uint256) {
        return FixedPoint.pow(x, n, r);
    }

    /// @notice {FixedPoint.sqrt}.
    function sqrt(uint256 x, Rounding r) external pure returns (uint256) {
        return FixedPoint.sqrt(x, r);
    }

    /// @notice {FixedPoint.fromUint}.
    function fromUint(uint256 x) external pure returns (uint256) {
        return FixedPoint.fromUint(x);
    }

    /// @notice {FixedPoint.toUint}.
    function toUint(uint256 x, Rounding r) external pure returns (uint256) {
        return FixedPoint.toUint(x, r);
    }

    /// @notice {FixedPoint.fromFraction}.
    function fromFraction(uint256 n, uint256 d, Rounding r) external pure returns (uint256) {
        return FixedPoint.fromFraction(n, d, r);
    }

    /// @notice {FixedPoint.convertDecimals}.
    function convertDecimals(uint256 x, uint256 fromDecimals, uint256 toDecimals, Rounding r)
        external
        pure
        returns (uint256)
    {
        return FixedPoint.convertDecimals(x, fromDecimals, toDecimals, r);
    }

    /// @notice {SignedFixedPoint.mulDiv}.
    function smulDiv(int256 x, int256 y, int256 d, Rounding r) external pure returns (int256) {
        return SignedFixedPoint.mulDiv(x, y, d, r);
    }

    /// @notice {SignedFixedPoint.mul}.
    function smul(int256 a, int256 b, Rounding r) external pure returns (int256) {
        return SignedFixedPoint.mul(a, b, r);
    }

    /// @notice {SignedFixedPoint.div}.
    function sdiv(int256 a, int256 b, Rounding r) external pure returns (int256) {
        return SignedFixedPoint.div(a, b, r);
    }

    /// @notice {SignedFixedPoint.fromInt}.
    function fromInt(int256 x) external pure returns (int256) {
        return SignedFixedPoint.fromInt(x);
    }

    /// @notice {SignedFixedPoint.toInt}.
    function toInt(int256 x, Rounding r) external pure returns (int256) {
        return SignedFixedPoint.toInt(x, r);
    }

    /// @notice {SignedFixedPoint.abs}.
    function abs(int256 x) external pure returns (uint256) {
        return SignedFixedPoint.abs(x);
    }

    /// @notice Does nothing with four words: the baseline of {gasOf} (call overhead and ABI coding).
    function noop(uint256, uint256, uint256, Rounding) external pure returns (uint256) {
        return 0;
    }

    /// @notice Gas used by a static call of this harness with `data` (one of the functions above), including the
    ///         call's own overhead; subtract `gasOf(noop(...))` for the library's cost.
    /// @param data Calldata of one of the harness functions.
    /// @return used Gas consumed by the call.
    function gasOf(bytes calldata data) external view returns (uint256 used) {
        uint256 before = gasleft();
        (bool ok,) = address(this).staticcall(data);
        used = before - gasleft();
        if (!ok) revert MeasuredCallReverted();
    }
}
