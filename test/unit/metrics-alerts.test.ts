import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AlertRule, RuleEvaluation } from '../../src/core/metrics/alerts';
import {
  HIGH_ROLLBACK_RATE,
  PLAYBOOK_RULES,
  RESOLVED_RETENTION_MS,
  ROLLBACK_LATENCY_HIGH,
  canNeverFire,
  evaluateRule,
  evaluateRules,
  ruleExpr,
  stepAlert,
  tuneRule,
} from '../../src/core/metrics/alerts';
import { parseExposition } from '../../src/core/metrics/exposition';
import { labelsFrom } from '../../src/core/metrics/labels';
import { BOT_METRICS, DECISION_LATENCY_BUCKETS } from '../../src/core/metrics/names';
import { SeriesStore } from '../../src/core/metrics/series';
import type { InstantVector } from '../../src/core/metrics/vector';
import { HASH_A, HASH_B } from './helpers';

const S = 1000;

describe('the playbook rules (facts §9)', () => {
  test('exactly the playbook’s names, expressions, for, severities, summaries and group', () => {
    assert.deepEqual(
      PLAYBOOK_RULES.map((r) => [r.group, r.name, r.expr, r.forMs, r.severity, r.summary]),
      [
        [
          'incident-response',
          'HighRollbackRate',
          'rate(incident_bot_rollbacks_total[5m]) > 0.1',
          120_000,
          'warning',
          'High rollback rate detected',
        ],
        [
          'incident-response',
          'RollbackLatencyHigh',
          'histogram_quantile(0.95, rate(incident_bot_decision_latency_seconds_bucket[5m])) > 30',
          300_000,
          'critical',
          'Rollback decision latency is high',
        ],
      ],
    );
  });

  test('the expression text is what the rule data builds', () => {
    for (const r of PLAYBOOK_RULES) assert.equal(ruleExpr(r), r.expr);
  });

  test('tuning a rule rebuilds its expression', () => {
    assert.equal(
      tuneRule(HIGH_ROLLBACK_RATE, { threshold: 0.05 }).expr,
      'rate(incident_bot_rollbacks_total[5m]) > 0.05',
    );
    assert.equal(
      tuneRule(HIGH_ROLLBACK_RATE, { aggregation: 'sum' }).expr,
      'sum(rate(incident_bot_rollbacks_total[5m])) > 0.1',
    );
    assert.equal(
      tuneRule(ROLLBACK_LATENCY_HIGH, { threshold: 10, aggregation: 'sum-by-le' }).expr,
      'histogram_quantile(0.95, sum by (le) (rate(incident_bot_decision_latency_seconds_bucket[5m]))) > 10',
    );
    assert.equal(HIGH_ROLLBACK_RATE.threshold, 0.1, 'the constant is untouched');
  });
});

const at = (v: number, labels: Record<string, string> = {}): InstantVector => [
  { labels: labelsFrom(Object.entries(labels)), value: v },
];

/** Runs `stepAlert` over `[seconds, vector]` steps and returns the state after each. */
function run(rule: AlertRule, steps: [number, InstantVector][]): RuleEvaluation[] {
  const out: RuleEvaluation[] = [];
  let prev: RuleEvaluation | null = null;
  for (const [t, v] of steps) {
    prev = stepAlert(prev, rule, v, t * S);
    out.push(prev);
  }
  return out;
}

