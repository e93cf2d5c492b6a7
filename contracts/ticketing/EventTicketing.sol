// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title EventTicketing
/// @notice Event ticketing with refunds, priced in CMT (CyberMiles' EventTicketSales, redone). One contract holds
///         any number of events; every ticket is an ERC-721 token (one token per seat or admission, so each has
///         its own check-in and resale state).
///
///         An **organiser** creates an event with up to {MAX_CLASSES} ticket classes (price, supply, sale window,
///         optional per-buyer cap) and a refund window. **Buyers** pay the exact price and get tickets. Tickets
///         cannot be transferred freely (anti-touting): a holder can only list a ticket on this contract's own
///         resale market, at most at the event's resale cap (a percentage of the face price) when resale is on,
///         optionally for one named buyer (a gift at price 0). At the door the organiser or one of its
///         **scanners** checks a ticket in with the holder's EIP-712 signature (the QR code), once.
///
///         All money stays in the contract until the event is settled:
///         - **cancelled** (by the organiser any time before settlement, or by anyone once the event has ended
///           without a single check-in): every buyer pulls back exactly what it paid for the tickets of the event,
///           primary and resale purchases alike; resale sellers get nothing (their buyers are refunded instead);
///         - **settled** (the event ended, at least one ticket was checked in and the refund window after the end
///           has passed): anyone pushes the primary sales to the event's payee, and each resale seller pulls its
///           resale proceeds.
///         So refunds + proceeds paid for an event never exceed what was paid in for it, and eventually equal it.
/// @dev State of an event (see {phaseOf}): Upcoming (before `start`) -> Live (`start`..`end`) -> RefundWindow
///      (`end`..`end + refundWindow`, at least one check-in) -> Settled; after `end` with no check-in it is
///      Unattended until someone cancels it; Cancelled from any unsettled phase. Every phase ends by time or by a
///      permissionless action, so no money waits on the organiser. Every value-moving function is nonReentrant
///      and ends with a solvency check (`balance >= totalHeld`).
contract EventTicketing is ERC721, EIP712, ReentrancyGuardTransient {
    /// @notice Where an event stands (derived from time, check-ins and cancellation).
    enum Phase {
        None,
        Upcoming,
        Live,
        RefundWindow,
        Unattended,
        Settled,
        Cancelled
    }

    /// @notice The terms of an event, given at creation.
    struct EventParams {
        /// Receives the primary sales after settlement (the organiser can change it).
        address payable payee;
        /// When the event starts (check-in opens CHECK_IN_LEAD before).
        uint64 start;
        /// When it ends; tickets are sold, resold and checked in only before.
        uint64 end;
        /// Seconds after `end` during which the organiser may still cancel; the proceeds wait for it.
        uint64 refundWindow;
        /// Whether holders may resell on the contract's market.
        bool resaleAllowed;
        /// Highest resale price in basis points of the face price (10,000 = face); 0 = no cap.
        uint32 resaleCapBps;
        /// Returned by tokenURI for every ticket of the event.
        string metadataURI;
    }

    /// @notice A ticket class as given at creation.
    struct ClassParams {
        /// Price per ticket in wei (0 = free).
        uint128 price;
        /// Tickets available.
        uint32 supply;
        /// Most primary tickets of this class one address may buy; 0 = no cap.
        uint32 maxPerBuyer;
        /// First second of sale.
        uint64 saleStart;
        /// First second the sale is closed (at most the event's end).
        uint64 saleEnd;
    }

    /// @notice A ticket class.
    struct TicketClass {
        uint128 price;
        uint32 supply;
        uint32 sold;
        uint32 maxPerBuyer;
        uint64 saleStart;
        uint64 saleEnd;
    }

    /// @notice An event.
    struct EventInfo {
        address organiser;
        uint64 start;
        uint64 end;
        address payable payee;
        uint64 refundWindow;
        uint32 resaleCapBps;
        bool resaleAllowed;
        bool cancelled;
        bool proceedsWithdrawn;
        uint8 classCount;
        uint32 ticketsSold;
        uint32 checkedIn;
        /// Wei paid for primary tickets.
        uint256 primarySales;
        /// Wei paid for resold tickets.
        uint256 resaleVolume;
        /// Wei still held for this event (paid in minus paid out).
        uint256 held;
        string metadataURI;
    }

    /// @notice A ticket.
    struct Ticket {
        uint64 eventId;
        uint8 classId;
        bool checkedIn;
    }

    /// @notice A resale offer.
    struct Listing {
        bool active;
        /// Only this address may buy; zero = anyone.
        address buyer;
        uint256 price;
    }

    /// @notice Most ticket classes per event.
    uint256 public constant MAX_CLASSES = 16;
    /// @notice Most tickets per purchase.
    uint256 public constant MAX_PER_PURCHASE = 20;
    /// @notice Shortest refund window.
    uint64 public constant MIN_REFUND_WINDOW = 1 days;
    /// @notice Longest refund window.
    uint64 public constant MAX_REFUND_WINDOW = 90 days;
    /// @notice Longest event.
    uint64 public constant MAX_EVENT_DURATION = 30 days;
    /// @notice Latest start, counted from creation.
    uint64 public constant MAX_LEAD_TIME = 730 days;
    /// @notice Check-in opens this long before the start.
    uint64 public constant CHECK_IN_LEAD = 12 hours;
    /// @notice Basis points of 100%.
    uint256 public constant BPS = 10_000;
    /// @notice EIP-712 type of the holder's check-in authorisation.
    bytes32 public constant CHECK_IN_TYPEHASH = keccak256("CheckIn(uint256 ticketId,address holder,uint256 validUntil)");

    /// @notice Number of events; ids are 1..eventCount.
    uint256 public eventCount;
    /// @notice Number of tickets; ids are 1..ticketCount.
    uint256 public ticketCount;
    /// @notice Wei owed to someone (buyers, payees, resale sellers) over all events.
    uint256 public totalHeld;

    mapping(uint256 eventId => EventInfo) private _events;
    mapping(uint256 eventId => mapping(uint256 classId => TicketClass)) private _classes;
    mapping(uint256 ticketId => Ticket) private _tickets;
    mapping(uint256 ticketId => Listing) private _listings;
    mapping(uint256 eventId => mapping(address account => uint256)) private _paid;
    mapping(uint256 eventId => mapping(address seller => uint256)) private _resaleProceeds;
    mapping(uint256 eventId => mapping(uint256 classId => mapping(address buyer => uint256))) private _bought;
    mapping(uint256 eventId => mapping(address scanner => bool)) private _scanners;

    /// @notice Event `eventId` was created.
    event EventCreated(
        uint256 indexed eventId,
        address indexed organiser,
        address payee,
        uint64 start,
        uint64 end,
        uint64 refundWindow,
        bool resaleAllowed,
        uint32 resaleCapBps,
        string metadataURI
    );
    /// @notice Ticket class `classId` of `eventId` was created.
    event TicketClassCreated(
        uint256 indexed eventId,
        uint256 indexed classId,
        uint256 price,
        uint256 supply,
        uint256 maxPerBuyer,
        uint64 saleStart,
        uint64 saleEnd
    );
    /// @notice `scanner` may (or may no longer) check tickets of `eventId` in.
    event ScannerSet(uint256 indexed eventId, address indexed scanner, bool allowed);
    /// @notice The payee of `eventId` changed.
    event PayeeChanged(uint256 indexed eventId, address indexed payee);
    /// @notice `buyer` bought tickets `firstTicketId` .. `firstTicketId + quantity - 1` for `amount` wei.
    event TicketsPurchased(
        uint256 indexed eventId,
        uint256 indexed classId,
        address indexed buyer,
        uint256 firstTicketId,
        uint256 quantity,
        uint256 amount
    );
    /// @notice `seller` offered `ticketId` for `price` (to `buyer` only, unless zero).
    event ResaleListed(uint256 indexed ticketId, address indexed seller, uint256 price, address buyer);
    /// @notice The resale offer of `ticketId` was withdrawn.
    event ResaleCancelled(uint256 indexed ticketId, address indexed seller);
    /// @notice `ticketId` was resold from `seller` to `buyer` for `price`.
    event ResaleSold(uint256 indexed ticketId, address indexed seller, address indexed buyer, uint256 price);
    /// @notice `ticketId` of `eventId`, held by `holder`, was checked in by `scanner`.
    event CheckedIn(uint256 indexed eventId, uint256 indexed ticketId, address indexed holder, address scanner);
    /// @notice `eventId` was cancelled by `by`; buyers can now pull their refunds.
    event EventCancelled(uint256 indexed eventId, address indexed by);
    /// @notice `account` got back `amount` (sent to `to`).
    event Refunded(uint256 indexed eventId, address indexed account, address to, uint256 amount);
    /// @notice The primary sales of `eventId` were paid to `payee`.
    event ProceedsWithdrawn(uint256 indexed eventId, address indexed payee, uint256 amount);
    /// @notice `seller`'s resale proceeds of `eventId` were paid (to `to`).
    event ResaleProceedsWithdrawn(uint256 indexed eventId, address indexed seller, address to, uint256 amount);

    /// @notice The zero address where an account is required.
    error ZeroAddress();
    /// @notice Start, end or lead time out of bounds.
    error BadEventTimes(uint64 start, uint64 end);
    /// @notice Refund window outside [MIN_REFUND_WINDOW, MAX_REFUND_WINDOW].
    error BadRefundWindow(uint64 refundWindow);
    /// @notice No classes, or more than MAX_CLASSES.
    error BadClassCount(uint256 count);
    /// @notice Class `classId` has no supply or a bad sale window.
    error BadClass(uint256 classId);
    /// @notice No event `eventId`.
    error UnknownEvent(uint256 eventId);
    /// @notice No class `classId` in `eventId`.
    error UnknownClass(uint256 eventId, uint256 classId);
    /// @notice No ticket `ticketId`.
    error UnknownTicket(uint256 ticketId);
    /// @notice Only the organiser may do this.
    error NotOrganiser(uint256 eventId, address caller);
    /// @notice Only the organiser or a scanner may check in.
    error NotScanner(uint256 eventId, address caller);
    /// @notice Only the ticket's holder may do this.
    error NotHolder(uint256 ticketId, address caller);
    /// @notice Not possible in the event's current phase.
    error WrongPhase(uint256 eventId, Phase phase);
    /// @notice The class is not on sale now.
    error OutsideSaleWindow(uint256 eventId, uint256 classId);
    /// @notice Quantity 0 or above MAX_PER_PURCHASE.
    error BadQuantity(uint256 quantity);
    /// @notice Only `available` tickets of the class are left.
    error SoldOut(uint256 eventId, uint256 classId, uint256 available);
    /// @notice The buyer would hold more than `maxPerBuyer` primary tickets of the class.
    error BuyerCapExceeded(uint256 eventId, uint256 classId, uint256 maxPerBuyer);
    /// @notice The CMT sent is not the price.
    error WrongPayment(uint256 expected, uint256 sent);
    /// @notice The event does not allow resale.
    error ResaleDisabled(uint256 eventId);
    /// @notice Resale price above the event's cap.
    error PriceAboveCap(uint256 ticketId, uint256 price, uint256 cap);
    /// @notice The ticket is not offered for resale.
    error NotListed(uint256 ticketId);
    /// @notice The offer is reserved for another buyer.
    error NotDesignatedBuyer(uint256 ticketId, address caller);
    /// @notice The holder cannot buy its own ticket.
    error OwnTicket(uint256 ticketId);
    /// @notice The ticket was checked in already.
    error AlreadyCheckedIn(uint256 ticketId);
    /// @notice Check-in opens at `opensAt`.
    error CheckInNotOpen(uint256 eventId, uint256 opensAt);
    /// @notice The holder's check-in authorisation expired.
    error CheckInExpired(uint256 validUntil);
    /// @notice The check-in signature is not the holder's.
    error BadHolderSignature(uint256 ticketId);
    /// @notice Nothing to refund or withdraw.
    error NothingToWithdraw();
    /// @notice The proceeds were paid already.
    error ProceedsAlreadyWithdrawn(uint256 eventId);
    /// @notice Tickets move only through purchase and the resale market.
    error TransferRestricted(uint256 ticketId);
    /// @notice Sending CMT to `to` failed.
    error PaymentFailed(address to, uint256 amount);
    /// @notice The contract holds less CMT than it owes.
    error Insolvent(uint256 balance, uint256 owed);

    /// @notice Deploys the ticketing contract (no owner, no fees).
    constructor() ERC721("CyberMiles Event Ticket", "CMTIX") EIP712("CyberMiles EventTicketing", "1") {}

    // ------------------------------------------------------------ organiser

    /// @notice Creates an event with its ticket classes (ids 0..n-1); the caller becomes the organiser.
    /// @param params Payee, times, refund window, resale terms, metadata URI.
    /// @param classes One to MAX_CLASSES ticket classes.
    /// @return eventId The new event's id.
    function createEvent(EventParams calldata params, ClassParams[] calldata classes) external returns (uint256 eventId) {
        if (params.payee == address(0)) revert ZeroAddress();
        if (
            params.start <= block.timestamp || params.end <= params.start
                || params.end - params.start > MAX_EVENT_DURATION || params.start > block.timestamp + MAX_LEAD_TIME
        ) revert BadEventTimes(params.start, params.end);
        if (params.refundWindow < MIN_REFUND_WINDOW || params.refundWindow > MAX_REFUND_WINDOW) {
            revert BadRefundWindow(params.refundWindow);
        }
        if (classes.length == 0 || classes.length > MAX_CLASSES) revert BadClassCount(classes.length);
        eventId = ++eventCount;
        EventInfo storage e = _events[eventId];
        e.organiser = msg.sender;
        e.payee = params.payee;
        e.start = params.start;
        e.end = params.end;
        e.refundWindow = params.refundWindow;
        e.resaleAllowed = params.resaleAllowed;
        e.resaleCapBps = params.resaleCapBps;
        e.classCount = uint8(classes.length); // at most MAX_CLASSES
        e.metadataURI = params.metadataURI;
        emit EventCreated(
            eventId,
            msg.sender,
            params.payee,
            params.start,
            params.end,
            params.refundWindow,
            params.resaleAllowed,
            params.resaleCapBps,
            params.metadataURI
        );
        for (uint256 i = 0; i < classes.length; ++i) {
            ClassParams calldata c = classes[i];
            if (c.supply == 0 || c.saleStart >= c.saleEnd || c.saleEnd > params.end) revert BadClass(i);
            _classes[eventId][i] = TicketClass({
                price: c.price,
                supply: c.supply,
                sold: 0,
                maxPerBuyer: c.maxPerBuyer,
                saleStart: c.saleStart,
                saleEnd: c.saleEnd
            });
            emit TicketClassCreated(eventId, i, c.price, c.supply, c.maxPerBuyer, c.saleStart, c.saleEnd);
        }
    }

    /// @notice Lets `scanner` check tickets of `eventId` in, or stops it.
    /// @param eventId The event.
    /// @param scanner The scanner's address (a door device's key).
    /// @param allowed Whether it may check in.
    function setScanner(uint256 eventId, address scanner, bool allowed) external {
        _onlyOrganiser(eventId);
        if (scanner == address(0)) revert ZeroAddress();
        _scanners[eventId][scanner] = allowed;
        emit ScannerSet(eventId, scanner, allowed);
    }

    /// @notice Changes who receives the primary sales.
    /// @param eventId The event.
    /// @param payee The new payee.
    function setPayee(uint256 eventId, address payable payee) external {
        _onlyOrganiser(eventId);
        if (payee == address(0)) revert ZeroAddress();
        _events[eventId].payee = payee;
        emit PayeeChanged(eventId, payee);
    }

    /// @notice Cancels the event: sales, resales and check-ins stop and every buyer can pull a refund of what it
    ///         paid. The organiser may cancel in any phase before settlement; anyone may cancel an Unattended
    ///         event (ended without a single check-in).
    /// @param eventId The event.
    function cancelEvent(uint256 eventId) external {
        Phase phase = phaseOf(eventId);
        if (phase == Phase.None) revert UnknownEvent(eventId);
        if (phase == Phase.Settled || phase == Phase.Cancelled) revert WrongPhase(eventId, phase);
        if (phase != Phase.Unattended && msg.sender != _events[eventId].organiser) {
            revert NotOrganiser(eventId, msg.sender);
        }
        _events[eventId].cancelled = true;
        emit EventCancelled(eventId, msg.sender);
    }

    // ------------------------------------------------------------ buying and reselling

    /// @notice Buys `quantity` tickets of class `classId`, paying exactly `quantity * price`.
    /// @param eventId The event.
    /// @param classId The class.
    /// @param quantity 1 to MAX_PER_PURCHASE.
    /// @return firstTicketId Id of the first ticket; the others follow consecutively.
    function buy(uint256 eventId, uint256 classId, uint256 quantity)
        external
        payable
        nonReentrant
        returns (uint256 firstTicketId)
    {
        EventInfo storage e = _existing(eventId);
        if (e.cancelled) revert WrongPhase(eventId, Phase.Cancelled);
        if (classId >= e.classCount) revert UnknownClass(eventId, classId);
        TicketClass storage c = _classes[eventId][classId];
        if (block.timestamp < c.saleStart || block.timestamp >= c.saleEnd) revert OutsideSaleWindow(eventId, classId);
        if (quantity == 0 || quantity > MAX_PER_PURCHASE) revert BadQuantity(quantity);
        if (quantity > c.supply - c.sold) revert SoldOut(eventId, classId, c.supply - c.sold);
        uint256 bought = _bought[eventId][classId][msg.sender] + quantity;
        if (c.maxPerBuyer != 0 && bought > c.maxPerBuyer) revert BuyerCapExceeded(eventId, classId, c.maxPerBuyer);
        uint256 cost = uint256(c.price) * quantity;
        if (msg.value != cost) revert WrongPayment(cost, msg.value);

        _bought[eventId][classId][msg.sender] = bought;
        // quantity <= supply - sold <= 2^32 - 1 was checked above, and so was the sum below.
        unchecked {
            c.sold += uint32(quantity);
            e.ticketsSold += uint32(quantity);
        }
        e.primarySales += cost;
        e.held += cost;
        totalHeld += cost;
        _paid[eventId][msg.sender] += cost;
        firstTicketId = ticketCount + 1;
        ticketCount += quantity;
        emit TicketsPurchased(eventId, classId, msg.sender, firstTicketId, quantity, cost);
        for (uint256 i = 0; i < quantity; ++i) {
            uint256 ticketId = firstTicketId + i;
            _tickets[ticketId] = Ticket({eventId: uint64(eventId), classId: uint8(classId), checkedIn: false});
            // _mint, not _safeMint: no callback into the buyer while tickets are being created.
            _mint(msg.sender, ticketId);
        }
        _assertSolvent();
    }

    /// @notice Offers the caller's ticket for resale at `price` (at most the event's cap), to `buyer` only if
    ///         non-zero. Replaces an earlier offer of the same ticket.
    /// @param ticketId The ticket.
    /// @param price Price in wei (0 is allowed: a gift to `buyer`).
    /// @param buyer The only address that may buy it; zero = anyone.
    function listForResale(uint256 ticketId, uint256 price, address buyer) external {
        _resellable(ticketId);
        if (ownerOf(ticketId) != msg.sender) revert NotHolder(ticketId, msg.sender);
        if (buyer == msg.sender) revert OwnTicket(ticketId);
        uint256 cap = resaleCap(ticketId);
        if (price > cap) revert PriceAboveCap(ticketId, price, cap);
        _listings[ticketId] = Listing({active: true, buyer: buyer, price: price});
        emit ResaleListed(ticketId, msg.sender, price, buyer);
    }

    /// @notice Withdraws the caller's resale offer.
    /// @param ticketId The ticket.
    function cancelResale(uint256 ticketId) external {
        if (_tickets[ticketId].eventId == 0) revert UnknownTicket(ticketId);
        if (ownerOf(ticketId) != msg.sender) revert NotHolder(ticketId, msg.sender);
        if (!_listings[ticketId].active) revert NotListed(ticketId);
        delete _listings[ticketId];
        emit ResaleCancelled(ticketId, msg.sender);
    }

    /// @notice Buys a ticket offered for resale, paying exactly its price. The price is held until the event
    ///         settles (then the seller pulls it) or is cancelled (then the caller pulls it back).
    /// @param ticketId The ticket.
    function buyResale(uint256 ticketId) external payable nonReentrant {
        (Ticket storage t, EventInfo storage e) = _resellable(ticketId);
        Listing memory listing = _listings[ticketId];
        if (!listing.active) revert NotListed(ticketId);
        if (listing.buyer != address(0) && listing.buyer != msg.sender) revert NotDesignatedBuyer(ticketId, msg.sender);
        address seller = ownerOf(ticketId);
        if (seller == msg.sender) revert OwnTicket(ticketId);
        if (msg.value != listing.price) revert WrongPayment(listing.price, msg.value);

        uint256 eventId = t.eventId;
        delete _listings[ticketId];
        e.resaleVolume += msg.value;
        e.held += msg.value;
        totalHeld += msg.value;
        _paid[eventId][msg.sender] += msg.value;
        _resaleProceeds[eventId][seller] += msg.value;
        _transfer(seller, msg.sender, ticketId);
        emit ResaleSold(ticketId, seller, msg.sender, msg.value);
        _assertSolvent();
    }

    // ------------------------------------------------------------ the door

    /// @notice Checks `ticketId` in, once, with its holder's EIP-712 signature of
    ///         `CheckIn(ticketId, holder, validUntil)` (an ERC-1271 holder contract may approve it instead). Only
    ///         the organiser or a scanner, from CHECK_IN_LEAD before the start until the end.
    /// @param ticketId The ticket.
    /// @param validUntil Last second the holder's authorisation is valid.
    /// @param signature The holder's signature.
    function checkIn(uint256 ticketId, uint256 validUntil, bytes calldata signature) external {
        Ticket storage t = _tickets[ticketId];
        uint256 eventId = t.eventId;
        if (eventId == 0) revert UnknownTicket(ticketId);
        EventInfo storage e = _events[eventId];
        if (msg.sender != e.organiser && !_scanners[eventId][msg.sender]) revert NotScanner(eventId, msg.sender);
        Phase phase = phaseOf(eventId);
        if (phase != Phase.Upcoming && phase != Phase.Live) revert WrongPhase(eventId, phase);
        if (block.timestamp + CHECK_IN_LEAD < e.start) revert CheckInNotOpen(eventId, e.start - CHECK_IN_LEAD);
        if (t.checkedIn) revert AlreadyCheckedIn(ticketId);
        if (block.timestamp > validUntil) revert CheckInExpired(validUntil);
        address holder = ownerOf(ticketId);
        if (!SignatureChecker.isValidSignatureNow(holder, checkInDigest(ticketId, holder, validUntil), signature)) {
            revert BadHolderSignature(ticketId);
        }
        t.checkedIn = true;
        // at most ticketsSold (< 2^32) tickets can be checked in.
        unchecked {
            ++e.checkedIn;
        }
        if (_listings[ticketId].active) delete _listings[ticketId];
        emit CheckedIn(eventId, ticketId, holder, msg.sender);
    }

    // ------------------------------------------------------------ money out

    /// @notice After a cancellation, pays the caller back everything it paid for tickets of the event.
    /// @param eventId The event.
    /// @param to Where to send the refund.
    function claimRefund(uint256 eventId, address payable to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        Phase phase = phaseOf(eventId);
        if (phase != Phase.Cancelled) revert WrongPhase(eventId, phase);
        uint256 amount = _paid[eventId][msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        _paid[eventId][msg.sender] = 0;
        _release(eventId, amount);
        emit Refunded(eventId, msg.sender, to, amount);
        _pay(to, amount);
    }

    /// @notice After settlement, pays the primary sales to the event's payee. Anyone may call it.
    /// @param eventId The event.
    function withdrawProceeds(uint256 eventId) external nonReentrant {
        Phase phase = phaseOf(eventId);
        if (phase != Phase.Settled) revert WrongPhase(eventId, phase);
        EventInfo storage e = _events[eventId];
        if (e.proceedsWithdrawn) revert ProceedsAlreadyWithdrawn(eventId);
        uint256 amount = e.primarySales;
        e.proceedsWithdrawn = true;
        _release(eventId, amount);
        address payable payee = e.payee;
        emit ProceedsWithdrawn(eventId, payee, amount);
        _pay(payee, amount);
    }

    /// @notice After settlement, pays the caller what buyers paid for the tickets it resold.
    /// @param eventId The event.
    /// @param to Where to send it.
    function withdrawResaleProceeds(uint256 eventId, address payable to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        Phase phase = phaseOf(eventId);
        if (phase != Phase.Settled) revert WrongPhase(eventId, phase);
        uint256 amount = _resaleProceeds[eventId][msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        _resaleProceeds[eventId][msg.sender] = 0;
        _release(eventId, amount);
        emit ResaleProceedsWithdrawn(eventId, msg.sender, to, amount);
        _pay(to, amount);
    }

    // ------------------------------------------------------------ views

    /// @notice The phase of `eventId` now.
    /// @param eventId The event.
    function phaseOf(uint256 eventId) public view returns (Phase) {
        EventInfo storage e = _events[eventId];
        if (e.organiser == address(0)) return Phase.None;
        if (e.cancelled) return Phase.Cancelled;
        if (block.timestamp < e.start) return Phase.Upcoming;
        if (block.timestamp < e.end) return Phase.Live;
        if (e.checkedIn == 0) return Phase.Unattended;
        if (block.timestamp < uint256(e.end) + e.refundWindow) return Phase.RefundWindow;
        return Phase.Settled;
    }

    /// @notice Event `eventId`.
    /// @param eventId The event.
    function eventOf(uint256 eventId) external view returns (EventInfo memory) {
        return _events[eventId];
    }

    /// @notice Class `classId` of `eventId`.
    /// @param eventId The event.
    /// @param classId The class.
    function classOf(uint256 eventId, uint256 classId) external view returns (TicketClass memory) {
        if (classId >= _events[eventId].classCount) revert UnknownClass(eventId, classId);
        return _classes[eventId][classId];
    }

    /// @notice Ticket `ticketId` (its event, class and check-in).
    /// @param ticketId The ticket.
    function ticketOf(uint256 ticketId) external view returns (Ticket memory) {
        if (_tickets[ticketId].eventId == 0) revert UnknownTicket(ticketId);
        return _tickets[ticketId];
    }

    /// @notice The resale offer of `ticketId` (inactive when none).
    /// @param ticketId The ticket.
    function listingOf(uint256 ticketId) external view returns (Listing memory) {
        return _listings[ticketId];
    }

    /// @notice Face price of `ticketId` (its class's price).
    /// @param ticketId The ticket.
    function facePrice(uint256 ticketId) public view returns (uint256) {
        Ticket storage t = _tickets[ticketId];
        if (t.eventId == 0) revert UnknownTicket(ticketId);
        return _classes[t.eventId][t.classId].price;
    }

    /// @notice Highest resale price of `ticketId`: face price * resaleCapBps / 10,000 (rounded down), or
    ///         unlimited (type(uint256).max) without a cap.
    /// @param ticketId The ticket.
    function resaleCap(uint256 ticketId) public view returns (uint256) {
        uint256 face = facePrice(ticketId);
        uint256 capBps = _events[_tickets[ticketId].eventId].resaleCapBps;
        return capBps == 0 ? type(uint256).max : (face * capBps) / BPS;
    }

    /// @notice What `account` paid for tickets of `eventId` and has not been refunded.
    /// @param eventId The event.
    /// @param account The buyer.
    function paidBy(uint256 eventId, address account) external view returns (uint256) {
        return _paid[eventId][account];
    }

    /// @notice Resale proceeds of `seller` for `eventId`, not yet withdrawn.
    /// @param eventId The event.
    /// @param seller The seller.
    function resaleProceedsOf(uint256 eventId, address seller) external view returns (uint256) {
        return _resaleProceeds[eventId][seller];
    }

    /// @notice Primary tickets of class `classId` bought by `buyer`.
    /// @param eventId The event.
    /// @param classId The class.
    /// @param buyer The buyer.
    function boughtBy(uint256 eventId, uint256 classId, address buyer) external view returns (uint256) {
        return _bought[eventId][classId][buyer];
    }

    /// @notice Whether `scanner` may check tickets of `eventId` in (the organiser always may).
    /// @param eventId The event.
    /// @param scanner The address.
    function isScanner(uint256 eventId, address scanner) external view returns (bool) {
        return _scanners[eventId][scanner];
    }

    /// @notice The EIP-712 digest a holder signs to let `ticketId` be checked in until `validUntil`.
    /// @param ticketId The ticket.
    /// @param holder The holder.
    /// @param validUntil Last valid second.
    function checkInDigest(uint256 ticketId, address holder, uint256 validUntil) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CHECK_IN_TYPEHASH, ticketId, holder, validUntil)));
    }

    /// @notice The event's metadata URI for every ticket of it.
    /// @param ticketId The ticket.
    function tokenURI(uint256 ticketId) public view override returns (string memory) {
        _requireOwned(ticketId);
        return _events[_tickets[ticketId].eventId].metadataURI;
    }

    // ------------------------------------------------------------ internals

    /// @dev Tickets move only by mint (auth zero) and the resale market's internal _transfer (auth zero);
    ///      transferFrom / safeTransferFrom pass the caller as `auth` and are refused.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        if (auth != address(0)) revert TransferRestricted(tokenId);
        return super._update(to, tokenId, auth);
    }

    function _existing(uint256 eventId) private view returns (EventInfo storage e) {
        e = _events[eventId];
        if (e.organiser == address(0)) revert UnknownEvent(eventId);
    }

    function _onlyOrganiser(uint256 eventId) private view {
        if (_existing(eventId).organiser != msg.sender) revert NotOrganiser(eventId, msg.sender);
    }

    /// @dev The ticket exists, its event allows resale and is Upcoming or Live, and it is not checked in.
    function _resellable(uint256 ticketId) private view returns (Ticket storage t, EventInfo storage e) {
        t = _tickets[ticketId];
        if (t.eventId == 0) revert UnknownTicket(ticketId);
        e = _events[t.eventId];
        if (!e.resaleAllowed) revert ResaleDisabled(t.eventId);
        Phase phase = phaseOf(t.eventId);
        if (phase != Phase.Upcoming && phase != Phase.Live) revert WrongPhase(t.eventId, phase);
        if (t.checkedIn) revert AlreadyCheckedIn(ticketId);
    }

    /// @dev Books `amount` as paid out of `eventId`'s holdings.
    function _release(uint256 eventId, uint256 amount) private {
        // Every amount released was added to both counters when it was paid in, and is released once.
        _events[eventId].held -= amount;
        totalHeld -= amount;
    }

    function _pay(address payable to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert PaymentFailed(to, amount);
        _assertSolvent();
    }

    function _assertSolvent() private view {
        if (address(this).balance < totalHeld) revert Insolvent(address(this).balance, totalHeld);
    }
}
