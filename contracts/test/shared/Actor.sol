// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Actor
/// @notice Test-only contract account that its owner drives through {exec}: any party that is a contract (a
///         buyer, seller, arbitrator, borrower, lender, contributor, beneficiary or revoker). When CMT arrives
///         it either refuses it ({setRejectCmt}) or makes one call of its choice ({setHook}) to try to re-enter
///         the payer, recording the outcome instead of reverting.
contract Actor {
    /// @notice The account allowed to call {exec} and the setters.
    address public immutable owner;
    /// @notice Contract the receive hook calls (zero: no hook).
    address public hookTarget;
    /// @notice Calldata of the hook call.
    bytes public hookData;
    /// @notice Whether receiving CMT reverts.
    bool public rejectCmt;
    /// @notice Number of times the hook ran.
    uint256 public hookRuns;
    /// @notice Whether the last hook call succeeded.
    bool public lastHookSucceeded;
    /// @notice Return or revert data of the last hook call.
    bytes public lastHookData;

    /// @notice A caller other than the owner.
    error NotOwner();
    /// @notice Receiving CMT is switched off.
    error CmtRejected();

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    /// @notice Calls `target` with `data` and the CMT sent along, bubbling up a revert.
    /// @param target The contract to call.
    /// @param data The calldata.
    /// @return ret The call's return data.
    function exec(address target, bytes calldata data) external payable onlyOwner returns (bytes memory ret) {
        bool ok;
        (ok, ret) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }

    /// @notice Arms the receive hook (one shot).
    /// @param target Contract to call.
    /// @param data Calldata.
    function setHook(address target, bytes calldata data) external onlyOwner {
        hookTarget = target;
        hookData = data;
    }

    /// @notice Switches refusing CMT on or off.
    /// @param reject Whether receiving CMT reverts.
    function setRejectCmt(bool reject) external onlyOwner {
        rejectCmt = reject;
    }

    /// @notice Accepts CMT, unless refusing; runs the armed hook once (its outcome is recorded, not bubbled).
    receive() external payable {
        if (rejectCmt) revert CmtRejected();
        address target = hookTarget;
        if (target == address(0)) return;
        hookTarget = address(0);
        ++hookRuns;
        (bool ok, bytes memory ret) = target.call(hookData);
        lastHookSucceeded = ok;
        lastHookData = ret;
    }
}
