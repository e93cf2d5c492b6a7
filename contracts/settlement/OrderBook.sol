// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SettlementVault} from "./SettlementVault.sol";

/// @title OrderBook
/// @notice An on-chain central limit order book in the manner of the XRP Ledger DEX, for CMT/token and token/token
///         markets, with limit, immediate-or-cancel and fill-or-kill orders, and path payments that convert through
///         one or two books atomically so a payer spends at most `sendMax` of one asset and the destination
///         receives exactly `deliverAmount` of another.
/// @dev Assets: native CMT is the sentinel NATIVE (address(0)) on either side of a market; it comes in as
///      `msg.value` and leaves by a push to the caller or a credit to {owed}. No wrapped CMT is needed.
///
///      Prices: `price` is quote units per PRICE_SCALE (1e18) base units, a multiple of the market's tick size.
///      Every fill moves an exact base amount `b` and a quote amount `b * price / 1e18` rounded in the MAKER's
///      favour: up when the maker sells base (asks), down when the maker buys base (bids). A path payment that
///      must deliver an exact quote amount `q` from a bid instead moves exactly `q` and `q * 1e18 / price`
///      base rounded up (again the maker's favour). So a maker never trades at a worse price than its own; a
///      taker pays at most one smallest quote unit more, or receives one less, per fill than the exact product.
///      A resting bid escrows ceil(base * price / 1e18) quote, which always covers its fills (floor(x) +
///      ceil(y) <= ceil(x + y)); what is left when it closes goes back to its maker.
///
///      Priority: best price first, then first-in-first-out within a price level (doubly linked lists of levels
///      and of orders). Gas is bounded: one taker call, or one hop of a path payment, touches at most
///      MAX_MATCHES resting orders (fills plus expired, self-trade and dust orders it removes); inserting a new
///      price level walks at most MAX_INSERT_WALK levels from the best price or from a caller's hint. Orders are
///      fully funded when placed (maker funds are escrowed here); makers are credited, never pushed, so a
///      maker that rejects payments cannot block a taker. A taker that meets its own resting order cancels
///      that order (self-trade prevention: cancel the resting one).
///
///      Every order has an expiration; anyone can cancel an expired order (its escrow goes back to the maker),
///      and expired orders met while matching are removed the same way.
contract OrderBook is SettlementVault {
    using SafeCast for uint256;

    /// @notice Prices are quote units per PRICE_SCALE base units.
    uint256 public constant PRICE_SCALE = 1e18;
    /// @notice Most resting orders one taker call or one path hop touches.
    uint256 public constant MAX_MATCHES = 32;
    /// @notice Most price levels walked to insert a new level.
    uint256 public constant MAX_INSERT_WALK = 64;
    /// @notice Most books a path payment goes through (one intermediate asset).
    uint256 public constant MAX_HOPS = 2;

    /// @notice Time in force of a new order.
    enum Kind {
        Limit, // match, then rest the remainder until it fills, is cancelled or expires
        ImmediateOrCancel, // match, then return the remainder
        FillOrKill // match all of it or revert
    }

    /// @notice Why a resting order left the book.
    enum CloseReason {
        Filled,
        Cancelled,
        Expired,
        SelfTrade,
        Dust
    }

    /// @notice A book: `base` traded against `quote`.
    struct Market {
        address base;
        address quote;
        uint128 tickSize;
        uint128 minBase;
        uint128 bestBid; // highest bid price, 0 = none
        uint128 bestAsk; // lowest ask price, 0 = none
    }

    /// @notice A resting order. Asks escrow `remainingBase`; bids escrow `escrowQuote`.
    struct Order {
        address maker;
        uint40 expiration;
        bool isBuy;
        uint48 marketId;
        uint128 escrowQuote;
        uint64 prev; // older order at the same price, 0 = none
        uint64 next; // newer order at the same price, 0 = none
        uint128 price;
        uint128 remainingBase;
    }

    /// @notice A price level: its FIFO queue and its neighbours (`better` is closer to the top of the book).
    struct Level {
        uint64 head;
        uint64 tail;
        uint128 better;
        uint128 worse;
    }

    /// @notice A new order. `hint` is an existing price level on the same side at least as good as `price`
    ///         (from {insertionHint}) where the walk to insert a new level starts; 0 starts at the best price.
    struct NewOrder {
        uint256 marketId;
        bool isBuy;
        uint128 price;
        uint128 baseAmount;
        Kind kind;
        uint40 expiration;
        uint128 hint;
    }

    /// @notice A path payment: spend at most `sendMax` of `sendAsset` so that `destination` receives exactly
    ///         `deliverAmount` of `deliverAsset`, converting through the markets of `path` in order.
    struct PathPayment {
        address sendAsset;
        uint256 sendMax;
        address deliverAsset;
        uint256 deliverAmount;
        address destination;
        uint256[] path;
        uint40 deadline;
    }

    /// @dev The taker side of a matching run.
    struct Taker {
        uint256 marketId;
        address taker;
        bool takerBuys; // consumes asks (buys base) or bids (sells base)
        bool byQuote; // `wanted` counts quote received (only when selling base) instead of base
        uint128 limit; // worst acceptable maker price, 0 = none (path payments)
        uint256 wanted;
        uint256 baseTraded;
        uint256 quoteTraded;
        uint256 touched;
    }

    /// @notice Number of markets; market ids are 1..marketCount.
    uint256 public marketCount;
    /// @notice Number of orders that ever rested; order ids are 1..orderCount.
    uint64 public orderCount;

    mapping(uint256 id => Market) private _markets;
    mapping(bytes32 key => uint256 id) private _marketIds;
    mapping(uint64 id => Order) private _orders;
    mapping(uint256 marketId => mapping(bool isBuy => mapping(uint128 price => Level))) private _levels;

    /// @notice A market's base and quote are the same asset.
    error SameAsset();
    /// @notice A market with these parameters already exists.
    error MarketExists(uint256 id);
    /// @notice Tick size and minimum size must be non-zero.
    error InvalidMarketParameters();
    /// @notice No market `id`.
    error UnknownMarket(uint256 id);
    /// @notice The price is zero or not a multiple of the tick size.
    error InvalidPrice(uint128 price, uint128 tickSize);
    /// @notice The order is smaller than the market's minimum.
    error BelowMinimumSize(uint128 baseAmount, uint128 minBase);
    /// @notice The expiration (or deadline) is not in the future.
    error InvalidExpiration(uint40 expiration);
    /// @notice A fill-or-kill order could only fill `filled` of `wanted`.
    error FillOrKillNotFilled(uint256 wanted, uint256 filled);
    /// @notice Inserting a new price level needed a walk longer than MAX_INSERT_WALK; pass a hint.
    error InsertionTooDeep(uint128 price);
    /// @notice No resting order `id`.
    error UnknownOrder(uint64 id);
    /// @notice Only the maker may cancel an order before it expires.
    error NotAuthorized(uint64 id, address caller);
    /// @notice `msg.value` does not cover the CMT the call needs.
    error InsufficientValue(uint256 needed, uint256 sent);
    /// @notice The path is empty, too long, or does not lead from the send asset to the deliver asset.
    error InvalidPath();
    /// @notice A hop's book could not deliver `missing` more within MAX_MATCHES orders.
    error InsufficientLiquidity(uint256 marketId, uint256 missing);
    /// @notice The payment would cost `spent`, above `sendMax`.
    error SendMaxExceeded(uint256 spent, uint256 sendMax);

    /// @notice Market `id` trades `base` against `quote`.
    event MarketCreated(uint256 indexed id, address indexed base, address indexed quote, uint128 tickSize, uint128 minBase);
    /// @notice Order `id` rests in the book with `baseAmount` left and `escrow` held (quote for bids, base for asks).
    event OrderPlaced(
        uint64 indexed id,
        uint256 indexed marketId,
        address indexed maker,
        bool isBuy,
        uint128 price,
        uint128 baseAmount,
        uint256 escrow,
        uint40 expiration
    );
    /// @notice Resting order `makerOrderId` traded `baseAmount` for `quoteAmount` at its `price` with `taker`.
    event Trade(
        uint256 indexed marketId,
        uint64 indexed makerOrderId,
        address indexed taker,
        address maker,
        bool makerIsBuy,
        uint128 price,
        uint256 baseAmount,
        uint256 quoteAmount
    );
    /// @notice Order `id` left the book; `refund` of `asset` (its unused escrow) was credited or sent to `maker`.
    event OrderClosed(uint64 indexed id, address indexed maker, CloseReason reason, address asset, uint256 refund);
    /// @notice Outcome of a new order: what it filled, what was returned unfilled, and the id it rests under (0 if none).
    event OrderSettled(
        uint256 indexed marketId,
        address indexed taker,
        bool isBuy,
        Kind kind,
        uint128 price,
        uint256 filledBase,
        uint256 filledQuote,
        uint256 unfilledBase,
        uint64 restingOrderId
    );
    /// @notice A path payment delivered exactly `delivered` of `deliverAsset` to `destination` for `spent` of `sendAsset`.
    event PathPaid(
        address indexed payer,
        address indexed destination,
        address sendAsset,
        uint256 spent,
        address deliverAsset,
        uint256 delivered
    );

    // ------------------------------------------------------------------------------------------ markets

    /// @notice Creates a market (permissionless; one per parameter set).
    /// @param base The asset bought and sold (NATIVE for CMT).
    /// @param quote The asset prices are in (NATIVE for CMT).
    /// @param tickSize Prices must be multiples of it.
    /// @param minBase Smallest new order, in base units (keeps dust out of the book).
    /// @return id The market's id.
    function createMarket(address base, address quote, uint128 tickSize, uint128 minBase) external returns (uint256 id) {
        if (base == quote) revert SameAsset();
        _requireAsset(base);
        _requireAsset(quote);
        if (tickSize == 0 || minBase == 0) revert InvalidMarketParameters();
        bytes32 key = keccak256(abi.encode(base, quote, tickSize, minBase));
        if (_marketIds[key] != 0) revert MarketExists(_marketIds[key]);
        id = ++marketCount;
        _marketIds[key] = id;
        _markets[id] = Market({base: base, quote: quote, tickSize: tickSize, minBase: minBase, bestBid: 0, bestAsk: 0});
        emit MarketCreated(id, base, quote, tickSize, minBase);
    }

    // ------------------------------------------------------------------------------------------ orders

    /// @notice Places an order: it first takes crossing resting orders (best price, then oldest), then, for a
    ///         Limit order, rests the remainder. The caller pays in what the order uses: a buy pays the quote of
    ///         its fills plus ceil(rest * price / 1e18) escrow for a resting remainder; a sell pays the base it
    ///         sold plus the base of a resting remainder. For CMT send at least that as `msg.value`; the excess
    ///         is refunded. What the order bought is sent to the caller at once.
    /// @dev A Limit order that reaches MAX_MATCHES while its remainder still crosses the book returns the
    ///      remainder (reported as `unfilledBase`) instead of resting it; send another order to continue.
    /// @param o The order (see {NewOrder}).
    /// @return orderId The resting order's id, 0 when nothing rests.
    /// @return filledBase Base traded.
    /// @return filledQuote Quote traded.
    function placeOrder(NewOrder calldata o)
        external
        payable
        nonReentrant
        returns (uint64 orderId, uint256 filledBase, uint256 filledQuote)
    {
        Market storage mk = _market(o.marketId);
        if (o.price == 0 || o.price % mk.tickSize != 0) revert InvalidPrice(o.price, mk.tickSize);
        if (o.baseAmount < mk.minBase) revert BelowMinimumSize(o.baseAmount, mk.minBase);
        if (o.expiration <= block.timestamp) revert InvalidExpiration(o.expiration);

        Taker memory t = Taker({
            marketId: o.marketId,
            taker: msg.sender,
            takerBuys: o.isBuy,
            byQuote: false,
            limit: o.price,
            wanted: o.baseAmount,
            baseTraded: 0,
            quoteTraded: 0,
            touched: 0
        });
        _match(mk, t);
        (filledBase, filledQuote) = (t.baseTraded, t.quoteTraded);
        uint256 remaining = o.baseAmount - filledBase;
        if (o.kind == Kind.FillOrKill && remaining != 0) revert FillOrKillNotFilled(o.baseAmount, filledBase);

        uint256 escrow;
        if (o.kind == Kind.Limit && remaining != 0 && !_crosses(mk, o.isBuy, o.price)) {
            escrow = o.isBuy ? Math.mulDiv(remaining, o.price, PRICE_SCALE, Math.Rounding.Ceil) : remaining;
            orderId = _rest(mk, o, remaining.toUint128(), escrow);
            remaining = 0;
        }
        emit OrderSettled(o.marketId, msg.sender, o.isBuy, o.kind, o.price, filledBase, filledQuote, remaining, orderId);

        (address payAsset, uint256 payIn, address getAsset, uint256 getOut) = o.isBuy
            ? (mk.quote, filledQuote + escrow, mk.base, filledBase)
            : (mk.base, filledBase + escrow, mk.quote, filledQuote);
        _payIn(payAsset, payIn);
        _push(msg.sender, getAsset, getOut);
        _assertSolvent(payAsset);
        _assertSolvent(getAsset);
    }

    /// @notice Cancels resting order `id`: the maker at any time, anyone once it has expired. The unused escrow
    ///         goes to the maker (sent when the maker calls, credited to {owed} otherwise).
    /// @param id The order.
    function cancelOrder(uint64 id) external nonReentrant {
        Order storage o = _orders[id];
        address maker = o.maker;
        if (maker == address(0)) revert UnknownOrder(id);
        bool expired = o.expiration <= block.timestamp;
        if (msg.sender != maker && !expired) revert NotAuthorized(id, msg.sender);
        Market storage mk = _markets[o.marketId];
        (, address asset, uint256 refund) = _close(mk, id, o, expired ? CloseReason.Expired : CloseReason.Cancelled);
        _payOrCredit(maker, asset, refund);
        _assertSolvent(asset);
    }

    // ------------------------------------------------------------------------------------------ path payments

    /// @notice Pays `p.destination` exactly `p.deliverAmount` of `p.deliverAsset`, spending at most `p.sendMax`
    ///         of `p.sendAsset`, converted atomically through the books of `p.path` (one or two markets; the
    ///         asset between them is the intermediate). Each hop takes resting orders best price first, for the
    ///         exact amount the next hop (or the destination) needs, computed from the last hop backwards. For
    ///         CMT send exactly `sendMax` as `msg.value`; the unspent part is refunded. Reverts if any book is
    ///         too thin ({InsufficientLiquidity}) or the cost exceeds `sendMax` ({SendMaxExceeded}).
    /// @param p The payment (see {PathPayment}).
    /// @return spent What the caller paid.
    function pathPayment(PathPayment calldata p) external payable nonReentrant returns (uint256 spent) {
        if (p.destination == address(0)) revert ZeroAddress();
        if (p.deliverAmount == 0) revert ZeroAmount();
        if (p.deadline <= block.timestamp) revert InvalidExpiration(p.deadline);
        if (p.sendAsset == NATIVE ? msg.value != p.sendMax : msg.value != 0) {
            revert ValueMismatch(p.sendAsset == NATIVE ? p.sendMax : 0, msg.value);
        }
        address[] memory assets = _pathAssets(p);

        spent = p.deliverAmount;
        for (uint256 i = p.path.length; i > 0; ) {
            // i >= 1 here, so i - 1 cannot underflow.
            unchecked {
                --i;
            }
            spent = _hopExactOut(p.path[i], assets[i], spent);
        }
        if (spent > p.sendMax) revert SendMaxExceeded(spent, p.sendMax);
        emit PathPaid(msg.sender, p.destination, p.sendAsset, spent, p.deliverAsset, p.deliverAmount);

        if (p.sendAsset != NATIVE) _pullToken(p.sendAsset, msg.sender, spent);
        _push(p.destination, p.deliverAsset, p.deliverAmount);
        if (p.sendAsset == NATIVE) _push(msg.sender, NATIVE, p.sendMax - spent);
        for (uint256 i = 0; i < assets.length; ++i) _assertSolvent(assets[i]);
    }

    // ------------------------------------------------------------------------------------------ views

    /// @notice Market `id`.
    /// @param id The market.
    /// @return The market (all zero when unknown).
    function getMarket(uint256 id) external view returns (Market memory) {
        return _markets[id];
    }

    /// @notice Resting order `id`.
    /// @param id The order.
    /// @return The order (all zero once it has left the book).
    function getOrder(uint64 id) external view returns (Order memory) {
        return _orders[id];
    }

    /// @notice The ids of the orders resting at `price` on one side of market `marketId`, oldest first.
    /// @param marketId The market.
    /// @param isBuy Bids (true) or asks (false).
    /// @param price The level.
    /// @return ids Order ids in time priority.
    function levelOrders(uint256 marketId, bool isBuy, uint128 price) external view returns (uint64[] memory ids) {
        uint256 n;
        for (uint64 id = _levels[marketId][isBuy][price].head; id != 0; id = _orders[id].next) ++n;
        ids = new uint64[](n);
        n = 0;
        for (uint64 id = _levels[marketId][isBuy][price].head; id != 0; id = _orders[id].next) ids[n++] = id;
    }

    /// @notice The first `maxLevels` price levels of one side, best first, with the base resting at each.
    /// @param marketId The market.
    /// @param isBuy Bids (true) or asks (false).
    /// @param maxLevels How many levels at most.
    /// @return prices Level prices, best first.
    /// @return baseAmounts Base resting at each level.
    function depth(uint256 marketId, bool isBuy, uint256 maxLevels)
        external
        view
        returns (uint128[] memory prices, uint256[] memory baseAmounts)
    {
        Market storage mk = _markets[marketId];
        uint256 n;
        for (uint128 p = isBuy ? mk.bestBid : mk.bestAsk; p != 0 && n < maxLevels; p = _levels[marketId][isBuy][p].worse) ++n;
        prices = new uint128[](n);
        baseAmounts = new uint256[](n);
        uint128 price = isBuy ? mk.bestBid : mk.bestAsk;
        for (uint256 i = 0; i < n; ++i) {
            prices[i] = price;
            for (uint64 id = _levels[marketId][isBuy][price].head; id != 0; id = _orders[id].next) {
                baseAmounts[i] += _orders[id].remainingBase;
            }
            price = _levels[marketId][isBuy][price].worse;
        }
    }

    /// @notice The hint for a new order at `price`: the worst existing level on that side that is strictly
    ///         better than `price` (0 if none). Unbounded walk: for off-chain use.
    /// @param marketId The market.
    /// @param isBuy Bids (true) or asks (false).
    /// @param price The new order's price.
    /// @return hint The level to start the insertion walk from.
    function insertionHint(uint256 marketId, bool isBuy, uint128 price) external view returns (uint128 hint) {
        Market storage mk = _markets[marketId];
        for (uint128 p = isBuy ? mk.bestBid : mk.bestAsk; p != 0 && _isBetter(isBuy, p, price); p = _levels[marketId][isBuy][p].worse) {
            hint = p;
        }
    }

    // ------------------------------------------------------------------------------------------ matching

    /// @dev Takes resting orders of the opposite side, best price then oldest first, until `t.wanted` is met, the
    ///      limit price is passed, the side is empty or MAX_MATCHES orders were touched.
    function _match(Market storage mk, Taker memory t) private {
        bool makerIsBuy = !t.takerBuys;
        while (t.wanted != 0 && t.touched < MAX_MATCHES) {
            uint128 p = makerIsBuy ? mk.bestBid : mk.bestAsk;
            if (p == 0) break;
            if (t.limit != 0 && (makerIsBuy ? p < t.limit : p > t.limit)) break;
            uint64 id = _levels[t.marketId][makerIsBuy][p].head;
            Order storage o = _orders[id];
            // Bounded by MAX_MATCHES.
            unchecked {
                ++t.touched;
            }
            if (o.expiration <= block.timestamp) {
                _closeAndCredit(mk, id, o, CloseReason.Expired);
            } else if (o.maker == t.taker) {
                _closeAndCredit(mk, id, o, CloseReason.SelfTrade);
            } else {
                (uint256 b, uint256 q) = _fillSize(o, p, t);
                if (b == 0) _closeAndCredit(mk, id, o, CloseReason.Dust);
                else _fill(mk, t, id, o, b, q);
            }
        }
    }

    /// @dev The base `b` and quote `q` of the next fill against `o` at its price `p`, rounded in the maker's
    ///      favour. (0, 0) marks a bid too small to pay even one quote unit (dust).
    function _fillSize(Order storage o, uint128 p, Taker memory t) private view returns (uint256 b, uint256 q) {
        uint256 rem = o.remainingBase;
        if (!o.isBuy) {
            // Maker sells base: exact base, quote rounded up.
            b = rem < t.wanted ? rem : t.wanted;
            q = Math.mulDiv(b, p, PRICE_SCALE, Math.Rounding.Ceil);
        } else {
            uint256 cap = Math.mulDiv(rem, p, PRICE_SCALE);
            if (cap > o.escrowQuote) cap = o.escrowQuote;
            if (cap == 0) return (0, 0);
            if (!t.byQuote) {
                // Maker buys base: exact base, quote rounded down.
                b = rem < t.wanted ? rem : t.wanted;
                q = Math.mulDiv(b, p, PRICE_SCALE);
            } else {
                // Maker buys base for an exact quote amount: base rounded up (q <= rem * p / 1e18, so b <= rem).
                q = cap < t.wanted ? cap : t.wanted;
                b = Math.mulDiv(q, PRICE_SCALE, p, Math.Rounding.Ceil);
            }
        }
    }

    /// @dev Applies one fill: releases the maker's escrow, credits the maker, counts it for the taker.
    function _fill(Market storage mk, Taker memory t, uint64 id, Order storage o, uint256 b, uint256 q) private {
        o.remainingBase -= b.toUint128();
        address maker = o.maker;
        if (o.isBuy) {
            o.escrowQuote -= q.toUint128();
            liabilities[mk.quote] -= q;
            _credit(maker, mk.base, b);
        } else {
            liabilities[mk.base] -= b;
            _credit(maker, mk.quote, q);
        }
        t.baseTraded += b;
        t.quoteTraded += q;
        t.wanted -= t.byQuote ? q : b;
        emit Trade(t.marketId, id, t.taker, maker, o.isBuy, o.price, b, q);
        if (o.remainingBase == 0) _closeAndCredit(mk, id, o, CloseReason.Filled);
    }

    /// @dev One hop of a path payment: takes exactly `out` of the asset after `assetIn` from market `marketId`
    ///      and returns how much of `assetIn` that costs.
    function _hopExactOut(uint256 marketId, address assetIn, uint256 out) private returns (uint256 cost) {
        Market storage mk = _markets[marketId];
        bool takerBuys = assetIn == mk.quote;
        Taker memory t = Taker({
            marketId: marketId,
            taker: msg.sender,
            takerBuys: takerBuys,
            byQuote: !takerBuys,
            limit: 0,
            wanted: out,
            baseTraded: 0,
            quoteTraded: 0,
            touched: 0
        });
        _match(mk, t);
        if (t.wanted != 0) revert InsufficientLiquidity(marketId, t.wanted);
        cost = takerBuys ? t.quoteTraded : t.baseTraded;
    }

    /// @dev The assets a path passes through: [sendAsset, intermediate?, deliverAsset].
    function _pathAssets(PathPayment calldata p) private view returns (address[] memory assets) {
        uint256 hops = p.path.length;
        if (hops == 0 || hops > MAX_HOPS || p.sendAsset == p.deliverAsset) revert InvalidPath();
        assets = new address[](hops + 1);
        assets[0] = p.sendAsset;
        for (uint256 i = 0; i < hops; ++i) {
            Market storage mk = _market(p.path[i]);
            if (assets[i] == mk.quote) assets[i + 1] = mk.base;
            else if (assets[i] == mk.base) assets[i + 1] = mk.quote;
            else revert InvalidPath();
        }
        if (assets[hops] != p.deliverAsset) revert InvalidPath();
    }

    // ------------------------------------------------------------------------------------------ book keeping

    function _market(uint256 id) private view returns (Market storage mk) {
        mk = _markets[id];
        if (mk.tickSize == 0) revert UnknownMarket(id);
    }

    function _isBetter(bool isBuy, uint128 a, uint128 b) private pure returns (bool) {
        return isBuy ? a > b : a < b;
    }

    /// @dev Whether a new order on side `isBuy` at `price` would still cross the opposite best price.
    function _crosses(Market storage mk, bool isBuy, uint128 price) private view returns (bool) {
        if (isBuy) return mk.bestAsk != 0 && mk.bestAsk <= price;
        return mk.bestBid != 0 && mk.bestBid >= price;
    }

    /// @dev Rests the unfilled `base` of `o` with `escrow` held, at the tail of its price level.
    function _rest(Market storage mk, NewOrder calldata o, uint128 base, uint256 escrow) private returns (uint64 id) {
        id = ++orderCount;
        _orders[id] = Order({
            maker: msg.sender,
            expiration: o.expiration,
            isBuy: o.isBuy,
            marketId: o.marketId.toUint48(),
            escrowQuote: o.isBuy ? escrow.toUint128() : 0,
            prev: 0,
            next: 0,
            price: o.price,
            remainingBase: base
        });
        _insert(mk, o.marketId, o.isBuy, o.price, id, o.hint);
        liabilities[o.isBuy ? mk.quote : mk.base] += escrow;
        emit OrderPlaced(id, o.marketId, msg.sender, o.isBuy, o.price, base, escrow, o.expiration);
    }

    /// @dev Appends order `id` to its price level, creating the level in sorted position if needed.
    function _insert(Market storage mk, uint256 marketId, bool isBuy, uint128 price, uint64 id, uint128 hint) private {
        mapping(uint128 => Level) storage side = _levels[marketId][isBuy];
        Level storage lvl = side[price];
        if (lvl.head != 0) {
            _orders[id].prev = lvl.tail;
            _orders[lvl.tail].next = id;
            lvl.tail = id;
            return;
        }
        uint128 better;
        uint128 cur = isBuy ? mk.bestBid : mk.bestAsk;
        if (hint != 0 && side[hint].head != 0 && _isBetter(isBuy, hint, price)) {
            better = hint;
            cur = side[hint].worse;
        }
        for (uint256 steps = 0; cur != 0 && _isBetter(isBuy, cur, price); ++steps) {
            if (steps == MAX_INSERT_WALK) revert InsertionTooDeep(price);
            better = cur;
            cur = side[cur].worse;
        }
        lvl.head = id;
        lvl.tail = id;
        lvl.better = better;
        lvl.worse = cur;
        if (better == 0) {
            if (isBuy) mk.bestBid = price;
            else mk.bestAsk = price;
        } else {
            side[better].worse = price;
        }
        if (cur != 0) side[cur].better = price;
    }

    /// @dev Takes order `id` out of its level (and the level out of the book when it empties), deletes it and
    ///      releases its escrow from {liabilities}; the caller pays `refund` of `asset` to `maker`.
    function _close(Market storage mk, uint64 id, Order storage o, CloseReason reason)
        private
        returns (address maker, address asset, uint256 refund)
    {
        maker = o.maker;
        bool isBuy = o.isBuy;
        (asset, refund) = isBuy ? (mk.quote, uint256(o.escrowQuote)) : (mk.base, uint256(o.remainingBase));
        mapping(uint128 => Level) storage side = _levels[o.marketId][isBuy];
        Level storage lvl = side[o.price];
        (uint64 prev, uint64 next) = (o.prev, o.next);
        if (prev != 0) _orders[prev].next = next;
        else lvl.head = next;
        if (next != 0) _orders[next].prev = prev;
        else lvl.tail = prev;
        if (lvl.head == 0) {
            (uint128 better, uint128 worse) = (lvl.better, lvl.worse);
            if (better != 0) side[better].worse = worse;
            else if (isBuy) mk.bestBid = worse;
            else mk.bestAsk = worse;
            if (worse != 0) side[worse].better = better;
            delete side[o.price];
        }
        delete _orders[id];
        liabilities[asset] -= refund;
        emit OrderClosed(id, maker, reason, asset, refund);
    }

    function _closeAndCredit(Market storage mk, uint64 id, Order storage o, CloseReason reason) private {
        (address maker, address asset, uint256 refund) = _close(mk, id, o, reason);
        _credit(maker, asset, refund);
    }

    /// @dev Takes `amount` of `asset` from the caller: for CMT out of `msg.value` (the excess is refunded), for a
    ///      token by transferFrom (and then no CMT may be sent).
    function _payIn(address asset, uint256 amount) private {
        if (asset == NATIVE) {
            if (msg.value < amount) revert InsufficientValue(amount, msg.value);
            _push(msg.sender, NATIVE, msg.value - amount);
        } else {
            if (msg.value != 0) revert UnexpectedValue(msg.value);
            if (amount != 0) _pullToken(asset, msg.sender, amount);
        }
    }
}
