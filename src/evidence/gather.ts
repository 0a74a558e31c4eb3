// What goes into an evidence folder: live (through the Kubernetes adapter and the live session's record) or offline
// (the open replay bundle, or the incident log file). What cannot be had is listed with the reason.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LoadedBundle } from '../bundle/readBundle';
import { isSafeRelativePath } from '../core/bundleManifest';
import type { Incident } from '../core/incidents';
import { shellJoin } from '../core/playbook/shellQuote';
import type { LedgerQueryResult, PodSummary } from '../kube/actionTypes';
import type { KubeAdapter } from '../kube/types';
import type { LiveSession } from '../live/liveSession';
import { configMapObject, deploymentObject } from '../live/saveSnapshot';
import type { EvidenceContent, EvidenceFile, EvidenceMissing } from './writeEvidence';
import { safeFileName } from './writeEvidence';

const MAX_PODS = 5;
const TAIL_LINES = 2000;
/** An offline input file larger than this is named in the manifest instead of copied. */
const MAX_SOURCE_BYTES = 64 * 1024 * 1024;
export const LEDGER_LIMIT = 100;
export const LEDGER_TIMEOUT_MS = 5000;

export const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';

/** The ledger result as a JSON evidence file: the rows, the constant SQL, and how psql was run. */
export function ledgerJson(context: string, tenantId: string, r: LedgerQueryResult, at: Date): string {
  return (
    JSON.stringify(
      {
        check: 'tenant data access (ledger "UsageEvent")',
        queriedAt: at.toISOString(),
        context,
        tenantId,
        limit: LEDGER_LIMIT,
        statementTimeoutMs: LEDGER_TIMEOUT_MS,
        rowCount: r.rows.length,
        truncated: r.truncated,
        sql: r.sql,
        rows: r.rows,
        exec: {
          pod: r.exec.pod,
          container: r.exec.container,
          command: shellJoin(r.exec.command),
          exitCode: r.exec.exitCode,
          durationMs: r.exec.durationMs,
          stderr: r.exec.stderr,
        },
      },
      null,
      2,
    ) + '\n'
  );
}

export function runLedgerCheck(kube: KubeAdapter, context: string, tenantId: string): Promise<LedgerQueryResult> {
  return kube.ledgerUsageEvents(context, { tenantId, limit: LEDGER_LIMIT, statementTimeoutMs: LEDGER_TIMEOUT_MS });
}

async function componentLogs(
  kube: KubeAdapter,
  context: string,
  what: string,
  pods: PodSummary[],
  container: string,
  extra: EvidenceFile[],
  missing: EvidenceMissing[],
): Promise<void> {
  if (pods.length === 0) {
    missing.push({ what: `${what} logs`, why: 'no pod found' });
    return;
  }
  for (const p of pods.slice(0, MAX_PODS)) {
    const c = p.containers.includes(container) ? container : p.containers[0];
    try {
      const r = await kube.podLogs(context, {
        namespace: p.namespace,
        pod: p.name,
        ...(c ? { container: c } : {}),
        tailLines: TAIL_LINES,
        timestamps: true,
      });
      extra.push({
        path: `components/${what}/${safeFileName(`${p.namespace}_${p.name}`)}.log`,
        text: r.text,
        description: `${what} log, pod ${p.namespace}/${p.name}${c ? ` container ${c}` : ''}${r.truncated ? ' (cut at the size limit)' : ''}`,
      });
    } catch (e) {
      missing.push({ what: `${what} logs of ${p.namespace}/${p.name}`, why: errText(e) });
    }
  }
}

export interface LiveInputs {
  kube: KubeAdapter;
  session: LiveSession;
  incident: Incident;
  /** The tenant to check in the ledger (the incident's, else its Rollbacks'). */
  tenantId: string | null;
  scrapes: { at: string; text: string }[];
}

export async function gatherLive(i: LiveInputs): Promise<EvidenceContent> {
  const { kube, session: s, incident } = i;
  const ctx = s.context;
  const extra: EvidenceFile[] = [];
  const missing: EvidenceMissing[] = [];
  const botLogs = [...s.record.logs.entries()].map(([pod, text]) => ({ pod, text }));
  if (botLogs.length === 0) {
    // Nothing streamed yet (just connected, or the bot is paused): ask for the bot pods' logs directly.
    try {
      const sel = s.record.deployment?.selector ?? { app: s.settings.botDeployment };
      const labelSelector = Object.entries(sel)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const pods = (await kube.listPodsAllNamespaces(ctx, { labelSelector })).filter(
        (p) => p.namespace === s.settings.botNamespace,
      );
      for (const p of pods.slice(0, MAX_PODS)) {
        const r = await kube.podLogs(ctx, {
          namespace: p.namespace,
          pod: p.name,
          container: s.settings.botContainer,
          sinceSeconds: s.settings.logLookbackSeconds || undefined,
          timestamps: true,
        });
        botLogs.push({ pod: p.name, text: r.text });
      }
      if (botLogs.length === 0) missing.push({ what: 'incident-bot logs', why: 'no bot pod is running' });
    } catch (e) {
      missing.push({ what: 'incident-bot logs', why: errText(e) });
    }
  }

  try {
    const attestors = await kube.listPodsAllNamespaces(ctx, { labelSelector: 'app=attestor' });
    await componentLogs(kube, ctx, 'attestor', attestors, 'attestor', extra, missing);
  } catch (e) {
    missing.push({ what: 'attestor logs', why: errText(e) });
  }
  try {
    const all = await kube.listPodsAllNamespaces(ctx);
    const sidecars = all.filter((p) => p.labels.app === 'sidecar-watcher' || p.containers.includes('sidecar-watcher'));
    await componentLogs(kube, ctx, 'sidecar-watcher', sidecars, 'sidecar-watcher', extra, missing);
  } catch (e) {
    missing.push({ what: 'sidecar-watcher logs', why: errText(e) });
  }

  let metrics = i.scrapes.slice();
  if (metrics.length === 0) {
    try {
      const at = new Date().toISOString();
      metrics = [{ at, text: (await kube.scrapeBotMetrics(ctx, s.settings)).text }];
    } catch (e) {
      missing.push({ what: 'incident-bot metrics snapshot', why: errText(e) });
    }
  }

  const tenant = i.tenantId;
  if (tenant) {
    try {
      const at = new Date();
      const r = await runLedgerCheck(kube, ctx, tenant);
      extra.push({
        path: 'ledger/tenant-usage.json',
        text: ledgerJson(ctx, tenant, r, at),
        description: `ledger UsageEvent rows of the incident's tenant (${r.rows.length}${r.truncated ? ', capped' : ''})`,
      });
    } catch (e) {
      missing.push({ what: 'ledger tenant data-access check', why: errText(e) });
    }
  } else {
    missing.push({ what: 'ledger tenant data-access check', why: 'the incident has no tenant id' });
  }

  return {
    incidentId: incident.id,
    mode: 'live',
    origin: `cluster ${ctx} · ${s.settings.botNamespace}`,
    botLogs,
    rollbacks: [...s.record.rollbacks.values()],
    events: s.record.events,
    deployment: deploymentObject(s),
    configMap: configMapObject(s),
    metrics,
    extra,
    missing,
  };
}

