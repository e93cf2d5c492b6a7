/**
 * Block order across senders: repeatedly take the head of the sender lane with the highest tip (earlier
 * arrival first on ties), so each sender's nonces stay in order (geth's TransactionsByPriceAndNonce).
 */
export function mergeBySenders<E extends { seq: number }>(lanes: E[][], tip: (e: E) => bigint, limit: number): E[] {
  const heap: Array<{ lane: E[]; at: number }> = [];
  const better = (a: { lane: E[]; at: number }, b: { lane: E[]; at: number }): boolean => {
    const x = a.lane[a.at] as E;
    const y = b.lane[b.at] as E;
    const tx = tip(x);
    const ty = tip(y);
    return tx > ty || (tx === ty && x.seq < y.seq);
  };
  const swap = (i: number, j: number) => {
    const t = heap[i] as (typeof heap)[number];
    heap[i] = heap[j] as (typeof heap)[number];
    heap[j] = t;
  };
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!better(heap[i] as (typeof heap)[number], heap[p] as (typeof heap)[number])) break;
      swap(i, p);
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < heap.length && better(heap[l] as (typeof heap)[number], heap[best] as (typeof heap)[number])) best = l;
      if (r < heap.length && better(heap[r] as (typeof heap)[number], heap[best] as (typeof heap)[number])) best = r;
      if (best === i) return;
      swap(i, best);
      i = best;
    }
  };
  for (const lane of lanes) if (lane.length > 0) {
    heap.push({ lane, at: 0 });
    up(heap.length - 1);
  }
  const out: E[] = [];
  while (heap.length > 0 && out.length < limit) {
    const top = heap[0] as (typeof heap)[number];
    out.push(top.lane[top.at] as E);
    top.at++;
    if (top.at >= top.lane.length) {
      const last = heap.pop() as (typeof heap)[number];
      if (heap.length > 0) heap[0] = last;
    }
    down(0);
  }
  return out;
}
