// The safety flow of every changing step, without vscode (the UI is a port, so the cluster tests drive it too):
// read-only context guard → RBAC pre-check (SelfSubjectAccessReview) → server-side dry run → diff → confirmation
// naming context, namespace and object → apply with the previewed resourceVersion → on a 409 re-read, re-diff and
// re-confirm → one audit entry with the result and the undo.
import type { AuditEntry } from '../core/playbook/audit';
import { AUDIT_VERSION } from '../core/playbook/audit';
import { diffTexts } from '../core/playbook/diff';
import type { StepId } from '../core/playbook/steps';
import { stepById } from '../core/playbook/steps';
import type { KubeActions, KubeObject, MutationRequest, MutationResult } from '../kube/actionTypes';
import { KubeValidationError } from '../kube/actionTypes';
import { KubeError } from '../kube/types';
import type { PlannedChange } from './stepMutation';
import { objectLabel, oneLine } from './stepMutation';

export interface DiffView {
  title: string;
  before: string;
  after: string;
  /** Dotted paths that differ. */
  changed: string[];
}

export interface ConfirmRequest {
  /** The modal's message: names the step, object, namespace and context. */
  message: string;
  detail: string;
  /** The button that applies. */
  action: string;
}

export interface ChangeUi {
  showDiff(view: DiffView): Promise<void>;
  confirm(req: ConfirmRequest): Promise<boolean>;
}

export interface ChangeEnv {
  kube: Pick<KubeActions, 'mutate' | 'missingPermissions'>;
  ui: ChangeUi;
  /** Appends to the incident's audit trail; failures to write are the caller's to report. */
  audit(entry: AuditEntry): Promise<void>;
  who: string;
  /** Why the context refuses changes (read-only pattern), or null. */
  refusal(context: string): string | null;
  now?: () => Date;
}

export interface ChangeRequest {
  stepId: StepId;
  context: string;
  incidentId?: string;
  plan: PlannedChange;
  /** Rebuilds the plan from the object as the dry run read it (exact --current-replicas and undo line). */
  replan?(before: KubeObject | null): PlannedChange | undefined;
}

export type ChangeOutcome =
  | { status: 'refused'; reason: 'read-only' | 'forbidden' | 'invalid'; error: string; missing?: string[] }
  | { status: 'cancelled'; error?: undefined }
  | {
      status: 'applied';
      before: KubeObject | null;
      after: KubeObject | null;
      /** The adapter's request that reverses this one. */
      undo: MutationRequest | null;
      auditEntry: AuditEntry;
      error?: undefined;
    }
  | { status: 'failed'; error: string };

export const MAX_CONFLICT_ROUNDS = 3;

export function diffTitle(plan: PlannedChange, context: string, dryRun = true): string {
  const t = plan.command.target;
  return `${t.kind} ${t.name} in ${context}/${t.namespace ?? '(cluster)'}: before ↔ after${dryRun ? ' (server dry run)' : ''}`;
}

function errorText(e: unknown): { error: string; reason?: 'forbidden' | 'invalid'; missing?: string[] } {
  if (e instanceof KubeError && e.kind === 'forbidden') {
    return {
      error: oneLine(e.missing ? `forbidden: missing permission ${e.missing}` : e.message),
      reason: 'forbidden',
      missing: e.missing ? [e.missing] : [],
    };
  }
  if (e instanceof KubeValidationError) {
    const c = e.causes.map((x) => `${x.field || '(object)'}: ${x.message}`).join('; ');
    return { error: oneLine(`rejected by the API server: ${c || e.message}`), reason: 'invalid' };
  }
  return { error: oneLine(e instanceof Error ? e.message : String(e)) };
}

