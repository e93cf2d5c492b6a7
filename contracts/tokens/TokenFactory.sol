// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IssuedToken} from "./IssuedToken.sol";
import {VestingSchedule} from "./VestingSchedule.sol";
import {TokenSale} from "./TokenSale.sol";
import {SymbolRegistry} from "./SymbolRegistry.sol";

/// @title TokenFactory
/// @notice Issues ERC-20 tokens, vesting schedules and token sales, each as an ERC-1167 clone of an
///         implementation this factory deployed itself, and each created, funded and initialised in one
///         transaction (no clone is ever observable uninitialised, so nobody can initialise it in between).
///         - {createToken}: a fixed-supply or mintable (optionally capped), burnable, optionally pausable
///           {IssuedToken}, with its initial allocations, vesting schedules funded by minting straight into
///           them, and optionally its symbol registered in the {SymbolRegistry};
///         - {createVesting}: a {VestingSchedule} of any ERC-20, funded from the caller;
///         - {createSale}: a {TokenSale} of any ERC-20, funded from the caller with the tokens its hard cap needs.
/// @dev Funding pulled from the caller is measured by the balance change of the new clone: tokens that
///      deliver anything but the amount asked (fee-on-transfer) are refused. The factory holds nothing and has
///      no owner; the implementations disable their initialisers. It must hold `REGISTRAR_ROLE` in the
///      registry for {createToken} with `registerSymbol`.
contract TokenFactory is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice What the factory created at an address.
    enum Product {
        None,
        Token,
        Vesting,
        Sale
    }

    /// @notice A vesting grant: see {VestingSchedule-initialize}.
    struct VestingParams {
        address beneficiary;
        uint64 start;
        uint64 cliffDuration;
        uint64 duration;
        uint256 amount;
        address revoker;
    }

    /// @notice Most allocations plus vesting grants in one {createToken}.
    uint256 public constant MAX_ALLOCATIONS = 32;

    /// @notice Implementation cloned for tokens.
    address public immutable tokenImplementation;
    /// @notice Implementation cloned for vesting schedules.
    address public immutable vestingImplementation;
    /// @notice Implementation cloned for sales.
    address public immutable saleImplementation;
    /// @notice The symbol registry (zero: none; symbols cannot be registered through the factory).
    SymbolRegistry public immutable registry;

    /// @notice What the factory created at each address.
    mapping(address => Product) public productOf;

    /// @notice A token was issued with `config`.
    event TokenCreated(
        address indexed token, address indexed creator, address indexed admin, IssuedToken.Config config
    );
    /// @notice A vesting schedule was created and funded.
    event VestingCreated(
        address indexed schedule,
        address indexed token,
        address indexed beneficiary,
        uint256 amount,
        uint64 start,
        uint64 cliffDuration,
        uint64 duration,
        address revoker
    );
    /// @notice A sale was created and funded with `tokensForSale`.
    event SaleCreated(address indexed sale, address indexed token, address indexed issuer, uint256 tokensForSale);

    /// @notice More than {MAX_ALLOCATIONS} allocations and grants.
    error TooManyAllocations(uint256 count);
    /// @notice No registry is configured.
    error NoRegistry();
    /// @notice `token` has no code.
    error NotAToken(address token);
    /// @notice The token moved a different amount than asked (fee-on-transfer or broken token).
    error UnsupportedToken(address token, uint256 expected, uint256 received);

    /// @notice Deploys the factory and its three implementations.
    /// @param registry_ The symbol registry, or zero.
    constructor(SymbolRegistry registry_) {
        tokenImplementation = address(new IssuedToken());
        vestingImplementation = address(new VestingSchedule());
        saleImplementation = address(new TokenSale());
        registry = registry_;
    }

    /// @notice Issues a token: clones, initialises and mints the allocations, creates one vesting schedule per
    ///         grant (minting its amount straight into it) and, when asked, registers the symbol with the
    ///         token's admin as the symbol's owner.
    /// @param config Name, symbol, decimals, cap, features and admin.
    /// @param allocations Plain initial mints.
    /// @param grants Vesting schedules to create and fund at once.
    /// @param registerSymbol Whether to register the symbol in {registry}.
    /// @return token The new token.
    /// @return schedules The new vesting schedules, in the order of `grants`.
    function createToken(
        IssuedToken.Config calldata config,
        IssuedToken.Allocation[] calldata allocations,
        VestingParams[] calldata grants,
        bool registerSymbol
    ) external nonReentrant returns (address token, address[] memory schedules) {
        uint256 count = allocations.length + grants.length;
        if (count > MAX_ALLOCATIONS) revert TooManyAllocations(count);
        if (registerSymbol && address(registry) == address(0)) revert NoRegistry();

        token = Clones.clone(tokenImplementation);
        productOf[token] = Product.Token;
        emit TokenCreated(token, msg.sender, config.admin, config);

        IssuedToken.Allocation[] memory mints = new IssuedToken.Allocation[](count);
        for (uint256 i = 0; i < allocations.length; ++i) {
            mints[i] = allocations[i];
        }
        schedules = new address[](grants.length);
        for (uint256 i = 0; i < grants.length; ++i) {
            address schedule = Clones.clone(vestingImplementation);
            schedules[i] = schedule;
            mints[allocations.length + i] = IssuedToken.Allocation({to: schedule, amount: grants[i].amount});
        }
        IssuedToken(token).initialize(config, mints);
        for (uint256 i = 0; i < grants.length; ++i) {
            _setUpVesting(schedules[i], IERC20(token), grants[i]);
        }
        if (registerSymbol) registry.registerFor(token, config.admin);
    }

    /// @notice Creates a vesting schedule of `token` funded with `params.amount` from the caller (approve the
    ///         factory first).
    /// @param token Any ERC-20 that transfers exact amounts.
    /// @param params The grant.
    /// @return schedule The new schedule.
    function createVesting(IERC20 token, VestingParams calldata params)
        external
        nonReentrant
        returns (address schedule)
    {
        schedule = Clones.clone(vestingImplementation);
        _pullExact(token, schedule, params.amount);
        _setUpVesting(schedule, token, params);
    }

    /// @notice Creates a sale funded from the caller (approve the factory for the tokens its hard cap needs:
    ///         `hardCap * tokensPerCmt / 10^18`). The caller becomes the sale's issuer.
    /// @param config The sale's terms.
    /// @return sale The new sale.
    function createSale(TokenSale.Config calldata config) external nonReentrant returns (address sale) {
        sale = Clones.clone(saleImplementation);
        productOf[sale] = Product.Sale;
        uint256 needed = TokenSale(saleImplementation).tokensFor(config.hardCap, config.tokensPerCmt);
        emit SaleCreated(sale, address(config.token), msg.sender, needed);
        _pullExact(config.token, sale, needed);
        TokenSale(sale).initialize(config, msg.sender);
    }

    function _setUpVesting(address schedule, IERC20 token, VestingParams calldata p) private {
        productOf[schedule] = Product.Vesting;
        emit VestingCreated(
            schedule, address(token), p.beneficiary, p.amount, p.start, p.cliffDuration, p.duration, p.revoker
        );
        VestingSchedule(schedule).initialize(
            token, p.beneficiary, p.start, p.cliffDuration, p.duration, p.amount, p.revoker
        );
    }

    /// @dev Moves exactly `amount` of `token` from the caller to `to`, measured by `to`'s balance.
    function _pullExact(IERC20 token, address to, uint256 amount) private {
        if (address(token).code.length == 0) revert NotAToken(address(token));
        uint256 before = token.balanceOf(to);
        token.safeTransferFrom(msg.sender, to, amount);
        uint256 received = token.balanceOf(to) - before;
        if (received != amount) revert UnsupportedToken(address(token), amount, received);
    }
}
