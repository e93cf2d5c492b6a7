/**
 * A governance halt stops the chain (CyberMiles' retire_program, issue 5): on a dev chain the one validator
 * proposes a halt a few blocks ahead and approves it; the block at the halt height is the last one. After it
 * the node refuses transactions and mining with a clear error but keeps answering reads, and a restart from
 * the same home stays halted (going on needs new software).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Contract } from 'ethers';
import type { JsonRpcProvider } from 'ethers';
import { bytesToHex } from '../../src/primitives/index.ts';
import { GOVERNANCE_ABI, GOVERNANCE_ADDRESS } from '../../src/staking/index.ts';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { createEthersProvider } from '../utils/e2e-clients.ts';
import { devWallet } from '../utils/e2e2-helpers.ts';

describe('a governance halt stops the chain', () => {
  let node: CmtProcess;
  let provider: JsonRpcProvider;
  let home: string;

  before(async () => {
    node = await startCmt(['--block-time', '0']);
    home = node.home;
    provider = createEthersProvider(node.url);
  });

  after(async () => {
    provider?.destroy();
    await node?.stop();
    if (home) removeHome(home);
  });

  const refusesWrites = async (p: JsonRpcProvider) => {
    await assert.rejects(p.send('evm_mine', []), /halted at height/);
    await assert.rejects(p.send('eth_sendTransaction', [{ from: devWallet(1).address, to: devWallet(2).address, value: '0x1' }]), /halted at height/);
  };

  test('the block at the halt height is the last; writes are refused, reads answered', async () => {
    const governance = new Contract(bytesToHex(GOVERNANCE_ADDRESS), GOVERNANCE_ABI, devWallet(0).connect(provider));
    const haltAt = BigInt(await provider.getBlockNumber()) + 5n;
    const id = ((await governance.getFunction('info')()) as { proposals: bigint }).proposals;
    await (await governance.getFunction('proposeHalt')(haltAt, [devWallet(0).address], 'stop for the upgrade', 0n, 0n)).wait();
    await (await governance.getFunction('vote')(id, true)).wait();
    assert.equal(((await governance.getFunction('info')()) as { haltHeight: bigint }).haltHeight, haltAt);
    while (BigInt(await provider.getBlockNumber()) < haltAt - 1n) await provider.send('evm_mine', []);
    // a transaction sent with the request that mines the halt block is answered: mined in it, or refused
    const sender = devWallet(1).connect(provider);
    const raw = await sender.signTransaction(await sender.populateTransaction({ to: devWallet(2).address, value: 1n }));
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'evm_mine', params: [] },
      { jsonrpc: '2.0', id: 2, method: 'eth_sendRawTransaction', params: [raw] },
    ];
    const res = await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch), signal: AbortSignal.timeout(30_000) });
    const answers = (await res.json()) as Array<{ id: number; result?: unknown; error?: { message: string } }>;
    const sent = answers.find((a) => a.id === 2);
    assert.ok(sent?.result !== undefined || /halted at height/.test(sent?.error?.message ?? ''), `the transaction was answered: ${JSON.stringify(sent)}`);
    assert.equal(BigInt(await provider.getBlockNumber()), haltAt);
    await refusesWrites(provider);
    assert.equal(BigInt(await provider.getBlockNumber()), haltAt, 'no block after the halt');
    assert.ok((await provider.getBalance(devWallet(1).address)) > 0n, 'reads still answer');
  });

  test('a restart from the same home stays halted', async () => {
    provider.destroy();
    await node.stop();
    node = await startCmt(['--block-time', '0'], { home });
    provider = createEthersProvider(node.url);
    const head = BigInt(await provider.getBlockNumber());
    await refusesWrites(provider);
    assert.equal(BigInt(await provider.getBlockNumber()), head);
  });
});
