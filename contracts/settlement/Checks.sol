// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SettlementVault} from "./SettlementVault.sol";

/// @title Checks
/// @notice XRP Ledger style checks: deferred pull payments that reserve nothing. A sender writes a check for up to
///         `sendMax` of an asset to a destination; the destination cashes it once, for an exact amount or for
///         "at least `deliverMin`" (then it gets as much as is available, up to `sendMax`). Cashing fails, and
///         can be retried until expiry, when the sender lacks funds.
/// @dev Where the money comes from: a token check draws on the sender's wallet through its ERC-20 allowance to
///      this contract (so funds stay with the sender until cashed); a CMT check draws on the sender's CMT balance
///      deposited here with {deposit} (native coins cannot be pulled from a wallet). That balance is the
///      sender's {owed} balance: withdrawable at any time, shared by all its CMT checks, never reserved.
///
///      State machine: Open -> Cashed (destination only, `now < expiration`) or Open -> Cancelled (sender or
///      destination at any time; anyone from `expiration` on). Every check has an expiration.
contract Checks is SettlementVault {
    using SafeERC20 for IERC20;

    /// @notice Lifecycle of a check.
    enum Status {
        None,
        Open,
        Cashed,
        Cancelled
    }

    /// @notice One check; immutable except for `status`.
    struct Check {
        address sender;
        uint64 expiration;
        Status status;
        address destination;
        address asset;
        uint256 sendMax;
        bytes32 invoiceId;
    }

    /// @notice Number of checks written; check ids are 1..checkCount.
    uint256 public checkCount;

    mapping(uint256 id => Check) private _checks;

    /// @notice A check to oneself.
    error SelfCheck();
    /// @notice The expiration is not in the future.
    error InvalidExpiration(uint64 expiration);
    /// @notice Check `id` is not open (unknown, cashed or cancelled).
    error CheckNotOpen(uint256 id, Status status);
    /// @notice Only the destination may cash.
    error NotDestination(uint256 id, address caller);
    /// @notice The check expired at `expiration`; it can only be cancelled.
    error CheckExpired(uint256 id, uint64 expiration);
    /// @notice The amount asked is above the check's `sendMax`.
    error AmountExceedsSendMax(uint256 id, uint256 amount, uint256 sendMax);
    /// @notice The sender has only `available` (balance, allowance or deposit) of the `needed` amount.
    error InsufficientFunds(uint256 id, uint256 available, uint256 needed);
    /// @notice Before expiry only the sender or the destination may cancel.
    error NotAuthorized(uint256 id, address caller);

    /// @notice Check `id` was written.
    event CheckCreated(
        uint256 indexed id,
        address indexed sender,
        address indexed destination,
        address asset,
        uint256 sendMax,
        uint64 expiration,
        bytes32 invoiceId
    );
    /// @notice Check `id` was cashed; `delivered` is what the destination received.
    event CheckCashed(uint256 indexed id, address indexed destination, address asset, uint256 delivered);
    /// @notice Check `id` was cancelled by `caller`.
    event CheckCancelled(uint256 indexed id, address indexed caller);

    /// @notice Writes a check to `destination` for up to `sendMax` of `asset`. Nothing is reserved.
    /// @param destination Who may cash it.
    /// @param asset NATIVE (address(0)) for CMT drawn on the caller's deposit here, or an ERC-20 drawn on the
    ///        caller's allowance to this contract.
    /// @param sendMax The most the check can ever pay.
    /// @param expiration When it expires (unix seconds, in the future).
    /// @param invoiceId An arbitrary reference for the payment (0 for none).
    /// @return id The new check's id.
    function create(
        address destination,
        address asset,
        uint256 sendMax,
        uint64 expiration,
        bytes32 invoiceId
    ) external returns (uint256 id) {
        if (destination == address(0)) revert ZeroAddress();
        if (destination == msg.sender) revert SelfCheck();
        if (sendMax == 0) revert ZeroAmount();
        _requireAsset(asset);
        if (expiration <= block.timestamp) revert InvalidExpiration(expiration);
        id = ++checkCount;
        _checks[id] = Check({
            sender: msg.sender,
            expiration: expiration,
            status: Status.Open,
            destination: destination,
            asset: asset,
            sendMax: sendMax,
            invoiceId: invoiceId
        });
        emit CheckCreated(id, msg.sender, destination, asset, sendMax, expiration, invoiceId);
    }

    /// @notice Adds `msg.value` CMT to the caller's balance here, which its CMT checks draw on. Take it back with
    ///         {withdraw}.
    function deposit() external payable nonReentrant {
        if (msg.value == 0) revert ZeroAmount();
        _credit(msg.sender, NATIVE, msg.value);
        _assertSolvent(NATIVE);
    }

    /// @notice Cashes check `id` for exactly `amount` (destination only, before expiry). Reverts with
    ///         {InsufficientFunds} if the sender cannot pay it now; the check stays open for a retry.
    /// @param id The check.
    /// @param amount The exact amount to receive (1..sendMax).
    function cash(uint256 id, uint256 amount) external nonReentrant {
        Check storage c = _cashable(id);
        if (amount == 0) revert ZeroAmount();
        if (amount > c.sendMax) revert AmountExceedsSendMax(id, amount, c.sendMax);
        uint256 available = _available(c);
        if (available < amount) revert InsufficientFunds(id, available, amount);
        _pay(id, c, amount);
    }

    /// @notice Cashes check `id` for as much as the sender can pay now, up to `sendMax`, but at least
    ///         `deliverMin` (destination only, before expiry).
    /// @param id The check.
    /// @param deliverMin The least the destination accepts (1..sendMax).
    /// @return delivered What the destination received.
    function cashAtLeast(uint256 id, uint256 deliverMin) external nonReentrant returns (uint256 delivered) {
        Check storage c = _cashable(id);
        if (deliverMin == 0) revert ZeroAmount();
        if (deliverMin > c.sendMax) revert AmountExceedsSendMax(id, deliverMin, c.sendMax);
        uint256 available = _available(c);
        if (available < deliverMin) revert InsufficientFunds(id, available, deliverMin);
        delivered = available < c.sendMax ? available : c.sendMax;
        _pay(id, c, delivered);
    }

    /// @notice Cancels check `id`: the sender or destination at any time, anyone from its expiration on.
    /// @param id The check.
    function cancel(uint256 id) external {
        Check storage c = _checks[id];
        if (c.status != Status.Open) revert CheckNotOpen(id, c.status);
        if (block.timestamp < c.expiration && msg.sender != c.sender && msg.sender != c.destination) {
            revert NotAuthorized(id, msg.sender);
        }
        c.status = Status.Cancelled;
        emit CheckCancelled(id, msg.sender);
    }

    /// @notice Check `id` (all zero for an unknown id).
    /// @param id The check.
    /// @return The stored check.
    function getCheck(uint256 id) external view returns (Check memory) {
        return _checks[id];
    }

    /// @notice How much check `id` could pay right now (0 unless open and unexpired), capped at its sendMax.
    /// @param id The check.
    /// @return The amount.
    function cashable(uint256 id) external view returns (uint256) {
        Check storage c = _checks[id];
        if (c.status != Status.Open || block.timestamp >= c.expiration) return 0;
        uint256 available = _available(c);
        return available < c.sendMax ? available : c.sendMax;
    }

    function _cashable(uint256 id) private view returns (Check storage c) {
        c = _checks[id];
        if (c.status != Status.Open) revert CheckNotOpen(id, c.status);
        if (msg.sender != c.destination) revert NotDestination(id, msg.sender);
        if (block.timestamp >= c.expiration) revert CheckExpired(id, c.expiration);
    }

    /// @dev What the sender can pay now: its CMT deposit here, or the smaller of its token balance and allowance.
    function _available(Check storage c) private view returns (uint256) {
        if (c.asset == NATIVE) return owed[c.sender][NATIVE];
        IERC20 token = IERC20(c.asset);
        uint256 balance = token.balanceOf(c.sender);
        uint256 allowance = token.allowance(c.sender, address(this));
        return balance < allowance ? balance : allowance;
    }

    /// @dev Marks the check cashed, then moves `amount` from the sender to the destination (the caller).
    function _pay(uint256 id, Check storage c, uint256 amount) private {
        c.status = Status.Cashed;
        (address sender, address asset) = (c.sender, c.asset);
        emit CheckCashed(id, msg.sender, asset, amount);
        if (asset == NATIVE) {
            owed[sender][NATIVE] -= amount;
            liabilities[NATIVE] -= amount;
            _push(msg.sender, NATIVE, amount);
            _assertSolvent(NATIVE);
        } else {
            IERC20 token = IERC20(asset);
            uint256 before = token.balanceOf(msg.sender);
            token.safeTransferFrom(sender, msg.sender, amount);
            uint256 afterwards = token.balanceOf(msg.sender);
            uint256 received = afterwards > before ? afterwards - before : 0;
            if (received != amount) revert FeeOnTransferToken(asset, amount, received);
        }
    }
}
