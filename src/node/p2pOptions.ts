/**
 * The node's p2p settings as the operator writes them (CometBFT's `p2p.laddr`, `p2p.persistent_peers`,
 * `p2p.seeds`), parsed once here so a typo fails at startup with the option's name, not later when the
 * network layer dials. Nothing starts p2p from these yet: the node wires them in a later step of issue 4.
 */
import { formatPeerAddress, parsePeerAddress } from '../p2p/index.ts';
import type { ListenAddress } from '../p2p/index.ts';
import { ChainError, isChainError } from '../primitives/index.ts';

export interface NodeP2POptions {
  /** Where to accept peer connections (port 0: any free port). */
  listen: ListenAddress;
  /** `id@host:port`, normalised (lower-case id): dialed at start and redialed whenever lost. */
  persistentPeers: string[];
  /** `id@host:port`, normalised: dialed once at start. */
  seeds: string[];
}

export const DEFAULT_P2P_PORT = 26656;

export function defaultP2POptions(): NodeP2POptions {
  return { listen: { host: '127.0.0.1', port: DEFAULT_P2P_PORT }, persistentPeers: [], seeds: [] };
}

/** `host:port`, `[v6]:port`, with CometBFT's optional `tcp://` prefix (its config.toml writes one). */
export function parseListenAddress(option: string, text: string): ListenAddress {
  const m = /^(?:tcp:\/\/)?(\[[0-9a-fA-F:.]+\]|[^\s:@[\]/]+):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[2]);
  if (!m || !(port >= 0 && port <= 65_535)) {
    throw new ChainError('BAD_OPTION', `invalid ${option}: expected <host>:<port>, got "${text}"`, { field: option });
  }
  return { host: (m[1] as string).replace(/^\[(.*)\]$/, '$1'), port };
}

/** A comma-separated list of `id@host:port` (empty entries ignored, as CometBFT does), normalised. */
export function parsePeerList(option: string, text: string): string[] {
  const entries = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return entries.map((entry) => {
    try {
      return formatPeerAddress(parsePeerAddress(entry));
    } catch (err) {
      // the p2p error names the bad entry; the option name tells the operator where to look
      if (isChainError(err)) throw new ChainError('BAD_OPTION', `invalid ${option}: ${err.message}`, { field: option });
      throw err;
    }
  });
}
