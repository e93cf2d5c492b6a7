// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title MaliciousReceiver
/// @notice Test-only contract account that acts as a party (through {execute}) and misbehaves when it receives
///         CMT: it accepts, rejects (reverts), or re-enters a configured target once with configured calldata,
///         recording the outcome.
contract MaliciousReceiver {
    enum Mode {
        Accept,
        Reject,
        Reenter
    }

    Mode public mode;
    address public target;
    bytes public payload;
    bool public attempted;
    bool public lastOk;
    bytes public lastReturn;

    /// @notice The re-entry call to `target` returned `ok` with `returnData`.
    event ReentryAttempt(address target, bool ok, bytes returnData);

    /// @notice Sets how {receive} behaves; `target_`/`payload_` are used in Reenter mode.
    function configure(Mode mode_, address target_, bytes calldata payload_) external {
        mode = mode_;
        target = target_;
        payload = payload_;
        attempted = false;
    }

    /// @notice Calls `to` with `value` and `data` as this contract, bubbling a revert (test only: no access control).
    function execute(address to, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = to.call{value: value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    receive() external payable {
        if (mode == Mode.Reject) revert("MaliciousReceiver: rejected");
        if (mode == Mode.Reenter && !attempted) {
            attempted = true;
            (bool ok, bytes memory ret) = target.call(payload);
            lastOk = ok;
            lastReturn = ret;
            emit ReentryAttempt(target, ok, ret);
        }
    }
}

/// @title MockContractSigner
/// @notice Test-only ERC-1271 signer (a smart wallet): a digest is valid once it has been approved.
contract MockContractSigner is IERC1271 {
    mapping(bytes32 digest => bool) public approved;

    /// @notice Marks `digest` as signed.
    function approve(bytes32 digest) external {
        approved[digest] = true;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 digest, bytes calldata) external view returns (bytes4) {
        return approved[digest] ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}
