/**
 * JSON-RPC value codecs (execution-apis): quantities are hex without leading zeros ("0x0" for zero),
 * data is even-length hex. Parsers throw INVALID_PARAMS-style ChainErrors on malformed input so the RPC
 * layer can answer -32602.
 */
import { ChainError, bytesToHex, checkedHexToBytes } from '../primitives/index.ts';
import type { Hex } from '../primitives/index.ts';

const QUANTITY_RE = /^0x(0|[1-9a-fA-F][0-9a-fA-F]{0,63})$/;

export function toQuantity(value: bigint | number): Hex {
  if (value < 0) throw new ChainError('INVALID_QUANTITY', `negative quantity ${value}`, {}, 'internal');
  return `0x${value.toString(16)}`;
}

/** A quantity as the spec defines it: 0x-hex without leading zeros (geth rejects them too), at most 256 bits. */
export function parseQuantity(value: unknown, name = 'quantity'): bigint {
  if (typeof value === 'string' && QUANTITY_RE.test(value)) return BigInt(value);
  const hint = typeof value === 'string' && /^0x0[0-9a-fA-F]/.test(value) ? ' (hex quantities have no leading zeros)' : '';
  throw new ChainError('INVALID_PARAMS', `invalid ${name}: expected a hex quantity, got ${describe(value)}${hint}`);
}

export function toData(bytes: Uint8Array): Hex {
  return bytesToHex(bytes);
}

export function parseData(value: unknown, name = 'data', length?: number): Uint8Array {
  if (typeof value !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(value)) {
    throw new ChainError('INVALID_PARAMS', `invalid ${name}: expected 0x-prefixed even-length hex, got ${describe(value)}`);
  }
  const bytes = checkedHexToBytes(value); // the pattern above is hexToBytes's check
  if (length !== undefined && bytes.length !== length) {
    throw new ChainError('INVALID_PARAMS', `invalid ${name}: expected ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}

export function parseAddress(value: unknown, name = 'address'): Uint8Array {
  return parseData(value, name, 20);
}

export function parseHash(value: unknown, name = 'hash'): Uint8Array {
  return parseData(value, name, 32);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
