import type { Checked } from './validation';
import { checkEnvName, checkEnvValue, checkReplicas, checkDnsLabel } from './validation';

/**
 * Patches for the changing steps, each with the inverse computed from the object as it was before, so an undo
 * restores exactly that (a value, a `valueFrom` reference, or the absence of the variable) rather than a guess.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = Record<string, Json>;

export type PatchType = 'merge' | 'strategic';

export interface PlannedPatch {
  type: PatchType;
  patch: JsonObject;
  inverse: JsonObject;
  /** "replicas 2 → 0", "MAINTENANCE_MODE unset → true" */
  summary: string;
  /** The same for the inverse: "replicas 0 → 2". */
  inverseSummary: string;
  /** What the object held before, for the audit trail's undo info. */
  previous: Json;
}

interface EnvVar {
  name?: unknown;
  value?: unknown;
  valueFrom?: unknown;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function containersOf(deployment: unknown): unknown[] | null {
  if (!isObj(deployment)) return null;
  const spec = deployment.spec;
  const tmpl = isObj(spec) ? spec.template : undefined;
  const podSpec = isObj(tmpl) ? tmpl.spec : undefined;
  const cs = isObj(podSpec) ? podSpec.containers : undefined;
  return Array.isArray(cs) ? cs : null;
}

/** `spec.replicas` as the API server defaults it: absent means 1. */
export function replicasOf(deployment: unknown): number | null {
  if (!isObj(deployment)) return null;
  const spec = deployment.spec;
  if (!isObj(spec)) return null;
  if (spec.replicas === undefined) return 1;
  return typeof spec.replicas === 'number' && Number.isInteger(spec.replicas) ? spec.replicas : null;
}

export function scalePatch(replicas: number): JsonObject {
  return { spec: { replicas } };
}

/** Scale to `replicas`, remembering the previous count for the undo (pause/resume, isolate). */
export function planScale(deployment: unknown, replicas: number): Checked<PlannedPatch> {
  const r = checkReplicas(replicas);
  if (!r.ok) return r;
  const prev = replicasOf(deployment);
  if (prev === null) return { ok: false, error: 'deployment: spec.replicas is missing or not a whole number' };
  return {
    ok: true,
    value: {
      type: 'merge',
      patch: scalePatch(r.value),
      inverse: scalePatch(prev),
      summary: `replicas ${prev} → ${r.value}`,
      inverseSummary: `replicas ${r.value} → ${prev}`,
      previous: prev,
    },
  };
}

/** The strategic-merge patch setting (or, with `null`, removing) one env var of one container. */
export function envPatch(container: string, name: string, value: string | null, clearValueFrom = false): JsonObject {
  const entry: JsonObject = value === null ? { name, $patch: 'delete' } : { name, value };
  // A var that came from a reference keeps `valueFrom` under a merge unless it is nulled; both set is invalid.
  if (value !== null && clearValueFrom) entry.valueFrom = null;
  return { spec: { template: { spec: { containers: [{ name: container, env: [entry] }] } } } };
}

/** Set (`value`) or unset (`null`) an env var on a named container, with the inverse from the current object. */
export function planEnv(
  deployment: unknown,
  container: string,
  name: string,
  value: string | null,
): Checked<PlannedPatch> {
  const c = checkDnsLabel(container, 'container');
  if (!c.ok) return c;
  const n = checkEnvName(name);
  if (!n.ok) return n;
  if (value !== null) {
    const v = checkEnvValue(value, name);
    if (!v.ok) return v;
  }
  const containers = containersOf(deployment);
  if (!containers) return { ok: false, error: 'deployment: spec.template.spec.containers is missing' };
  const target = containers.find((x) => isObj(x) && x.name === container);
  if (!isObj(target)) return { ok: false, error: `deployment: no container named ${JSON.stringify(container)}` };
  const env = Array.isArray(target.env) ? (target.env as EnvVar[]) : [];
  const prev = env.find((e) => isObj(e) && e.name === name);
  const prevDesc =
    prev === undefined
      ? 'unset'
      : prev.valueFrom !== undefined
        ? '(from a reference)'
        : JSON.stringify(prev.value ?? '');
  const newDesc = value === null ? 'unset' : JSON.stringify(value);
  const hadRef = prev !== undefined && prev.valueFrom !== undefined;
  let inverse: JsonObject;
  if (prev === undefined) inverse = envPatch(container, name, null);
  else if (hadRef) {
    inverse = {
      spec: {
        template: {
          spec: { containers: [{ name: container, env: [{ name, value: null, valueFrom: prev.valueFrom as Json }] }] },
        },
      },
    };
  } else inverse = envPatch(container, name, typeof prev.value === 'string' ? prev.value : '');
  return {
    ok: true,
    value: {
      type: 'strategic',
      patch: envPatch(container, name, value, hadRef),
      inverse,
      summary: `${name} ${prevDesc} → ${newDesc}`,
      inverseSummary: `${name} ${newDesc} → ${prevDesc}`,
      previous: prev === undefined ? null : (JSON.parse(JSON.stringify(prev)) as Json),
    },
  };
}

/** List fields that strategic merge merges by `name` in a Deployment (patchMergeKey in the Kubernetes API). */
const MERGE_BY_NAME = new Set(['containers', 'initContainers', 'env', 'volumes', 'volumeMounts', 'ports']);

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function mergeList(base: unknown[], patch: Json[]): unknown[] {
  const out = base.map(clone);
  for (const p of patch) {
    if (!isObj(p) || typeof p.name !== 'string') continue;
    const i = out.findIndex((x) => isObj(x) && x.name === p.name);
    if (p.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) out[i] = mergeValue(out[i], p, true);
    else out.push(mergeValue({}, p, true));
  }
  return out;
}

function mergeValue(base: unknown, patch: Json, strategic: boolean): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: Record<string, unknown> = isObj(base) ? clone(base) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch') continue;
    if (v === null) delete out[k];
    else if (strategic && MERGE_BY_NAME.has(k) && Array.isArray(v)) {
      out[k] = mergeList(Array.isArray(out[k]) ? (out[k] as unknown[]) : [], v);
    } else out[k] = mergeValue(out[k], v, strategic);
  }
  return out;
}

/**
 * The object after a patch, as the API server would compute it for the patch shapes built here (JSON merge,
 * and strategic merge with name-keyed lists). Only used to preview a change in a diff; the server stays the truth.
 */
export function applyPatch(obj: unknown, patch: JsonObject, type: PatchType): unknown {
  return mergeValue(obj, patch, type === 'strategic');
}
