// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

/// @title SymbolRegistry
/// @notice Maps token symbols to their official contracts, after CyberMiles' CRC20NS: one symbol, one token;
///         wallets and exchanges {lookup} a symbol or {verify} that a contract is the official one for it.
///         Symbols are normalised: ASCII letters and digits only, 1 to {MAX_SYMBOL_LENGTH} characters, letters
///         upper-cased ("usdT" and "USDT" are the same symbol; look-alike Unicode cannot be registered).
///         A symbol is registered from the token's own `symbol()`, by an account that controls the token (its
///         `owner()`, or a holder of its `DEFAULT_ADMIN_ROLE`), or for any owner by a `REGISTRAR_ROLE` holder
///         (the TokenFactory). The symbol's owner can hand it over (two steps), point it at a successor token
///         with the same symbol, or release it.
/// @dev The registry admin (two-step transfer) reserves symbols that nobody but an admin may register (CMT,
///      stable-coin tickers) and can remove a registration (squatting, a compromised token): that power is
///      the trust assumption of an "official" list. The registry holds no money and charges no fee.
contract SymbolRegistry is AccessControlDefaultAdminRules {
    /// @notice A registration; `token == 0` means the symbol is free.
    struct Entry {
        address token;
        address owner;
        address pendingOwner;
        uint64 registeredAt;
    }

    /// @notice May register a token's symbol for any owner without controlling the token.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @notice Longest symbol.
    uint256 public constant MAX_SYMBOL_LENGTH = 11;

    mapping(bytes32 key => Entry) private _entries;
    mapping(bytes32 key => bool) private _reserved;
    mapping(address token => string) private _symbols;

    /// @notice `symbol` now maps to `token`, owned by `owner`.
    event SymbolRegistered(string symbol, address indexed token, address indexed owner);
    /// @notice The owner of `symbol` offered it to `pendingOwner` (zero: offer withdrawn).
    event SymbolTransferStarted(string symbol, address indexed owner, address indexed pendingOwner);
    /// @notice `newOwner` accepted `symbol`.
    event SymbolTransferred(string symbol, address indexed previousOwner, address indexed newOwner);
    /// @notice The owner pointed `symbol` from `oldToken` to `newToken`.
    event TokenUpdated(string symbol, address indexed oldToken, address indexed newToken);
    /// @notice `symbol` (mapped to `token`) was released by its owner or removed by an admin (`by`).
    event SymbolRemoved(string symbol, address indexed token, address indexed by);
    /// @notice `symbol` was reserved or unreserved.
    event SymbolReservedSet(string symbol, bool reserved);

    /// @notice The symbol is empty, too long, or has a character other than an ASCII letter or digit.
    error BadSymbol(string symbol);
    /// @notice `token` has no code.
    error NotAToken(address token);
    /// @notice The zero address was given where an account is required.
    error ZeroAddress();
    /// @notice `account` controls neither the token's `owner()` nor its default admin role.
    error NotTokenController(address token, address account);
    /// @notice The symbol is reserved for the admins.
    error SymbolReserved(string symbol);
    /// @notice The symbol already maps to `token`.
    error SymbolTaken(string symbol, address token);
    /// @notice The token is already registered (under `symbol`).
    error TokenAlreadyRegistered(address token, string symbol);
    /// @notice The symbol is not registered.
    error SymbolNotRegistered(string symbol);
    /// @notice Only the symbol's owner may do this.
    error NotSymbolOwner(string symbol);
    /// @notice Only the symbol's pending owner may accept it.
    error NotPendingSymbolOwner(string symbol);
    /// @notice The new token's symbol (`actual`) is not the registered one.
    error SymbolMismatch(string symbol, string actual);

    /// @notice Deploys the registry.
    /// @param admin Default admin (two-step transfer after `adminDelay`); also gets {REGISTRAR_ROLE}.
    /// @param adminDelay Delay of a default-admin transfer, in seconds.
    constructor(address admin, uint48 adminDelay) AccessControlDefaultAdminRules(adminDelay, admin) {
        _grantRole(REGISTRAR_ROLE, admin);
    }

    // ---------------------------------------------------------------- registering

    /// @notice Registers `token` under its own (normalised) symbol with the caller as owner. The caller must
    ///         control the token: be its `owner()` or hold its `DEFAULT_ADMIN_ROLE`.
    /// @param token The token.
    /// @return symbol The normalised symbol.
    function register(address token) external returns (string memory symbol) {
        if (token.code.length == 0) revert NotAToken(token);
        if (!_controls(token, msg.sender)) revert NotTokenController(token, msg.sender);
        return _register(token, msg.sender);
    }

    /// @notice A registrar registers `token` under its own symbol for `owner`.
    /// @param token The token.
    /// @param owner The symbol's owner.
    /// @return symbol The normalised symbol.
    function registerFor(address token, address owner) external onlyRole(REGISTRAR_ROLE) returns (string memory symbol) {
        if (token.code.length == 0) revert NotAToken(token);
        return _register(token, owner);
    }

    /// @notice The symbol's owner offers it to `newOwner`, who must accept; zero withdraws the offer.
    /// @param symbol The symbol (any case).
    /// @param newOwner The proposed owner.
    function transferSymbol(string calldata symbol, address newOwner) external {
        (Entry storage e, string memory norm) = _ownedEntry(symbol);
        e.pendingOwner = newOwner;
        emit SymbolTransferStarted(norm, msg.sender, newOwner);
    }

    /// @notice The pending owner accepts the symbol.
    /// @param symbol The symbol (any case).
    function acceptSymbol(string calldata symbol) external {
        (Entry storage e, string memory norm) = _registeredEntry(symbol);
        if (msg.sender != e.pendingOwner) revert NotPendingSymbolOwner(norm);
        address previous = e.owner;
        e.owner = msg.sender;
        e.pendingOwner = address(0);
        emit SymbolTransferred(norm, previous, msg.sender);
    }

    /// @notice The symbol's owner points it at a successor contract (a migration). The new token must report
    ///         the same normalised symbol and not be registered already.
    /// @param symbol The symbol (any case).
    /// @param newToken The successor token.
    function updateToken(string calldata symbol, address newToken) external {
        (Entry storage e, string memory norm) = _ownedEntry(symbol);
        if (newToken.code.length == 0) revert NotAToken(newToken);
        string memory actual = _normalizeOrRevert(IERC20Metadata(newToken).symbol());
        if (keccak256(bytes(actual)) != keccak256(bytes(norm))) revert SymbolMismatch(norm, actual);
        if (bytes(_symbols[newToken]).length != 0) revert TokenAlreadyRegistered(newToken, _symbols[newToken]);
        address old = e.token;
        delete _symbols[old];
        e.token = newToken;
        _symbols[newToken] = norm;
        emit TokenUpdated(norm, old, newToken);
    }

    /// @notice Frees the symbol: its owner releases it, or a default admin removes it (squatting, a
    ///         compromised token).
    /// @param symbol The symbol (any case).
    function remove(string calldata symbol) external {
        (Entry storage e, string memory norm) = _registeredEntry(symbol);
        if (msg.sender != e.owner && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) revert NotSymbolOwner(norm);
        address token = e.token;
        delete _symbols[token];
        delete _entries[_key(norm)];
        emit SymbolRemoved(norm, token, msg.sender);
    }

    /// @notice Reserves a symbol (only admins may then register it) or lifts the reservation. An existing
    ///         registration is not affected.
    /// @param symbol The symbol (any case).
    /// @param reserved_ Whether it is reserved.
    function setReserved(string calldata symbol, bool reserved_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        string memory norm = _normalizeOrRevert(symbol);
        _reserved[_key(norm)] = reserved_;
        emit SymbolReservedSet(norm, reserved_);
    }

    // ---------------------------------------------------------------- views

    /// @notice The official token for `symbol` (zero: none).
    /// @param symbol The symbol (any case); reverts with {BadSymbol} when malformed.
    /// @return The token.
    function lookup(string calldata symbol) external view returns (address) {
        return _entries[_key(_normalizeOrRevert(symbol))].token;
    }

    /// @notice The registration of `symbol`.
    /// @param symbol The symbol (any case); reverts with {BadSymbol} when malformed.
    /// @return The entry (token zero: not registered).
    function entryOf(string calldata symbol) external view returns (Entry memory) {
        return _entries[_key(_normalizeOrRevert(symbol))];
    }

    /// @notice Whether `token` is the official contract for `symbol`. False for a malformed symbol.
    /// @param symbol The symbol (any case).
    /// @param token The contract to check.
    /// @return Whether it is registered under that symbol.
    function verify(string calldata symbol, address token) external view returns (bool) {
        (bool ok, string memory norm) = normalize(symbol);
        return ok && token != address(0) && _entries[_key(norm)].token == token;
    }

    /// @notice Whether `symbol` is registered.
    /// @param symbol The symbol (any case); reverts with {BadSymbol} when malformed.
    /// @return Registration.
    function isRegistered(string calldata symbol) external view returns (bool) {
        return _entries[_key(_normalizeOrRevert(symbol))].token != address(0);
    }

    /// @notice Whether `symbol` is reserved.
    /// @param symbol The symbol (any case); reverts with {BadSymbol} when malformed.
    /// @return Reservation.
    function isReserved(string calldata symbol) external view returns (bool) {
        return _reserved[_key(_normalizeOrRevert(symbol))];
    }

    /// @notice The normalised symbol `token` is registered under (empty: none).
    /// @param token The token.
    /// @return The symbol.
    function symbolOf(address token) external view returns (string memory) {
        return _symbols[token];
    }

    /// @notice The normalised form of `symbol`: letters upper-cased; `ok` false when it is empty, longer than
    ///         {MAX_SYMBOL_LENGTH} or has a character other than an ASCII letter or digit.
    /// @param symbol Any string.
    /// @return ok Whether it is a valid symbol.
    /// @return normalized The upper-cased symbol (empty when not ok).
    function normalize(string memory symbol) public pure returns (bool ok, string memory normalized) {
        bytes memory b = bytes(symbol);
        uint256 n = b.length;
        if (n == 0 || n > MAX_SYMBOL_LENGTH) return (false, "");
        bytes memory out = new bytes(n);
        for (uint256 i = 0; i < n; ++i) {
            bytes1 c = b[i];
            if (c >= 0x61 && c <= 0x7a) {
                // 'a'..'z' -> 'A'..'Z': c >= 0x61, so subtracting 0x20 cannot underflow.
                unchecked {
                    c = bytes1(uint8(c) - 0x20);
                }
            } else if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39))) {
                return (false, "");
            }
            out[i] = c;
        }
        return (true, string(out));
    }

    // ---------------------------------------------------------------- internals

    function _register(address token, address owner) private returns (string memory symbol) {
        if (owner == address(0)) revert ZeroAddress();
        symbol = _normalizeOrRevert(IERC20Metadata(token).symbol());
        bytes32 key = _key(symbol);
        if (_reserved[key] && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) revert SymbolReserved(symbol);
        Entry storage e = _entries[key];
        if (e.token != address(0)) revert SymbolTaken(symbol, e.token);
        if (bytes(_symbols[token]).length != 0) revert TokenAlreadyRegistered(token, _symbols[token]);
        e.token = token;
        e.owner = owner;
        e.registeredAt = uint64(block.timestamp);
        _symbols[token] = symbol;
        emit SymbolRegistered(symbol, token, owner);
    }

    function _registeredEntry(string calldata symbol) private view returns (Entry storage e, string memory norm) {
        norm = _normalizeOrRevert(symbol);
        e = _entries[_key(norm)];
        if (e.token == address(0)) revert SymbolNotRegistered(norm);
    }

    function _ownedEntry(string calldata symbol) private view returns (Entry storage e, string memory norm) {
        (e, norm) = _registeredEntry(symbol);
        if (msg.sender != e.owner) revert NotSymbolOwner(norm);
    }

    function _normalizeOrRevert(string memory symbol) private pure returns (string memory norm) {
        bool ok;
        (ok, norm) = normalize(symbol);
        if (!ok) revert BadSymbol(symbol);
    }

    function _key(string memory norm) private pure returns (bytes32) {
        return keccak256(bytes(norm));
    }

    /// @dev Whether `account` is the token's `owner()` or holds its `DEFAULT_ADMIN_ROLE`. Each probe is a
    ///      static call whose return data must be exactly one word (a token without the function, or with a
    ///      fallback returning nothing, controls nothing).
    function _controls(address token, address account) private view returns (bool) {
        (bool ok, bytes memory ret) = token.staticcall(abi.encodeWithSignature("owner()"));
        if (ok && ret.length == 32 && abi.decode(ret, (address)) == account) return true;
        (ok, ret) = token.staticcall(abi.encodeWithSignature("hasRole(bytes32,address)", bytes32(0), account));
        return ok && ret.length == 32 && abi.decode(ret, (uint256)) == 1;
    }
}