describe('pending → firing → inactive (Prometheus AlertingRule.Eval)', () => {
  test('pending at the first evaluation above, firing exactly `for` later, inactive on a drop', () => {
    // Evaluations every 15 s; above 0.1 from 15 s to 135 s.
    const steps: [number, InstantVector][] = [[0, at(0.05)]];
    for (let t = 15; t <= 135; t += 15) steps.push([t, at(0.2)]);
    steps.push([150, at(0.05)], [165, at(0.3)]);
    const states = run(HIGH_ROLLBACK_RATE, steps);
    assert.deepEqual(
      states.map((s) => [s.evaluatedAt! / S, s.state, s.activeSince === null ? null : s.activeSince / S]),
      [
        [0, 'inactive', null],
        [15, 'pending', 15],
        [30, 'pending', 15],
        [45, 'pending', 15],
        [60, 'pending', 15],
        [75, 'pending', 15],
        [90, 'pending', 15],
        [105, 'pending', 15],
        [120, 'pending', 15],
        [135, 'firing', 15], // 135 − 15 = 120 s = for
        [150, 'inactive', null],
        [165, 'pending', 165], // a fresh activity: the clock starts again
      ],
    );
    const fired = states[9]!.instances[0]!;
    assert.deepEqual([fired.firedAt, fired.value], [135 * S, 0.2]);
    const resolved = states[10]!.instances[0]!;
    assert.deepEqual([resolved.state, resolved.resolvedAt, resolved.firedAt], ['inactive', 150 * S, 135 * S]);
  });

  test('a pending alert that drops (or has no value) starts over', () => {
    const states = run(HIGH_ROLLBACK_RATE, [
      [0, at(0.2)],
      [105, at(0.2)],
      [120, []], // no result at all (e.g. fewer than two points) is also "not above"
      [135, at(0.2)],
      [240, at(0.2)],
      [255, at(0.2)],
    ]);
    assert.deepEqual(
      states.map((s) => [s.state, s.activeSince === null ? null : s.activeSince / S]),
      [
        ['pending', 0],
        ['pending', 0],
        ['inactive', null],
        ['pending', 135],
        ['pending', 135],
        ['firing', 135],
      ],
    );
    assert.deepEqual(states[2]!.instances, [], 'a pending alert is forgotten, not resolved');
  });

  test('the threshold is strict and NaN is never above it', () => {
    assert.equal(run(HIGH_ROLLBACK_RATE, [[0, at(0.1)]])[0]!.state, 'inactive');
    assert.equal(run(ROLLBACK_LATENCY_HIGH, [[0, at(NaN)]])[0]!.state, 'inactive');
  });

  test('for: 0 fires at the first evaluation above', () => {
    const instant = tuneRule(HIGH_ROLLBACK_RATE, { forMs: 0 });
    const [s] = run(instant, [[15, at(0.5)]]);
    assert.equal(s!.state, 'firing');
    assert.equal(s!.instances[0]!.firedAt, 15 * S);
  });

  test('per label set: each series has its own clock; the rule shows the highest state', () => {
    const a = { reason: `high_risk_${HASH_A}` };
    const b = { reason: `heartbeat_miss_${HASH_B}` };
    const states = run(HIGH_ROLLBACK_RATE, [
      [0, at(0.2, a)],
      [60, [...at(0.2, a), ...at(0.3, b)]],
      [120, [...at(0.2, a), ...at(0.3, b)]],
    ]);
    const last = states[2]!;
    assert.equal(last.state, 'firing');
    assert.equal(last.activeSince, 0);
    assert.deepEqual(
      last.instances.map((i) => [i.labels['reason'], i.state, i.activeSince / S]),
      [
        [a.reason, 'firing', 0],
        [b.reason, 'pending', 60],
      ],
    );
    assert.equal(last.values.length, 2);
  });

  test('a resolved alert is kept 15 min, then forgotten; evaluations out of order are ignored', () => {
    const fire = tuneRule(HIGH_ROLLBACK_RATE, { forMs: 0 });
    const states = run(fire, [
      [0, at(1)],
      [15, []],
      [15 + RESOLVED_RETENTION_MS / S, []],
      [30 + RESOLVED_RETENTION_MS / S, []],
    ]);
    assert.deepEqual(
      states.map((s) => s.instances.length),
      [1, 1, 1, 0],
    );
    const last = states[3]!;
    assert.equal(stepAlert(last, fire, at(1), 10 * S), last);
  });
});

/** Exposition text for rollback counters. */
function rollbackText(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([reason, v]) => `incident_bot_rollbacks_total{reason="${reason}"} ${v}`)
    .join('\n');
}

function ingest(store: SeriesStore, t: number, text: string): void {
  store.ingest({ at: t, families: parseExposition(`# TYPE incident_bot_rollbacks_total counter\n${text}`).families });
}

