/** Time as the node sees it. The system clock here; tests and simulations use a virtual one. */
export interface Clock {
  nowMs(): number;
  /** Runs `fn` at `atMs` (clock time); returns a cancel function. */
  at(atMs: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  at(atMs, fn) {
    const t = setTimeout(fn, Math.max(0, atMs - Date.now()));
    return () => clearTimeout(t);
  },
};
