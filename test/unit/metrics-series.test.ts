import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseExposition } from '../../src/core/metrics/exposition';
import { labelsFrom, seriesKey } from '../../src/core/metrics/labels';
import { BOT_METRICS, NEVER_INCREMENTED_NOTE, NEVER_SET_GAUGE_NOTE } from '../../src/core/metrics/names';
import { readBotMetrics } from '../../src/core/metrics/incidentBot';
import { histogramQuantile } from '../../src/core/metrics/quantile';
import type { Series } from '../../src/core/metrics/series';
import { SeriesStore, extrapolatedRate, increase, instantValue, rate } from '../../src/core/metrics/series';
import { histogramQuantileVector, rateVector, sum, sumBy } from '../../src/core/metrics/vector';
import { HASH_A, HASH_B, REPO_ROOT } from './helpers';

const FACTS = fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/metrics/facts-sample.prom'), 'utf8');
const S = 1000;
const MIN = 60 * S;

/** A counter series from `[seconds, value]` pairs. */
function series(points: [number, number][], labels: Record<string, string> = {}): Series {
  return {
    key: seriesKey('c', labels),
    name: 'c',
    labels,
    points: points.map(([t, v]) => ({ t: t * S, v })),
    staleAt: [],
  };
}

function close(actual: number | null | undefined, expected: number, eps = 1e-9): void {
  assert.ok(actual != null && Math.abs(actual - expected) <= eps, `${actual} is not ${expected}`);
}

function scrape(store: SeriesStore, at: number, text: string): void {
  const { families, errors } = parseExposition(text);
  assert.deepEqual(errors, []);
  store.ingest({ at, families });
}

describe('rate() and increase() as Prometheus computes them', () => {
  test('a counter reset: 10, 20, 5, 15 every 15 s', () => {
    // Range (0 s, 60 s], points at 15/30/45/60 s. Raw increase: (15 − 10) + 20 (the drop 20 → 5 is a reset, so the
    // 20 counted before it is added back) = 25 over the 45 s sampled.
    // Average spacing 15 s, so the threshold is 16.5 s. Gap to the start 15 s < 16.5: extrapolate all 15 s.
    // Zero point: 45 × 10 / 25 = 18 s before the first point, not < 15, so no cut. Gap to the end 0.
    // increase = 25 × (45 + 15 + 0) / 45 = 33.333…; rate = 33.333… / 60 = 0.5555… (5/9).
    const s = series([
      [15, 10],
      [30, 20],
      [45, 5],
      [60, 15],
    ]);
    close(extrapolatedRate(s.points, 0, 60 * S, true, false), 100 / 3);
    close(increase(s, MIN, 60 * S), 100 / 3);
    close(rate(s, MIN, 60 * S), 5 / 9);
    // The same points as a gauge (delta): no reset handling, 5 × 4/3.
    close(extrapolatedRate(s.points, 0, 60 * S, false, false), 20 / 3);
  });

  test('extrapolation stops at the counter’s zero point', () => {
    // Points 1, 4, 7 at 40/50/60 s, range (0, 60 s]. Raw 6 over 20 s, spacing 10 s, threshold 11 s.
    // Gap to the start 40 s ≥ 11: extrapolate only half a spacing, 5 s. Zero point 20 × 1/6 = 3.33 s < 5: cut there.
    // increase = 6 × (20 + 3.333) / 20 = 7 (the counter started from 0 just before): rate = 7/60.
    const s = series([
      [40, 1],
      [50, 4],
      [60, 7],
    ]);
    close(increase(s, MIN, 60 * S), 7);
    close(rate(s, MIN, 60 * S), 7 / 60);
  });

  test('a series that ends early is extrapolated by half a spacing at the end', () => {
    // Points 0, 10, 20 at 10/20/30 s, evaluated at 60 s. Start gap 10 < 11 (then cut to the zero point, 0 s);
    // end gap 30 ≥ 11 → 5 s. increase = 20 × (20 + 0 + 5) / 20 = 25.
    const s = series([
      [10, 0],
      [20, 10],
      [30, 20],
    ]);
    close(increase(s, MIN, 60 * S), 25);
  });

  test('the range is left-open (Prometheus 3): a point exactly at t − range is outside', () => {
    // Points 0, 10, 11, 12, 13 at 0/15/30/45/60 s. (0, 60] holds 10..13: raw 3 over 45 s, start gap 15 < 16.5,
    // zero point 45 × 10/3 = 150 s (no cut): increase = 3 × 60/45 = 4. A closed range would have given 13.
    const s = series([
      [0, 0],
      [15, 10],
      [30, 11],
      [45, 12],
      [60, 13],
    ]);
    close(increase(s, MIN, 60 * S), 4);
  });

  test('fewer than two points in the range: no result (not 0)', () => {
    assert.equal(rate(series([]), MIN, 60 * S), null);
    assert.equal(rate(series([[60, 5]]), MIN, 60 * S), null);
    assert.equal(
      increase(
        series([
          [-10, 1],
          [60, 5],
        ]),
        MIN,
        60 * S,
      ),
      null,
    );
    assert.deepEqual(rateVector([series([[60, 5]])], MIN, 60 * S), []);
  });
});

