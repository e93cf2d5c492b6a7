/** TCP connect with a deadline on the injected clock (net's own `timeout` is idle time, not connect time). */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { P2PErrorCode, p2pError } from './errors.ts';
import type { P2PError } from './errors.ts';
import type { Clock } from './types.ts';

export interface PendingDial {
  /** Resolves with the connected socket, rejects with DIAL_FAILED. */
  socket: Promise<Socket>;
  /** Aborts a dial in flight (on stop). */
  abort(): void;
}

export function dialTcp(host: string, port: number, timeoutMs: number, clock: Clock): PendingDial {
  const socket = connect({ host, port, noDelay: true });
  // A socket must always have an 'error' listener: an unhandled one would crash the process. The
  // lifecycle is driven by 'close', which always follows an error.
  socket.on('error', () => {});
  let settle: ((err?: P2PError) => void) | undefined;
  const promise = new Promise<Socket>((resolve, reject) => {
    const cancel = clock.at(clock.nowMs() + timeoutMs, () => fail(p2pError(P2PErrorCode.DIAL_FAILED, `connect to ${host}:${port} timed out after ${timeoutMs} ms`)));
    const fail = (err?: P2PError) => {
      cancel();
      socket.off('connect', onConnect);
      socket.off('close', onClose);
      socket.destroy();
      reject(err ?? p2pError(P2PErrorCode.DIAL_FAILED, `dial of ${host}:${port} aborted`));
    };
    const onConnect = () => {
      cancel();
      socket.off('close', onClose);
      settle = undefined;
      resolve(socket);
    };
    const onClose = () => fail(p2pError(P2PErrorCode.DIAL_FAILED, `cannot connect to ${host}:${port}`, { host, port }));
    socket.once('connect', onConnect);
    socket.once('close', onClose);
    settle = fail;
  });
  return { socket: promise, abort: () => settle?.() };
}
