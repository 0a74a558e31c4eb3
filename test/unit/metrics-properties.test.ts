import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { HIGH_ROLLBACK_RATE, evaluateRule } from '../../src/core/metrics/alerts';
import { parseExposition } from '../../src/core/metrics/exposition';
import { escapeLabelValue } from '../../src/core/metrics/labels';
import { parsePromApiResponse, parsePromApiText } from '../../src/core/metrics/promql';
import { histogramQuantile } from '../../src/core/metrics/quantile';
import type { Series } from '../../src/core/metrics/series';
import { SeriesStore, rate } from '../../src/core/metrics/series';
import { REPO_ROOT } from './helpers';

const FACTS = fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/metrics/facts-sample.prom'), 'utf8');
const FACT_LINES = FACTS.split('\n');

/** Sorted distinct finite bounds plus +Inf, with arbitrary (even decreasing) cumulative counts. */
const buckets = fc
  .uniqueArray(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 10 })
  .chain((bounds) =>
    fc
      .array(fc.nat({ max: 1000 }), { minLength: bounds.length + 1, maxLength: bounds.length + 1 })
      .map((counts) => [...bounds, Infinity].map((le, i) => ({ le, count: counts[i]! }))),
  );

const q = fc.integer({ min: 1, max: 1000 }).map((k) => k / 1000);

test('histogram_quantile is monotonic in q and never above the largest finite bound', () => {
  fc.assert(
    fc.property(buckets, q, q, (b, q1, q2) => {
      const [lo, hi] = q1 <= q2 ? [q1, q2] : [q2, q1];
      const a = histogramQuantile(lo, b);
      const c = histogramQuantile(hi, b);
      const largest = Math.max(...b.map((x) => x.le).filter(Number.isFinite));
      // Counts are made monotonic, so the total is the largest count.
      if (Math.max(...b.map((x) => x.count)) === 0) {
        assert.ok(Number.isNaN(a) && Number.isNaN(c));
        return;
      }
      const eps = 1e-9 * (1 + Math.abs(largest));
      assert.ok(a <= c + eps, `q ${lo} → ${a} > q ${hi} → ${c}`);
      assert.ok(c <= largest + eps, `${c} > ${largest}`);
    }),
    { numRuns: 2000 },
  );
});

const counterPoints = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 60_000 }), fc.double({ min: 0, max: 1e6, noNaN: true })), {
    maxLength: 40,
  })
  .map((steps) => {
    let t = 0;
    return steps.map(([dt, v]) => ({ t: (t += dt), v }));
  });

test('rate() of a counter is never negative (resets included)', () => {
  fc.assert(
    fc.property(
      counterPoints,
      fc.integer({ min: 1, max: 600_000 }),
      fc.integer({ min: 0, max: 2_400_000 }),
      (points, range, t) => {
        const s: Series = { key: 'c{}', name: 'c', labels: {}, points, staleAt: [] };
        const r = rate(s, range, t);
        assert.ok(r === null || r >= 0, `rate ${r}`);
      },
    ),
    { numRuns: 2000 },
  );
});

test('the exposition parser never throws, on any text or any corruption of the facts sample', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 80 }),
          fc.constantFrom(...FACT_LINES),
          fc
            .tuple(fc.constantFrom(...FACT_LINES), fc.nat(200), fc.string({ maxLength: 4 }))
            .map(([line, cut, junk]) => line.slice(0, cut) + junk),
        ),
        { maxLength: 40 },
      ),
      fc.constantFrom('\n', '\r\n'),
      (lines, eol) => {
        const text = lines.join(eol);
        const res = parseExposition(text);
        // A generated "line" may itself hold line breaks: count the physical lines.
        assert.ok(res.errors.length <= res.errorCount && res.errorCount <= text.split(/\r\n|\n|\r/).length);
        const store = new SeriesStore({ maxSeries: 20 });
        store.ingest({ at: 1, families: res.families });
        store.ingest({ at: 2, families: res.families });
        evaluateRule(null, HIGH_ROLLBACK_RATE, store, 2);
      },
    ),
    { numRuns: 1000 },
  );
});

test('any label value and finite value written with the format’s escapes parse back unchanged', () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,15}$/),
      fc.dictionary(fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/), fc.string({ unit: 'binary', maxLength: 30 }), {
        maxKeys: 4,
      }),
      fc.double({ noNaN: true }),
      (name, labels, value) => {
        const body = Object.entries(labels)
          .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
          .join(',');
        const { families, errors } = parseExposition(`${name}{${body}} ${value}`);
        assert.deepEqual(errors, []);
        const [sample] = families.get(name)!.samples;
        assert.deepEqual({ ...sample!.labels }, { ...labels });
        assert.equal(sample!.value, value === 0 ? 0 : value, 'String(-0) is "0"');
      },
    ),
    { numRuns: 1000 },
  );
});

test('the API parser never throws on any JSON value or text', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.string(), (v, s) => {
      assert.equal(typeof parsePromApiResponse(v).ok, 'boolean');
      assert.equal(typeof parsePromApiText(s).ok, 'boolean');
      assert.equal(
        typeof parsePromApiResponse({ status: 'success', data: { resultType: 'vector', result: v } }).ok,
        'boolean',
      );
    }),
    { numRuns: 1000 },
  );
});
