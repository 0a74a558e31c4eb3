import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BundleOpener } from '../commands/openBundle';
import { Commands } from '../constants';
import { checkTenantId } from '../core/playbook/validation';
import { shellJoin } from '../core/playbook/shellQuote';
import type { ClusterController } from '../live/clusterController';
import type { MetricsController } from '../metrics/metricsController';
import type { IncidentModel } from '../model/incidentModel';
import { incidentTarget } from '../report/incidentTarget';
import { incidentTenant } from '../report/reportInputs';
import { errText, gatherLive, gatherOffline, ledgerJson, runLedgerCheck } from './gather';
import { LEDGER_CHECKS_DIR, writeNewFile } from './incidentFolder';
import { auditFilePath } from '../playbook/auditStore';
import { RECORDS_FILE, appendAuditEntry, appendRecord, currentUser } from './records';
import type { EvidenceFile } from './writeEvidence';
import { writeEvidence } from './writeEvidence';

export interface EvidenceDeps {
  model: IncidentModel;
  cluster: ClusterController;
  bundles: BundleOpener;
  metrics: MetricsController;
  log: vscode.LogOutputChannel;
}

export interface CollectResult {
  dir: string;
  mode: 'live' | 'offline';
  files: number;
  missing: { what: string; why: string }[];
}

export interface TenantCheckResult {
  status: 'ok' | 'refused' | 'not-connected' | 'failed' | 'cancelled';
  rows?: number;
  truncated?: boolean;
  file?: string;
  error?: string;
}

/** As the adapter: the id travels as one psql variable, so only what argv cannot carry is refused. */
const MAX_TENANT = 1024;

/** Why a tenant id cannot be sent at all (anything else is sent as data, however odd). */
export function tenantProblem(v: unknown): string | null {
  if (typeof v !== 'string' || v.length === 0) return 'Enter a tenant id.';
  if (v.includes('\u0000')) return 'The tenant id contains NUL, which cannot be passed to psql.';
  if (v.length > MAX_TENANT) return `The tenant id is longer than ${MAX_TENANT} characters.`;
  return null;
}

const shown = (s: string): string => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);

/** Files saved earlier in the incident folder that belong in every later evidence folder. */
function earlierRecords(dir: string, audit: string): EvidenceFile[] {
  const out: EvidenceFile[] = [];
  if (fs.existsSync(audit)) {
    out.push({ path: 'audit/audit.jsonl', text: fs.readFileSync(audit, 'utf8'), description: 'audit trail so far' });
  }
  const records = path.join(dir, RECORDS_FILE);
  if (fs.existsSync(records)) {
    out.push({
      path: 'audit/records.jsonl',
      text: fs.readFileSync(records, 'utf8'),
      description: 'evidence, reports and Slack posts so far',
    });
  }
  const checks = path.join(dir, LEDGER_CHECKS_DIR);
  for (const n of fs.existsSync(checks) ? fs.readdirSync(checks).sort() : []) {
    if (!/^[A-Za-z0-9._-]+\.json$/.test(n)) continue;
    out.push({
      path: `ledger/checks/${n}`,
      text: fs.readFileSync(path.join(checks, n), 'utf8'),
      description: 'an earlier ledger tenant data-access check',
    });
  }
  return out;
}

