import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_THRESHOLDS, validateThresholds, withThresholds } from '../../src/core/thresholds';
import { botRule, heartbeatBand, pathSteps, riskBand, triage } from '../../src/core/triage';
import { ev } from './helpers';

const P = {
  thresholds: 'A B C E F L',
  network: 'A B C E G I J L',
  legitMedium: 'A B C E G I K D M N O',
  legitHigh: 'A B C E H D M N O',
};

describe('verdict and path (triage-spec.md table)', () => {
  const rows: [number, number, string, string][] = [
    [0, 0, 'false-positive-thresholds', P.thresholds],
    [0.2, 0, 'false-positive-thresholds', P.thresholds],
    [0.49, 3, 'false-positive-thresholds', P.thresholds],
    [0.4999999, 10, 'false-positive-thresholds', P.thresholds],
    [0.5, 0, 'false-positive-network', P.network],
    [0.5, 2, 'false-positive-network', P.network],
    [0.5, 3, 'legitimate', P.legitMedium],
    [0.65, 2, 'false-positive-network', P.network],
    [0.79, 2, 'false-positive-network', P.network],
    [0.79, 3, 'legitimate', P.legitMedium],
    [0.8, 0, 'false-positive-network', P.network],
    [0.8, 2, 'false-positive-network', P.network],
    [0.8, 3, 'legitimate', P.legitMedium],
    [0.8000001, 0, 'legitimate', P.legitHigh],
    [0.81, 0, 'legitimate', P.legitHigh],
    [1, 0, 'legitimate', P.legitHigh],
    [1, 100, 'legitimate', P.legitHigh],
  ];
  for (const [r, m, verdict, path] of rows) {
    test(`risk ${r}, misses ${m} -> ${verdict}`, () => {
      const res = triage(ev(r, m));
      assert.equal(res.verdict, verdict);
      assert.equal(res.path.join(' '), path);
      assert.equal(res.riskScore, r);
      assert.equal(res.heartbeatMisses, m);
    });
  }
});

describe('invalid inputs', () => {
  const bad: [unknown, unknown, 'riskScore' | 'heartbeatMisses'][] = [
    [NaN, 0, 'riskScore'],
    ['0.9', 0, 'riskScore'],
    [-0.01, 0, 'riskScore'],
    [1.01, 0, 'riskScore'],
    [Infinity, 0, 'riskScore'],
    [null, 0, 'riskScore'],
    [undefined, 0, 'riskScore'],
    [{}, 0, 'riskScore'],
    [true, 0, 'riskScore'],
    [0.5, -1, 'heartbeatMisses'],
    [0.5, 1.5, 'heartbeatMisses'],
    [0.5, '3', 'heartbeatMisses'],
    [0.5, NaN, 'heartbeatMisses'],
    [0.5, Infinity, 'heartbeatMisses'],
    [0.5, null, 'heartbeatMisses'],
  ];
  for (const [r, m, field] of bad) {
    test(`risk ${String(r)}, misses ${String(m)} is invalid on ${field}`, () => {
      const res = triage(ev(r, m));
      assert.equal(res.verdict, 'invalid');
      assert.deepEqual(res.path, ['A']);
      assert.equal(res.errorField, field);
      assert.match(res.error ?? '', new RegExp(field));
      assert.equal(res.riskBand, null);
      assert.equal(res.heartbeatBand, null);
      assert.equal(res.disagreement, false);
    });
  }
  test('the risk field is reported first when both are bad', () => {
    assert.equal(triage(ev('x', -1)).errorField, 'riskScore');
  });
  test('an out-of-range number still goes through the bot rule (it range-checks nothing)', () => {
    const res = triage(ev(1.7, 0));
    assert.equal(res.botDecision, 'rollback');
    assert.equal(res.botDecisionSource, 'rule');
    assert.ok(res.warnings.some((w) => w.includes('out-of-range')));
    assert.equal(triage(ev(-1, 0)).botDecision, 'no-rollback');
  });
  test('a string score has no bot decision (the bot rejects it at its schema check)', () => {
    assert.equal(triage(ev('0.95', 0)).botDecision, null);
  });
  test('the bot log decision wins for invalid input', () => {
    const res = triage(ev(NaN, 3, { source: 'log', bot: { decision: 'rollback', reasonKind: 'heartbeat_miss' } }));
    assert.equal(res.verdict, 'invalid');
    assert.equal(res.botDecision, 'rollback');
    assert.equal(res.botDecisionSource, 'log');
  });
});

