/** Every triage boundary of the playbook and the incident-bot, configurable (triage-spec.md "Inputs"). */
export interface Thresholds {
  /** Flowchart "Low Risk < 0.5". */
  riskLow: number;
  /** Flowchart "High Risk > 0.8". */
  riskHigh: number;
  /** Risk-table boundary between "Investigate" (high FP likelihood) and "Monitor". */
  riskMonitor: number;
  /** Flowchart "< 3 misses" / ">= 3 misses". */
  missThreshold: number;
  /** The bot's RISK_SCORE_THRESHOLD. */
  botRiskThreshold: number;
  /** The bot's HEARTBEAT_MISSES_THRESHOLD. */
  botMissThreshold: number;
}

export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze({
  riskLow: 0.5,
  riskHigh: 0.8,
  riskMonitor: 0.3,
  missThreshold: 3,
  botRiskThreshold: 0.8,
  botMissThreshold: 3,
});

export type ThresholdName = keyof Thresholds;

export const THRESHOLD_NAMES: readonly ThresholdName[] = [
  'riskLow',
  'riskHigh',
  'riskMonitor',
  'missThreshold',
  'botRiskThreshold',
  'botMissThreshold',
];

/**
 * Returns the problems with a threshold set, empty when usable. Risk boundaries live in [0, 1] and must be ordered
 * (monitor <= low <= high) or the bands would overlap; miss thresholds are counts.
 */
export function validateThresholds(t: Thresholds): string[] {
  const problems: string[] = [];
  for (const name of ['riskLow', 'riskHigh', 'riskMonitor', 'botRiskThreshold'] as const) {
    const v = t[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
      problems.push(`${name} must be a number in [0, 1]`);
    }
  }
  for (const name of ['missThreshold', 'botMissThreshold'] as const) {
    const v = t[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) problems.push(`${name} must be an integer >= 0`);
  }
  if (problems.length === 0) {
    if (t.riskMonitor > t.riskLow) problems.push('riskMonitor must not be greater than riskLow');
    if (t.riskLow > t.riskHigh) problems.push('riskLow must not be greater than riskHigh');
  }
  return problems;
}

/** Merges a partial override onto the defaults, ignoring undefined entries. */
export function withThresholds(overrides: Partial<Thresholds> = {}): Thresholds {
  const out: Thresholds = { ...DEFAULT_THRESHOLDS };
  for (const name of THRESHOLD_NAMES) {
    const v = overrides[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}
