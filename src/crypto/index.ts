/**
 * crypto: keccak-256 (hash-wasm's WebAssembly, ADR 0021) and secp256k1 (native addon) for Ethereum accounts,
 * transactions and tries, ed25519 through node:crypto (validator consensus keys and node identity), X25519
 * (node:crypto) for the p2p handshake's ephemeral key agreement. Pure functions; no key storage.
 */
export { keccak256, keccak256Concat } from './keccak.ts';
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
export { generateX25519Key, x25519SharedSecret } from './x25519.ts';
export type { X25519Key } from './x25519.ts';
