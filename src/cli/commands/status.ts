/**
 * `cmt status`: what an operator asks a running node first (how high, how recent, caught up, how many
 * peers, which chain, which version), over the node's own JSON-RPC, so it works on any node the operator
 * can reach and needs no access to its home.
 */
import { Command } from 'commander';
import { defaultNodeOptions } from '../../node/index.ts';
import { ChainError } from '../../primitives/index.ts';
import { OPTIONS, resolveOptions } from '../config.ts';
import { resolveHome } from '../home.ts';

export const DEFAULT_STATUS_RPC_URL = 'http://127.0.0.1:8545';

export interface NodeStatus {
  rpc: string;
  height: number;
  hash: string;
  appHash: string;
  blockTime: string;
  catchingUp: boolean;
  peers: number;
  chainId: number;
  version: string;
}

/** cmt_syncing's shape (src/rpc/namespaces/cmt.ts), the original CyberMiles' snake_case object. */
interface Syncing {
  latest_block_hash: string;
  latest_app_hash: string;
  latest_block_height: number;
  latest_block_time: string;
  catching_up: boolean;
}

export function createStatusCommand(): Command {
  return new Command('status')
    .description("print a running node's height, last block, sync state, peers, chain id and version")
    .option('--rpc <url>', `the node's JSON-RPC URL (default: the --home config's rpc.host and rpc.port, else ${DEFAULT_STATUS_RPC_URL})`)
    .option('--home <dir>', "read the RPC address from this home's config.toml (and CMT_RPC_HOST/CMT_RPC_PORT)")
    .option('--json', 'print one JSON object instead of text')
    .option('--timeout <seconds>', 'give up on an unresponsive node after this many seconds', '5')
    .action(async (flags: { rpc?: string; home?: string; json?: boolean; timeout: string }) => {
      const timeoutMs = Number(flags.timeout) * 1000;
      if (!(timeoutMs > 0)) throw new ChainError('BAD_OPTION', `invalid timeout: expected seconds > 0, got "${flags.timeout}"`);
      const status = await fetchStatus(statusUrl(flags), timeoutMs);
      process.stdout.write(flags.json === true ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    });
}

/** --rpc > the RPC address `cmt start --home` would listen on > the default. */
function statusUrl(flags: { rpc?: string; home?: string }): string {
  if (flags.rpc !== undefined) {
    if (!URL.canParse(flags.rpc)) throw new ChainError('BAD_OPTION', `invalid --rpc: expected a URL such as ${DEFAULT_STATUS_RPC_URL}, got "${flags.rpc}"`);
    return flags.rpc;
  }
  if (flags.home === undefined) return DEFAULT_STATUS_RPC_URL;
  const base = defaultNodeOptions();
  base.home = resolveHome(flags.home);
  const rpcSpecs = OPTIONS.filter((s) => s.flag === 'rpc.host' || s.flag === 'rpc.port');
  const { host, port } = resolveOptions(base, {}, process.env, rpcSpecs).rpc;
  // a node listening on every interface is reached through loopback
  const target = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${target.includes(':') ? `[${target}]` : target}:${port}`;
}

async function call(url: string, method: string, timeoutMs: number): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    // fetch hides the reason (ECONNREFUSED, ENOTFOUND, timeout) in `cause`
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new ChainError('NODE_UNREACHABLE', `cannot reach a node at ${url} (${why}): is it running? give its address with --rpc <url> or --home <dir>`, { url });
  }
  const body = (await res.json().catch(() => undefined)) as { result?: unknown; error?: { message?: string } } | undefined;
  if (body === undefined || (body.result === undefined && body.error === undefined)) {
    throw new ChainError('BAD_RESPONSE', `${url} answered ${method} with HTTP ${res.status} and no JSON-RPC response: is it a CyberMiles node's JSON-RPC URL?`, { url, method });
  }
  if (body.error !== undefined) {
    throw new ChainError('BAD_RESPONSE', `${url} answered ${method} with an error: ${body.error.message ?? 'unknown'} (is it a CyberMiles node?)`, { url, method });
  }
  return body.result;
}

export async function fetchStatus(url: string, timeoutMs: number): Promise<NodeStatus> {
  const [syncing, peers, chainId, version] = await Promise.all(
    ['cmt_syncing', 'net_peerCount', 'eth_chainId', 'web3_clientVersion'].map((m) => call(url, m, timeoutMs)),
  );
  const s = syncing as Syncing;
  return {
    rpc: url,
    height: s.latest_block_height,
    hash: s.latest_block_hash,
    appHash: s.latest_app_hash,
    blockTime: s.latest_block_time,
    catchingUp: s.catching_up,
    peers: Number(peers),
    chainId: Number(chainId),
    version: String(version),
  };
}

export function formatStatus(s: NodeStatus): string {
  const rows: Array<[string, string | number]> = [
    ['height', s.height],
    ['hash', s.hash],
    ['app hash', s.appHash],
    ['block time', s.blockTime],
    ['catching up', s.catchingUp ? 'yes' : 'no'],
    ['peers', s.peers],
    ['chain id', s.chainId],
    ['version', s.version],
    ['rpc', s.rpc],
  ];
  return rows.map(([k, v]) => `${`${k}:`.padEnd(13)}${v}\n`).join('');
}
