// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title VestingSchedule
/// @notice Holds `total` units of one ERC-20 for one beneficiary and lets them out linearly between `start` and
///         `start + duration`, with nothing before the cliff (`start + cliffDuration`); at the cliff the linear
///         amount accrued since `start` becomes available at once (OpenZeppelin VestingWalletCliff semantics).
///         Anyone may call {release}, which always pays the beneficiary. When created with a revoker, the
///         revoker may {revoke} once: the unvested part goes back to the revoker, the part vested so far stays
///         releasable to the beneficiary, and nothing vests afterwards. Without a revoker the schedule cannot
///         be changed by anyone.
/// @dev An ERC-1167 clone set up by {TokenFactory} in the transaction that creates and funds it; the
///      implementation disables its initialisers. The only ways tokens leave are {release} (to the beneficiary,
///      at most what has vested) and {revoke} (to the revoker, exactly what has not vested); both end with a
///      check that the remaining balance still covers what is owed. Tokens sent here outside the funding are
///      not part of the schedule and stay here.
contract VestingSchedule is Initializable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The vested token.
    IERC20 public token;
    /// @notice Who receives vested tokens.
    address public beneficiary;
    /// @notice Who may revoke (zero: irrevocable).
    address public revoker;
    /// @notice When vesting starts.
    uint64 public start;
    /// @notice Seconds after `start` before anything is releasable.
    uint64 public cliffDuration;
    /// @notice Seconds from `start` until everything has vested.
    uint64 public duration;
    /// @notice When the schedule was revoked (0: not revoked).
    uint64 public revokedAt;
    /// @notice The amount granted.
    uint256 public total;
    /// @notice The amount released so far.
    uint256 public released;

    /// @notice The schedule was set up.
    event ScheduleInitialized(
        address indexed token,
        address indexed beneficiary,
        address indexed revoker,
        uint64 start,
        uint64 cliffDuration,
        uint64 duration,
        uint256 total
    );
    /// @notice `amount` vested tokens were sent to the beneficiary.
    event Released(address indexed beneficiary, uint256 amount);
    /// @notice The revoker ended the schedule; `unvested` went back to it, `vested` stays for the beneficiary.
    event ScheduleRevoked(address indexed revoker, uint256 vested, uint256 unvested);

    /// @notice The zero address was given where an account is required.
    error ZeroAddress();
    /// @notice `token` has no code.
    error NotAToken(address token);
    /// @notice `duration` is 0 or the cliff is longer than the duration.
    error BadSchedule(uint64 cliffDuration, uint64 duration);
    /// @notice The grant is 0.
    error ZeroAmount();
    /// @notice The schedule holds less than the grant.
    error Unfunded(uint256 balance, uint256 required);
    /// @notice Nothing has vested beyond what was released.
    error NothingToRelease();
    /// @notice The schedule has no revoker.
    error NotRevocable();
    /// @notice Only the revoker may revoke.
    error NotRevoker(address caller);
    /// @notice The schedule was already revoked.
    error AlreadyRevoked();
    /// @notice Everything has vested already; there is nothing to take back.
    error FullyVested();
    /// @notice The balance no longer covers what the schedule owes (a token that lost balance): refused.
    error Insolvent(uint256 balance, uint256 owed);

    /// @notice Deploys the implementation; it can never be initialised (clones are).
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets the clone up; the tokens must already be here. Called once, in the creating transaction.
    /// @param token_ The vested token.
    /// @param beneficiary_ Who receives vested tokens.
    /// @param start_ When vesting starts (may be in the past).
    /// @param cliffDuration_ Seconds after start before anything is releasable (at most `duration_`).
    /// @param duration_ Seconds from start to fully vested (not 0).
    /// @param total_ The grant.
    /// @param revoker_ Who may revoke, or zero for an irrevocable schedule.
    function initialize(
        IERC20 token_,
        address beneficiary_,
        uint64 start_,
        uint64 cliffDuration_,
        uint64 duration_,
        uint256 total_,
        address revoker_
    ) external initializer {
        if (address(token_).code.length == 0) revert NotAToken(address(token_));
        if (beneficiary_ == address(0)) revert ZeroAddress();
        if (duration_ == 0 || cliffDuration_ > duration_) revert BadSchedule(cliffDuration_, duration_);
        if (total_ == 0) revert ZeroAmount();
        uint256 balance = token_.balanceOf(address(this));
        if (balance < total_) revert Unfunded(balance, total_);
        token = token_;
        beneficiary = beneficiary_;
        revoker = revoker_;
        start = start_;
        cliffDuration = cliffDuration_;
        duration = duration_;
        total = total_;
        emit ScheduleInitialized(address(token_), beneficiary_, revoker_, start_, cliffDuration_, duration_, total_);
    }

    /// @notice Sends everything vested and not yet released to the beneficiary. Anyone may call it.
    /// @return amount What was sent.
    function release() external nonReentrant returns (uint256 amount) {
        amount = releasable();
        if (amount == 0) revert NothingToRelease();
        released += amount;
        emit Released(beneficiary, amount);
        token.safeTransfer(beneficiary, amount);
        _assertSolvent();
    }

    /// @notice The revoker ends the schedule now: what has not vested goes back to the revoker; what has vested
    ///         stays releasable. Irreversible.
    function revoke() external nonReentrant {
        address revoker_ = revoker;
        if (revoker_ == address(0)) revert NotRevocable();
        if (msg.sender != revoker_) revert NotRevoker(msg.sender);
        if (revokedAt != 0) revert AlreadyRevoked();
        uint256 vested = vestedAmount(uint64(block.timestamp));
        uint256 unvested = total - vested;
        if (unvested == 0) revert FullyVested();
        revokedAt = uint64(block.timestamp);
        emit ScheduleRevoked(revoker_, vested, unvested);
        token.safeTransfer(revoker_, unvested);
        _assertSolvent();
    }

    /// @notice What has vested by `timestamp` (in total, released or not). Never decreases with time, never
    ///         exceeds {total}; after a revocation it stays at what had vested when it was revoked.
    /// @param timestamp A point in time.
    /// @return The vested amount.
    function vestedAmount(uint64 timestamp) public view returns (uint256) {
        uint256 t = timestamp;
        uint64 revoked = revokedAt;
        if (revoked != 0 && t > revoked) t = revoked;
        uint256 begin = start;
        if (t < begin + cliffDuration) return 0;
        if (t >= begin + duration) return total;
        // begin <= begin + cliffDuration <= t here, so t - begin does not underflow; it is below duration.
        return Math.mulDiv(total, t - begin, duration);
    }

    /// @notice What {release} would send now.
    /// @return Vested minus released.
    function releasable() public view returns (uint256) {
        return vestedAmount(uint64(block.timestamp)) - released;
    }

    /// @notice What the schedule still owes: to the beneficiary (and, unless revoked, to vest in the future).
    /// @return The amount the balance must cover.
    function owed() public view returns (uint256) {
        uint256 entitled = revokedAt == 0 ? total : vestedAmount(revokedAt);
        return entitled - released;
    }

    function _assertSolvent() private view {
        uint256 balance = token.balanceOf(address(this));
        uint256 due = owed();
        if (balance < due) revert Insolvent(balance, due);
    }
}
