// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IAttestationGate} from "../identity/IAttestationGate.sol";
import {Reputation} from "../commerce/Reputation.sol";
import {ICreditHistory} from "./ICreditHistory.sol";
import {LoanSchedule} from "./LoanSchedule.sol";

/// @title LoanBook
/// @notice Peer-to-peer loans in CMT (asset address 0) or any ERC-20. A lender posts an **offer** (the
///         principal is escrowed) that a borrower accepts; or a borrower posts a **request** (the collateral is
///         escrowed) that a lender funds. A loan is either **collateralised** (CMT or ERC-20 collateral, seized
///         on default at a rate fixed in the terms, the surplus returned) or **backed by identity and
///         reputation** (no collateral, only for borrowers with a valid attestation of a kind from an issuer set
///         of the attestation registry, optionally with a minimum reputation summary).
///
///         Repayment follows the schedule of {LoanSchedule} (instalments with due dates, simple interest
///         rounded up). The life of a loan:
///
///             Scheduled --drawdown (borrower)--> Active <--repay catches up-- Late --> Defaulted --> Recovered
///             Scheduled --cancelLoan--> Cancelled      Active --> Late              Defaulted --> WrittenOff
///             Active / Late --repay in full--> Repaid
///
///         Every non-final state has a deadline after which anyone may push the loan on ({deadlineOf}):
///         an undrawn loan is cancelled, an instalment unpaid at the end of its grace period makes the loan
///         Late, one still unpaid `defaultDelay` later makes it Defaulted (collateral seized), and a defaulted
///         loan is written off `recoveryPeriod` after its default. Posts expire the same way.
///         Everything that happens is written into the borrower's {ICreditHistory} record.
/// @dev No admin, no fee, no pause. Money leaves through pull payments ({withdraw}) except where a call
///      exists to pay its caller (taking a loan, cancelling one's own post or undrawn loan). Per asset,
///      {liabilities} counts everything the contract holds for someone (escrowed principal and collateral,
///      owed balances); every value-moving function ends with {_assertSolvent} on the assets it touched.
///      Tokens are moved with SafeERC20 and measured by balance delta: fee-on-transfer tokens are refused;
///      rebasing tokens are not supported (a token whose balance shrinks makes the asset's calls revert
///      {Insolvent}).
contract LoanBook is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice What a post is.
    enum PostKind {
        None,
        Offer,
        Request
    }

    /// @notice Where a post is: Open until taken (a loan is created) or cancelled.
    enum PostStatus {
        None,
        Open,
        Taken,
        Cancelled
    }

    /// @notice The loan state machine (see the contract's notice).
    enum LoanStatus {
        None,
        Scheduled,
        Active,
        Late,
        Defaulted,
        Repaid,
        Recovered,
        WrittenOff,
        Cancelled
    }

    /// @notice The terms of a loan, fixed when posted.
    /// @param asset What is lent and repaid (address 0 = CMT).
    /// @param instalments Number of instalments, 1 to {MAX_INSTALMENTS} (1 = a bullet loan).
    /// @param interval Seconds between instalments; instalment i is due `i * interval` after the start.
    /// @param gracePeriod Seconds after a due date during which paying still counts as on time.
    /// @param collateralAsset The collateral (address 0 = CMT); must be 0 for an unsecured loan.
    /// @param defaultDelay Seconds after the end of an unpaid instalment's grace period before the loan can be
    ///        declared in default.
    /// @param recoveryPeriod Seconds after a default before anyone (not only the lender) may write the loan off.
    /// @param minRatings Minimum number of reputation ratings of the borrower (0 = none).
    /// @param principal Amount lent.
    /// @param collateralAmount Collateral locked for the loan's life (0 = unsecured, identity-backed).
    /// @param rateWad Simple yearly interest rate, 18-decimal fixed point (1e18 = 100% a year).
    /// @param collateralPerDebtWad Collateral units the lender may seize per unit of outstanding debt, 18-decimal
    ///        fixed point (1e18 = one for one). It is the liquidation price the parties agree on: there is no
    ///        oracle. Must be 0 for an unsecured loan.
    /// @param issuerSetId The attestation registry's issuer set the borrower's attestation must come from.
    /// @param minAverageX100 Minimum average reputation score times 100 (0 = none, at most 500).
    /// @param identityKind Attestation kind the borrower must hold (0 = none; required for unsecured loans).
    struct Terms {
        address asset;
        uint16 instalments;
        uint32 interval;
        uint32 gracePeriod;
        address collateralAsset;
        uint32 defaultDelay;
        uint32 recoveryPeriod;
        uint32 minRatings;
        uint128 principal;
        uint128 collateralAmount;
        uint64 rateWad;
        uint128 collateralPerDebtWad;
        uint48 issuerSetId;
        uint16 minAverageX100;
        bytes32 identityKind;
    }

    /// @notice An offer (maker = lender, principal escrowed) or a request (maker = borrower, collateral
    ///         escrowed). Open until `expiresAt` (inclusive).
    struct Post {
        Terms terms;
        address maker;
        uint64 expiresAt;
        PostKind kind;
        PostStatus status;
    }

    /// @notice A loan. Its terms are those of post `postId` ({termsOf}).
    /// @param lender The lender (repayments are credited to it).
    /// @param status Where the loan is.
    /// @param instalmentsPaid Instalments fully paid (they are paid in order).
    /// @param lateThrough Highest instalment number already examined for lateness.
    /// @param lateInstalments Instalments that were not paid by the end of their grace period.
    /// @param borrower The borrower.
    /// @param startAt When the principal was drawn (0 while Scheduled); due dates count from here.
    /// @param postId The offer or request the loan came from.
    /// @param drawDeadline Last second the borrower may draw a Scheduled loan.
    /// @param defaultedAt When the loan defaulted (0 before).
    /// @param repaid Paid so far by the borrower (or anyone on its behalf).
    /// @param nextCumDue What must have been paid in total once instalment `instalmentsPaid + 1` is paid.
    /// @param totalDue Principal plus all interest of the schedule.
    /// @param coveredByCollateral Debt settled by seized collateral at default.
    struct Loan {
        address lender;
        LoanStatus status;
        uint16 instalmentsPaid;
        uint16 lateThrough;
        uint16 lateInstalments;
        address borrower;
        uint64 startAt;
        uint64 postId;
        uint64 drawDeadline;
        uint64 defaultedAt;
        uint128 repaid;
        uint128 nextCumDue;
        uint128 totalDue;
        uint128 coveredByCollateral;
    }

    /// @notice The asset address that stands for the native coin.
    address public constant CMT = address(0);
    /// @notice 1.0 in 18-decimal fixed point.
    uint256 public constant WAD = 1e18;
    /// @notice Most instalments a schedule may have.
    uint16 public constant MAX_INSTALMENTS = 60;
    /// @notice Shortest interval between instalments.
    uint32 public constant MIN_INTERVAL = 1 hours;
    /// @notice Longest interval between instalments.
    uint32 public constant MAX_INTERVAL = 366 days;
    /// @notice Longest grace period.
    uint32 public constant MAX_GRACE_PERIOD = 90 days;
    /// @notice Longest delay between lateness and default.
    uint32 public constant MAX_DEFAULT_DELAY = 365 days;
    /// @notice Shortest recovery period (the lender's exclusive time to write off or wait for payment).
    uint32 public constant MIN_RECOVERY_PERIOD = 1 days;
    /// @notice Longest recovery period.
    uint32 public constant MAX_RECOVERY_PERIOD = 730 days;
    /// @notice Highest yearly rate (1000% a year).
    uint64 public constant MAX_RATE_WAD = 10e18;
    /// @notice Longest time a post may stay open.
    uint64 public constant MAX_POST_LIFETIME = 365 days;
    /// @notice How long a borrower has to draw a funded request.
    uint64 public constant DRAW_PERIOD = 3 days;
    /// @notice Highest reputation average (5.00).
    uint16 public constant MAX_AVERAGE_X100 = 500;

    /// @notice Where the loans' histories are written.
    ICreditHistory public immutable creditHistory;
    /// @notice The attestation registry asked about identity-backed borrowers (address 0: none).
    IAttestationGate public immutable identity;
    /// @notice The reputation registry asked about minimum reputation (address 0: none).
    Reputation public immutable reputation;

    /// @notice Number of posts; post ids run from 1 to this.
    uint256 public postCount;
    /// @notice Number of loans; loan ids run from 1 to this.
    uint256 public loanCount;
    /// @notice What `account` can withdraw of `asset`.
    mapping(address account => mapping(address asset => uint256)) public owed;
    /// @notice Everything the contract holds for someone in `asset`: escrowed principal and collateral, and
    ///         owed balances. Its balance is never below this.
    mapping(address asset => uint256) public liabilities;

    mapping(uint256 postId => Post) private _posts;
    mapping(uint256 loanId => Loan) private _loans;

    /// @notice A lender posted an offer; `terms.principal` of `terms.asset` is escrowed.
    event OfferPosted(uint256 indexed postId, address indexed lender, Terms terms, uint64 expiresAt);
    /// @notice A borrower posted a request; `terms.collateralAmount` of `terms.collateralAsset` is escrowed.
    event RequestPosted(uint256 indexed postId, address indexed borrower, Terms terms, uint64 expiresAt);
    /// @notice A post was cancelled by its maker, or by `by` after it expired; its escrow went back to the maker.
    event PostCancelled(uint256 indexed postId, address indexed by);
    /// @notice Post `postId` was taken: loan `loanId` between `lender` and `borrower` exists (Scheduled).
    event LoanCreated(
        uint256 indexed loanId, uint256 indexed postId, address indexed borrower, address lender, uint64 drawDeadline
    );
    /// @notice Loan `loanId` moved from `from` to `to`.
    event LoanStatusChanged(uint256 indexed loanId, LoanStatus from, LoanStatus to);
    /// @notice The borrower drew the principal; the schedule runs from `startAt` and totals `totalDue`.
    event LoanStarted(uint256 indexed loanId, uint64 startAt, uint256 totalDue);
    /// @notice `payer` repaid `amount`; `repaidTotal` so far, `outstanding` still due.
    event Repayment(
        uint256 indexed loanId, address indexed payer, uint256 amount, uint256 repaidTotal, uint256 outstanding
    );
    /// @notice `newlyLate` more instalments were not paid by the end of their grace period (`totalLate` so far).
    event InstalmentsLate(uint256 indexed loanId, uint256 newlyLate, uint256 totalLate);
    /// @notice At default, `seized` collateral went to the lender, `surplus` back to the borrower, and the
    ///         seizure settled `debtCovered` of the debt.
    event CollateralSeized(uint256 indexed loanId, uint256 seized, uint256 surplus, uint256 debtCovered);
    /// @notice `amount` of the defaulted loan's debt was written off by `by`.
    event LoanWrittenOff(uint256 indexed loanId, address indexed by, uint256 amount);
    /// @notice `amount` of `asset` became owed to `account`.
    event Credited(address indexed account, address indexed asset, uint256 amount);
    /// @notice `account` withdrew `amount` of `asset` to `to`.
    event Withdrawn(address indexed account, address indexed asset, address to, uint256 amount);

    /// @notice A zero address was given where one is required.
    error ZeroAddress();
    /// @notice `asset` is neither CMT (address 0) nor a contract.
    error NotAToken(address asset);
    /// @notice The principal is zero.
    error ZeroPrincipal();
    /// @notice The number of instalments is 0 or above {MAX_INSTALMENTS}.
    error BadInstalments(uint16 instalments);
    /// @notice There is no instalment `i` in the schedule.
    error BadInstalmentIndex(uint256 i);
    /// @notice The interval is outside [{MIN_INTERVAL}, {MAX_INTERVAL}].
    error BadInterval(uint32 interval);
    /// @notice The grace period is above {MAX_GRACE_PERIOD}.
    error BadGracePeriod(uint32 gracePeriod);
    /// @notice The default delay is above {MAX_DEFAULT_DELAY}.
    error BadDefaultDelay(uint32 defaultDelay);
    /// @notice The recovery period is outside [{MIN_RECOVERY_PERIOD}, {MAX_RECOVERY_PERIOD}].
    error BadRecoveryPeriod(uint32 recoveryPeriod);
    /// @notice The rate is above {MAX_RATE_WAD}.
    error RateTooHigh(uint64 rateWad);
    /// @notice The schedule's total does not fit in 128 bits.
    error AmountTooLarge(uint256 totalDue);
    /// @notice Collateral terms are inconsistent: an unsecured loan names a collateral asset or rate, or a
    ///         secured one has no seizure rate.
    error BadCollateralTerms();
    /// @notice An unsecured loan must require an identity attestation.
    error UnsecuredNeedsIdentity();
    /// @notice The terms require an attestation but this book has no attestation registry.
    error IdentityUnavailable();
    /// @notice The terms require a reputation but this book has no reputation registry, or the minimum average
    ///         is above {MAX_AVERAGE_X100}.
    error BadReputationTerms();
    /// @notice The expiry is not in (now, now + {MAX_POST_LIFETIME}].
    error BadExpiry(uint64 expiresAt);
    /// @notice No post has this id.
    error UnknownPost(uint256 postId);
    /// @notice The post is not an offer (acceptOffer) or not a request (fundRequest).
    error WrongPostKind(uint256 postId, PostKind kind);
    /// @notice The post is no longer open.
    error PostNotOpen(uint256 postId, PostStatus status);
    /// @notice The post expired at `expiresAt`.
    error PostExpired(uint256 postId, uint64 expiresAt);
    /// @notice Only the maker may cancel the post before it expires at `expiresAt`.
    error PostNotExpired(uint256 postId, uint64 expiresAt);
    /// @notice Lender and borrower would be the same account.
    error SelfLoan();
    /// @notice The borrower has no valid attestation of `kind` from issuer set `issuerSetId`.
    error NoValidAttestation(address borrower, bytes32 kind, uint256 issuerSetId);
    /// @notice The borrower's reputation is below the terms' minimum.
    error ReputationTooLow(address borrower, uint64 averageX100, uint64 ratings);
    /// @notice No loan has this id.
    error UnknownLoan(uint256 loanId);
    /// @notice The loan's status does not allow this.
    error WrongLoanStatus(uint256 loanId, LoanStatus status);
    /// @notice Only the loan's borrower may do this.
    error NotBorrower(uint256 loanId);
    /// @notice The draw period ended at `drawDeadline`.
    error DrawPeriodOver(uint256 loanId, uint64 drawDeadline);
    /// @notice Only the borrower may cancel before the draw period ends at `drawDeadline`.
    error DrawPeriodNotOver(uint256 loanId, uint64 drawDeadline);
    /// @notice No further instalment is past its grace period yet; the next one is after `lateAt`.
    error NotOverdue(uint256 loanId, uint256 lateAt);
    /// @notice The loan cannot be declared in default before `defaultAt` has passed.
    error NotDefaultable(uint256 loanId, uint256 defaultAt);
    /// @notice Only the lender may write off before the recovery period ends at `writeOffAt`.
    error RecoveryPeriodNotOver(uint256 loanId, uint256 writeOffAt);
    /// @notice A zero amount.
    error ZeroAmount();
    /// @notice The payment is more than what is outstanding.
    error Overpayment(uint256 loanId, uint256 amount, uint256 outstanding);
    /// @notice The CMT sent is not what the call needs.
    error ValueMismatch(uint256 expected, uint256 sent);
    /// @notice A token transfer in delivered `received` instead of `expected` (fee-on-transfer or rebasing).
    error FeeOnTransferToken(address token, uint256 expected, uint256 received);
    /// @notice Sending CMT to `to` failed.
    error NativeTransferFailed(address to, uint256 amount);
    /// @notice Nothing is owed to the caller in `asset`.
    error NothingToWithdraw(address asset);
    /// @notice The contract's balance of `asset` no longer covers what it holds for others; the call is undone.
    error Insolvent(address asset, uint256 balance, uint256 liabilities);

    /// @notice Deploys a loan book writing into `creditHistory_` (which must grant it the recorder role).
    /// @param creditHistory_ The credit history.
    /// @param identity_ The attestation registry for identity-backed loans (address 0: none).
    /// @param reputation_ The reputation registry for minimum-reputation terms (address 0: none).
    constructor(ICreditHistory creditHistory_, IAttestationGate identity_, Reputation reputation_) {
        if (address(creditHistory_) == address(0)) revert ZeroAddress();
        creditHistory = creditHistory_;
        identity = identity_;
        reputation = reputation_;
    }

    // ---------------------------------------------------------------- posts

    /// @notice Offers a loan on `terms`; the caller becomes the lender and escrows the principal (send it as
    ///         `msg.value` for CMT, approve it for a token).
    /// @param terms The terms (validated here; see {Terms}).
    /// @param expiresAt Last second the offer can be accepted.
    /// @return postId The offer's id.
    function postOffer(Terms calldata terms, uint64 expiresAt) external payable nonReentrant returns (uint256 postId) {
        _validateTerms(terms);
        _validateExpiry(expiresAt);
        postId = _storePost(terms, expiresAt, PostKind.Offer);
        liabilities[terms.asset] += terms.principal;
        emit OfferPosted(postId, msg.sender, terms, expiresAt);
        _collect(terms.asset, terms.principal);
        _assertSolvent(terms.asset);
    }

    /// @notice Asks for a loan on `terms`; the caller becomes the borrower and escrows the collateral (if any).
    ///         An identity or reputation requirement in the terms is checked against the caller now and again
    ///         when the request is funded and drawn.
    /// @param terms The terms (validated here; see {Terms}).
    /// @param expiresAt Last second the request can be funded.
    /// @return postId The request's id.
    function postRequest(Terms calldata terms, uint64 expiresAt)
        external
        payable
        nonReentrant
        returns (uint256 postId)
    {
        _validateTerms(terms);
        _validateExpiry(expiresAt);
        _requireEligible(terms.identityKind, terms.issuerSetId, terms.minAverageX100, terms.minRatings, msg.sender);
        postId = _storePost(terms, expiresAt, PostKind.Request);
        liabilities[terms.collateralAsset] += terms.collateralAmount;
        emit RequestPosted(postId, msg.sender, terms, expiresAt);
        _collect(terms.collateralAsset, terms.collateralAmount);
        _assertSolvent(terms.collateralAsset);
    }

    /// @notice Cancels an open post and returns its escrow (an offer's principal, a request's collateral) to
    ///         its maker: by the maker at any time (paid to it now), by anyone once the post expired (credited).
    /// @param postId An open post.
    function cancelPost(uint256 postId) external nonReentrant {
        Post storage post = _openPost(postId);
        address maker = post.maker;
        if (msg.sender != maker && block.timestamp <= post.expiresAt) revert PostNotExpired(postId, post.expiresAt);
        post.status = PostStatus.Cancelled;
        emit PostCancelled(postId, msg.sender);
        (address asset, uint256 amount) = post.kind == PostKind.Offer
            ? (post.terms.asset, uint256(post.terms.principal))
            : (post.terms.collateralAsset, uint256(post.terms.collateralAmount));
        liabilities[asset] -= amount;
        _payOrCredit(maker, asset, amount);
        _assertSolvent(asset);
    }

    /// @notice Accepts offer `postId`: the caller becomes the borrower, escrows the collateral the terms ask
    ///         for (if any), and receives the principal now. The loan starts (Active) in this call.
    /// @param postId An open, unexpired offer.
    /// @return loanId The new loan.
    function acceptOffer(uint256 postId) external payable nonReentrant returns (uint256 loanId) {
        Post storage post = _takePost(postId, PostKind.Offer);
        Terms storage t = post.terms;
        if (msg.sender == post.maker) revert SelfLoan();
        _requireEligible(t, msg.sender);
        loanId = _createLoan(postId, post.maker, msg.sender);
        Loan storage loan = _loans[loanId];
        liabilities[t.collateralAsset] += t.collateralAmount;
        _start(loanId, loan, t);
        _collect(t.collateralAsset, t.collateralAmount);
        _push(msg.sender, t.asset, t.principal);
        _assertSolvent(t.asset);
        if (t.collateralAsset != t.asset) _assertSolvent(t.collateralAsset);
    }

    /// @notice Funds request `postId`: the caller becomes the lender and escrows the principal. The loan is
    ///         Scheduled: the borrower has {DRAW_PERIOD} to draw it ({drawdown}), or it can be cancelled.
    /// @param postId An open, unexpired request.
    /// @return loanId The new loan.
    function fundRequest(uint256 postId) external payable nonReentrant returns (uint256 loanId) {
        Post storage post = _takePost(postId, PostKind.Request);
        Terms storage t = post.terms;
        if (msg.sender == post.maker) revert SelfLoan();
        _requireEligible(t, post.maker);
        loanId = _createLoan(postId, msg.sender, post.maker);
        liabilities[t.asset] += t.principal;
        _collect(t.asset, t.principal);
        _assertSolvent(t.asset);
    }

    // ---------------------------------------------------------------- loans

    /// @notice Draws the principal of a Scheduled loan (the borrower only, until its draw deadline); the
    ///         schedule starts now. An identity or reputation requirement is checked again.
    /// @param loanId A Scheduled loan of the caller.
    function drawdown(uint256 loanId) external nonReentrant {
        Loan storage loan = _loanIn(loanId, LoanStatus.Scheduled);
        if (msg.sender != loan.borrower) revert NotBorrower(loanId);
        if (block.timestamp > loan.drawDeadline) revert DrawPeriodOver(loanId, loan.drawDeadline);
        Terms storage t = _posts[loan.postId].terms;
        _requireEligible(t, msg.sender);
        _start(loanId, loan, t);
        _push(msg.sender, t.asset, t.principal);
        _assertSolvent(t.asset);
    }

    /// @notice Cancels a Scheduled loan: the principal goes back to the lender and the collateral to the
    ///         borrower. The borrower may decline at any time; anyone may cancel after the draw deadline.
    /// @param loanId A Scheduled loan.
    function cancelLoan(uint256 loanId) external nonReentrant {
        Loan storage loan = _loanIn(loanId, LoanStatus.Scheduled);
        address borrower = loan.borrower;
        if (msg.sender != borrower && block.timestamp <= loan.drawDeadline) {
            revert DrawPeriodNotOver(loanId, loan.drawDeadline);
        }
        Terms storage t = _posts[loan.postId].terms;
        _setStatus(loanId, loan, LoanStatus.Cancelled);
        liabilities[t.asset] -= t.principal;
        liabilities[t.collateralAsset] -= t.collateralAmount;
        _payBoth(loan.lender, t.asset, t.principal, borrower, t.collateralAsset, t.collateralAmount);
        _assertSolvent(t.asset);
        if (t.collateralAsset != t.asset) _assertSolvent(t.collateralAsset);
    }

    /// @notice Repays `amount` of the loan (anyone may pay for the borrower; send CMT as `msg.value`). The
    ///         payment is credited to the lender and applied to the instalments in order. Instalments that are
    ///         past their grace period and unpaid are recorded late first. Paying everything closes the loan
    ///         (Repaid, collateral credited back to the borrower; or Recovered after a default); catching up
    ///         with the overdue instalments returns a Late loan to Active.
    /// @param loanId An Active, Late or Defaulted loan.
    /// @param amount At most {outstanding}.
    function repay(uint256 loanId, uint256 amount) external payable nonReentrant {
        Loan storage loan = _loan(loanId);
        LoanStatus status = loan.status;
        if (status != LoanStatus.Active && status != LoanStatus.Late && status != LoanStatus.Defaulted) {
            revert WrongLoanStatus(loanId, status);
        }
        if (amount == 0) revert ZeroAmount();
        Terms storage t = _posts[loan.postId].terms;
        if (status != LoanStatus.Defaulted) _recordLateness(loanId, loan, t);
        uint256 due = _outstanding(loan);
        if (amount > due) revert Overpayment(loanId, amount, due);

        // amount <= due <= totalDue < 2^128, so the sum fits in 128 bits.
        uint256 repaidTotal = loan.repaid + amount;
        loan.repaid = uint128(repaidTotal);
        _advanceInstalments(loan, t, repaidTotal);
        emit Repayment(loanId, msg.sender, amount, repaidTotal, due - amount);
        creditHistory.recordRepayment(loanId, amount);
        liabilities[t.asset] += amount;
        _credit(loan.lender, t.asset, amount);

        uint256 collateralBack;
        if (amount == due) {
            if (status == LoanStatus.Defaulted) {
                _setStatus(loanId, loan, LoanStatus.Recovered);
                creditHistory.closeRecovered(loanId);
            } else {
                _setStatus(loanId, loan, LoanStatus.Repaid);
                creditHistory.closeRepaid(loanId, loan.lateInstalments == 0);
                collateralBack = t.collateralAmount;
            }
        } else if (status != LoanStatus.Defaulted) {
            _setStatus(loanId, loan, _isOverdue(loan, t) ? LoanStatus.Late : LoanStatus.Active);
        }
        if (collateralBack != 0) _credit(loan.borrower, t.collateralAsset, collateralBack);

        _collect(t.asset, amount);
        _assertSolvent(t.asset);
        if (collateralBack != 0 && t.collateralAsset != t.asset) _assertSolvent(t.collateralAsset);
    }

    /// @notice Records the instalments that are past their grace period and unpaid, and makes an Active loan
    ///         Late. Anyone may call it once an instalment not yet recorded is overdue.
    /// @param loanId An Active or Late loan.
    function markLate(uint256 loanId) external nonReentrant {
        Loan storage loan = _loan(loanId);
        LoanStatus status = loan.status;
        if (status != LoanStatus.Active && status != LoanStatus.Late) revert WrongLoanStatus(loanId, status);
        Terms storage t = _posts[loan.postId].terms;
        uint256 lateAt = _nextLateAt(loan, t);
        if (block.timestamp <= lateAt) revert NotOverdue(loanId, lateAt);
        _recordLateness(loanId, loan, t);
        if (status == LoanStatus.Active) _setStatus(loanId, loan, LoanStatus.Late);
    }

    /// @notice Declares the loan in default once its first unpaid instalment is still unpaid `defaultDelay`
    ///         after its grace period (anyone may call it). The whole remaining debt falls due. For a
    ///         collateralised loan the lender is credited the collateral covering it at the agreed rate
    ///         (rounded up), the borrower the surplus; if the collateral covers all of it the loan is
    ///         Recovered at once, otherwise it stays Defaulted with the rest still owed.
    /// @param loanId An Active or Late loan.
    function markDefault(uint256 loanId) external nonReentrant {
        Loan storage loan = _loan(loanId);
        LoanStatus status = loan.status;
        if (status != LoanStatus.Active && status != LoanStatus.Late) revert WrongLoanStatus(loanId, status);
        Terms storage t = _posts[loan.postId].terms;
        uint256 defaultAt = _defaultAt(loan, t);
        if (block.timestamp <= defaultAt) revert NotDefaultable(loanId, defaultAt);
        _recordLateness(loanId, loan, t);
        if (status == LoanStatus.Active) _setStatus(loanId, loan, LoanStatus.Late);
        _setStatus(loanId, loan, LoanStatus.Defaulted);
        loan.defaultedAt = uint64(block.timestamp);

        uint256 due = _outstanding(loan);
        uint256 collateral = t.collateralAmount;
        if (collateral == 0) {
            creditHistory.recordDefault(loanId, due, 0);
            return;
        }
        (uint256 seized, uint256 covered) = seizure(due, collateral, t.collateralPerDebtWad);
        // covered <= due < 2^128 (see {seizure}).
        loan.coveredByCollateral = uint128(covered);
        emit CollateralSeized(loanId, seized, collateral - seized, covered);
        creditHistory.recordDefault(loanId, due, covered);
        if (covered == due) {
            _setStatus(loanId, loan, LoanStatus.Recovered);
            creditHistory.closeRecovered(loanId);
        }
        address asset = t.collateralAsset;
        liabilities[asset] -= collateral;
        _payBoth(loan.lender, asset, seized, loan.borrower, asset, collateral - seized);
        _assertSolvent(asset);
    }

    /// @notice Writes off what a defaulted loan still owes and closes it: the lender at any time, anyone once
    ///         the recovery period is over. Nothing moves; the amount is recorded against the borrower.
    /// @param loanId A Defaulted loan.
    function writeOff(uint256 loanId) external nonReentrant {
        Loan storage loan = _loanIn(loanId, LoanStatus.Defaulted);
        uint256 writeOffAt = uint256(loan.defaultedAt) + _posts[loan.postId].terms.recoveryPeriod;
        if (msg.sender != loan.lender && block.timestamp <= writeOffAt) {
            revert RecoveryPeriodNotOver(loanId, writeOffAt);
        }
        uint256 amount = _outstanding(loan);
        _setStatus(loanId, loan, LoanStatus.WrittenOff);
        emit LoanWrittenOff(loanId, msg.sender, amount);
        creditHistory.closeWrittenOff(loanId, amount);
    }

    /// @notice Sends everything owed to the caller in `asset` to `to` (a contract that cannot take CMT names
    ///         another address).
    /// @param asset The asset (address 0 = CMT).
    /// @param to The recipient.
    function withdraw(address asset, address to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        uint256 amount = owed[msg.sender][asset];
        if (amount == 0) revert NothingToWithdraw(asset);
        owed[msg.sender][asset] = 0;
        liabilities[asset] -= amount;
        emit Withdrawn(msg.sender, asset, to, amount);
        _push(to, asset, amount);
        _assertSolvent(asset);
    }

    // ---------------------------------------------------------------- views

    /// @notice The post `postId` (all zero if unknown).
    /// @param postId The post.
    /// @return The post.
    function getPost(uint256 postId) external view returns (Post memory) {
        return _posts[postId];
    }

    /// @notice The loan `loanId` (all zero if unknown).
    /// @param loanId The loan.
    /// @return The loan.
    function getLoan(uint256 loanId) external view returns (Loan memory) {
        return _loans[loanId];
    }

    /// @notice The terms of loan `loanId`.
    /// @param loanId A loan.
    /// @return The terms of the post it came from.
    function termsOf(uint256 loanId) external view returns (Terms memory) {
        return _posts[_loan(loanId).postId].terms;
    }

    /// @notice What the borrower still owes: the schedule's total minus repayments and debt settled by
    ///         collateral (0 once the loan is closed or not started).
    /// @param loanId A loan.
    /// @return The outstanding amount.
    function outstanding(uint256 loanId) external view returns (uint256) {
        Loan storage loan = _loan(loanId);
        LoanStatus s = loan.status;
        if (s != LoanStatus.Active && s != LoanStatus.Late && s != LoanStatus.Defaulted) return 0;
        return _outstanding(loan);
    }

    /// @notice The time after which anyone may push the loan to its next state: the draw deadline
    ///         (Scheduled: cancel), the end of the next unrecorded instalment's grace period (Active: markLate),
    ///         the default time of the first unpaid instalment (Late: markDefault), the end of the recovery
    ///         period (Defaulted: writeOff); 0 for a closed loan.
    /// @param loanId A loan.
    /// @return deadline A timestamp; the default exit opens when `block.timestamp > deadline`.
    function deadlineOf(uint256 loanId) external view returns (uint256 deadline) {
        Loan storage loan = _loan(loanId);
        Terms storage t = _posts[loan.postId].terms;
        LoanStatus s = loan.status;
        if (s == LoanStatus.Scheduled) return loan.drawDeadline;
        if (s == LoanStatus.Active) return _nextLateAt(loan, t);
        if (s == LoanStatus.Late) return _defaultAt(loan, t);
        if (s == LoanStatus.Defaulted) return uint256(loan.defaultedAt) + t.recoveryPeriod;
        return 0;
    }

    /// @notice Instalment `i` (1-based) of a schedule on `terms`, as offsets from the start.
    /// @param terms The terms.
    /// @param i 1 to `terms.instalments`.
    /// @return dueOffset Seconds after the start at which it is due.
    /// @return principalPart Principal it repays.
    /// @return interestPart Interest it pays.
    function instalmentOf(Terms calldata terms, uint256 i)
        external
        pure
        returns (uint256 dueOffset, uint256 principalPart, uint256 interestPart)
    {
        if (terms.instalments == 0 || terms.instalments > MAX_INSTALMENTS) revert BadInstalments(terms.instalments);
        if (i == 0 || i > terms.instalments) revert BadInstalmentIndex(i);
        dueOffset = i * terms.interval;
        principalPart = LoanSchedule.principalPart(terms.principal, terms.instalments, i);
        interestPart =
            LoanSchedule.interestPart(terms.principal, terms.instalments, i, terms.rateWad, terms.interval);
    }

    /// @notice Principal plus the interest of every instalment of a schedule on `terms`.
    /// @param terms The terms.
    /// @return What the borrower pays over the whole schedule.
    function totalDueOf(Terms calldata terms) external pure returns (uint256) {
        if (terms.instalments == 0 || terms.instalments > MAX_INSTALMENTS) revert BadInstalments(terms.instalments);
        if (terms.rateWad > MAX_RATE_WAD) revert RateTooHigh(terms.rateWad);
        return LoanSchedule.totalDue(terms.principal, terms.instalments, terms.rateWad, terms.interval);
    }

    /// @notice The seizure rule at default: the lender claims `ceil(debt * collateralPerDebtWad / 1e18)`
    ///         collateral units. If the collateral covers the claim, the claim is seized and the whole debt is
    ///         settled; otherwise all the collateral is seized and it settles
    ///         `floor(collateral * 1e18 / collateralPerDebtWad)` of the debt. Both roundings favour the lender.
    /// @param debt The outstanding debt (> 0).
    /// @param collateral The collateral locked.
    /// @param collateralPerDebtWad The agreed rate (> 0).
    /// @return seized Collateral to the lender (at most `collateral`; the rest goes back to the borrower).
    /// @return covered Debt settled (at most `debt`; equal to it exactly when `seized` <= `collateral`).
    function seizure(uint256 debt, uint256 collateral, uint256 collateralPerDebtWad)
        public
        pure
        returns (uint256 seized, uint256 covered)
    {
        uint256 claim = Math.mulDiv(debt, collateralPerDebtWad, WAD, Math.Rounding.Ceil);
        if (claim <= collateral) return (claim, debt);
        // claim > collateral means debt > collateral * WAD / rate, so this is below debt.
        return (collateral, Math.mulDiv(collateral, WAD, collateralPerDebtWad));
    }

    // ---------------------------------------------------------------- internals: posts

    function _validateTerms(Terms calldata t) private view {
        _requireAsset(t.asset);
        if (t.principal == 0) revert ZeroPrincipal();
        if (t.instalments == 0 || t.instalments > MAX_INSTALMENTS) revert BadInstalments(t.instalments);
        if (t.interval < MIN_INTERVAL || t.interval > MAX_INTERVAL) revert BadInterval(t.interval);
        if (t.gracePeriod > MAX_GRACE_PERIOD) revert BadGracePeriod(t.gracePeriod);
        if (t.defaultDelay > MAX_DEFAULT_DELAY) revert BadDefaultDelay(t.defaultDelay);
        if (t.recoveryPeriod < MIN_RECOVERY_PERIOD || t.recoveryPeriod > MAX_RECOVERY_PERIOD) {
            revert BadRecoveryPeriod(t.recoveryPeriod);
        }
        if (t.rateWad > MAX_RATE_WAD) revert RateTooHigh(t.rateWad);
        uint256 total = LoanSchedule.totalDue(t.principal, t.instalments, t.rateWad, t.interval);
        if (total > type(uint128).max) revert AmountTooLarge(total);
        if (t.collateralAmount == 0) {
            if (t.collateralAsset != address(0) || t.collateralPerDebtWad != 0) revert BadCollateralTerms();
            if (t.identityKind == bytes32(0)) revert UnsecuredNeedsIdentity();
        } else {
            _requireAsset(t.collateralAsset);
            if (t.collateralPerDebtWad == 0) revert BadCollateralTerms();
        }
        if (t.identityKind != bytes32(0) && address(identity) == address(0)) revert IdentityUnavailable();
        if (t.minAverageX100 != 0 || t.minRatings != 0) {
            if (address(reputation) == address(0) || t.minAverageX100 > MAX_AVERAGE_X100) {
                revert BadReputationTerms();
            }
        }
    }

    function _validateExpiry(uint64 expiresAt) private view {
        if (expiresAt <= block.timestamp || expiresAt > block.timestamp + MAX_POST_LIFETIME) {
            revert BadExpiry(expiresAt);
        }
    }

    function _storePost(Terms calldata terms, uint64 expiresAt, PostKind kind) private returns (uint256 postId) {
        postId = ++postCount;
        Post storage post = _posts[postId];
        post.terms = terms;
        post.maker = msg.sender;
        post.expiresAt = expiresAt;
        post.kind = kind;
        post.status = PostStatus.Open;
    }

    function _openPost(uint256 postId) private view returns (Post storage post) {
        post = _posts[postId];
        if (post.kind == PostKind.None) revert UnknownPost(postId);
        if (post.status != PostStatus.Open) revert PostNotOpen(postId, post.status);
    }

    function _takePost(uint256 postId, PostKind kind) private returns (Post storage post) {
        post = _openPost(postId);
        if (post.kind != kind) revert WrongPostKind(postId, post.kind);
        if (block.timestamp > post.expiresAt) revert PostExpired(postId, post.expiresAt);
        post.status = PostStatus.Taken;
    }

    /// @dev The borrower must hold the attestation and the reputation the terms ask for.
    function _requireEligible(bytes32 kind, uint256 issuerSetId, uint16 minAverageX100, uint32 minRatings, address borrower)
        private
        view
    {
        if (kind != bytes32(0) && !identity.hasValidAttestation(borrower, kind, issuerSetId)) {
            revert NoValidAttestation(borrower, kind, issuerSetId);
        }
        if (minAverageX100 != 0 || minRatings != 0) {
            Reputation.Summary memory s = reputation.summary(borrower);
            if (s.averageX100 < minAverageX100 || s.ratings < minRatings) {
                revert ReputationTooLow(borrower, s.averageX100, s.ratings);
            }
        }
    }

    function _requireEligible(Terms storage t, address borrower) private view {
        _requireEligible(t.identityKind, t.issuerSetId, t.minAverageX100, t.minRatings, borrower);
    }

    // ---------------------------------------------------------------- internals: loans

    function _loan(uint256 loanId) private view returns (Loan storage loan) {
        loan = _loans[loanId];
        if (loan.status == LoanStatus.None) revert UnknownLoan(loanId);
    }

    function _loanIn(uint256 loanId, LoanStatus expected) private view returns (Loan storage loan) {
        loan = _loan(loanId);
        if (loan.status != expected) revert WrongLoanStatus(loanId, loan.status);
    }

    /// @dev Creates a Scheduled loan from post `postId` (whose escrow it takes over).
    function _createLoan(uint256 postId, address lender, address borrower) private returns (uint256 loanId) {
        loanId = ++loanCount;
        Loan storage loan = _loans[loanId];
        loan.lender = lender;
        loan.borrower = borrower;
        // Post ids are allocated one per transaction at most, far below 2^64.
        loan.postId = uint64(postId);
        uint64 drawDeadline = uint64(block.timestamp + DRAW_PERIOD);
        loan.drawDeadline = drawDeadline;
        _setStatus(loanId, loan, LoanStatus.Scheduled);
        emit LoanCreated(loanId, postId, borrower, lender, drawDeadline);
    }

    /// @dev Scheduled -> Active: the schedule starts now and the history records the loan. The caller pays
    ///      the principal out (and takes it off {liabilities} here).
    function _start(uint256 loanId, Loan storage loan, Terms storage t) private {
        uint256 n = t.instalments;
        // Validated when posted: totalDue < 2^128, and the first instalment is part of it.
        uint256 total = LoanSchedule.totalDue(t.principal, n, t.rateWad, t.interval);
        loan.startAt = uint64(block.timestamp);
        loan.totalDue = uint128(total);
        loan.nextCumDue = uint128(LoanSchedule.instalmentDue(t.principal, n, 1, t.rateWad, t.interval));
        _setStatus(loanId, loan, LoanStatus.Active);
        emit LoanStarted(loanId, uint64(block.timestamp), total);
        creditHistory.openLoan(loanId, loan.borrower, loan.lender, t.asset, t.principal);
        liabilities[t.asset] -= t.principal;
    }

    /// @dev Marks as paid every instalment that `repaidTotal` now covers.
    function _advanceInstalments(Loan storage loan, Terms storage t, uint256 repaidTotal) private {
        uint256 n = t.instalments;
        uint256 paid = loan.instalmentsPaid;
        uint256 next = loan.nextCumDue;
        if (paid >= n || repaidTotal < next) return;
        while (paid < n && repaidTotal >= next) {
            ++paid;
            if (paid < n) next += LoanSchedule.instalmentDue(t.principal, n, paid + 1, t.rateWad, t.interval);
        }
        // paid <= n <= MAX_INSTALMENTS; next <= totalDue < 2^128.
        loan.instalmentsPaid = uint16(paid);
        loan.nextCumDue = uint128(next);
    }

    /// @dev Number of instalments whose grace period ended before now (at most `instalments`). Instalment i's
    ///      grace ends at startAt + i * interval + gracePeriod; paying at that second is still on time.
    function _pastGrace(Loan storage loan, Terms storage t) private view returns (uint256) {
        uint256 graceStart = uint256(loan.startAt) + t.gracePeriod;
        if (block.timestamp <= graceStart) return 0;
        uint256 count = (block.timestamp - graceStart - 1) / t.interval;
        return count < t.instalments ? count : t.instalments;
    }

    /// @dev Whether an instalment is unpaid past its grace period.
    function _isOverdue(Loan storage loan, Terms storage t) private view returns (bool) {
        return _pastGrace(loan, t) > loan.instalmentsPaid;
    }

    /// @dev Records (once each) the unpaid instalments whose grace period is over: those after the last one
    ///      examined and after the paid ones. Paid instalments were paid in time: a payment first runs this.
    function _recordLateness(uint256 loanId, Loan storage loan, Terms storage t) private {
        uint256 pastGrace = _pastGrace(loan, t);
        uint256 checked = Math.max(loan.lateThrough, loan.instalmentsPaid);
        if (pastGrace <= checked) return;
        // pastGrace <= instalments <= MAX_INSTALMENTS, and lateInstalments counts distinct instalments.
        uint256 newlyLate = pastGrace - checked;
        uint256 totalLate = loan.lateInstalments + newlyLate;
        loan.lateThrough = uint16(pastGrace);
        loan.lateInstalments = uint16(totalLate);
        emit InstalmentsLate(loanId, newlyLate, totalLate);
        creditHistory.recordLate(loanId, uint16(newlyLate));
    }

    /// @dev The end of the grace period of the first instalment not yet paid or recorded late.
    function _nextLateAt(Loan storage loan, Terms storage t) private view returns (uint256) {
        uint256 next = Math.max(loan.lateThrough, loan.instalmentsPaid) + 1;
        if (next > t.instalments) return type(uint256).max; // every unpaid instalment is already recorded
        return uint256(loan.startAt) + next * t.interval + t.gracePeriod;
    }

    /// @dev When the first unpaid instalment's default delay ends.
    function _defaultAt(Loan storage loan, Terms storage t) private view returns (uint256) {
        return uint256(loan.startAt) + (uint256(loan.instalmentsPaid) + 1) * t.interval + t.gracePeriod
            + t.defaultDelay;
    }

    function _outstanding(Loan storage loan) private view returns (uint256) {
        return uint256(loan.totalDue) - loan.repaid - loan.coveredByCollateral;
    }

    function _setStatus(uint256 loanId, Loan storage loan, LoanStatus next) private {
        LoanStatus previous = loan.status;
        if (previous == next) return;
        loan.status = next;
        emit LoanStatusChanged(loanId, previous, next);
    }

    // ---------------------------------------------------------------- internals: money

    function _requireAsset(address asset) private view {
        if (asset != CMT && asset.code.length == 0) revert NotAToken(asset);
    }

    /// @dev Takes exactly `amount` of `asset` from the caller: `msg.value` must be `amount` for CMT and 0 for a
    ///      token, whose transfer is measured by balance delta.
    function _collect(address asset, uint256 amount) private {
        if (asset == CMT) {
            if (msg.value != amount) revert ValueMismatch(amount, msg.value);
            return;
        }
        if (msg.value != 0) revert ValueMismatch(0, msg.value);
        if (amount == 0) return;
        IERC20 token = IERC20(asset);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 afterwards = token.balanceOf(address(this));
        uint256 received = afterwards > before ? afterwards - before : 0;
        if (received != amount) revert FeeOnTransferToken(asset, amount, received);
    }

    /// @dev Sends `amount` of `asset` now. Only called last, with the amount already off {liabilities}.
    function _push(address to, address asset, uint256 amount) private {
        if (amount == 0) return;
        if (asset == CMT) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert NativeTransferFailed(to, amount);
        } else {
            IERC20(asset).safeTransfer(to, amount);
        }
    }

    /// @dev Adds `amount` to what `account` can withdraw; the caller has already counted it in {liabilities}.
    function _credit(address account, address asset, uint256 amount) private {
        if (amount == 0) return;
        owed[account][asset] += amount;
        emit Credited(account, asset, amount);
    }

    /// @dev Pays `amount` (already taken off {liabilities}) to `to`: pushed when `to` is the caller, otherwise
    ///      credited (and put back into {liabilities} as owed).
    function _payOrCredit(address to, address asset, uint256 amount) private {
        if (amount == 0) return;
        if (to == msg.sender) {
            _push(to, asset, amount);
        } else {
            liabilities[asset] += amount;
            _credit(to, asset, amount);
        }
    }

    /// @dev Pays two parties with {_payOrCredit}, the caller last, so that a push (an interaction) comes after
    ///      every state change.
    function _payBoth(address a, address assetA, uint256 amountA, address b, address assetB, uint256 amountB)
        private
    {
        if (a == msg.sender) {
            _payOrCredit(b, assetB, amountB);
            _payOrCredit(a, assetA, amountA);
        } else {
            _payOrCredit(a, assetA, amountA);
            _payOrCredit(b, assetB, amountB);
        }
    }

    /// @dev The one solvency gate every value-moving function ends with.
    function _assertSolvent(address asset) private view {
        uint256 balance = asset == CMT ? address(this).balance : IERC20(asset).balanceOf(address(this));
        uint256 owes = liabilities[asset];
        if (balance < owes) revert Insolvent(asset, balance, owes);
    }
}
