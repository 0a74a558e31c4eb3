import type { Incident } from '../incidents';
import type { Verdict } from '../triage';

/**
 * A RISK_SCORE_THRESHOLD that would have spared the bot its false-positive rollbacks without letting a legitimate
 * incident through. The bot rolls back when `risk >= T || misses >= M`; only events below the miss threshold
 * depend on T. So false positives below M need T > their risk, legitimate incidents below M need T <= theirs.
 */
export interface ThresholdSample {
  id: string;
  riskScore: number;
  heartbeatMisses: number;
  label: 'false-positive' | 'legitimate';
}

export interface ThresholdSuggestion {
  /** The value to set, as the bot will read it; null when no change is needed or none helps. */
  value: string | null;
  /** True when some false positive or legitimate incident cannot be satisfied by any T. */
  conflict: boolean;
  /** Samples that would still roll back wrongly / be missed with the suggested value. */
  remainingFalsePositives: string[];
  missedLegitimate: string[];
  reasoning: string[];
}

const fmt = (n: number): string => String(Number(n.toFixed(6)));

/** The smallest value of the form k/10^d (d = 2, 3, …) above `lo` and at most `hi`: round numbers read better. */
function niceAbove(lo: number, hi: number): number {
  for (let d = 2; d <= 6; d++) {
    const f = 10 ** d;
    const v = Math.floor(lo * f + 1e-9) / f + 1 / f;
    const r = Number(v.toFixed(d));
    if (r > lo && r <= hi) return r;
  }
  return hi;
}

/** The largest round value at most `hi` and above `lo`. */
function niceAtMost(lo: number, hi: number): number {
  for (let d = 2; d <= 6; d++) {
    const f = 10 ** d;
    const r = Number((Math.floor(hi * f + 1e-9) / f).toFixed(d));
    if (r > lo && r <= hi) return r;
  }
  return hi;
}

export function suggestRiskThreshold(
  samples: readonly ThresholdSample[],
  current: number,
  missThreshold: number,
): ThresholdSuggestion {
  const valid = samples.filter(
    (s) =>
      Number.isFinite(s.riskScore) &&
      s.riskScore >= 0 &&
      s.riskScore <= 1 &&
      Number.isInteger(s.heartbeatMisses) &&
      s.heartbeatMisses >= 0,
  );
  const reasoning: string[] = [];
  const byMisses = valid.filter((s) => s.heartbeatMisses >= missThreshold);
  const fps = valid.filter((s) => s.label === 'false-positive' && s.heartbeatMisses < missThreshold);
  const legit = valid.filter((s) => s.label === 'legitimate' && s.heartbeatMisses < missThreshold);
  const fpByMisses = byMisses.filter((s) => s.label === 'false-positive');
  if (valid.length < samples.length) {
    reasoning.push(`${samples.length - valid.length} event(s) with out-of-range scores were ignored.`);
  }
  if (fpByMisses.length > 0) {
    reasoning.push(
      `${fpByMisses.length} false positive(s) had >= ${missThreshold} missed heartbeats: the bot rolls those back at any RISK_SCORE_THRESHOLD (only HEARTBEAT_MISSES_THRESHOLD could avoid them).`,
    );
  }
  const maxFp = fps.length ? Math.max(...fps.map((s) => s.riskScore)) : -Infinity;
  const minLegit = legit.length ? Math.min(...legit.map((s) => s.riskScore)) : Infinity;
  if (fps.length) {
    reasoning.push(
      `Highest false-positive risk below ${missThreshold} misses: ${fmt(maxFp)} (the threshold must be above it).`,
    );
  }
  if (legit.length) {
    reasoning.push(
      `Lowest legitimate risk below ${missThreshold} misses: ${fmt(minLegit)} (the threshold must not be above it).`,
    );
  }

  const result = (value: number | null, conflict: boolean): ThresholdSuggestion => {
    const t = value ?? current;
    return {
      value: value === null ? null : String(value),
      conflict,
      remainingFalsePositives: fps.filter((s) => s.riskScore >= t).map((s) => s.id),
      missedLegitimate: legit.filter((s) => s.riskScore < t).map((s) => s.id),
      reasoning,
    };
  };

  if (maxFp >= minLegit) {
    // No threshold separates them: never miss a legitimate incident, and say how many false positives remain.
    const t = minLegit;
    reasoning.push(
      `No threshold separates them: a false positive scored ${fmt(maxFp)} and a legitimate incident ${fmt(minLegit)}. Keeping every legitimate incident caught means at most ${fmt(t)}.`,
    );
    if (current <= t) {
      reasoning.push(`The current ${fmt(current)} already catches every legitimate incident; no change.`);
      return result(null, true);
    }
    reasoning.push(`Lower it to ${fmt(t)}: ${fmt(current)} let legitimate incidents through.`);
    return result(t, true);
  }
  if (fps.length === 0 && legit.length === 0) {
    reasoning.push(
      `No event below ${missThreshold} misses with a confirmed verdict: nothing to tune against; no change.`,
    );
    return result(null, false);
  }
  const lo = maxFp;
  const hi = Math.min(minLegit, 1);
  if (maxFp >= 1) {
    reasoning.push('A false positive scored 1, the maximum: no RISK_SCORE_THRESHOLD in [0, 1] avoids it.');
    return result(null, true);
  }
  if (current > lo && current <= hi) {
    reasoning.push(`The current ${fmt(current)} already separates them; no change.`);
    return result(null, false);
  }
  if (current <= lo) {
    const v = niceAbove(lo, hi);
    reasoning.push(
      `Raise it from ${fmt(current)} to ${fmt(v)}: above every false positive${legit.length ? ', at most the lowest legitimate risk' : ''}.`,
    );
    return result(v, false);
  }
  const v = niceAtMost(lo, hi);
  reasoning.push(
    `Lower it from ${fmt(current)} to ${fmt(v)}: legitimate incidents scored below the current value and were not rolled back for risk.`,
  );
  return result(v, false);
}

const FALSE_POSITIVE: readonly Verdict[] = ['false-positive-network', 'false-positive-thresholds'];

/**
 * One sample per triaged event: an engineer's override decides for the whole incident, else each event's own
 * playbook verdict. Invalid events carry no usable score.
 */
export function samplesFromIncidents(incidents: readonly Incident[]): ThresholdSample[] {
  const out: ThresholdSample[] = [];
  for (const inc of incidents) {
    inc.events.forEach((ev, i) => {
      const verdict = inc.override?.verdict ?? ev.verdict;
      if (verdict === 'invalid' || ev.verdict === 'invalid') return;
      if (typeof ev.riskScore !== 'number' || typeof ev.heartbeatMisses !== 'number') return;
      out.push({
        id: inc.events.length > 1 ? `${inc.id}#${i + 1}` : inc.id,
        riskScore: ev.riskScore,
        heartbeatMisses: ev.heartbeatMisses,
        label: FALSE_POSITIVE.includes(verdict) ? 'false-positive' : 'legitimate',
      });
    });
  }
  return out;
}
