import type { BundleManifest } from '../bundleManifest';
import { manifestFiles } from '../bundleManifest';

/** A file saved as evidence, with its SHA-256 so the report can prove what it refers to. */
export interface EvidenceItem {
  /** Relative to the report's folder. */
  path: string;
  sha256: string;
  description?: string;
}

/** The evidence files of a bundle written during the incident, paths made relative to the report. */
export function evidenceFromManifest(m: BundleManifest, folder: string): EvidenceItem[] {
  const prefix = folder.replace(/\/+$/, '');
  return manifestFiles(m).map((p) => ({ path: prefix ? `${prefix}/${p}` : p, sha256: m.sha256[p] ?? '' }));
}
