// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title IArbitrable
/// @notice Callbacks through which an {IArbitrator} enforces the outcome of a dispute. Both must accept any
///         call from the arbitrator for an object that is still disputed, or the dispute cannot close.
interface IArbitrable {
    /// @notice An arbitrator ruled: `buyerBps` basis points (0..10000) of the disputed amount go to the buyer.
    /// @param localId The arbitrable's id passed to {IArbitrator.createDispute}.
    /// @param buyerBps The buyer's share in basis points; the rest goes to the seller.
    /// @param arbitrator The arbitrator who ruled (to be paid an arbitration fee, if any).
    function onRuling(uint256 localId, uint16 buyerBps, address arbitrator) external;

    /// @notice No arbitrator ruled in time on any assignment: the arbitrable applies its default outcome.
    /// @param localId The arbitrable's id passed to {IArbitrator.createDispute}.
    function onDefault(uint256 localId) external;
}
