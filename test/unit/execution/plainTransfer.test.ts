/**
 * The plain-transfer path must be invisible: random blocks of transfers (to fresh, existing, empty,
 * self, contract, precompile and fee-pool addresses; zero, normal and unpayable values; legacy, 2930 and
 * 1559; wrong nonces; senders with code) executed with and without it give the same roots, gas,
 * receipts and rejections. Seeded: a failing seed is printed and replays.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Account, createAddressFromString } from '@ethereumjs/util';
import { Transaction } from 'ethers';
import { executeBlock, validateRawTx } from '../../../src/execution/index.ts';
import type { BlockContext, ValidatedTx } from '../../../src/execution/index.ts';
import { bytesToHex, hexToBytes } from '../../../src/primitives/index.ts';
import { FEE_POOL_ADDRESS } from '../../../src/params/index.ts';
import { ONE, createTestChain, devWallet, firstBlockContext } from '../../utils/chain.ts';
import type { TestChain } from '../../utils/chain.ts';
import { Prng } from '../../sim/prng.ts';

const SENDERS = 6;
const CONTRACT = '0x1000000000000000000000000000000000000c0d';
const EMPTY = '0x2000000000000000000000000000000000000e00';
const CODE_SENDER = 5; // dev account 5 gets code: the VM must reject its transactions (EIP-3607)

function prng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.float();
}

async function prepare(chain: TestChain): Promise<void> {
  await chain.state.putAccount(createAddressFromString(CONTRACT), new Account(0n, 5n));
  await chain.state.putCode(createAddressFromString(CONTRACT), hexToBytes('0x600160005500')); // SSTORE(0, 1)
  await chain.state.putAccount(createAddressFromString(EMPTY), new Account());
  await chain.state.putCode(createAddressFromString(devWallet(CODE_SENDER).address), hexToBytes('0x00'));
}

async function randomBlock(rand: () => number, nonces: number[], txCount: number): Promise<Uint8Array[]> {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const raws: Uint8Array[] = [];
  for (let i = 0; i < txCount; i++) {
    const from = Math.floor(rand() * SENDERS);
    const fresh = `0x${Math.floor(rand() * 2 ** 48).toString(16).padStart(12, '0')}${'7'.repeat(28)}`;
    const to = pick([fresh, fresh, devWallet(Math.floor(rand() * SENDERS)).address, devWallet(from).address, CONTRACT, EMPTY, '0x0000000000000000000000000000000000000001', '0x0000000000000000000000000000000000000100', FEE_POOL_ADDRESS]);
    const value = rand() < 0.05 ? 2000n * ONE : pick([0n, 1n, ONE, 3n * ONE]); // sometimes more than the sender has
    const type = pick([0, 1, 2, 2]);
    const wrongNonce = rand() < 0.05;
    const nonce = (nonces[from] as number) + (wrongNonce ? 1 : 0);
    if (!wrongNonce) nonces[from] = nonce + 1;
    const maxFeePerGas = pick([2_000_000_000n, 5_000_000_000n]);
    const tip = pick([0n, 1_000_000_000n, 5_000_000_000n]);
    const fees = type === 2 ? { maxFeePerGas, maxPriorityFeePerGas: tip > maxFeePerGas ? maxFeePerGas : tip } : { gasPrice: pick([2_000_000_000n, 3_000_000_000n]) };
    const accessList = type !== 0 && rand() < 0.2 ? [{ address: fresh, storageKeys: [] }] : [];
    const tx = Transaction.from({
      type,
      to,
      value,
      nonce,
      gasLimit: pick([21000n, 21000n, 30000n, 60000n]),
      chainId: 1234n,
      data: rand() < 0.1 ? '0x01' : '0x',
      ...fees,
      ...(type === 0 ? {} : { accessList }),
    });
    raws.push(hexToBytes(await devWallet(from).signTransaction(tx)));
  }
  return raws;
}

function validated(chain: TestChain, raws: Uint8Array[]): ValidatedTx[] {
  const out: ValidatedTx[] = [];
  for (const raw of raws) {
    try {
      out.push(validateRawTx(raw, chain.txCommon, chain.rules));
    } catch {
      // below intrinsic gas (an access list with 21,000 gas): not admitted, so not executed either
    }
  }
  return out;
}

function summary(out: Awaited<ReturnType<typeof executeBlock>>) {
  const header = out.header;
  return {
    header: { ...header, stateRoot: bytesToHex(header.stateRoot), receiptsRoot: bytesToHex(header.receiptsRoot), logsBloom: bytesToHex(header.logsBloom) },
    included: out.transactions.map((t) => t.hash),
    rejected: out.rejected.map((r) => [r.tx.hash, r.reason]),
    receipts: out.receipts,
  };
}

for (const seed of [1, 2, 3, 4]) {
  test(`plain transfers give the VM's exact result (seed ${seed})`, async () => {
    const fast = await createTestChain(SENDERS);
    const vm = await createTestChain(SENDERS);
    await prepare(fast);
    await prepare(vm);
    const rand = prng(seed);
    const nonces = Array.from({ length: SENDERS }, () => 0);
    let ctx: BlockContext = firstBlockContext(fast); // one context for both: headers must match byte for byte
    let plainPathUsed = 0;
    for (let block = 0; block < 3; block++) {
      const raws = await randomBlock(rand, nonces, 40);
      const a = await executeBlock(fast.vm, fast.common, ctx, validated(fast, raws), 'build', {}, { plainTransfers: true });
      const b = await executeBlock(vm.vm, vm.common, ctx, validated(vm, raws), 'build', {}, { plainTransfers: false });
      assert.deepEqual(summary(a), summary(b), `seed ${seed}, block ${block + 1}`);
      plainPathUsed += a.transactions.filter((t) => t.tx.data.length === 0 && t.tx.to !== undefined).length;
      // rejected transactions stay in the nonce sequence of this test's model: resync from the chain
      for (let s = 0; s < SENDERS; s++) {
        nonces[s] = Number((await fast.state.getAccount(createAddressFromString(devWallet(s).address)))?.nonce ?? 0n);
      }
      ctx = { ...ctx, height: ctx.height + 1n, timestamp: ctx.timestamp + 1n, parentHash: a.header.stateRoot };
    }
    assert.ok(plainPathUsed > 20, `the random blocks exercise the plain path (${plainPathUsed} candidates)`);
  });
}

test('each edge case on its own gives the VM result: empty, fresh, self, contract, precompile, fee pool recipients; senders with code; unpayable', async () => {
  const fresh = '0x3000000000000000000000000000000000000f00';
  const cases: Array<{ from: number; to: string; value: bigint; type?: number }> = [
    { from: 0, to: EMPTY, value: 0n }, // EIP-161: the touched empty account is deleted
    { from: 0, to: fresh, value: 0n }, // and a fresh one is not created
    { from: 0, to: devWallet(0).address, value: ONE },
    { from: 0, to: CONTRACT, value: ONE },
    { from: 0, to: '0x0000000000000000000000000000000000000004', value: 1n },
    { from: 0, to: FEE_POOL_ADDRESS, value: 1n },
    { from: CODE_SENDER, to: fresh, value: 1n },
    { from: 1, to: fresh, value: 999n * ONE },
    { from: 2, to: fresh, value: 1n, type: 2 },
  ];
  for (const [i, c] of cases.entries()) {
    const tx = Transaction.from({
      type: c.type ?? 0,
      to: c.to,
      value: c.value,
      nonce: 0,
      gasLimit: 21000n,
      chainId: 1234n,
      ...(c.type === 2 ? { maxFeePerGas: 9_000_000_000n, maxPriorityFeePerGas: 3_000_000_000n } : { gasPrice: 2_000_000_000n }),
    });
    const raw = hexToBytes(await devWallet(c.from).signTransaction(tx));
    const results = [];
    let ctx: BlockContext | undefined;
    for (const plainTransfers of [true, false]) {
      const chain = await createTestChain(SENDERS);
      await prepare(chain);
      ctx ??= firstBlockContext(chain);
      results.push(summary(await executeBlock(chain.vm, chain.common, ctx, validated(chain, [raw]), 'build', {}, { plainTransfers })));
    }
    assert.deepEqual(results[0], results[1], `case ${i}: ${JSON.stringify(c, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
  }
});
