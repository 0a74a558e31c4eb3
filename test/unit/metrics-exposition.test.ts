import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { parseExposition, parsePromFloat } from '../../src/core/metrics/exposition';
import { seriesKey } from '../../src/core/metrics/labels';
import { histogramQuantile } from '../../src/core/metrics/quantile';
import { HASH_A, HASH_B, REPO_ROOT } from './helpers';

const FACTS = fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/metrics/facts-sample.prom'), 'utf8');

const plain = (o: object): Record<string, string> => ({ ...o }) as Record<string, string>;

describe('the facts §14.5 prom-client 15.1.3 sample', () => {
  const { families, errors, errorCount } = parseExposition(FACTS);

  test('parses without errors into the seven families, in order, with their types and HELP', () => {
    assert.deepEqual(errors, []);
    assert.equal(errorCount, 0);
    assert.deepEqual(
      [...families.values()].map((f) => [f.name, f.type, f.help, f.samples.length]),
      [
        ['incident_bot_rollbacks_total', 'counter', 'Total number of rollbacks executed', 2],
        ['incident_bot_guard_trips_total', 'counter', 'Total number of GuardTrip events processed', 0],
        ['incident_bot_alerts_total', 'counter', 'Total number of Alertmanager alerts processed', 0],
        ['incident_bot_decision_errors_total', 'counter', 'Total number of decision engine errors', 0],
        ['incident_bot_decision_latency_seconds', 'histogram', 'Decision engine latency in seconds', 10],
        ['incident_bot_kafka_consumer_lag', 'gauge', 'Kafka consumer lag in messages', 0],
        ['incident_bot_active_rollbacks', 'gauge', 'Number of active rollbacks in progress', 1],
      ],
    );
  });

  test('the two rollback series keep their long reason labels (reason + capsule hash)', () => {
    const samples = families.get('incident_bot_rollbacks_total')!.samples;
    assert.deepEqual(
      samples.map((s) => [s.name, plain(s.labels), s.value, s.timestampMs, s.line]),
      [
        ['incident_bot_rollbacks_total', { reason: `high_risk_${HASH_A}` }, 1, null, 3],
        ['incident_bot_rollbacks_total', { reason: `heartbeat_miss_${HASH_B}` }, 1, null, 4],
      ],
    );
  });

  test('the histogram groups le-first bucket labels with _sum and _count of the same label set', () => {
    const h = families.get('incident_bot_decision_latency_seconds')!;
    assert.equal(h.histograms.length, 1);
    const [series] = h.histograms;
    assert.deepEqual(plain(series!.labels), { decision_type: 'guard_trip' });
    assert.deepEqual(
      series!.buckets.map((b) => [b.le, b.count]),
      [
        [0.1, 2],
        [0.5, 3],
        [1, 3],
        [2, 3],
        [5, 3],
        [10, 3],
        [30, 3],
        [Infinity, 3],
      ],
    );
    assert.equal(series!.sum, 0.287);
    assert.equal(series!.count, 3);
    // All-time p95 of these counts: rank 0.95 × 3 = 2.85 falls in (0.1, 0.5] (cumulative 2 → 3):
    // 0.1 + (0.5 − 0.1) × (2.85 − 2) / (3 − 2) = 0.44. p50: rank 1.5 in [0, 0.1]: 0.1 × 1.5 / 2 = 0.075.
    assert.ok(Math.abs(histogramQuantile(0.95, series!.buckets) - 0.44) < 1e-12);
    assert.ok(Math.abs(histogramQuantile(0.5, series!.buckets) - 0.075) < 1e-12);
  });

  test('the unlabelled gauge is one sample with no labels', () => {
    const g = families.get('incident_bot_active_rollbacks')!;
    assert.deepEqual(
      g.samples.map((s) => [s.name, plain(s.labels), s.value]),
      [['incident_bot_active_rollbacks', {}, 0]],
    );
    assert.deepEqual(g.histograms, []);
  });

  test('CRLF line ends give the same result', () => {
    const crlf = parseExposition(FACTS.replace(/\n/g, '\r\n'));
    assert.deepEqual(crlf.errors, []);
    assert.deepEqual(
      [...crlf.families.values()].map((f) => [f.name, f.help, f.samples.map((s) => s.value)]),
      [...families.values()].map((f) => [f.name, f.help, f.samples.map((s) => s.value)]),
    );
  });
});

