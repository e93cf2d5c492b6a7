/** A member of the validator set, and the set's hash carried in every header. */
import { ed25519Address, keccak256 } from '../crypto/index.ts';
import { RLP } from '../encoding/index.ts';
import { bigintToBytes, bytesToBigint } from '../primitives/index.ts';

export interface Validator {
  address: Uint8Array; // 20 bytes: SHA-256(publicKey)[0..20]
  publicKey: Uint8Array; // ed25519, 32 bytes
  power: bigint;
}

export function createValidator(publicKey: Uint8Array, power: bigint): Validator {
  return { address: ed25519Address(publicKey), publicKey, power };
}

export function hashValidatorSet(validators: readonly Validator[]): Uint8Array {
  return keccak256(RLP.encode(validators.map((v) => [v.address, v.publicKey, bigintToBytes(v.power)])));
}

/**
 * Validator set changes as the execution layer returns them at the end of a block (power 0 removes a
 * member), stored with the block: [[publicKey, power], ...]. The address is derived from the key.
 */
export function encodeValidatorUpdates(updates: readonly Validator[]): Uint8Array {
  return RLP.encode(updates.map((u) => [u.publicKey, bigintToBytes(u.power)]));
}

export function decodeValidatorUpdates(bytes: Uint8Array): Validator[] {
  const items = RLP.decode(bytes);
  if (!Array.isArray(items)) throw new Error('validator updates: not a list');
  return items.map((item) => {
    if (!Array.isArray(item) || item.length !== 2 || !(item[0] instanceof Uint8Array) || !(item[1] instanceof Uint8Array) || item[0].length !== 32) {
      throw new Error('validator updates: each is [32-byte ed25519 key, power]');
    }
    return createValidator(item[0], bytesToBigint(item[1]));
  });
}