describe('histogram_quantile', () => {
  const b = (pairs: [number, number][]) => pairs.map(([le, count]) => ({ le, count }));
  const BOT = [0.1, 0.5, 1, 2, 5, 10, 30, Infinity];
  const bot = (counts: number[]) => b(BOT.map((le, i) => [le, counts[i]!]));

  test('interpolates linearly inside the bucket holding the rank', () => {
    // 20 observations: 10 ≤ 0.1, 16 ≤ 1, 20 ≤ 2. q = 0.9: rank 18 falls in (1, 2] (16 → 20):
    // 1 + (2 − 1) × (18 − 16) / 4 = 1.5.
    close(histogramQuantile(0.9, bot([10, 12, 16, 20, 20, 20, 20, 20])), 1.5);
  });

  test('a rank in the first bucket interpolates from 0', () => {
    // rank 0.25 × 20 = 5 in [0, 0.1] (count 10): 0.1 × 5/10 = 0.05.
    close(histogramQuantile(0.25, bot([10, 12, 16, 20, 20, 20, 20, 20])), 0.05);
  });

  test('a first bucket with a bound ≤ 0 returns that bound', () => {
    assert.equal(
      histogramQuantile(
        0.25,
        b([
          [-1, 2],
          [0, 4],
          [Infinity, 4],
        ]),
      ),
      -1,
    );
  });

  test('a rank in the +Inf bucket returns the largest finite bound, 30: never more', () => {
    // 1 observation ≤ 30, 9 above. p95 rank 9.5 > 1: in +Inf → 30. p5 rank 0.5 is in (10, 30]: 10 + 20 × 0.5 = 20.
    assert.equal(histogramQuantile(0.95, bot([0, 0, 0, 0, 0, 0, 1, 10])), 30);
    close(histogramQuantile(0.05, bot([0, 0, 0, 0, 0, 0, 1, 10])), 20);
    assert.equal(histogramQuantile(1, bot([0, 0, 0, 0, 0, 0, 0, 1e9])), 30);
  });

  test('special cases: no +Inf, no observations, q out of range, unsorted and duplicate bounds', () => {
    assert.ok(Number.isNaN(histogramQuantile(0.5, bot([1, 2, 3, 4, 5, 6, 7, 7]).slice(0, 7))));
    assert.ok(Number.isNaN(histogramQuantile(0.5, bot([0, 0, 0, 0, 0, 0, 0, 0]))));
    assert.ok(Number.isNaN(histogramQuantile(0.5, [])));
    assert.ok(Number.isNaN(histogramQuantile(0.5, b([[Infinity, 3]]))));
    assert.ok(Number.isNaN(histogramQuantile(NaN, bot([1, 1, 1, 1, 1, 1, 1, 1]))));
    assert.equal(histogramQuantile(-0.1, bot([1, 1, 1, 1, 1, 1, 1, 1])), -Infinity);
    assert.equal(histogramQuantile(1.1, bot([1, 1, 1, 1, 1, 1, 1, 1])), Infinity);
    const shuffled = b([
      [Infinity, 20],
      [1, 16],
      [0.1, 10],
      [2, 20],
    ]);
    close(histogramQuantile(0.9, shuffled), 1.5);
    // le="1" and le="1.0" are two series with one bound: their counts add up (Prometheus coalesces them).
    close(
      histogramQuantile(
        0.5,
        b([
          [1, 1],
          [1, 1],
          [Infinity, 4],
        ]),
      ),
      1,
    );
  });

  test('non-monotonic cumulative counts are lifted to the previous count', () => {
    // le 1: 5, le 2: 3 (impossible), le 4: 8, +Inf: 10 → treated as 5, 5, 8, 10.
    // q 0.5: rank 5 is reached in le 1: 1 × 5/5 = 1. q 0.6: rank 6 in (2, 4]: 2 + 2 × (6 − 5)/3 = 2.667.
    const buckets = b([
      [1, 5],
      [2, 3],
      [4, 8],
      [Infinity, 10],
    ]);
    close(histogramQuantile(0.5, buckets), 1);
    close(histogramQuantile(0.6, buckets), 2 + 2 / 3);
    assert.deepEqual(
      buckets.map((x) => x.count),
      [5, 3, 8, 10],
      'the input is not modified',
    );
  });
});

