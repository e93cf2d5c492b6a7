/**
 * Modules inside @ethereumjs/evm that its package entry does not export (the interpreter, opcode tables,
 * journal). The PERF patches in this folder reach them through the same files the package's ESM entry
 * imports, so they patch the very instances the VM uses. A version that moves a file makes the import
 * throw: each patch then reports itself off and the EVM runs as it came.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const esm = join(dirname(dirname(createRequire(import.meta.url).resolve('@ethereumjs/evm'))), 'esm');

/** The module at `file` (relative to the package's dist/esm), typed by what the caller reads from it. */
export async function loadEvmInternal<T>(file: string): Promise<T> {
  return (await import(pathToFileURL(join(esm, file)).href)) as T;
}

/**
 * A short hash of a function's source. A patch that copies or replaces @ethereumjs code records the hash of
 * the code it was written against, and applies only while the installed version still has that code.
 */
export function sourceHash(fn: unknown): string {
  return typeof fn === 'function' ? createHash('sha256').update(fn.toString()).digest('hex').slice(0, 16) : '';
}
