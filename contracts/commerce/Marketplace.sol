// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IArbitrable} from "./IArbitrable.sol";
import {IArbitrator} from "./IArbitrator.sol";
import {IMarketplaceOrders, OrderFacts, OrderStatus, Outcome} from "./IMarketplaceOrders.sol";

/// @title Marketplace
/// @notice Listings priced in CMT (token address 0) and/or ERC-20 tokens, orders whose money is held in escrow,
///         and their exits: the buyer confirms receipt, anyone releases the money to the seller once the escrow
///         period is over, the seller refunds, both parties agree on a split, or either party disputes and an
///         {IArbitrator} rules a split (or its default applies when no arbitrator rules in time).
/// @dev Money leaves only through {withdraw} (pull payments) and {skim} (only what exceeds every obligation).
///      Per token, `escrowed + owed` is the contract's liability and every value-moving function ends with
///      `_assertSolvent`, so no path can pay out money that is owed to someone else. Pausing stops new listings
///      and purchases only: every exit of money already in the contract stays open.
contract Marketplace is IArbitrable, IMarketplaceOrders, AccessControlDefaultAdminRules, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice One accepted price of a listing: `amount` units of `token` (address 0 = CMT) per item.
    struct Price {
        address token;
        uint256 amount;
    }

    /// @notice A listing; `seller == address(0)` means it does not exist.
    struct Listing {
        address seller;
        uint64 stock;
        uint32 escrowPeriod;
    }

    /// @notice An order. The fee rates are those in force at purchase, so later changes never alter the terms.
    struct Order {
        address buyer;
        uint64 releaseAt;
        uint16 feeBps;
        uint16 arbitrationFeeBps;
        address seller;
        uint64 closedAt;
        OrderStatus status;
        Outcome outcome;
        uint16 buyerBps;
        address token;
        uint64 listingId;
        uint256 amount;
    }

    /// @notice How an escrowed amount is divided; the four parts always add up to the amount.
    struct Payout {
        uint256 toBuyer;
        uint256 toSeller;
        uint256 toFeeRecipient;
        uint256 toArbitrator;
    }

    /// @dev Each party's standing settlement proposal, stored as buyerBps + 1 so that 0 means "none".
    struct Proposals {
        uint16 buyerPlusOne;
        uint16 sellerPlusOne;
    }

    /// @notice May change the marketplace fee, its recipient and the arbitration fee.
    bytes32 public constant FEE_MANAGER_ROLE = keccak256("FEE_MANAGER_ROLE");
    /// @notice May pause and unpause new listings and purchases.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice The token address that stands for the native coin.
    address public constant CMT = address(0);
    /// @notice 100% in basis points.
    uint16 public constant BPS = 10_000;
    /// @notice Upper bound of the marketplace fee (10%).
    uint16 public constant MAX_FEE_BPS = 1_000;
    /// @notice Upper bound of the arbitration fee (10%).
    uint16 public constant MAX_ARBITRATION_FEE_BPS = 1_000;
    /// @notice Shortest escrow period a listing may have; the buyer needs time to receive and dispute.
    uint32 public constant MIN_ESCROW_PERIOD = 1 hours;
    /// @notice Longest escrow period a listing may have.
    uint32 public constant MAX_ESCROW_PERIOD = 365 days;
    /// @notice Most prices (tokens) one listing may be created with.
    uint256 public constant MAX_PRICES = 8;

    /// @notice The dispute service; the only caller of {onRuling} and {onDefault}.
    IArbitrator public immutable arbitrator;
    /// @notice The buyer's share (basis points) when no arbitrator rules on a dispute in time.
    uint16 public immutable defaultBuyerBps;

    /// @notice Marketplace fee in basis points of what the seller receives, charged on completion only.
    uint16 public feeBps;
    /// @notice Arbitration fee in basis points of a disputed amount, paid to the arbitrator who rules.
    uint16 public arbitrationFeeBps;
    /// @notice Where marketplace fees are credited.
    address public feeRecipient;
    /// @notice Number of listings created; listing ids run from 1 to this.
    uint64 public listingCount;
    /// @notice Number of orders placed; order ids run from 1 to this.
    uint256 public orderCount;
    /// @inheritdoc IMarketplaceOrders
    mapping(address account => uint64) public disputesLost;

    mapping(uint256 listingId => Listing) private _listings;
    mapping(uint256 listingId => mapping(address token => uint256)) private _prices;
    mapping(uint256 orderId => Order) private _orders;
    mapping(uint256 orderId => Proposals) private _proposals;
    mapping(address account => mapping(address token => uint256)) private _owed;
    mapping(address token => uint256) private _escrowed;
    mapping(address token => uint256) private _totalOwed;

    /// @notice A listing was created.
    event ListingCreated(
        uint256 indexed listingId, address indexed seller, uint64 stock, uint32 escrowPeriod, string metadataURI
    );
    /// @notice A listing's price in `token` was set (0 = no longer accepted).
    event PriceSet(uint256 indexed listingId, address indexed token, uint256 unitPrice);
    /// @notice A listing's stock was set.
    event StockSet(uint256 indexed listingId, uint64 stock);
    /// @notice An order was paid; `amount` is held in escrow until `releaseAt` at least.
    event OrderPlaced(
        uint256 indexed orderId,
        uint256 indexed listingId,
        address indexed buyer,
        address token,
        uint64 quantity,
        uint256 amount,
        uint64 releaseAt
    );
    /// @notice The seller was paid: the buyer confirmed (`by` is the buyer) or the escrow period ended.
    event OrderCompleted(uint256 indexed orderId, address indexed by);
    /// @notice The seller refunded the buyer in full.
    event OrderRefunded(uint256 indexed orderId);
    /// @notice A party disputed the order.
    event DisputeOpened(uint256 indexed orderId, address indexed by, string reasonURI);
    /// @notice A party submitted evidence (ERC-1497 style: the content lives at `evidenceURI`).
    event Evidence(uint256 indexed orderId, address indexed party, string evidenceURI);
    /// @notice A party proposed that `buyerBps` of the amount go back to the buyer.
    event SettlementProposed(uint256 indexed orderId, address indexed by, uint16 buyerBps);
    /// @notice The order was split: by ruling, settlement or default. `loser` is set for a one-sided ruling.
    event OrderResolved(uint256 indexed orderId, Outcome outcome, uint16 buyerBps, address loser);
    /// @notice `amount` of `token` from order `orderId` became owed to `account`.
    event Credited(uint256 indexed orderId, address indexed account, address indexed token, uint256 amount);
    /// @notice `account` withdrew what it was owed in `token` to `to`.
    event Withdrawn(address indexed account, address indexed token, address to, uint256 amount);
    /// @notice Money sent to the contract outside any order was swept to `to`.
    event Skimmed(address indexed token, address to, uint256 amount);
    /// @notice The marketplace fee or its recipient changed (applies to orders placed from now on).
    event FeeUpdated(uint16 feeBps, address feeRecipient);
    /// @notice The arbitration fee changed (applies to orders placed from now on).
    event ArbitrationFeeUpdated(uint16 arbitrationFeeBps);

    /// @notice A listing needs between 1 and {MAX_PRICES} prices; `count` were given.
    error BadPriceCount(uint256 count);
    /// @notice A price of 0 was given where a price is required.
    error ZeroPrice(address token);
    /// @notice `token` is neither CMT (address 0) nor a contract.
    error NotAToken(address token);
    /// @notice The escrow period is outside [{MIN_ESCROW_PERIOD}, {MAX_ESCROW_PERIOD}].
    error BadEscrowPeriod(uint32 escrowPeriod);
    /// @notice No listing has this id.
    error UnknownListing(uint256 listingId);
    /// @notice Only the listing's seller may do this.
    error NotListingSeller(uint256 listingId);
    /// @notice A seller cannot buy from their own listing.
    error SelfPurchase();
    /// @notice Quantity 0, or more than the listing's stock.
    error BadQuantity(uint64 quantity, uint64 stock);
    /// @notice The listing has no price in `token`.
    error TokenNotAccepted(uint256 listingId, address token);
    /// @notice The unit price is not what the buyer expected (the seller changed it).
    error PriceChanged(uint256 expected, uint256 actual);
    /// @notice The CMT sent with the call is not what the purchase costs.
    error WrongValue(uint256 expected, uint256 sent);
    /// @notice The token moved a different amount than asked (fee-on-transfer, rebasing or broken token).
    error UnsupportedToken(address token, uint256 expected, uint256 received);
    /// @notice No order has this id.
    error UnknownOrder(uint256 orderId);
    /// @notice The order's status does not allow this.
    error WrongStatus(uint256 orderId, OrderStatus status);
    /// @notice Only the order's buyer may do this.
    error NotBuyer(uint256 orderId);
    /// @notice Only the order's seller may do this.
    error NotSeller(uint256 orderId);
    /// @notice Only the order's buyer or seller may do this.
    error NotParty(uint256 orderId);
    /// @notice The escrow period ended at `releaseAt`: the order can no longer be disputed.
    error EscrowPeriodOver(uint256 orderId, uint64 releaseAt);
    /// @notice The escrow period runs until `releaseAt`: the order cannot be released yet.
    error EscrowPeriodNotOver(uint256 orderId, uint64 releaseAt);
    /// @notice A basis-point value above 10000.
    error BadBps(uint256 bps);
    /// @notice Only the configured {arbitrator} may call this.
    error NotArbitrator(address caller);
    /// @notice Nothing is owed to the caller in `token`.
    error NothingOwed(address token);
    /// @notice Sending CMT to `to` failed (it reverted); withdraw to another address.
    error CmtTransferFailed(address to, uint256 amount);
    /// @notice The fee is above its maximum.
    error FeeTooHigh(uint16 bps, uint16 max);
    /// @notice The zero address was given where an account is required.
    error ZeroAddress();
    /// @notice The contract holds less of `token` than it owes (a token that lost balance): the call is refused.
    error Insolvent(address token, uint256 holdings, uint256 liabilities);
    /// @notice The contract holds no more of `token` than it owes.
    error NothingToSkim(address token);

    /// @notice Deploys the marketplace.
    /// @param admin Default admin (two-step transfer after `adminDelay`); also gets the fee-manager and pauser roles.
    /// @param adminDelay Delay of a default-admin transfer, in seconds.
    /// @param arbitrator_ The dispute service (it must grant this contract its arbitrable role).
    /// @param feeBps_ Marketplace fee, at most {MAX_FEE_BPS}.
    /// @param feeRecipient_ Where marketplace fees are credited.
    /// @param arbitrationFeeBps_ Arbitration fee, at most {MAX_ARBITRATION_FEE_BPS}.
    /// @param defaultBuyerBps_ Buyer's share when no arbitrator rules in time (fixed for the contract's life).
    constructor(
        address admin,
        uint48 adminDelay,
        IArbitrator arbitrator_,
        uint16 feeBps_,
        address feeRecipient_,
        uint16 arbitrationFeeBps_,
        uint16 defaultBuyerBps_
    ) AccessControlDefaultAdminRules(adminDelay, admin) {
        if (address(arbitrator_) == address(0)) revert ZeroAddress();
        if (defaultBuyerBps_ > BPS) revert BadBps(defaultBuyerBps_);
        arbitrator = arbitrator_;
        defaultBuyerBps = defaultBuyerBps_;
        _grantRole(FEE_MANAGER_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _setFee(feeBps_, feeRecipient_);
        _setArbitrationFee(arbitrationFeeBps_);
    }

    // ---------------------------------------------------------------- listings

    /// @notice Lists an item. The caller becomes its seller.
    /// @param prices Accepted prices per item, one per token (a token given twice keeps the last price).
    /// @param stock How many items can be bought.
    /// @param escrowPeriod Seconds from purchase during which the buyer can dispute; after it the seller is paid.
    /// @param metadataURI Where the description lives (emitted only).
    /// @return listingId The new listing's id.
    function createListing(Price[] calldata prices, uint64 stock, uint32 escrowPeriod, string calldata metadataURI)
        external
        whenNotPaused
        returns (uint256 listingId)
    {
        if (prices.length == 0 || prices.length > MAX_PRICES) revert BadPriceCount(prices.length);
        if (escrowPeriod < MIN_ESCROW_PERIOD || escrowPeriod > MAX_ESCROW_PERIOD) revert BadEscrowPeriod(escrowPeriod);
        listingId = ++listingCount;
        _listings[listingId] = Listing({seller: msg.sender, stock: stock, escrowPeriod: escrowPeriod});
        emit ListingCreated(listingId, msg.sender, stock, escrowPeriod, metadataURI);
        for (uint256 i = 0; i < prices.length; ++i) {
            if (prices[i].amount == 0) revert ZeroPrice(prices[i].token);
            _setPrice(listingId, prices[i].token, prices[i].amount);
        }
    }

    /// @notice Sets the listing's price per item in `token`; 0 stops accepting that token. Open orders keep
    ///         the price they were bought at.
    /// @param listingId The caller's listing.
    /// @param token The token (address 0 = CMT).
    /// @param unitPrice Price per item in the token's smallest unit.
    function setPrice(uint256 listingId, address token, uint256 unitPrice) external {
        _requireListingSeller(listingId);
        _setPrice(listingId, token, unitPrice);
    }

    /// @notice Sets how many items of the listing can still be bought (0 delists it).
    /// @param listingId The caller's listing.
    /// @param stock The new stock.
    function setStock(uint256 listingId, uint64 stock) external {
        _requireListingSeller(listingId);
        _listings[listingId].stock = stock;
        emit StockSet(listingId, stock);
    }

    // ---------------------------------------------------------------- purchase

    /// @notice Buys `quantity` items paying in `token`; the money is held in escrow. For CMT send exactly the
    ///         price as value; for an ERC-20 approve the price first. Tokens that deliver a different amount
    ///         than asked (fee-on-transfer) are refused.
    /// @param listingId The listing.
    /// @param token The token to pay in (address 0 = CMT); the listing must have a price in it.
    /// @param quantity Number of items.
    /// @param expectedUnitPrice The unit price the buyer agreed to; the call fails if the seller changed it.
    /// @return orderId The new order's id.
    function buy(uint256 listingId, address token, uint64 quantity, uint256 expectedUnitPrice)
        external
        payable
        nonReentrant
        whenNotPaused
        returns (uint256 orderId)
    {
        Listing storage listing = _listings[listingId];
        address seller = listing.seller;
        if (seller == address(0)) revert UnknownListing(listingId);
        if (seller == msg.sender) revert SelfPurchase();
        if (quantity == 0 || quantity > listing.stock) revert BadQuantity(quantity, listing.stock);
        uint256 unitPrice = _prices[listingId][token];
        if (unitPrice == 0) revert TokenNotAccepted(listingId, token);
        if (unitPrice != expectedUnitPrice) revert PriceChanged(expectedUnitPrice, unitPrice);
        uint256 amount = unitPrice * quantity;
        uint256 expectedValue = token == CMT ? amount : 0;
        if (msg.value != expectedValue) revert WrongValue(expectedValue, msg.value);

        // Effects first; the token transfer below is checked by its balance delta and reverts everything.
        unchecked {
            listing.stock -= quantity; // quantity <= stock was checked above
        }
        orderId = ++orderCount;
        uint64 releaseAt = uint64(block.timestamp) + listing.escrowPeriod;
        Order storage order = _orders[orderId];
        order.buyer = msg.sender;
        order.releaseAt = releaseAt;
        order.feeBps = feeBps;
        order.arbitrationFeeBps = arbitrationFeeBps;
        order.seller = seller;
        order.status = OrderStatus.Paid;
        order.token = token;
        // Listing ids come from the uint64 counter and this one exists, so it fits.
        order.listingId = uint64(listingId);
        order.amount = amount;
        _escrowed[token] += amount;
        emit OrderPlaced(orderId, listingId, msg.sender, token, quantity, amount, releaseAt);

        if (token != CMT) _pullExact(IERC20(token), msg.sender, amount);
        _assertSolvent(token);
    }

    // ---------------------------------------------------------------- undisputed exits

    /// @notice The buyer confirms receipt: the seller is paid (less the marketplace fee).
    /// @param orderId An order in status Paid.
    function confirmReceipt(uint256 orderId) external nonReentrant {
        Order storage order = _order(orderId);
        if (msg.sender != order.buyer) revert NotBuyer(orderId);
        _requireStatus(orderId, order, OrderStatus.Paid);
        _complete(orderId, order);
    }

    /// @notice After the escrow period of an undisputed order, anyone (normally the seller) releases the
    ///         money to the seller. No funds depend on the buyer acting.
    /// @param orderId An order in status Paid whose escrow period is over.
    function release(uint256 orderId) external nonReentrant {
        Order storage order = _order(orderId);
        _requireStatus(orderId, order, OrderStatus.Paid);
        if (block.timestamp < order.releaseAt) revert EscrowPeriodNotOver(orderId, order.releaseAt);
        _complete(orderId, order);
    }

    /// @notice The seller refunds the buyer in full (no fee), also while the order is disputed (the dispute
    ///         is then withdrawn and the arbitrator's bond released).
    /// @param orderId An order in status Paid or Disputed.
    function refund(uint256 orderId) external nonReentrant {
        Order storage order = _order(orderId);
        if (msg.sender != order.seller) revert NotSeller(orderId);
        OrderStatus status = order.status;
        if (status != OrderStatus.Paid && status != OrderStatus.Disputed) revert WrongStatus(orderId, status);
        order.status = OrderStatus.Refunded;
        order.closedAt = uint64(block.timestamp);
        emit OrderRefunded(orderId);
        _payOut(orderId, order, BPS, address(0));
        if (status == OrderStatus.Disputed) arbitrator.withdrawDispute(orderId);
        _assertSolvent(order.token);
    }

    // ---------------------------------------------------------------- disputes and settlement

    /// @notice The buyer or the seller disputes the order before its escrow period ends; the arbitrator
    ///         assigns someone who must rule within its deadline.
    /// @param orderId An order in status Paid.
    /// @param reasonURI Where the statement of the dispute lives (emitted only).
    function openDispute(uint256 orderId, string calldata reasonURI) external nonReentrant {
        Order storage order = _order(orderId);
        _requireParty(orderId, order);
        _requireStatus(orderId, order, OrderStatus.Paid);
        if (block.timestamp >= order.releaseAt) revert EscrowPeriodOver(orderId, order.releaseAt);
        order.status = OrderStatus.Disputed;
        emit DisputeOpened(orderId, msg.sender, reasonURI);
        arbitrator.createDispute(orderId, order.buyer, order.seller);
    }

    /// @notice A party adds evidence to a disputed order.
    /// @param orderId An order in status Disputed.
    /// @param evidenceURI Where the evidence lives (emitted only).
    function submitEvidence(uint256 orderId, string calldata evidenceURI) external {
        Order storage order = _order(orderId);
        _requireParty(orderId, order);
        _requireStatus(orderId, order, OrderStatus.Disputed);
        emit Evidence(orderId, msg.sender, evidenceURI);
    }

    /// @notice Proposes that `buyerBps` of the amount go back to the buyer and the rest to the seller (a
    ///         partial refund). When the other party's standing proposal is the same split, the order is
    ///         resolved at once without an arbitration fee, and an open dispute is withdrawn. A proposal stands
    ///         until the same party replaces it.
    /// @param orderId An order in status Paid or Disputed.
    /// @param buyerBps The buyer's share in basis points (0..10000).
    function proposeSettlement(uint256 orderId, uint16 buyerBps) external nonReentrant {
        Order storage order = _order(orderId);
        _requireParty(orderId, order);
        OrderStatus status = order.status;
        if (status != OrderStatus.Paid && status != OrderStatus.Disputed) revert WrongStatus(orderId, status);
        if (buyerBps > BPS) revert BadBps(buyerBps);
        Proposals storage proposals = _proposals[orderId];
        uint16 other;
        if (msg.sender == order.buyer) {
            proposals.buyerPlusOne = buyerBps + 1;
            other = proposals.sellerPlusOne;
        } else {
            proposals.sellerPlusOne = buyerBps + 1;
            other = proposals.buyerPlusOne;
        }
        emit SettlementProposed(orderId, msg.sender, buyerBps);
        if (other != buyerBps + 1) return;
        _resolve(orderId, order, Outcome.Settled, buyerBps, address(0));
        if (status == OrderStatus.Disputed) arbitrator.withdrawDispute(orderId);
        _assertSolvent(order.token);
    }

    /// @inheritdoc IArbitrable
    /// @dev The arbitration fee (rate fixed at purchase) goes to `arbitrator_`; the rest is split.
    function onRuling(uint256 localId, uint16 buyerBps, address arbitrator_) external nonReentrant {
        Order storage order = _disputedOrderForArbitrator(localId);
        if (buyerBps > BPS) revert BadBps(buyerBps);
        _resolve(localId, order, Outcome.Ruled, buyerBps, arbitrator_);
        _assertSolvent(order.token);
    }

    /// @inheritdoc IArbitrable
    /// @dev Applies {defaultBuyerBps} without an arbitration fee.
    function onDefault(uint256 localId) external nonReentrant {
        Order storage order = _disputedOrderForArbitrator(localId);
        _resolve(localId, order, Outcome.Defaulted, defaultBuyerBps, address(0));
        _assertSolvent(order.token);
    }

    // ---------------------------------------------------------------- withdrawals

    /// @notice Sends everything owed to the caller in `token` to `to`. Never paused. A contract that cannot
    ///         receive CMT withdraws to another address.
    /// @param token The token (address 0 = CMT).
    /// @param to The recipient.
    function withdraw(address token, address payable to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        uint256 amount = _owed[msg.sender][token];
        if (amount == 0) revert NothingOwed(token);
        _owed[msg.sender][token] = 0;
        _totalOwed[token] -= amount;
        emit Withdrawn(msg.sender, token, to, amount);
        _send(token, to, amount);
        _assertSolvent(token);
    }

    // ---------------------------------------------------------------- admin

    /// @notice Sends what the contract holds of `token` beyond its liabilities (money sent to it directly) to
    ///         `to`. It can never touch escrowed or owed money.
    /// @param token The token (address 0 = CMT).
    /// @param to The recipient.
    function skim(address token, address payable to) external nonReentrant onlyRole(DEFAULT_ADMIN_ROLE) {
        if (to == address(0)) revert ZeroAddress();
        uint256 holdings = _holdings(token);
        uint256 liabilities_ = _liabilities(token);
        if (holdings <= liabilities_) revert NothingToSkim(token);
        uint256 excess = holdings - liabilities_;
        emit Skimmed(token, to, excess);
        _send(token, to, excess);
        _assertSolvent(token);
    }

    /// @notice Sets the marketplace fee and its recipient for orders placed from now on.
    /// @param newFeeBps At most {MAX_FEE_BPS}.
    /// @param newRecipient Where fees are credited (not zero).
    function setFee(uint16 newFeeBps, address newRecipient) external onlyRole(FEE_MANAGER_ROLE) {
        _setFee(newFeeBps, newRecipient);
    }

    /// @notice Sets the arbitration fee for orders placed from now on.
    /// @param newArbitrationFeeBps At most {MAX_ARBITRATION_FEE_BPS}.
    function setArbitrationFee(uint16 newArbitrationFeeBps) external onlyRole(FEE_MANAGER_ROLE) {
        _setArbitrationFee(newArbitrationFeeBps);
    }

    /// @notice Stops new listings and purchases. Confirmations, releases, refunds, disputes, rulings and
    ///         withdrawals keep working.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Allows new listings and purchases again.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- views

    /// @notice The listing `listingId` (seller 0 if it does not exist).
    /// @param listingId The listing.
    /// @return The listing's seller, stock and escrow period.
    function getListing(uint256 listingId) external view returns (Listing memory) {
        return _listings[listingId];
    }

    /// @notice The price per item of listing `listingId` in `token` (0 = not accepted).
    /// @param listingId The listing.
    /// @param token The token (address 0 = CMT).
    /// @return The unit price.
    function priceOf(uint256 listingId, address token) external view returns (uint256) {
        return _prices[listingId][token];
    }

    /// @notice The order `orderId` (all zero if it does not exist).
    /// @param orderId The order.
    /// @return The order.
    function getOrder(uint256 orderId) external view returns (Order memory) {
        return _orders[orderId];
    }

    /// @notice The standing settlement proposals of order `orderId`; `has*` false means none.
    /// @param orderId The order.
    /// @return hasBuyer Whether the buyer proposed.
    /// @return buyerProposal The buyer's proposed buyer share (bps).
    /// @return hasSeller Whether the seller proposed.
    /// @return sellerProposal The seller's proposed buyer share (bps).
    function settlementProposals(uint256 orderId)
        external
        view
        returns (bool hasBuyer, uint16 buyerProposal, bool hasSeller, uint16 sellerProposal)
    {
        Proposals memory p = _proposals[orderId];
        hasBuyer = p.buyerPlusOne != 0;
        hasSeller = p.sellerPlusOne != 0;
        // Each value was stored as bps + 1 only when set, so it is >= 1 when `has*` is true.
        unchecked {
            buyerProposal = hasBuyer ? p.buyerPlusOne - 1 : 0;
            sellerProposal = hasSeller ? p.sellerPlusOne - 1 : 0;
        }
    }

    /// @inheritdoc IMarketplaceOrders
    function orderFacts(uint256 orderId) external view returns (OrderFacts memory facts) {
        Order storage order = _orders[orderId];
        facts = OrderFacts({
            buyer: order.buyer,
            seller: order.seller,
            status: order.status,
            outcome: order.outcome,
            loser: _loser(order),
            closedAt: order.closedAt
        });
    }

    /// @notice What `account` can withdraw in `token`.
    /// @param account Any address.
    /// @param token The token (address 0 = CMT).
    /// @return The owed amount.
    function owedTo(address account, address token) external view returns (uint256) {
        return _owed[account][token];
    }

    /// @notice Money of `token` held for open orders.
    /// @param token The token (address 0 = CMT).
    /// @return The escrowed amount.
    function escrowed(address token) external view returns (uint256) {
        return _escrowed[token];
    }

    /// @notice Everything the contract owes in `token`: escrowed plus owed. Its holdings are never below this.
    ///         Refused while a marketplace call is in progress (the figure may be mid-update then).
    /// @param token The token (address 0 = CMT).
    /// @return Escrowed plus owed.
    function liabilities(address token) external view nonReentrantView returns (uint256) {
        return _liabilities(token);
    }

    /// @notice The split of `amount`: the arbitration fee first, then `buyerBps` of the rest to the buyer, then
    ///         the marketplace fee out of the seller's part. Rounding always favours the seller's part, and the
    ///         four parts add up to `amount` exactly.
    /// @param amount The escrowed amount.
    /// @param buyerBps The buyer's share (0..10000).
    /// @param feeBps_ Marketplace fee rate (0..10000).
    /// @param arbitrationFeeBps_ Arbitration fee rate (0..10000).
    /// @return p The four parts.
    function computePayout(uint256 amount, uint16 buyerBps, uint16 feeBps_, uint16 arbitrationFeeBps_)
        public
        pure
        returns (Payout memory p)
    {
        if (buyerBps > BPS) revert BadBps(buyerBps);
        if (feeBps_ > BPS) revert BadBps(feeBps_);
        if (arbitrationFeeBps_ > BPS) revert BadBps(arbitrationFeeBps_);
        p.toArbitrator = Math.mulDiv(amount, arbitrationFeeBps_, BPS);
        uint256 rest = amount - p.toArbitrator;
        p.toBuyer = Math.mulDiv(rest, buyerBps, BPS);
        uint256 sellerGross = rest - p.toBuyer;
        p.toFeeRecipient = Math.mulDiv(sellerGross, feeBps_, BPS);
        p.toSeller = sellerGross - p.toFeeRecipient;
    }

    // ---------------------------------------------------------------- internals

    function _order(uint256 orderId) private view returns (Order storage order) {
        order = _orders[orderId];
        if (order.buyer == address(0)) revert UnknownOrder(orderId);
    }

    function _requireStatus(uint256 orderId, Order storage order, OrderStatus expected) private view {
        if (order.status != expected) revert WrongStatus(orderId, order.status);
    }

    function _requireParty(uint256 orderId, Order storage order) private view {
        if (msg.sender != order.buyer && msg.sender != order.seller) revert NotParty(orderId);
    }

    function _requireListingSeller(uint256 listingId) private view {
        address seller = _listings[listingId].seller;
        if (seller == address(0)) revert UnknownListing(listingId);
        if (seller != msg.sender) revert NotListingSeller(listingId);
    }

    function _disputedOrderForArbitrator(uint256 orderId) private view returns (Order storage order) {
        if (msg.sender != address(arbitrator)) revert NotArbitrator(msg.sender);
        order = _order(orderId);
        _requireStatus(orderId, order, OrderStatus.Disputed);
    }

    function _setPrice(uint256 listingId, address token, uint256 unitPrice) private {
        if (token != CMT && token.code.length == 0) revert NotAToken(token);
        _prices[listingId][token] = unitPrice;
        emit PriceSet(listingId, token, unitPrice);
    }

    function _setFee(uint16 newFeeBps, address newRecipient) private {
        if (newFeeBps > MAX_FEE_BPS) revert FeeTooHigh(newFeeBps, MAX_FEE_BPS);
        if (newRecipient == address(0)) revert ZeroAddress();
        feeBps = newFeeBps;
        feeRecipient = newRecipient;
        emit FeeUpdated(newFeeBps, newRecipient);
    }

    function _setArbitrationFee(uint16 newArbitrationFeeBps) private {
        if (newArbitrationFeeBps > MAX_ARBITRATION_FEE_BPS) {
            revert FeeTooHigh(newArbitrationFeeBps, MAX_ARBITRATION_FEE_BPS);
        }
        arbitrationFeeBps = newArbitrationFeeBps;
        emit ArbitrationFeeUpdated(newArbitrationFeeBps);
    }

    function _complete(uint256 orderId, Order storage order) private {
        order.status = OrderStatus.Completed;
        order.closedAt = uint64(block.timestamp);
        emit OrderCompleted(orderId, msg.sender);
        _payOut(orderId, order, 0, address(0));
        _assertSolvent(order.token);
    }

    /// @dev Closes a Paid or Disputed order as Resolved and records who lost an arbitrator's one-sided ruling.
    function _resolve(uint256 orderId, Order storage order, Outcome outcome, uint16 buyerBps, address ruledBy)
        private
    {
        order.status = OrderStatus.Resolved;
        order.outcome = outcome;
        order.buyerBps = buyerBps;
        order.closedAt = uint64(block.timestamp);
        address loser = _loser(order);
        if (loser != address(0)) ++disputesLost[loser];
        emit OrderResolved(orderId, outcome, buyerBps, loser);
        _payOut(orderId, order, buyerBps, ruledBy);
    }

    /// @dev Moves the whole escrowed amount to the parties' owed balances (the only place that does).
    ///      `ruledBy` is the arbitrator to pay an arbitration fee to, or address(0) for none.
    function _payOut(uint256 orderId, Order storage order, uint16 buyerBps, address ruledBy) private {
        address token = order.token;
        uint256 amount = order.amount;
        Payout memory p =
            computePayout(amount, buyerBps, order.feeBps, ruledBy == address(0) ? 0 : order.arbitrationFeeBps);
        _escrowed[token] -= amount;
        _credit(orderId, order.buyer, token, p.toBuyer);
        _credit(orderId, order.seller, token, p.toSeller);
        _credit(orderId, feeRecipient, token, p.toFeeRecipient);
        _credit(orderId, ruledBy, token, p.toArbitrator);
    }

    function _credit(uint256 orderId, address account, address token, uint256 amount) private {
        if (amount == 0) return;
        _owed[account][token] += amount;
        _totalOwed[token] += amount;
        emit Credited(orderId, account, token, amount);
    }

    function _loser(Order storage order) private view returns (address) {
        if (order.outcome != Outcome.Ruled) return address(0);
        if (order.buyerBps > BPS / 2) return order.seller;
        if (order.buyerBps < BPS / 2) return order.buyer;
        return address(0);
    }

    /// @dev Pulls exactly `amount` of `token` from `from`, measured by this contract's balance change.
    function _pullExact(IERC20 token, address from, uint256 amount) private {
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(from, address(this), amount);
        uint256 afterwards = token.balanceOf(address(this));
        if (afterwards < before || afterwards - before != amount) {
            revert UnsupportedToken(address(token), amount, afterwards < before ? 0 : afterwards - before);
        }
    }

    function _send(address token, address payable to, uint256 amount) private {
        if (token == CMT) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert CmtTransferFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }

    function _holdings(address token) private view returns (uint256) {
        return token == CMT ? address(this).balance : IERC20(token).balanceOf(address(this));
    }

    function _liabilities(address token) private view returns (uint256) {
        return _escrowed[token] + _totalOwed[token];
    }

    /// @dev The solvency gate every value-moving function ends with.
    function _assertSolvent(address token) private view {
        uint256 holdings = _holdings(token);
        uint256 liabilities_ = _liabilities(token);
        if (holdings < liabilities_) revert Insolvent(token, holdings, liabilities_);
    }
}