describe('HighRollbackRate over simulated scrapes every 15 s', () => {
  test('one capsule rolled back twice every 15 s: pending at 225 s, firing at 345 s, inactive at 420 s', () => {
    // The series appears at 1 (t = 0) and grows by 2 per scrape until 345 s, then stays at 47.
    // Before the 5 min range fills (t ≤ 283.5 s): raw 2t/15, start gap ≥ 16.5 s → half a spacing 7.5 s (the
    // zero point is also 7.5 s away), so rate = (2t/15) × (t + 7.5)/t / 300 = (t + 7.5)/2250:
    // 210 s → 0.0967, 225 s → 0.1033 (first above 0.1 → pending). Full range: 38 × 300/285 / 300 = 0.1333.
    // for 2m: firing at 225 + 120 = 345 s. After the freeze at 47 the range (t − 300, t] starts at the value of
    // t − 285 s: rate = (47 − v₀)/285; 405 s: v₀ = 17 → 0.1053 (firing), 420 s: v₀ = 19 → 0.0982 → inactive.
    const reason = `high_risk_${HASH_A}`;
    const store = new SeriesStore();
    let state: RuleEvaluation | null = null;
    const log: [number, string, number | undefined][] = [];
    for (let t = 0; t <= 450; t += 15) {
      ingest(store, t * S, rollbackText({ [reason]: 1 + 2 * (Math.min(t, 345) / 15) }));
      state = evaluateRule(state, HIGH_ROLLBACK_RATE, store, t * S);
      log.push([t, state.state, state.values[0]?.value]);
    }
    const stateAt = (t: number) => log.find(([x]) => x === t)![1];
    const valueAt = (t: number) => log.find(([x]) => x === t)![2]!;
    assert.equal(stateAt(0), 'inactive');
    assert.equal(log[0]![2], undefined, 'one point: no rate yet');
    assert.ok(Math.abs(valueAt(210) - 217.5 / 2250) < 1e-12);
    assert.equal(stateAt(210), 'inactive');
    assert.ok(Math.abs(valueAt(225) - 232.5 / 2250) < 1e-12);
    assert.equal(stateAt(225), 'pending');
    assert.equal(stateAt(330), 'pending');
    assert.equal(stateAt(345), 'firing');
    assert.ok(Math.abs(valueAt(345) - 40 / 300) < 1e-12);
    assert.ok(Math.abs(valueAt(405) - 30 / 285) < 1e-12);
    assert.equal(stateAt(405), 'firing');
    assert.ok(Math.abs(valueAt(420) - 28 / 285) < 1e-12);
    assert.equal(stateAt(420), 'inactive');
    const instance = state!.instances[0]!;
    assert.deepEqual(
      [instance.labels['reason'], instance.activeSince, instance.firedAt, instance.resolvedAt],
      [reason, 225 * S, 345 * S, 420 * S],
    );
  });

  test('two capsules at 0.067/s each: the playbook rule (per series) stays silent, sum(rate) fires', () => {
    // Each series: 1 + t/15. Per series (t + 7.5)/4500 → 0.0667 at 300 s; summed (t + 7.5)/2250, as above.
    const summed = tuneRule(HIGH_ROLLBACK_RATE, { aggregation: 'sum' });
    const store = new SeriesStore();
    let states = new Map<string, RuleEvaluation>();
    const seen = new Map<string, Set<string>>();
    for (let t = 0; t <= 360; t += 15) {
      const v = 1 + t / 15;
      ingest(store, t * S, rollbackText({ [`high_risk_${HASH_A}`]: v, [`heartbeat_miss_${HASH_B}`]: v }));
      states = evaluateRules(states, [HIGH_ROLLBACK_RATE, { ...summed, name: 'Summed' }], store, t * S);
      for (const [name, s] of states) seen.set(name, (seen.get(name) ?? new Set()).add(`${t}:${s.state}`));
    }
    assert.ok(![...seen.get('HighRollbackRate')!].some((x) => !x.endsWith('inactive')));
    assert.ok(seen.get('Summed')!.has('210:inactive'));
    assert.ok(seen.get('Summed')!.has('225:pending'));
    assert.ok(seen.get('Summed')!.has('345:firing'));
    const perSeries = states.get('HighRollbackRate')!.values.map((v) => v.value);
    assert.equal(perSeries.length, 2);
    for (const v of perSeries) assert.ok(Math.abs(v - 20 / 300) < 1e-12);
  });
});

