/**
 * Encrypted account keys in `<home>/keystore`, one Web3 Secret Storage (keystore v3) file per key, laid out
 * like geth's: same JSON shape (`address`, `crypto`, `id`, `version`), same file names
 * (`UTC--<time>--<address>`), same scrypt parameters, so files move freely between cmt, geth and ethers.
 * Encryption and decryption are ethers'; this module owns the directory, the file names and the errors.
 */
import { chmod, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Wallet, decryptKeystoreJson, encryptKeystoreJson, getAddress, isError } from 'ethers';
import { ChainError } from '../primitives/index.ts';

export type KeystoreErrorCode =
  | 'ACCOUNT_EXISTS'
  | 'INVALID_KEY'
  | 'BAD_PASSWORD'
  | 'INVALID_KEYSTORE'
  | 'KEYSTORE_NOT_FOUND'
  | 'BAD_OPTION';

/** geth's StandardScryptN / StandardScryptP (keystore/passphrase.go). */
export const STANDARD_SCRYPT_N = 1 << 18;
export const STANDARD_SCRYPT_P = 1;
/** geth's LightScryptN / LightScryptP (`--lightkdf`): fast, for tests and small devices. */
export const LIGHT_SCRYPT_N = 1 << 12;
export const LIGHT_SCRYPT_P = 6;

export interface KeystoreOptions {
  /** scrypt cost, a power of two; default STANDARD_SCRYPT_N. */
  scryptN?: number;
  /** scrypt parallelism; default STANDARD_SCRYPT_P. */
  scryptP?: number;
  /** Time written into the file name; default now (injectable for deterministic tests). */
  now?: Date;
}

export interface KeystoreAccount {
  /** EIP-55 checksummed. */
  address: string;
  /** Absolute path when `home` was absolute. */
  file: string;
}

export interface UnlockedAccount {
  address: string;
  /** 0x-prefixed 32-byte hex. */
  privateKey: string;
}

/** secp256k1 group order: a private key must be in [1, n-1]. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export function keystoreDir(home: string): string {
  return join(home, 'keystore');
}

/** Generate a new random key and store it encrypted with `password`. */
export async function createAccount(home: string, password: string, opts: KeystoreOptions = {}): Promise<KeystoreAccount> {
  const wallet = Wallet.createRandom();
  return storeKey(home, wallet.privateKey, password, opts);
}

/** Store a given private key (hex, with or without 0x) encrypted with `password`; one file per address. */
export async function importAccount(
  home: string,
  privateKeyHex: string,
  password: string,
  opts: KeystoreOptions = {},
): Promise<KeystoreAccount> {
  return storeKey(home, parsePrivateKey(privateKeyHex), password, opts);
}

/** Every key in the keystore, in geth's order (by file name, which starts with the creation time). */
export async function listAccounts(home: string): Promise<KeystoreAccount[]> {
  const dir = keystoreDir(home);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isErrnoCode(err, 'ENOENT')) return [];
    throw err;
  }
  const accounts: KeystoreAccount[] = [];
  // Byte order, like Go's sort of the URLs, rather than locale order.
  for (const name of names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (isIgnoredFileName(name)) continue;
    const file = join(dir, name);
    const address = await readKeystoreAddress(file);
    if (address !== undefined) accounts.push({ address, file });
  }
  return accounts;
}

/** Decrypt a keystore file (scrypt or pbkdf2, as written by geth, ethers or cmt). */
export async function unlockAccount(file: string, password: string): Promise<UnlockedAccount> {
  let json: string;
  try {
    json = await readFile(file, 'utf8');
  } catch (err) {
    if (isErrnoCode(err, 'ENOENT')) throw new ChainError('KEYSTORE_NOT_FOUND', `keystore file not found: ${file}`, { file });
    throw err;
  }
  try {
    const account = await decryptKeystoreJson(json, password);
    return { address: getAddress(account.address), privateKey: account.privateKey };
  } catch (err) {
    if (isError(err, 'INVALID_ARGUMENT') && err.argument === 'password') {
      throw new ChainError('BAD_PASSWORD', `could not decrypt ${file}: wrong password`, { file });
    }
    const reason = err instanceof Error ? err.message : String(err);
    throw new ChainError('INVALID_KEYSTORE', `${file} is not a valid keystore v3 file: ${reason}`, { file });
  }
}

