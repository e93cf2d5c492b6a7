// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestToken
/// @notice A plain OpenZeppelin ERC-20 for tests and benchmarks, with two functions that always revert so
///         tests can check how the node reports a revert reason string and a custom error.
contract TestToken is ERC20 {
    /// @notice Thrown by {restricted} for every caller.
    /// @param who The caller that was refused.
    error NotAllowed(address who);

    /// @notice Mints `initialSupply` (in the token's smallest unit, 18 decimals) to the deployer.
    /// @param initialSupply The amount minted to `msg.sender`.
    constructor(uint256 initialSupply) ERC20("Test Token", "TT") {
        _mint(msg.sender, initialSupply);
    }

    /// @notice Always reverts with the reason string "TestToken: always fails" (an `Error(string)` revert).
    function failWithReason() external pure {
        require(false, "TestToken: always fails");
    }

    /// @notice Always reverts with the custom error {NotAllowed} carrying the caller's address.
    function restricted() external view {
        revert NotAllowed(msg.sender);
    }
}
