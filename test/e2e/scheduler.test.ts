/**
 * Scheduled calls (issue 6) on the dev chain: a contract schedules calls to itself through the scheduler at
 * 0x…1004 with the gas paid up front; the chain runs them at the start of the block they are due in (the
 * target sees the scheduler as msg.sender), pays their gas into the fee pool and refunds the rest to the owner;
 * a cancelled call never runs and is refunded whole; a reverting call is recorded as reverted and still
 * pays its gas; calls beyond a block's gas budget wait for the next block (ahead of its own); bad requests are
 * refused with their custom errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Contract, ContractFactory } from 'ethers';
import type { JsonRpcProvider, TransactionReceipt } from 'ethers';
import { CALL_STATUS, SCHEDULED_GAS_PER_BLOCK, SCHEDULER_ABI, SCHEDULER_ADDRESS, schedulerInterface } from '../../src/execution/index.ts';
import { bytesToHex } from '../../src/primitives/index.ts';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { createEthersProvider } from '../utils/e2e-clients.ts';
import { devWallet } from '../utils/e2e2-helpers.ts';
import { PROJECT_ROOT, compileSolidity } from '../utils/solc.ts';

const GAS_PRICE = 2_000_000_000n;

describe('scheduled calls', () => {
  let node: CmtProcess;
  let provider: JsonRpcProvider;
  let user: Contract;
  let userAddress: string;
  const scheduler = () => new Contract(bytesToHex(SCHEDULER_ADDRESS), SCHEDULER_ABI, devWallet(0).connect(provider));
  const head = async () => BigInt(await provider.getBlockNumber());
  const mineTo = async (h: bigint) => {
    while ((await head()) < h) await provider.send('evm_mine', []);
  };
  /** Schedules through the user contract; returns the new call's id (from the scheduler's CallScheduled log). */
  const schedule = async (method: string, atHeight: bigint, gasLimit: bigint): Promise<bigint> => {
    const receipt = (await (await user.getFunction(method)(atHeight, gasLimit, { value: gasLimit * GAS_PRICE })).wait()) as TransactionReceipt;
    const log = receipt.logs.find((l) => l.address.toLowerCase() === bytesToHex(SCHEDULER_ADDRESS));
    assert.ok(log !== undefined, 'a CallScheduled log');
    return schedulerInterface.parseLog(log)?.args.id as bigint;
  };
  const call = async (id: bigint) => (await scheduler().getFunction('scheduled')(id)) as { owner: string; status: bigint; gasUsed: bigint; ranAt: bigint; atHeight: bigint };

  before(async () => {
    node = await startCmt(['--block-time', '0']);
    provider = createEthersProvider(node.url);
    const source = 'contracts/test/extensions/SchedulerUser.sol';
    const artifact = compileSolidity({ [source]: readFileSync(join(PROJECT_ROOT, source), 'utf8') }).SchedulerUser;
    assert.ok(artifact);
    user = (await (await new ContractFactory(artifact.abi, artifact.bytecode, devWallet(0).connect(provider)).deploy()).waitForDeployment()) as unknown as Contract;
    userAddress = await user.getAddress();
  });

  after(async () => {
    provider?.destroy();
    if (node) {
      await node.stop();
      removeHome(node.home);
    }
  });

  test('a scheduled call runs at the start of its block, from the scheduler, and the unused gas comes back', async () => {
    const at = (await head()) + 3n;
    const id = await schedule('scheduleTick', at, 200_000n);
    assert.equal((await call(id)).status, CALL_STATUS.scheduled);
    await mineTo(at - 1n);
    assert.equal(await user.getFunction('ticks')(), 0n, 'not before its block');
    const balance = await provider.getBalance(userAddress);
    await mineTo(at);
    assert.equal(await user.getFunction('ticks')(), 1n);
    assert.equal((await user.getFunction('lastSender')()).toLowerCase(), bytesToHex(SCHEDULER_ADDRESS), 'msg.sender is the scheduler');
    assert.equal(await user.getFunction('lastBlock')(), at);
    const c = await call(id);
    assert.deepEqual([c.status, c.ranAt, c.owner.toLowerCase()], [CALL_STATUS.ran, at, userAddress.toLowerCase()]);
    assert.ok(c.gasUsed > 21_000n && c.gasUsed < 200_000n, `gas used ${c.gasUsed}`);
    assert.equal(await provider.getBalance(userAddress), balance + 200_000n * GAS_PRICE - c.gasUsed * GAS_PRICE, 'the deposit less the gas used came back');
  });

  test('a cancelled call never runs and is refunded whole; only its owner cancels it', async () => {
    const at = (await head()) + 3n;
    const id = await schedule('scheduleTick', at, 100_000n);
    const stranger = (await scheduler().getFunction('cancel').staticCall(id).catch((e: { data: string }) => schedulerInterface.parseError(e.data)?.name)) as string;
    assert.equal(stranger, 'NotOwner');
    const balance = await provider.getBalance(userAddress);
    await (await user.getFunction('cancel')(id)).wait();
    assert.equal(await provider.getBalance(userAddress), balance + 100_000n * GAS_PRICE);
    await mineTo(at + 1n);
    assert.equal((await call(id)).status, CALL_STATUS.cancelled);
    assert.equal(await user.getFunction('ticks')(), 1n, 'it did not run');
    const again = await user.getFunction('cancel').staticCall(id).catch((e: { data: string }) => schedulerInterface.parseError(e.data)?.name);
    assert.equal(again, 'NotScheduled');
  });

  test('a call that reverts is recorded as reverted and pays its gas', async () => {
    const at = (await head()) + 2n;
    const id = await schedule('scheduleBoom', at, 100_000n);
    await mineTo(at);
    const c = await call(id);
    assert.equal(c.status, CALL_STATUS.reverted);
    assert.ok(c.gasUsed > 0n);
  });

  test('calls beyond a block\'s gas budget wait for the next block', async () => {
    const at = (await head()) + 6n; // each schedule below is a block of its own
    const gas = 2_000_000n; // three of them do not fit in SCHEDULED_GAS_PER_BLOCK
    assert.ok(3n * gas > SCHEDULED_GAS_PER_BLOCK && 2n * gas <= SCHEDULED_GAS_PER_BLOCK);
    const ids = [await schedule('scheduleHeavy', at, gas)];
    ids.push(await schedule('scheduleHeavy', at, gas));
    ids.push(await schedule('scheduleHeavy', at, gas));
    await mineTo(at + 1n);
    const ran = await Promise.all(ids.map(async (id) => (await call(id)).ranAt));
    assert.deepEqual(ran, [at, at, at + 1n]);
  });

  test('bad requests are refused with their custom errors', async () => {
    const s = scheduler();
    const err = async (args: unknown[], value: bigint) => s.getFunction('schedule').staticCall(...args, { value }).then(() => undefined, (e: { data: string }) => schedulerInterface.parseError(e.data)?.name);
    const h = await head();
    assert.equal(await err([userAddress, '0x', h, 100_000n], 100_000n * GAS_PRICE), 'BadHeight');
    assert.equal(await err([userAddress, '0x', h + 5n, 1_000n], 1_000n * GAS_PRICE), 'BadGasLimit');
    assert.equal(await err([userAddress, '0x', h + 5n, 100_000n], 1n), 'WrongDeposit');
    const missing = await s.getFunction('scheduled').staticCall(999n).then(() => undefined, (e: { data: string }) => schedulerInterface.parseError(e.data)?.name);
    assert.equal(missing, 'NotScheduled');
  });
});
