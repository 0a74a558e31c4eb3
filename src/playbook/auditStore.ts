import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { AuditEntry, ParsedAudit } from '../core/playbook/audit';
import { auditEntryProblem, auditLine, parseAuditLines } from '../core/playbook/audit';

/** Incident ids are generated as `inc-<hex>[-n]`; anything else never becomes a path segment. */
const INCIDENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Folder (relative to the workspace root) where the audit for incidents without a usable id goes. */
export const UNSCOPED_INCIDENT = '_unscoped';

/** The one path segment an incident id becomes: the id itself when safe, else `_unscoped`. */
export function incidentFolderName(incidentId: string | undefined): string {
  return incidentId && INCIDENT_ID.test(incidentId) && !/^\.+$/.test(incidentId) ? incidentId : UNSCOPED_INCIDENT;
}

/**
 * THE location of an incident's audit trail: `<workspaceRoot>/incidents/<incident-id>/audit.jsonl`, JSON lines in
 * the format of src/core/playbook/audit.ts, append-only. Other features (evidence, reports) read it from here.
 */
export function auditFilePath(workspaceRoot: string, incidentId: string | undefined): string {
  return path.join(workspaceRoot, 'incidents', incidentFolderName(incidentId), 'audit.jsonl');
}

/** Appends one entry (never rewrites the file); returns the file written or the problem. */
export async function appendAuditEntry(
  workspaceRoot: string,
  entry: AuditEntry,
): Promise<{ ok: true; file: string } | { ok: false; error: string }> {
  const copy = JSON.parse(JSON.stringify(entry)) as unknown;
  const problem = auditEntryProblem(copy);
  if (problem) return { ok: false, error: `audit entry: ${problem}` };
  const file = auditFilePath(workspaceRoot, entry.incidentId);
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.appendFile(file, `${auditLine(copy as AuditEntry)}\n`, { encoding: 'utf8', flag: 'a' });
    return { ok: true, file };
  } catch (e) {
    return { ok: false, error: `audit ${file}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
}

/** Reads an incident's audit trail; a missing file is an empty trail. */
export async function readAuditFile(workspaceRoot: string, incidentId: string | undefined): Promise<ParsedAudit> {
  try {
    return parseAuditLines(await fs.readFile(auditFilePath(workspaceRoot, incidentId), 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], bad: [] };
    throw e;
  }
}