describe('escapes, special values and timestamps', () => {
  test('HELP unescapes \\\\ and \\n; label values unescape \\\\, \\" and \\n', () => {
    const text = [
      '# HELP x A \\\\ backslash\\nand a "quote"',
      '# TYPE x counter',
      'x{a="q\\"uote",b="back\\\\slash",c="new\\nline"} 1',
    ].join('\n');
    const { families, errors } = parseExposition(text);
    assert.deepEqual(errors, []);
    const f = families.get('x')!;
    assert.equal(f.help, 'A \\ backslash\nand a "quote"');
    assert.deepEqual(plain(f.samples[0]!.labels), { a: 'q"uote', b: 'back\\slash', c: 'new\nline' });
  });

  test('NaN, ±Inf, exponents, leading dots and timestamps in milliseconds', () => {
    const text = [
      'a NaN',
      'b +Inf',
      'c -Inf',
      'd 1.5e3',
      'e -2.5E-2',
      'f .5',
      'g 7 1754403330512',
      'h 7 -1000',
      'i\t3\t\t42   ',
      '   j{x="1",} 4',
    ].join('\n');
    const { families, errors } = parseExposition(text);
    assert.deepEqual(errors, []);
    const v = (n: string) => families.get(n)!.samples[0]!;
    assert.ok(Number.isNaN(v('a').value));
    assert.equal(v('b').value, Infinity);
    assert.equal(v('c').value, -Infinity);
    assert.equal(v('d').value, 1500);
    assert.equal(v('e').value, -0.025);
    assert.equal(v('f').value, 0.5);
    assert.equal(v('g').timestampMs, 1754403330512);
    assert.equal(v('h').timestampMs, -1000);
    assert.deepEqual([v('i').value, v('i').timestampMs], [3, 42]);
    assert.deepEqual(plain(v('j').labels), { x: '1' });
    assert.equal(families.get('a')!.type, 'untyped');
  });

  test('parsePromFloat accepts what Go ParseFloat does for samples and nothing JavaScript adds', () => {
    assert.equal(parsePromFloat('+Inf'), Infinity);
    assert.equal(parsePromFloat('inf'), Infinity);
    assert.equal(parsePromFloat('-Infinity'), -Infinity);
    assert.ok(Number.isNaN(parsePromFloat('NaN')!));
    for (const bad of ['', ' ', '0x10', '1_000', 'abc', '1.2.3', '--1', 'Infinityx', '+NaN']) {
      assert.equal(parsePromFloat(bad), null, bad);
    }
  });

  test('summary quantiles, _sum and _count belong to the summary family; comments are ignored', () => {
    const text = [
      '# a free comment',
      '#',
      '# HELP s A summary',
      '# TYPE s summary',
      's{quantile="0.5"} 1',
      's{quantile="0.9"} 2',
      's_sum 10',
      's_count 4',
    ].join('\n');
    const { families, errors } = parseExposition(text);
    assert.deepEqual(errors, []);
    assert.deepEqual([...families.keys()], ['s']);
    assert.deepEqual(
      families.get('s')!.samples.map((x) => x.name),
      ['s', 's', 's_sum', 's_count'],
    );
  });

  test('histogram label order does not matter: le first or last, one group per label set without le', () => {
    const text = [
      '# TYPE h histogram',
      'h_bucket{le="1",pod="a"} 1',
      'h_bucket{pod="b",le="1"} 5',
      'h_bucket{pod="a",le="+Inf"} 2',
      'h_bucket{le="+Inf",pod="b"} 6',
      'h_sum{pod="a"} 3',
      'h_count{pod="b"} 6',
    ].join('\n');
    const h = parseExposition(text).families.get('h')!;
    assert.deepEqual(
      h.histograms.map((g) => [plain(g.labels), g.buckets.map((b) => [b.le, b.count]), g.sum, g.count]),
      [
        [
          { pod: 'a' },
          [
            [1, 1],
            [Infinity, 2],
          ],
          3,
          null,
        ],
        [
          { pod: 'b' },
          [
            [1, 5],
            [Infinity, 6],
          ],
          null,
          6,
        ],
      ],
    );
    assert.equal(seriesKey('h_bucket', { le: '1', pod: 'a' }), seriesKey('h_bucket', { pod: 'a', le: '1' }));
  });
});

