// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// Ether held for a beneficiary until a point in time: a timestamp clock, as OpenZeppelin's TimelockController
/// and VestingWallet use. It reverts in each shape tools decode: custom errors (OpenZeppelin's naming style),
/// a require string and a panic.
contract TimelockVault {
    error TimelockVaultTooEarly(uint256 timestamp, uint256 releaseTime);
    error TimelockVaultUnauthorized(address account);

    event Deposited(address indexed from, uint256 amount);
    event Released(address indexed to, uint256 amount);

    address public immutable beneficiary;
    uint256 public immutable releaseTime;

    constructor(address beneficiary_, uint256 releaseTime_) {
        require(releaseTime_ > block.timestamp, "TimelockVault: release time is in the past");
        beneficiary = beneficiary_;
        releaseTime = releaseTime_;
    }

    function deposit() external payable {
        require(msg.value > 0, "TimelockVault: nothing to deposit");
        emit Deposited(msg.sender, msg.value);
    }

    function release() external {
        if (msg.sender != beneficiary) revert TimelockVaultUnauthorized(msg.sender);
        if (block.timestamp < releaseTime) revert TimelockVaultTooEarly(block.timestamp, releaseTime);
        uint256 amount = address(this).balance;
        emit Released(beneficiary, amount);
        (bool ok, ) = beneficiary.call{value: amount}("");
        require(ok, "TimelockVault: transfer failed");
    }

    /// What a call sees as "now": tells whether eth_call runs in the next block's time.
    function isReleasable() external view returns (bool) {
        return block.timestamp >= releaseTime;
    }

    /// One of `parts` equal shares of the balance; zero parts is a division by zero (Panic(0x12)).
    function share(uint256 parts) external view returns (uint256) {
        return address(this).balance / parts;
    }
}
