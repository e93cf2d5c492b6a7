// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Life cycle of an order. Paid and Disputed hold money in escrow; the other three are final.
enum OrderStatus {
    None,
    Paid,
    Disputed,
    Completed,
    Refunded,
    Resolved
}

/// @notice How a Resolved order was closed.
enum Outcome {
    None,
    /// An arbitrator ruled a split.
    Ruled,
    /// Buyer and seller proposed the same split.
    Settled,
    /// No arbitrator ruled in time; the marketplace's default split applied.
    Defaulted
}

/// @notice What another contract (reputation, credit) may learn about an order.
/// @param buyer The buyer.
/// @param seller The seller.
/// @param status The order's status.
/// @param outcome How a Resolved order was closed (None otherwise).
/// @param loser For a Ruled order the party that got less than half (address(0) for an even split or any
///        other outcome).
/// @param closedAt When the order reached a final status (0 while open).
struct OrderFacts {
    address buyer;
    address seller;
    OrderStatus status;
    Outcome outcome;
    address loser;
    uint64 closedAt;
}

/// @title IMarketplaceOrders
/// @notice The facts about completed trades that reputation (and later credit) is computed from.
interface IMarketplaceOrders {
    /// @notice The facts about order `orderId` (all zero for an unknown order).
    /// @param orderId The order.
    /// @return facts Buyer, seller, status, outcome, loser and closing time.
    function orderFacts(uint256 orderId) external view returns (OrderFacts memory facts);

    /// @notice How many disputes `account` lost by an arbitrator's ruling, as buyer or seller.
    /// @param account Any address.
    /// @return count The number of lost disputes.
    function disputesLost(address account) external view returns (uint64 count);
}
