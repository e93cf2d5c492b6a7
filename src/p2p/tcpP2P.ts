/**
 * The P2P service over TCP: listens, dials, runs the handshake, admits (admission.ts), keeps one
 * Connection per node id, redials persistent peers with backoff, bans peers that send invalid data,
 * and turns every failure into a logged disconnect. Nothing here throws at a peer's bidding.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { decideAdmission } from './admission.ts';
import { formatPeerAddress, nodeIdFromPublicKey, parsePeerAddress } from './address.ts';
import type { PeerAddress } from './address.ts';
import { BanList } from './banList.ts';
import type { ChannelId } from './channels.ts';
import { channelName } from './channels.ts';
import { Connection } from './connection.ts';
import { systemClock, silentLogger } from './defaults.ts';
import { dialTcp } from './dialTcp.ts';
import { Redialer } from './redialer.ts';
import { Emitter } from './emitter.ts';
import { P2PErrorCode, p2pError, toP2PError } from './errors.ts';
import type { P2PError } from './errors.ts';
import { validateP2POptions } from './options.ts';
import type { P2POptions } from './options.ts';
import { secretHandshake } from './secretHandshake.ts';
import type { Session } from './secretHandshake.ts';
import type { BroadcastResult, Clock, Direction, ListenAddress, Logger, P2P, P2PEvents, PeerId, PeerInfo, SendResult } from './types.ts';

export interface P2PDeps {
  clock?: Clock;
  logger?: Logger;
}

interface Peer {
  conn: Connection;
  info: PeerInfo;
}

/** Validates the options; does no I/O until `start()`. */
export function createP2P(opts: P2POptions, deps: P2PDeps = {}): P2P {
  return new TcpP2P(validateP2POptions(opts), deps.clock ?? systemClock, deps.logger ?? silentLogger);
}

class TcpP2P implements P2P {
  readonly nodeId: PeerId;
  private readonly events: Emitter<P2PEvents>;
  private readonly bans: BanList;
  private readonly peersById = new Map<PeerId, Peer>();
  private readonly persistent: Redialer;
  private readonly dialing = new Set<PeerId>();
  /** Sockets not yet admitted (handshaking or dialing), closed on stop. */
  private readonly unadmitted = new Set<{ close(): void }>();
  private pendingInbound = 0;
  private server: Server | undefined;
  private bound: ListenAddress | undefined;
  private state: 'new' | 'running' | 'stopped' = 'new';

  constructor(
    private readonly opts: P2POptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.nodeId = nodeIdFromPublicKey(opts.nodeKey.publicKey);
    this.events = new Emitter(logger);
    this.bans = new BanList(clock);
    const persistent = opts.persistentPeers.map(parsePeerAddress).filter((a) => a.id !== this.nodeId);
    this.persistent = new Redialer(persistent, opts.limits, clock, this.bans, (address) => this.dialAddress(address));
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    if (this.opts.listen !== undefined) {
      try {
        await this.listen(this.opts.listen);
      } catch (err) {
        this.state = 'stopped';
        this.server = undefined;
        const { host, port } = this.opts.listen;
        throw p2pError(P2PErrorCode.LISTEN_FAILED, `cannot listen on ${host}:${port}: ${(err as Error).message}`, { host, port });
      }
    }
    for (const address of this.persistent.addresses()) this.dialAddress(address);
    for (const seed of this.opts.seeds) this.dial(seed);
  }

