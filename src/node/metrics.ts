/**
 * The node's Prometheus metrics, rendered in the text exposition format 0.0.4 by a registry of a few dozen
 * lines: gauges, counters and fixed-bucket histograms without labels are all a node needs, so no client
 * library (prom-client brings its own default metrics, cluster support and dependencies) is worth it.
 */
import { ChainError } from '../primitives/index.ts';

/** A value that goes up and down. `set` takes a bigint too, because heights are bigints in the chain. */
export interface Gauge {
  set(value: number | bigint): void;
  get(): number;
}

/** A value that only goes up; since the node started (Prometheus' rate() handles the reset at restart). */
export interface Counter {
  /** Adds `by` (default 1); a negative `by` is a bug in the caller and throws. */
  inc(by?: number | bigint): void;
  get(): number;
}

/** Counts observations into fixed buckets, plus their sum and count. */
export interface Histogram {
  observe(value: number): void;
}

export interface Registry {
  gauge(name: string, help: string): Gauge;
  counter(name: string, help: string): Counter;
  /** `buckets`: upper bounds, strictly increasing; the +Inf bucket is added. */
  histogram(name: string, help: string, buckets: readonly number[]): Histogram;
  /** Every metric in registration order, as one text/plain; version=0.0.4 document. */
  render(): string;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Go's float formatting as Prometheus parses it: +Inf, -Inf, NaN, else JS's shortest round-trip form. */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** HELP text escapes backslash and newline (0.0.4), so a help string cannot break the line structure. */
function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function misuse(message: string, context: Record<string, unknown>): ChainError {
  // metric names and buckets are fixed in code: a bad one is a programming error, never input
  return new ChainError('METRICS_MISUSE', message, context, 'internal');
}

export function createRegistry(): Registry {
  const renderers: Array<() => string> = [];
  const names = new Set<string>();
  const register = (name: string, help: string, type: string, samples: () => string): void => {
    if (!NAME.test(name)) throw misuse(`invalid metric name "${name}"`, { name });
    if (names.has(name)) throw misuse(`metric "${name}" registered twice`, { name });
    names.add(name);
    renderers.push(() => `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n${samples()}`);
  };

  return {
    gauge(name, help) {
      let value = 0;
      register(name, help, 'gauge', () => `${name} ${formatValue(value)}\n`);
      return { set: (v) => void (value = Number(v)), get: () => value };
    },
    counter(name, help) {
      let value = 0;
      register(name, help, 'counter', () => `${name} ${formatValue(value)}\n`);
      return {
        inc(by = 1) {
          const n = Number(by);
          if (!(Number.isFinite(n) && n >= 0)) throw misuse(`counter "${name}" can only increase, got ${String(by)}`, { name, by: String(by) });
          value += n;
        },
        get: () => value,
      };
    },
    histogram(name, help, buckets) {
      if (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (buckets[i - 1] as number)))) {
        throw misuse(`histogram "${name}" needs finite, strictly increasing buckets`, { name, buckets: [...buckets] });
      }
      const counts = buckets.map(() => 0); // per bucket, not cumulative: render sums them up
      let sum = 0;
      let count = 0;
      register(name, help, 'histogram', () => {
        let cumulative = 0;
        const lines = buckets.map((le, i) => `${name}_bucket{le="${formatValue(le)}"} ${(cumulative += counts[i] as number)}\n`);
        return `${lines.join('')}${name}_bucket{le="+Inf"} ${count}\n${name}_sum ${formatValue(sum)}\n${name}_count ${count}\n`;
      });
      return {
        observe(v) {
          // one NaN would make _sum NaN for the life of the process; a non-finite interval is a clock glitch
          if (!Number.isFinite(v)) return;
          const i = buckets.findIndex((le) => v <= le);
          if (i >= 0) counts[i] = (counts[i] as number) + 1;
          sum += v;
          count += 1;
        },
      };
    },
    render: () => renderers.map((r) => r()).join(''),
  };
}

/** Upper bounds of the block interval histogram: automine blocks (~0.1 s) to stalled rounds (30 s). */
export const BLOCK_INTERVAL_BUCKETS_SECONDS: readonly number[] = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

/**
 * The node's metrics, named as CometBFT names its own (tendermint_consensus_height, ...) with the `cmt_`
 * prefix, so dashboards written for Tendermint chains need only the prefix changed.
 */
export interface NodeMetrics {
  /** cmt_consensus_height: `height.set(block.header.height)` after each commit. */
  readonly height: Gauge;
  /** cmt_consensus_rounds: `rounds.set(round)` after each commit, the round the block was decided in (0 = first round). */
  readonly rounds: Gauge;
  /** cmt_consensus_block_interval_seconds: `blockInterval.observe(seconds)` between this commit and the previous one (skip the first commit after start). */
  readonly blockInterval: Histogram;
  /** cmt_p2p_peers: `peers.set(n)` when a peer connects or disconnects. */
  readonly peers: Gauge;
  /** cmt_mempool_size: `mempoolSize.set(stats.pending + stats.queued)` after an admission or a commit. */
  readonly mempoolSize: Gauge;
  /** cmt_consensus_total_txs: `totalTxs.inc(block.transactions.length)` after each commit. */
  readonly totalTxs: Counter;
  /** The exposition document served on GET /metrics. */
  render(): string;
}

export function createMetrics(): NodeMetrics {
  const r = createRegistry();
  return {
    height: r.gauge('cmt_consensus_height', 'Height of the last committed block.'),
    rounds: r.gauge('cmt_consensus_rounds', 'Round in which the last committed block was decided (0 = first round).'),
    blockInterval: r.histogram('cmt_consensus_block_interval_seconds', 'Time between consecutive committed blocks, in seconds.', BLOCK_INTERVAL_BUCKETS_SECONDS),
    peers: r.gauge('cmt_p2p_peers', 'Number of connected peers.'),
    mempoolSize: r.gauge('cmt_mempool_size', 'Transactions in the mempool, pending and queued.'),
    totalTxs: r.counter('cmt_consensus_total_txs', 'Transactions committed since the node started.'),
    render: () => r.render(),
  };
}