export async function runChange(env: ChangeEnv, req: ChangeRequest): Promise<ChangeOutcome> {
  const now = env.now ?? (() => new Date());
  const step = stepById(req.stepId);
  let plan = req.plan;
  const record = async (
    outcome: AuditEntry['outcome'],
    message: string | undefined,
    withUndo = false,
  ): Promise<AuditEntry> => {
    const c = plan.command;
    const entry: AuditEntry = {
      v: AUDIT_VERSION,
      when: now().toISOString(),
      who: env.who,
      step: req.stepId,
      object: { ...c.target },
      context: req.context,
      command: c.line,
      dryRun: false,
      outcome,
      ...(message ? { message: oneLine(message) } : {}),
      ...(withUndo && c.undo && typeof c.undo === 'object'
        ? { undo: { description: c.undo.description, invocations: c.undo.invocations } }
        : {}),
      ...(req.incidentId ? { incidentId: req.incidentId } : {}),
    };
    await env.audit(entry);
    return entry;
  };

  const refused = env.refusal(req.context);
  if (refused) {
    await record('cancelled', `refused: ${refused}`);
    return { status: 'refused', reason: 'read-only', error: refused };
  }
  let missing: string[];
  try {
    missing = await env.kube.missingPermissions(req.context, plan.mutation);
  } catch (e) {
    const t = errorText(e);
    await record('failed', `permission check: ${t.error}`);
    return { status: 'failed', error: `permission check: ${t.error}` };
  }
  if (missing.length > 0) {
    const error = `forbidden in context "${req.context}": missing permission ${missing.join(', ')}`;
    await record('failed', error);
    return { status: 'refused', reason: 'forbidden', error, missing };
  }

  let conflictNote = '';
  for (let round = 0; round <= MAX_CONFLICT_ROUNDS; round++) {
    let dry: MutationResult;
    try {
      dry = await env.kube.mutate(req.context, plan.mutation, { dryRun: true });
    } catch (e) {
      const t = errorText(e);
      await record('failed', `dry run: ${t.error}`);
      return t.reason
        ? {
            status: 'refused',
            reason: t.reason,
            error: `dry run: ${t.error}`,
            ...(t.missing ? { missing: t.missing } : {}),
          }
        : { status: 'failed', error: `dry run: ${t.error}` };
    }
    if (dry.outcome === 'conflict') {
      await record('failed', `dry run: ${dry.message}`);
      return { status: 'failed', error: oneLine(`dry run: ${dry.message}`) };
    }
    const replanned = req.replan?.(dry.before);
    if (replanned) plan = replanned;
    const d = diffTexts(dry.before ?? {}, dry.after ?? {});
    await env.ui.showDiff({
      title: diffTitle(plan, req.context),
      before: d.before,
      after: d.after,
      changed: d.changed,
    });
    const t = plan.command.target;
    const ok = await env.ui.confirm({
      message: `${conflictNote}${step.title}: change ${objectLabel(t)} in context "${req.context}"?`,
      detail: [
        `Context: ${req.context}`,
        `Namespace: ${t.namespace ?? '(cluster-scoped)'}`,
        `Object: ${t.kind} ${t.name}`,
        `Changes: ${d.changed.length ? d.changed.join(', ') : '(none)'}`,
        `kubectl: ${plan.command.line}`,
        typeof plan.command.undo === 'object'
          ? `Undo: ${plan.command.undo.description}`
          : `Undo: ${plan.command.undo ?? 'none'}`,
      ].join('\n'),
      action: 'Apply',
    });
    if (!ok) {
      await record('cancelled', conflictNote ? 'cancelled after a conflict' : 'cancelled after the dry run');
      return { status: 'cancelled' };
    }
    let res: MutationResult;
    try {
      res = await env.kube.mutate(req.context, plan.mutation, {
        dryRun: false,
        ...(dry.resourceVersion ? { expectResourceVersion: dry.resourceVersion } : {}),
      });
    } catch (e) {
      const x = errorText(e);
      await record('failed', x.error);
      return x.reason
        ? { status: 'refused', reason: x.reason, error: x.error, ...(x.missing ? { missing: x.missing } : {}) }
        : { status: 'failed', error: x.error };
    }
    if (res.outcome === 'conflict') {
      conflictNote = `${objectLabel(t)} changed since the preview (409 Conflict); review the new diff. `;
      continue;
    }
    const summary = d.changed.length ? `changed ${d.changed.join(', ')}` : 'applied (no field changed)';
    const auditEntry = await record('succeeded', summary, res.undo !== null);
    return { status: 'applied', before: res.before, after: res.after, undo: res.undo, auditEntry };
  }
  const error = `${objectLabel(plan.command.target)} kept changing (${MAX_CONFLICT_ROUNDS + 1} conflicts); nothing applied`;
  await record('failed', error);
  return { status: 'failed', error };
}
