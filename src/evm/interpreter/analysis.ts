/**
 * What the interpreter needs to know about a contract's code before it runs it: which offsets are valid
 * jump destinations (a JUMPDEST byte that is not inside a PUSH's immediate), and every PUSH's value decoded
 * once. Computed once per code and kept by code hash (content-addressed: a hash names one code forever).
 */
import { bytesToBigint } from '../../primitives/index.ts';

export interface CodeAnalysis {
  readonly code: Uint8Array;
  /** 1 at each valid JUMPDEST offset. */
  readonly jumpdests: Uint8Array;
  /** The value of the PUSH1-PUSH32 at each offset (immediates cut off by the end of the code are zero-filled, as the EVM reads them). */
  readonly pushes: readonly bigint[];
}

const PUSH1 = 0x60;
const PUSH32 = 0x7f;
const JUMPDEST = 0x5b;

export function analyseCode(code: Uint8Array): CodeAnalysis {
  const jumpdests = new Uint8Array(code.length);
  const pushes: bigint[] = new Array<bigint>(code.length);
  for (let pc = 0; pc < code.length; pc++) {
    const op = code[pc] as number;
    if (op === JUMPDEST) jumpdests[pc] = 1;
    else if (op >= PUSH1 && op <= PUSH32) {
      const n = op - PUSH1 + 1;
      const immediate = new Uint8Array(n);
      immediate.set(code.subarray(pc + 1, pc + 1 + n));
      pushes[pc] = bytesToBigint(immediate);
      pc += n;
    }
  }
  return { code, jumpdests, pushes };
}

/** Contracts kept; a chain runs few distinct contracts hot, and a miss only costs one analysis. */
const MAX_CODES = 1024;
const byCodeHash = new Map<string, CodeAnalysis>();

/** The analysis of the code with hash `codeHash` (any string naming the hash one way: `bytesKey`), if it was made before. */
export function knownAnalysis(codeHash: string): CodeAnalysis | undefined {
  return byCodeHash.get(codeHash);
}

/** Analyses `code`, whose hash is `codeHash` (as in knownAnalysis), and keeps the result. */
export function rememberAnalysis(codeHash: string, code: Uint8Array): CodeAnalysis {
  if (byCodeHash.size >= MAX_CODES) byCodeHash.clear();
  const analysis = analyseCode(code);
  byCodeHash.set(codeHash, analysis);
  return analysis;
}
