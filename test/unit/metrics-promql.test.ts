import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BOT_QUERIES,
  formatDuration,
  parseDuration,
  parsePromApiResponse,
  parsePromApiText,
  queryRangeUrl,
  queryUrl,
  selector,
  toInstantVector,
} from '../../src/core/metrics/promql';
import { HASH_A } from './helpers';

describe('PromQL text', () => {
  test('the panel’s queries', () => {
    assert.deepEqual(BOT_QUERIES, {
      rollbackRate: 'rate(incident_bot_rollbacks_total[5m])',
      rollbackRateSum: 'sum(rate(incident_bot_rollbacks_total[5m]))',
      decisionLatencyP95:
        'histogram_quantile(0.95, sum by (le) (rate(incident_bot_decision_latency_seconds_bucket[5m])))',
      guardTripsByTenant: 'sum by (tenant_id) (rate(incident_bot_guard_trips_total[5m]))',
      activeRollbacks: 'incident_bot_active_rollbacks',
    });
  });

  test('durations as Prometheus prints and reads them', () => {
    const cases: [number, string][] = [
      [0, '0s'],
      [1500, '1s500ms'],
      [90_000, '1m30s'],
      [120_000, '2m'],
      [300_000, '5m'],
      [3_600_000, '1h'],
      [7 * 86_400_000, '1w'],
      [90 * 86_400_000, '90d'],
      [365 * 86_400_000, '1y'],
    ];
    for (const [ms, text] of cases) {
      assert.equal(formatDuration(ms), text);
      assert.equal(parseDuration(text), ms);
    }
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('0'), 0);
    for (const bad of ['', 'abc', '5', '1.5m', 'm', '5m1h', '-5m']) assert.equal(parseDuration(bad), null, bad);
  });

  test('selectors escape label values', () => {
    assert.equal(selector('x'), 'x');
    assert.equal(selector('x', { b: 'say "hi"\\\n', a: '1' }), 'x{a="1", b="say \\"hi\\"\\\\\\n"}');
  });

  test('API URLs', () => {
    assert.equal(
      queryUrl('http://prometheus.monitoring.svc:9090/', BOT_QUERIES.rollbackRateSum, 1754403330512),
      'http://prometheus.monitoring.svc:9090/api/v1/query?query=sum(rate(incident_bot_rollbacks_total%5B5m%5D))&time=1754403330.512',
    );
    assert.equal(queryUrl('http://p:9090', 'up'), 'http://p:9090/api/v1/query?query=up');
    assert.equal(
      queryRangeUrl('http://p:9090//', 'a > 1', 0, 3_600_000, 15_000),
      'http://p:9090/api/v1/query_range?query=a%20%3E%201&start=0&end=3600&step=15',
    );
  });
});

