/**
 * primitives: bytes/hex/bigint helpers and the ChainError base. Imports nothing internal; everything
 * else may import it.
 */
export { ChainError, isChainError, invariant } from './errors.ts';
export type { ErrorAction } from './errors.ts';
export {
  bareHex,
  bigintToBytes,
  bytesKey,
  bytesPart,
  bytesToBigint,
  bytesToHex,
  checkedHexToBytes,
  concatBytes,
  equalBytes,
  hexToBytes,
  IN_HEAP_MAX,
  isHex,
  keyBytes,
  padLeft,
  readWord256,
  utf8ToBytes,
  writeWord256,
} from './bytes.ts';
export type { Hex } from './bytes.ts';
