// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title LoanSchedule
/// @notice The repayment schedule of a loan: `n` instalments, the i-th (1-based) due `i * interval` seconds
///         after the loan starts. Each instalment repays an equal part of the principal (`principal / n`
///         rounded down; the last instalment repays the remainder) plus simple interest on the principal still
///         outstanding during its period:
///
///             interest_i = ceil((principal - (i - 1) * floor(principal / n)) * rateWad * interval / (1e18 * YEAR))
///
///         with `rateWad` the yearly rate as an 18-decimal fixed-point number (0.12e18 = 12% a year) and YEAR
///         = 365 days. Each instalment's interest is rounded up on its own (in the lender's favour), so the
///         total interest is at most `n` units above the exact figure.
/// @dev Pure functions; the caller bounds `n`, `interval` and `rateWad` so that nothing overflows.
library LoanSchedule {
    /// @dev 1.0 in 18-decimal fixed point.
    uint256 internal constant WAD = 1e18;
    /// @dev The year the yearly rate refers to.
    uint256 internal constant YEAR = 365 days;

    /// @notice The principal repaid by instalment `i` (1-based, `i <= n`).
    function principalPart(uint256 principal, uint256 n, uint256 i) internal pure returns (uint256) {
        uint256 q = principal / n;
        return i == n ? principal - q * (n - 1) : q;
    }

    /// @notice The interest paid with instalment `i` (1-based, `i <= n`), rounded up.
    function interestPart(uint256 principal, uint256 n, uint256 i, uint256 rateWad, uint256 interval)
        internal
        pure
        returns (uint256)
    {
        uint256 balance = principal - (principal / n) * (i - 1);
        return Math.mulDiv(balance, rateWad * interval, WAD * YEAR, Math.Rounding.Ceil);
    }

    /// @notice Principal plus interest of instalment `i` (1-based, `i <= n`).
    function instalmentDue(uint256 principal, uint256 n, uint256 i, uint256 rateWad, uint256 interval)
        internal
        pure
        returns (uint256)
    {
        return principalPart(principal, n, i) + interestPart(principal, n, i, rateWad, interval);
    }

    /// @notice Everything the borrower pays over the schedule: the principal plus every instalment's interest.
    function totalDue(uint256 principal, uint256 n, uint256 rateWad, uint256 interval)
        internal
        pure
        returns (uint256 total)
    {
        total = principal;
        for (uint256 i = 1; i <= n; ++i) {
            total += interestPart(principal, n, i, rateWad, interval);
        }
    }
}