/** Exposition text of the bot's latency histogram (prom-client order: le first) with cumulative counts. */
function latencyText(counts: number[], extraLabels = ''): string {
  const les = ['0.1', '0.5', '1', '2', '5', '10', '30', '+Inf'];
  return les
    .map(
      (le, i) =>
        `incident_bot_decision_latency_seconds_bucket{le="${le}",decision_type="guard_trip"${extraLabels}} ${counts[i]}`,
    )
    .join('\n');
}

describe('p95 decision latency = histogram_quantile(0.95, rate(..._bucket[5m]))', () => {
  // Every 15 s the buckets grow by 2, 2, 3, 3, 3, 3, 4, 4 (2 fast decisions, 1 of ~0.7 s, 1 of ~20 s).
  const perScrape = [2, 2, 3, 3, 3, 3, 4, 4];
  const store = new SeriesStore();
  for (let k = 0; k <= 20; k++) {
    scrape(
      store,
      k * 15 * S,
      `# TYPE incident_bot_decision_latency_seconds histogram\n${latencyText(perScrape.map((d) => d * k))}`,
    );
  }
  const t = 300 * S;

  test('rate of each bucket: linear counters give exactly Δ/15 s', () => {
    // Range (0, 300 s]: 20 points 15..300 s, raw 19Δ over 285 s, start gap 15 < 16.5, zero point 285 × Δ/19Δ = 15 s
    // (not < 15): increase = 19Δ × 300/285 = 20Δ, rate = 20Δ / 300 = Δ/15.
    const rates = rateVector(store.select(`${BOT_METRICS.decisionLatency}_bucket`), 5 * MIN, t);
    assert.equal(rates.length, 8);
    for (const [i, r] of rates.entries()) close(r.value, perScrape[i]! / 15);
  });

  test('p95 = 26 s: rank 0.95 × 4/15 lies in (10, 30]', () => {
    // Rates (÷15): 2, 2, 3, 3, 3, 3, 4, 4. rank = 3.8; le=10 has 3 < 3.8, le=30 has 4:
    // 10 + 20 × (3.8 − 3) / (4 − 3) = 26.
    const rates = rateVector(store.select(`${BOT_METRICS.decisionLatency}_bucket`), 5 * MIN, t);
    const [p95] = histogramQuantileVector(0.95, rates);
    assert.deepEqual({ ...p95!.labels }, { decision_type: 'guard_trip' });
    close(p95!.value, 26);
    close(readBotMetrics(store, t).decisionLatencyP95.value, 26);
  });

  test('with one more slow decision (> 30 s) per interval the p95 is 30, and stays 30 however slow', () => {
    const slow = new SeriesStore();
    const withSlow = [2, 2, 3, 3, 3, 3, 4, 5];
    for (let k = 0; k <= 20; k++) scrape(slow, k * 15 * S, latencyText(withSlow.map((d) => d * k)));
    const rates = rateVector(slow.select(`${BOT_METRICS.decisionLatency}_bucket`), 5 * MIN, t);
    // rank 0.95 × 5 = 4.75 > 4 (le=30): in +Inf → 30.
    assert.equal(histogramQuantileVector(0.95, rates)[0]!.value, 30);
    const reading = readBotMetrics(slow, t).decisionLatencyP95;
    assert.equal(reading.value, 30);
    assert.match(reading.note ?? '', /largest finite bucket/);
  });

  test('sum by (le) merges two pods into one quantile; per series gives one per pod', () => {
    const pods = new SeriesStore();
    for (let k = 0; k <= 20; k++) {
      // Pod a: all decisions ≤ 0.1 s. Pod b: all in (10, 30].
      const a = latencyText(
        [1, 1, 1, 1, 1, 1, 1, 1].map((d) => d * k),
        ',pod="a"',
      );
      const b = latencyText(
        [0, 0, 0, 0, 0, 0, 1, 1].map((d) => d * k),
        ',pod="b"',
      );
      scrape(pods, k * 15 * S, `${a}\n${b}`);
    }
    const rates = rateVector(pods.select(`${BOT_METRICS.decisionLatency}_bucket`), 5 * MIN, t);
    const perPod = histogramQuantileVector(0.95, rates).map((s) => [s.labels['pod'], s.value]);
    // a: rank 0.95/15 in [0, 0.1]: 0.1 × 0.95 = 0.095. b: rank in (10, 30]: 10 + 20 × 0.95 = 29.
    assert.equal(perPod.length, 2);
    close(perPod.find(([p]) => p === 'a')![1] as number, 0.095);
    close(perPod.find(([p]) => p === 'b')![1] as number, 29);
    // Summed: 2/15 total, rank 1.9/15; le=10 has 1/15, le=30 2/15: 10 + 20 × 0.9 = 28.
    const merged = histogramQuantileVector(0.95, sumBy(rates, ['le']));
    assert.equal(merged.length, 1);
    close(merged[0]!.value, 28);
  });

  test('no decisions in the range: NaN, reported as no decisions', () => {
    const idle = new SeriesStore();
    for (let k = 0; k <= 4; k++) scrape(idle, k * 15 * S, latencyText([3, 3, 3, 3, 3, 3, 3, 3]));
    const rates = rateVector(idle.select(`${BOT_METRICS.decisionLatency}_bucket`), 5 * MIN, 60 * S);
    assert.ok(Number.isNaN(histogramQuantileVector(0.95, rates)[0]!.value));
    assert.deepEqual(readBotMetrics(idle, 60 * S).decisionLatencyP95, {
      value: null,
      note: 'no decisions in the range',
    });
  });
});

