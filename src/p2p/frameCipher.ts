/**
 * Sealed frames: ChaCha20-Poly1305 with a per-direction 64-bit counter nonce, the length header as
 * associated data.
 *
 *   frame = L (u32 big-endian, plaintext length) || ciphertext (L bytes) || tag (16 bytes)
 *   nonce = 4 zero bytes || counter (u64 little-endian), counter = 0, 1, 2, ... per direction
 *   AAD   = the 4 bytes of L
 *
 * Each direction has its own key (handshake.ts), so the two counters never meet; the counter only moves
 * forward, so a nonce is never reused under a key, and a replayed, dropped or reordered frame fails
 * authentication on the receiver, which expects exactly the next counter.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { P2PErrorCode, p2pError } from './errors.ts';

export const FRAME_HEADER_BYTES = 4;
export const TAG_BYTES = 16;
const ALGORITHM = 'chacha20-poly1305';

/** 2^64 frames is beyond reach at any real rate; stop well before the counter could wrap. */
const MAX_COUNTER = 2 ** 53;

function nonceFor(counter: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32LE(counter % 2 ** 32, 4);
  nonce.writeUInt32LE(Math.floor(counter / 2 ** 32), 8);
  return nonce;
}

export class FrameSealer {
  private counter = 0;
  constructor(private readonly key: Uint8Array) {}

  /** Returns the whole wire frame for `plaintext` (1..maxFrameBytes bytes, checked by the caller). */
  seal(plaintext: Uint8Array): Buffer {
    if (this.counter >= MAX_COUNTER) throw p2pError(P2PErrorCode.NONCE_EXHAUSTED, 'send nonce exhausted');
    const cipher = createCipheriv(ALGORITHM, this.key, nonceFor(this.counter++), { authTagLength: TAG_BYTES });
    const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
    header.writeUInt32BE(plaintext.length, 0);
    cipher.setAAD(header, { plaintextLength: plaintext.length });
    const ciphertext = cipher.update(plaintext);
    cipher.final();
    return Buffer.concat([header, ciphertext, cipher.getAuthTag()], FRAME_HEADER_BYTES + plaintext.length + TAG_BYTES);
  }
}

export class FrameOpener {
  private counter = 0;
  constructor(private readonly key: Uint8Array) {}

  /** `header` is the 4 length bytes; `body` is ciphertext || tag. Throws DECRYPT_FAILED on any forgery. */
  open(header: Uint8Array, body: Uint8Array): Buffer {
    if (this.counter >= MAX_COUNTER) throw p2pError(P2PErrorCode.NONCE_EXHAUSTED, 'receive nonce exhausted');
    const decipher = createDecipheriv(ALGORITHM, this.key, nonceFor(this.counter++), { authTagLength: TAG_BYTES });
    decipher.setAAD(header, { plaintextLength: body.length - TAG_BYTES });
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    const plaintext = decipher.update(body.subarray(0, body.length - TAG_BYTES));
    try {
      decipher.final();
    } catch {
      throw p2pError(P2PErrorCode.DECRYPT_FAILED, 'frame failed authentication', { frame: this.counter - 1 });
    }
    return plaintext;
  }
}
