// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantToken
/// @notice Test-only ERC-20 that, once armed, makes one call of its choice from inside its next transfer
///         (a malicious token trying to re-enter whoever moves it: the marketplace, the loan book). The call
///         either bubbles its revert up or is recorded in {lastHookData} while the transfer goes on.
contract ReentrantToken is ERC20 {
    /// @notice Contract the hook calls.
    address public hookTarget;
    /// @notice Calldata of the hook call.
    bytes public hookData;
    /// @notice Whether a failing hook call reverts the transfer with the same data.
    bool public bubble;
    /// @notice Whether the next transfer runs the hook.
    bool public armed;
    /// @notice Number of hook calls made.
    uint256 public hookRuns;
    /// @notice Whether the last hook call succeeded.
    bool public lastHookSucceeded;
    /// @notice Return or revert data of the last hook call.
    bytes public lastHookData;

    /// @notice Mints `supply` to the deployer.
    /// @param supply Amount minted.
    constructor(uint256 supply) ERC20("Reentrant Token", "REENT") {
        _mint(msg.sender, supply);
    }

    /// @notice Arms the hook for the next transfer (one shot).
    /// @param target Contract to call.
    /// @param data Calldata.
    /// @param bubble_ Whether a failing call reverts the transfer.
    function arm(address target, bytes calldata data, bool bubble_) external {
        hookTarget = target;
        hookData = data;
        bubble = bubble_;
        armed = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (!armed || from == address(0)) return;
        armed = false;
        ++hookRuns;
        (bool ok, bytes memory ret) = hookTarget.call(hookData);
        if (!ok && bubble) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        lastHookSucceeded = ok;
        lastHookData = ret;
    }
}
