/**
 * A slow, obvious mempool used as the oracle in the property test: it keeps a flat list and recomputes
 * every sender's pending/queued split from scratch, so it shares no bookkeeping with the real pool.
 * Errors are returned as codes (the unit tables pin the messages).
 */
import type { AccountState, MempoolOptions, PoolTx } from '../../../src/mempool/index.ts';

interface Rec {
  tx: PoolTx<string>;
  seq: number;
}

export type RefAdd = { status: string; replaced?: string; evicted?: string; executable?: boolean } | { error: string };

const cost = (t: PoolTx<string>): bigint => t.value + t.gasLimit * t.maxFeePerGas;
const tipAt = (t: PoolTx<string>, baseFee: bigint): bigint =>
  t.maxFeePerGas - baseFee < t.maxPriorityFeePerGas ? t.maxFeePerGas - baseFee : t.maxPriorityFeePerGas;
const atLeastBumped = (got: bigint, old: bigint, pct: number): boolean => got > old && got * 100n >= old * BigInt(100 + pct);

export class ReferencePool {
  recs: Rec[] = [];
  /** The account state the pool was last told about, per sender. */
  accounts = new Map<string, AccountState>();
  private seq = 0;
  constructor(private readonly opts: MempoolOptions) {}

  of(sender: string): Rec[] {
    return this.recs.filter((r) => r.tx.sender === sender).sort((a, b) => (a.tx.nonce < b.tx.nonce ? -1 : 1));
  }

  /** Pending: the longest run from the account nonce that the balance pays in order. */
  split(sender: string): { pending: Rec[]; queued: Rec[] } {
    const acct = this.accounts.get(sender) ?? { nonce: 0n, balance: 0n };
    const mine = this.of(sender);
    const pending: Rec[] = [];
    let spent = 0n;
    for (;;) {
      const r = mine.find((x) => x.tx.nonce === acct.nonce + BigInt(pending.length));
      if (r === undefined || spent + cost(r.tx) > acct.balance) break;
      pending.push(r);
      spent += cost(r.tx);
    }
    return { pending, queued: mine.filter((r) => !pending.includes(r)) };
  }

  senders(): string[] {
    return [...new Set(this.recs.map((r) => r.tx.sender))].sort();
  }

  refresh(sender: string, account: AccountState): { stale: string[]; unpayable: string[] } {
    const wasPending = new Set(this.split(sender).pending.map((r) => r.tx.hash));
    const stale = this.of(sender).filter((r) => r.tx.nonce < account.nonce);
    this.recs = this.recs.filter((r) => !stale.includes(r));
    this.accounts.set(sender, account);
    const { pending } = this.split(sender);
    const breaker = this.of(sender).find((r) => r.tx.nonce === account.nonce + BigInt(pending.length));
    const unpayable: string[] = [];
    if (breaker !== undefined && wasPending.has(breaker.tx.hash) && cost(breaker.tx) > account.balance) {
      this.recs = this.recs.filter((r) => r !== breaker);
      unpayable.push(breaker.tx.hash);
    }
    return { stale: stale.map((r) => r.tx.hash), unpayable };
  }

