import { yamlString } from '../metrics/prometheusRule';

/**
 * Before/after texts for VS Code's diff editor. Keys are sorted and server-maintained noise is dropped, so the
 * only lines that differ are the ones the step changes.
 */
const NOISY_METADATA = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink'];
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function withoutNoise(obj: unknown): unknown {
  if (!isObj(obj)) return obj;
  const out: Record<string, unknown> = { ...obj };
  delete out.status;
  if (isObj(obj.metadata)) {
    const meta: Record<string, unknown> = { ...obj.metadata };
    for (const k of NOISY_METADATA) delete meta[k];
    if (isObj(meta.annotations)) {
      const ann: Record<string, unknown> = { ...meta.annotations };
      delete ann[LAST_APPLIED];
      if (Object.keys(ann).length === 0) delete meta.annotations;
      else meta.annotations = ann;
    }
    out.metadata = meta;
  }
  return out;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObj(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = sortKeys(v[k]);
  return out;
}

/** JSON with sorted keys and two-space indent, ending in a newline. */
export function stableJson(v: unknown): string {
  return `${JSON.stringify(sortKeys(v), null, 2) ?? 'null'}\n`;
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return yamlString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : yamlString(String(v));
  if (typeof v === 'boolean') return String(v);
  return 'null';
}

function emit(v: unknown, indent: string, lines: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      if ((isObj(item) && Object.keys(item).length > 0) || (Array.isArray(item) && item.length > 0)) {
        const sub: string[] = [];
        emit(item, `${indent}  `, sub);
        const first = sub[0] ?? '';
        sub[0] = `${indent}- ${first.slice(indent.length + 2)}`;
        lines.push(...sub);
      } else lines.push(`${indent}- ${isObj(item) ? '{}' : Array.isArray(item) ? '[]' : scalar(item)}`);
    }
    return;
  }
  if (!isObj(v)) {
    lines.push(`${indent}${scalar(v)}`);
    return;
  }
  for (const k of Object.keys(v).sort()) {
    const child = v[k];
    if (child === undefined) continue;
    const key = `${indent}${yamlString(k)}:`;
    if (isObj(child) && Object.keys(child).length > 0) {
      lines.push(key);
      emit(child, `${indent}  `, lines);
    } else if (Array.isArray(child) && child.length > 0) {
      lines.push(key);
      emit(child, indent, lines);
    } else lines.push(`${key} ${isObj(child) ? '{}' : Array.isArray(child) ? '[]' : scalar(child)}`);
  }
}

/** Block YAML with sorted keys (strings quoted whenever a YAML reader could take them for something else). */
export function stableYaml(v: unknown): string {
  const lines: string[] = [];
  emit(v, '', lines);
  return `${lines.join('\n')}\n`;
}

export interface DiffTexts {
  before: string;
  after: string;
  /** Dotted paths whose value differs (`spec.replicas`, `spec.template.spec.containers[0].env[2].value`). */
  changed: string[];
}

function changedPaths(a: unknown, b: unknown, path: string, out: string[]): void {
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) changedPaths(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      changedPaths(a[k], b[k], path ? `${path}.${k}` : k, out);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path || '(root)');
}

export function diffTexts(before: unknown, after: unknown, format: 'yaml' | 'json' = 'yaml'): DiffTexts {
  const a = withoutNoise(before);
  const b = withoutNoise(after);
  const render = format === 'yaml' ? stableYaml : stableJson;
  const changed: string[] = [];
  changedPaths(a, b, '', changed);
  return { before: render(a), after: render(b), changed };
}