/** geth's keyFileName: `UTC--2006-01-02T15-04-05.000Z--<address hex, lowercase, no 0x>`. */
export function keystoreFileName(address: string, now: Date): string {
  return `UTC--${now.toISOString().replace(/:/g, '-')}--${address.toLowerCase().replace(/^0x/, '')}`;
}

function parsePrivateKey(input: string): string {
  const hex = input.trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new ChainError('INVALID_KEY', 'invalid private key: expected 32 bytes of hex (64 hex digits, optional 0x)');
  }
  const k = BigInt(`0x${hex}`);
  if (k === 0n || k >= SECP256K1_N) throw new ChainError('INVALID_KEY', 'invalid private key: out of the secp256k1 range');
  return `0x${hex.toLowerCase()}`;
}

function validateOptions(opts: KeystoreOptions): { N: number; p: number; now: Date } {
  const N = opts.scryptN ?? STANDARD_SCRYPT_N;
  const p = opts.scryptP ?? STANDARD_SCRYPT_P;
  if (!Number.isSafeInteger(N) || N < 2 || (N & (N - 1)) !== 0) {
    throw new ChainError('BAD_OPTION', `invalid scrypt N ${N}: expected a power of two >= 2`, { scryptN: N });
  }
  if (!Number.isSafeInteger(p) || p < 1) throw new ChainError('BAD_OPTION', `invalid scrypt p ${p}`, { scryptP: p });
  return { N, p, now: opts.now ?? new Date() };
}

async function storeKey(home: string, privateKey: string, password: string, opts: KeystoreOptions): Promise<KeystoreAccount> {
  const { N, p, now } = validateOptions(opts);
  const address = new Wallet(privateKey).address;
  const existing = (await listAccounts(home)).find((a) => a.address === address);
  if (existing !== undefined) {
    throw new ChainError('ACCOUNT_EXISTS', `account ${address} already exists in ${existing.file}`, { address, file: existing.file });
  }
  const json = await encryptKeystoreJson({ address, privateKey }, password, { scrypt: { N, r: 8, p } });
  const dir = keystoreDir(home);
  await ensurePrivateDir(dir);
  const file = join(dir, keystoreFileName(address, now));
  await writePrivateFileAtomic(file, toGethLayout(json));
  return { address, file };
}

/** ethers writes `Crypto`; geth writes `crypto` and some readers only accept that. Same content otherwise. */
function toGethLayout(ethersJson: string): string {
  const parsed = JSON.parse(ethersJson) as Record<string, unknown>;
  return JSON.stringify({ address: parsed.address, crypto: parsed.crypto ?? parsed.Crypto, id: parsed.id, version: parsed.version });
}

async function ensurePrivateDir(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  // Only tighten a directory we created (mkdir's mode is masked by the umask); leave an existing one alone.
  if (created !== undefined) await chmod(dir, 0o700);
}

/** Write to a hidden temporary file then rename, as geth does, so a crash never leaves half a key behind. */
async function writePrivateFileAtomic(file: string, content: string): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.tmp`);
  try {
    await writeFile(tmp, content, { mode: 0o600, flag: 'wx' });
    await chmod(tmp, 0o600);
    if (await exists(file)) throw new ChainError('ACCOUNT_EXISTS', `keystore file already exists: ${file}`, { file });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if (isErrnoCode(err, 'ENOENT')) return false;
    throw err;
  }
}

/** geth's nonKeyFile: editor backups and hidden files are not keys. */
function isIgnoredFileName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~');
}

/** The checksummed address of a keystore file, or undefined if it is not one (geth skips such files too). */
async function readKeystoreAddress(file: string): Promise<string | undefined> {
  try {
    if (!(await stat(file)).isFile()) return undefined;
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const record = parsed as Record<string, unknown>;
    const hasCrypto = typeof (record.crypto ?? record.Crypto) === 'object';
    const address = record.address;
    if (!hasCrypto || typeof address !== 'string' || !/^(0x)?[0-9a-fA-F]{40}$/.test(address)) return undefined;
    return getAddress(address.startsWith('0x') ? address.toLowerCase() : `0x${address.toLowerCase()}`);
  } catch {
    return undefined;
  }
}

function isErrnoCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
