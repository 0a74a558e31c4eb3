/**
 * A replay bundle: a folder holding what the extension reads from a cluster (the bot's logs, Rollbacks,
 * Events, the bot Deployment, the maintenance ConfigMap, metrics snapshots) plus this manifest, so the same tree
 * and panels work offline. Evidence folders written during an incident are bundles too.
 */
export const BUNDLE_FORMAT = 'pf-incident-bundle';
export const BUNDLE_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  version: number;
  createdAt: string;
  title?: string;
  /** Where the data came from: a cluster context and namespace, or a generator. */
  source: { kind: 'cluster'; context: string; namespace: string } | { kind: 'demo' | 'evidence'; description?: string };
  logs: { pod: string; path: string }[];
  rollbacks?: string;
  events?: string;
  deployment?: string;
  configMap?: string;
  metrics: { at: string; path: string }[];
  /** SHA-256 (hex) of every file above, by relative path. */
  sha256: Record<string, string>;
}

export type ManifestResult = { ok: true; manifest: BundleManifest } | { ok: false; error: string };

/** Relative, normalized, inside the bundle: no absolute paths, no "..", no backslashes, no control characters. */
export function isSafeRelativePath(p: unknown): p is string {
  if (typeof p !== 'string' || p.length === 0 || p.length > 300) return false;
  if (p.startsWith('/') || p.includes('\\') || /[\u0000-\u001f]/.test(p)) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates a manifest read from disk; a bundle from elsewhere is untrusted input (paths especially). */
export function parseManifest(text: string): ManifestResult {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return { ok: false, error: 'manifest.json is not valid JSON' };
  }
  if (!isObj(m) || m.format !== BUNDLE_FORMAT) {
    return { ok: false, error: `manifest.json is not a ${BUNDLE_FORMAT} manifest` };
  }
  if (m.version !== BUNDLE_VERSION) {
    return {
      ok: false,
      error: `unsupported bundle version ${String(m.version)} (this extension reads ${BUNDLE_VERSION})`,
    };
  }
  if (typeof m.createdAt !== 'string') return { ok: false, error: 'manifest.json has no createdAt' };
  const src = m.source;
  if (!isObj(src) || !['cluster', 'demo', 'evidence'].includes(String(src.kind))) {
    return { ok: false, error: 'manifest.json has no valid source' };
  }
  const logs = Array.isArray(m.logs) ? m.logs : [];
  for (const l of logs) {
    if (!isObj(l) || typeof l.pod !== 'string' || !isSafeRelativePath(l.path)) {
      return { ok: false, error: `manifest.json lists an invalid log entry: ${JSON.stringify(l).slice(0, 120)}` };
    }
  }
  const metrics = Array.isArray(m.metrics) ? m.metrics : [];
  for (const s of metrics) {
    if (!isObj(s) || typeof s.at !== 'string' || !Number.isFinite(Date.parse(s.at)) || !isSafeRelativePath(s.path)) {
      return {
        ok: false,
        error: `manifest.json lists an invalid metrics snapshot: ${JSON.stringify(s).slice(0, 120)}`,
      };
    }
  }
  for (const k of ['rollbacks', 'events', 'deployment', 'configMap'] as const) {
    if (m[k] !== undefined && !isSafeRelativePath(m[k])) {
      return { ok: false, error: `manifest.json has an unsafe path for ${k}` };
    }
  }
  const sha = isObj(m.sha256) ? m.sha256 : {};
  for (const [k, v] of Object.entries(sha)) {
    if (!isSafeRelativePath(k) || typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) {
      return { ok: false, error: `manifest.json has an invalid sha256 entry for ${k.slice(0, 80)}` };
    }
  }
  return { ok: true, manifest: m as unknown as BundleManifest };
}

/** Every file a manifest references. */
export function manifestFiles(m: BundleManifest): string[] {
  return [
    ...m.logs.map((l) => l.path),
    ...(['rollbacks', 'events', 'deployment', 'configMap'] as const).map((k) => m[k]).filter((p): p is string => !!p),
    ...m.metrics.map((s) => s.path),
  ];
}
