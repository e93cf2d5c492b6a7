/**
 * Block order across senders (geth's TransactionsByPriceAndNonce): a heap holds each sender's next
 * executable transaction; the best head is taken and replaced by that sender's following nonce. So tips
 * decide between senders while every sender's nonces stay in order, and a block of `limit` transactions
 * costs O(senders + limit * log senders). Equal tips go to the earlier arrival, which makes the order a
 * function of the pool's history alone, not of Map iteration or the clock.
 */

/** A sender's executable transactions, consumed front to back. */
export interface Cursor<E> {
  head(): E | undefined;
  advance(): void;
}

/** Takes up to `limit` items, always the best head by `before`; empty cursors are skipped. */
export function mergeCursors<E>(cursors: Cursor<E>[], before: (a: E, b: E) => boolean, limit: number): E[] {
  const heap: Array<{ cursor: Cursor<E>; head: E }> = [];
  const better = (i: number, j: number): boolean => before(at(heap, i).head, at(heap, j).head);
  for (const cursor of cursors) {
    const head = cursor.head();
    if (head === undefined) continue;
    heap.push({ cursor, head });
    siftUp(heap, heap.length - 1, better);
  }
  const out: E[] = [];
  while (heap.length > 0 && out.length < limit) {
    const top = at(heap, 0);
    out.push(top.head);
    top.cursor.advance();
    const next = top.cursor.head();
    if (next !== undefined) top.head = next;
    else {
      const last = heap.pop() as (typeof heap)[number];
      if (heap.length === 0) break;
      heap[0] = last;
    }
    siftDown(heap, 0, better);
  }
  return out;
}

function at<N>(heap: N[], i: number): N {
  return heap[i] as N;
}

function swap<N>(heap: N[], i: number, j: number): void {
  const t = at(heap, i);
  heap[i] = at(heap, j);
  heap[j] = t;
}

function siftUp<N>(heap: N[], i: number, better: (i: number, j: number) => boolean): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!better(i, parent)) return;
    swap(heap, i, parent);
    i = parent;
  }
}

function siftDown<N>(heap: N[], i: number, better: (i: number, j: number) => boolean): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let best = i;
    if (l < heap.length && better(l, best)) best = l;
    if (r < heap.length && better(r, best)) best = r;
    if (best === i) return;
    swap(heap, i, best);
    i = best;
  }
}
