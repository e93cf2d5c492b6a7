// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Sponsored gas ("freegas")
/// @notice Wrappers over the chain's GasSponsor contract at 0x…1005: a contract opts in to paying the gas of
/// calls to it from a deposit, so its callers can send transactions at gas price 0 and need no CMT. Every
/// call is a plain call (no EXTCODESIZE check, so it works on any chain with the extension); a failure is
/// bubbled up with its custom error (BadPolicy, InsufficientDeposit, ...).
/// @dev See docs/adr/0016-sponsored-gas.md. Callers of a sponsored contract send ordinary signed
/// transactions with gas price 0 (or max fee per gas 0); the chain charges gas used x base fee to the
/// deposit and nothing to the caller. Contract creations at price 0 are refused.
library GasSponsor {
    /// @notice The GasSponsor contract (docs/adr/0016-sponsored-gas.md).
    address internal constant SPONSOR = 0x0000000000000000000000000000000000001005;

    /// @notice The GasSponsor contract answered with something that is not the expected return data.
    error SponsorUnavailable(bytes4 selector);

    /// @notice Opts this contract in: calls to it at gas price 0 are paid from its deposit.
    /// @param maxGasPerTx The largest gas limit a sponsored transaction may have (0 opts out).
    /// @param callerGasPerWindow Gas one caller may use per window.
    /// @param windowBlocks Blocks in a caller's window, from its first sponsored transaction.
    function optIn(uint256 maxGasPerTx, uint256 callerGasPerWindow, uint256 windowBlocks) internal {
        _call(abi.encodeWithSignature("setPolicy(uint256,uint256,uint256)", maxGasPerTx, callerGasPerWindow, windowBlocks), 0, 0);
    }

    /// @notice Opts this contract out: price-0 calls to it are refused again. The deposit stays withdrawable.
    function optOut() internal {
        _call(abi.encodeWithSignature("setPolicy(uint256,uint256,uint256)", 0, 0, 0), 0, 0);
    }

    /// @notice Adds `amount` wei of this contract's balance to the deposit of `target` (usually itself).
    function deposit(address target, uint256 amount) internal {
        _call(abi.encodeWithSignature("deposit(address)", target), amount, 0);
    }

    /// @notice Takes `amount` wei of this contract's deposit back into its balance.
    function withdraw(uint256 amount) internal {
        _call(abi.encodeWithSignature("withdraw(uint256)", amount), 0, 0);
    }

    /// @notice The deposit and policy of `target`.
    /// @return balance Wei deposited for `target`'s callers' gas.
    /// @return maxGasPerTx 0 when `target` does not sponsor.
    /// @return callerGasPerWindow Gas one caller may use per window.
    /// @return windowBlocks Blocks in a caller's window.
    function sponsorship(address target) internal view returns (uint256 balance, uint256 maxGasPerTx, uint256 callerGasPerWindow, uint256 windowBlocks) {
        bytes memory ret = _staticcall(abi.encodeWithSignature("sponsorship(address)", target), 128);
        return abi.decode(ret, (uint256, uint256, uint256, uint256));
    }

    /// @notice The gas `caller` used of `target`'s sponsorship in its current window.
    /// @return used Gas used in the window (0 when no window is open).
    /// @return windowStart The block the window opened at (0 when none is open).
    function callerUsage(address target, address caller) internal view returns (uint256 used, uint256 windowStart) {
        bytes memory ret = _staticcall(abi.encodeWithSignature("callerUsage(address,address)", target, caller), 64);
        return abi.decode(ret, (uint256, uint256));
    }

    function _call(bytes memory data, uint256 value, uint256 minLength) private returns (bytes memory ret) {
        bool ok;
        (ok, ret) = SPONSOR.call{value: value}(data);
        _check(ok, ret, data, minLength);
    }

    function _staticcall(bytes memory data, uint256 minLength) private view returns (bytes memory ret) {
        bool ok;
        (ok, ret) = SPONSOR.staticcall(data);
        _check(ok, ret, data, minLength);
    }

    function _check(bool ok, bytes memory ret, bytes memory data, uint256 minLength) private pure {
        if (!ok) {
            // bubble GasSponsor's custom error to the caller
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        if (ret.length < minLength) revert SponsorUnavailable(bytes4(data));
    }
}
