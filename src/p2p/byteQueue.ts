/**
 * Bytes received but not yet parsed. TCP delivers arbitrary slices of the stream; this keeps them as a
 * list and copies only when a read spans chunks, so a large frame arriving in many slices is copied once.
 */
import { P2PErrorCode, p2pError } from './errors.ts';
import { FRAME_HEADER_BYTES, TAG_BYTES } from './frameCipher.ts';

export class ByteQueue {
  private chunks: Buffer[] = [];
  private headOffset = 0;
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first `n` bytes without consuming them; undefined until `n` bytes are here. */
  peek(n: number): Buffer | undefined {
    if (this.length < n) return undefined;
    if (n === 0) return Buffer.alloc(0);
    const head = this.chunks[0] as Buffer;
    if (head.length - this.headOffset >= n) return head.subarray(this.headOffset, this.headOffset + n);
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    for (let i = 0; filled < n; i++) {
      const c = this.chunks[i] as Buffer;
      const start = i === 0 ? this.headOffset : 0;
      filled += c.copy(out, filled, start, Math.min(c.length, start + n - filled));
    }
    return out;
  }

  /** Consumes and returns the first `n` bytes; the caller checked `length >= n`. */
  take(n: number): Buffer {
    const out = this.peek(n) as Buffer;
    this.length -= n;
    let left = n;
    while (left > 0) {
      const head = this.chunks[0] as Buffer;
      const avail = head.length - this.headOffset;
      if (avail > left) {
        this.headOffset += left;
        left = 0;
      } else {
        this.chunks.shift();
        this.headOffset = 0;
        left -= avail;
      }
    }
    return out;
  }

  /** Everything left, as one buffer (handed from the handshake to the connection). */
  takeAll(): Buffer {
    return this.take(this.length);
  }
}

export interface WireFrame {
  header: Buffer;
  body: Buffer;
}

/**
 * The next complete wire frame, or undefined if more bytes are needed. The length field is checked as
 * soon as its 4 bytes arrive, so an oversized frame is refused before any of it is buffered.
 */
export function takeFrame(queue: ByteQueue, maxFrameBytes: number): WireFrame | undefined {
  const header = queue.peek(FRAME_HEADER_BYTES);
  if (header === undefined) return undefined;
  const length = header.readUInt32BE(0);
  if (length > maxFrameBytes) {
    throw p2pError(P2PErrorCode.FRAME_TOO_LARGE, `frame of ${length} bytes exceeds ${maxFrameBytes}`, { length, maxFrameBytes });
  }
  if (length === 0) throw p2pError(P2PErrorCode.MALFORMED_PACKET, 'empty frame');
  const total = FRAME_HEADER_BYTES + length + TAG_BYTES;
  if (queue.length < total) return undefined;
  const frame = queue.take(total);
  return { header: frame.subarray(0, FRAME_HEADER_BYTES), body: frame.subarray(FRAME_HEADER_BYTES) };
}
