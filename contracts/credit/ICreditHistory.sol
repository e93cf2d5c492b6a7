// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title ICreditHistory
/// @notice What a loan contract writes into the credit history of its borrowers. Every record is keyed by the
///         loan contract that writes it (`msg.sender`) and that contract's loan id, so a loan contract can only
///         ever write about its own loans.
/// @dev Record life cycle: `openLoan` (Open) -> any number of `recordRepayment` / `recordLate` -> `closeRepaid`
///      (Closed), or -> `recordDefault` (Defaulted) -> any number of `recordRepayment` -> `closeRecovered` or
///      `closeWrittenOff` (Closed). Only `openLoan` needs the recorder role: a loan contract whose role is
///      withdrawn can still finish the records of the loans it opened, so withdrawing the role never traps a
///      loan's money behind a failing history write.
interface ICreditHistory {
    /// @notice Opens the record of loan `loanId` of the caller: `borrower` took `principal` of `asset` from
    ///         `lender`.
    /// @param loanId The caller's loan id (unique per caller).
    /// @param borrower The borrower the record is about.
    /// @param lender The lender.
    /// @param asset The lent asset (address 0 = CMT).
    /// @param principal The amount lent.
    function openLoan(uint256 loanId, address borrower, address lender, address asset, uint256 principal) external;

    /// @notice Records that `amount` of the loan's asset was repaid (Open or Defaulted records).
    /// @param loanId The caller's loan id.
    /// @param amount The amount repaid (principal and interest).
    function recordRepayment(uint256 loanId, uint256 amount) external;

    /// @notice Records that `instalments` more instalments of the loan were not paid by the end of their grace
    ///         period (Open records).
    /// @param loanId The caller's loan id.
    /// @param instalments How many instalments became late (at least 1).
    function recordLate(uint256 loanId, uint16 instalments) external;

    /// @notice Records that the loan defaulted with `outstanding` still due, of which `recoveredFromCollateral`
    ///         was settled at once by seizing collateral (Open records).
    /// @param loanId The caller's loan id.
    /// @param outstanding What the borrower still owed when the loan defaulted.
    /// @param recoveredFromCollateral The part of `outstanding` the seized collateral settled (at most
    ///        `outstanding`).
    function recordDefault(uint256 loanId, uint256 outstanding, uint256 recoveredFromCollateral) external;

    /// @notice Closes an Open record: the loan was repaid in full, `onTime` when no instalment was ever late.
    /// @param loanId The caller's loan id.
    /// @param onTime Whether every instalment was paid by the end of its grace period.
    function closeRepaid(uint256 loanId, bool onTime) external;

    /// @notice Closes a Defaulted record: the defaulted debt was recovered in full.
    /// @param loanId The caller's loan id.
    function closeRecovered(uint256 loanId) external;

    /// @notice Closes a Defaulted record: the lender (or the deadline) wrote off `amount` of unpaid debt.
    /// @param loanId The caller's loan id.
    /// @param amount The debt written off (at least 1).
    function closeWrittenOff(uint256 loanId, uint256 amount) external;
}
