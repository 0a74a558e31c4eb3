import type { Incident } from '../core/incidents';
import { shortHash } from '../core/report';
import { sanitizeText } from '../core/parse/ansi';
import type { Verdict } from '../core/triage';
import { VERDICT_TITLES } from '../core/triage';

/** Codicon and theme colour per verdict: red for real incidents, amber and green for the false positives. */
export const VERDICT_STYLE: Readonly<Record<Verdict, { icon: string; color: string; group: string }>> = {
  legitimate: { icon: 'flame', color: 'charts.red', group: 'Legitimate incidents' },
  'false-positive-network': {
    icon: 'debug-disconnect',
    color: 'charts.yellow',
    group: 'False positives – network issue',
  },
  'false-positive-thresholds': { icon: 'pass', color: 'charts.green', group: 'False positives – adjust thresholds' },
  invalid: { icon: 'warning', color: 'charts.orange', group: 'Invalid events' },
};

/** The verdict the tree shows: an engineer's override wins over the engine's. */
export function effectiveVerdict(inc: Incident): Verdict {
  return inc.override?.verdict ?? inc.latest.verdict;
}

export function scoreText(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 12 ? v.slice(0, 12) + '…' : v);
  return v === null || v === undefined ? '?' : typeof v;
}

export function incidentLabel(inc: Incident): string {
  return shortHash(inc.capsuleHash);
}

/** `tenantHint`: the tenant known from elsewhere (a linked Rollback) when the bot's log did not say. */
export function incidentDescription(inc: Incident, tenantHint?: string): string {
  const r = inc.latest;
  const tenant = inc.tenantId ?? tenantHint;
  const parts = [
    tenant ? clip(sanitizeText(tenant), 32) : 'tenant ?',
    `risk ${scoreText(r.riskScore)}`,
    `${scoreText(r.heartbeatMisses)} miss${r.heartbeatMisses === 1 ? '' : 'es'}`,
  ];
  if (inc.count > 1) parts.push(`×${inc.count}`);
  if (r.disagreement) parts.push('bot disagrees');
  return parts.join(' · ');
}

export function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

export function timeText(iso: string | null): string {
  if (!iso) return 'unknown time';
  return iso
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z')
    .replace(/Z$/, ' UTC');
}

export interface IncidentPickItem {
  id: string;
  label: string;
  description: string;
  detail: string;
}

export interface IncidentPickOptions {
  /** The tenant shown for an incident (its own, else a linked Rollback's). */
  tenantOf?: (inc: Incident) => string | undefined;
  needsAttention?: (inc: Incident) => boolean;
  /** Incidents the engineer is looking at, listed first with why ("selected in the tree"). */
  current?: readonly { id: string; why: string }[];
}

/**
 * Quick-pick rows for choosing an incident, the same in every command: what the engineer is looking at first,
 * then those needing attention, then the most recent. Each row reads like the tree row.
 */
export function incidentPickItems(incidents: readonly Incident[], opts: IncidentPickOptions = {}): IncidentPickItem[] {
  const why = new Map((opts.current ?? []).map((c, i) => [c.id, { why: c.why, rank: i }]));
  // Keys once per incident, not per comparison: needsAttention looks through the Rollbacks.
  const keyed = incidents.map((inc) => ({
    inc,
    current: why.get(inc.id),
    attention: opts.needsAttention?.(inc) ? 1 : 0,
  }));
  keyed.sort(
    (a, b) =>
      (a.current?.rank ?? Infinity) - (b.current?.rank ?? Infinity) ||
      b.attention - a.attention ||
      (b.inc.lastSeen ?? '').localeCompare(a.inc.lastSeen ?? '') ||
      a.inc.id.localeCompare(b.inc.id),
  );
  return keyed.map(({ inc: i, current, attention }) => ({
    id: i.id,
    label: shortHash(i.capsuleHash),
    description: `${VERDICT_TITLES[effectiveVerdict(i)]} · ${incidentDescription(i, opts.tenantOf?.(i))}`,
    detail: `${current ? `${current.why} · ` : ''}${attention ? 'needs attention · ' : ''}first seen ${timeText(i.firstSeen)} · ${i.id}`,
  }));
}
