// Where an incident's records live: <workspace>/incidents/<incident-id>/ (evidence folders, reports, the audit
// trail). Incident ids come from the parser ("inc-" + hex) but reach commands as arguments, so they are checked
// before they become a path. No vscode import: unit-tested in plain Node.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const INCIDENTS_DIR = 'incidents';
/** Results of "Check Tenant Data Access (Ledger)…", one JSON file per run. */
export const LEDGER_CHECKS_DIR = 'ledger-checks';
/** inc-<hex>[-n] as IncidentBook makes them; anything else (../, slashes, controls, odd case) is refused. */
const INCIDENT_ID = /^inc-[0-9a-f]{8,32}(?:-[0-9]{1,6})?$/;
/** A report name: the core's incident-report-YYYYMMDD-HHMMSS.md, with -2, -3 … when a second was taken. */
export const REPORT_NAME = /^incident-report-(\d{8}-\d{6})(?:-(\d{1,4}))?\.md$/;

export function isSafeIncidentId(id: unknown): id is string {
  return typeof id === 'string' && INCIDENT_ID.test(id);
}

/** The incident's folder under `root`; throws for an unsafe id (never reached for ids the model made). */
export function incidentDir(root: string, id: string): string {
  if (!isSafeIncidentId(id)) throw new Error(`not a valid incident id: ${JSON.stringify(id).slice(0, 80)}`);
  const base = path.resolve(root, INCIDENTS_DIR);
  const dir = path.resolve(base, id);
  if (path.dirname(dir) !== base) throw new Error('incident folder escapes the incidents folder');
  return dir;
}

/** `base`, else `base-2`, `base-3` … : the first name in `parent` that does not exist yet. */
export function freshName(parent: string, base: string, ext = ''): string {
  for (let i = 1; i < 10_000; i++) {
    const name = i === 1 ? `${base}${ext}` : `${base}-${i}${ext}`;
    if (!fs.existsSync(path.join(parent, name))) return name;
  }
  throw new Error(`no free name for ${base}${ext} in ${parent}`);
}

/** Writes a new file; never replaces one (if the name was taken in the meantime, the next free one is used). */
export function writeNewFile(parent: string, base: string, ext: string, data: string): string {
  fs.mkdirSync(parent, { recursive: true });
  for (let attempt = 0; attempt < 50; attempt++) {
    const file = path.join(parent, freshName(parent, base, ext));
    try {
      fs.writeFileSync(file, data, { flag: 'wx' });
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new Error(`could not create a new file for ${base}${ext} in ${parent}`);
}

/** The incident's reports, oldest first (by the time in the name, then the -n suffix). */
export function listReports(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const key = (n: string): string => {
    const m = REPORT_NAME.exec(n);
    return m ? `${m[1] ?? ''}-${(m[2] ?? '1').padStart(4, '0')}` : '';
  };
  return names
    .filter((n) => REPORT_NAME.test(n))
    .sort((a, b) => key(a).localeCompare(key(b)))
    .map((n) => path.join(dir, n));
}

/** Evidence folders (evidence, evidence-2, …) that hold a manifest, oldest first. */
export function listEvidenceFolders(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const n = (s: string): number => (s === 'evidence' ? 1 : Number(/^evidence-(\d+)$/.exec(s)?.[1] ?? NaN));
  return names
    .filter((s) => Number.isFinite(n(s)) && fs.existsSync(path.join(dir, s, 'manifest.json')))
    .sort((a, b) => n(a) - n(b))
    .map((s) => path.join(dir, s));
}

/** Which incident folder a file is in, when it is `<root>/incidents/<id>/<file>`. */
export function incidentIdOfFile(root: string, file: string): string | undefined {
  const rel = path.relative(path.resolve(root, INCIDENTS_DIR), path.resolve(file));
  const parts = rel.split(path.sep);
  return parts.length === 2 && isSafeIncidentId(parts[0]) ? parts[0] : undefined;
}
