import type { Incident } from './incidents';

export type RollbackPhase = 'Pending' | 'InProgress' | 'Completed' | 'Failed';
const PHASES: readonly string[] = ['Pending', 'InProgress', 'Completed', 'Failed'];

/** A Rollback custom resource (ops.prov-fabric.io/v1alpha1, cluster-scoped), as much as the tree needs. */
export interface RollbackInfo {
  name: string;
  uid?: string;
  resourceVersion?: string;
  createdAt: string | null;
  targetRelease: string | null;
  reason: string | null;
  capsuleHash: string | null;
  tenantId: string | null;
  /** Undefined until some controller writes a status (the CRD has no status subresource and no default). */
  phase?: RollbackPhase;
  startedAt?: string;
  completedAt?: string;
  message?: string;
  helmReleaseRevision?: number;
  previousRevision?: number;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Reads a Rollback object defensively: anything from the API (or a bundle file) may be malformed. */
export function rollbackFromObject(obj: unknown): RollbackInfo | null {
  if (!obj || typeof obj !== 'object') return null;
  const o = obj as Record<string, unknown>;
  const meta = (o.metadata && typeof o.metadata === 'object' ? o.metadata : {}) as Record<string, unknown>;
  const name = str(meta.name);
  if (!name) return null;
  const spec = (o.spec && typeof o.spec === 'object' ? o.spec : {}) as Record<string, unknown>;
  const status = (o.status && typeof o.status === 'object' ? o.status : {}) as Record<string, unknown>;
  const info: RollbackInfo = {
    name,
    createdAt: str(meta.creationTimestamp),
    targetRelease: str(spec.targetRelease),
    reason: str(spec.reason),
    capsuleHash: str(spec.capsuleHash),
    tenantId: str(spec.tenantId),
  };
  if (str(meta.uid)) info.uid = meta.uid as string;
  if (str(meta.resourceVersion)) info.resourceVersion = meta.resourceVersion as string;
  if (typeof status.phase === 'string' && PHASES.includes(status.phase)) info.phase = status.phase as RollbackPhase;
  if (str(status.startedAt)) info.startedAt = status.startedAt as string;
  if (str(status.completedAt)) info.completedAt = status.completedAt as string;
  if (str(status.message)) info.message = status.message as string;
  if (typeof status.helmReleaseRevision === 'number') info.helmReleaseRevision = status.helmReleaseRevision;
  if (typeof status.previousRevision === 'number') info.previousRevision = status.previousRevision;
  return info;
}

const MINUTE = 60_000;

function ms(ts: string | null | undefined): number | null {
  if (!ts) return null;
  const t = Date.parse(ts);
  return Number.isFinite(t) ? t : null;
}

/**
 * The Rollbacks that belong to an incident: those the bot's log names for it, else those for the same capsule
 * (and tenant, when both sides know it) created while the incident was active (a minute of slack either side;
 * the bot's log and the API server's clocks differ).
 */
export function rollbacksFor(inc: Incident, all: readonly RollbackInfo[], windowMs: number): RollbackInfo[] {
  const named = new Set(inc.events.map((e) => e.bot?.rollbackName).filter((n): n is string => !!n));
  const first = ms(inc.firstSeen);
  const last = ms(inc.lastSeen) ?? first;
  return all.filter((rb) => {
    if (named.has(rb.name)) return true;
    if (!inc.capsuleHash || rb.capsuleHash !== inc.capsuleHash) return false;
    if (inc.tenantId && rb.tenantId && inc.tenantId !== rb.tenantId) return false;
    const created = ms(rb.createdAt);
    if (created === null || first === null || last === null) return true;
    return created >= first - MINUTE && created <= last + Math.max(windowMs, MINUTE);
  });
}

export type AttentionGroup = 'needs-attention' | 'rolling-back' | 'rolled-back' | 'false-positive' | 'invalid';

export const ATTENTION_GROUPS: readonly AttentionGroup[] = [
  'needs-attention',
  'rolling-back',
  'rolled-back',
  'false-positive',
  'invalid',
];

export const ATTENTION_TITLES: Readonly<Record<AttentionGroup, string>> = {
  'needs-attention': 'Needs attention',
  'rolling-back': 'Rolling back',
  'rolled-back': 'Rolled back',
  'false-positive': 'False positives',
  invalid: 'Invalid events',
};

/** The newest Rollback (by creation time) of a list. */
export function latestRollback(rbs: readonly RollbackInfo[]): RollbackInfo | undefined {
  let best: RollbackInfo | undefined;
  for (const rb of rbs) if (!best || (rb.createdAt ?? '') >= (best.createdAt ?? '')) best = rb;
  return best;
}

/**
 * Where an incident belongs when the cluster's Rollbacks are known. A legitimate incident with no Rollback, a
 * failed Rollback, or any bot/playbook disagreement needs attention; otherwise the Rollback's phase decides.
 */
export function attentionGroup(verdict: string, disagreement: boolean, rbs: readonly RollbackInfo[]): AttentionGroup {
  if (verdict === 'invalid') return 'invalid';
  const rb = latestRollback(rbs);
  if (disagreement || rb?.phase === 'Failed') return 'needs-attention';
  if (verdict !== 'legitimate') return 'false-positive';
  if (!rb) return 'needs-attention';
  return rb.phase === 'Completed' ? 'rolled-back' : 'rolling-back';
}
