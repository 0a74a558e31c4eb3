// Everything a report (or its timeline update) is made from, read from the incident folder and the model.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseManifest } from '../core/bundleManifest';
import type { EvidenceItem } from '../core/incidentReport/evidence';
import type { TimelineEntry } from '../core/incidentReport/timeline';
import { timelineFromIncident } from '../core/incidentReport/timeline';
import type { Incident } from '../core/incidents';
import type { AuditEntry } from '../core/playbook/audit';
import type { RollbackInfo } from '../core/rollbacks';
import { rollbacksFor } from '../core/rollbacks';
import { LEDGER_CHECKS_DIR, listEvidenceFolders } from '../evidence/incidentFolder';
import { readAuditFile, readRecords, recordTimeline } from '../evidence/records';
import { evidenceItems } from '../evidence/writeEvidence';
import type { IncidentModel } from '../model/incidentModel';

export interface ReportInputs {
  rollbacks: RollbackInfo[];
  audit: AuditEntry[];
  evidence: EvidenceItem[];
  /** Timeline entries of records.jsonl (evidence, reports, Slack). */
  records: TimelineEntry[];
  /** Lines of audit.jsonl / records.jsonl that could not be read. */
  badLines: number;
}

export function incidentRollbacks(model: IncidentModel, inc: Incident): RollbackInfo[] {
  return rollbacksFor(inc, model.cluster?.rollbacks ?? [], model.windowMs);
}

/** The incident's tenant: from its GuardTrips, else from its Rollbacks (the bot's log does not name it). */
export function incidentTenant(model: IncidentModel, inc: Incident): string | null {
  return model.tenantOf(inc) ?? null;
}

/** The incident as reports and Slack show it: with its Rollbacks' tenant when its GuardTrips named none. */
export function withTenant(model: IncidentModel, inc: Incident): Incident {
  return inc.tenantId ? inc : { ...inc, tenantId: incidentTenant(model, inc) };
}

/** `auditFile`: where the playbook commands keep the incident's audit trail (src/playbook/auditStore.ts). */
export function readReportInputs(
  model: IncidentModel,
  inc: Incident | undefined,
  dir: string,
  auditFile: string,
  /** Steps run without an incident (from the palette): those since the incident began belong to its night too. */
  unscopedAuditFile?: string,
): ReportInputs {
  const parsed = readAuditFile(auditFile);
  const audit = parsed.entries.filter((e) => !e.incidentId || !inc || e.incidentId === inc.id);
  const since = Date.parse(inc?.firstSeen ?? '');
  if (unscopedAuditFile && unscopedAuditFile !== auditFile && Number.isFinite(since)) {
    audit.push(...readAuditFile(unscopedAuditFile).entries.filter((e) => Date.parse(e.when) >= since));
  }
  const rec = readRecords(dir);
  const evidence: EvidenceItem[] = [];
  for (const folder of listEvidenceFolders(dir)) {
    const m = parseManifest(fs.readFileSync(path.join(folder, 'manifest.json'), 'utf8'));
    if (m.ok) evidence.push(...evidenceItems(m.manifest, path.basename(folder)));
  }
  const checks = path.join(dir, LEDGER_CHECKS_DIR);
  for (const n of fs.existsSync(checks) ? fs.readdirSync(checks).sort() : []) {
    if (!/^[A-Za-z0-9._-]+\.json$/.test(n)) continue;
    const sha = crypto
      .createHash('sha256')
      .update(fs.readFileSync(path.join(checks, n)))
      .digest('hex');
    evidence.push({
      path: `${LEDGER_CHECKS_DIR}/${n}`,
      sha256: sha,
      description: `${LEDGER_CHECKS_DIR}/${n} (ledger check)`,
    });
  }
  return {
    rollbacks: inc ? incidentRollbacks(model, inc) : [],
    audit,
    evidence,
    records: recordTimeline(rec.entries),
    badLines: parsed.bad.length + rec.bad,
  };
}

/** Every timeline entry known now; without the incident (no longer loaded) only the audit trail and records. */
export function timelineEntries(inc: Incident | undefined, inputs: ReportInputs): TimelineEntry[] {
  // timelineFromIncident reads only `events` and `override` of the incident.
  const subject = inc ?? ({ events: [] } as unknown as Incident);
  return [...timelineFromIncident(subject, inputs.rollbacks, inputs.audit), ...inputs.records];
}
