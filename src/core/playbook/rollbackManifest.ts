import { ROLLBACK_API_VERSION, ROLLBACK_KIND } from './names';
import {
  CAPSULE_HASH_PATTERN,
  RELEASE_HASH_PATTERN,
  checkCapsuleHash,
  checkFreeText,
  checkReleaseHash,
  checkResourceName,
  codePointName,
} from './validation';

/**
 * Manual Rollbacks that the Rollback CRD (ops/crd/rollback.yaml, fact sheet §3) accepts as they are. Everything the
 * bot and the runbooks get wrong (§13.2) is refused here with the field named, before the API server says 422.
 */
export const ROLLBACK_REASONS = ['high_risk', 'heartbeat_miss', 'manual', 'smoke_test_fail'] as const;
export type RollbackReason = (typeof ROLLBACK_REASONS)[number];

const SPEC_FIELDS = ['targetRelease', 'reason', 'capsuleHash', 'tenantId'];
const TOP_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec'];
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'pf-incident-response';

export interface RollbackManifest {
  apiVersion: typeof ROLLBACK_API_VERSION;
  kind: typeof ROLLBACK_KIND;
  metadata: { name: string; labels: Record<string, string> };
  spec: { targetRelease: string; reason: RollbackReason; capsuleHash?: string; tenantId?: string };
}

export interface FieldError {
  /** JSON path of the field, as the API server names it (`spec.reason`). */
  field: string;
  message: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A hint for the reason strings upstream actually sends (`high_risk_sha256:…`, `manual_emergency`). */
function reasonHint(v: string): string {
  const prefix = ROLLBACK_REASONS.find((r) => v.startsWith(`${r}_`));
  if (prefix) return ` (the incident-bot sends "${prefix}_<capsuleHash>"; the CRD accepts only "${prefix}")`;
  if (v.startsWith('manual')) return ' (the runbook\'s "manual_emergency" is not in the enum; use "manual")';
  return '';
}

function safeShow(v: string): string {
  const first = [...v].find((ch) =>
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/.test(ch),
  );
  if (first) return `a value containing ${codePointName(first.codePointAt(0) ?? 0)}`;
  return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
}

/**
 * Every way an object fails the Rollback CRD (plus what this extension refuses to send: a namespace on a
 * cluster-scoped kind, a status, fields the structural schema would silently prune). Empty when valid.
 */
export function validateRollback(obj: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const err = (field: string, message: string): void => void errors.push({ field, message });
  if (!isObj(obj)) return [{ field: '(root)', message: 'must be an object' }];
  if (obj.apiVersion !== ROLLBACK_API_VERSION) err('apiVersion', `must be "${ROLLBACK_API_VERSION}"`);
  if (obj.kind !== ROLLBACK_KIND) err('kind', `must be "${ROLLBACK_KIND}"`);
  for (const k of Object.keys(obj)) {
    if (k === 'status') err('status', 'is written by the rollback controller; a new Rollback must not set it');
    else if (!TOP_FIELDS.includes(k)) err(k, 'is not in the Rollback schema (the API server would drop it)');
  }
  const meta = obj.metadata;
  if (!isObj(meta)) err('metadata', 'is required');
  else {
    const name = checkResourceName(meta.name, 'metadata.name');
    if (!name.ok) err('metadata.name', name.error.replace(/^metadata\.name: /, ''));
    if (meta.namespace !== undefined) {
      err(
        'metadata.namespace',
        'must not be set: rollbacks.ops.prov-fabric.io is cluster-scoped (a namespaced create returns 404)',
      );
    }
  }
  const spec = obj.spec;
  if (!isObj(spec)) {
    err('spec', 'is required');
    return errors;
  }
  for (const k of Object.keys(spec)) {
    if (!SPEC_FIELDS.includes(k)) err(`spec.${k}`, 'is not in the Rollback schema (the API server would drop it)');
  }
  const tr = spec.targetRelease;
  if (tr === undefined) err('spec.targetRelease', 'is required');
  else if (typeof tr !== 'string') err('spec.targetRelease', 'must be a string');
  else if (!RELEASE_HASH_PATTERN.test(tr)) {
    const hint =
      /^v?\d+\.\d+/.test(tr) || tr === 'latest'
        ? ' (a chart version such as "v0.1.0" is what the bot sends; the CRD wants a release hash)'
        : '';
    err('spec.targetRelease', `${safeShow(tr)} must match ^[a-f0-9]{64}$${hint}`);
  }
  const reason = spec.reason;
  if (reason === undefined) err('spec.reason', 'is required');
  else if (typeof reason !== 'string') err('spec.reason', 'must be a string');
  else if (!(ROLLBACK_REASONS as readonly string[]).includes(reason)) {
    err('spec.reason', `${safeShow(reason)} is not one of ${ROLLBACK_REASONS.join(', ')}${reasonHint(reason)}`);
  }
  const ch = spec.capsuleHash;
  if (ch !== undefined) {
    if (typeof ch !== 'string') err('spec.capsuleHash', 'must be a string');
    else if (!CAPSULE_HASH_PATTERN.test(ch)) {
      err('spec.capsuleHash', `${safeShow(ch)} must match ^sha256:[a-f0-9]{64}$`);
    }
  }
  const tid = spec.tenantId;
  if (tid !== undefined) {
    if (typeof tid !== 'string') err('spec.tenantId', 'must be a string');
    else {
      // The CRD leaves tenantId free; we still refuse what would disguise itself in `kubectl get` and our UI.
      const t = checkFreeText(tid, 'spec.tenantId', 256);
      if (!t.ok) err('spec.tenantId', t.error.replace(/^spec\.tenantId: /, ''));
    }
  }
  return errors;
}

export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join('; ');
}

