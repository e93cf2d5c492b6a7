// An OpenZeppelin ERC-20: Transfer events, token balance changes and OpenZeppelin's custom errors.
const { expect } = require('chai');
const { ethers } = require('hardhat');
const { loadFixture } = require('@nomicfoundation/hardhat-network-helpers');

const SUPPLY = ethers.parseUnits('1000000', 18);

async function deployToken() {
  const [owner, alice, bob] = await ethers.getSigners();
  const token = await ethers.deployContract('DevToken', [SUPPLY]);
  await token.waitForDeployment();
  return { token, owner, alice, bob };
}

describe('DevToken', function () {
  it('mints the supply to the deployer', async function () {
    const { token, owner } = await loadFixture(deployToken);
    expect(await token.totalSupply()).to.equal(SUPPLY);
    expect(await token.balanceOf(owner.address)).to.equal(SUPPLY);
  });

  it('transfers with a Transfer event and matching balance changes', async function () {
    const { token, owner, alice } = await loadFixture(deployToken);
    const tx = token.transfer(alice.address, 500n);
    await expect(tx).to.emit(token, 'Transfer').withArgs(owner.address, alice.address, 500n);
    await expect(tx).to.changeTokenBalances(token, [owner, alice], [-500n, 500n]);
  });

  it('reverts an overdraft with ERC20InsufficientBalance(sender, balance, needed)', async function () {
    const { token, alice, bob } = await loadFixture(deployToken);
    await (await token.transfer(alice.address, 10n)).wait();
    await expect(token.connect(alice).transfer(bob.address, 11n))
      .to.be.revertedWithCustomError(token, 'ERC20InsufficientBalance')
      .withArgs(alice.address, 10n, 11n);
  });

  it('starts every test from the fixture state (loadFixture reverts to its snapshot)', async function () {
    const { token, alice } = await loadFixture(deployToken);
    expect(await token.balanceOf(alice.address)).to.equal(0n);
  });
});
