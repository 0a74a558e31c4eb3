// A changing playbook step as the adapter's MutationRequest, next to the kubectl it amounts to. Pure: no vscode.
// buildStep (src/core/playbook/steps.ts) checks every input first, so nothing unchecked reaches a request.
import type { MutationRequest } from '../kube/actionTypes';
import { BOT_ENV } from '../core/playbook/names';
import type { StepCommand, StepId, StepParams } from '../core/playbook/steps';
import { buildStep, resolveNames, stepById } from '../core/playbook/steps';
import type { Checked } from '../core/playbook/validation';
import { checkRiskThreshold } from '../core/playbook/validation';

export interface ChangeInput extends StepParams {
  /** applyMonitoringRules: the PrometheusRule spec the YAML in rulesYaml was rendered from. */
  rulesSpec?: unknown;
}

export interface PlannedChange {
  command: StepCommand;
  mutation: MutationRequest;
}

/** One line, whatever the error text holds. */
export function oneLine(s: string): string {
  return s.replace(/[\r\n\u0085\u2028\u2029]+/g, ' ').slice(0, 500);
}

/** Validates the inputs (buildStep) and maps the step to the request the adapter sends. Never throws. */
export function planChange(id: StepId, input: ChangeInput): Checked<PlannedChange> {
  if (!stepById(id).changing) return { ok: false, error: `step ${id}: not a changing step` };
  const built = buildStep(id, input);
  if (!built.ok) return { ok: false, error: oneLine(built.error) };
  const names = resolveNames(input.names);
  if (!names.ok) return names;
  const n = names.value;
  const command = built.value;
  const env = (name: string, value: string | null): MutationRequest => ({
    op: 'set-deployment-env',
    namespace: n.botNamespace,
    name: n.botDeployment,
    container: n.botContainer,
    env: name,
    value,
  });
  let mutation: MutationRequest;
  switch (id) {
    case 'pauseBot':
      mutation = { op: 'scale-deployment', namespace: n.botNamespace, name: n.botDeployment, replicas: 0 };
      break;
    case 'resumeBot':
      mutation = {
        op: 'scale-deployment',
        namespace: n.botNamespace,
        name: n.botDeployment,
        replicas: input.replicas ?? 1,
      };
      break;
    case 'enableMaintenanceMode':
      mutation = env(BOT_ENV.maintenanceMode, 'true');
      break;
    case 'disableMaintenanceMode':
      mutation = env(BOT_ENV.maintenanceMode, null);
      break;
    case 'setRiskThreshold': {
      const t = checkRiskThreshold(input.riskThreshold);
      if (!t.ok) return t;
      mutation = env(BOT_ENV.riskThreshold, t.value);
      break;
    }
    case 'isolateWorkload':
      mutation = {
        op: 'scale-deployment',
        namespace: command.target.namespace ?? '',
        name: command.target.name,
        replicas: 0,
      };
      break;
    case 'createRollback': {
      const r = input.rollback;
      if (!r) return { ok: false, error: 'rollback: build the manifest first' };
      mutation = {
        op: 'create-rollback',
        name: r.metadata.name,
        spec: { ...r.spec },
        labels: { ...r.metadata.labels },
      };
      break;
    }
    case 'applyMonitoringRules':
      if (input.rulesSpec === undefined) return { ok: false, error: 'rules: the PrometheusRule spec is missing' };
      mutation = {
        op: 'apply-prometheus-rule',
        namespace: n.rulesNamespace,
        name: n.rulesName,
        spec: input.rulesSpec,
        labels: { 'app.kubernetes.io/part-of': 'provability-fabric' },
      };
      break;
    default:
      return { ok: false, error: `step ${id}: no cluster change defined` };
  }
  return { ok: true, value: { command, mutation } };
}

/** "Deployment monitoring/incident-bot" */
export function objectLabel(t: { kind: string; name: string; namespace?: string }): string {
  return `${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}`;
}
