/** Callers waiting for a transaction to be mined (automine: eth_sendTransaction returns after the block). */
import type { Receipt } from '../types/index.ts';

export class InclusionWaiters {
  private readonly waiting = new Map<string, Array<{ resolve: (r: Receipt) => void; reject: (e: unknown) => void }>>();

  wait(hash: string): Promise<Receipt> {
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(hash) ?? [];
      list.push({ resolve, reject });
      this.waiting.set(hash, list);
    });
  }

  has(hash: string): boolean {
    return this.waiting.has(hash);
  }

  resolve(hash: string, receipt: Receipt): void {
    for (const w of this.waiting.get(hash) ?? []) w.resolve(receipt);
    this.waiting.delete(hash);
  }

  reject(hash: string, err: unknown): void {
    for (const w of this.waiting.get(hash) ?? []) w.reject(err);
    this.waiting.delete(hash);
  }

  rejectAll(err: unknown): void {
    for (const hash of [...this.waiting.keys()]) this.reject(hash, err);
  }
}
