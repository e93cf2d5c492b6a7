/**
 * The staking contract called by contracts (the native contract mechanism, ADR 0014), on the dev chain:
 * a pool contract delegates (the staking contract sees the pool as the delegator); a delegation made in a
 * call that reverts is undone with it, CMT included, whether the revert ends the transaction or only an
 * inner call; a write through STATICCALL is refused with StaticCallWrite.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Contract, ContractFactory } from 'ethers';
import type { JsonRpcProvider, TransactionReceipt } from 'ethers';
import { bytesToHex } from '../../src/primitives/index.ts';
import { STAKING_ABI, STAKING_ADDRESS, stakingInterface } from '../../src/staking/index.ts';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { createEthersProvider } from '../utils/e2e-clients.ts';
import { devWallet } from '../utils/e2e2-helpers.ts';
import { PROJECT_ROOT, compileSolidity } from '../utils/solc.ts';

const CMT = 10n ** 18n;

describe('the staking contract called by contracts', () => {
  let node: CmtProcess;
  let provider: JsonRpcProvider;
  let pool: Contract;
  let poolAddress: string;
  const validator = devWallet(0).address;
  const staking = () => new Contract(bytesToHex(STAKING_ADDRESS), STAKING_ABI, provider);

  before(async () => {
    node = await startCmt(['--block-time', '0']);
    provider = createEthersProvider(node.url);
    const source = 'contracts/test/staking/StakingPool.sol';
    const artifact = compileSolidity({ [source]: readFileSync(join(PROJECT_ROOT, source), 'utf8') }).StakingPool;
    assert.ok(artifact);
    pool = (await (await new ContractFactory(artifact.abi, artifact.bytecode, devWallet(1).connect(provider)).deploy()).waitForDeployment()) as unknown as Contract;
    poolAddress = await pool.getAddress();
  });

  after(async () => {
    provider?.destroy();
    if (node) {
      await node.stop();
      removeHome(node.home);
    }
  });

  test('a contract delegates: the pool is the delegator, the CMT moved into the staking account', async () => {
    const bonded = ((await staking().getFunction('candidate')(validator)) as { bonded: bigint }).bonded;
    await (await pool.getFunction('stake')(validator, { value: 100n * CMT })).wait();
    assert.equal(await staking().getFunction('delegation')(validator, poolAddress), 100n * CMT);
    assert.equal(await pool.getFunction('staked')(validator), 100n * CMT);
    assert.equal(((await staking().getFunction('candidate')(validator)) as { bonded: bigint }).bonded, bonded + 100n * CMT);
    assert.equal(await provider.getBalance(poolAddress), 0n);
  });

  test('a delegation in a transaction that reverts is undone, stake and CMT', async () => {
    const before = await staking().getFunction('delegation')(validator, poolAddress);
    const stakingBalance = await provider.getBalance(bytesToHex(STAKING_ADDRESS));
    const tx = await pool.getFunction('stakeThenRevert')(validator, { value: 50n * CMT, gasLimit: 500_000n });
    const receipt = (await tx.wait().catch((err: { receipt: TransactionReceipt }) => err.receipt)) as TransactionReceipt;
    assert.equal(receipt.status, 0);
    assert.equal(await staking().getFunction('delegation')(validator, poolAddress), before);
    // the staking account only grew by this block's rewards (issuance + fees), not by the 50 CMT
    const grown = (await provider.getBalance(bytesToHex(STAKING_ADDRESS))) - stakingBalance;
    assert.ok(grown < 50n * CMT, `staking account grew by ${grown}`);
  });

  test('a delegation in an inner call that fails is undone while the outer one stays', async () => {
    const before = (await staking().getFunction('delegation')(validator, poolAddress)) as bigint;
    await (await pool.getFunction('stakeInFailedCall')(validator, { value: 40n * CMT, gasLimit: 800_000n })).wait();
    assert.equal(await staking().getFunction('delegation')(validator, poolAddress), before + 20n * CMT, 'only the outer 20 CMT');
    assert.equal(await provider.getBalance(poolAddress), 20n * CMT, 'the inner call\'s 20 CMT came back to the pool');
  });

  test('a write through STATICCALL is refused', async () => {
    const [ok, ret] = await pool.getFunction('writeInStaticCall')(validator);
    assert.equal(ok, false);
    assert.equal(stakingInterface.parseError(ret)?.name, 'StaticCallWrite');
  });
});
