import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { IncidentBook } from '../../src/core/incidents';
import type { ThresholdSample } from '../../src/core/playbook/thresholdSuggestion';
import { samplesFromIncidents, suggestRiskThreshold } from '../../src/core/playbook/thresholdSuggestion';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { ev, HASH_A, HASH_B, HASH_C } from './helpers';

const s = (
  id: string,
  riskScore: number,
  heartbeatMisses: number,
  label: ThresholdSample['label'],
): ThresholdSample => ({
  id,
  riskScore,
  heartbeatMisses,
  label,
});

test('risk exactly 0.8 with no misses (I1): raise to 0.81, which still catches 0.92', () => {
  const r = suggestRiskThreshold([s('fp', 0.8, 0, 'false-positive'), s('real', 0.92, 1, 'legitimate')], 0.8, 3);
  assert.equal(r.value, '0.81');
  assert.equal(r.conflict, false);
  assert.deepEqual(r.remainingFalsePositives, []);
  assert.deepEqual(r.missedLegitimate, []);
  assert.match(r.reasoning.join(' '), /Raise it from 0\.8 to 0\.81/);
});

test('a false positive between 0.85 and 0.86 needs three decimals', () => {
  const r = suggestRiskThreshold([s('fp', 0.853, 0, 'false-positive'), s('real', 0.86, 0, 'legitimate')], 0.8, 3);
  assert.equal(r.value, '0.86');
  const t = suggestRiskThreshold([s('fp', 0.8555, 0, 'false-positive'), s('real', 0.8557, 0, 'legitimate')], 0.8, 3);
  assert.equal(t.value, '0.8556');
});

test('no change when the current threshold already separates them', () => {
  const r = suggestRiskThreshold([s('fp', 0.6, 1, 'false-positive'), s('real', 0.9, 0, 'legitimate')], 0.8, 3);
  assert.equal(r.value, null);
  assert.match(r.reasoning.join(' '), /already separates/);
  assert.equal(suggestRiskThreshold([], 0.8, 3).value, null);
});

test('false positives with many misses cannot be fixed by the risk threshold, and the reasoning says so', () => {
  const r = suggestRiskThreshold([s('fp', 0.2, 5, 'false-positive')], 0.8, 3);
  assert.equal(r.value, null);
  assert.match(r.reasoning.join(' '), /HEARTBEAT_MISSES_THRESHOLD/);
});

test('overlap: never miss a legitimate incident, report the false positives that remain', () => {
  const r = suggestRiskThreshold([s('fp', 0.9, 0, 'false-positive'), s('real', 0.85, 0, 'legitimate')], 0.95, 3);
  assert.equal(r.conflict, true);
  assert.equal(r.value, '0.85');
  assert.deepEqual(r.missedLegitimate, []);
  assert.deepEqual(r.remainingFalsePositives, ['fp']);
});

test('legitimate incidents below the current threshold: lower it', () => {
  const r = suggestRiskThreshold([s('real', 0.756, 1, 'legitimate')], 0.8, 3);
  assert.equal(r.value, '0.75');
  assert.match(r.reasoning.join(' '), /Lower it/);
});

const sample = fc.record({
  id: fc.string({ maxLength: 4 }),
  riskScore: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 0.5, 0.8, 1)),
  heartbeatMisses: fc.nat({ max: 6 }),
  label: fc.constantFrom<ThresholdSample['label']>('false-positive', 'legitimate'),
});

test('properties: never misses a legitimate incident; without conflict no false positive remains; value in [0, 1]', () => {
  fc.assert(
    fc.property(
      fc.array(sample, { maxLength: 12 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.nat({ max: 5 }),
      (samples, current, m) => {
        const r = suggestRiskThreshold(samples, current, m);
        const t = r.value === null ? current : Number(r.value);
        assert.ok(t >= 0 && t <= 1);
        const below = samples.filter((x) => x.heartbeatMisses < m);
        assert.deepEqual(r.missedLegitimate, []);
        for (const x of below) if (x.label === 'legitimate') assert.ok(x.riskScore >= t, 'legitimate kept');
        const separable =
          Math.max(-1, ...below.filter((x) => x.label === 'false-positive').map((x) => x.riskScore)) <
            Math.min(2, ...below.filter((x) => x.label === 'legitimate').map((x) => x.riskScore)) &&
          !below.some((x) => x.label === 'false-positive' && x.riskScore >= 1);
        if (separable) {
          assert.equal(r.conflict, false);
          for (const x of below) if (x.label === 'false-positive') assert.ok(x.riskScore < t, 'false positive avoided');
        }
        assert.ok(r.reasoning.length > 0);
        assert.ok(r.reasoning.every((line) => !line.includes('\n')));
      },
    ),
    { numRuns: 500 },
  );
});

test('samples come from triaged incidents; an engineer override decides for its incident', () => {
  const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * 60_000 });
  const a = book.add(ev(0.8, 0, { capsuleHash: HASH_A })).incident;
  book.add(ev(0.92, 1, { capsuleHash: HASH_B }));
  book.add(ev(0.65, 2, { capsuleHash: HASH_C }));
  book.add(ev('0.9', 0, { capsuleHash: HASH_C, tenantId: 'x' }));
  const samples = samplesFromIncidents(book.list());
  assert.deepEqual(
    samples.map((x) => [x.riskScore, x.label]),
    [
      [0.8, 'false-positive'],
      [0.92, 'legitimate'],
      [0.65, 'false-positive'],
    ],
  );
  assert.equal(suggestRiskThreshold(samples, 0.8, 3).value, '0.81');
  book.override(a.id, 'legitimate', '2025-08-05T15:00:00Z', 'confirmed by the tenant');
  assert.equal(samplesFromIncidents(book.list())[0]?.label, 'legitimate');
  assert.equal(suggestRiskThreshold(samplesFromIncidents(book.list()), 0.8, 3).value, null);
});
