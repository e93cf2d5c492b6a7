/**
 * What the flat account and storage caches share with @ethereumjs's Cache base: the checkpoint depth, one
 * diff map per depth (each key's pre-state at that depth) and the read/write counters its `stats()` reports.
 */
type Stats = { size: number; reads: number; hits: number; writes: number; deletions: number };

const noStats = (): Stats => ({ size: 0, reads: 0, hits: 0, writes: 0, deletions: 0 });

export abstract class JournaledCache<PreState> {
  _checkpoints = 0;
  _diffCache: Array<Map<string, PreState>> = [new Map()];
  _stats: Stats = noStats();

  /** The diff of the current depth. */
  protected get diff(): Map<string, PreState> {
    return this._diffCache[this._checkpoints] as Map<string, PreState>;
  }

  checkpoint(): void {
    this._checkpoints += 1;
    this._diffCache.push(new Map());
  }

  /** The current depth's diff, replaced by an empty one: what a flush hands to the trie. */
  protected takeDiff(): Map<string, PreState> {
    const diff = this.diff;
    this._diffCache[this._checkpoints] = new Map();
    return diff;
  }

  /** Closes the current depth and returns its diff (revert and commit then apply it). */
  protected popDiff(): Map<string, PreState> {
    this._checkpoints -= 1;
    return this._diffCache.pop() as Map<string, PreState>;
  }

  abstract size(): number;

  stats(reset = true): Stats {
    const stats = { ...this._stats, size: this.size() };
    if (reset) this._stats = noStats();
    return stats;
  }
}