describe('bands', () => {
  test('risk band boundaries', () => {
    const t = DEFAULT_THRESHOLDS;
    assert.equal(riskBand(0, t), 'high-fp');
    assert.equal(riskBand(0.29, t), 'high-fp');
    assert.equal(riskBand(0.3, t), 'monitor');
    assert.equal(riskBand(0.49, t), 'monitor');
    assert.equal(riskBand(0.5, t), 'investigate');
    assert.equal(riskBand(0.8, t), 'investigate');
    assert.equal(riskBand(0.81, t), 'rollback');
    assert.equal(riskBand(1, t), 'rollback');
  });
  test('heartbeat band boundaries', () => {
    assert.equal(heartbeatBand(0), 'none');
    assert.equal(heartbeatBand(1), 'network');
    assert.equal(heartbeatBand(2), 'network');
    assert.equal(heartbeatBand(3), 'suspicious');
    assert.equal(heartbeatBand(4), 'suspicious');
    assert.equal(heartbeatBand(5), 'compromise');
    assert.equal(heartbeatBand(500), 'compromise');
  });
  test('bands are reported on results', () => {
    const res = triage(ev(0.3, 5));
    assert.equal(res.riskBand, 'monitor');
    assert.equal(res.heartbeatBand, 'compromise');
  });
});

describe('bot decision and disagreement (facts §13.1 truth table)', () => {
  const rows: [number, number, 'rollback' | 'no-rollback', boolean][] = [
    [0.2, 0, 'no-rollback', false],
    [0.2, 5, 'rollback', true],
    [0.3, 2, 'no-rollback', false],
    [0.49, 3, 'rollback', true],
    [0.5, 2, 'no-rollback', false],
    [0.5, 3, 'rollback', false],
    [0.65, 2, 'no-rollback', false],
    [0.79, 2, 'no-rollback', false],
    [0.79, 3, 'rollback', false],
    [0.8, 0, 'rollback', true],
    [0.8, 2, 'rollback', true],
    [0.8, 3, 'rollback', false],
    [0.81, 0, 'rollback', false],
    [1, 0, 'rollback', false],
  ];
  for (const [r, m, decision, disagreement] of rows) {
    test(`risk ${r}, misses ${m}: bot ${decision}, disagreement ${disagreement}`, () => {
      const res = triage(ev(r, m));
      assert.equal(res.botDecision, decision);
      assert.equal(res.botDecisionSource, 'rule');
      assert.equal(res.disagreement, disagreement);
    });
  }
  test('the bot rule is inclusive and ORed', () => {
    assert.equal(botRule(0.8, 0, DEFAULT_THRESHOLDS), 'rollback');
    assert.equal(botRule(0.7999, 2, DEFAULT_THRESHOLDS), 'no-rollback');
    assert.equal(botRule(0, 3, DEFAULT_THRESHOLDS), 'rollback');
  });
  test('a log decision is reported as the log says, with a warning when the rule differs', () => {
    const res = triage(ev(0.65, 2, { source: 'log', bot: { decision: 'rollback' } }));
    assert.equal(res.botDecision, 'rollback');
    assert.equal(res.botDecisionSource, 'log');
    assert.equal(res.disagreement, true);
    assert.ok(res.warnings.some((w) => w.includes('live bot thresholds may differ')));
  });
  test('a legitimate incident the bot did not roll back disagrees', () => {
    const res = triage(ev(0.95, 0, { source: 'log', bot: { decision: 'no-rollback' } }));
    assert.equal(res.verdict, 'legitimate');
    assert.equal(res.disagreement, true);
  });
  test('a legitimate incident the bot rejected disagrees and has no decision', () => {
    const res = triage(ev(0.95, 0, { source: 'log', bot: { decision: 'rejected' } }));
    assert.equal(res.botDecision, null);
    assert.equal(res.disagreement, true);
  });
  test('bot thresholds are injectable', () => {
    const t = withThresholds({ botRiskThreshold: 0.95 });
    assert.equal(triage(ev(0.9, 0), t).botDecision, 'no-rollback');
    assert.equal(triage(ev(0.9, 0), t).disagreement, true);
    assert.equal(triage(ev(0.2, 4), withThresholds({ botMissThreshold: 5 })).botDecision, 'no-rollback');
  });
});

