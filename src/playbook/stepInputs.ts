import * as vscode from 'vscode';
import type { Incident } from '../core/incidents';
import { buildManualRollback, formatFieldErrors } from '../core/playbook/rollbackManifest';
import type { RollbackManifest } from '../core/playbook/rollbackManifest';
import type { ClusterNames } from '../core/playbook/names';
import type { PlaybookStep } from '../core/playbook/steps';
import { samplesFromIncidents, suggestRiskThreshold } from '../core/playbook/thresholdSuggestion';
import type { Checked } from '../core/playbook/validation';
import { oneLine } from './stepMutation';
import type { ChangeInput } from './stepMutation';

/** What a caller (tests, other commands) may pass instead of being asked. Every value is checked by buildStep. */
export interface StepArgs {
  capsuleHash?: unknown;
  tenantId?: unknown;
  endpoint?: unknown;
  /** `namespace/deployment` */
  workload?: unknown;
  workloadNamespace?: unknown;
  workloadDeployment?: unknown;
  riskThreshold?: unknown;
  replicas?: unknown;
  /** The manual Rollback's spec.targetRelease (64 hex). */
  targetRelease?: unknown;
  /** A whole Rollback manifest (validated against the CRD before anything is sent). */
  rollback?: unknown;
  /** Never prompt: a missing input is an error (tests, scripts). */
  noPrompt?: boolean;
}

export interface InputContext {
  step: PlaybookStep;
  incident: Incident | undefined;
  args: StepArgs;
  names: Partial<ClusterNames>;
  incidents: readonly Incident[];
  /** The incident's tenant, from a linked Rollback when its events name none. */
  tenantOf?: (inc: Incident) => string | undefined;
  botRiskThreshold: number;
  botMissThreshold: number;
  /** resumeBot: the replicas the pause remembered. */
  rememberedReplicas?: number;
  rules?: { yaml: string; spec: unknown };
}

const CANCELLED: Checked<ChangeInput> = { ok: false, error: 'cancelled' };

async function ask(args: StepArgs, title: string, prompt: string, value?: string): Promise<string | undefined> {
  if (args.noPrompt) return undefined;
  return vscode.window.showInputBox({ title, prompt, value, ignoreFocusOut: true });
}

/**
 * The step's parameters: from the caller's args, else the incident, else asked. Values are passed through as given
 * (`as string`): buildStep rejects anything malformed with a one-line error before a request is made.
 */
