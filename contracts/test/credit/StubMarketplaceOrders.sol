// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMarketplaceOrders, OrderFacts, OrderStatus, Outcome} from "../../commerce/IMarketplaceOrders.sol";

/// @title StubMarketplaceOrders
/// @notice Test-only stand-in for the marketplace behind a {Reputation} registry: anyone sets the facts of an
///         order, so the credit tests can give a borrower ratings without running the whole marketplace.
contract StubMarketplaceOrders is IMarketplaceOrders {
    mapping(uint256 orderId => OrderFacts) private _facts;
    mapping(address account => uint64) private _disputesLost;

    /// @notice Records order `orderId` as Completed between `buyer` and `seller` now.
    /// @param orderId Any id.
    /// @param buyer The buyer.
    /// @param seller The seller.
    function setCompleted(uint256 orderId, address buyer, address seller) external {
        _facts[orderId] = OrderFacts({
            buyer: buyer,
            seller: seller,
            status: OrderStatus.Completed,
            outcome: Outcome.None,
            loser: address(0),
            closedAt: uint64(block.timestamp)
        });
    }

    /// @notice Sets how many disputes `account` lost.
    /// @param account Any address.
    /// @param count The count.
    function setDisputesLost(address account, uint64 count) external {
        _disputesLost[account] = count;
    }

    /// @inheritdoc IMarketplaceOrders
    function orderFacts(uint256 orderId) external view returns (OrderFacts memory facts) {
        return _facts[orderId];
    }

    /// @inheritdoc IMarketplaceOrders
    function disputesLost(address account) external view returns (uint64 count) {
        return _disputesLost[account];
    }
}
