// The incident's two append-only journals in its folder:
//  - audit.jsonl: playbook steps run against the cluster (format of src/core/playbook/audit.ts; the playbook
//    commands write it, the ledger check appends its queryTenantUsage entry here too);
//  - records.jsonl: what the engineer did with the extension's records (evidence collected, report drafted,
//    Slack posted). These are not playbook steps, so they do not fit AuditEntry's step ids.
// Both are only ever appended to. No vscode import.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TimelineEntry } from '../core/incidentReport/timeline';
import type { AuditEntry, ParsedAudit } from '../core/playbook/audit';
import { AuditTrail, parseAuditLines } from '../core/playbook/audit';

export const AUDIT_FILE = 'audit.jsonl';
export const RECORDS_FILE = 'records.jsonl';

export type RecordAction = 'evidence-collected' | 'report-drafted' | 'slack-posted' | 'slack-failed';
const ACTIONS: readonly string[] = ['evidence-collected', 'report-drafted', 'slack-posted', 'slack-failed'];

export interface RecordEntry {
  v: 1;
  when: string;
  who: string;
  action: RecordAction;
  incidentId: string;
  /** One line for the timeline, e.g. "Collected evidence into evidence-2/ (14 files, 2 missing)". */
  summary: string;
}

export function currentUser(): string {
  try {
    return os.userInfo().username || 'engineer';
  } catch {
    return process.env.USER ?? 'engineer';
  }
}

/** One JSON line; the separators JSON leaves raw (NEL, U+2028/9) are escaped so an entry never splits. */
function line(v: unknown): string {
  return (
    JSON.stringify(v).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) +
    '\n'
  );
}

export function appendRecord(
  dir: string,
  entry: Omit<RecordEntry, 'v' | 'when' | 'who'> & Partial<RecordEntry>,
): RecordEntry {
  const full: RecordEntry = {
    v: 1,
    when: entry.when ?? new Date().toISOString(),
    who: entry.who ?? currentUser(),
    action: entry.action,
    incidentId: entry.incidentId,
    summary: entry.summary.replace(/[\r\n\u0085\u2028\u2029]+/g, ' '),
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(path.join(dir, RECORDS_FILE), line(full), { flag: 'a' });
  return full;
}

function isRecord(v: unknown): v is RecordEntry {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    r.v === 1 &&
    typeof r.when === 'string' &&
    Number.isFinite(Date.parse(r.when)) &&
    typeof r.who === 'string' &&
    typeof r.action === 'string' &&
    ACTIONS.includes(r.action) &&
    typeof r.incidentId === 'string' &&
    typeof r.summary === 'string'
  );
}

/** Tolerant: damaged lines are skipped (and counted). */
export function readRecords(dir: string): { entries: RecordEntry[]; bad: number } {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, RECORDS_FILE), 'utf8');
  } catch {
    return { entries: [], bad: 0 };
  }
  const entries: RecordEntry[] = [];
  let bad = 0;
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    try {
      const v: unknown = JSON.parse(raw);
      if (isRecord(v)) entries.push(v);
      else bad++;
    } catch {
      bad++;
    }
  }
  return { entries, bad };
}

export function readAuditFile(file: string): ParsedAudit {
  try {
    return parseAuditLines(fs.readFileSync(file, 'utf8'));
  } catch {
    return { entries: [], bad: [] };
  }
}

/** Validates the entry as the audit trail does and appends its line; returns the problem instead of throwing. */
export function appendAuditEntry(file: string, entry: AuditEntry): string | null {
  const r = new AuditTrail().append(entry);
  if (!r.ok) return r.error;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, `${r.line}\n`, { flag: 'a' });
  return null;
}

export function recordTimeline(records: readonly RecordEntry[]): TimelineEntry[] {
  return records.map((r) => ({ at: r.when, text: `${r.who}: ${r.summary}` }));
}
