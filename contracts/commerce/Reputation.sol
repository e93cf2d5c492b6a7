// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMarketplaceOrders, OrderFacts, OrderStatus, Outcome} from "./IMarketplaceOrders.sol";

/// @title Reputation
/// @notice Ratings (1 to 5) and reviews written only by the buyer and the seller of an order of one
///         marketplace, each at most once per order, within {RATING_WINDOW} of the order closing. Every rating
///         is therefore a verified purchase. Rateable orders: Completed (both parties rate each other) and
///         Resolved by an arbitrator's ruling (except by the party who lost it, so a loser cannot retaliate).
///         Refunded, settled and defaulted orders are not rateable: a refund agreed with a sybil buyer costs
///         nothing, so it would let a seller buy ratings for the price of gas.
/// @dev Append-only, no admin. Review text lives off chain (`reviewURI`), pinned by `reviewHash`.
contract Reputation {
    /// @notice Count and sum of the scores an account received in one role.
    struct Tally {
        uint64 count;
        uint64 scoreSum;
    }

    /// @notice Everything known about an account, in one call.
    /// @param ratingsAsSeller Ratings received from buyers.
    /// @param scoreSumAsSeller Sum of those scores.
    /// @param ratingsAsBuyer Ratings received from sellers.
    /// @param scoreSumAsBuyer Sum of those scores.
    /// @param ratings All ratings received.
    /// @param averageX100 Average score of all ratings received, times 100 (0 with no ratings).
    /// @param uniqueRaters Distinct accounts that rated this one (a low number next to many ratings is a
    ///        sign of self-dealing).
    /// @param disputesLost Disputes this account lost by an arbitrator's ruling, from the marketplace.
    struct Summary {
        uint64 ratingsAsSeller;
        uint64 scoreSumAsSeller;
        uint64 ratingsAsBuyer;
        uint64 scoreSumAsBuyer;
        uint64 ratings;
        uint64 averageX100;
        uint64 uniqueRaters;
        uint64 disputesLost;
    }

    /// @notice Lowest score.
    uint8 public constant MIN_SCORE = 1;
    /// @notice Highest score.
    uint8 public constant MAX_SCORE = 5;
    /// @notice How long after an order closes its parties can rate it.
    uint64 public constant RATING_WINDOW = 90 days;

    /// @notice The marketplace whose orders can be rated.
    IMarketplaceOrders public immutable marketplace;

    /// @notice Whether `rater` already rated order `orderId`.
    mapping(uint256 orderId => mapping(address rater => bool)) public hasRated;

    mapping(address account => Tally) private _asSeller;
    mapping(address account => Tally) private _asBuyer;
    mapping(address account => uint64) private _uniqueRaters;
    mapping(address ratee => mapping(address rater => bool)) private _ratedBefore;

    /// @notice `rater` rated `ratee` (in the role given by `rateeIsSeller`) for order `orderId`.
    event Rated(
        uint256 indexed orderId,
        address indexed rater,
        address indexed ratee,
        bool rateeIsSeller,
        uint8 score,
        bytes32 reviewHash,
        string reviewURI
    );

    /// @notice The zero address was given for the marketplace.
    error ZeroAddress();
    /// @notice The score is outside [{MIN_SCORE}, {MAX_SCORE}].
    error BadScore(uint8 score);
    /// @notice The caller is neither the buyer nor the seller of the order (or the order does not exist).
    error NotParty(uint256 orderId, address caller);
    /// @notice The order is not Completed or Resolved by a ruling.
    error NotRateable(uint256 orderId, OrderStatus status, Outcome outcome);
    /// @notice The caller lost the order's dispute.
    error LoserCannotRate(uint256 orderId);
    /// @notice The rating window of the order ended at `windowEnd`.
    error RatingWindowClosed(uint256 orderId, uint256 windowEnd);
    /// @notice The caller already rated the order.
    error AlreadyRated(uint256 orderId, address rater);

    /// @notice Deploys the reputation registry of `marketplace_`.
    /// @param marketplace_ The marketplace whose orders can be rated.
    constructor(IMarketplaceOrders marketplace_) {
        if (address(marketplace_) == address(0)) revert ZeroAddress();
        marketplace = marketplace_;
    }

    /// @notice Rates the other party of order `orderId`: the buyer rates the seller, the seller the buyer.
    /// @param orderId A rateable order of the marketplace in which the caller is buyer or seller.
    /// @param score 1 (worst) to 5 (best).
    /// @param reviewHash Hash of the review text (zero for none).
    /// @param reviewURI Where the review text lives (emitted only; empty for none).
    function rate(uint256 orderId, uint8 score, bytes32 reviewHash, string calldata reviewURI) external {
        if (score < MIN_SCORE || score > MAX_SCORE) revert BadScore(score);
        OrderFacts memory facts = marketplace.orderFacts(orderId);
        // An unknown order has buyer == seller == address(0), which is never msg.sender.
        bool raterIsBuyer = msg.sender == facts.buyer;
        if (!raterIsBuyer && msg.sender != facts.seller) revert NotParty(orderId, msg.sender);
        bool rateable = facts.status == OrderStatus.Completed
            || (facts.status == OrderStatus.Resolved && facts.outcome == Outcome.Ruled);
        if (!rateable) revert NotRateable(orderId, facts.status, facts.outcome);
        if (msg.sender == facts.loser) revert LoserCannotRate(orderId);
        uint256 windowEnd = uint256(facts.closedAt) + RATING_WINDOW;
        if (block.timestamp > windowEnd) revert RatingWindowClosed(orderId, windowEnd);
        if (hasRated[orderId][msg.sender]) revert AlreadyRated(orderId, msg.sender);

        hasRated[orderId][msg.sender] = true;
        address ratee = raterIsBuyer ? facts.seller : facts.buyer;
        Tally storage tally = raterIsBuyer ? _asSeller[ratee] : _asBuyer[ratee];
        ++tally.count;
        tally.scoreSum += score;
        if (!_ratedBefore[ratee][msg.sender]) {
            _ratedBefore[ratee][msg.sender] = true;
            ++_uniqueRaters[ratee];
        }
        emit Rated(orderId, msg.sender, ratee, raterIsBuyer, score, reviewHash, reviewURI);
    }

    /// @notice Counts, score sums, average, distinct raters and lost disputes of `account`.
    /// @param account Any address.
    /// @return s The summary (all zero for an account nobody rated).
    function summary(address account) external view returns (Summary memory s) {
        Tally memory asSeller = _asSeller[account];
        Tally memory asBuyer = _asBuyer[account];
        s.ratingsAsSeller = asSeller.count;
        s.scoreSumAsSeller = asSeller.scoreSum;
        s.ratingsAsBuyer = asBuyer.count;
        s.scoreSumAsBuyer = asBuyer.scoreSum;
        s.ratings = asSeller.count + asBuyer.count;
        if (s.ratings != 0) {
            // Each rating is one transaction, so the sums stay far below 2^64 / 100.
            s.averageX100 = uint64((uint256(asSeller.scoreSum) + asBuyer.scoreSum) * 100 / s.ratings);
        }
        s.uniqueRaters = _uniqueRaters[account];
        s.disputesLost = marketplace.disputesLost(account);
    }
}