describe('sum and sum by', () => {
  const v = [
    {
      labels: labelsFrom([
        ['tenant_id', 'a'],
        ['pod', '1'],
      ]),
      value: 1,
    },
    {
      labels: labelsFrom([
        ['tenant_id', 'a'],
        ['pod', '2'],
      ]),
      value: 2,
    },
    {
      labels: labelsFrom([
        ['tenant_id', 'b'],
        ['pod', '1'],
      ]),
      value: 4,
    },
  ];
  test('sum by keeps only the grouping labels', () => {
    assert.deepEqual(
      sumBy(v, ['tenant_id']).map((s) => [{ ...s.labels }, s.value]),
      [
        [{ tenant_id: 'a' }, 3],
        [{ tenant_id: 'b' }, 4],
      ],
    );
    assert.deepEqual(
      sumBy(v, []).map((s) => [{ ...s.labels }, s.value]),
      [[{}, 7]],
    );
  });
  test('the sum of nothing is no data, not 0', () => {
    assert.equal(sum(v), 7);
    assert.equal(sum([]), null);
    assert.deepEqual(sumBy([], []), []);
  });
});

describe('the series store', () => {
  test('the facts sample gives one series per sample; untouched metrics are known but empty', () => {
    const store = new SeriesStore();
    scrape(store, 0, FACTS);
    assert.equal(store.size, 2 + 10 + 1);
    assert.equal(store.select(BOT_METRICS.rollbacks).length, 2);
    assert.equal(store.select(BOT_METRICS.rollbacks, { reason: `high_risk_${HASH_A}` }).length, 1);
    assert.deepEqual(store.family(BOT_METRICS.guardTrips), {
      type: 'counter',
      help: 'Total number of GuardTrip events processed',
      samples: 0,
    });
    assert.equal(store.family('nope'), undefined);
  });

  test('bot readings: no-data notes for the metrics the bot never updates', () => {
    const store = new SeriesStore();
    scrape(store, 0, FACTS);
    scrape(store, 15 * S, FACTS);
    const r = readBotMetrics(store, 15 * S);
    assert.deepEqual(r.guardTripsByTenant, { value: null, note: NEVER_INCREMENTED_NOTE });
    assert.equal(NEVER_INCREMENTED_NOTE, 'no data (the bot never increments this metric)');
    assert.deepEqual(r.activeRollbacks, { value: 0, note: NEVER_SET_GAUGE_NOTE });
    assert.deepEqual(
      r.rollbackRates.map((x) => [x.kind, x.capsuleHash, x.rate]),
      [
        ['heartbeat_miss', HASH_B, 0],
        ['high_risk', HASH_A, 0],
      ],
    );
    assert.equal(r.rollbackRateSum, 0);
  });

  test('a capsule rolled back once is invisible to rate(): its series appears at 1 and stays 1', () => {
    const store = new SeriesStore();
    const line = (reason: string, v: number) => `incident_bot_rollbacks_total{reason="${reason}"} ${v}`;
    scrape(store, 0, line(`high_risk_${HASH_A}`, 1));
    scrape(store, 15 * S, `${line(`high_risk_${HASH_A}`, 1)}\n${line(`high_risk_${HASH_B}`, 1)}`);
    scrape(store, 30 * S, `${line(`high_risk_${HASH_A}`, 1)}\n${line(`high_risk_${HASH_B}`, 1)}`);
    assert.equal(readBotMetrics(store, 30 * S).rollbackRateSum, 0);
  });

  test('guard trips, should a bot ever count them, are summed per tenant', () => {
    const store = new SeriesStore();
    for (let k = 0; k <= 20; k++) {
      scrape(
        store,
        k * 15 * S,
        [
          `incident_bot_guard_trips_total{tenant_id="t1",pod="a"} ${k}`,
          `incident_bot_guard_trips_total{tenant_id="t1",pod="b"} ${k}`,
          `incident_bot_guard_trips_total{tenant_id="t2",pod="a"} ${2 * k}`,
        ].join('\n'),
      );
    }
    // Each linear counter of slope Δ per 15 s has rate Δ/15 (see the histogram above).
    const r = readBotMetrics(store, 300 * S).guardTripsByTenant;
    assert.equal(r.note, null);
    assert.deepEqual(
      r.value!.map((x) => x.tenantId),
      ['t1', 't2'],
    );
    close(r.value![0]!.rate, 2 / 15);
    close(r.value![1]!.rate, 2 / 15);
  });

  test('a series missing from a scrape goes stale: no instant value, but its range still counts', () => {
    const store = new SeriesStore();
    scrape(store, 0, 'g 5\nc_total 1');
    scrape(store, 15 * S, 'g 6\nc_total 2');
    scrape(store, 30 * S, 'c_total 3');
    const [g] = store.select('g');
    assert.equal(instantValue(g!, 15 * S), 6);
    assert.equal(instantValue(g!, 30 * S), null);
    assert.notEqual(rate(g!, MIN, 30 * S), null);
    scrape(store, 45 * S, 'g 7\nc_total 4');
    assert.equal(instantValue(store.select('g')[0]!, 45 * S), 7);
    store.markScrapeFailed(60 * S);
    assert.equal(instantValue(store.select('c_total')[0]!, 60 * S), null);
  });

  test('instant values older than the 5 min lookback are gone', () => {
    const store = new SeriesStore();
    scrape(store, 0, 'g 5');
    const [g] = store.select('g');
    assert.equal(instantValue(g!, 299 * S), 5);
    assert.equal(instantValue(g!, 300 * S), null);
  });

  test('older or repeated scrapes are rejected; the window and the point cap bound each series', () => {
    const store = new SeriesStore({ windowMs: 60 * S, maxPointsPerSeries: 3 });
    scrape(store, 100 * S, 'c 1');
    assert.equal(store.ingest({ at: 100 * S, families: new Map() }).rejected, true);
    assert.equal(store.ingest({ at: 50 * S, families: new Map() }).rejected, true);
    for (let k = 1; k <= 5; k++) scrape(store, (100 + 10 * k) * S, `c ${k + 1}`);
    assert.deepEqual(
      store.select('c')[0]!.points.map((p) => p.v),
      [4, 5, 6],
    );
    scrape(store, 211 * S, 'other 1');
    assert.equal(store.select('c').length, 0, 'all points left the 60 s window');
  });

  test('explicit timestamps are used; out-of-order samples are dropped', () => {
    const store = new SeriesStore();
    scrape(store, 100 * S, 'c 1 90000');
    const report = store.ingest({ at: 110 * S, families: parseExposition('c 2 80000').families });
    assert.equal(report.dropped, 1);
    assert.deepEqual(store.select('c')[0]!.points, [{ t: 90 * S, v: 1 }]);
  });

  test('cardinality cap: per-capsule series cannot push out the histogram; a changed capsule displaces a flat one', () => {
    const store = new SeriesStore({ maxSeries: 6 });
    const rollbacks = (values: number[]) =>
      values.map((v, i) => `incident_bot_rollbacks_total{reason="high_risk_c${i}"} ${v}`).join('\n');
    const others = 'h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nincident_bot_active_rollbacks 0';
    // Scrape 1: c0..c5 fill the store, c6..c9 are left out; then each of the 3 smaller series takes the slot of
    // the least recently changed rollback series (c0, c1, c2).
    const first = store.ingest({
      at: 0,
      families: parseExposition(`${rollbacks(Array(10).fill(1))}\n${others}`).families,
    });
    assert.deepEqual(first, { added: 9, evicted: 3, dropped: 4, rejected: false });
    const reasons = () => store.select(BOT_METRICS.rollbacks).map((s) => s.labels['reason']);
    assert.deepEqual(reasons(), ['high_risk_c3', 'high_risk_c4', 'high_risk_c5']);
    assert.equal(store.select('h_bucket').length, 2);
    // Scrape 2: nothing changed → nothing moves. Scrape 3: c8 is rolled back again → it displaces c3.
    const second = store.ingest({
      at: 15 * S,
      families: parseExposition(`${rollbacks(Array(10).fill(1))}\n${others}`).families,
    });
    assert.deepEqual(second, { added: 0, evicted: 0, dropped: 7, rejected: false });
    const values = Array(10).fill(1);
    values[8] = 2;
    const third = store.ingest({ at: 30 * S, families: parseExposition(`${rollbacks(values)}\n${others}`).families });
    assert.deepEqual(third, { added: 1, evicted: 1, dropped: 6, rejected: false });
    assert.deepEqual(reasons(), ['high_risk_c4', 'high_risk_c5', 'high_risk_c8']);
    assert.equal(store.size, 6);
    assert.equal(store.droppedSeries, 4 + 7 + 6);
  });
});
