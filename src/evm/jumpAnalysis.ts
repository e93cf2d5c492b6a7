/**
 * PERF: at the start of every call @ethereumjs analyses the callee's code (valid jump destinations, every
 * PUSH decoded to a bigint, an opcode table the size of the code), allocating all of it again for each
 * call: 3.5% of ERC-20 transfer execution plus the garbage it leaves (docs/performance.md). The result
 * depends only on the code bytes and the EVM's opcode table, and the interpreter only reads it, so it is
 * computed once per (opcode table, code).
 *
 * The interpreter is internal to @ethereumjs/evm (not exported), so its prototype is reached through the
 * same file the package's ESM entry imports: the same module instance the VM uses. If a future version
 * moves or renames it, nothing is patched and everything still works, only without the cache.
 */
import { keccak256 } from '../crypto/index.ts';
import { loadEvmInternal } from './internals.ts';

interface Analysis {
  jumps: Uint8Array;
  pushes: Record<number, bigint>;
  opcodesCached: unknown[];
}

interface InterpreterLike {
  _evm: { _opcodeMap: object };
  _getValidJumpDestinations(code: Uint8Array): Analysis;
}

/** Codes kept per opcode table; a chain runs few distinct contracts hot, and a miss only costs the analysis. */
const MAX_CODES = 4096;
// keyed by the code's hash, not the array: init code can be a view of memory that is written again later
const byTable = new WeakMap<object, Map<string, Analysis>>();
/**
 * PERF: hashing a contract's code on every call cost ~15 µs of each ERC-20 transfer. The state's code cache
 * hands the same array to every call of a block, so an array seen before, still holding the same bytes
 * (compared with a copy: far cheaper than hashing), keeps its hash.
 */
const hashed = new WeakMap<Uint8Array, { copy: Buffer; key: string }>();

function codeKey(code: Uint8Array): string {
  const known = hashed.get(code);
  if (known !== undefined && known.copy.equals(code)) return known.key;
  const key = Buffer.from(keccak256(code)).toString('hex');
  hashed.set(code, { copy: Buffer.from(code), key });
  return key;
}

async function install(): Promise<boolean> {
  try {
    const mod = await loadEvmInternal<{ Interpreter?: { prototype: InterpreterLike } }>('interpreter.js');
    const proto = mod.Interpreter?.prototype;
    if (proto === undefined || typeof proto._getValidJumpDestinations !== 'function') return false;
    const analyse = proto._getValidJumpDestinations;
    proto._getValidJumpDestinations = function cachedJumpDestinations(this: InterpreterLike, code: Uint8Array): Analysis {
      const table = this._evm._opcodeMap;
      let cache = byTable.get(table);
      if (cache === undefined) {
        cache = new Map();
        byTable.set(table, cache);
      }
      const key = codeKey(code);
      let found = cache.get(key);
      if (found === undefined) {
        found = analyse.call(this, code);
        if (cache.size >= MAX_CODES) cache.clear();
        cache.set(key, found);
      }
      return found;
    };
    return true;
  } catch {
    return false;
  }
}

/** Whether the cache is in place (tests assert it, so an upgrade that moves the interpreter is noticed). */
export const jumpAnalysisCached = await install();
