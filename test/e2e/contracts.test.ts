/**
 * Contracts through ethers v6 against a real automining node (`--block-time 0`): deploy, transfer, events,
 * revert reasons and custom errors, gas estimation, the three transaction types, fees into block rewards and reads at
 * past blocks.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Contract, ContractFactory, Wallet, isCallException } from 'ethers';
import type { ContractTransactionResponse, JsonRpcProvider, TransactionReceipt } from 'ethers';
import { MAINNET_STAKING_PARAMS, STAKING_ADDRESS } from '../../src/staking/index.ts';
import { bytesToHex } from '../../src/primitives/index.ts';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { loadTestToken } from '../utils/contracts.ts';
import {
  BASE_FEE_WEI, DEV_ADDRESS_1, DEV_BALANCE_WEI, DEV_KEY_0, FEE_POOL_ADDRESS, ONE_CMT, TRANSFER_TOPIC, addressTopic,
  createEthersProvider, toQuantity,
} from '../utils/e2e-clients.ts';

const SUPPLY = 1_000_000n * ONE_CMT;
const STAKING = bytesToHex(STAKING_ADDRESS);
const GWEI = 1_000_000_000n;
const REASON = 'TestToken: always fails';

describe('contracts through ethers v6 (automine)', () => {
  let node: CmtProcess;
  let provider: JsonRpcProvider;
  let wallet: Wallet;
  let token: Contract;
  let tokenAddress: string;
  let deployBlock: number;
  let transferBlock: number;
  const recipient = Wallet.createRandom().address;

  before(async () => {
    node = await startCmt(['--block-time', '0']);
    provider = createEthersProvider(node.url);
    wallet = new Wallet(DEV_KEY_0, provider);
  });

  after(async () => {
    provider?.destroy();
    if (node) {
      await node.stop();
      removeHome(node.home);
    }
  });

  async function mined(tx: { wait(): Promise<TransactionReceipt | null> }): Promise<TransactionReceipt> {
    const receipt = await tx.wait();
    assert.ok(receipt, 'receipt');
    return receipt;
  }

  test('deploys TestToken and mints the supply to the deployer', async () => {
    const { abi, bytecode, deployedBytecode } = loadTestToken();
    const deployed = await new ContractFactory(abi, bytecode, wallet).deploy(SUPPLY);
    await deployed.waitForDeployment();
    token = new Contract(await deployed.getAddress(), abi, wallet);
    tokenAddress = await token.getAddress();
    const receipt = await mined(deployed.deploymentTransaction()!);
    assert.equal(receipt.status, 1);
    assert.equal(receipt.contractAddress, tokenAddress);
    deployBlock = receipt.blockNumber;
    assert.equal(await provider.getCode(tokenAddress), deployedBytecode);
    assert.equal(await token.getFunction('balanceOf')(wallet.address), SUPPLY);
    assert.equal(await token.getFunction('symbol')(), 'TT');
  });

  test('transfers tokens and updates both balances', async () => {
    const receipt = await mined(await token.getFunction('transfer')(recipient, 250n * ONE_CMT));
    assert.equal(receipt.status, 1);
    transferBlock = receipt.blockNumber;
    assert.equal(await token.getFunction('balanceOf')(recipient), 250n * ONE_CMT);
    assert.equal(await token.getFunction('balanceOf')(wallet.address), SUPPLY - 250n * ONE_CMT);
  });

  test('Transfer events through provider.getLogs and contract.queryFilter', async () => {
    const logs = await provider.getLogs({ address: tokenAddress, topics: [TRANSFER_TOPIC], fromBlock: 0, toBlock: 'latest' });
    assert.equal(logs.length, 2, 'the mint and the transfer');
    const parsed = logs.map((l) => token.interface.parseLog(l)!);
    assert.deepEqual(parsed.map((p) => [p.name, ...p.args]), [
      ['Transfer', '0x0000000000000000000000000000000000000000', wallet.address, SUPPLY],
      ['Transfer', wallet.address, recipient, 250n * ONE_CMT],
    ]);
    assert.deepEqual(logs.map((l) => l.blockNumber), [deployBlock, transferBlock]);

    const byRecipient = await provider.getLogs({ topics: [TRANSFER_TOPIC, null, addressTopic(recipient)], fromBlock: 0 });
    assert.equal(byRecipient.length, 1);
    assert.equal(byRecipient[0]!.address, tokenAddress);

    const events = await token.queryFilter(token.filters['Transfer']!(wallet.address, recipient), deployBlock);
    assert.equal(events.length, 1);
    const ev = events[0]!;
    assert.ok('args' in ev);
    assert.deepEqual([...ev.args], [wallet.address, recipient, 250n * ONE_CMT]);
    assert.equal(ev.blockNumber, transferBlock);
    assert.deepEqual(await token.queryFilter(token.filters['Transfer']!(recipient), 0), []);
  });

  test('revert with a reason string: staticCall, estimateGas, provider.call and a mined tx', async () => {
    const hasReason = (e: unknown): boolean => isCallException(e) && e.reason === REASON;
    await assert.rejects(token.getFunction('failWithReason').staticCall(), hasReason);
    await assert.rejects(token.getFunction('failWithReason').estimateGas(), hasReason);
    const data = token.interface.encodeFunctionData('failWithReason');
    await assert.rejects(provider.call({ to: tokenAddress, data }), hasReason);
    await assert.rejects(provider.estimateGas({ to: tokenAddress, data, from: wallet.address }), hasReason);

    const tx = await token.getFunction('failWithReason').send({ gasLimit: 100_000n }); // pure: send() forces a tx
    await assert.rejects(tx.wait(), (e: unknown) => isCallException(e) && e.receipt?.status === 0);
    const receipt = await provider.getTransactionReceipt(tx.hash);
    assert.equal(receipt?.status, 0);
    assert.equal(receipt?.logs.length, 0);
  });

  test('custom error NotAllowed(address) decoded from error.data', async () => {
    await assert.rejects(token.getFunction('restricted').staticCall(), (e: unknown) => {
      assert.ok(isCallException(e));
      assert.ok(e.data, 'revert data');
      const decoded = token.interface.parseError(e.data);
      assert.equal(decoded?.name, 'NotAllowed');
      assert.equal(decoded?.args[0], wallet.address);
      assert.equal(e.revert?.name, 'NotAllowed');
      return true;
    });
    const raw = (await node.rpcRaw({
      jsonrpc: '2.0', id: 1, method: 'eth_call',
      params: [{ from: DEV_ADDRESS_1, to: tokenAddress, data: token.interface.encodeFunctionData('restricted') }, 'latest'],
    })) as { error?: { code: number; data?: string } };
    assert.equal(raw.error?.code, 3);
    assert.equal(raw.error?.data, token.interface.encodeErrorResult('NotAllowed', [DEV_ADDRESS_1]));
  });

  test('estimateGas covers gasUsed and a tx with exactly the estimate succeeds (new slot and refund cases)', async () => {
    const holder = new Wallet(Wallet.createRandom().privateKey, provider);
    await mined(await wallet.sendTransaction({ to: holder.address, value: ONE_CMT }));
    const cases: [string, Wallet, string][] = [
      ['transfer to an empty slot', wallet, holder.address],
      ['transfer of the whole balance (storage refund)', holder, wallet.address],
    ];
    for (const [name, from, to] of cases) {
      const transfer = (token.connect(from) as Contract).getFunction('transfer');
      const gasLimit = await transfer.estimateGas(to, 7n);
      const receipt = await mined(await transfer(to, 7n, { gasLimit }) as ContractTransactionResponse);
      assert.equal(receipt.status, 1, name);
      assert.ok(gasLimit >= receipt.gasUsed, `${name}: estimate ${gasLimit} < used ${receipt.gasUsed}`);
    }
    assert.equal(await token.getFunction('balanceOf')(holder.address), 0n);
  });

  test('EIP-1559 tx from an unlocked dev account through eth_sendTransaction', async () => {
    const signer = await provider.getSigner(DEV_ADDRESS_1);
    const tip = 1n * GWEI;
    const tx = await signer.sendTransaction({ to: recipient, value: 3n * ONE_CMT, maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: tip });
    const receipt = await mined(tx);
    assert.equal(receipt.status, 1);
    assert.equal(receipt.type, 2);
    assert.equal(receipt.from, DEV_ADDRESS_1);
    assert.equal(receipt.gasUsed, 21_000n);
    assert.equal(receipt.gasPrice, BASE_FEE_WEI + tip, 'effectiveGasPrice = base fee + tip');
    const block = await provider.getBlock(receipt.blockNumber);
    assert.equal(block?.baseFeePerGas, BASE_FEE_WEI);
    const fetched = await provider.getTransaction(tx.hash);
    assert.equal(fetched?.type, 2);
    assert.equal(fetched?.maxPriorityFeePerGas, tip);
    assert.equal(fetched?.maxFeePerGas, 10n * GWEI);
    assert.equal(fetched?.chainId, 1234n);
  });

  test('legacy (EIP-155) and EIP-2930 transactions signed by a Wallet', async () => {
    const before = await provider.getBalance(wallet.address);
    const legacy = await wallet.sendTransaction({ type: 0, to: recipient, value: ONE_CMT, gasPrice: 3n * GWEI });
    const legacyReceipt = await mined(legacy);
    assert.equal(legacyReceipt.type, 0);
    assert.equal(legacyReceipt.gasPrice, 3n * GWEI);
    assert.equal((await provider.getTransaction(legacy.hash))?.chainId, 1234n);
    assert.equal(await provider.getBalance(wallet.address), before - ONE_CMT - 21_000n * 3n * GWEI);

    const balanceSlot = '0x' + '00'.repeat(32);
    const accessList = [{ address: tokenAddress, storageKeys: [balanceSlot] }];
    const typed = await wallet.sendTransaction({
      type: 1, to: tokenAddress, gasPrice: 2n * GWEI, accessList,
      data: token.interface.encodeFunctionData('transfer', [recipient, 1n]),
    });
    const typedReceipt = await mined(typed);
    assert.equal(typedReceipt.status, 1);
    assert.equal(typedReceipt.type, 1);
    assert.equal(typedReceipt.gasPrice, 2n * GWEI);
    const fetched = await provider.getTransaction(typed.hash);
    assert.equal(fetched?.type, 1);
    assert.deepEqual(fetched?.accessList, accessList);
  });

  test('rejects a tx priced below the 2 gwei minimum', async () => {
    await assert.rejects(wallet.sendTransaction({ type: 0, to: recipient, value: 1n, gasPrice: GWEI }));
  });

  test('every fee of every block goes into its rewards: the staking account grows by exactly the fees plus the block issuance', async () => {
    const latest = await provider.getBlockNumber();
    let fees = 0n;
    for (let n = 1; n <= latest; n++) {
      const block = await provider.getBlock(n);
      assert.ok(block);
      let blockFees = 0n;
      for (const hash of block.transactions) {
        const r = await provider.getTransactionReceipt(hash);
        assert.ok(r);
        blockFees += r.gasUsed * r.gasPrice;
      }
      // nobody claimed or unbonded: the staking account only receives (fees and issuance), and the fee pool
      // the EVM pays is emptied into the rewards at the end of every block
      const delta = (await provider.getBalance(STAKING, n)) - (await provider.getBalance(STAKING, n - 1));
      assert.equal(delta, blockFees + MAINNET_STAKING_PARAMS.blockIssuance, `staking account delta at block ${n}`);
      assert.equal(await provider.getBalance(FEE_POOL_ADDRESS, n), 0n, `fee pool after block ${n}`);
      fees += blockFees;
    }
    assert.ok(fees > 0n);
  });

  test('eth_getBalance at a past block returns the balance of then', async () => {
    assert.equal(await node.rpc('eth_getBalance', [wallet.address, '0x0']), toQuantity(DEV_BALANCE_WEI));
    const fresh = Wallet.createRandom().address;
    const receipt = await mined(await wallet.sendTransaction({ to: fresh, value: 5n }));
    const at = (n: number): Promise<string> => node.rpc<string>('eth_getBalance', [fresh, toQuantity(n)]);
    assert.equal(await at(receipt.blockNumber - 1), '0x0');
    assert.equal(await at(receipt.blockNumber), '0x5');
    assert.ok((await provider.getBalance(wallet.address, deployBlock - 1)) > (await provider.getBalance(wallet.address)));
  });

  test('eth_call at a past block sees the token state of then', async () => {
    const balanceOf = token.getFunction('balanceOf');
    assert.equal(await balanceOf(recipient, { blockTag: transferBlock - 1 }), 0n);
    assert.equal(await balanceOf(recipient, { blockTag: transferBlock }), 250n * ONE_CMT);
    const data = token.interface.encodeFunctionData('balanceOf', [wallet.address]);
    assert.equal(await node.rpc('eth_call', [{ to: tokenAddress, data }, toQuantity(deployBlock - 1)]), '0x', 'no code before deployment');
  });
});
