/**
 * crypto: keccak-256 and secp256k1 through native addons (Ethereum accounts and transactions), ed25519
 * through node:crypto (validator consensus keys and node identity). Pure functions; no key storage.
 */
export { keccak256 } from './keccak.ts';
export {
  ecrecoverHook,
  privateKeyToAddress,
  publicKeyToAddress,
  recoverPublicKey,
  signHash,
} from './secp256k1.ts';
export {
  ed25519Address,
  ed25519KeyFromSeed,
  ed25519Sign,
  ed25519Verify,
  generateEd25519Key,
} from './ed25519.ts';
export type { Ed25519Key } from './ed25519.ts';