describe('Prometheus HTTP API answers', () => {
  test('an instant vector', () => {
    const res = parsePromApiText(
      JSON.stringify({
        status: 'success',
        data: {
          resultType: 'vector',
          result: [
            { metric: { reason: `high_risk_${HASH_A}` }, value: [1754403330.512, '0.13333333333333333'] },
            { metric: { reason: 'x' }, value: [1754403330.512, '+Inf'] },
          ],
        },
      }),
    );
    assert.ok(res.ok);
    assert.equal(res.resultType, 'vector');
    assert.deepEqual(
      res.series.map((s) => [{ ...s.labels }, s.points]),
      [
        [{ reason: `high_risk_${HASH_A}` }, [{ t: 1754403330512, v: 0.13333333333333333 }]],
        [{ reason: 'x' }, [{ t: 1754403330512, v: Infinity }]],
      ],
    );
    assert.deepEqual(
      toInstantVector(res.series).map((s) => s.value),
      [0.13333333333333333, Infinity],
    );
  });

  test('a scalar, NaN included', () => {
    const res = parsePromApiResponse({
      status: 'success',
      data: { resultType: 'scalar', result: [1754403330, 'NaN'] },
    });
    assert.ok(res.ok);
    assert.equal(res.series.length, 1);
    assert.deepEqual({ ...res.series[0]!.labels }, {});
    assert.equal(res.series[0]!.points[0]!.t, 1754403330000);
    assert.ok(Number.isNaN(res.series[0]!.points[0]!.v));
  });

  test('a range matrix, with warnings', () => {
    const res = parsePromApiResponse({
      status: 'success',
      warnings: ['PromQL warning: something'],
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: { decision_type: 'guard_trip' },
            values: [
              [1754403300, '26'],
              [1754403315, '30'],
              [1754403330, '-Inf'],
            ],
          },
        ],
      },
    });
    assert.ok(res.ok);
    assert.deepEqual(res.warnings, ['PromQL warning: something']);
    assert.deepEqual(
      res.series[0]!.points.map((p) => [p.t, p.v]),
      [
        [1754403300000, 26],
        [1754403315000, 30],
        [1754403330000, -Infinity],
      ],
    );
    assert.deepEqual(
      toInstantVector(res.series).map((s) => s.value),
      [-Infinity],
    );
  });

  test('an error answer keeps errorType and error', () => {
    const res = parsePromApiResponse({
      status: 'error',
      errorType: 'bad_data',
      error: 'invalid parameter "query": 1:6: parse error: unexpected <EOF>',
    });
    assert.deepEqual(res, {
      ok: false,
      errorType: 'bad_data',
      error: 'invalid parameter "query": 1:6: parse error: unexpected <EOF>',
      warnings: [],
    });
    assert.deepEqual(parsePromApiResponse({ status: 'error' }), {
      ok: false,
      errorType: null,
      error: 'Prometheus reported an error without a message',
      warnings: [],
    });
  });

  test('garbage gives a clear error, never an exception', () => {
    const cases: [unknown, RegExp][] = [
      [null, /not a JSON object/],
      [[], /not a JSON object/],
      ['success', /not a JSON object/],
      [42, /not a JSON object/],
      [{}, /no "status": "success"/],
      [{ status: 'success' }, /no "data" object/],
      [{ status: 'success', data: { resultType: 'vector' } }, /data.result is not an array/],
      [{ status: 'success', data: { resultType: 'string', result: [1, 'x'] } }, /unsupported resultType "string"/],
      [{ status: 'success', data: { resultType: 7, result: [] } }, /unsupported resultType number/],
      [{ status: 'success', data: { resultType: 'vector', result: [{ value: [1, '1'] }] } }, /result\[0\].metric/],
      [
        { status: 'success', data: { resultType: 'vector', result: [{ metric: { a: 1 }, value: [1, '1'] }] } },
        /metric.a/,
      ],
      [
        { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1] }] } },
        /\[time, "value"\]/,
      ],
      [
        { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: ['1', '1'] }] } },
        /non-numeric time/,
      ],
      [{ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 1] }] } }, /not a string/],
      [
        { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'abc'] }] } },
        /invalid value "abc"/,
      ],
      [
        { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: 'x' }] } },
        /values is not an array/,
      ],
      [
        { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[1, '1'], null] }] } },
        /values\[1\]/,
      ],
      [
        { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, histogram: [1, {}] }] } },
        /native histogram/,
      ],
      [{ status: 'success', data: { resultType: 'scalar', result: 'x' } }, /data.result is not/],
    ];
    for (const [body, reason] of cases) {
      const res = parsePromApiResponse(body);
      assert.equal(res.ok, false, JSON.stringify(body));
      if (!res.ok) assert.match(res.error, reason, JSON.stringify(body));
    }
    const html = parsePromApiText('<html><body>502 Bad Gateway</body></html>');
    assert.ok(!html.ok && /not JSON/.test(html.error));
    assert.equal(parsePromApiText('').ok, false);
  });
});
