/** Node ids and `id@host:port` peer addresses, as CometBFT writes them in persistent_peers and seeds. */
import { ed25519Address } from '../crypto/index.ts';
import { P2PErrorCode, p2pError } from './errors.ts';
import type { PeerId } from './types.ts';

export interface PeerAddress {
  id: PeerId;
  host: string;
  port: number;
}

export function nodeIdFromPublicKey(publicKey: Uint8Array): PeerId {
  return Buffer.from(ed25519Address(publicKey)).toString('hex');
}

export function isPeerId(value: string): boolean {
  return /^[0-9a-f]{40}$/.test(value);
}

/** Parses `id@host:port` (host may be `[v6]`); ids are case-insensitive on input and lower case after. */
export function parsePeerAddress(text: string): PeerAddress {
  const match = /^([0-9a-fA-F]{40})@(\[[0-9a-fA-F:.]+\]|[^\s:@[\]]+):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || !(port >= 1 && port <= 65_535)) {
    throw p2pError(P2PErrorCode.BAD_ADDRESS, `bad peer address ${JSON.stringify(text)}: expected <40 hex node id>@<host>:<port>`, { address: text });
  }
  const host = (match[2] as string).replace(/^\[(.*)\]$/, '$1');
  return { id: (match[1] as string).toLowerCase(), host, port };
}

export function formatPeerAddress(a: PeerAddress): string {
  return `${a.id}@${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
