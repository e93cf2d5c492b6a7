// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GasSponsor} from "../../extensions/GasSponsor.sol";

/// @notice Test contract: a counter whose callers need no CMT. It opts in to sponsored gas at deployment
/// (maxGasPerTx 0 deploys it un-sponsored) and deposits the CMT sent with the deployment.
contract SponsoredCounter {
    address public immutable owner;
    mapping(address => uint256) public counts;

    event Counted(address indexed caller, uint256 count);

    error NotOwner(address sender);
    error Refused();

    constructor(uint256 maxGasPerTx, uint256 callerGasPerWindow, uint256 windowBlocks) payable {
        owner = msg.sender;
        if (maxGasPerTx != 0) GasSponsor.optIn(maxGasPerTx, callerGasPerWindow, windowBlocks);
        if (msg.value != 0) GasSponsor.deposit(address(this), msg.value);
    }

    /// @notice Counts one call of the sender.
    function increment() external {
        counts[msg.sender] += 1;
        emit Counted(msg.sender, counts[msg.sender]);
    }

    /// @notice Spends about `gas` gas, then counts (to use a known share of a caller's budget).
    function burn(uint256 gas) external {
        uint256 start = gasleft();
        while (start - gasleft() < gas) {}
        counts[msg.sender] += 1;
    }

    /// @notice Always reverts: a sponsored call that fails still pays its gas from the deposit.
    function refuse() external pure {
        revert Refused();
    }

    /// @notice The owner changes the policy (0 opts out).
    function setPolicy(uint256 maxGasPerTx, uint256 callerGasPerWindow, uint256 windowBlocks) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        GasSponsor.optIn(maxGasPerTx, callerGasPerWindow, windowBlocks);
    }

    /// @notice The owner takes `amount` of the deposit back and receives it.
    function withdrawDeposit(uint256 amount) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        GasSponsor.withdraw(amount);
        (bool ok, ) = owner.call{value: amount}("");
        if (!ok) revert Refused();
    }

    /// @notice This contract's deposit, as the library reads it.
    function deposit() external view returns (uint256 balance) {
        (balance, , , ) = GasSponsor.sponsorship(address(this));
    }

    receive() external payable {}
}