/** A file of the open bundle, refusing anything that resolves outside it (symlinks included). */
function bundleFile(dir: string, rel: string | undefined): string | undefined {
  if (!rel || !isSafeRelativePath(rel)) return undefined;
  try {
    const real = fs.realpathSync(dir);
    const file = fs.realpathSync(path.join(real, rel));
    if (!file.startsWith(real + path.sep)) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function jsonOf(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function listItems(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  const items = (v as { items?: unknown } | undefined)?.items;
  return Array.isArray(items) ? items : undefined;
}

const OFFLINE_MISSING: EvidenceMissing[] = [
  { what: 'attestor logs', why: 'offline: not connected to a cluster' },
  { what: 'sidecar-watcher logs', why: 'offline: not connected to a cluster' },
];

export interface OfflineInputs {
  incident: Incident;
  bundle: LoadedBundle | undefined;
  /** The incident log file the model was loaded from, when it was a file. */
  sourceFile: string | undefined;
}

export function gatherOffline(i: OfflineInputs): EvidenceContent {
  const { incident, bundle } = i;
  const extra: EvidenceFile[] = [];
  const missing: EvidenceMissing[] = [...OFFLINE_MISSING];
  const base = {
    incidentId: incident.id,
    mode: 'offline' as const,
    extra,
    missing,
  };
  if (bundle) {
    const m = bundle.manifest;
    const botLogs: { pod: string; text: string }[] = [];
    for (const l of m.logs) {
      const text = bundleFile(bundle.dir, l.path);
      if (text === undefined) {
        missing.push({ what: `incident-bot log of ${l.pod}`, why: `${l.path} could not be read` });
      } else botLogs.push({ pod: l.pod, text });
    }
    const rollbacks = listItems(jsonOf(bundleFile(bundle.dir, m.rollbacks)));
    if (!rollbacks) missing.push({ what: 'Rollbacks', why: 'the bundle has none' });
    const events = m.events ? bundle.k8sEvents : undefined;
    if (!events) missing.push({ what: 'Kubernetes Events', why: 'the bundle has none' });
    const deployment = jsonOf(bundleFile(bundle.dir, m.deployment));
    const configMap = jsonOf(bundleFile(bundle.dir, m.configMap));
    if (bundle.metrics.length === 0) {
      missing.push({ what: 'incident-bot metrics snapshot', why: 'the bundle has none' });
    }
    if (bundle.problems.length) {
      missing.push({ what: 'files of the source bundle', why: bundle.problems.join('; ').slice(0, 2000) });
    }
    missing.push({ what: 'ledger tenant data-access check', why: 'offline: not connected to a cluster' });
    return {
      ...base,
      origin: `replay bundle ${path.basename(bundle.dir)}`,
      botLogs,
      ...(rollbacks ? { rollbacks } : {}),
      ...(events ? { events } : {}),
      ...(deployment !== undefined ? { deployment } : {}),
      ...(configMap !== undefined ? { configMap } : {}),
      metrics: bundle.metrics,
    };
  }
  const name = i.sourceFile ? path.basename(i.sourceFile) : undefined;
  let text: string | undefined;
  let why = i.sourceFile ? 'it could not be read' : 'it was not a file';
  try {
    if (i.sourceFile && fs.statSync(i.sourceFile).size > MAX_SOURCE_BYTES) {
      why = `it is larger than ${MAX_SOURCE_BYTES / 1024 / 1024} MiB (keep the original file)`;
    } else if (i.sourceFile) {
      text = fs.readFileSync(i.sourceFile, 'utf8');
    }
  } catch {
    text = undefined;
  }
  if (text !== undefined && name) {
    extra.push({ path: `source/${safeFileName(name)}`, text, description: `the incident input ${name}` });
  } else {
    missing.push({ what: 'the incident input file', why });
  }
  missing.push(
    { what: 'Rollbacks, Events, the bot Deployment', why: 'offline without a replay bundle' },
    { what: 'incident-bot metrics snapshot', why: 'offline without a replay bundle' },
    { what: 'ledger tenant data-access check', why: 'offline: not connected to a cluster' },
  );
  return { ...base, origin: name ? `file ${name}` : 'the loaded incidents', botLogs: [], extra, missing };
}
