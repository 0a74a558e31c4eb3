import type { RollbackReasonKind } from './names';
import { BOT_METRICS, DECISION_LATENCY_BUCKETS, NEVER_INCREMENTED_NOTE, NEVER_SET_GAUGE_NOTE } from './names';
import { parseRollbackReason } from './names';
import type { SeriesStore } from './series';
import type { InstantVector } from './vector';
import { histogramQuantileVector, instantVector, rateVector, sum, sumBy } from './vector';

/** What the incident-bot's metrics say at one time, with the caveats its code makes necessary (facts §2.9). */

export interface RollbackRate {
  reason: string;
  kind: RollbackReasonKind;
  capsuleHash: string | null;
  /** Rollbacks per second over the range, for this capsule alone. */
  rate: number;
}

export interface Reading<T> {
  value: T | null;
  /** Why there is no value, or why the value misleads; null when it can be taken at face value. */
  note: string | null;
}

export interface BotMetricsSnapshot {
  at: number;
  rangeMs: number;
  /** `rate(incident_bot_rollbacks_total[5m])`, per capsule, highest first: what HighRollbackRate compares. */
  rollbackRates: RollbackRate[];
  /** `sum(rate(incident_bot_rollbacks_total[5m]))`: null when no series has two points in the range. */
  rollbackRateSum: number | null;
  /** `histogram_quantile(0.95, sum by (le) (rate(..._bucket[5m])))`. */
  decisionLatencyP95: Reading<number>;
  /** `sum by (tenant_id) (rate(incident_bot_guard_trips_total[5m]))`. */
  guardTripsByTenant: Reading<{ tenantId: string; rate: number }[]>;
  activeRollbacks: Reading<number>;
}

export const DEFAULT_RANGE_MS = 5 * 60_000;

const LARGEST_LATENCY_BUCKET = Math.max(...DECISION_LATENCY_BUCKETS);

function rollbackRates(v: InstantVector): RollbackRate[] {
  return v
    .map((s) => {
      const reason = s.labels['reason'] ?? '';
      return { reason, ...parseRollbackReason(reason), rate: s.value };
    })
    .sort((a, b) => b.rate - a.rate || (a.reason < b.reason ? -1 : 1));
}

function latencyP95(store: SeriesStore, t: number, rangeMs: number): Reading<number> {
  const buckets = rateVector(store.select(`${BOT_METRICS.decisionLatency}_bucket`), rangeMs, t);
  const p95 = histogramQuantileVector(0.95, sumBy(buckets, ['le']))[0]?.value;
  if (p95 === undefined) return { value: null, note: 'no data (fewer than two scrapes of the histogram in the range)' };
  if (Number.isNaN(p95)) return { value: null, note: 'no decisions in the range' };
  const note =
    p95 >= LARGEST_LATENCY_BUCKET
      ? `at the largest finite bucket (${LARGEST_LATENCY_BUCKET} s): the real p95 may be anything above it`
      : null;
  return { value: p95, note };
}

function guardTrips(store: SeriesStore, t: number, rangeMs: number): BotMetricsSnapshot['guardTripsByTenant'] {
  const series = store.select(BOT_METRICS.guardTrips);
  if (series.length === 0) {
    const declared = store.family(BOT_METRICS.guardTrips) !== undefined;
    return { value: null, note: declared ? NEVER_INCREMENTED_NOTE : 'no data (the metric is not in the scrape)' };
  }
  const byTenant = sumBy(rateVector(series, rangeMs, t), ['tenant_id']).map((s) => ({
    tenantId: s.labels['tenant_id'] ?? '',
    rate: s.value,
  }));
  return { value: byTenant, note: byTenant.length === 0 ? 'no data yet (needs two scrapes in the range)' : null };
}

function activeRollbacks(store: SeriesStore, t: number): Reading<number> {
  const value = sum(instantVector(store.select(BOT_METRICS.activeRollbacks), t));
  if (value === null) return { value: null, note: 'no data (the metric is not in the scrape)' };
  return { value, note: value === 0 ? NEVER_SET_GAUGE_NOTE : null };
}

export function readBotMetrics(store: SeriesStore, t: number, rangeMs = DEFAULT_RANGE_MS): BotMetricsSnapshot {
  const rates = rateVector(store.select(BOT_METRICS.rollbacks), rangeMs, t);
  return {
    at: t,
    rangeMs,
    rollbackRates: rollbackRates(rates),
    rollbackRateSum: sum(rates),
    decisionLatencyP95: latencyP95(store, t, rangeMs),
    guardTripsByTenant: guardTrips(store, t, rangeMs),
    activeRollbacks: activeRollbacks(store, t),
  };
}
