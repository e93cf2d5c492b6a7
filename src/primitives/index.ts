/**
 * primitives: bytes/hex/bigint helpers and the ChainError base. Imports nothing internal; everything
 * else may import it.
 */
export { ChainError, isChainError, invariant } from './errors.ts';
export type { ErrorAction } from './errors.ts';
export {
  bareHex,
  bigintToBytes,
  bytesToBigint,
  bytesToHex,
  checkedHexToBytes,
  concatBytes,
  equalBytes,
  hexToBytes,
  isHex,
  padLeft,
  utf8ToBytes,
} from './bytes.ts';
export type { Hex } from './bytes.ts';
