// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// A plain OpenZeppelin ERC-20, for its custom errors (ERC20InsufficientBalance, ...) and Transfer events.
contract DevToken is ERC20 {
    constructor(uint256 supply) ERC20("Dev Token", "DEV") {
        _mint(msg.sender, supply);
    }
}