export interface ManualRollbackRequest {
  targetRelease: string;
  reason?: RollbackReason;
  capsuleHash?: string;
  tenantId?: string;
  /** Creation time, for the name. */
  now: Date;
  /** Overrides the generated name. */
  name?: string;
}

/**
 * `manual-rollback-<epoch ms>`: the runbook's `manual-rollback-$(date +%s)` with milliseconds, like the bot's
 * `rollback-<ms>`, so two engineers in the same second do not collide (409).
 */
export function manualRollbackName(now: Date): string {
  return `manual-rollback-${now.getTime()}`;
}

export type BuildResult = { ok: true; manifest: RollbackManifest } | { ok: false; errors: FieldError[] };

/** The object to send with a cluster-scoped create; never carries a namespace or a status. */
export function buildManualRollback(req: ManualRollbackRequest): BuildResult {
  const errors: FieldError[] = [];
  const tr = checkReleaseHash(req.targetRelease, 'spec.targetRelease');
  if (!tr.ok) errors.push({ field: 'spec.targetRelease', message: tr.error.replace(/^spec\.targetRelease: /, '') });
  if (req.capsuleHash !== undefined) {
    const c = checkCapsuleHash(req.capsuleHash, 'spec.capsuleHash');
    if (!c.ok) errors.push({ field: 'spec.capsuleHash', message: c.error.replace(/^spec\.capsuleHash: /, '') });
  }
  if (!(req.now instanceof Date) || !Number.isFinite(req.now.getTime())) {
    errors.push({ field: 'metadata.name', message: 'needs a valid creation time' });
  }
  if (errors.length > 0) return { ok: false, errors };
  const spec: RollbackManifest['spec'] = { targetRelease: req.targetRelease, reason: req.reason ?? 'manual' };
  if (req.capsuleHash !== undefined) spec.capsuleHash = req.capsuleHash;
  if (req.tenantId !== undefined) spec.tenantId = req.tenantId;
  const manifest: RollbackManifest = {
    apiVersion: ROLLBACK_API_VERSION,
    kind: ROLLBACK_KIND,
    metadata: { name: req.name ?? manualRollbackName(req.now), labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
    spec,
  };
  const all = validateRollback(manifest);
  return all.length > 0 ? { ok: false, errors: all } : { ok: true, manifest };
}
