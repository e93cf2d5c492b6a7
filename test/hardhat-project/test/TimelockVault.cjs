// A timestamp-clock contract under the chai matchers: events, ether balance changes and every revert shape.
const { expect } = require('chai');
const { ethers } = require('hardhat');
const { loadFixture, mine, time } = require('@nomicfoundation/hardhat-network-helpers');
const { PANIC_CODES } = require('@nomicfoundation/hardhat-chai-matchers/panic');

const ONE_WEEK = 7 * 24 * 60 * 60;
const DEPOSIT = ethers.parseEther('1');

async function deployVault() {
  const [owner, beneficiary, other] = await ethers.getSigners();
  const releaseTime = (await time.latest()) + ONE_WEEK;
  const vault = await ethers.deployContract('TimelockVault', [beneficiary.address, releaseTime]);
  await vault.waitForDeployment();
  await (await vault.connect(owner).deposit({ value: DEPOSIT })).wait();
  return { vault, owner, beneficiary, other, releaseTime };
}

describe('TimelockVault', function () {
  it('emits Deposited and moves the ether into the vault', async function () {
    const { vault, other } = await loadFixture(deployVault);
    const tx = vault.connect(other).deposit({ value: 1000n });
    await expect(tx).to.emit(vault, 'Deposited').withArgs(other.address, 1000n);
    await expect(tx).to.changeEtherBalances([other, vault], [-1000n, 1000n]);
  });

  it('rejects an empty deposit with its require message', async function () {
    const { vault } = await loadFixture(deployVault);
    await expect(vault.deposit({ value: 0 })).to.be.revertedWith('TimelockVault: nothing to deposit');
  });

  it('refuses other callers with a custom error carrying the caller', async function () {
    const { vault, other } = await loadFixture(deployVault);
    await expect(vault.connect(other).release())
      .to.be.revertedWithCustomError(vault, 'TimelockVaultUnauthorized')
      .withArgs(other.address);
  });

  it('refuses an early release with the timestamp the next block will have', async function () {
    const { vault, beneficiary, releaseTime } = await loadFixture(deployVault);
    const attempt = releaseTime - 60;
    await time.setNextBlockTimestamp(attempt);
    // the revert is found by eth_estimateGas, which must run in the next block's time
    await expect(vault.connect(beneficiary).release())
      .to.be.revertedWithCustomError(vault, 'TimelockVaultTooEarly')
      .withArgs(attempt, releaseTime);
    await mine(); // use up the pinned timestamp
  });

  it('releases everything to the beneficiary once time.increaseTo reaches the release time', async function () {
    const { vault, beneficiary, releaseTime } = await loadFixture(deployVault);
    await time.increaseTo(releaseTime);
    expect(await time.latest()).to.equal(releaseTime);
    await expect(vault.connect(beneficiary).release()).to.changeEtherBalances([vault, beneficiary], [-DEPOSIT, DEPOSIT]);
  });

  it('emits Released with the amount', async function () {
    const { vault, beneficiary, releaseTime } = await loadFixture(deployVault);
    await time.increaseTo(releaseTime);
    await expect(vault.connect(beneficiary).release()).to.emit(vault, 'Released').withArgs(beneficiary.address, DEPOSIT);
  });

  it('answers eth_call at "latest" in the latest block\'s time and at "pending" in the next block\'s', async function () {
    const { vault, releaseTime } = await loadFixture(deployVault);
    await time.increaseTo(releaseTime - 1);
    // the latest block is one second early; the pending block is the one that comes next
    expect(await vault.isReleasable()).to.equal(false);
    expect(await vault.isReleasable({ blockTag: 'latest' })).to.equal(false);
    expect(await vault.isReleasable({ blockTag: 'pending' })).to.equal(true);
  });

  it('panics with division by zero for zero shares', async function () {
    const { vault } = await loadFixture(deployVault);
    expect(await vault.share(4)).to.equal(DEPOSIT / 4n);
    await expect(vault.share(0)).to.be.revertedWithPanic(PANIC_CODES.DIVISION_BY_ZERO);
  });
});
