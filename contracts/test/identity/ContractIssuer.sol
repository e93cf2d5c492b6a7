// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title ContractIssuer
/// @notice Test-only issuer that is a contract (a multisig or a KYC provider's wallet). Its owner drives it
///         through {exec} (direct attestations) and approves digests it will accept as "signed" through ERC-1271.
///         A mode makes {isValidSignature} misbehave: answer a wrong magic value, revert, or return no data.
contract ContractIssuer is IERC1271 {
    /// @notice How {isValidSignature} answers.
    enum Mode {
        Honest,
        WrongMagic,
        Revert,
        Empty
    }

    /// @notice The account allowed to call {exec} and the setters.
    address public immutable owner;
    /// @notice Current answer mode.
    Mode public mode;
    /// @notice Digests this issuer accepts.
    mapping(bytes32 digest => bool) public approved;

    /// @notice A caller other than the owner.
    error NotOwner();
    /// @notice Thrown by {isValidSignature} in mode Revert.
    error Refused();

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    /// @notice Calls `target` with `data`, bubbling up a revert.
    /// @param target The contract to call.
    /// @param data The calldata.
    /// @return ret The call's return data.
    function exec(address target, bytes calldata data) external onlyOwner returns (bytes memory ret) {
        bool ok;
        (ok, ret) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }

    /// @notice Accepts (or stops accepting) `digest` as signed.
    /// @param digest The EIP-712 digest.
    /// @param ok Whether it is accepted.
    function approveDigest(bytes32 digest, bool ok) external onlyOwner {
        approved[digest] = ok;
    }

    /// @notice Sets how {isValidSignature} answers.
    /// @param mode_ The mode.
    function setMode(Mode mode_) external onlyOwner {
        mode = mode_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes memory) external view returns (bytes4) {
        Mode m = mode;
        if (m == Mode.Revert) revert Refused();
        if (m == Mode.Empty) {
            assembly ("memory-safe") {
                return(0, 0)
            }
        }
        if (m == Mode.WrongMagic) return 0xdeadbeef;
        return approved[hash] ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}
