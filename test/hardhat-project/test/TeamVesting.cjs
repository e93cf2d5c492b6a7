// OpenZeppelin's VestingWallet: linear vesting on block.timestamp, moved through with the time helpers.
const { expect } = require('chai');
const { ethers } = require('hardhat');
const { loadFixture, time } = require('@nomicfoundation/hardhat-network-helpers');

const ALLOCATION = 1_000_000n;
const DURATION = 1000;

async function deployVesting() {
  const [owner, beneficiary, other] = await ethers.getSigners();
  const start = (await time.latest()) + 3600;
  const vesting = await ethers.deployContract('TeamVesting', [beneficiary.address, start, DURATION], { value: ALLOCATION });
  await vesting.waitForDeployment();
  return { vesting, owner, beneficiary, other, start };
}

describe('TeamVesting (OpenZeppelin VestingWallet)', function () {
  it('releases nothing before the start', async function () {
    const { vesting, beneficiary } = await loadFixture(deployVesting);
    expect(await vesting.releasable()).to.equal(0n);
    await expect(vesting.release()).to.changeEtherBalance(beneficiary, 0n);
  });

  it('releases the linear share of the block in which release() runs', async function () {
    const { vesting, beneficiary, other, start } = await loadFixture(deployVesting);
    await time.setNextBlockTimestamp(start + DURATION / 4);
    await expect(vesting.connect(other).release()).to.changeEtherBalance(beneficiary, ALLOCATION / 4n);
    expect(await vesting.released()).to.equal(ALLOCATION / 4n);
  });

  it('has vested everything at the end', async function () {
    const { vesting, beneficiary, start } = await loadFixture(deployVesting);
    await time.increaseTo(start + DURATION);
    expect(await vesting.vestedAmount(start + DURATION / 2)).to.equal(ALLOCATION / 2n);
    expect(await vesting.releasable()).to.equal(ALLOCATION);
    await expect(vesting.release()).to.emit(vesting, 'EtherReleased').withArgs(ALLOCATION);
    expect(await ethers.provider.getBalance(await vesting.getAddress())).to.equal(0n);
    expect(await vesting.owner()).to.equal(beneficiary.address);
  });

  it('lets only the owner transfer ownership (OwnableUnauthorizedAccount)', async function () {
    const { vesting, other } = await loadFixture(deployVesting);
    await expect(vesting.connect(other).transferOwnership(other.address))
      .to.be.revertedWithCustomError(vesting, 'OwnableUnauthorizedAccount')
      .withArgs(other.address);
  });
});
