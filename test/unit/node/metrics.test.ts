/**
 * The Prometheus registry and the node's metrics: the exposition document byte for byte (HELP and TYPE
 * lines, cumulative histogram buckets ending in +Inf, _sum and _count), counters that only go up, and
 * registration mistakes caught at startup.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK_INTERVAL_BUCKETS_SECONDS, createMetrics, createRegistry } from '../../../src/node/index.ts';
import { isChainError } from '../../../src/primitives/index.ts';

const misuse = (err: unknown): boolean => isChainError(err) && err.code === 'METRICS_MISUSE' && err.action === 'internal';

describe('registry exposition format 0.0.4', () => {
  it('renders a gauge, a counter and a histogram in registration order', () => {
    const r = createRegistry();
    const g = r.gauge('g_height', 'A gauge.');
    const c = r.counter('c_total', 'A counter.');
    const h = r.histogram('h_seconds', 'A histogram.', [0.5, 1, 2.5]);
    g.set(7n);
    g.set(5);
    c.inc();
    c.inc(2n);
    c.inc(0);
    for (const v of [0.25, 0.5, 0.75, 3, 100]) h.observe(v);
    assert.equal(
      r.render(),
      [
        '# HELP g_height A gauge.',
        '# TYPE g_height gauge',
        'g_height 5',
        '# HELP c_total A counter.',
        '# TYPE c_total counter',
        'c_total 3',
        '# HELP h_seconds A histogram.',
        '# TYPE h_seconds histogram',
        'h_seconds_bucket{le="0.5"} 2', // 0.25 and 0.5: le is inclusive
        'h_seconds_bucket{le="1"} 3',
        'h_seconds_bucket{le="2.5"} 3',
        'h_seconds_bucket{le="+Inf"} 5',
        'h_seconds_sum 104.5',
        'h_seconds_count 5',
        '',
      ].join('\n'),
    );
  });

  it('an empty histogram renders every bucket at 0', () => {
    const r = createRegistry();
    r.histogram('h', 'x', [1]);
    assert.equal(r.render(), '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 0\nh_bucket{le="+Inf"} 0\nh_sum 0\nh_count 0\n');
  });

  it('escapes backslash and newline in HELP text', () => {
    const r = createRegistry();
    r.gauge('g', 'line one\nback\\slash');
    assert.equal(r.render(), '# HELP g line one\\nback\\\\slash\n# TYPE g gauge\ng 0\n');
  });

  it('drops non-finite observations, so one glitch cannot poison _sum', () => {
    const r = createRegistry();
    const h = r.histogram('h', 'x', [1]);
    h.observe(Number.NaN);
    h.observe(Infinity);
    h.observe(2);
    assert.match(r.render(), /^h_bucket\{le="\+Inf"\} 1\nh_sum 2\nh_count 1\n$/m);
  });
});

describe('counters only increase', () => {
  const steps: Array<[string, number | bigint]> = [
    ['a negative number', -1],
    ['a negative bigint', -1n],
    ['NaN', Number.NaN],
    ['Infinity', Infinity],
  ];
  for (const [what, by] of steps) {
    it(`inc(${what}) throws and leaves the value unchanged`, () => {
      const c = createRegistry().counter('c', 'x');
      c.inc(4);
      assert.throws(() => c.inc(by), misuse);
      assert.equal(c.get(), 4);
    });
  }
});

describe('registration mistakes', () => {
  it('rejects invalid and duplicate names', () => {
    const r = createRegistry();
    assert.throws(() => r.gauge('1bad', 'x'), misuse);
    assert.throws(() => r.gauge('has-dash', 'x'), misuse);
    r.gauge('ok', 'x');
    assert.throws(() => r.counter('ok', 'x'), misuse);
  });

  it('rejects empty, unsorted or non-finite buckets', () => {
    for (const buckets of [[], [1, 1], [2, 1], [1, Infinity]]) {
      assert.throws(() => createRegistry().histogram('h', 'x', buckets), misuse, JSON.stringify(buckets));
    }
  });
});

describe('createMetrics', () => {
  it('exposes exactly the node metrics, all at zero', () => {
    const text = createMetrics().render();
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(types, [
      'cmt_consensus_height gauge',
      'cmt_consensus_rounds gauge',
      'cmt_consensus_block_interval_seconds histogram',
      'cmt_p2p_peers gauge',
      'cmt_mempool_size gauge',
      'cmt_consensus_total_txs counter',
    ]);
    for (const name of ['cmt_consensus_height', 'cmt_consensus_rounds', 'cmt_p2p_peers', 'cmt_mempool_size', 'cmt_consensus_total_txs']) {
      assert.match(text, new RegExp(`^# HELP ${name} \\S.*\\n# TYPE ${name} \\w+\\n${name} 0$`, 'm'));
    }
    const les = [...text.matchAll(/^cmt_consensus_block_interval_seconds_bucket\{le="([^"]+)"\} 0$/gm)].map((m) => m[1]);
    assert.deepEqual(les, [...BLOCK_INTERVAL_BUCKETS_SECONDS.map(String), '+Inf']);
    assert.equal(BLOCK_INTERVAL_BUCKETS_SECONDS[0], 0.1);
    assert.equal(BLOCK_INTERVAL_BUCKETS_SECONDS.at(-1), 30);
  });

  it('each handle moves its own metric', () => {
    const m = createMetrics();
    m.height.set(42n);
    m.rounds.set(2);
    m.blockInterval.observe(1.2);
    m.peers.set(3);
    m.mempoolSize.set(17);
    m.totalTxs.inc(5);
    m.totalTxs.inc(1);
    const text = m.render();
    for (const line of [
      'cmt_consensus_height 42',
      'cmt_consensus_rounds 2',
      'cmt_consensus_block_interval_seconds_bucket{le="1"} 0',
      'cmt_consensus_block_interval_seconds_bucket{le="2"} 1',
      'cmt_consensus_block_interval_seconds_sum 1.2',
      'cmt_consensus_block_interval_seconds_count 1',
      'cmt_p2p_peers 3',
      'cmt_mempool_size 17',
      'cmt_consensus_total_txs 6',
    ]) {
      assert.ok(text.split('\n').includes(line), `missing "${line}" in:\n${text}`);
    }
  });
});
