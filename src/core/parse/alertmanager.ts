import type { GuardTripInput } from '../guardTrip';
import { botParseFloat, botParseInt } from './numbers';

export interface AlertmanagerParse {
  events: GuardTripInput[];
  /** One note per alert that was skipped (no `capsule_hash` label), as the bot skips it. */
  skipped: string[];
}

/** True when the text is one JSON document with an `alerts` array (an Alertmanager webhook body). */
export function asAlertmanagerDocument(text: string): Record<string, unknown> | null {
  const t = text.trimStart();
  if (!t.startsWith('{')) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(t);
  } catch {
    return null;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return null;
  return Array.isArray((doc as Record<string, unknown>).alerts) ? (doc as Record<string, unknown>) : null;
}

function labelString(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}

/**
 * Maps each alert the way the incident-bot does (facts §2.4): capsule_hash required, risk_score by parseFloat
 * (default '0'), heartbeat_misses by parseInt without radix (default '0'). The alert's `startsAt` is used as the
 * time (the bot uses "now", which says nothing after the fact).
 */
export function parseAlertmanager(doc: Record<string, unknown>, file?: string): AlertmanagerParse {
  const events: GuardTripInput[] = [];
  const skipped: string[] = [];
  const alerts = Array.isArray(doc.alerts) ? (doc.alerts as unknown[]) : [];
  alerts.forEach((a, i) => {
    const alert = a && typeof a === 'object' ? (a as Record<string, unknown>) : {};
    const labels = alert.labels && typeof alert.labels === 'object' ? (alert.labels as Record<string, unknown>) : {};
    const annotations =
      alert.annotations && typeof alert.annotations === 'object' ? (alert.annotations as Record<string, unknown>) : {};
    const name = labelString(labels.alertname) ?? '(unnamed)';
    const hash = labelString(labels.capsule_hash);
    if (!hash) {
      skipped.push(`alert ${i + 1} (${name}) has no capsule_hash label: skipped, as the incident-bot skips it`);
      return;
    }
    const notes: string[] = [];
    if (alert.status === 'resolved') {
      notes.push(
        'This is a resolved notification: the incident-bot ignores the alert status and evaluates it again, which can trigger a second rollback.',
      );
    }
    const riskLabel = labelString(labels.risk_score);
    const missLabel = labelString(labels.heartbeat_misses);
    events.push({
      capsuleHash: hash,
      tenantId: labelString(labels.tenant_id) ?? null,
      riskScore: botParseFloat(riskLabel || '0'),
      heartbeatMisses: botParseInt(missLabel || '0'),
      ts: typeof alert.startsAt === 'string' ? alert.startsAt : null,
      source: 'alertmanager',
      reason: labelString(annotations.summary) ?? 'alertmanager_alert',
      ...(notes.length ? { notes } : {}),
      origin: { ...(file ? { file } : {}), stream: `alert ${i + 1} (${name})` },
    });
  });
  return { events, skipped };
}