describe('RollbackLatencyHigh can never fire', () => {
  test('every decision takes 45 s for 10 minutes: p95 is 30, never > 30', () => {
    const store = new SeriesStore();
    const les = ['0.1', '0.5', '1', '2', '5', '10', '30', '+Inf'];
    let state: RuleEvaluation | null = null;
    for (let k = 0; k <= 40; k++) {
      const text = les
        .map(
          (le) =>
            `${BOT_METRICS.decisionLatency}_bucket{le="${le}",decision_type="guard_trip"} ${le === '+Inf' ? 4 * k : 0}`,
        )
        .join('\n');
      store.ingest({
        at: k * 15 * S,
        families: parseExposition(`# TYPE ${BOT_METRICS.decisionLatency} histogram\n${text}`).families,
      });
      state = evaluateRule(state, ROLLBACK_LATENCY_HIGH, store, k * 15 * S);
      assert.equal(state.state, 'inactive');
    }
    assert.deepEqual(
      state!.values.map((v) => [{ ...v.labels }, v.value]),
      [[{ decision_type: 'guard_trip' }, 30]],
    );
  });

  test('canNeverFire explains why, with the bot’s buckets', () => {
    const a = canNeverFire(ROLLBACK_LATENCY_HIGH, DECISION_LATENCY_BUCKETS);
    assert.equal(a.neverFires, true);
    assert.match(a.explanation!, /> 30/);
    assert.match(a.explanation!, /largest finite bucket of incident_bot_decision_latency_seconds is 30/);
    assert.match(a.explanation!, /never returns more than the largest finite bucket bound/);
    assert.match(
      a.suggestion!,
      /^histogram_quantile\(0\.95, rate\(incident_bot_decision_latency_seconds_bucket\[5m\]\)\) > 10 /,
    );
  });

  test('with a bucket above 30, or a threshold below it, the rule can fire', () => {
    assert.equal(canNeverFire(ROLLBACK_LATENCY_HIGH, [...DECISION_LATENCY_BUCKETS, 60]).neverFires, false);
    assert.equal(
      canNeverFire(tuneRule(ROLLBACK_LATENCY_HIGH, { threshold: 10 }), DECISION_LATENCY_BUCKETS).neverFires,
      false,
    );
    assert.equal(canNeverFire(ROLLBACK_LATENCY_HIGH, []).neverFires, false, 'unknown buckets: no verdict');
    assert.equal(
      canNeverFire(tuneRule(ROLLBACK_LATENCY_HIGH, { threshold: 31 }), [0.1, 30, Infinity]).neverFires,
      true,
    );
  });
});

describe('canNeverFire for HighRollbackRate', () => {
  test('it can fire, but only for more than 30 rollbacks of one capsule in 5 min; sum(rate) is suggested', () => {
    const a = canNeverFire(HIGH_ROLLBACK_RATE, DECISION_LATENCY_BUCKETS);
    assert.equal(a.neverFires, false);
    assert.match(a.explanation!, /per series without sum/);
    assert.match(a.explanation!, /more than 30 rollbacks of the same capsule in 5m/);
    assert.match(a.explanation!, /first increment/);
    assert.equal(a.suggestion, 'sum(rate(incident_bot_rollbacks_total[5m])) > 0.1');
  });

  test('the summed form only keeps the first-increment caveat; a rule on a never-updated counter never fires', () => {
    const summed = canNeverFire(tuneRule(HIGH_ROLLBACK_RATE, { aggregation: 'sum' }), []);
    assert.equal(summed.neverFires, false);
    assert.equal(summed.suggestion, null);
    assert.match(summed.explanation!, /first increment/);
    const trips = canNeverFire({ ...HIGH_ROLLBACK_RATE, metric: BOT_METRICS.guardTrips }, []);
    assert.equal(trips.neverFires, true);
    assert.match(trips.explanation!, /never incremented/);
  });
});