  private async listen(at: ListenAddress): Promise<void> {
    const server = createServer({ noDelay: true, pauseOnConnect: false }, (socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port, at.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.logger.error('p2p listener error', { error: err.message }));
    const addr = server.address();
    this.bound = typeof addr === 'object' && addr !== null ? { host: at.host, port: addr.port } : at;
    this.logger.info('p2p listening', { address: this.selfAddress() });
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.persistent.stop();
    for (const u of [...this.unadmitted]) u.close();
    for (const peer of [...this.peersById.values()]) peer.conn.close(p2pError(P2PErrorCode.LOCAL_CLOSE, 'p2p stopping'));
    const server = this.server;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  listenAddress(): ListenAddress | undefined {
    return this.bound;
  }

  selfAddress(): string | undefined {
    return this.bound === undefined ? undefined : formatPeerAddress({ id: this.nodeId, ...this.bound });
  }

  send(peerId: PeerId, channel: ChannelId, bytes: Uint8Array): SendResult {
    this.checkOutgoing(channel, bytes);
    const peer = this.peersById.get(peerId);
    return peer === undefined ? 'no-peer' : peer.conn.send(channel, bytes);
  }

  broadcast(channel: ChannelId, bytes: Uint8Array): BroadcastResult {
    this.checkOutgoing(channel, bytes);
    const result: BroadcastResult = { queued: 0, full: [] };
    for (const [id, peer] of this.peersById) {
      if (peer.conn.send(channel, bytes) === 'queued') result.queued++;
      else result.full.push(id);
    }
    return result;
  }

  drained(peerId: PeerId, channel: ChannelId): Promise<void> {
    return this.peersById.get(peerId)?.conn.drained(channel) ?? Promise.resolve();
  }

  on<E extends keyof P2PEvents>(event: E, listener: P2PEvents[E]): () => void {
    return this.events.on(event, listener);
  }

  peers(): PeerInfo[] {
    return [...this.peersById.values()].map((p) => ({ ...p.info }));
  }

  dial(address: string): void {
    let parsed: PeerAddress;
    try {
      parsed = parsePeerAddress(address);
    } catch (err) {
      this.logger.warn('p2p cannot dial', { address, error: (err as Error).message });
      return;
    }
    this.dialAddress(parsed);
  }

  ban(peerId: PeerId, reason: string): void {
    const untilMs = this.bans.ban(peerId, this.opts.limits.banDurationMs);
    this.logger.warn('p2p peer banned', { peer: peerId, reason, untilMs });
    this.peersById.get(peerId)?.conn.close(p2pError(P2PErrorCode.INVALID_MESSAGE, reason));
  }

  isBanned(peerId: PeerId): boolean {
    return this.bans.bannedUntil(peerId) !== undefined;
  }

  private checkOutgoing(channel: ChannelId, bytes: Uint8Array): void {
    const limits = this.opts.limits.channels[channel];
    if (limits === undefined) throw p2pError(P2PErrorCode.UNCONFIGURED_CHANNEL, `channel ${channelName(channel)} is not configured`, { channel });
    if (bytes.length > limits.maxMessageBytes) {
      throw p2pError(P2PErrorCode.OVERSIZED_SEND, `${bytes.length} bytes exceed ${channelName(channel)}'s maxMessageBytes ${limits.maxMessageBytes}`, {
        channel,
        bytes: bytes.length,
      });
    }
  }

  private accept(socket: Socket): void {
    socket.on('error', () => {});
    if (this.state !== 'running' || this.pendingInbound >= this.opts.limits.maxPendingHandshakes) {
      this.logger.debug('p2p refused inbound connection', { remote: remoteOf(socket), pending: this.pendingInbound });
      socket.destroy();
      return;
    }
    this.pendingInbound++;
    this.handshake(socket, 'inbound', undefined).finally(() => this.pendingInbound--);
  }

  /** Dials unless pointless now; persistent peers come back here from their redial timer. */
  private dialAddress(address: PeerAddress): void {
    const { id } = address;
    if (this.state !== 'running' || id === this.nodeId || this.peersById.has(id) || this.dialing.has(id)) return;
    if (this.bans.bannedUntil(id) !== undefined) return this.persistent.schedule(id);
    if (!this.persistent.has(id) && this.counts().outbound >= this.opts.limits.maxOutboundPeers) return;
    this.dialing.add(id);
    const pending = dialTcp(address.host, address.port, this.opts.limits.dialTimeoutMs, this.clock);
    const handle = { close: () => pending.abort() };
    this.unadmitted.add(handle);
    pending.socket
      .then(
        (socket) => {
          this.unadmitted.delete(handle);
          return this.handshake(socket, 'outbound', id);
        },
        (err: unknown) => {
          this.unadmitted.delete(handle);
          this.logger.debug('p2p dial failed', { address: formatPeerAddress(address), error: toP2PError(err).message });
        },
      )
      .finally(() => {
        this.dialing.delete(id);
        if (!this.peersById.has(id)) this.persistent.schedule(id);
      });
  }

  /** Never rejects: every failure ends in a destroyed socket and a log line. */
  private async handshake(socket: Socket, direction: Direction, expectedPeerId: PeerId | undefined): Promise<void> {
    const handle = { close: () => socket.destroy() };
    const remote = remoteOf(socket);
    this.unadmitted.add(handle);
    try {
      const session = await secretHandshake(socket, {
        nodeKey: this.opts.nodeKey,
        network: this.opts.network,
        expectedPeerId,
        timeoutMs: this.opts.limits.handshakeTimeoutMs,
        clock: this.clock,
      });
      this.admit(socket, session, direction);
    } catch (err) {
      socket.destroy();
      const reason = toP2PError(err);
      this.logger.debug('p2p handshake failed', { remote, direction, code: reason.code, error: reason.message });
    } finally {
      this.unadmitted.delete(handle);
    }
  }

  private admit(socket: Socket, session: Session, direction: Direction): void {
    const peerId = session.peer.peerId;
    if (this.state !== 'running') return void socket.destroy();
    const existing = this.peersById.get(peerId);
    const counts = this.counts();
    const decision = decideAdmission({
      selfId: this.nodeId,
      peerId,
      direction,
      existing: existing?.info.direction,
      bannedUntilMs: this.bans.bannedUntil(peerId),
      persistent: this.persistent.has(peerId),
      ...counts,
      maxInbound: this.opts.limits.maxInboundPeers,
      maxOutbound: this.opts.limits.maxOutboundPeers,
    });
    if (!decision.accept) {
      this.logger.debug('p2p peer refused', { peer: peerId, direction, code: decision.reason.code, error: decision.reason.message });
      return void socket.destroy();
    }
    if (decision.replaceExisting) existing?.conn.close(p2pError(P2PErrorCode.DUPLICATE_PEER, 'replaced by the connection the tie-break keeps'));
    const info: PeerInfo = {
      id: peerId,
      direction,
      remoteAddress: remoteOf(socket),
      localAddress: `${socket.localAddress ?? '?'}:${socket.localPort ?? 0}`,
      persistent: this.persistent.has(peerId),
      connectedAtMs: this.clock.nowMs(),
    };
    const conn: Connection = new Connection(socket, session, this.opts.limits, this.clock, {
      onMessage: (channel, bytes) => this.events.emit('message', peerId, channel, bytes),
      onClose: (reason) => this.onClose(conn, info, reason),
    });
    this.peersById.set(peerId, { conn, info });
    this.persistent.connected(peerId);
    this.logger.info('p2p peer connected', { peer: peerId, direction, remote: info.remoteAddress });
    this.events.emit('peer', { kind: 'connected', peer: { ...info } });
    conn.start();
  }

  private onClose(conn: Connection, info: PeerInfo, reason: P2PError): void {
    if (this.peersById.get(info.id)?.conn !== conn) return;
    this.peersById.delete(info.id);
    const bannedUntilMs = reason.action === 'reject' ? this.bans.ban(info.id, this.opts.limits.banDurationMs) : undefined;
    const ctx = { peer: info.id, code: reason.code, error: reason.message, ...(bannedUntilMs === undefined ? {} : { bannedUntilMs }) };
    if (bannedUntilMs === undefined) this.logger.info('p2p peer disconnected', ctx);
    else this.logger.warn('p2p peer disconnected and banned', ctx);
    this.events.emit('peer', { kind: 'disconnected', peer: { ...info }, reason, ...(bannedUntilMs === undefined ? {} : { bannedUntilMs }) });
    this.persistent.schedule(info.id);
  }

  private counts(): { inbound: number; outbound: number } {
    let inbound = 0;
    let outbound = 0;
    for (const { info } of this.peersById.values()) {
      if (info.persistent) continue;
      if (info.direction === 'inbound') inbound++;
      else outbound++;
    }
    return { inbound, outbound };
  }
}

function remoteOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
}
