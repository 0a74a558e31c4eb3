import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BundleManifest } from '../core/bundleManifest';
import { MANIFEST_FILE, manifestFiles, parseManifest } from '../core/bundleManifest';
import { containerEnv } from '../core/botDeployment';
import type { GuardTripInput } from '../core/guardTrip';
import { IncidentLogParser } from '../core/parse/logParser';
import type { RollbackInfo } from '../core/rollbacks';
import { rollbackFromObject } from '../core/rollbacks';

export interface MetricsSnapshot {
  at: string;
  text: string;
}

export interface LoadedBundle {
  dir: string;
  manifest: BundleManifest;
  events: GuardTripInput[];
  rollbacks: RollbackInfo[];
  /** Kubernetes Events as stored (objects). */
  k8sEvents: unknown[];
  botEnv: Record<string, string> | null;
  configMap: Record<string, string> | null;
  metrics: MetricsSnapshot[];
  /** Files that failed their SHA-256 check or could not be read; the rest of the bundle is still used. */
  problems: string[];
}

export class BundleError extends Error {}

const MAX_FILE = 512 * 1024 * 1024;

function items(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v && typeof v === 'object' && Array.isArray((v as { items?: unknown }).items)) {
    return (v as { items: unknown[] }).items;
  }
  return [];
}

/** Resolves a manifest path and refuses anything that would leave the bundle folder (symlinks included). */
function inside(dir: string, rel: string): string {
  const real = fs.realpathSync(dir);
  const p = path.resolve(real, rel);
  const resolved = fs.existsSync(p) ? fs.realpathSync(p) : p;
  if (!resolved.startsWith(real + path.sep)) throw new BundleError(`${rel} points outside the bundle`);
  return resolved;
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Reads a bundle folder. Integrity problems are reported, not fatal; a missing or invalid manifest is. */
export function readBundle(dir: string, botContainer = 'incident-bot'): LoadedBundle {
  const manifestPath = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(manifestPath)) throw new BundleError(`${dir} has no ${MANIFEST_FILE}: not a replay bundle`);
  const parsed = parseManifest(fs.readFileSync(manifestPath, 'utf8'));
  if (!parsed.ok) throw new BundleError(parsed.error);
  const m = parsed.manifest;
  const problems: string[] = [];
  const read = (rel: string): string | null => {
    try {
      const file = inside(dir, rel);
      const st = fs.statSync(file);
      if (st.size > MAX_FILE) throw new BundleError(`${rel} is larger than ${MAX_FILE} bytes`);
      const want = m.sha256[rel];
      if (want && sha256(file) !== want) {
        problems.push(`${rel}: SHA-256 does not match the manifest (the file was changed)`);
      }
      return fs.readFileSync(file, 'utf8');
    } catch (e) {
      problems.push(`${rel}: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  };
  for (const rel of manifestFiles(m)) if (!m.sha256[rel]) problems.push(`${rel}: no SHA-256 in the manifest`);

  const events: GuardTripInput[] = [];
  for (const l of m.logs) {
    const text = read(l.path);
    if (text === null) continue;
    // One parser per file, so the line numbers in each event's origin are that file's.
    const parser = new IncidentLogParser({ file: path.join(dir, l.path) });
    for (const e of [...parser.push(text, l.pod), ...parser.end()]) events.push(e);
  }
  events.sort((a, b) => (a.ts ?? '').localeCompare(b.ts ?? ''));

  const json = (rel: string | undefined): unknown => {
    if (!rel) return undefined;
    const t = read(rel);
    if (t === null) return undefined;
    try {
      return JSON.parse(t);
    } catch {
      problems.push(`${rel}: not valid JSON`);
      return undefined;
    }
  };
  const rollbacks = items(json(m.rollbacks))
    .map(rollbackFromObject)
    .filter((r): r is RollbackInfo => r !== null);
  const k8sEvents = items(json(m.events));
  const dep = json(m.deployment);
  const cm = json(m.configMap) as { data?: Record<string, string> } | undefined;
  const metrics: MetricsSnapshot[] = [];
  for (const s of [...m.metrics].sort((a, b) => a.at.localeCompare(b.at))) {
    const text = read(s.path);
    if (text !== null) metrics.push({ at: s.at, text });
  }
  return {
    dir,
    manifest: m,
    events,
    rollbacks,
    k8sEvents,
    botEnv: dep === undefined ? null : containerEnv(dep, botContainer),
    configMap: cm && typeof cm.data === 'object' ? cm.data : null,
    metrics,
    problems,
  };
}
