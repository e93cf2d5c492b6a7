import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CommanderError } from 'commander';
import { HDNodeWallet, Wallet } from 'ethers';
import { createAccountCommand } from '../../../src/cli/commands/account.ts';
import type { AccountCommandIo } from '../../../src/cli/commands/account.ts';
import {
  createAccount,
  importAccount,
  keystoreDir,
  keystoreFileName,
  listAccounts,
  unlockAccount,
} from '../../../src/cli/keystore.ts';
import { isChainError } from '../../../src/primitives/index.ts';

const FAST = { scryptN: 1 << 10, scryptP: 1 };
const MNEMONIC = 'test test test test test test test test test test test junk';
const DEV0_ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const DEV0_KEY = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/0").privateKey;
const FILE_NAME = /^UTC--\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z--[0-9a-f]{40}$/;

function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'cmt-account-'));
}

function code(expected: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(isChainError(err), `expected a ChainError, got ${String(err)}`);
    assert.equal(err.code, expected);
    return true;
  };
}

const nonTtyStdin = { isTTY: false } as unknown as NodeJS.ReadStream;

async function run(args: string[], io: Partial<AccountCommandIo> = {}): Promise<string> {
  let out = '';
  const cmd = createAccountCommand({ env: {}, stdin: nonTtyStdin, write: (t) => void (out += t), ...io });
  await cmd.parseAsync(args, { from: 'user' });
  return out;
}

test('the test key is dev account 0 of the standard mnemonic', () => {
  assert.equal(new Wallet(DEV0_KEY).address, DEV0_ADDRESS);
});

