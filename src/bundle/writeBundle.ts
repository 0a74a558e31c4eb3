import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BundleManifest } from '../core/bundleManifest';
import { BUNDLE_FORMAT, BUNDLE_VERSION, MANIFEST_FILE } from '../core/bundleManifest';

export interface BundleContent {
  title: string;
  source: BundleManifest['source'];
  logs: { pod: string; text: string }[];
  rollbacks?: unknown[];
  events?: unknown[];
  deployment?: unknown;
  configMap?: unknown;
  metrics?: { at: string; text: string }[];
}

/** A file name that cannot escape its folder or surprise a shell: pod names are DNS labels, but be strict. */
function safeName(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return clean.slice(0, 200) || 'unnamed';
}

/**
 * Writes a replay bundle into a NEW folder `dir` (it must not exist: nothing is ever overwritten) with a SHA-256
 * manifest. Files are written to a temporary sibling and renamed at the end, so a failure leaves no half bundle.
 */
export function writeBundle(dir: string, content: BundleContent): BundleManifest {
  if (fs.existsSync(dir)) throw new Error(`${dir} already exists; a bundle is never written over existing files`);
  const tmp = `${dir}.partial-${process.pid}-${Date.now()}`;
  fs.mkdirSync(path.join(tmp, 'logs'), { recursive: true });
  fs.mkdirSync(path.join(tmp, 'metrics'), { recursive: true });
  const sha: Record<string, string> = {};
  const put = (rel: string, data: string): void => {
    fs.writeFileSync(path.join(tmp, rel), data, { flag: 'wx' });
    sha[rel] = crypto.createHash('sha256').update(data).digest('hex');
  };
  try {
    const logs: BundleManifest['logs'] = [];
    const used = new Set<string>();
    for (const l of content.logs) {
      let name = safeName(l.pod);
      for (let i = 2; used.has(name); i++) name = `${safeName(l.pod)}-${i}`;
      used.add(name);
      const rel = `logs/${name}.log`;
      put(rel, l.text);
      logs.push({ pod: l.pod, path: rel });
    }
    const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';
    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      createdAt: new Date().toISOString(),
      title: content.title,
      source: content.source,
      logs,
      metrics: [],
      sha256: sha,
    };
    if (content.rollbacks) {
      put('rollbacks.json', json({ apiVersion: 'v1', kind: 'List', items: content.rollbacks }));
      manifest.rollbacks = 'rollbacks.json';
    }
    if (content.events) {
      put('events.json', json({ apiVersion: 'v1', kind: 'List', items: content.events }));
      manifest.events = 'events.json';
    }
    if (content.deployment !== undefined) {
      put('deployment.json', json(content.deployment));
      manifest.deployment = 'deployment.json';
    }
    if (content.configMap !== undefined) {
      put('configmap.json', json(content.configMap));
      manifest.configMap = 'configmap.json';
    }
    (content.metrics ?? []).forEach((m, i) => {
      const rel = `metrics/${String(i + 1).padStart(4, '0')}.prom`;
      put(rel, m.text);
      manifest.metrics.push({ at: m.at, path: rel });
    });
    fs.writeFileSync(path.join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', { flag: 'wx' });
    fs.renameSync(tmp, dir);
    return manifest;
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
