/**
 * One authenticated peer connection after the handshake: reads frames, decrypts, reassembles messages
 * per channel within their limits, answers pings, pings on a timer, and writes queued messages as
 * sealed frames as fast as the socket takes them. Any fault ends the connection exactly once, through
 * `onClose(reason)`; nothing the peer sends can make it throw to its caller.
 */
import type { Socket } from 'node:net';
import { ByteQueue, takeFrame } from './byteQueue.ts';
import { channelName } from './channels.ts';
import type { ChannelId } from './channels.ts';
import { P2PErrorCode, p2pError, toP2PError } from './errors.ts';
import type { P2PError } from './errors.ts';
import type { P2PLimits } from './options.ts';
import { PacketType, readPackets } from './packets.ts';
import type { PacketVisitor } from './packets.ts';
import type { Session } from './secretHandshake.ts';
import { SendQueues } from './sendQueues.ts';
import type { Clock } from './types.ts';

export interface ConnectionHandlers {
  onMessage(channel: ChannelId, bytes: Uint8Array): void;
  onClose(reason: P2PError): void;
}

interface PartialMessage {
  chunks: Buffer[];
  bytes: number;
}

export class Connection {
  private readonly inbound = new ByteQueue();
  private readonly partials = new Map<ChannelId, PartialMessage>();
  private readonly queues: SendQueues;
  private closed = false;
  private writeBlocked = false;
  private flushScheduled = false;
  private cancelPing: () => void = () => {};
  private cancelPongDeadline: (() => void) | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly session: Session,
    private readonly limits: P2PLimits,
    private readonly clock: Clock,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.queues = new SendQueues(limits.channels);
  }

  /** Attaches to the paused socket the handshake left, replays its leftover bytes, starts pinging. */
  start(): void {
    // A listener of the 'connected' event may already have closed us; the socket may have died between
    // the handshake and now (its 'close' went to the handshake's listeners, which are gone).
    if (this.closed) return;
    if (this.socket.destroyed) return this.close(p2pError(P2PErrorCode.CONNECTION_CLOSED, 'connection closed before it started'));
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('drain', () => {
      this.writeBlocked = false;
      this.flush();
    });
    this.socket.on('error', (err) => this.close(p2pError(P2PErrorCode.CONNECTION_CLOSED, `socket error: ${err.message}`)));
    this.socket.on('close', () => this.close(p2pError(P2PErrorCode.CONNECTION_CLOSED, 'connection closed by peer')));
    this.schedulePing();
    this.receive(this.session.leftover);
    if (!this.closed) this.socket.resume();
  }

  /** The caller checked that the channel is configured. */
  send(channel: ChannelId, bytes: Uint8Array): 'queued' | 'full' {
    const result = this.queues.enqueue(channel, bytes);
    if (result === 'queued') this.scheduleFlush();
    return result;
  }

  drained(channel: ChannelId): Promise<void> {
    return this.closed ? Promise.resolve() : this.queues.drained(channel);
  }

  close(reason: P2PError): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelPing();
    this.cancelPongDeadline?.();
    this.queues.releaseAll();
    this.socket.destroy();
    this.handlers.onClose(reason);
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.inbound.push(chunk);
    try {
      for (;;) {
        const frame = takeFrame(this.inbound, this.limits.maxFrameBytes);
        if (frame === undefined || this.closed) return;
        readPackets(this.session.opener.open(frame.header, frame.body), this.visitor);
        if (this.closed) return;
      }
    } catch (err) {
      this.close(toP2PError(err));
    }
  }

  private readonly visitor: PacketVisitor = {
    ping: () => {
      this.queues.enqueueControl(PacketType.pong);
      this.scheduleFlush();
    },
    pong: () => {
      this.cancelPongDeadline?.();
      this.cancelPongDeadline = undefined;
    },
    chunk: (channel, last, data) => this.receiveChunk(channel, last, data),
    stopped: () => this.closed,
  };

  private receiveChunk(channel: ChannelId, last: boolean, data: Buffer): void {
    const limits = this.limits.channels[channel];
    if (limits === undefined) throw p2pError(P2PErrorCode.UNKNOWN_CHANNEL, `message on unknown channel ${channelName(channel)}`, { channel });
    const partial = this.partials.get(channel);
    const total = (partial?.bytes ?? 0) + data.length;
    if (total > limits.maxMessageBytes) {
      throw p2pError(P2PErrorCode.MESSAGE_TOO_LARGE, `message of at least ${total} bytes on ${channelName(channel)} exceeds ${limits.maxMessageBytes}`, {
        channel,
        bytes: total,
        maxMessageBytes: limits.maxMessageBytes,
      });
    }
    if (!last) {
      if (partial === undefined) this.partials.set(channel, { chunks: [data], bytes: data.length });
      else {
        partial.chunks.push(data);
        partial.bytes = total;
      }
      return;
    }
    this.partials.delete(channel);
    // PERF: a view into the decrypted frame would pin the whole frame (up to maxFrameBytes) for as long
    // as the node keeps the message (a mempool keeps transactions for minutes), so a message that is a
    // small part of its buffer is copied; one that fills it is handed over as is.
    const message =
      partial !== undefined ? Buffer.concat([...partial.chunks, data], total) : data.byteLength * 2 < data.buffer.byteLength ? Buffer.from(data) : data;
    this.handlers.onMessage(channel, message);
  }

  private schedulePing(): void {
    this.cancelPing = this.clock.at(this.clock.nowMs() + this.limits.pingIntervalMs, () => {
      if (this.closed) return;
      if (this.cancelPongDeadline === undefined) {
        this.queues.enqueueControl(PacketType.ping);
        this.scheduleFlush();
        this.cancelPongDeadline = this.clock.at(this.clock.nowMs() + this.limits.pongTimeoutMs, () =>
          this.close(p2pError(P2PErrorCode.PONG_TIMEOUT, `no pong within ${this.limits.pongTimeoutMs} ms`)),
        );
      }
      this.schedulePing();
    });
  }

  /** Sends made in one event-loop turn share frames: the flush runs after the turn. */
  private scheduleFlush(): void {
    if (this.flushScheduled || this.writeBlocked || this.closed) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    try {
      while (!this.closed && !this.writeBlocked) {
        const frame = this.queues.pack(this.limits.maxFrameBytes);
        if (frame === undefined) return;
        // write() returning false means the kernel buffer is full: stop and let queues fill up, which
        // is what makes `send` report 'full' to the node instead of buffering without bound.
        if (!this.socket.write(this.session.sealer.seal(frame.plaintext))) this.writeBlocked = true;
      }
    } catch (err) {
      this.close(toP2PError(err));
    }
  }
}
