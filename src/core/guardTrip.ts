/** Where an event was read from (triage-spec.md CLI contract `source`). */
export type EventSource = 'event' | 'alertmanager' | 'log';

/**
 * One GuardTrip as read from any input, before validation. Scores stay `unknown` because bad input
 * (a string "0.9", NaN from parseFloat, a negative count) must reach the triage engine to be reported as invalid.
 */
export interface GuardTripInput {
  capsuleHash: string | null;
  tenantId: string | null;
  riskScore: unknown;
  heartbeatMisses: unknown;
  /** ISO-8601 when known. */
  ts: string | null;
  source: EventSource;
  /** Optional `reason` of the GuardTrip (e.g. the sidecar's guard-trip text or an alert summary). */
  reason?: string;
  /** What the incident-bot did, when its own log says so. */
  bot?: BotObservation;
  /** Where the event came from in its input (file, line numbers, pod), for "show source". */
  origin?: EventOrigin;
  /** Notes from parsing (e.g. "resolved alert"), carried into the triage warnings. */
  notes?: string[];
}

export interface EventOrigin {
  file?: string;
  /** 1-based line numbers of the input lines behind this event. */
  firstLine?: number;
  lastLine?: number;
  /** Pod or stream the lines came from (kubectl logs --prefix, or a live stream id). */
  stream?: string;
  /** The raw lines (ANSI removed), capped, for the tree's "log lines behind it". */
  lines?: string[];
}

export interface BotObservation {
  /** `rollback` / `no-rollback` from the decision lines, `rejected` when the bot's schema check refused the event. */
  decision: 'rollback' | 'no-rollback' | 'rejected' | 'unknown';
  /** The reason prefix of a rollback decision (`high_risk` / `heartbeat_miss`). */
  reasonKind?: 'high_risk' | 'heartbeat_miss';
  /** `rollback-<ms>` when the bot logged "Rollback CR created successfully". */
  rollbackName?: string;
  /** Target release from "Executing rollback to release X". */
  targetRelease?: string;
  /** Set when the CR creation failed ("Failed to execute rollback:" + error line). */
  rollbackError?: string;
  /** Other error pairs logged while handling the event (e.g. "Error getting last stable release: Error: HelmRelease not found"). */
  errors?: string[];
  /** Kafka consumer or Alertmanager controller path. */
  path?: 'kafka' | 'alert';
}

/** A validated GuardTrip: scores are in range. */
export interface ValidGuardTrip {
  riskScore: number;
  heartbeatMisses: number;
}

export type Validation =
  { ok: true; value: ValidGuardTrip } | { ok: false; field: 'riskScore' | 'heartbeatMisses'; error: string };

function describe(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (typeof v === 'number') return String(v);
  return `a ${typeof v}`;
}

/** Validates the two scored fields exactly as triage-spec.md "Inputs" says; everything else is carried as data. */
export function validateScores(riskScore: unknown, heartbeatMisses: unknown): Validation {
  if (typeof riskScore !== 'number' || !Number.isFinite(riskScore) || riskScore < 0 || riskScore > 1) {
    return {
      ok: false,
      field: 'riskScore',
      error: `riskScore must be a finite number in [0, 1], got ${describe(riskScore)}`,
    };
  }
  if (typeof heartbeatMisses !== 'number' || !Number.isInteger(heartbeatMisses) || heartbeatMisses < 0) {
    return {
      ok: false,
      field: 'heartbeatMisses',
      error: `heartbeatMisses must be an integer >= 0, got ${describe(heartbeatMisses)}`,
    };
  }
  return { ok: true, value: { riskScore, heartbeatMisses } };
}

/**
 * The incident-bot's own schema check for Kafka messages (facts §2.3): strings for capsuleHash/tenantId/ts,
 * numbers for the scores (no range check), eventType 'guard_trip'. Returns why it would reject the message.
 */
export function botSchemaProblems(obj: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const f of ['capsuleHash', 'tenantId', 'ts'] as const) {
    if (typeof obj[f] !== 'string') problems.push(`${f} is not a string`);
  }
  for (const f of ['riskScore', 'heartbeatMisses'] as const) {
    if (typeof obj[f] !== 'number') problems.push(`${f} is not a number`);
  }
  if (obj.eventType !== 'guard_trip') problems.push(`eventType is ${describe(obj.eventType)}, not 'guard_trip'`);
  return problems;
}
