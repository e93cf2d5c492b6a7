/**
 * A write-ahead log: records appended to one file and read back in order after a restart. The consensus
 * driver logs every input before acting on it, so a validator that crashes mid-round replays to the same
 * state (issue 4); the signer's own state file is what prevents double-signing, the log restores progress.
 *
 * Record: u32 payload length | u32 CRC-32 of the payload | payload (big-endian). A crash can leave the
 * last record torn (short or with a bad checksum): opening stops at the first such record and cuts the
 * file there, so one torn write never hides the records before it nor poisons the ones after the restart.
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { ChainError } from '../primitives/index.ts';
import { replaceFileDurably } from './durableFile.ts';

const HEADER = 8;

export interface WriteAheadLog {
  /** Appends one record; with `sync` (the default) it is on disk when this returns. */
  append(record: Uint8Array, sync?: boolean): void;
  /** Replaces the whole log with `records` (e.g. after a height is committed, only what the next needs). */
  reset(records?: readonly Uint8Array[]): void;
  close(): void;
}

export interface OpenedLog {
  log: WriteAheadLog;
  /** The records found, in order. */
  records: Uint8Array[];
  /** Bytes cut from a torn tail (0 after a clean shutdown). */
  truncatedBytes: number;
}

export const MAX_WAL_RECORD_BYTES = 64 * 1024 * 1024;

function frame(record: Uint8Array): Buffer {
  if (record.length > MAX_WAL_RECORD_BYTES) throw new ChainError('WAL_RECORD_TOO_LARGE', `WAL record of ${record.length} bytes exceeds ${MAX_WAL_RECORD_BYTES}`, {}, 'internal');
  const out = Buffer.allocUnsafe(HEADER + record.length);
  out.writeUInt32BE(record.length, 0);
  out.writeUInt32BE(crc32(record), 4);
  out.set(record, HEADER);
  return out;
}

function parse(bytes: Buffer): { records: Uint8Array[]; validLength: number } {
  const records: Uint8Array[] = [];
  let at = 0;
  while (at + HEADER <= bytes.length) {
    const length = bytes.readUInt32BE(at);
    const end = at + HEADER + length;
    if (length > MAX_WAL_RECORD_BYTES || end > bytes.length) break;
    const payload = bytes.subarray(at + HEADER, end);
    if (crc32(payload) !== bytes.readUInt32BE(at + 4)) break;
    records.push(Uint8Array.from(payload));
    at = end;
  }
  return { records, validLength: at };
}

export function openWriteAheadLog(path: string): OpenedLog {
  let existing: Buffer;
  try {
    existing = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    existing = Buffer.alloc(0);
  }
  const { records, validLength } = parse(existing);
  let fd = openSync(path, 'a+');
  if (validLength < existing.length) {
    ftruncateSync(fd, validLength);
    fsyncSync(fd);
  }
  const log: WriteAheadLog = {
    append(record, sync = true) {
      writeSync(fd, frame(record));
      if (sync) fsyncSync(fd);
    },
    reset(keep = []) {
      closeSync(fd);
      replaceFileDurably(path, Buffer.concat(keep.map(frame)));
      fd = openSync(path, 'a+');
    },
    close() {
      closeSync(fd);
    },
  };
  return { log, records, truncatedBytes: existing.length - validLength };
}
