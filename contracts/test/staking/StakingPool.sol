// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IStaking} from "../../staking/IStaking.sol";
import {CyberMilesSystem} from "../../staking/CyberMilesSystem.sol";

/// @notice Test contract: a contract that stakes (the staking contract sees it as the delegator), and one
/// that stakes and then reverts, whose delegation must vanish with the revert.
contract StakingPool {
    IStaking internal constant STAKING = CyberMilesSystem.STAKING;

    error Undone();

    function stake(address candidate) external payable {
        STAKING.delegate{value: msg.value}(candidate);
    }

    function stakeThenRevert(address candidate) external payable {
        STAKING.delegate{value: msg.value}(candidate);
        revert Undone();
    }

    /// @notice Stakes inside a call that fails, and carries on: the inner delegation is undone, this one stays.
    function stakeInFailedCall(address candidate) external payable {
        (bool ok, ) = address(this).call{value: msg.value / 2}(abi.encodeCall(this.stakeThenRevert, (candidate)));
        require(!ok, "the inner call must fail");
        STAKING.delegate{value: msg.value - msg.value / 2}(candidate);
    }

    function staked(address candidate) external view returns (uint256) {
        return STAKING.delegation(candidate, address(this));
    }

    /// @notice A write through STATICCALL: the staking contract must refuse it.
    function writeInStaticCall(address candidate) external view returns (bool ok, bytes memory ret) {
        (ok, ret) = address(STAKING).staticcall(abi.encodeCall(IStaking.withdraw, (candidate, 1)));
    }

    receive() external payable {}
}