describe('warnings', () => {
  test('false positive while heartbeats say compromise', () => {
    const res = triage(ev(0.6, 5, {}), withThresholds({ missThreshold: 6 }));
    assert.equal(res.verdict, 'false-positive-network');
    assert.ok(res.warnings.some((w) => w.includes('High probability of compromise')));
  });
  test('low risk with misses at or above the threshold', () => {
    const res = triage(ev(0.2, 3));
    assert.ok(res.warnings.some((w) => w.includes('never checks heartbeats')));
    assert.ok(!res.warnings.some((w) => w.includes('compromise')));
    const five = triage(ev(0.2, 5));
    assert.equal(five.warnings.filter((w) => w.includes('compromise') || w.includes('never checks')).length, 2);
  });
  test('no warnings for an ordinary legitimate incident', () => {
    assert.deepEqual(triage(ev(0.92, 1)).warnings, []);
  });
  test('a failed rollback creation is a warning', () => {
    const res = triage(
      ev(0.9, 0, { source: 'log', bot: { decision: 'rollback', rollbackError: 'HttpError: HTTP request failed' } }),
    );
    assert.ok(res.warnings.some((w) => w.includes('HttpError')));
  });
});

describe('configured thresholds', () => {
  test('moving riskLow and riskHigh moves the verdict boundaries', () => {
    const t = withThresholds({ riskLow: 0.4, riskHigh: 0.9, missThreshold: 2 });
    assert.equal(triage(ev(0.4, 0), t).verdict, 'false-positive-network');
    assert.equal(triage(ev(0.39, 9), t).verdict, 'false-positive-thresholds');
    assert.equal(triage(ev(0.9, 1), t).verdict, 'false-positive-network');
    assert.equal(triage(ev(0.9, 2), t).verdict, 'legitimate');
    assert.equal(triage(ev(0.91, 0), t).verdict, 'legitimate');
  });
  test('riskMonitor moves the risk band', () => {
    assert.equal(riskBand(0.25, withThresholds({ riskMonitor: 0.2 })), 'monitor');
  });
  test('threshold validation', () => {
    assert.deepEqual(validateThresholds(DEFAULT_THRESHOLDS), []);
    assert.ok(validateThresholds(withThresholds({ riskLow: 0.9 })).length > 0);
    assert.ok(validateThresholds(withThresholds({ riskMonitor: 0.6 })).length > 0);
    assert.ok(validateThresholds(withThresholds({ missThreshold: 1.5 })).length > 0);
    assert.ok(validateThresholds(withThresholds({ botRiskThreshold: 2 })).length > 0);
    assert.ok(validateThresholds(withThresholds({ riskHigh: NaN })).length > 0);
  });
  test('rules on path steps carry the observed values', () => {
    const res = triage(ev(0.82, 1));
    assert.ok(pathSteps(res).some((s) => s.node === 'E' && s.rule === 'risk 0.82 > 0.8: high risk'));
    const med = triage(ev(0.6, 4));
    assert.ok(pathSteps(med).some((s) => s.node === 'I' && s.rule === 'misses 4 >= 3'));
  });
});
