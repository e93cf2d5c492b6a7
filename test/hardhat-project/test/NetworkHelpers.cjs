// The network helpers a suite uses to shape the chain: impersonation, balances, mining, time and snapshots.
const { expect } = require('chai');
const { ethers } = require('hardhat');
const { impersonateAccount, mine, setBalance, stopImpersonatingAccount, takeSnapshot, time } = require('@nomicfoundation/hardhat-network-helpers');

// an address no test key controls
const STRANGER = '0x1234567890123456789012345678901234567890';

describe('network helpers', function () {
  it('impersonateAccount + setBalance: an address without a key sends a transaction', async function () {
    const [owner] = await ethers.getSigners();
    const vault = await ethers.deployContract('TimelockVault', [owner.address, (await time.latest()) + 3600]);
    await vault.waitForDeployment();
    await impersonateAccount(STRANGER);
    await setBalance(STRANGER, ethers.parseEther('10'));
    expect(await ethers.provider.getBalance(STRANGER)).to.equal(ethers.parseEther('10'));
    const stranger = await ethers.getSigner(STRANGER);
    const tx = vault.connect(stranger).deposit({ value: ethers.parseEther('2') });
    await expect(tx).to.emit(vault, 'Deposited').withArgs(STRANGER, ethers.parseEther('2'));
    await expect(tx).to.changeEtherBalance(stranger, -ethers.parseEther('2'));
    await stopImpersonatingAccount(STRANGER);
  });

  it('setBalance edits state without mining a block', async function () {
    const before = await time.latestBlock();
    await setBalance(STRANGER, 12345n);
    expect(await ethers.provider.getBalance(STRANGER)).to.equal(12345n);
    expect(await time.latestBlock()).to.equal(before);
  });

  it('mine(n, { interval }) adds n blocks spaced by interval seconds', async function () {
    const first = (await time.latest()) + 100;
    await time.setNextBlockTimestamp(first);
    const before = await time.latestBlock();
    await mine(50, { interval: 60 });
    expect(await time.latestBlock()).to.equal(before + 50);
    expect(await time.latest()).to.equal(first + 49 * 60);
  });

  it('mine skips a governance voting period (50,400 blocks) in one call', async function () {
    const before = await time.latestBlock();
    await mine(50_400);
    expect(await time.latestBlock()).to.equal(before + 50_400);
  });

  it('time.increase moves the clock of the next block', async function () {
    const before = await time.latest();
    await time.increase(3600);
    expect(await time.latest()).to.equal(before + 3600);
  });

  it('takeSnapshot restores balances and the block number, and can restore again', async function () {
    const [owner, alice] = await ethers.getSigners();
    const snapshot = await takeSnapshot();
    const block = await time.latestBlock();
    const balance = await ethers.provider.getBalance(alice.address);
    for (let i = 0; i < 2; i++) {
      await (await owner.sendTransaction({ to: alice.address, value: 1000n })).wait();
      expect(await ethers.provider.getBalance(alice.address)).to.equal(balance + 1000n);
      await snapshot.restore();
      expect(await time.latestBlock()).to.equal(block);
      expect(await ethers.provider.getBalance(alice.address)).to.equal(balance);
    }
  });
});
