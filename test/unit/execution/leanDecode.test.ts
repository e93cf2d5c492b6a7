/**
 * The lean admission path must agree with the @ethereumjs path on every input: the same acceptance, the
 * same fields and sender, the same error (code and message), and the same transaction object when one is
 * asked for. Inputs: signed legacy/2930/1559 transactions with random values, data and access lists,
 * gas limits around the intrinsic cost and the EIP-7623 floor, and mutations of them (byte flips,
 * truncation, non-canonical integers, high-s signatures, other chain ids, tip above fee cap). Seeded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Transaction } from 'ethers';
import { decodeValidatedTx, prepareRawTx, validateRawTx } from '../../../src/execution/index.ts';
import type { ValidatedTx } from '../../../src/execution/index.ts';
import { RLP } from '../../../src/encoding/index.ts';
import { ChainError, bigintToBytes, bytesToHex, hexToBytes } from '../../../src/primitives/index.ts';
import { keccak256, signHash } from '../../../src/crypto/index.ts';
import { createTestChain, devWallet } from '../../utils/chain.ts';
import { Prng } from '../../sim/prng.ts';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function prng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.float();
}

type Outcome = { ok: true; fields: Record<string, unknown> } | { ok: false; code: string; message: string };

function outcome(raw: Uint8Array, lean: boolean, chain: Awaited<ReturnType<typeof createTestChain>>): Outcome {
  let v: ValidatedTx;
  try {
    v = validateRawTx(raw, chain.txCommon, chain.rules, { lean });
  } catch (err) {
    assert.ok(err instanceof ChainError, `only typed errors: ${String(err)}`);
    return { ok: false, code: err.code, message: err.message };
  }
  return { ok: true, fields: fieldsOf(v) };
}

function fieldsOf(v: ValidatedTx): Record<string, unknown> {
  const tx = v.tx;
  return {
    type: v.type,
    transferTo: v.transferTo === undefined ? undefined : bytesToHex(v.transferTo),
    hash: v.hash,
    sender: v.sender,
    key: bytesToHex(v.senderPublicKey ?? new Uint8Array()),
    nonce: v.nonce,
    gasLimit: v.gasLimit,
    maxFeePerGas: v.maxFeePerGas,
    tip: v.maxPriorityFeePerGas,
    value: v.value,
    txHash: bytesToHex(tx.hash()),
    txSender: tx.getSenderAddress().toString(),
    txType: tx.type,
    txTo: tx.to?.toString(),
    txData: bytesToHex(tx.data),
  };
}

async function randomTx(rand: () => number): Promise<Uint8Array> {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const type = pick([0, 1, 2]);
  const dataLen = pick([0, 0, 4, 68, 300]);
  const data = bytesToHex(Uint8Array.from({ length: dataLen }, () => (rand() < 0.4 ? 0 : Math.floor(rand() * 256))));
  const floorish = 21000n + BigInt(dataLen) * 40n;
  const fee = pick([2_000_000_000n, 3_000_000_000n, 1n]);
  const tx = Transaction.from({
    type,
    to: pick([`0x${'5a'.repeat(20)}`, `0x${'00'.repeat(19)}07`, null]),
    value: pick([0n, 1n, 10n ** 18n]),
    nonce: pick([0, 1, 300]),
    gasLimit: pick([21000n, 20999n, 30000n, floorish, floorish - 1n, 100_000n, 40_000_000n]),
    chainId: pick([1234n, 1234n, 1234n, 1n]),
    data,
    ...(type === 2 ? { maxFeePerGas: fee, maxPriorityFeePerGas: pick([0n, 1n, fee]) } : { gasPrice: fee }),
    ...(type !== 0 && rand() < 0.4 ? { accessList: [{ address: `0x${'ab'.repeat(20)}`, storageKeys: rand() < 0.5 ? [] : [`0x${'01'.repeat(32)}`] }] } : {}),
  });
  return hexToBytes(await devWallet(Math.floor(rand() * 3)).signTransaction(tx));
}

function mutate(raw: Uint8Array, rand: () => number): Uint8Array {
  const kind = Math.floor(rand() * 6);
  const typed = (raw[0] ?? 0) < 0xc0;
  const body = typed ? raw.subarray(1) : raw;
  const rewrap = (fields: Uint8Array[]) => {
    const enc = RLP.encode(fields as never);
    return typed ? Uint8Array.from([raw[0] as number, ...enc]) : enc;
  };
  if (kind === 0) {
    const out = Uint8Array.from(raw);
    for (let i = 0; i < 1 + Math.floor(rand() * 3); i++) {
      const at = Math.floor(rand() * out.length);
      out[at] = (out[at] as number) ^ (1 << Math.floor(rand() * 8));
    }
    return out;
  }
  if (kind === 1) return raw.subarray(0, Math.floor(rand() * raw.length));
  const fields = RLP.decode(body) as Uint8Array[];
  if (kind === 2) {
    const i = Math.floor(rand() * fields.length);
    const f = fields[i];
    if (f instanceof Uint8Array) fields[i] = Uint8Array.from([0, ...f]); // a non-canonical integer
    return rewrap(fields);
  }
  if (kind === 3) {
    // the same signature with s' = n - s and the other parity: valid ECDSA, forbidden by EIP-2
    const s = BigInt(bytesToHex(fields[fields.length - 1] as Uint8Array));
    fields[fields.length - 1] = hexToBytes(`0x${(N - s).toString(16).padStart(64, '0')}`);
    const vIndex = fields.length - 3;
    const v = BigInt(bytesToHex(fields[vIndex] as Uint8Array) === '0x' ? 0 : bytesToHex(fields[vIndex] as Uint8Array));
    const flipped = typed ? v ^ 1n : v % 2n === 0n ? v - 1n : v + 1n;
    fields[vIndex] = bigintToBytes(flipped);
    return rewrap(fields);
  }
  if (kind === 4) {
    // a field changed and the transaction signed again, so only the change can make it invalid
    const vIndex = fields.length - 3;
    const unsigned = fields.slice(0, vIndex);
    const choice = Math.floor(rand() * 3);
    if (choice === 0 && typed && (raw[0] === 2)) unsigned[2] = bigintToBytes(BigInt(bytesToHex(unsigned[3] as Uint8Array)) + 1n); // tip above fee cap
    else if (choice === 1) unsigned[typed ? 1 : 0] = Uint8Array.from([0, 1]); // nonce with a leading zero
    else unsigned[typed ? 1 : 0] = bigintToBytes(2n ** 64n - 1n); // EIP-2681 nonce limit
    const chainId = 1234n;
    const payload = typed
      ? Uint8Array.from([raw[0] as number, ...RLP.encode(unsigned as never)])
      : RLP.encode([...unsigned, bigintToBytes(chainId), new Uint8Array(), new Uint8Array()] as never);
    const sig = signHash(keccak256(payload), hexToBytes(devWallet(0).privateKey));
    const v = typed ? BigInt(sig.recovery) : chainId * 2n + 35n + BigInt(sig.recovery);
    return rewrap([...unsigned, bigintToBytes(v), sig.r, sig.s]);
  }
  // a field dropped or added
  return rewrap(rand() < 0.5 ? fields.slice(0, -1) : [...fields, new Uint8Array([1])]);
}

for (const seed of [11, 12, 13]) {
  test(`lean and @ethereumjs admission agree (seed ${seed})`, async () => {
    const chain = await createTestChain(3);
    const rand = prng(seed);
    let accepted = 0;
    let leanDecoded = 0;
    for (let i = 0; i < 150; i++) {
      const signed = await randomTx(rand);
      for (const raw of [signed, mutate(signed, rand), mutate(signed, rand)]) {
        const a = outcome(raw, true, chain);
        const b = outcome(raw, false, chain);
        assert.deepEqual(a, b, `seed ${seed}, input ${bytesToHex(raw)}`);
        if (a.ok) {
          accepted++;
          // the execution worker's decoding of an admitted transaction (sender known, no recovery) agrees too
          const admitted = validateRawTx(raw, chain.txCommon, chain.rules);
          const again = decodeValidatedTx(raw, chain.txCommon, admitted.sender, admitted.senderPublicKey);
          assert.deepEqual(fieldsOf(again), a.fields, `seed ${seed}, worker decoding of ${bytesToHex(raw)}`);
        }
        if (prepareRawTx(raw, chain.txCommon, chain.rules) !== undefined) leanDecoded++;
      }
    }
    // both paths see plenty of valid transactions, most of them decoded the lean way
    assert.ok(accepted > 25 && leanDecoded > 25, `accepted ${accepted}, lean-decoded ${leanDecoded} of 450`);
  });
}

test('a plain transfer takes the lean path and leaves the transaction object unbuilt until asked', async () => {
  const chain = await createTestChain(1);
  const raw = hexToBytes(await devWallet(0).signTransaction(Transaction.from({ type: 2, to: `0x${'5a'.repeat(20)}`, value: 1n, nonce: 0, gasLimit: 21000n, chainId: 1234n, maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 1n })));
  const v = validateRawTx(raw, chain.txCommon, chain.rules);
  assert.equal(Object.getOwnPropertyDescriptor(v, 'tx'), undefined, 'no transaction object built at admission');
  assert.equal(typeof Object.getOwnPropertyDescriptor(Object.getPrototypeOf(v), 'tx')?.get, 'function', 'built by a getter when asked');
  assert.equal(v.sender, devWallet(0).address.toLowerCase());
  assert.equal(bytesToHex(v.tx.hash()), v.hash);
});
