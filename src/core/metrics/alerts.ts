import type { Labels } from './labels';
import { labelsKey } from './labels';
import { BOT_METRICS, NEVER_UPDATED_METRICS } from './names';
import { formatDuration, histogramQuantileQuery, rateQuery, sumQuery } from './promql';
import type { SeriesStore } from './series';
import type { InstantVector } from './vector';
import { histogramQuantileVector, rateVector, sumBy } from './vector';

/** Prometheus alerting rules as data, their pending/firing state across evaluations, and what they can never do. */

export type AlertState = 'inactive' | 'pending' | 'firing';

interface RuleCommon {
  name: string;
  /** Rule group (PrometheusRule `spec.groups[].name`). */
  group: string;
  /** PromQL shown and exported. `ruleExpr` derives it from the fields below; `tuneRule` keeps the two in step. */
  expr: string;
  severity: string;
  summary: string;
  forMs: number;
  /** Active while the expression value is strictly greater than this. */
  threshold: number;
  rangeMs: number;
}

export interface RateRule extends RuleCommon {
  kind: 'rate';
  metric: string;
  /** `per-series`: `rate(x[r]) > t`, one alert per series (the playbook's form); `sum`: `sum(rate(x[r])) > t`. */
  aggregation: 'per-series' | 'sum';
}

export interface QuantileRule extends RuleCommon {
  kind: 'quantile';
  /** Histogram base name, without `_bucket`. */
  histogram: string;
  quantile: number;
  /** `per-series`: `histogram_quantile(q, rate(x_bucket[r]))`; `sum-by-le` sums the buckets of all series first. */
  aggregation: 'per-series' | 'sum-by-le';
}

export type AlertRule = RateRule | QuantileRule;

export function ruleExpr(rule: AlertRule): string {
  let value: string;
  if (rule.kind === 'rate') {
    const rated = rateQuery(rule.metric, rule.rangeMs);
    value = rule.aggregation === 'sum' ? sumQuery(rated) : rated;
  } else {
    const by = rule.aggregation === 'sum-by-le' ? ['le'] : undefined;
    value = histogramQuantileQuery(rule.quantile, rule.histogram, rule.rangeMs, by);
  }
  return `${value} > ${rule.threshold}`;
}

const PLAYBOOK_GROUP = 'incident-response';

/** `docs/playbooks/incident_response.md` (facts §9): shown in the playbook, deployed nowhere. */
export const HIGH_ROLLBACK_RATE: RateRule = Object.freeze({
  name: 'HighRollbackRate',
  group: PLAYBOOK_GROUP,
  expr: 'rate(incident_bot_rollbacks_total[5m]) > 0.1',
  severity: 'warning',
  summary: 'High rollback rate detected',
  forMs: 2 * 60_000,
  threshold: 0.1,
  rangeMs: 5 * 60_000,
  kind: 'rate',
  metric: BOT_METRICS.rollbacks,
  aggregation: 'per-series',
});

export const ROLLBACK_LATENCY_HIGH: QuantileRule = Object.freeze({
  name: 'RollbackLatencyHigh',
  group: PLAYBOOK_GROUP,
  expr: 'histogram_quantile(0.95, rate(incident_bot_decision_latency_seconds_bucket[5m])) > 30',
  severity: 'critical',
  summary: 'Rollback decision latency is high',
  forMs: 5 * 60_000,
  threshold: 30,
  rangeMs: 5 * 60_000,
  kind: 'quantile',
  histogram: BOT_METRICS.decisionLatency,
  quantile: 0.95,
  aggregation: 'per-series',
});

export const PLAYBOOK_RULES: readonly AlertRule[] = Object.freeze([HIGH_ROLLBACK_RATE, ROLLBACK_LATENCY_HIGH]);

export type RuleTuning = Partial<Pick<RuleCommon, 'threshold' | 'forMs' | 'severity' | 'summary' | 'name' | 'group'>>;

/** A copy of `rule` with user-tuned fields and the expression rebuilt to match them. */
export function tuneRule<R extends AlertRule>(rule: R, tuning: RuleTuning & { aggregation?: R['aggregation'] }): R {
  const tuned = { ...rule, ...tuning } as R;
  return { ...tuned, expr: ruleExpr(tuned) };
}

