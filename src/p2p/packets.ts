/**
 * The plaintext of a data frame: one or more packets back to back, filling the frame exactly.
 *
 *   PING = 0x01
 *   PONG = 0x02
 *   MSG  = 0x03 || channel (u8) || flags (u8: bit 0 = last chunk, other bits 0) || n (u32 BE) || n bytes
 *
 * A message longer than what fits in the current frame goes out as several MSG chunks on its channel;
 * only the last carries the flag. Chunks of different channels may interleave (so a vote is not stuck
 * behind a 30 MiB block-sync response), chunks of one channel never do.
 */
import type { ChannelId } from './channels.ts';
import { P2PErrorCode, p2pError } from './errors.ts';

export const PacketType = { ping: 0x01, pong: 0x02, msg: 0x03 } as const;
export const MSG_HEADER_BYTES = 7;
const FLAG_LAST = 0x01;

export function writeMsgHeader(out: Buffer, offset: number, channel: ChannelId, last: boolean, length: number): number {
  out[offset] = PacketType.msg;
  out[offset + 1] = channel;
  out[offset + 2] = last ? FLAG_LAST : 0;
  out.writeUInt32BE(length, offset + 3);
  return offset + MSG_HEADER_BYTES;
}

export interface PacketVisitor {
  ping(): void;
  pong(): void;
  chunk(channel: ChannelId, last: boolean, data: Buffer): void;
  /** Checked between packets: stop parsing once the connection was closed by a visitor. */
  stopped(): boolean;
}

/** Walks a decrypted frame; any byte that does not fit the grammar above is MALFORMED_PACKET. */
export function readPackets(frame: Buffer, visit: PacketVisitor): void {
  let offset = 0;
  while (offset < frame.length && !visit.stopped()) {
    const type = frame[offset] as number;
    if (type === PacketType.ping) {
      visit.ping();
      offset += 1;
    } else if (type === PacketType.pong) {
      visit.pong();
      offset += 1;
    } else if (type === PacketType.msg) {
      if (frame.length - offset < MSG_HEADER_BYTES) throw malformed('truncated message header', offset);
      const channel = frame[offset + 1] as number;
      const flags = frame[offset + 2] as number;
      const length = frame.readUInt32BE(offset + 3);
      if ((flags & ~FLAG_LAST) !== 0) throw malformed(`unknown flags ${flags}`, offset);
      const start = offset + MSG_HEADER_BYTES;
      if (length > frame.length - start) throw malformed(`message chunk of ${length} bytes overruns the frame`, offset);
      const last = (flags & FLAG_LAST) !== 0;
      // An empty non-final chunk makes no progress; honest senders never produce one.
      if (length === 0 && !last) throw malformed('empty non-final chunk', offset);
      visit.chunk(channel, last, frame.subarray(start, start + length));
      offset = start + length;
    } else {
      throw malformed(`unknown packet type ${type}`, offset);
    }
  }
}

function malformed(what: string, offset: number) {
  return p2pError(P2PErrorCode.MALFORMED_PACKET, `malformed frame: ${what}`, { offset });
}
