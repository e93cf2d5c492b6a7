// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title IArbitrator
/// @notice What an arbitrable contract (an escrow) needs from a dispute-resolution service. A dispute is keyed
///         by the calling arbitrable and its own local id (an order id), so the arbitrable never has to store
///         the arbitrator's dispute id. Rulings come back through {IArbitrable}.
interface IArbitrator {
    /// @notice Opens a dispute between `buyer` and `seller` about the caller's `localId`.
    /// @dev Must not call back into the caller. Neither party may be drawn as the arbitrator.
    /// @param localId The caller's id for the disputed object (unique per caller).
    /// @param buyer The party that paid.
    /// @param seller The party that is to be paid.
    /// @return disputeId The arbitrator's id for the dispute.
    function createDispute(uint256 localId, address buyer, address seller) external returns (uint256 disputeId);

    /// @notice Closes the caller's open dispute about `localId` without a ruling (the parties settled, or the
    ///         seller refunded); the assigned arbitrator's locked bond is released.
    /// @param localId The caller's id that was passed to {createDispute}.
    function withdrawDispute(uint256 localId) external;
}
