/**
 * Sponsored gas (ADR 0016) on a dev node, through ethers: a contract opts in with the GasSponsor library,
 * anyone funds its deposit, and a wallet that never held CMT calls it at gas price 0 and pays nothing.
 * CyberMiles' integration cases (reference §2.6: no deposit refused, funded succeeds with the caller's
 * balance unchanged), a call to a contract that does not sponsor, and the price-0 contract creation that
 * halted CyberMiles' mainnet for 17 hours: refused with a clear error while the node keeps serving.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Contract, ContractFactory, Wallet, keccak256, toUtf8Bytes } from 'ethers';
import type { TransactionReceipt } from 'ethers';
import { SPONSOR_ABI, SPONSOR_ADDRESS } from '../../src/execution/index.ts';
import { bytesToHex } from '../../src/primitives/index.ts';
import { contractSet, startChain } from '../contracts/contractHarness.ts';
import type { Chain } from '../contracts/contractHarness.ts';
import { BASE_FEE_WEI, ONE_CMT } from '../utils/e2e-clients.ts';

const set = contractSet(['contracts/test/sponsor'], ['SponsoredCounter']);
const POLICY = [200_000n, 1_000_000n, 100n] as const; // maxGasPerTx, callerGasPerWindow, windowBlocks

describe('sponsored gas on a dev node', () => {
  let chain: Chain;
  let fresh: Wallet;
  const dev = (i: number): Wallet => {
    const w = chain.wallets[i];
    assert.ok(w);
    return w;
  };
  const sponsor = () => new Contract(bytesToHex(SPONSOR_ADDRESS), SPONSOR_ABI, dev(1));
  const depositOf = async (target: string) => ((await sponsor().getFunction('sponsorship')(target)) as bigint[])[0] as bigint;
  /** `fn` of `c` sent by `from` at gas price 0, the way a dApp would with ethers (estimate, nonce, sign, send). */
  const callFree = async (c: Contract, from: Wallet, fn: string): Promise<TransactionReceipt> => {
    const tx = await (c.connect(from) as Contract).getFunction(fn)({ gasPrice: 0n });
    const receipt = await tx.wait();
    assert.ok(receipt);
    return receipt;
  };

  before(async () => {
    chain = await startChain();
    fresh = new Wallet(keccak256(toUtf8Bytes('a customer without CMT')), chain.provider);
  });

  after(async () => {
    await chain?.stop();
  });

  test('no deposit: a price-0 call is refused; funded: it succeeds and the caller pays nothing (CyberMiles §2.6)', async () => {
    const { contract: counter } = await set.deploy('SponsoredCounter', dev(0), [...POLICY]);
    const address = (await counter.getAddress()).toLowerCase();
    assert.equal(await chain.provider.getBalance(fresh.address), 0n);
    await assert.rejects(callFree(counter, fresh, 'increment'), /sponsor deposit too low: .* has 0 wei deposited/);

    await (await sponsor().getFunction('deposit')(address, { value: ONE_CMT })).wait();
    assert.equal(await depositOf(address), ONE_CMT, 'anyone can fund a deposit');
    const receipt = await callFree(counter, fresh, 'increment');
    assert.equal(receipt.status, 1);
    assert.equal(await chain.provider.getBalance(fresh.address), 0n, 'the caller still has no CMT');
    assert.equal(await chain.provider.getTransactionCount(fresh.address), 1, 'its nonce moved');
    assert.equal(await counter.getFunction('counts')(fresh.address), 1n, 'the call did its work');
    assert.equal(receipt.gasPrice, 0n, 'the receipt says what the sender paid per gas');
    assert.equal(await depositOf(address), ONE_CMT - receipt.gasUsed * BASE_FEE_WEI, 'the deposit paid gas used x base fee');
    assert.equal(await counter.getFunction('deposit')(), await depositOf(address), 'the library reads the same deposit');
    const log = receipt.logs.find((l) => l.address.toLowerCase() === bytesToHex(SPONSOR_ADDRESS));
    const parsed = log && sponsor().interface.parseLog(log);
    assert.deepEqual(parsed && [parsed.name, String(parsed.args[0]).toLowerCase(), parsed.args[1], parsed.args[2]], ['GasSponsored', address, fresh.address, receipt.gasUsed]);
    // the transaction traces like any other (the replay runs it as the block did)
    const trace = await chain.node.rpc<{ to: string; gasUsed: string; error?: string }>('debug_traceTransaction', [receipt.hash, { tracer: 'callTracer' }]);
    assert.equal(trace.to.toLowerCase(), address);
    assert.equal(trace.error, undefined);
  });

  test('the same wallet calling a contract that does not sponsor is refused with a clear error', async () => {
    const { contract: plain } = await set.deploy('SponsoredCounter', dev(0), [0n, 0n, 0n]);
    await assert.rejects(callFree(plain, fresh, 'increment'), /not sponsored: gas price 0 is accepted only for calls to a contract that pays its callers' gas, and 0x[0-9a-f]{40} does not/);
    assert.equal(await chain.provider.getBalance(fresh.address), 0n);
  });

  test('a price-0 contract creation is refused with a clear error, and the node keeps serving', async () => {
    const { abi, bytecode } = set.loadArtifacts().SponsoredCounter;
    for (const wallet of [fresh, dev(2)]) {
      await assert.rejects(new ContractFactory(abi, bytecode, wallet).deploy(...POLICY, { gasPrice: 0n }), /sponsored transactions cannot create contracts/);
    }
    const legacy = await dev(2).signTransaction({
      type: 0, gasPrice: 0n, gasLimit: 3_000_000n, data: bytecode, nonce: await chain.provider.getTransactionCount(dev(2).address), chainId: 1234,
    });
    await assert.rejects(chain.provider.send('eth_sendRawTransaction', [legacy]), /sponsored transactions cannot create contracts/);
    const height = await chain.provider.getBlockNumber();
    const ok = await (await dev(2).sendTransaction({ to: dev(3).address, value: 1n })).wait();
    assert.equal(ok?.status, 1, 'the node still mines');
    assert.ok((await chain.provider.getBlockNumber()) > height);
  });
});
