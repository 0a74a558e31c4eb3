import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Thresholds } from '../../src/core/thresholds';
import { validateThresholds } from '../../src/core/thresholds';
import { PATHS, triage } from '../../src/core/triage';
import { ev } from './helpers';

const risk = fc.double({ min: 0, max: 1, noNaN: true });
const misses = fc.nat({ max: 1000 });
const thresholds: fc.Arbitrary<Thresholds> = fc
  .tuple(
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.double({ min: 0, max: 1, noNaN: true }),
  )
  .chain(([a, b, c]) => {
    const [monitor, low, high] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
    return fc.record({
      riskMonitor: fc.constant(monitor),
      riskLow: fc.constant(low),
      riskHigh: fc.constant(high),
      missThreshold: fc.nat({ max: 20 }),
      botRiskThreshold: fc.double({ min: 0, max: 1, noNaN: true }),
      botMissThreshold: fc.nat({ max: 20 }),
    });
  });

test('the engine is total: any value for any field gives a result, never an exception', () => {
  fc.assert(
    fc.property(fc.anything(), fc.anything(), fc.option(fc.string()), fc.option(fc.string()), (r, m, h, t) => {
      const res = triage({ capsuleHash: h, tenantId: t, riskScore: r, heartbeatMisses: m, ts: null, source: 'event' });
      assert.ok(['invalid', 'legitimate', 'false-positive-network', 'false-positive-thresholds'].includes(res.verdict));
      assert.ok(res.path.length > 0 && res.path[0] === 'A');
    }),
    { numRuns: 2000 },
  );
});

test('valid inputs are never invalid; out-of-domain inputs always are', () => {
  fc.assert(
    fc.property(risk, misses, (r, m) => triage(ev(r, m)).verdict !== 'invalid'),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.double({ min: 1, max: 1e9, minExcluded: true, noNaN: true }),
        fc.double({ max: -Number.MIN_VALUE, min: -1e9, noNaN: true }),
        fc.constant(NaN),
        fc.string(),
      ),
      misses,
      (r, m) => triage(ev(r, m)).verdict === 'invalid',
    ),
  );
});

test('raising risk or misses never moves a verdict from legitimate to false positive', () => {
  fc.assert(
    fc.property(thresholds, risk, risk, misses, misses, (t, r1, r2, m1, m2) => {
      fc.pre(validateThresholds(t).length === 0);
      const [rLo, rHi] = r1 <= r2 ? [r1, r2] : [r2, r1];
      const [mLo, mHi] = m1 <= m2 ? [m1, m2] : [m2, m1];
      const before = triage(ev(rLo, mLo), t).verdict;
      const after = triage(ev(rHi, mHi), t).verdict;
      return !(before === 'legitimate' && after !== 'legitimate');
    }),
    { numRuns: 5000 },
  );
});

test('the path always matches the verdict, and disagreement follows its definition', () => {
  fc.assert(
    fc.property(thresholds, risk, misses, (t, r, m) => {
      fc.pre(validateThresholds(t).length === 0);
      const res = triage(ev(r, m), t);
      const p = res.path.join('');
      if (res.verdict === 'legitimate') {
        assert.ok(p === PATHS.legitimate.join('') || p === PATHS['legitimate-high'].join(''));
      } else assert.equal(p, PATHS[res.verdict].join(''));
      const botRolls = r >= t.botRiskThreshold || m >= t.botMissThreshold;
      assert.equal(res.botDecision, botRolls ? 'rollback' : 'no-rollback');
      assert.equal(res.disagreement, botRolls !== (res.verdict === 'legitimate'));
    }),
    { numRuns: 3000 },
  );
});
