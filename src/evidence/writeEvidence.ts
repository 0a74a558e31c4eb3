// Writes an incident's evidence folder: a replay bundle (bot logs, Rollbacks, Events, the bot Deployment, the
// maintenance ConfigMap, metrics snapshots, readable by src/bundle/readBundle.ts) plus the other components'
// logs and the ledger check, every file in the SHA-256 manifest, and what could not be collected named with the
// reason. Always a NEW folder (evidence/, else evidence-2/, …): staged in a hidden sibling and renamed at the end.
// No vscode import.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BundleManifest } from '../core/bundleManifest';
import { BUNDLE_FORMAT, BUNDLE_VERSION, MANIFEST_FILE, isSafeRelativePath } from '../core/bundleManifest';
import type { EvidenceItem } from '../core/incidentReport/evidence';
import { freshName } from './incidentFolder';

export interface EvidenceFile {
  /** Relative to the evidence folder; must be a safe relative path. */
  path: string;
  text: string;
  description: string;
}

export interface EvidenceMissing {
  what: string;
  why: string;
}

export interface EvidenceContent {
  incidentId: string;
  mode: 'live' | 'offline';
  /** e.g. "cluster pf-test · monitoring" or "replay bundle demo-bundle". */
  origin: string;
  botLogs: { pod: string; text: string }[];
  rollbacks?: unknown[];
  events?: unknown[];
  deployment?: unknown;
  configMap?: unknown;
  metrics?: { at: string; text: string }[];
  /** Attestor and sidecar-watcher logs, ledger results, …: hashed, listed, not read by the replay. */
  extra: EvidenceFile[];
  missing: EvidenceMissing[];
}

export interface EvidenceManifest extends BundleManifest {
  evidence: {
    incidentId: string;
    mode: 'live' | 'offline';
    origin: string;
    /** Every file with what it is (the bundle's own files included). */
    files: { path: string; description: string }[];
    missing: EvidenceMissing[];
  };
}

export function safeFileName(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return clean.slice(0, 120) || 'unnamed';
}

const sha256 = (data: string): string => crypto.createHash('sha256').update(data).digest('hex');
const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';

/** The files and manifest for `content` (pure: what writeEvidence puts on disk). */
export function evidenceLayout(
  content: EvidenceContent,
  now = new Date(),
): { files: Map<string, string>; manifest: EvidenceManifest } {
  const files = new Map<string, string>();
  const described: { path: string; description: string }[] = [];
  const sha: Record<string, string> = {};
  const put = (rel: string, data: string, description: string): void => {
    if (!isSafeRelativePath(rel) || rel === MANIFEST_FILE || files.has(rel)) {
      throw new Error(`evidence file name not usable: ${rel.slice(0, 80)}`);
    }
    files.set(rel, data);
    sha[rel] = sha256(data);
    described.push({ path: rel, description });
  };
  const logs: BundleManifest['logs'] = [];
  const used = new Set<string>();
  for (const l of content.botLogs) {
    let name = safeFileName(l.pod);
    for (let i = 2; used.has(name); i++) name = `${safeFileName(l.pod)}-${i}`;
    used.add(name);
    const rel = `logs/${name}.log`;
    put(rel, l.text, `incident-bot log, pod ${l.pod}`);
    logs.push({ pod: l.pod, path: rel });
  }
  const manifest: EvidenceManifest = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    createdAt: now.toISOString(),
    title: `Evidence for incident ${content.incidentId}`,
    source: { kind: 'evidence', description: `${content.mode} evidence from ${content.origin}` },
    logs,
    metrics: [],
    sha256: sha,
    evidence: {
      incidentId: content.incidentId,
      mode: content.mode,
      origin: content.origin,
      files: described,
      missing: content.missing,
    },
  };
  if (content.rollbacks) {
    put('rollbacks.json', json({ apiVersion: 'v1', kind: 'List', items: content.rollbacks }), 'Rollbacks');
    manifest.rollbacks = 'rollbacks.json';
  }
  if (content.events) {
    put('events.json', json({ apiVersion: 'v1', kind: 'List', items: content.events }), 'Kubernetes Events');
    manifest.events = 'events.json';
  }
  if (content.deployment !== undefined) {
    put('deployment.json', json(content.deployment), 'incident-bot Deployment');
    manifest.deployment = 'deployment.json';
  }
  if (content.configMap !== undefined) {
    put('configmap.json', json(content.configMap), 'maintenance ConfigMap');
    manifest.configMap = 'configmap.json';
  }
  (content.metrics ?? []).forEach((m, i) => {
    const rel = `metrics/${String(i + 1).padStart(4, '0')}.prom`;
    put(rel, m.text, `incident-bot metrics at ${m.at}`);
    manifest.metrics.push({ at: m.at, path: rel });
  });
  for (const f of content.extra) put(f.path, f.text, f.description);
  return { files, manifest };
}

/** Writes the evidence folder inside `incidentDir`; returns its path and manifest. Nothing existing is touched. */
export function writeEvidence(
  incidentDir: string,
  content: EvidenceContent,
): { dir: string; manifest: EvidenceManifest } {
  const { files, manifest } = evidenceLayout(content);
  fs.mkdirSync(incidentDir, { recursive: true });
  const tmp = path.join(
    incidentDir,
    `.evidence.partial-${process.pid}-${Date.now()}-${crypto.randomBytes(3).toString('hex')}`,
  );
  try {
    for (const [rel, data] of files) {
      const file = path.join(tmp, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, data, { flag: 'wx' });
    }
    fs.writeFileSync(path.join(tmp, MANIFEST_FILE), json(manifest), { flag: 'wx' });
    for (let attempt = 0; ; attempt++) {
      const dir = path.join(incidentDir, freshName(incidentDir, 'evidence'));
      try {
        // rename(2) replaces only an EMPTY directory; a folder created in the meantime is never empty of a
        // manifest, so a race ends in ENOTEMPTY/EEXIST and the next name is tried.
        if (fs.existsSync(dir)) {
          if (attempt > 50) throw new Error(`no free evidence folder name in ${incidentDir}`);
          continue;
        }
        fs.renameSync(tmp, dir);
        return { dir, manifest };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt > 20) throw e;
      }
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Evidence items for the report, relative to the incident folder, with what each file is. */
export function evidenceItems(manifest: BundleManifest, folder: string): EvidenceItem[] {
  const ev = (manifest as Partial<EvidenceManifest>).evidence;
  const desc = new Map((ev?.files ?? []).map((f) => [f.path, f.description]));
  return Object.keys(manifest.sha256)
    .sort()
    .map((p) => ({
      path: `${folder}/${p}`,
      sha256: manifest.sha256[p] ?? '',
      description: `${folder}/${p}${desc.has(p) ? ` (${desc.get(p) ?? ''})` : ''}`,
    }));
}

/** Re-hashes every file the manifest lists; the paths whose content no longer matches (or cannot be read). */
export function verifyEvidence(dir: string, manifest: BundleManifest): string[] {
  const bad: string[] = [];
  for (const [rel, want] of Object.entries(manifest.sha256)) {
    try {
      if (!isSafeRelativePath(rel)) {
        bad.push(rel);
        continue;
      }
      const got = crypto
        .createHash('sha256')
        .update(fs.readFileSync(path.join(dir, rel)))
        .digest('hex');
      if (got !== want) bad.push(rel);
    } catch {
      bad.push(rel);
    }
  }
  return bad;
}
