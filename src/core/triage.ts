import type { BotObservation, EventOrigin, EventSource, GuardTripInput } from './guardTrip';
import { validateScores } from './guardTrip';
import type { NodeId } from './flowchart';
import type { Thresholds } from './thresholds';
import { DEFAULT_THRESHOLDS } from './thresholds';

export type Verdict = 'invalid' | 'false-positive-thresholds' | 'false-positive-network' | 'legitimate';
export type RiskBand = 'high-fp' | 'monitor' | 'investigate' | 'rollback';
export type HeartbeatBand = 'none' | 'network' | 'suspicious' | 'compromise';
export type BotDecision = 'rollback' | 'no-rollback';

export const VERDICTS: readonly Verdict[] = [
  'legitimate',
  'false-positive-network',
  'false-positive-thresholds',
  'invalid',
];

const freeze = (ids: NodeId[]): readonly NodeId[] => Object.freeze(ids);

export const PATHS: Readonly<Record<Verdict | 'legitimate-high' | 'manual-legitimate', readonly NodeId[]>> =
  Object.freeze({
    invalid: freeze(['A']),
    'false-positive-thresholds': freeze(['A', 'B', 'C', 'E', 'F', 'L']),
    'false-positive-network': freeze(['A', 'B', 'C', 'E', 'G', 'I', 'J', 'L']),
    legitimate: freeze(['A', 'B', 'C', 'E', 'G', 'I', 'K', 'D', 'M', 'N', 'O']),
    'legitimate-high': freeze(['A', 'B', 'C', 'E', 'H', 'D', 'M', 'N', 'O']),
    'manual-legitimate': freeze(['A', 'B', 'D', 'M', 'N', 'O']),
  });

export const VERDICT_TITLES: Readonly<Record<Verdict, string>> = {
  legitimate: 'Legitimate incident',
  'false-positive-network': 'False positive – network issue',
  'false-positive-thresholds': 'False positive – adjust thresholds',
  invalid: 'Invalid event',
};

export const RISK_BAND_TEXT: Readonly<Record<RiskBand, { action: string; fpLikelihood: string }>> = {
  'high-fp': { action: 'Investigate', fpLikelihood: 'High' },
  monitor: { action: 'Monitor', fpLikelihood: 'Medium' },
  investigate: { action: 'Investigate', fpLikelihood: 'Low' },
  rollback: { action: 'Proceed with rollback', fpLikelihood: 'Very Low' },
};

export const HEARTBEAT_BAND_TEXT: Readonly<Record<HeartbeatBand, string>> = {
  none: 'No missed heartbeats',
  network: 'Likely network issue',
  suspicious: 'Suspicious activity',
  compromise: 'High probability of compromise',
};

/** One step of the explanation: the node, the rule applied there and the observed value. */
export interface PathStep {
  node: NodeId;
  rule?: string;
}

export interface TriageResult {
  capsuleHash: string | null;
  tenantId: string | null;
  /** As given: a number when valid, the offending value when invalid. */
  riskScore: unknown;
  heartbeatMisses: unknown;
  ts: string | null;
  source: EventSource;
  verdict: Verdict;
  /** Shared, frozen arrays: never mutate. */
  path: readonly NodeId[];
  riskBand: RiskBand | null;
  heartbeatBand: HeartbeatBand | null;
  /** What the incident-bot decided (from its log when known, else by its rule); null when it could not decide. */
  botDecision: BotDecision | null;
  botDecisionSource: 'log' | 'rule' | null;
  disagreement: boolean;
  warnings: string[];
  /** For `invalid`: which field and why. */
  error?: string;
  errorField?: 'riskScore' | 'heartbeatMisses';
  /** The thresholds this result was computed with (for explanations). */
  thresholds: Thresholds;
  bot: BotObservation | undefined;
  origin: EventOrigin | undefined;
  reason: string | undefined;
}

export function riskBand(r: number, t: Thresholds): RiskBand {
  if (r < t.riskMonitor) return 'high-fp';
  if (r < t.riskLow) return 'monitor';
  if (r <= t.riskHigh) return 'investigate';
  return 'rollback';
}

export function heartbeatBand(m: number): HeartbeatBand {
  if (m === 0) return 'none';
  if (m <= 2) return 'network';
  if (m <= 4) return 'suspicious';
  return 'compromise';
}

/** The incident-bot's rule (facts §2.5): inclusive comparisons joined by OR. */
export function botRule(r: number, m: number, t: Thresholds): BotDecision {
  return r >= t.botRiskThreshold || m >= t.botMissThreshold ? 'rollback' : 'no-rollback';
}

function fmt(n: number): string {
  return String(n);
}

