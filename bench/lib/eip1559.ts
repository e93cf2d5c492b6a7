/**
 * Fast signing of EIP-1559 (type 2) ETH transfers for load generation: RLP by hand with @ethereumjs/rlp,
 * our keccak and the native secp256k1 binding. About 0.1 ms per transaction, several times less than
 * ethers' Transaction object, which matters when tens of thousands are signed between benchmark steps on a
 * machine shared with the nodes under test. `checkSigned` decodes one result with ethers as a cross-check.
 */
import { RLP } from '@ethereumjs/rlp';
import { HDNodeWallet, Transaction, getBytes } from 'ethers';
import { keccak256 } from '../../src/crypto/index.ts';
import secp256k1 from 'secp256k1';

export interface Signer {
  address: string;
  privateKey: Uint8Array;
}

export interface TransferFields {
  chainId: bigint;
  nonce: number;
  maxPriorityFeePerGas: bigint;
  maxFeePerGas: bigint;
  gasLimit: bigint;
  to: Uint8Array;
  value: bigint;
}

export interface SignedRaw {
  /** 0x-prefixed, lower case. */
  hash: string;
  raw: string;
}

/** Accounts m/44'/60'/0'/0/i for i in [0, count) of the mnemonic. */
export function deriveSigners(mnemonic: string, count: number): Signer[] {
  const parent = HDNodeWallet.fromPhrase(mnemonic, undefined, "m/44'/60'/0'/0");
  const out: Signer[] = [];
  for (let i = 0; i < count; i++) {
    const w = parent.deriveChild(i);
    out.push({ address: w.address, privateKey: getBytes(w.privateKey) });
  }
  return out;
}

const EMPTY = new Uint8Array(0);
const TYPE_2 = Buffer.from([2]);

/** Minimal big-endian bytes of a non-negative integer (empty for zero), as RLP wants integers. */
function intBytes(n: bigint | number): Uint8Array {
  const v = BigInt(n);
  if (v === 0n) return EMPTY;
  const hex = v.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.subarray(i);
}

export function signTransfer(signer: Signer, f: TransferFields): SignedRaw {
  const fields = [intBytes(f.chainId), intBytes(f.nonce), intBytes(f.maxPriorityFeePerGas), intBytes(f.maxFeePerGas), intBytes(f.gasLimit), f.to, intBytes(f.value), EMPTY, []];
  const unsigned = Buffer.concat([TYPE_2, RLP.encode(fields)]);
  const { signature, recid } = secp256k1.ecdsaSign(keccak256(unsigned), signer.privateKey);
  const raw = Buffer.concat([TYPE_2, RLP.encode([...fields, intBytes(recid), stripZeros(signature.subarray(0, 32)), stripZeros(signature.subarray(32, 64))])]);
  return { hash: `0x${Buffer.from(keccak256(raw)).toString('hex')}`, raw: `0x${raw.toString('hex')}` };
}

/** Throws unless ethers decodes `tx` as a type-2 transaction from `signer` with the same hash. */
export function checkSigned(tx: SignedRaw, signer: Signer, chainId: bigint): void {
  const decoded = Transaction.from(tx.raw);
  if (decoded.type !== 2 || decoded.chainId !== chainId || decoded.from?.toLowerCase() !== signer.address.toLowerCase() || decoded.hash?.toLowerCase() !== tx.hash) {
    throw new Error(`self-check of the EIP-1559 signer failed: decoded type ${decoded.type}, from ${decoded.from}, hash ${decoded.hash} (expected ${signer.address}, ${tx.hash})`);
  }
}
