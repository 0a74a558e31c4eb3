import { sanitizeText } from './parse/ansi';
import type { TriageResult } from './triage';

/** The CLI's `--json` record: the contract fields of triage-spec.md, then extras. */
export function toJsonRecord(r: TriageResult): Record<string, unknown> {
  const rec: Record<string, unknown> = {
    capsuleHash: r.capsuleHash,
    tenantId: r.tenantId,
    riskScore: jsonSafe(r.riskScore),
    heartbeatMisses: jsonSafe(r.heartbeatMisses),
    ts: r.ts,
    source: r.source,
    verdict: r.verdict,
    path: r.path,
    riskBand: r.riskBand,
    heartbeatBand: r.heartbeatBand,
    botDecision: r.botDecision,
    disagreement: r.disagreement,
    warnings: r.warnings,
  };
  if (r.verdict === 'invalid') {
    rec.error = r.error ?? 'invalid input';
    rec.errorField = r.errorField ?? null;
  }
  rec.botDecisionSource = r.botDecisionSource;
  if (r.bot?.rollbackName) rec.rollbackName = r.bot.rollbackName;
  if (r.bot?.rollbackError) rec.rollbackError = r.bot.rollbackError;
  if (r.origin?.firstLine !== undefined) rec.line = r.origin.firstLine;
  if (r.origin?.file) rec.file = r.origin.file;
  if (r.origin?.stream) rec.stream = r.origin.stream;
  return rec;
}

/** NaN and Infinity are not JSON: keep them visible as strings rather than turning them into null. */
function jsonSafe(v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (v === undefined) return null;
  return v;
}

/** Shortens `sha256:<64 hex>` to `sha256:4f8b2c1d…1b0c` for narrow displays. */
export function shortHash(h: string | null): string {
  if (!h) return '(unknown capsule)';
  const clean = sanitizeText(h);
  const m = /^(sha256:)?([0-9a-fA-F]{16,})$/.exec(clean);
  if (m) {
    const hex = m[2] as string;
    return `${m[1] ?? ''}${hex.slice(0, 8)}…${hex.slice(-4)}`;
  }
  return clean.length > 24 ? clean.slice(0, 21) + '…' : clean;
}

export function displayValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v);
  if (v === null || v === undefined) return '-';
  return sanitizeText(String(v));
}

/** A plain-text table for terminals; every cell is sanitized so hostile ids cannot inject escape sequences. */
export function formatTable(rows: TriageResult[]): string {
  const header = ['TIME', 'CAPSULE', 'TENANT', 'RISK', 'MISSES', 'VERDICT', 'BOT', 'PATH', 'NOTE'];
  const body = rows.map((r) => [
    r.ts ? sanitizeText(r.ts).slice(0, 19).replace('T', ' ') : '-',
    shortHash(r.capsuleHash),
    r.tenantId ? clip(sanitizeText(r.tenantId), 28) : '-',
    displayValue(r.riskScore),
    displayValue(r.heartbeatMisses),
    r.verdict,
    r.botDecision ?? '-',
    r.path.join(' '),
    [
      r.disagreement ? 'DISAGREES' : '',
      r.verdict === 'invalid' ? (r.errorField ?? '') : '',
      r.warnings.length ? `${r.warnings.length} warning(s)` : '',
    ]
      .filter(Boolean)
      .join(', '),
  ]);
  const all = [header, ...body];
  // A loop, not Math.max(...column): spreading a hundred thousand rows as arguments overflows the stack.
  const widths = header.map(() => 0);
  for (const row of all) {
    for (let i = 0; i < row.length; i++) widths[i] = Math.max(widths[i] ?? 0, (row[i] ?? '').length);
  }
  return all
    .map((row) =>
      row
        .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