export async function gatherInputs(c: InputContext): Promise<Checked<ChangeInput>> {
  const { step, incident, args } = c;
  const p: ChangeInput = { names: c.names };
  const title = step.title;
  const fromArgsOrIncident = (k: 'capsuleHash' | 'tenantId'): unknown =>
    args[k] ?? (k === 'tenantId' && incident ? c.tenantOf?.(incident) : undefined) ?? incident?.[k] ?? undefined;
  if (step.needs.includes('capsuleHash') || step.id === 'createRollback') {
    let v = fromArgsOrIncident('capsuleHash');
    if (v === undefined && step.needs.includes('capsuleHash')) {
      v = await ask(args, title, 'Capsule hash (sha256:<64 hex>)');
      if (v === undefined) {
        return args.noPrompt ? { ok: false, error: 'capsule hash: required for this step' } : CANCELLED;
      }
    }
    if (v !== undefined) p.capsuleHash = v as string;
  }
  if (step.needs.includes('tenantId') || step.id === 'createRollback') {
    let v = fromArgsOrIncident('tenantId');
    if (v === undefined && step.needs.includes('tenantId')) {
      v = await ask(args, title, 'Tenant id');
      if (v === undefined) return args.noPrompt ? { ok: false, error: 'tenant id: required for this step' } : CANCELLED;
    }
    if (v !== undefined) p.tenantId = v as string;
  }
  if (step.needs.includes('endpoint')) {
    const v = args.endpoint ?? (await ask(args, title, 'Host name or IPv4 address of the capsule endpoint'));
    if (v === undefined) {
      return args.noPrompt ? { ok: false, error: 'capsule endpoint: required for this step' } : CANCELLED;
    }
    p.endpoint = v as string;
  }
  if (step.needs.includes('workload')) {
    let ns = args.workloadNamespace;
    let name = args.workloadDeployment;
    const w =
      args.workload ??
      (ns === undefined ? await ask(args, title, 'Workload to isolate: namespace/deployment') : undefined);
    if (w !== undefined) {
      if (typeof w !== 'string' || !w.includes('/')) {
        return { ok: false, error: 'workload: must be namespace/deployment' };
      }
      const i = w.indexOf('/');
      ns = w.slice(0, i);
      name = w.slice(i + 1);
    }
    if (ns === undefined) return args.noPrompt ? { ok: false, error: 'workload: required for this step' } : CANCELLED;
    p.workloadNamespace = ns as string;
    p.workloadDeployment = name as string;
  }
  if (step.needs.includes('replicas')) {
    const r = args.replicas ?? c.rememberedReplicas ?? 1;
    p.replicas = r as number;
  }
  if (step.needs.includes('riskThreshold')) {
    let t = args.riskThreshold;
    if (t === undefined) {
      if (args.noPrompt) return { ok: false, error: 'RISK_SCORE_THRESHOLD: required for this step' };
      t = await pickThreshold(c);
      if (t === undefined) return CANCELLED;
    }
    p.riskThreshold = t as string;
  }
  if (step.needs.includes('rollback')) {
    if (args.rollback !== undefined) {
      p.rollback = args.rollback as RollbackManifest;
    } else {
      const tr =
        args.targetRelease ??
        (await ask(args, title, 'spec.targetRelease: the Helm release hash to roll back to (64 hex characters)'));
      if (tr === undefined) {
        return args.noPrompt ? { ok: false, error: 'rollback: spec.targetRelease is required' } : CANCELLED;
      }
      const built = buildManualRollback({
        targetRelease: tr as string,
        reason: 'manual',
        ...(p.capsuleHash !== undefined ? { capsuleHash: p.capsuleHash } : {}),
        ...(p.tenantId !== undefined ? { tenantId: p.tenantId } : {}),
        now: new Date(),
      });
      if (!built.ok) return { ok: false, error: oneLine(`rollback: ${formatFieldErrors(built.errors)}`) };
      p.rollback = built.manifest;
    }
  }
  if (step.needs.includes('rulesYaml') && c.rules) {
    p.rulesYaml = c.rules.yaml;
    p.rulesSpec = c.rules.spec;
  }
  return { ok: true, value: p };
}

async function pickThreshold(c: InputContext): Promise<string | undefined> {
  const s = suggestRiskThreshold(samplesFromIncidents(c.incidents), c.botRiskThreshold, c.botMissThreshold);
  type Item = vscode.QuickPickItem & { value?: string };
  const items: Item[] = [];
  if (s.value !== null) {
    items.push({
      label: `$(lightbulb) ${s.value}`,
      description: 'suggested from the false-positive history',
      detail: s.reasoning.join(' '),
      value: s.value,
    });
  }
  items.push({
    label: 'Enter a value…',
    description: `current ${c.botRiskThreshold}`,
    detail: s.value === null ? s.reasoning.join(' ') : undefined,
  });
  const pick = await vscode.window.showQuickPick(items, {
    title: 'RISK_SCORE_THRESHOLD (the bot rolls back when riskScore >= it)',
    matchOnDetail: true,
    ignoreFocusOut: true,
  });
  if (!pick) return undefined;
  if (pick.value !== undefined) return pick.value;
  return vscode.window.showInputBox({
    title: 'RISK_SCORE_THRESHOLD',
    prompt: 'A number from 0 to 1',
    value: String(c.botRiskThreshold),
    ignoreFocusOut: true,
  });
}