describe('malformed lines are reported and skipped, never thrown', () => {
  const lines = [
    /* 1 */ '# TYPE ok counter',
    /* 2 */ 'ok 1',
    /* 3 */ 'bad{a="b" 1',
    /* 4 */ 'bad{a=b} 1',
    /* 5 */ 'bad 1 2 3',
    /* 6 */ 'bad abc',
    /* 7 */ 'bad{a="\\q"} 1',
    /* 8 */ 'bad',
    /* 9 */ '# TYPE bad2 bogus',
    /* 10 */ '1bad 2',
    /* 11 */ 'bad{a="1",a="2"} 1',
    /* 12 */ '# TYPE hist histogram',
    /* 13 */ 'hist_bucket{x="1"} 1',
    /* 14 */ '# TYPE ok gauge',
    /* 15 */ 'ok 2',
    /* 16 */ 'bad 1 1.5',
    /* 17 */ '# HELP',
    /* 18 */ '# HELP hist bad \\t escape',
    /* 19 */ 'bad{a="unterminated} 1',
    /* 20 */ 'hist 3',
    /* 21 */ 'ok2 3',
  ];
  const { families, errors, errorCount } = parseExposition(lines.join('\n'));

  test('each bad line is an error with its line number and a reason', () => {
    assert.deepEqual(
      errors.map((e) => e.line),
      [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20],
    );
    assert.equal(errorCount, errors.length);
    const reason = (line: number) => errors.find((e) => e.line === line)?.reason ?? '';
    assert.match(reason(3), /"," or "}"/);
    assert.match(reason(4), /quoted value/);
    assert.match(reason(5), /after the timestamp/);
    assert.match(reason(6), /invalid value "abc"/);
    assert.match(reason(7), /invalid escape/);
    assert.match(reason(8), /missing value/);
    assert.match(reason(9), /unknown metric type "bogus"/);
    assert.match(reason(11), /duplicate label a/);
    assert.match(reason(13), /without an le label/);
    assert.match(reason(14), /second TYPE/);
    assert.match(reason(15), /duplicate series/);
    assert.match(reason(16), /invalid timestamp "1.5"/);
    assert.match(reason(19), /unterminated/);
    assert.match(reason(20), /must end in _bucket/);
    assert.equal(errors[0]!.text, 'bad{a="b" 1');
  });

  test('good lines around them still count', () => {
    assert.deepEqual(
      families.get('ok')!.samples.map((s) => s.value),
      [1],
    );
    assert.equal(families.get('ok')!.type, 'counter');
    assert.deepEqual(
      families.get('ok2')!.samples.map((s) => s.value),
      [3],
    );
    assert.equal(families.get('bad'), undefined);
  });

  test('only the first 100 errors are kept, all are counted', () => {
    const res = parseExposition('x{\n'.repeat(250));
    assert.equal(res.errors.length, 100);
    assert.equal(res.errorCount, 250);
  });
});

describe('the real prom-client output round-trips', () => {
  test('a registry like the bot’s, with hostile label values and HELP, parses back to the same data', async () => {
    const registry = new Registry();
    const hostile = 'high_risk_sha256:"quoted" \\ back\nnew line {} , = #';
    const rollbacks = new Counter({
      name: 'incident_bot_rollbacks_total',
      help: 'Total \\ rollbacks\nexecuted',
      labelNames: ['reason'],
      registers: [registry],
    });
    new Counter({
      name: 'incident_bot_guard_trips_total',
      help: 'g',
      labelNames: ['tenant_id'],
      registers: [registry],
    });
    const latency = new Histogram({
      name: 'incident_bot_decision_latency_seconds',
      help: 'Decision engine latency in seconds',
      labelNames: ['decision_type'],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    });
    new Gauge({ name: 'incident_bot_active_rollbacks', help: 'a', registers: [registry] });
    rollbacks.inc({ reason: hostile });
    rollbacks.inc({ reason: hostile });
    rollbacks.inc({ reason: `heartbeat_miss_${HASH_B}` });
    for (const s of [0.05, 0.3, 45]) latency.observe({ decision_type: 'guard_trip' }, s);

    const { families, errors } = parseExposition(await registry.metrics());
    assert.deepEqual(errors, []);
    const r = families.get('incident_bot_rollbacks_total')!;
    assert.equal(r.help, 'Total \\ rollbacks\nexecuted');
    assert.deepEqual(
      r.samples.map((s) => [s.labels['reason'], s.value]),
      [
        [hostile, 2],
        [`heartbeat_miss_${HASH_B}`, 1],
      ],
    );
    assert.equal(families.get('incident_bot_guard_trips_total')!.samples.length, 0);
    const [h] = families.get('incident_bot_decision_latency_seconds')!.histograms;
    assert.deepEqual(
      h!.buckets.map((b) => b.count),
      [1, 2, 2, 2, 2, 2, 2, 3],
    );
    assert.equal(h!.count, 3);
    // One observation (45 s) is above 30: the rank 2.85 falls in +Inf, so the quantile is capped at 30.
    assert.equal(histogramQuantile(0.95, h!.buckets), 30);
  });
});
