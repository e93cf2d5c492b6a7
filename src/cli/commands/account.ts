/**
 * `cmt account new | list | import <keyfile>`: keystore v3 accounts in `<home>/keystore`, with geth's
 * command shapes. Password: `--password-file` (first line) > env CMT_PASSWORD > hidden prompt, typed twice,
 * when stdin is a terminal; anything else is an error rather than an account with a guessed password.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { ChainError } from '../../primitives/index.ts';
import { LIGHT_SCRYPT_N, LIGHT_SCRYPT_P, createAccount, importAccount, listAccounts } from '../keystore.ts';
import type { KeystoreAccount, KeystoreOptions } from '../keystore.ts';

/** Where the commands read and write; tests pass their own to run the commands in-process. */
export interface AccountCommandIo {
  /** Results (stdout). */
  write: (text: string) => void;
  /** Prompts (stderr, so stdout stays machine-readable). */
  prompt: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
}

interface AccountFlags {
  home?: string;
  passwordFile?: string;
  lightkdf?: boolean;
}

const HOME_HELP = 'home directory [env CMT_HOME] (default ~/.cybermiles)';
const PASSWORD_HELP = 'file whose first line is the password [else env CMT_PASSWORD, else prompt]';
const LIGHTKDF_HELP = 'weaker but faster scrypt (N=4096, p=6), like geth --lightkdf';

export function createAccountCommand(io: Partial<AccountCommandIo> = {}): Command {
  const full = (): AccountCommandIo => ({
    write: io.write ?? ((text) => void process.stdout.write(text)),
    prompt: io.prompt ?? process.stderr,
    stdin: io.stdin ?? process.stdin,
    env: io.env ?? process.env,
  });
  const cmd = new Command('account').description('manage encrypted accounts (keystore v3 files in <home>/keystore)');

  cmd
    .command('new')
    .description('create a new account and print its address')
    .option('--home <dir>', HOME_HELP)
    .option('--password-file <file>', PASSWORD_HELP)
    .option('--lightkdf', LIGHTKDF_HELP)
    .action(async (flags: AccountFlags) => {
      const env = full();
      const password = await readPassword(flags, env);
      const account = await createAccount(resolveHome(flags, env), password, kdfOptions(flags));
      printStored(env, account);
    });

  cmd
    .command('list')
    .description('print every account in the keystore (geth format)')
    .option('--home <dir>', HOME_HELP)
    .action(async (flags: AccountFlags) => {
      const env = full();
      const accounts = await listAccounts(resolveHome(flags, env));
      accounts.forEach((a, i) => env.write(`Account #${i}: {${a.address.slice(2).toLowerCase()}} keystore://${a.file}\n`));
    });

  cmd
    .command('import')
    .description('import a private key from <keyfile> (hex, one line) into a new encrypted keystore file')
    .argument('<keyfile>', 'file holding the private key as hex (with or without 0x)')
    .option('--home <dir>', HOME_HELP)
    .option('--password-file <file>', PASSWORD_HELP)
    .option('--lightkdf', LIGHTKDF_HELP)
    .action(async (keyfile: string, flags: AccountFlags) => {
      const env = full();
      const key = await readTextFile(keyfile, 'KEY_FILE_UNREADABLE', 'key file');
      const password = await readPassword(flags, env);
      const account = await importAccount(resolveHome(flags, env), key, password, kdfOptions(flags));
      printStored(env, account);
    });

  return cmd;
}

function printStored(io: AccountCommandIo, account: KeystoreAccount): void {
  io.write(`Address: ${account.address}\nKeystore: ${account.file}\n`);
}

/** Same precedence as ../home.ts (flag > CMT_HOME > ~/.cybermiles), but reading the injected environment. */
export function resolveHome(flags: { home?: string }, io: Pick<AccountCommandIo, 'env'>): string {
  return resolve(flags.home ?? io.env.CMT_HOME ?? resolve(homedir(), '.cybermiles'));
}

function kdfOptions(flags: AccountFlags): KeystoreOptions {
  return flags.lightkdf === true ? { scryptN: LIGHT_SCRYPT_N, scryptP: LIGHT_SCRYPT_P } : {};
}

/** The password rules every keystore command shares; `confirm` asks twice at a prompt (for a new key). */
export async function readPassword(flags: { passwordFile?: string }, io: AccountCommandIo, confirm = true): Promise<string> {
  if (flags.passwordFile !== undefined) {
    const text = await readTextFile(flags.passwordFile, 'PASSWORD_FILE_UNREADABLE', 'password file');
    // geth: the first line, without a trailing \r.
    return (text.split('\n')[0] ?? '').replace(/\r$/, '');
  }
  const fromEnv = io.env.CMT_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  if (io.stdin.isTTY !== true) {
    throw new ChainError('NO_PASSWORD', 'no password: pass --password-file <file>, set CMT_PASSWORD, or run in a terminal');
  }
  const password = await readHidden('Password: ', io);
  if (confirm && (await readHidden('Repeat password: ', io)) !== password) {
    throw new ChainError('PASSWORD_MISMATCH', 'passwords do not match');
  }
  return password;
}

async function readTextFile(file: string, code: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ChainError(code, `cannot read ${what} ${file}: ${reason}`, { file });
  }
}

/** One line from a terminal in raw mode, echoing nothing. Ctrl-C aborts. */
function readHidden(label: string, io: AccountCommandIo): Promise<string> {
  const { stdin, prompt } = io;
  return new Promise((resolvePassword, reject) => {
    prompt.write(label);
    const wasRaw = stdin.isRaw;
    let chars: string[] = [];
    const finish = (err?: ChainError): void => {
      stdin.off('data', onData);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      prompt.write('\n');
      if (err === undefined) resolvePassword(chars.join(''));
      else reject(err);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new ChainError('ABORTED', 'aborted'));
        if (ch === '\u007f' || ch === '\b') chars = chars.slice(0, -1);
        else chars.push(ch);
      }
    };
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}
