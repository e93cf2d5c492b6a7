// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ICreditHistory} from "./ICreditHistory.sol";

/// @title CreditHistory
/// @notice One on-chain credit record store. Authorised loan contracts (the recorders) write what happens to
///         their loans: a loan taken, repayments, instalments paid late, defaults, recoveries and write-offs,
///         all against the borrower's address (the identity the attestation registry attests to). Anyone reads
///         a borrower's aggregates in one call ({summary}) before lending.
/// @dev Nobody else can write, and nothing is ever deleted. Each record follows a fixed life cycle (see
///      {ICreditHistory}) that this contract enforces, so a buggy recorder cannot count a loan twice, close it
///      twice or record a repayment on a closed loan. Counts are per borrower (all assets); amounts are per
///      borrower and asset, because amounts in different assets cannot be added without a price.
///
///      The admin (two-step transfer) grants and revokes {RECORDER_ROLE}. A revoked recorder can no longer
///      open records but still finishes those it opened (see {ICreditHistory}); the admin cannot edit or
///      delete anything. Whoever reads the history trusts the recorders it names in the events: the aggregates
///      mix all recorders, and the admin decides who is one.
contract CreditHistory is ICreditHistory, AccessControlDefaultAdminRules {
    /// @notice Where a record is in its life cycle.
    enum RecordState {
        None,
        Open,
        Defaulted,
        Closed
    }

    /// @notice One loan's record.
    /// @param borrower The borrower.
    /// @param state Where the record is in its life cycle.
    /// @param asset The lent asset.
    struct Record {
        address borrower;
        RecordState state;
        address asset;
    }

    /// @dev Counts per borrower. Every count grows by at most 65535 per transaction, so 64 bits never overflow.
    struct Counts {
        uint64 loansTaken;
        uint64 loansRepaid;
        uint64 loansRepaidOnTime;
        uint64 latePayments;
        uint64 defaults;
        uint64 recoveries;
        uint64 writeOffs;
        uint64 uniqueLenders;
    }

    /// @dev Timestamps per borrower.
    struct Dates {
        uint64 firstLoanAt;
        uint64 lastLoanAt;
        uint64 lastLateAt;
        uint64 lastDefaultAt;
    }

    /// @dev Amounts per borrower and asset.
    struct Amounts {
        uint256 borrowed;
        uint256 repaid;
        uint256 recoveredFromCollateral;
        uint256 writtenOff;
    }

    /// @notice A borrower's credit history in one struct.
    /// @param loansTaken Loans the borrower took (any asset).
    /// @param openLoans Loans not closed yet (running or defaulted and not yet recovered or written off).
    /// @param loansRepaid Loans repaid in full before any default.
    /// @param loansRepaidOnTime Of those, loans with no instalment ever late.
    /// @param latePayments Instalments not paid by the end of their grace period (each counted once).
    /// @param defaults Loans that defaulted.
    /// @param recoveries Defaulted loans whose debt was then recovered in full (by collateral and/or payment).
    /// @param writeOffs Defaulted loans whose remaining debt was written off.
    /// @param uniqueLenders Distinct lenders the borrower took loans from (few lenders next to many loans is a
    ///        sign of self-dealing).
    /// @param firstLoanAt When the first loan was recorded (0: never).
    /// @param lastLoanAt When the latest loan was recorded.
    /// @param lastLateAt When a late instalment was last recorded (0: never).
    /// @param lastDefaultAt When a default was last recorded (0: never).
    /// @param borrowed Principal borrowed in the asset asked for.
    /// @param repaid Paid back in that asset (principal and interest, before and after default).
    /// @param recoveredFromCollateral Debt in that asset settled by seized collateral.
    /// @param writtenOff Debt in that asset written off.
    struct Summary {
        uint64 loansTaken;
        uint64 openLoans;
        uint64 loansRepaid;
        uint64 loansRepaidOnTime;
        uint64 latePayments;
        uint64 defaults;
        uint64 recoveries;
        uint64 writeOffs;
        uint64 uniqueLenders;
        uint64 firstLoanAt;
        uint64 lastLoanAt;
        uint64 lastLateAt;
        uint64 lastDefaultAt;
        uint256 borrowed;
        uint256 repaid;
        uint256 recoveredFromCollateral;
        uint256 writtenOff;
    }

    /// @notice May open records (granted to loan contracts).
    bytes32 public constant RECORDER_ROLE = keccak256("RECORDER_ROLE");

    mapping(address recorder => mapping(uint256 loanId => Record)) private _records;
    mapping(address borrower => Counts) private _counts;
    mapping(address borrower => Dates) private _dates;
    mapping(address borrower => mapping(address asset => Amounts)) private _amounts;
    mapping(address borrower => mapping(address lender => bool)) private _borrowedFrom;

    /// @notice `recorder` opened the record of its loan `loanId`: `borrower` took `principal` of `asset`.
    event LoanOpened(
        address indexed recorder,
        uint256 indexed loanId,
        address indexed borrower,
        address lender,
        address asset,
        uint256 principal
    );
    /// @notice `amount` of `asset` was repaid on the loan.
    event RepaymentRecorded(
        address indexed recorder, uint256 indexed loanId, address indexed borrower, address asset, uint256 amount
    );
    /// @notice `instalments` more instalments of the loan were late.
    event LatePaymentsRecorded(
        address indexed recorder, uint256 indexed loanId, address indexed borrower, uint16 instalments
    );
    /// @notice The loan defaulted owing `outstanding`, of which collateral settled `recoveredFromCollateral`.
    event DefaultRecorded(
        address indexed recorder,
        uint256 indexed loanId,
        address indexed borrower,
        address asset,
        uint256 outstanding,
        uint256 recoveredFromCollateral
    );
    /// @notice The loan was repaid in full (`onTime`: no instalment late); the record is closed.
    event RepaidRecorded(address indexed recorder, uint256 indexed loanId, address indexed borrower, bool onTime);
    /// @notice The defaulted loan's debt was recovered in full; the record is closed.
    event RecoveryRecorded(address indexed recorder, uint256 indexed loanId, address indexed borrower);
    /// @notice `amount` of the defaulted loan's debt was written off; the record is closed.
    event WriteOffRecorded(
        address indexed recorder, uint256 indexed loanId, address indexed borrower, address asset, uint256 amount
    );

    /// @notice A zero address was given for the borrower or the lender.
    error ZeroAddress();
    /// @notice Borrower and lender are the same account.
    error SelfLoan(address account);
    /// @notice A zero amount or count was given.
    error ZeroAmount();
    /// @notice The caller already has a record with this loan id.
    error RecordExists(address recorder, uint256 loanId);
    /// @notice The caller's record `loanId` is not in a state that allows this.
    error WrongRecordState(address recorder, uint256 loanId, RecordState state);
    /// @notice The amount recovered from collateral is more than what was outstanding.
    error RecoveredExceedsOutstanding(uint256 recovered, uint256 outstanding);

    /// @notice Deploys the record store.
    /// @param admin Default admin (grants and revokes {RECORDER_ROLE}; two-step transfer after `adminDelay`).
    /// @param adminDelay Delay of a default-admin transfer, in seconds.
    constructor(address admin, uint48 adminDelay) AccessControlDefaultAdminRules(adminDelay, admin) {}

    // ---------------------------------------------------------------- writes (recorders)

    /// @inheritdoc ICreditHistory
    function openLoan(uint256 loanId, address borrower, address lender, address asset, uint256 principal)
        external
        onlyRole(RECORDER_ROLE)
    {
        if (borrower == address(0) || lender == address(0)) revert ZeroAddress();
        if (borrower == lender) revert SelfLoan(borrower);
        if (principal == 0) revert ZeroAmount();
        Record storage r = _records[msg.sender][loanId];
        if (r.state != RecordState.None) revert RecordExists(msg.sender, loanId);

        r.borrower = borrower;
        r.state = RecordState.Open;
        r.asset = asset;
        Counts storage c = _counts[borrower];
        ++c.loansTaken;
        if (!_borrowedFrom[borrower][lender]) {
            _borrowedFrom[borrower][lender] = true;
            ++c.uniqueLenders;
        }
        Dates storage d = _dates[borrower];
        if (d.firstLoanAt == 0) d.firstLoanAt = uint64(block.timestamp);
        d.lastLoanAt = uint64(block.timestamp);
        _amounts[borrower][asset].borrowed += principal;
        emit LoanOpened(msg.sender, loanId, borrower, lender, asset, principal);
    }

    /// @inheritdoc ICreditHistory
    function recordRepayment(uint256 loanId, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Record storage r = _records[msg.sender][loanId];
        if (r.state != RecordState.Open && r.state != RecordState.Defaulted) _wrongState(loanId, r.state);
        _amounts[r.borrower][r.asset].repaid += amount;
        emit RepaymentRecorded(msg.sender, loanId, r.borrower, r.asset, amount);
    }

    /// @inheritdoc ICreditHistory
    function recordLate(uint256 loanId, uint16 instalments) external {
        if (instalments == 0) revert ZeroAmount();
        Record storage r = _requireState(loanId, RecordState.Open);
        _counts[r.borrower].latePayments += instalments;
        _dates[r.borrower].lastLateAt = uint64(block.timestamp);
        emit LatePaymentsRecorded(msg.sender, loanId, r.borrower, instalments);
    }

    /// @inheritdoc ICreditHistory
    function recordDefault(uint256 loanId, uint256 outstanding, uint256 recoveredFromCollateral) external {
        if (outstanding == 0) revert ZeroAmount();
        if (recoveredFromCollateral > outstanding) {
            revert RecoveredExceedsOutstanding(recoveredFromCollateral, outstanding);
        }
        Record storage r = _requireState(loanId, RecordState.Open);
        r.state = RecordState.Defaulted;
        ++_counts[r.borrower].defaults;
        _dates[r.borrower].lastDefaultAt = uint64(block.timestamp);
        _amounts[r.borrower][r.asset].recoveredFromCollateral += recoveredFromCollateral;
        emit DefaultRecorded(msg.sender, loanId, r.borrower, r.asset, outstanding, recoveredFromCollateral);
    }

    /// @inheritdoc ICreditHistory
    function closeRepaid(uint256 loanId, bool onTime) external {
        Record storage r = _requireState(loanId, RecordState.Open);
        r.state = RecordState.Closed;
        Counts storage c = _counts[r.borrower];
        ++c.loansRepaid;
        if (onTime) ++c.loansRepaidOnTime;
        emit RepaidRecorded(msg.sender, loanId, r.borrower, onTime);
    }

    /// @inheritdoc ICreditHistory
    function closeRecovered(uint256 loanId) external {
        Record storage r = _requireState(loanId, RecordState.Defaulted);
        r.state = RecordState.Closed;
        ++_counts[r.borrower].recoveries;
        emit RecoveryRecorded(msg.sender, loanId, r.borrower);
    }

    /// @inheritdoc ICreditHistory
    function closeWrittenOff(uint256 loanId, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Record storage r = _requireState(loanId, RecordState.Defaulted);
        r.state = RecordState.Closed;
        ++_counts[r.borrower].writeOffs;
        _amounts[r.borrower][r.asset].writtenOff += amount;
        emit WriteOffRecorded(msg.sender, loanId, r.borrower, r.asset, amount);
    }

    // ---------------------------------------------------------------- reads

    /// @notice Everything recorded about `borrower`: counts over all assets, amounts in `asset`.
    /// @param borrower Any address.
    /// @param asset The asset the amounts are given in (address 0 = CMT).
    /// @return s The summary (all zero for an address with no loans).
    function summary(address borrower, address asset) external view returns (Summary memory s) {
        Counts memory c = _counts[borrower];
        Dates memory d = _dates[borrower];
        Amounts memory a = _amounts[borrower][asset];
        s.loansTaken = c.loansTaken;
        // Every closed loan was first taken, and each closes once: the closed count never exceeds loansTaken.
        unchecked {
            s.openLoans = c.loansTaken - c.loansRepaid - c.recoveries - c.writeOffs;
        }
        s.loansRepaid = c.loansRepaid;
        s.loansRepaidOnTime = c.loansRepaidOnTime;
        s.latePayments = c.latePayments;
        s.defaults = c.defaults;
        s.recoveries = c.recoveries;
        s.writeOffs = c.writeOffs;
        s.uniqueLenders = c.uniqueLenders;
        s.firstLoanAt = d.firstLoanAt;
        s.lastLoanAt = d.lastLoanAt;
        s.lastLateAt = d.lastLateAt;
        s.lastDefaultAt = d.lastDefaultAt;
        s.borrowed = a.borrowed;
        s.repaid = a.repaid;
        s.recoveredFromCollateral = a.recoveredFromCollateral;
        s.writtenOff = a.writtenOff;
    }

    /// @notice The record `recorder` keeps for its loan `loanId` (state None if there is none).
    /// @param recorder The loan contract.
    /// @param loanId Its loan id.
    /// @return The record.
    function recordOf(address recorder, uint256 loanId) external view returns (Record memory) {
        return _records[recorder][loanId];
    }

    /// @notice Whether `borrower` ever took a loan from `lender`.
    /// @param borrower The borrower.
    /// @param lender The lender.
    /// @return True after the first recorded loan between them.
    function hasBorrowedFrom(address borrower, address lender) external view returns (bool) {
        return _borrowedFrom[borrower][lender];
    }

    // ---------------------------------------------------------------- internals

    function _requireState(uint256 loanId, RecordState expected) private view returns (Record storage r) {
        r = _records[msg.sender][loanId];
        if (r.state != expected) _wrongState(loanId, r.state);
    }

    function _wrongState(uint256 loanId, RecordState state) private view {
        revert WrongRecordState(msg.sender, loanId, state);
    }
}
