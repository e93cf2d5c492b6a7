import secp256k1 from 'secp256k1';
import { ChainError, bytesPart, padLeft } from '../primitives/index.ts';
import { keccak256 } from './keccak.ts';

/**
 * secp256k1 through the native libsecp256k1 addon: 22k recoveries/s against 951 for pure JS
 * (reference/dependencies.md §2). Used for transaction senders and the ecrecover precompile.
 */

/** Uncompressed 64-byte public key (without the 0x04 prefix) from a 32-byte hash and signature. */
export function recoverPublicKey(hash: Uint8Array, r: Uint8Array, s: Uint8Array, recovery: number): Uint8Array {
  const sig = new Uint8Array(64);
  sig.set(padLeft(r, 32), 0);
  sig.set(padLeft(s, 32), 32);
  try {
    return secp256k1.ecdsaRecover(sig, recovery, hash, false).subarray(1);
  } catch (err) {
    throw new ChainError('BAD_SIGNATURE', 'invalid signature: public key cannot be recovered', {
      reason: String(err),
    });
  }
}

/**
 * The ecrecover hook in the shape @ethereumjs expects. It passes `chainId === undefined` for typed
 * transactions whose v is 0 or 1, so 0/1 are checked before the EIP-155 and legacy forms.
 */
export function ecrecoverHook(
  hash: Uint8Array,
  v: bigint,
  r: Uint8Array,
  s: Uint8Array,
  chainId?: bigint,
): Uint8Array {
  let recovery: bigint;
  if (v === 0n || v === 1n) recovery = v;
  else if (chainId === undefined) recovery = v - 27n;
  else recovery = v - chainId * 2n - 35n;
  if (recovery !== 0n && recovery !== 1n) {
    throw new ChainError('BAD_SIGNATURE', `invalid signature v value ${v}`, {});
  }
  return recoverPublicKey(hash, r, s, Number(recovery));
}

export function publicKeyToAddress(publicKey64: Uint8Array): Uint8Array {
  return bytesPart(keccak256(publicKey64), 12);
}

export function privateKeyToAddress(privateKey: Uint8Array): Uint8Array {
  return publicKeyToAddress(secp256k1.publicKeyCreate(privateKey, false).subarray(1));
}

/** Recoverable signature of a 32-byte hash: r, s and the recovery id (0 or 1). */
export function signHash(hash: Uint8Array, privateKey: Uint8Array): { r: Uint8Array; s: Uint8Array; recovery: number } {
  const { signature, recid } = secp256k1.ecdsaSign(hash, privateKey);
  return { r: signature.slice(0, 32), s: signature.slice(32, 64), recovery: recid };
}
