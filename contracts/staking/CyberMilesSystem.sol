// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IGovernance} from "./IGovernance.sol";
import {IStaking} from "./IStaking.sol";

/// @title CyberMilesSystem
/// @notice The fixed addresses of the chain's system accounts (src/staking/layout.ts), so a contract writes
///         `CyberMilesSystem.STAKING.delegate{value: v}(candidate)` instead of repeating a literal address.
library CyberMilesSystem {
    /// @notice The staking contract; its balance is all bonded stake and unpaid rewards.
    IStaking internal constant STAKING = IStaking(0x0000000000000000000000000000000000001000);
    /// @notice Where slashed stake goes; spent only by approved transfer proposals. Not a contract.
    address internal constant COMMUNITY_POOL = 0x0000000000000000000000000000000000001001;
    /// @notice The governance contract.
    IGovernance internal constant GOVERNANCE = IGovernance(0x0000000000000000000000000000000000001002);
    /// @notice 1 as a rate: commissions and ratio parameters are fixed-point with 18 decimals.
    uint256 internal constant RATE_ONE = 1e18;
}
