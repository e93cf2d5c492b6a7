/**
 * Compiles Solidity for tests and benchmarks with the pinned `solc` npm package (standard JSON, optimizer on).
 * `@openzeppelin/contracts/...` and project-relative imports are read from disk through solc's import callback.
 * Output is cached in `node_modules/.cache/cmt-solc/`, keyed by a sha256 of the compiler input, the solc and
 * OpenZeppelin versions; a hit is re-checked against the hashes of the files that were imported.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonFragment } from 'ethers';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE_MODULES = join(PROJECT_ROOT, 'node_modules');
const DEFAULT_CACHE_DIR = join(NODE_MODULES, '.cache', 'cmt-solc');

export interface CompileOptions {
  /** Optimizer runs; the optimizer is always on. Default 200. */
  optimizerRuns?: number;
  /** Default 'prague'. */
  evmVersion?: string;
  /** Set false to skip the on-disk cache. Default true. */
  cache?: boolean;
  cacheDir?: string;
}

export interface ContractArtifact {
  contractName: string;
  sourceName: string;
  abi: JsonFragment[];
  bytecode: `0x${string}`;
  deployedBytecode: `0x${string}`;
}

export type CompiledContracts = Record<string, ContractArtifact>;

interface SolcMessage {
  severity: 'error' | 'warning' | 'info';
  formattedMessage?: string;
  message: string;
}

interface SolcOutput {
  errors?: SolcMessage[];
  contracts?: Record<
    string,
    Record<string, { abi: JsonFragment[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >;
}

interface CacheEntry {
  imports: Record<string, string>;
  contracts: CompiledContracts;
}

/** The compiler rejected the input; `messages` are solc's formatted error messages. */
export class SolcCompileError extends Error {
  readonly messages: string[];
  constructor(messages: string[]) {
    super(`solc compilation failed:\n${messages.join('\n')}`);
    this.name = 'SolcCompileError';
    this.messages = messages;
  }
}

/**
 * Compiles `sources` (source unit name -> content) and returns every contract by name. On a name clash a
 * contract from `sources` wins over one from an imported file.
 */
export function compileSolidity(sources: Record<string, string>, opts: CompileOptions = {}): CompiledContracts {
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
    settings: {
      optimizer: { enabled: true, runs: opts.optimizerRuns ?? 200 },
      evmVersion: opts.evmVersion ?? 'prague',
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const inputJson = JSON.stringify(input);
  const useCache = opts.cache ?? true;
  const cacheFile = join(opts.cacheDir ?? DEFAULT_CACHE_DIR, `${cacheKey(inputJson)}.json`);
  if (useCache) {
    const hit = readCache(cacheFile);
    if (hit) return hit;
  }
  const imports: Record<string, string> = {};
  const output = JSON.parse(loadSolc().compile(inputJson, { import: (path: string) => readImport(path, imports) })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new SolcCompileError(errors.map((e) => e.formattedMessage ?? e.message));
  const contracts = collectContracts(output, Object.keys(sources));
  if (useCache) writeCache(cacheFile, { imports, contracts });
  return contracts;
}

function collectContracts(output: SolcOutput, ownSources: string[]): CompiledContracts {
  const result: CompiledContracts = {};
  const units = Object.entries(output.contracts ?? {});
  // Imported files first so that the caller's own contracts overwrite any clash.
  units.sort(([a], [b]) => Number(ownSources.includes(a)) - Number(ownSources.includes(b)));
  for (const [sourceName, byName] of units) {
    for (const [contractName, c] of Object.entries(byName)) {
      result[contractName] = {
        contractName,
        sourceName,
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      };
    }
  }
  return result;
}

type Solc = { compile(input: string, callbacks: { import(path: string): { contents: string } | { error: string } }): string };
let solc: Solc | undefined;

/** Loaded on a cache miss only: instantiating soljson takes about a second. */
function loadSolc(): Solc {
  solc ??= createRequire(import.meta.url)('solc') as Solc;
  return solc;
}

function resolveImport(path: string): string | undefined {
  const clean = normalize(path);
  if (clean.startsWith('..') || clean.startsWith('/')) return undefined;
  for (const base of [NODE_MODULES, PROJECT_ROOT]) {
    const full = join(base, clean);
    if (existsSync(full)) return full;
  }
  return undefined;
}

function readImport(path: string, seen: Record<string, string>): { contents: string } | { error: string } {
  const full = resolveImport(path);
  if (!full) return { error: `not found in node_modules or the project root: ${path}` };
  const contents = readFileSync(full, 'utf8');
  seen[path] = sha256(contents);
  return { contents };
}

function packageVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(NODE_MODULES, name, 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'missing';
  }
}

function cacheKey(inputJson: string): string {
  return sha256(`solc@${packageVersion('solc')}\n@openzeppelin/contracts@${packageVersion('@openzeppelin/contracts')}\n${inputJson}`);
}

function readCache(file: string): CompiledContracts | undefined {
  let entry: CacheEntry;
  try {
    entry = JSON.parse(readFileSync(file, 'utf8')) as CacheEntry;
  } catch {
    return undefined;
  }
  for (const [path, hash] of Object.entries(entry.imports)) {
    const full = resolveImport(path);
    if (!full || sha256(readFileSync(full, 'utf8')) !== hash) return undefined;
  }
  return entry.contracts;
}

/** Written to a temp name and renamed, so parallel test processes never read half a file. */
function writeCache(file: string, entry: CacheEntry): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(entry));
    renameSync(tmp, file);
  } catch {
    // A read-only node_modules only costs speed.
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
