import type { NodeId } from '../flowchart';
import { CHANGE_STEPS } from './changeSteps';
import type { KubectlInvocation } from './invocation';
import { invocationsLine } from './invocation';
import type { ClusterNames } from './names';
import { READ_STEPS } from './readSteps';
import type { RollbackManifest } from './rollbackManifest';
import type { Built, StepDef } from './stepKit';
import { resolveNames } from './stepKit';
import type { Checked } from './validation';

/**
 * Every step of the incident-response playbook as data: what it reads or changes, where it sits in the triage
 * chart, and the exact kubectl it amounts to. The UI runs `invocations` without a shell; `line` is what an
 * engineer can paste. Names come from the fact sheet; `seed` records the playbook's own command where it is wrong.
 * The definitions are in readSteps.ts and changeSteps.ts.
 */
export const STEP_IDS = [
  'showBotLogs',
  'showBotDecisions',
  'showSystemStatus',
  'showHelmReleases',
  'showHelmHistory',
  'showCapsule',
  'showAttestorLiveness',
  'showTenantActivity',
  'queryTenantUsage',
  'showEvents',
  'showAttestorLogs',
  'showSidecarLogs',
  'showNetworkPolicies',
  'showRollbacks',
  'showTenantPods',
  'probeCapsuleEndpoint',
  'showMaintenanceStatus',
  'pauseBot',
  'resumeBot',
  'enableMaintenanceMode',
  'disableMaintenanceMode',
  'setRiskThreshold',
  'isolateWorkload',
  'createRollback',
  'applyMonitoringRules',
] as const;

export type StepId = (typeof STEP_IDS)[number];

export const STEP_COMMAND_PREFIX = 'pfIncident.step.';

export function stepCommandId(id: StepId): string {
  return `${STEP_COMMAND_PREFIX}${id}`;
}

export type ParamName =
  'capsuleHash' | 'tenantId' | 'endpoint' | 'replicas' | 'workload' | 'riskThreshold' | 'rollback' | 'rulesYaml';

export interface StepParams {
  /** Overrides of the fact-sheet names (settings, or a cluster where the bot runs in `default`). */
  names?: Partial<ClusterNames>;
  capsuleHash?: string;
  tenantId?: string;
  /** Host of the capsule's endpoint, for the reachability probe. */
  endpoint?: string;
  /** Target replicas for resumeBot: the count the pause remembered (its audit entry's undo), default 1. */
  replicas?: number;
  /**
   * Replicas as read from the Deployment just before the step: a --current-replicas precondition (so a concurrent
   * scale aborts the step) and what the undo restores. resumeBot assumes 0.
   */
  currentReplicas?: number;
  workloadNamespace?: string;
  workloadDeployment?: string;
  riskThreshold?: string | number;
  /** The bot Deployment as read just before an env change: the patch then clears `valueFrom` and gets an exact undo. */
  botDeployment?: unknown;
  rollback?: RollbackManifest;
  rulesYaml?: string;
  /** `--dry-run=server` on changing steps: the API server validates and admits, then persists nothing. */
  dryRun?: boolean;
  /** Log lookback (`30m`, `6h`). */
  since?: string;
}

export interface StepUndo {
  description: string;
  invocations: KubectlInvocation[];
  line: string;
}

export interface StepCommand {
  stepId: StepId;
  commandId: string;
  changing: boolean;
  invocations: KubectlInvocation[];
  line: string;
  /** What the engineer should know before running it (upstream quirks, what the step cannot do). */
  notes: string[];
  /** How to reverse a changing step; a string says why it cannot be undone automatically. */
  undo?: StepUndo | string;
  /** The object the step affects, for the audit trail. */
  target: { kind: string; name: string; namespace?: string };
}

export interface PlaybookStep {
  id: StepId;
  commandId: string;
  title: string;
  changing: boolean;
  /** Nodes of the triage flowchart (src/core/flowchart.ts) where the playbook calls for this step. */
  nodes: readonly NodeId[];
  needs: readonly ParamName[];
  description: string;
  /** The seed playbook's command, and what is wrong with it when something is (fact sheet §11, §13). */
  seed?: { command: string; problem?: string };
}

export { resolveNames };

const DEFS: readonly StepDef[] = [...READ_STEPS, ...CHANGE_STEPS];

export const PLAYBOOK_STEPS: readonly PlaybookStep[] = Object.freeze(
  DEFS.map(({ build: _build, ...rest }) => Object.freeze({ ...rest, commandId: stepCommandId(rest.id) })),
);

const DEF_BY_ID = new Map(DEFS.map((d) => [d.id, d]));

export function isStepId(v: unknown): v is StepId {
  return typeof v === 'string' && DEF_BY_ID.has(v as StepId);
}

export function stepById(id: StepId): PlaybookStep {
  return PLAYBOOK_STEPS.find((s) => s.id === id) as PlaybookStep;
}

/** The steps the playbook calls for at a flowchart node, read-only first. */
export function stepsForNode(node: NodeId): PlaybookStep[] {
  return PLAYBOOK_STEPS.filter((s) => s.nodes.includes(node)).sort((a, b) => Number(a.changing) - Number(b.changing));
}

/** The kubectl runs (argv, stdin, in-process grep) and the copyable line for one step. Never throws. */
export function buildStep(id: StepId, params: StepParams = {}): Checked<StepCommand> {
  const def = DEF_BY_ID.get(id);
  if (!def) return { ok: false, error: `step: unknown step ${JSON.stringify(String(id)).slice(0, 60)}` };
  const names = resolveNames(params.names);
  if (!names.ok) return names;
  let built: Built;
  try {
    built = def.build(params, names.value);
  } catch (e) {
    // Builders are total by construction; this keeps a bug from becoming an exception in a command handler.
    return { ok: false, error: `step ${id}: ${e instanceof Error ? e.message.split('\n')[0] : 'failed'}` };
  }
  if (!built.ok) return built;
  return {
    ok: true,
    value: {
      stepId: id,
      commandId: stepCommandId(id),
      changing: def.changing,
      line: invocationsLine(built.value.invocations, def.changing),
      ...built.value,
    },
  };
}
