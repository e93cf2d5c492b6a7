// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CyberMiles} from "../../extensions/CyberMiles.sol";

/// @notice Test contract: uses every extension through the library, stores what a transaction saw, and
/// tries the calls the extensions must refuse (DELEGATECALL, sending value).
contract ExtensionsUser {
    bytes32 public lastRandomness;
    string public lastValue;
    bool public lastFound;

    event Seen(bytes32 randomness);

    /// @notice Only a validator or backup may report (an oracle gate).
    function report(address owner) external view returns (bool) {
        (bool validator, bool backup) = CyberMiles.isValidator(owner);
        return validator || backup;
    }

    function seat(address owner) external view returns (bool, bool) {
        return CyberMiles.isValidator(owner);
    }

    function draw() external returns (bytes32 r) {
        r = CyberMiles.randomness();
        lastRandomness = r;
        emit Seen(r);
    }

    function peek() external view returns (bytes32) {
        return CyberMiles.randomness();
    }

    function lookup(string calldata json, string calldata path) external view returns (bool, string memory) {
        return CyberMiles.jsonLookup(json, path);
    }

    function lookupAndStore(string calldata json, string calldata path) external {
        (lastFound, lastValue) = CyberMiles.jsonLookup(json, path);
    }

    function delegated() external returns (bool ok) {
        (ok, ) = CyberMiles.EXTENSIONS.delegatecall(abi.encodeWithSignature("randomness()"));
    }

    function withValue() external payable returns (bool ok, bytes memory ret) {
        (ok, ret) = CyberMiles.EXTENSIONS.call{value: msg.value}(abi.encodeWithSignature("randomness()"));
    }
}
