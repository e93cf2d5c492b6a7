// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title SettlementVault
/// @notice The money plumbing shared by the settlement contracts (escrows, payment channels, checks, order book).
/// @dev Assets: native CMT is `NATIVE` (address(0)) and moves as `msg.value`; any other asset is an ERC-20 moved
///      with SafeERC20. Tokens that deliver less than asked (fee-on-transfer) are rejected by measuring the
///      balance before and after every transfer in; rebasing tokens are not supported.
///
///      Who gets paid how: a payout to the account that called the function is pushed at the end of that
///      function (if it fails, only the caller's own transaction fails); a payout to anyone else is credited to
///      {owed} and taken with {withdraw}, so a counterparty that rejects payments can never block a transition.
///
///      Solvency: {liabilities} is everything the contract owes in an asset (escrowed plus owed). Every function
///      that moves value ends with {_assertSolvent} for the assets it touched, which reverts unless the
///      contract's balance covers its liabilities.
abstract contract SettlementVault is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The sentinel address that stands for native CMT (the chain coin, `msg.value`).
    address public constant NATIVE = address(0);

    /// @notice What `account` can withdraw of `asset` with {withdraw}.
    mapping(address account => mapping(address asset => uint256 amount)) public owed;

    /// @notice Everything this contract owes in `asset`: funds held for open objects plus {owed} balances.
    mapping(address asset => uint256 amount) public liabilities;

    /// @notice `asset` is neither NATIVE nor an address with code.
    error NotAToken(address asset);
    /// @notice A token transfer in delivered `received` instead of `expected` (fee-on-transfer or rebasing).
    error FeeOnTransferToken(address token, uint256 expected, uint256 received);
    /// @notice CMT was sent with a call that moves a token.
    error UnexpectedValue(uint256 sent);
    /// @notice `msg.value` is not what the call needs.
    error ValueMismatch(uint256 expected, uint256 sent);
    /// @notice Sending native CMT to `to` failed.
    error NativeTransferFailed(address to, uint256 amount);
    /// @notice The caller has nothing owed in `asset`.
    error NothingToWithdraw(address asset);
    /// @notice The contract's balance of `asset` no longer covers what it owes; the transaction is undone.
    error Insolvent(address asset, uint256 balance, uint256 liabilities);
    /// @notice A required address is zero.
    error ZeroAddress();
    /// @notice A required amount is zero.
    error ZeroAmount();

    /// @notice `amount` of `asset` was credited to `account`'s {owed} balance.
    event Credited(address indexed account, address indexed asset, uint256 amount);
    /// @notice `account` withdrew `amount` of `asset`.
    event Withdrawn(address indexed account, address indexed asset, uint256 amount);

    /// @notice Sends the caller everything it is owed in `asset` (pull payment).
    /// @param asset NATIVE for CMT or an ERC-20 address.
    /// @return amount What was sent.
    function withdraw(address asset) external nonReentrant returns (uint256 amount) {
        amount = owed[msg.sender][asset];
        if (amount == 0) revert NothingToWithdraw(asset);
        owed[msg.sender][asset] = 0;
        liabilities[asset] -= amount;
        emit Withdrawn(msg.sender, asset, amount);
        _push(msg.sender, asset, amount);
        _assertSolvent(asset);
    }

    /// @dev Reverts unless `asset` is NATIVE or has code (a token address must be a contract).
    function _requireAsset(address asset) internal view {
        if (asset != NATIVE && asset.code.length == 0) revert NotAToken(asset);
    }

    /// @dev Takes exactly `amount` of `asset` from the caller: `msg.value` must equal it for CMT and be zero for
    ///      a token. Does not touch {liabilities}; the caller records what the funds are for.
    function _collect(address asset, uint256 amount) internal {
        if (asset == NATIVE) {
            if (msg.value != amount) revert ValueMismatch(amount, msg.value);
        } else {
            if (msg.value != 0) revert UnexpectedValue(msg.value);
            if (amount != 0) _pullToken(asset, msg.sender, amount);
        }
    }

    /// @dev transferFrom with balance-delta accounting: reverts unless exactly `amount` arrived.
    function _pullToken(address token, address from, uint256 amount) internal {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(from, address(this), amount);
        uint256 afterwards = IERC20(token).balanceOf(address(this));
        uint256 received = afterwards > before ? afterwards - before : 0;
        if (received != amount) revert FeeOnTransferToken(token, amount, received);
    }

    /// @dev Sends `amount` of `asset` from this contract to `to` now. Call it last (checks-effects-interactions).
    function _push(address to, address asset, uint256 amount) internal {
        if (amount == 0) return;
        if (asset == NATIVE) {
            (bool ok, ) = to.call{value: amount}("");
            if (!ok) revert NativeTransferFailed(to, amount);
        } else {
            IERC20(asset).safeTransfer(to, amount);
        }
    }

    /// @dev Adds `amount` to `account`'s {owed} balance (and to {liabilities}).
    function _credit(address account, address asset, uint256 amount) internal {
        if (amount == 0) return;
        owed[account][asset] += amount;
        liabilities[asset] += amount;
        emit Credited(account, asset, amount);
    }

    /// @dev Pays out `amount` of `asset` that the contract held for an object: pushed when `to` is the caller,
    ///      credited to {owed} otherwise. The caller must already have taken `amount` off {liabilities}. When it
    ///      pushes it is an interaction: call it last.
    function _payOrCredit(address to, address asset, uint256 amount) internal {
        if (to == msg.sender) _push(to, asset, amount);
        else _credit(to, asset, amount);
    }

    /// @dev The one solvency gate every value-moving function ends with.
    function _assertSolvent(address asset) internal view {
        uint256 balance = asset == NATIVE ? address(this).balance : IERC20(asset).balanceOf(address(this));
        uint256 owes = liabilities[asset];
        if (balance < owes) revert Insolvent(asset, balance, owes);
    }
}
