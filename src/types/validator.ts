/** A member of the validator set, and the set's hash carried in every header. */
import { ed25519Address, keccak256 } from '../crypto/index.ts';
import { RLP } from '../encoding/index.ts';
import { bigintToBytes } from '../primitives/index.ts';

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
