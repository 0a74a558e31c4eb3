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

export const PATHS: Readonly<Record<Verdict | 'legitimate-high' | 'manual-legitimate', readonly NodeId[]>> = {
  invalid: ['A'],
  'false-positive-thresholds': ['A', 'B', 'C', 'E', 'F', 'L'],
  'false-positive-network': ['A', 'B', 'C', 'E', 'G', 'I', 'J', 'L'],
  legitimate: ['A', 'B', 'C', 'E', 'G', 'I', 'K', 'D', 'M', 'N', 'O'],
  'legitimate-high': ['A', 'B', 'C', 'E', 'H', 'D', 'M', 'N', 'O'],
  'manual-legitimate': ['A', 'B', 'D', 'M', 'N', 'O'],
};

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
  path: NodeId[];
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
  /** Rule and observed value at each node of the path, for tooltips and the flowchart. */
  steps: PathStep[];
  bot?: BotObservation;
  origin?: EventOrigin;
  reason?: string;
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
  const base = {
    capsuleHash: input.capsuleHash ?? null,
    tenantId: input.tenantId ?? null,
    riskScore: input.riskScore,
    heartbeatMisses: input.heartbeatMisses,
    ts: input.ts ?? null,
    source: input.source,
    ...(input.bot ? { bot: input.bot } : {}),
    ...(input.origin ? { origin: input.origin } : {}),
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
  };
  const warnings: string[] = [...(input.notes ?? [])];
  const observed = input.bot?.decision;
  const logDecision: BotDecision | null = observed === 'rollback' || observed === 'no-rollback' ? observed : null;

  const v = validateScores(input.riskScore, input.heartbeatMisses);
  if (!v.ok) {
    let botDecision: BotDecision | null = logDecision;
    let source: 'log' | 'rule' | null = logDecision ? 'log' : null;
    // The bot range-checks nothing: a number out of [0, 1] (or a fractional count) still goes through its rule.
    if (
      !botDecision &&
      observed !== 'rejected' &&
      typeof input.riskScore === 'number' &&
      typeof input.heartbeatMisses === 'number'
    ) {
      botDecision = botRule(input.riskScore, input.heartbeatMisses, t);
      source = 'rule';
    }
    if (observed === 'rejected') {
      warnings.push('The incident-bot rejected this event at its schema check and took no action.');
    }
    if (botDecision === 'rollback') {
      warnings.push(`The incident-bot rolls back on this out-of-range input (${v.error}).`);
    }
    return {
      ...base,
      verdict: 'invalid',
      path: [...PATHS.invalid],
      riskBand: null,
      heartbeatBand: null,
      botDecision,
      botDecisionSource: source,
      disagreement: false,
      warnings,
      error: v.error,
      errorField: v.field,
      steps: [{ node: 'A', rule: `Invalid input: ${v.error}` }],
    };
  }

  const { riskScore: r, heartbeatMisses: m } = v.value;
  const rb = riskBand(r, t);
  const hb = heartbeatBand(m);
  let verdict: Verdict;
  let path: NodeId[];
  const steps: PathStep[] = [{ node: 'A', rule: `risk ${fmt(r)}, ${m} missed heartbeat${m === 1 ? '' : 's'}` }];
  steps.push({ node: 'B', rule: 'Yes: check the evidence before acting' });
  steps.push({ node: 'C' });
  if (r < t.riskLow) {
    verdict = 'false-positive-thresholds';
    path = [...PATHS['false-positive-thresholds']];
    steps.push({ node: 'E', rule: `risk ${fmt(r)} < ${fmt(t.riskLow)}: low risk` }, { node: 'F' }, { node: 'L' });
  } else if (r <= t.riskHigh) {
    const medium = `risk ${fmt(r)} in [${fmt(t.riskLow)}, ${fmt(t.riskHigh)}]: medium risk`;
    if (m < t.missThreshold) {
      verdict = 'false-positive-network';
      path = [...PATHS['false-positive-network']];
      steps.push(
        { node: 'E', rule: medium },
        { node: 'G' },
        { node: 'I', rule: `misses ${m} < ${t.missThreshold}` },
        { node: 'J' },
        { node: 'L' },
      );
    } else {
      verdict = 'legitimate';
      path = [...PATHS.legitimate];
      steps.push(
        { node: 'E', rule: medium },
        { node: 'G' },
        { node: 'I', rule: `misses ${m} >= ${t.missThreshold}` },
        { node: 'K' },
        { node: 'D' },
        { node: 'M' },
        { node: 'N' },
        { node: 'O' },
      );
    }
  } else {
    verdict = 'legitimate';
    path = [...PATHS['legitimate-high']];
    steps.push(
      { node: 'E', rule: `risk ${fmt(r)} > ${fmt(t.riskHigh)}: high risk` },
      { node: 'H' },
      { node: 'D' },
      { node: 'M' },
      { node: 'N' },
      { node: 'O' },
    );
  }

  const ruleDecision = botRule(r, m, t);
  const botDecision: BotDecision | null = observed === 'rejected' ? null : (logDecision ?? ruleDecision);
  const botDecisionSource = observed === 'rejected' ? null : logDecision ? 'log' : 'rule';
  if (observed === 'rejected') {
    warnings.push('The incident-bot rejected this event at its schema check and took no action.');
  }
  if (logDecision && logDecision !== ruleDecision) {
    warnings.push(
      `The bot's log says ${logDecision}, but its rule with the configured thresholds (risk >= ${fmt(t.botRiskThreshold)} or misses >= ${t.botMissThreshold}) gives ${ruleDecision}: the live bot thresholds may differ.`,
    );
  }
  const isFalsePositive = verdict !== 'legitimate';
  // A rejected event is one the bot did not roll back, so it disagrees with a legitimate verdict too.
  const disagreement = isFalsePositive ? botDecision === 'rollback' : botDecision !== 'rollback';
  if (isFalsePositive && hb === 'compromise') {
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
  return {
    ...base,
    riskScore: r,
    heartbeatMisses: m,
    verdict,
    path,
    riskBand: rb,
    heartbeatBand: hb,
    botDecision,
    botDecisionSource,
    disagreement,
    warnings,
    steps,
  };
}

/** The one-line summary used in tooltips, the CLI table and reports. */
export function explain(res: TriageResult): string {
  if (res.verdict === 'invalid') return `Invalid event: ${res.error ?? 'bad input'}.`;
  const rules = res.steps.filter((s) => s.rule && (s.node === 'E' || s.node === 'I')).map((s) => s.rule);
  const bot = res.botDecision
    ? `bot: ${res.botDecision}${res.botDecisionSource === 'log' ? ' (from its log)' : ''}`
    : 'bot: no decision';
  return `${VERDICT_TITLES[res.verdict]}: ${rules.join('; ')}. ${bot}${res.disagreement ? ' — disagrees with the playbook' : ''}.`;
}
