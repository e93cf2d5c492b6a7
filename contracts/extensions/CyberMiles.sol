// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title CyberMiles chain extensions
/// @notice Wrappers over the chain's extensions contract at 0x…1003, native code that standard solc calls
/// like any contract: validator membership, consensus randomness, JSON field lookup. Every call is a
/// staticcall, so the wrappers work in view functions; a failure is bubbled up with its custom error.
library CyberMiles {
    /// @notice The chain extensions contract (docs/adr/0015-chain-extensions.md).
    address internal constant EXTENSIONS = 0x0000000000000000000000000000000000001003;

    /// @notice The extensions contract answered with something that is not the expected return data.
    error ExtensionUnavailable(bytes4 selector);

    /// @notice Whether `owner` owns a validator of the current set, or a backup validator.
    /// @param owner The candidate's owner address (the account that declared the candidacy).
    /// @return validator True for a member of the set that signs blocks now.
    /// @return backup True for a backup of the current election.
    function isValidator(address owner) internal view returns (bool validator, bool backup) {
        bytes memory ret = _call(abi.encodeWithSignature("isValidator(address)", owner), 64);
        return abi.decode(ret, (bool, bool));
    }

    /// @notice Randomness from consensus, different for every caller contract in a block. No transaction
    /// sender can choose it; the block's proposer can bias it within limits (see the ADR): do not use it
    /// where a proposer would gain more than a block's rewards by grinding.
    /// @return value 32 random bytes for this block and this caller.
    function randomness() internal view returns (bytes32 value) {
        bytes memory ret = _call(abi.encodeWithSignature("randomness()"), 32);
        return abi.decode(ret, (bytes32));
    }

    /// @notice The value at `path` (keys separated by ".", array items as [i]) in the JSON text `json`.
    /// @param json A JSON text (RFC 8259).
    /// @param path For example "rates.EU[2].price"; "" is the whole text.
    /// @return found False when the path leads nowhere.
    /// @return value A string value unescaped; any other value as its JSON text, digit for digit.
    function jsonLookup(string memory json, string memory path) internal view returns (bool found, string memory value) {
        bytes memory ret = _call(abi.encodeWithSignature("jsonLookup(string,string)", json, path), 96);
        return abi.decode(ret, (bool, string));
    }

    function _call(bytes memory data, uint256 minLength) private view returns (bytes memory ret) {
        bool ok;
        (ok, ret) = EXTENSIONS.staticcall(data);
        if (!ok) {
            // bubble the extension's custom error (InvalidJson, InvalidPath, ...) to the caller
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        if (ret.length < minLength) revert ExtensionUnavailable(bytes4(data));
    }
}