/** The expression's value per label set at `t`, before the comparison with the threshold. */
export function evaluateExpression(rule: AlertRule, store: SeriesStore, t: number): InstantVector {
  if (rule.kind === 'rate') {
    const rates = rateVector(store.select(rule.metric), rule.rangeMs, t);
    return rule.aggregation === 'sum' ? sumBy(rates, []) : rates;
  }
  const buckets = rateVector(store.select(`${rule.histogram}_bucket`), rule.rangeMs, t);
  return histogramQuantileVector(rule.quantile, rule.aggregation === 'sum-by-le' ? sumBy(buckets, ['le']) : buckets);
}

export interface AlertInstance {
  labels: Labels;
  state: AlertState;
  /** The evaluation at which the value last went above the threshold (Prometheus `activeAt`). */
  activeSince: number;
  firedAt: number | null;
  /** Set when a firing alert stops; kept `RESOLVED_RETENTION_MS` as Prometheus does, to report it resolved. */
  resolvedAt: number | null;
  /** The expression value at the latest evaluation that was above the threshold. */
  value: number;
}

export interface RuleEvaluation {
  rule: string;
  /** The highest state of any instance: firing > pending > inactive. */
  state: AlertState;
  /** The earliest `activeSince` among pending and firing instances. */
  activeSince: number | null;
  /** Firing first, then pending, then recently resolved. */
  instances: AlertInstance[];
  /** All values of the latest evaluation, including those at or below the threshold. */
  values: InstantVector;
  evaluatedAt: number | null;
}

export const RESOLVED_RETENTION_MS = 15 * 60_000;

const RANK: Readonly<Record<AlertState, number>> = { inactive: 0, pending: 1, firing: 2 };

/**
 * One rule evaluation at `t`, as Prometheus' `AlertingRule.Eval` does it: a label set above the threshold becomes
 * pending (`activeSince = t`) and fires once it has been above for `forMs` (at once with `for: 0`); a pending alert
 * that drops is forgotten, so it starts over; a firing one becomes inactive with `resolvedAt`. Pure: `prev` is not
 * mutated. Evaluations at or before the previous one are ignored.
 */
