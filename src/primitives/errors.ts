/**
 * The one error base of the project. Every module declares its codes in its own errors.ts and throws
 * `ChainError`s carrying a code and serialisable context, so callers (RPC, p2p) can map them without
 * parsing messages. `action` says what to do with the source of an error that came from outside.
 */
export type ErrorAction = 'reject' | 'ignore' | 'retry' | 'internal';

export class ChainError<C extends string = string> extends Error {
  readonly code: C;
  readonly context: Record<string, unknown>;
  readonly action: ErrorAction;

  constructor(code: C, message: string, context: Record<string, unknown> = {}, action: ErrorAction = 'reject') {
    super(message);
    this.name = 'ChainError';
    this.code = code;
    this.context = context;
    this.action = action;
  }
}

export function isChainError(err: unknown): err is ChainError {
  return err instanceof ChainError;
}

/** A broken internal invariant: the node must stop loudly rather than continue on corrupt state. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ChainError('INVARIANT', `invariant violated: ${message}`, {}, 'internal');
}
