// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Actor} from "../shared/Actor.sol";

/// @title MiscActor
/// @notice The shared test {Actor} (a ticket buyer, reseller, payee or coin holder that is a contract) that is
///         also an ERC-1271 account: it approves exactly the hashes its owner signed (or, with
///         {setApproveAll}, everything).
contract MiscActor is Actor {
    /// @notice Whether isValidSignature approves any signature.
    bool public approveAll;

    /// @notice Switches approving every signature on or off.
    /// @param all Whether isValidSignature approves anything.
    function setApproveAll(bool all) external onlyOwner {
        approveAll = all;
    }

    /// @notice ERC-1271: valid when the owner signed `hash` (or approveAll is on).
    /// @param hash The digest.
    /// @param signature The owner's signature.
    /// @return The ERC-1271 magic value, or 0xffffffff.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (approveAll) return this.isValidSignature.selector;
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == owner ? this.isValidSignature.selector : bytes4(0xffffffff);
    }
}
