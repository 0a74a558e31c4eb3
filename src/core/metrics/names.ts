/** The incident-bot's metrics (facts §2.9: `runtime/incident-bot/src/metrics/metrics.service.ts`). */
export const BOT_METRICS = {
  /** counter, label `reason` = `high_risk_<capsuleHash>` | `heartbeat_miss_<capsuleHash>`: one series per capsule. */
  rollbacks: 'incident_bot_rollbacks_total',
  /** counter, label `tenant_id`; never incremented by the bot. */
  guardTrips: 'incident_bot_guard_trips_total',
  /** counter, label `alert_name`; never incremented. */
  alerts: 'incident_bot_alerts_total',
  /** counter, label `error_type`; never incremented. */
  decisionErrors: 'incident_bot_decision_errors_total',
  /** histogram, label `decision_type` (always `guard_trip`), buckets `DECISION_LATENCY_BUCKETS`. */
  decisionLatency: 'incident_bot_decision_latency_seconds',
  /** gauge, labels `topic`, `partition`; never set. */
  kafkaLag: 'incident_bot_kafka_consumer_lag',
  /** gauge, no labels; never set, so always 0. */
  activeRollbacks: 'incident_bot_active_rollbacks',
} as const;

/** Finite bucket bounds of `incident_bot_decision_latency_seconds` (`+Inf` is implicit). */
export const DECISION_LATENCY_BUCKETS: readonly number[] = [0.1, 0.5, 1, 2, 5, 10, 30];

/** Defined by the bot but never updated by its code: a missing or zero value says nothing about the system. */
export const NEVER_UPDATED_METRICS: ReadonlySet<string> = new Set([
  BOT_METRICS.guardTrips,
  BOT_METRICS.alerts,
  BOT_METRICS.decisionErrors,
  BOT_METRICS.kafkaLag,
  BOT_METRICS.activeRollbacks,
]);

export const NEVER_INCREMENTED_NOTE = 'no data (the bot never increments this metric)';
export const NEVER_SET_GAUGE_NOTE =
  'always 0: the bot never updates this gauge, so 0 does not mean that no rollback is in progress';

export type RollbackReasonKind = 'high_risk' | 'heartbeat_miss' | 'other';

/** Splits a rollbacks `reason` label into the bot's reason and the capsule hash it appended. */
export function parseRollbackReason(reason: string): { kind: RollbackReasonKind; capsuleHash: string | null } {
  for (const kind of ['high_risk', 'heartbeat_miss'] as const) {
    const prefix = `${kind}_`;
    if (reason.startsWith(prefix)) return { kind, capsuleHash: reason.slice(prefix.length) || null };
  }
  return { kind: 'other', capsuleHash: null };
}
