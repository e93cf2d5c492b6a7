/**
 * What the consensus driver writes to its write-ahead log (storage/wal.ts), one record per entry:
 * the start of a height (its number only: the validator set and last commit are recomputed from the
 * chain on replay, so they cannot disagree with it), every machine input, and every block the driver
 * came to hold (built by us or reassembled from a peer's parts), since after a crash the machine may still
 * have to sign, validate or commit a block that no longer exists anywhere else in the process.
 *
 * Records are JSON with bigints and bytes tagged: a few per block and short, so the clarity is worth more
 * than the bytes, and a record that does not parse is a bug we want to read, not a silent default.
 */
import type { TendermintInput } from '../consensus/index.ts';
import { ChainError, bytesToHex, hexToBytes } from '../primitives/index.ts';
import { decodeBlock, encodeBlock } from '../types/index.ts';
import type { Block } from '../types/index.ts';

export type WalEntry =
  | { kind: 'height'; height: bigint }
  | { kind: 'input'; input: Exclude<TendermintInput, { kind: 'startHeight' }> }
  | { kind: 'block'; block: Block };

type Json = { $big: string } | { $hex: string };

/**
 * Reads the raw value (`holder[key]`), not `value`: JSON.stringify applies toJSON first, and a Buffer (what
 * fields decoded from a peer's bytes are) would arrive here as `{ type: 'Buffer', data: [...] }`.
 */
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (typeof raw === 'bigint') return { $big: raw.toString() } satisfies Json;
  if (raw instanceof Uint8Array) return { $hex: bytesToHex(raw) } satisfies Json;
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.$big === 'string') return BigInt(v.$big);
    if (typeof v.$hex === 'string') return hexToBytes(v.$hex as `0x${string}`);
    // logs written before the replacer read raw values hold Buffers in their toJSON form
    if (v.type === 'Buffer' && Array.isArray(v.data) && Object.keys(v).length === 2) return Uint8Array.from(v.data as number[]);
  }
  return value;
}

export function encodeWalEntry(e: WalEntry): Uint8Array {
  const body = e.kind === 'block' ? { kind: 'block', block: encodeBlock(e.block) } : e;
  return new TextEncoder().encode(JSON.stringify(body, replacer));
}

export function decodeWalEntry(bytes: Uint8Array): WalEntry {
  try {
    const e = JSON.parse(new TextDecoder().decode(bytes), reviver) as { kind: string; block?: unknown };
    if (e.kind === 'block') return { kind: 'block', block: decodeBlock(e.block as Uint8Array) };
    if (e.kind === 'height' || e.kind === 'input') return e as WalEntry;
    throw new Error(`unknown entry kind ${String(e.kind)}`);
  } catch (err) {
    // the log's checksums passed, so this is not a torn write: refuse rather than guess
    throw new ChainError('WAL_CORRUPT', `consensus write-ahead log record is unreadable: ${(err as Error).message}`, {}, 'internal');
  }
}
