// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TrickyToken
/// @notice Test-only ERC-20 with knobs: a settable symbol and controller (`owner()` and a default-admin
///         `hasRole`) for the symbol registry; a fee burned on every transfer (fee-on-transfer); a one-shot hook
///         that calls a target from inside the next transfer (a re-entrancy attempt), either bubbling its revert
///         or recording it; and {seize}, which takes balance away from anyone (a token that loses balance).
contract TrickyToken is ERC20 {
    string private _sym;
    /// @notice What `owner()` returns.
    address public owner;
    /// @notice The only account `hasRole(0x00, ·)` answers true for.
    address public roleAdmin;
    /// @notice Fee burned from every transfer, in basis points.
    uint256 public feeBps;
    /// @notice Hook target (zero: disarmed).
    address public hookTarget;
    /// @notice Hook calldata.
    bytes public hookData;
    /// @notice Whether a failing hook makes the transfer revert with its data.
    bool public hookBubbles;
    /// @notice Whether the last hook call succeeded.
    bool public lastHookSucceeded;
    /// @notice Revert (or return) data of the last hook call.
    bytes public lastHookData;

    /// @notice Mints `supply` to the deployer.
    /// @param symbol_ The initial symbol.
    /// @param supply Initial supply.
    constructor(string memory symbol_, uint256 supply) ERC20("Tricky", "") {
        _sym = symbol_;
        owner = msg.sender;
        _mint(msg.sender, supply);
    }

    /// @notice The settable symbol.
    /// @return The symbol.
    function symbol() public view override returns (string memory) {
        return _sym;
    }

    /// @notice Changes the symbol.
    /// @param s The new symbol.
    function setSymbol(string calldata s) external {
        _sym = s;
    }

    /// @notice Sets what `owner()` and `hasRole(0x00, ·)` recognise.
    /// @param owner_ The owner.
    /// @param roleAdmin_ The default-admin role holder.
    function setControllers(address owner_, address roleAdmin_) external {
        owner = owner_;
        roleAdmin = roleAdmin_;
    }

    /// @notice AccessControl-style probe: true only for role 0x00 and {roleAdmin}.
    /// @param role The role.
    /// @param account The account.
    /// @return Whether it holds the role.
    function hasRole(bytes32 role, address account) external view returns (bool) {
        return role == bytes32(0) && account == roleAdmin && account != address(0);
    }

    /// @notice Sets the transfer fee.
    /// @param bps Basis points burned per transfer.
    function setFee(uint256 bps) external {
        feeBps = bps;
    }

    /// @notice Arms the one-shot hook.
    /// @param target Contract to call from inside the next transfer.
    /// @param data Calldata.
    /// @param bubble Whether its failure reverts the transfer.
    function arm(address target, bytes calldata data, bool bubble) external {
        hookTarget = target;
        hookData = data;
        hookBubbles = bubble;
    }

    /// @notice Burns `amount` from `from` without its consent.
    /// @param from The victim.
    /// @param amount Units taken.
    function seize(address from, uint256 amount) external {
        _burn(from, amount);
    }

    /// @notice Mints to anyone.
    /// @param to Recipient.
    /// @param amount Units.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = value * feeBps / 10_000;
            if (fee != 0) {
                super._update(from, address(0), fee);
                value -= fee;
            }
        }
        super._update(from, to, value);
        address target = hookTarget;
        if (target != address(0) && from != address(0) && to != address(0)) {
            hookTarget = address(0);
            (bool ok, bytes memory ret) = target.call(hookData);
            if (!ok && hookBubbles) {
                assembly ("memory-safe") {
                    revert(add(ret, 32), mload(ret))
                }
            }
            lastHookSucceeded = ok;
            lastHookData = ret;
        }
    }
}