  add(tx: PoolTx<string>, account: AccountState, baseFee: bigint): RefAdd {
    const o = this.opts;
    if (this.recs.some((r) => r.tx.hash === tx.hash)) return { error: 'ALREADY_KNOWN' };
    if (tx.size > o.maxTxSizeBytes) return { error: 'OVERSIZED' };
    if (tx.maxFeePerGas < o.minGasPrice || tx.maxFeePerGas < baseFee) return { error: 'UNDERPRICED' };
    if (tx.nonce < account.nonce) return { error: 'NONCE_TOO_LOW' };
    this.refresh(tx.sender, account);
    const old = this.recs.find((r) => r.tx.sender === tx.sender && r.tx.nonce === tx.nonce);
    if (old !== undefined && !(atLeastBumped(tx.maxFeePerGas, old.tx.maxFeePerGas, o.priceBumpPercent) && atLeastBumped(tx.maxPriorityFeePerGas, old.tx.maxPriorityFeePerGas, o.priceBumpPercent))) {
      return { error: 'REPLACEMENT_UNDERPRICED' };
    }
    if (cost(tx) > account.balance) return { error: 'INSUFFICIENT_FUNDS' };
    const { pending, queued } = this.split(tx.sender);
    const next = account.nonce + BigInt(pending.length);
    const others = pending.filter((r) => r !== old).reduce((s, r) => s + cost(r.tx), 0n);
    if (tx.nonce <= next && others + cost(tx) > account.balance) return { error: 'INSUFFICIENT_FUNDS' };
    let evicted: string | undefined;
    if (old === undefined) {
      if (pending.length + queued.length >= o.maxPerAccount) return { error: 'ACCOUNT_LIMIT' };
      if (tx.nonce > next && queued.length >= o.maxQueuedPerAccount) return { error: 'ACCOUNT_LIMIT' };
      if (this.recs.length >= o.maxTotal) {
        const victim = this.victim(tx, tx.nonce > next, baseFee);
        if (victim === undefined) return { error: 'POOL_FULL' };
        this.recs = this.recs.filter((r) => r !== victim);
        evicted = victim.tx.hash;
      }
    }
    this.recs = this.recs.filter((r) => r !== old);
    this.recs.push({ tx, seq: this.seq++ });
    const executable = this.split(tx.sender).pending.some((r) => r.tx.hash === tx.hash);
    if (old !== undefined) return { status: 'replaced', replaced: old.tx.hash, executable };
    const status = executable ? 'pending' : 'queued';
    return evicted === undefined ? { status } : { status, evicted };
  }

  /** Highest nonce of each other sender; queued ones first; cheapest, then latest; must pay strictly less. */
  private victim(tx: PoolTx<string>, newcomerQueued: boolean, baseFee: bigint): Rec | undefined {
    const tails = this.senders()
      .filter((s) => s !== tx.sender)
      .map((s) => {
        const mine = this.of(s);
        const tail = mine[mine.length - 1] as Rec;
        return { tail, queued: this.split(s).queued.includes(tail) };
      });
    const cheapest = (queued: boolean): Rec | undefined =>
      tails
        .filter((t) => t.queued === queued)
        .map((t) => t.tail)
        .sort((a, b) => (tipAt(a.tx, baseFee) === tipAt(b.tx, baseFee) ? b.seq - a.seq : tipAt(a.tx, baseFee) < tipAt(b.tx, baseFee) ? -1 : 1))[0];
    const pays = (r: Rec | undefined): r is Rec => r !== undefined && tipAt(r.tx, baseFee) < tipAt(tx, baseFee);
    const q = cheapest(true);
    if (pays(q)) return q;
    const p = newcomerQueued ? undefined : cheapest(false);
    return pays(p) ? p : undefined;
  }

  update(getAccount: (s: string) => AccountState): { stale: string[]; unpayable: string[] } {
    const out = { stale: [] as string[], unpayable: [] as string[] };
    for (const s of this.senders()) {
      const r = this.refresh(s, getAccount(s));
      out.stale.push(...r.stale);
      out.unpayable.push(...r.unpayable);
    }
    return out;
  }

  remove(hash: string): boolean {
    const before = this.recs.length;
    this.recs = this.recs.filter((r) => r.tx.hash !== hash);
    return this.recs.length < before;
  }

  /** Selection by scanning all heads each time: highest effective tip, then earliest arrival. */
  pending(baseFee: bigint, limit: number): string[] {
    const lanes = this.senders().map((s) => {
      const run = this.split(s).pending;
      const cut = run.findIndex((r) => r.tx.maxFeePerGas < baseFee);
      return cut === -1 ? run : run.slice(0, cut);
    });
    const out: string[] = [];
    while (out.length < limit) {
      let best: Rec[] | undefined;
      for (const lane of lanes) {
        const h = lane[0];
        const b = best?.[0];
        if (h === undefined) continue;
        if (b === undefined || tipAt(h.tx, baseFee) > tipAt(b.tx, baseFee) || (tipAt(h.tx, baseFee) === tipAt(b.tx, baseFee) && h.seq < b.seq)) best = lane;
      }
      const picked = best?.shift();
      if (picked === undefined) break;
      out.push(picked.tx.hash);
    }
    return out;
  }
}