/** Triage one GuardTrip by triage-spec.md. Total: never throws, whatever the input. */
export function triage(input: GuardTripInput, thresholds: Thresholds = DEFAULT_THRESHOLDS): TriageResult {
  const t = thresholds;
  const warnings: string[] = input.notes ? input.notes.slice() : [];
  const observed = input.bot?.decision;
  const logDecision: BotDecision | null = observed === 'rollback' || observed === 'no-rollback' ? observed : null;
  // One object shape for every result (no spreads): this runs once per GuardTrip in 100 MB logs.
  const res: TriageResult = {
    capsuleHash: input.capsuleHash ?? null,
    tenantId: input.tenantId ?? null,
    riskScore: input.riskScore,
    heartbeatMisses: input.heartbeatMisses,
    ts: input.ts ?? null,
    source: input.source,
    verdict: 'invalid',
    path: PATHS.invalid,
    riskBand: null,
    heartbeatBand: null,
    botDecision: null,
    botDecisionSource: null,
    disagreement: false,
    warnings,
    thresholds: t,
    bot: input.bot,
    origin: input.origin,
    reason: input.reason,
  };
  if (observed === 'rejected') {
    warnings.push('The incident-bot rejected this event at its schema check and took no action.');
  }

  const v = validateScores(input.riskScore, input.heartbeatMisses);
  if (!v.ok) {
    res.error = v.error;
    res.errorField = v.field;
    res.botDecision = logDecision;
    res.botDecisionSource = logDecision ? 'log' : null;
    // The bot range-checks nothing: a number out of [0, 1] (or a fractional count) still goes through its rule.
    if (
      !logDecision &&
      observed !== 'rejected' &&
      typeof input.riskScore === 'number' &&
      typeof input.heartbeatMisses === 'number'
    ) {
      res.botDecision = botRule(input.riskScore, input.heartbeatMisses, t);
      res.botDecisionSource = 'rule';
    }
    if (res.botDecision === 'rollback') {
      warnings.push(`The incident-bot rolls back on this out-of-range input (${v.error}).`);
    }
    return res;
  }

  const { riskScore: r, heartbeatMisses: m } = v.value;
  res.riskBand = riskBand(r, t);
  res.heartbeatBand = heartbeatBand(m);
  if (r < t.riskLow) {
    res.verdict = 'false-positive-thresholds';
  } else if (r <= t.riskHigh) {
    res.verdict = m < t.missThreshold ? 'false-positive-network' : 'legitimate';
  } else {
    res.verdict = 'legitimate';
  }
  res.path = r > t.riskHigh ? PATHS['legitimate-high'] : PATHS[res.verdict];

  const ruleDecision = botRule(r, m, t);
  if (observed !== 'rejected') {
    res.botDecision = logDecision ?? ruleDecision;
    res.botDecisionSource = logDecision ? 'log' : 'rule';
  }
  if (logDecision && logDecision !== ruleDecision) {
    warnings.push(
      `The bot's log says ${logDecision}, but its rule with the configured thresholds (risk >= ${fmt(t.botRiskThreshold)} or misses >= ${t.botMissThreshold}) gives ${ruleDecision}: the live bot thresholds may differ.`,
    );
  }
  const isFalsePositive = res.verdict !== 'legitimate';
  // A rejected event is one the bot did not roll back, so it disagrees with a legitimate verdict too.
  res.disagreement = isFalsePositive ? res.botDecision === 'rollback' : res.botDecision !== 'rollback';
  if (isFalsePositive && res.heartbeatBand === 'compromise') {
    warnings.push(
      `False-positive verdict, but ${m} missed heartbeats is in the "${HEARTBEAT_BAND_TEXT.compromise}" band.`,
    );
  }
  if (r < t.riskLow && m >= t.missThreshold) {
    warnings.push(
      `Risk ${fmt(r)} < ${fmt(t.riskLow)} means the flowchart never checks heartbeats, yet ${m} misses >= ${t.missThreshold}.`,
    );
  }
  if (input.bot?.rollbackError) {
    warnings.push(`The bot decided to roll back but creating the Rollback failed: ${input.bot.rollbackError}`);
  }
  return res;
}

/**
 * The rule and observed value at each node of a result's path ("risk 0.82 > 0.8"), for tooltips and the
 * flowchart. Built on demand: most results are never displayed.
 */
export function pathSteps(res: TriageResult): PathStep[] {
  const t = res.thresholds;
  if (res.verdict === 'invalid' || typeof res.riskScore !== 'number' || typeof res.heartbeatMisses !== 'number') {
    return [{ node: 'A', rule: `Invalid input: ${res.error ?? 'bad input'}` }];
  }
  const r = res.riskScore;
  const m = res.heartbeatMisses;
  const rules: Partial<Record<NodeId, string>> = {
    A: `risk ${fmt(r)}, ${m} missed heartbeat${m === 1 ? '' : 's'}`,
  };
  if (r < t.riskLow) rules.E = `risk ${fmt(r)} < ${fmt(t.riskLow)}: low risk`;
  else if (r <= t.riskHigh) {
    rules.E = `risk ${fmt(r)} in [${fmt(t.riskLow)}, ${fmt(t.riskHigh)}]: medium risk`;
    rules.I = m < t.missThreshold ? `misses ${m} < ${t.missThreshold}` : `misses ${m} >= ${t.missThreshold}`;
  } else rules.E = `risk ${fmt(r)} > ${fmt(t.riskHigh)}: high risk`;
  return res.path.map((node) => (rules[node] !== undefined ? { node, rule: rules[node] } : { node }));
}

/** The one-line summary used in tooltips, the CLI table and reports. */
export function explain(res: TriageResult): string {
  if (res.verdict === 'invalid') return `Invalid event: ${res.error ?? 'bad input'}.`;
  const rules = pathSteps(res)
    .filter((s) => s.rule && (s.node === 'E' || s.node === 'I'))
    .map((s) => s.rule);
  const bot = res.botDecision
    ? `bot: ${res.botDecision}${res.botDecisionSource === 'log' ? ' (from its log)' : ''}`
    : 'bot: no decision';
  return `${VERDICT_TITLES[res.verdict]}: ${rules.join('; ')}. ${bot}${res.disagreement ? ' — disagrees with the playbook' : ''}.`;
}
