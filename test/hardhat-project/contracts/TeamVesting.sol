// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {VestingWallet} from "@openzeppelin/contracts/finance/VestingWallet.sol";

/// OpenZeppelin's VestingWallet as a project would deploy it: linear vesting on the block timestamp.
contract TeamVesting is VestingWallet {
    constructor(address beneficiary, uint64 startTimestamp, uint64 durationSeconds)
        payable
        VestingWallet(beneficiary, startTimestamp, durationSeconds)
    {}
}