export function stepAlert(
  prev: RuleEvaluation | null,
  rule: AlertRule,
  values: InstantVector,
  t: number,
): RuleEvaluation {
  if (prev?.evaluatedAt != null && t <= prev.evaluatedAt) return prev;
  const alerts = new Map<string, AlertInstance>();
  for (const a of prev?.instances ?? []) alerts.set(labelsKey(a.labels), { ...a });
  const activeKeys = new Set<string>();
  for (const s of values) {
    if (!(s.value > rule.threshold)) continue;
    const key = labelsKey(s.labels);
    activeKeys.add(key);
    const existing = alerts.get(key);
    if (existing && existing.state !== 'inactive') {
      existing.value = s.value;
    } else {
      // New, or resolved earlier: a fresh pending alert, as Prometheus does.
      alerts.set(key, {
        labels: s.labels,
        state: 'pending',
        activeSince: t,
        firedAt: null,
        resolvedAt: null,
        value: s.value,
      });
    }
  }
  for (const [key, a] of alerts) {
    if (!activeKeys.has(key)) {
      if (a.state === 'pending' || (a.resolvedAt !== null && t - a.resolvedAt > RESOLVED_RETENTION_MS)) {
        alerts.delete(key);
      } else if (a.state === 'firing') {
        a.state = 'inactive';
        a.resolvedAt = t;
      }
    } else if (a.state === 'pending' && t - a.activeSince >= rule.forMs) {
      a.state = 'firing';
      a.firedAt = t;
    }
  }
  const instances = [...alerts.values()].sort(
    (a, b) =>
      RANK[b.state] - RANK[a.state] || a.activeSince - b.activeSince || cmp(labelsKey(a.labels), labelsKey(b.labels)),
  );
  const active = instances.filter((a) => a.state !== 'inactive');
  return {
    rule: rule.name,
    state: instances[0]?.state ?? 'inactive',
    activeSince: active.length ? Math.min(...active.map((a) => a.activeSince)) : null,
    instances,
    values,
    evaluatedAt: t,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Evaluates `rule` against the store at `t` (normally the time of the scrape just ingested). */
export function evaluateRule(
  prev: RuleEvaluation | null,
  rule: AlertRule,
  store: SeriesStore,
  t: number,
): RuleEvaluation {
  return stepAlert(prev, rule, evaluateExpression(rule, store, t), t);
}

export interface RuleAnalysis {
  neverFires: boolean;
  /** Why it can never fire, or what makes it fire much less often than its text suggests; null when nothing. */
  explanation: string | null;
  /** A better expression, when there is one. */
  suggestion: string | null;
}

/** 0.1 × 300 gives 30.000000000000004; a count of rollbacks should read 30. */
const tidy = (n: number): number => Math.round(n * 1e9) / 1e9;

/**
 * Static analysis of a rule. A quantile rule whose threshold is at or above the largest finite bucket bound can
 * never fire: histogram_quantile returns that bound when the rank falls in the `+Inf` bucket, and never more.
 * A per-series rate rule on the rollbacks counter compares each capsule on its own.
 */
export function canNeverFire(rule: AlertRule, bucketBounds: readonly number[]): RuleAnalysis {
  const window = formatDuration(rule.rangeMs);
  if (rule.kind === 'quantile') {
    const finite = bucketBounds.filter((b) => Number.isFinite(b));
    if (finite.length === 0) return { neverFires: false, explanation: null, suggestion: null };
    const largest = Math.max(...finite);
    if (rule.threshold < largest) return { neverFires: false, explanation: null, suggestion: null };
    const lower = finite.filter((b) => b < largest);
    const suggested = tuneRule(rule, { threshold: lower.length ? Math.max(...lower) : largest / 2 });
    return {
      neverFires: true,
      explanation:
        `${rule.name} compares the p${tidy(rule.quantile * 100)} with > ${rule.threshold}, but the largest finite ` +
        `bucket of ${rule.histogram} is ${largest}. histogram_quantile never returns more than the largest finite ` +
        `bucket bound: when the rank falls in the +Inf bucket it returns ${largest}. So the expression is never ` +
        `above ${rule.threshold} and the alert can never fire, however slow decisions get.`,
      suggestion: `${suggested.expr} (or add buckets above ${rule.threshold} s to the bot's histogram)`,
    };
  }
  if (NEVER_UPDATED_METRICS.has(rule.metric)) {
    return {
      neverFires: true,
      explanation: `${rule.metric} is defined by the bot but never incremented, so its rate is never above ${rule.threshold}.`,
      suggestion: null,
    };
  }
  if (rule.metric !== BOT_METRICS.rollbacks) return { neverFires: false, explanation: null, suggestion: null };
  const firstIncrement =
    "prom-client creates a capsule's series at its first rollback with the value 1, and rate() never counts that " +
    'first increment, so a capsule rolled back once adds nothing to any rate.';
  if (rule.aggregation === 'sum') return { neverFires: false, explanation: firstIncrement, suggestion: null };
  return {
    neverFires: false,
    explanation:
      `${rule.name} uses rate() per series without sum, and every series of ${rule.metric} is one capsule (the ` +
      `reason label is high_risk_<capsuleHash> or heartbeat_miss_<capsuleHash>). So > ${rule.threshold}/s needs ` +
      `more than ${tidy(rule.threshold * (rule.rangeMs / 1000))} rollbacks of the same capsule in ${window}; ` +
      `rollbacks spread over many capsules never fire it. Also, ${firstIncrement}`,
    suggestion: tuneRule(rule, { aggregation: 'sum' }).expr,
  };
}

/** Evaluates every rule at `t`, carrying each rule's previous evaluation (by rule name). */
export function evaluateRules(
  prev: ReadonlyMap<string, RuleEvaluation>,
  rules: readonly AlertRule[],
  store: SeriesStore,
  t: number,
): Map<string, RuleEvaluation> {
  return new Map(rules.map((r) => [r.name, evaluateRule(prev.get(r.name) ?? null, r, store, t)]));
}
