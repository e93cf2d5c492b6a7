/**
 * What `cmt stake` and `cmt gov` share: their options (--rpc, --json; --from, --home, --password-file to sign
 * with a keystore account; --height on queries), the CmtClient they build from them, and how results print
 * (one line per transaction with its events, aligned tables, or JSON with bigints as decimal strings).
 */
import type { Command } from 'commander';
import { JsonRpcProvider, Network, Wallet, isError } from 'ethers';
import { CmtClient } from '../../client/index.ts';
import type { AccountUpdateResult, ProposalResult, TxResult } from '../../client/index.ts';
import { ChainError } from '../../primitives/index.ts';
import { listAccounts, unlockAccount } from '../keystore.ts';
import { readPassword, resolveHome } from './account.ts';
import type { AccountCommandIo } from './account.ts';
import { DEFAULT_STATUS_RPC_URL, fetchStatus } from './status.ts';

/** Where the commands write and what they read; tests pass their own to run the commands in-process. */
export type ClientCommandIo = AccountCommandIo;

export interface ClientFlags {
  rpc: string;
  json?: boolean;
  from?: string;
  home?: string;
  passwordFile?: string;
  height?: string;
}

/** The one rule for amount flags (client's parseAmount): a plain number is CMT, a suffix names the unit. */
export const AMOUNT_RULE = 'CMT ("1000", "0.5") or with its unit ("1000cmt", "5wei")';

const CONNECT_TIMEOUT_MS = 5_000;

export function fullIo(io: Partial<ClientCommandIo>): ClientCommandIo {
  return {
    write: io.write ?? ((text) => void process.stdout.write(text)),
    prompt: io.prompt ?? process.stderr,
    stdin: io.stdin ?? process.stdin,
    env: io.env ?? process.env,
  };
}

function commonOptions(cmd: Command): Command {
  return cmd.option('--rpc <url>', "the node's JSON-RPC URL", DEFAULT_STATUS_RPC_URL).option('--json', 'print JSON (amounts in wei, as decimal strings) instead of text');
}

/** A subcommand that signs and sends a transaction. */
export function writeCommand(parent: Command, name: string, description: string): Command {
  return commonOptions(parent.command(name).description(description))
    .requiredOption('--from <address>', 'the keystore account that signs')
    .option('--home <dir>', 'home whose keystore holds --from [env CMT_HOME] (default ~/.cybermiles)')
    .option('--password-file <file>', "file whose first line is the account's password [else env CMT_PASSWORD, else prompt]");
}

/** A subcommand that reads, at the latest block or --height. */
export function queryCommand(parent: Command, name: string, description: string): Command {
  return commonOptions(parent.command(name).description(description)).option('--height <n>', 'answer at this block (default: the latest)');
}

/**
 * Runs `fn` with a client for --rpc (signing as --from when asked), then closes it. ethers' own errors (a
 * node that stops answering, a malformed reply) become one-line ChainErrors like every other CLI error.
 */
export async function withClient<T>(flags: ClientFlags, io: ClientCommandIo, sign: boolean, fn: (client: CmtClient) => Promise<T>): Promise<T> {
  if (!URL.canParse(flags.rpc)) throw new ChainError('BAD_OPTION', `invalid --rpc: expected a URL such as ${DEFAULT_STATUS_RPC_URL}, got "${flags.rpc}"`);
  // asked first, with a deadline: an ethers provider retries an unreachable node forever
  const { chainId } = await fetchStatus(flags.rpc, CONNECT_TIMEOUT_MS);
  const provider = new JsonRpcProvider(flags.rpc, Network.from(chainId), { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });
  try {
    const signer = sign ? (await unlockSigner(flags, io)).connect(provider) : undefined;
    return await fn(new CmtClient(provider, signer));
  } catch (err) {
    if (isError(err, 'CALL_EXCEPTION') || isError(err, 'SERVER_ERROR') || isError(err, 'NETWORK_ERROR') || isError(err, 'UNKNOWN_ERROR') || isError(err, 'BAD_DATA') || isError(err, 'INSUFFICIENT_FUNDS')) {
      throw new ChainError('NODE_ERROR', `${flags.rpc}: ${err.shortMessage}`, { rpc: flags.rpc });
    }
    throw err;
  } finally {
    provider.destroy();
  }
}

async function unlockSigner(flags: ClientFlags, io: ClientCommandIo): Promise<Wallet> {
  const from = flags.from ?? '';
  const home = resolveHome(flags, io);
  const account = (await listAccounts(home)).find((a) => a.address.toLowerCase() === from.toLowerCase());
  if (account === undefined) {
    throw new ChainError('ACCOUNT_NOT_FOUND', `no account ${from} in ${home}/keystore: create or import it with cmt account new|import --home ${home}`, { from, home });
  }
  const { privateKey } = await unlockAccount(account.file, await readPassword(flags, io, false));
  return new Wallet(privateKey);
}

/** A whole number typed by a user (a height, an id); `what` names it in the error. */
export function parseWhole(text: string, what: string): bigint {
  if (!/^\d+$/.test(text)) throw new ChainError('BAD_OPTION', `invalid ${what} "${text}": expected a whole number`);
  return BigInt(text);
}

export function parseHeightFlag(text: string | undefined): { height?: bigint } {
  return text === undefined ? {} : { height: parseWhole(text, '--height') };
}

/** JSON with bigints as decimal strings (wei, ids), indented. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
}

/** A mined transaction: one line, then its events (`Name key=value ...`), or JSON (everything but the receipt). */
export function printTx(io: ClientCommandIo, flags: ClientFlags, r: TxResult | ProposalResult | AccountUpdateResult): void {
  const { receipt: _receipt, ...summary } = r;
  if (flags.json === true) return io.write(toJson(summary));
  const lines = [`transaction ${r.hash} mined in block ${r.blockNumber} (gas used ${r.gasUsed})`];
  if ('proposalId' in r) lines.push(`proposal ${r.proposalId} created`);
  if ('requestId' in r) lines.push(`owner change request ${r.requestId}: the new account accepts it with cmt stake accept-account-update ${r.requestId}`);
  for (const e of r.events) lines.push(`  ${e.name} ${Object.entries(e.args).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`);
  io.write(`${lines.join('\n')}\n`);
}

/**
 * Rows under upper-case headers, columns two spaces apart; columns listed in `right` are right-aligned
 * (numbers), the others left-aligned. The last column is not padded, so lines carry no trailing spaces.
 */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, right: readonly number[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    headers
      .map((_h, i) => {
        const cell = cells[i] ?? '';
        const w = widths[i] ?? 0;
        if (right.includes(i)) return cell.padStart(w);
        return i === headers.length - 1 ? cell : cell.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].map((l) => `${l}\n`).join('');
}

/** `key: value` lines with the values aligned, as `cmt status` prints. */
export function formatFields(fields: ReadonlyArray<readonly [string, string]>): string {
  const w = Math.max(...fields.map(([k]) => k.length)) + 2;
  return fields.map(([k, v]) => `${`${k}:`.padEnd(w)}${v}\n`).join('');
}