export function registerEvidenceCommands(d: EvidenceDeps): vscode.Disposable[] {
  const collect = async (arg?: unknown): Promise<CollectResult | undefined> => {
    const t = await incidentTarget(d.model, arg, 'collect evidence for');
    if (!t) return undefined;
    const session = d.cluster.current;
    const kube = d.cluster.kube;
    const live = !!(session && kube && d.model.cluster?.live);
    try {
      const content = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Collecting evidence…' },
        () =>
          live && session && kube
            ? gatherLive({
                kube,
                session,
                incident: t.incident,
                tenantId: incidentTenant(d.model, t.incident),
                scrapes: d.metrics.recentScrapes,
              })
            : Promise.resolve(
                gatherOffline({
                  incident: t.incident,
                  bundle: d.bundles.current,
                  sourceFile: d.model.source?.uri?.scheme === 'file' ? d.model.source.uri.fsPath : undefined,
                }),
              ),
      );
      content.extra.push(...earlierRecords(t.dir, auditFilePath(t.root, t.incident.id)));
      const { dir, manifest } = writeEvidence(t.dir, content);
      const files = Object.keys(manifest.sha256).length;
      const rel = path.basename(dir);
      const missing = content.missing;
      appendRecord(t.dir, {
        action: 'evidence-collected',
        incidentId: t.incident.id,
        summary: `collected ${content.mode} evidence into ${rel}/ (${files} files${missing.length ? `; missing: ${missing.map((m) => m.what).join(', ')}` : ''})`,
      });
      d.log.info(`Evidence for ${t.incident.id}: ${files} files in ${dir} (${content.mode})`);
      for (const m of missing) d.log.info(`  missing: ${m.what}: ${m.why}`);
      void vscode.window
        .showInformationMessage(
          `Evidence saved to incidents/${t.incident.id}/${rel}/ (${files} files${missing.length ? `, ${missing.length} missing; see the manifest` : ''}).`,
          'Open Manifest',
        )
        .then((c) => {
          if (c) void vscode.window.showTextDocument(vscode.Uri.file(path.join(dir, 'manifest.json')));
        });
      return { dir, mode: content.mode, files, missing };
    } catch (e) {
      d.log.error(`Collecting evidence for ${t.incident.id} failed: ${errText(e)}`);
      void vscode.window.showErrorMessage(`Collecting evidence failed: ${errText(e)}`);
      return undefined;
    }
  };

  const checkTenant = async (arg?: unknown, tenantArg?: unknown): Promise<TenantCheckResult> => {
    const t = await incidentTarget(d.model, arg, 'check the tenant data access of');
    if (!t) return { status: 'cancelled' };
    let tenant: string | undefined = typeof tenantArg === 'string' ? tenantArg : undefined;
    if (tenantArg === undefined) {
      tenant = await vscode.window.showInputBox({
        title: 'Tenant whose ledger UsageEvent rows to read',
        prompt: 'Sent to psql as a variable (data), never as SQL or a shell word.',
        value: incidentTenant(d.model, t.incident) ?? '',
        ignoreFocusOut: true,
        validateInput: (v) => tenantProblem(v),
      });
      if (tenant === undefined) return { status: 'cancelled' };
    }
    const problem = tenantProblem(tenant);
    if (problem || tenant === undefined) {
      void vscode.window.showErrorMessage(problem ?? 'Enter a tenant id.');
      return { status: 'refused', error: problem ?? 'no tenant id' };
    }
    const session = d.cluster.current;
    const kube = d.cluster.kube;
    if (!session || !kube) {
      void vscode.window.showInformationMessage('Connect to a cluster first (PF Incident: Connect to Cluster…).');
      return { status: 'not-connected' };
    }
    const style = checkTenantId(tenant);
    if (!style.ok) d.log.warn(`Ledger check: unusual tenant id (${style.error}); querying it as data.`);
    const at = new Date();
    const audit = {
      v: 1 as const,
      when: at.toISOString(),
      who: currentUser(),
      step: 'queryTenantUsage' as const,
      object: { kind: 'Deployment', name: 'ledger', namespace: 'default' },
      context: session.context,
      dryRun: false,
      incidentId: t.incident.id,
    };
    try {
      const r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Reading the ledger…' },
        () => runLedgerCheck(kube, session.context, tenant),
      );
      const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
      const file = writeNewFile(
        path.join(t.dir, LEDGER_CHECKS_DIR),
        `tenant-usage-${stamp}`,
        '.json',
        ledgerJson(session.context, tenant, r, at),
      );
      const summary = `${r.rows.length} UsageEvent row${r.rows.length === 1 ? '' : 's'}${r.truncated ? ` (capped at ${r.rows.length})` : ''}`;
      const problem2 = appendAuditEntry(auditFilePath(t.root, t.incident.id), {
        ...audit,
        command: shellJoin(r.exec.command),
        outcome: 'succeeded',
        message: summary,
      });
      if (problem2) d.log.warn(`Ledger check not audited: ${problem2}`);
      d.log.info(`Ledger check for ${t.incident.id}: ${summary}; saved ${file}`);
      void vscode.window
        .showInformationMessage(`Ledger: ${summary} for tenant ${shown(tenant)}.`, 'Open Result')
        .then((c) => {
          if (c) void vscode.window.showTextDocument(vscode.Uri.file(file));
        });
      return { status: 'ok', rows: r.rows.length, truncated: r.truncated, file };
    } catch (e) {
      const msg = errText(e);
      appendAuditEntry(auditFilePath(t.root, t.incident.id), {
        ...audit,
        command: 'psql (ledger UsageEvent query)',
        outcome: 'failed',
        message: msg.slice(0, 500),
      });
      d.log.error(`Ledger check for ${t.incident.id} failed: ${msg}`);
      void vscode.window.showErrorMessage(`The ledger check failed: ${msg}`);
      return { status: 'failed', error: msg };
    }
  };

  return [
    vscode.commands.registerCommand(Commands.evidenceCollect, collect),
    vscode.commands.registerCommand(Commands.checkTenantUsage, checkTenant),
  ];
}
