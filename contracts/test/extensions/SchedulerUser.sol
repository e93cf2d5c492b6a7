// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

interface IScheduler {
    function schedule(address target, bytes calldata data, uint256 atHeight, uint256 gasLimit) external payable returns (uint256 id);
    function cancel(uint256 id) external;
}

/// @notice Test contract: schedules calls to itself through the chain's scheduler (0x…1004) and records
/// what the scheduled calls saw.
contract SchedulerUser {
    IScheduler internal constant SCHEDULER = IScheduler(0x0000000000000000000000000000000000001004);

    uint256 public ticks;
    address public lastSender;
    uint256 public lastBlock;
    uint256[] public ranAt;

    error NotTheScheduler(address sender);
    error Boom();

    function scheduleTick(uint256 atHeight, uint256 gasLimit) external payable returns (uint256) {
        return SCHEDULER.schedule{value: msg.value}(address(this), abi.encodeCall(this.tick, ()), atHeight, gasLimit);
    }

    function scheduleBoom(uint256 atHeight, uint256 gasLimit) external payable returns (uint256) {
        return SCHEDULER.schedule{value: msg.value}(address(this), abi.encodeCall(this.boom, ()), atHeight, gasLimit);
    }

    /// @notice A heavy call: burns most of its gas in a loop, then ticks.
    function scheduleHeavy(uint256 atHeight, uint256 gasLimit) external payable returns (uint256) {
        return SCHEDULER.schedule{value: msg.value}(address(this), abi.encodeCall(this.heavy, (gasLimit - 60_000)), atHeight, gasLimit);
    }

    function cancel(uint256 id) external {
        SCHEDULER.cancel(id);
    }

    function tick() external {
        if (msg.sender != address(SCHEDULER)) revert NotTheScheduler(msg.sender);
        ticks += 1;
        lastSender = msg.sender;
        lastBlock = block.number;
        ranAt.push(block.number);
    }

    function heavy(uint256 burn) external {
        uint256 start = gasleft();
        while (start - gasleft() < burn) {}
        ranAt.push(block.number);
    }

    function boom() external pure {
        revert Boom();
    }

    function ranCount() external view returns (uint256) {
        return ranAt.length;
    }

    receive() external payable {}
}
