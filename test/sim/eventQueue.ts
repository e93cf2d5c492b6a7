/**
 * The virtual clock: a priority queue of events ordered by (time, insertion order). Time only moves when
 * the next event is taken, so nothing depends on how fast the host runs.
 */
interface SimEvent {
  atMs: number;
  seq: number;
  run: () => void;
}

export class EventQueue {
  private heap: SimEvent[] = [];
  private seq = 0;
  nowMs = 0;

  get size(): number {
    return this.heap.length;
  }

  at(atMs: number, run: () => void): void {
    this.push({ atMs: Math.max(atMs, this.nowMs), seq: this.seq++, run });
  }

  after(delayMs: number, run: () => void): void {
    this.at(this.nowMs + delayMs, run);
  }

  /** Runs the next event; false when none is left. */
  runNext(): boolean {
    const e = this.pop();
    if (e === undefined) return false;
    this.nowMs = e.atMs;
    e.run();
    return true;
  }

  peekTimeMs(): number | undefined {
    return this.heap[0]?.atMs;
  }

  private less(a: SimEvent, b: SimEvent): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private push(e: SimEvent): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i] as SimEvent, h[p] as SimEvent)) break;
      [h[i], h[p]] = [h[p] as SimEvent, h[i] as SimEvent];
      i = p;
    }
  }

  private pop(): SimEvent | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l] as SimEvent, h[m] as SimEvent)) m = l;
      if (r < h.length && this.less(h[r] as SimEvent, h[m] as SimEvent)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m] as SimEvent, h[i] as SimEvent];
      i = m;
    }
    return top;
  }
}