test('createAccount writes a geth-named keystore v3 file that listAccounts finds', async () => {
  const home = tempHome();
  try {
    const created = await createAccount(home, 'pw', FAST);
    assert.match(created.address, /^0x[0-9a-fA-F]{40}$/);
    assert.equal(created.file, join(keystoreDir(home), basename(created.file)));
    assert.match(basename(created.file), FILE_NAME);
    assert.ok(basename(created.file).endsWith(created.address.slice(2).toLowerCase()));
    assert.deepEqual(await listAccounts(home), [created]);
    assert.equal((await unlockAccount(created.file, 'pw')).address, created.address);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('importAccount stores a known key in geth layout that ethers decrypts to the same key', async () => {
  const home = tempHome();
  try {
    const imported = await importAccount(home, DEV0_KEY, 'secret', FAST);
    assert.equal(imported.address, DEV0_ADDRESS);
    const json = readFileSync(imported.file, 'utf8');
    const parsed = JSON.parse(json) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed).sort(), ['address', 'crypto', 'id', 'version']);
    assert.equal(parsed.address, DEV0_ADDRESS.slice(2).toLowerCase());
    assert.equal(parsed.version, 3);
    const wallet = await Wallet.fromEncryptedJson(json, 'secret');
    assert.equal(wallet.privateKey, DEV0_KEY);
    assert.equal(wallet.address, DEV0_ADDRESS);
    assert.deepEqual(await unlockAccount(imported.file, 'secret'), { address: DEV0_ADDRESS, privateKey: DEV0_KEY });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('unlockAccount rejects a wrong password with BAD_PASSWORD and a missing file with KEYSTORE_NOT_FOUND', async () => {
  const home = tempHome();
  try {
    const { file } = await importAccount(home, DEV0_KEY, 'secret', FAST);
    await assert.rejects(unlockAccount(file, 'Secret'), code('BAD_PASSWORD'));
    await assert.rejects(unlockAccount(join(home, 'nope'), 'secret'), code('KEYSTORE_NOT_FOUND'));
    writeFileSync(join(home, 'garbage.json'), '{"version":3}');
    await assert.rejects(unlockAccount(join(home, 'garbage.json'), 'secret'), code('INVALID_KEYSTORE'));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('importAccount refuses a key already in the keystore, whatever its spelling', async () => {
  const home = tempHome();
  try {
    await importAccount(home, DEV0_KEY, 'a', FAST);
    await assert.rejects(importAccount(home, DEV0_KEY, 'b', FAST), code('ACCOUNT_EXISTS'));
    await assert.rejects(importAccount(home, ` ${DEV0_KEY.slice(2).toUpperCase()}\n`, 'b', FAST), code('ACCOUNT_EXISTS'));
    assert.equal((await listAccounts(home)).length, 1);
    assert.equal(readdirSync(keystoreDir(home)).length, 1, 'no temporary file left behind');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('importAccount refuses invalid keys with INVALID_KEY', async () => {
  const home = tempHome();
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const cases: Array<[string, string]> = [
    ['empty', ''],
    ['not hex', 'zz'.repeat(32)],
    ['31 bytes', 'ab'.repeat(31)],
    ['33 bytes', 'ab'.repeat(33)],
    ['zero', '0'.repeat(64)],
    ['group order n', n.toString(16)],
    ['n + 1', (n + 1n).toString(16)],
  ];
  try {
    for (const [description, key] of cases) {
      await assert.rejects(importAccount(home, key, 'pw', FAST), code('INVALID_KEY'), description);
    }
    const last = (n - 1n).toString(16);
    assert.match((await importAccount(home, last, 'pw', FAST)).address, /^0x/, 'n - 1 is a valid key');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('keystore files are 0600 in a 0700 directory', { skip: process.platform === 'win32' }, async () => {
  const home = tempHome();
  try {
    const { file } = await createAccount(home, 'pw', FAST);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(keystoreDir(home)).mode & 0o777, 0o700);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('listAccounts: sorted by file name, skips what is not a keystore, reads geth and ethers files', async () => {
  const home = tempHome();
  try {
    assert.deepEqual(await listAccounts(home), [], 'no keystore directory yet');
    const later = await importAccount(home, DEV0_KEY, 'pw', { ...FAST, now: new Date('2030-01-01T00:00:00.000Z') });
    const earlier = await createAccount(home, 'pw', { ...FAST, now: new Date('2020-01-01T00:00:00.000Z') });
    const dir = keystoreDir(home);
    // The Web3 Secret Storage definition's pbkdf2 test vector, as geth's testdata has it.
    const vector = {
      address: '008aeeda4d805471df9b2a5b0f38a0c3bcba786b',
      crypto: {
        cipher: 'aes-128-ctr',
        cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
        ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
        kdf: 'pbkdf2',
        kdfparams: { c: 262144, dklen: 32, prf: 'hmac-sha256', salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd' },
        mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
      },
      id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
      version: 3,
    };
    writeFileSync(join(dir, 'UTC--2025-01-01T00-00-00.000Z--008aeeda4d805471df9b2a5b0f38a0c3bcba786b'), JSON.stringify(vector));
    // ethers' own output (capitalised "Crypto"), under a non-geth name.
    const ethersWallet = Wallet.createRandom();
    writeFileSync(join(dir, 'ethers.json'), await ethersWallet.encrypt('pw', () => undefined));
    for (const [name, content] of [
      ['README', 'not a key'],
      ['.hidden', JSON.stringify(vector)],
      ['backup~', JSON.stringify(vector)],
      ['no-crypto.json', JSON.stringify({ address: vector.address, version: 3 })],
      ['bad-address.json', JSON.stringify({ ...vector, address: 'xyz' })],
      ['array.json', '[]'],
    ] as const) {
      writeFileSync(join(dir, name), content);
    }
    mkdirSync(join(dir, 'subdir'));

    const listed = await listAccounts(home);
    assert.deepEqual(
      listed.map((a) => a.address),
      [earlier.address, '0x008AeEda4D805471dF9b2A5B0f38A0C3bCBA786b', later.address, ethersWallet.address],
    );
    const geth = listed[1];
    assert.ok(geth !== undefined);
    assert.deepEqual(await unlockAccount(geth.file, 'testpassword'), {
      address: '0x008AeEda4D805471dF9b2A5B0f38A0C3bCBA786b',
      privateKey: '0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d',
    });
    await assert.rejects(importAccount(home, ethersWallet.privateKey, 'pw', FAST), code('ACCOUNT_EXISTS'));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('keystoreFileName follows geth: UTC--<ISO time, : as ->--<lowercase address>', () => {
  assert.equal(
    keystoreFileName(DEV0_ADDRESS, new Date('2024-03-22T12:57:55.920Z')),
    'UTC--2024-03-22T12-57-55.920Z--f39fd6e51aad88f6f4ce6ab8827279cfffb92266',
  );
});

test('createAccount rejects a scrypt N that is not a power of two', async () => {
  const home = tempHome();
  try {
    await assert.rejects(createAccount(home, 'pw', { scryptN: 1000 }), code('BAD_OPTION'));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('cmt account new / import / list with --password-file', async () => {
  const home = tempHome();
  try {
    const passwordFile = join(home, 'password.txt');
    writeFileSync(passwordFile, 'correct horse\r\nsecond line is ignored\n');
    const keyFile = join(home, 'key.txt');
    writeFileSync(keyFile, `${DEV0_KEY.slice(2)}\n`);

    const newOut = await run(['new', '--home', home, '--password-file', passwordFile, '--lightkdf']);
    const m = /^Address: (0x[0-9a-fA-F]{40})\nKeystore: (.+)\n$/.exec(newOut);
    assert.ok(m !== null, newOut);
    const [, newAddress, newFile] = m;
    assert.ok(newAddress !== undefined && newFile !== undefined);
    assert.match(basename(newFile), FILE_NAME);
    assert.equal((await unlockAccount(newFile, 'correct horse')).address, newAddress);

    const importOut = await run(['import', keyFile, '--home', home, '--password-file', passwordFile, '--lightkdf']);
    assert.match(importOut, new RegExp(`^Address: ${DEV0_ADDRESS}\nKeystore: `));
    await assert.rejects(
      run(['import', keyFile, '--home', home, '--password-file', passwordFile, '--lightkdf']),
      code('ACCOUNT_EXISTS'),
    );

    const accounts = await listAccounts(home);
    assert.equal(accounts.length, 2);
    const listOut = await run(['list', '--home', home]);
    assert.equal(
      listOut,
      accounts.map((a, i) => `Account #${i}: {${a.address.slice(2).toLowerCase()}} keystore://${a.file}\n`).join(''),
    );
    assert.ok(listOut.includes(`{${DEV0_ADDRESS.slice(2).toLowerCase()}}`));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('cmt account: CMT_HOME and CMT_PASSWORD come from the environment', async () => {
  const home = tempHome();
  try {
    const out = await run(['new', '--lightkdf'], { env: { CMT_HOME: home, CMT_PASSWORD: 'from env' } });
    const file = /Keystore: (.+)\n/.exec(out)?.[1];
    assert.ok(file !== undefined && file.startsWith(keystoreDir(home)), out);
    const unlocked = await unlockAccount(file, 'from env');
    assert.ok(out.startsWith(`Address: ${unlocked.address}\n`));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('cmt account new: scrypt is geth standard (N=2^18, r=8, p=1) unless --lightkdf (N=2^12, p=6)', async () => {
  const home = tempHome();
  const kdf = (out: string): Record<string, number> => {
    const file = /Keystore: (.+)\n/.exec(out)?.[1];
    assert.ok(file !== undefined, out);
    const { n, r, p } = (JSON.parse(readFileSync(file, 'utf8')) as { crypto: { kdfparams: Record<string, number> } }).crypto
      .kdfparams;
    return { n: n ?? 0, r: r ?? 0, p: p ?? 0 };
  };
  try {
    const env = { CMT_PASSWORD: 'pw' };
    assert.deepEqual(kdf(await run(['new', '--home', home], { env })), { n: 262144, r: 8, p: 1 });
    assert.deepEqual(kdf(await run(['new', '--home', home, '--lightkdf'], { env })), { n: 4096, r: 8, p: 6 });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('cmt account: without a password source and no terminal it fails instead of guessing', async () => {
  const home = tempHome();
  try {
    await assert.rejects(run(['new', '--home', home, '--lightkdf']), code('NO_PASSWORD'));
    await assert.rejects(
      run(['new', '--home', home, '--password-file', join(home, 'missing')]),
      code('PASSWORD_FILE_UNREADABLE'),
    );
    await assert.rejects(
      run(['import', join(home, 'missing'), '--home', home, '--password-file', join(home, 'missing')]),
      code('KEY_FILE_UNREADABLE'),
    );
    assert.deepEqual(await listAccounts(home), []);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

/** A terminal that types `lines` one per prompt, and records raw-mode switches. */
function fakeTty(lines: string[]): { stdin: NodeJS.ReadStream; rawModes: boolean[] } {
  const emitter = new EventEmitter();
  const rawModes: boolean[] = [];
  const stdin = Object.assign(emitter, {
    isTTY: true,
    isRaw: false,
    setRawMode(mode: boolean) {
      rawModes.push(mode);
      this.isRaw = mode;
      return this;
    },
    resume() {
      const line = lines.shift();
      if (line !== undefined) queueMicrotask(() => emitter.emit('data', Buffer.from(line)));
      return this;
    },
    pause() {
      return this;
    },
  });
  return { stdin: stdin as unknown as NodeJS.ReadStream, rawModes };
}

test('cmt account new: prompts twice with hidden input on a terminal', async () => {
  const home = tempHome();
  try {
    const prompts: string[] = [];
    const prompt = { write: (t: string) => prompts.push(t) } as unknown as NodeJS.WriteStream;
    // "pwx", backspace, "!" types "pw!"; the second prompt confirms it.
    const tty = fakeTty(['pwx\u007f!\r', 'pw!\r']);
    const out = await run(['new', '--home', home, '--lightkdf'], { stdin: tty.stdin, prompt });
    assert.deepEqual(prompts.filter((p) => p.trim() !== ''), ['Password: ', 'Repeat password: ']);
    assert.ok(!prompts.join('').includes('pw'), 'the password is never echoed');
    assert.deepEqual(tty.rawModes, [true, false, true, false]);
    const file = /Keystore: (.+)\n/.exec(out)?.[1];
    assert.ok(file !== undefined);
    await unlockAccount(file, 'pw!');

    const mismatch = fakeTty(['one\r', 'two\r']);
    await assert.rejects(run(['new', '--home', home, '--lightkdf'], { stdin: mismatch.stdin, prompt }), code('PASSWORD_MISMATCH'));
    const aborted = fakeTty(['abc\u0003']);
    await assert.rejects(run(['new', '--home', home, '--lightkdf'], { stdin: aborted.stdin, prompt }), code('ABORTED'));
    assert.equal((await listAccounts(home)).length, 1);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('cmt account <sub> --help describes the options', async () => {
  for (const [sub, expected] of [
    ['new', ['--home <dir>', '--password-file <file>', '--lightkdf']],
    ['list', ['--home <dir>']],
    ['import', ['<keyfile>', '--home <dir>', '--password-file <file>']],
  ] as const) {
    const cmd = createAccountCommand({ env: {}, stdin: nonTtyStdin, write: () => undefined });
    let help = '';
    for (const c of [cmd, ...cmd.commands]) c.exitOverride().configureOutput({ writeOut: (t) => void (help += t) });
    await assert.rejects(cmd.parseAsync([sub, '--help'], { from: 'user' }), (err: unknown) => {
      assert.ok(err instanceof CommanderError);
      assert.equal(err.code, 'commander.helpDisplayed');
      return true;
    });
    assert.match(help, new RegExp(`Usage: account ${sub}`));
    for (const e of expected) assert.ok(help.includes(e), `${sub} --help mentions ${e}:\n${help}`);
  }
});
