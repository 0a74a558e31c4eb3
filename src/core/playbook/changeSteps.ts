// The playbook steps that change the cluster: each with its dry run flag and, where one exists, its exact undo.
import type { KubectlInvocation } from './invocation';
import { invocationsLine } from './invocation';
import { BOT_ENV, RESOURCES } from './names';
import type { PlannedPatch } from './patches';
import { envPatch, planEnv } from './patches';
import { formatFieldErrors, validateRollback } from './rollbackManifest';
import type { StepParams } from './steps';
import type { Built, Names, StepDef } from './stepKit';
import { botDeploymentTarget, dry, need } from './stepKit';
import type { Checked } from './validation';
import { checkNamespace, checkReplicas, checkResourceName, checkRiskThreshold } from './validation';

const MAINTENANCE_NOTE =
  'The incident-bot never reads MAINTENANCE_MODE (fact sheet §12): this patch only restarts its pods and it keeps rolling back. Pause the bot to stop automation.';

function envStep(p: StepParams, n: Names, name: string, value: string | null, notes: string[]): Built {
  const target = botDeploymentTarget(n);
  const cmd = (patch: object): KubectlInvocation => ({
    argv: [
      'kubectl',
      'patch',
      'deployment',
      n.botDeployment,
      '-n',
      n.botNamespace,
      '--type=strategic',
      '-p',
      JSON.stringify(patch),
      ...dry(p),
    ],
  });
  if (p.botDeployment === undefined) {
    return {
      ok: true,
      value: {
        invocations: [cmd(envPatch(n.botContainer, name, value))],
        notes,
        undo: 'Read the bot Deployment first: the undo restores its previous value of this variable.',
        target,
      },
    };
  }
  const plan: Checked<PlannedPatch> = planEnv(p.botDeployment, n.botContainer, name, value);
  if (!plan.ok) return plan;
  const undoInv = [{ argv: cmd(plan.value.inverse).argv.filter((a) => a !== '--dry-run=server') }];
  return {
    ok: true,
    value: {
      invocations: [cmd(plan.value.patch)],
      notes: [...notes, `Change: ${plan.value.summary}.`],
      undo: {
        description: `Undo: ${plan.value.inverseSummary}`,
        invocations: undoInv,
        line: invocationsLine(undoInv, true),
      },
      target,
    },
  };
}

/** Scale with a `--current-replicas` precondition when the current count is known, so a concurrent change aborts. */
function scaleStep(
  p: StepParams,
  name: string,
  namespace: string,
  current: number | undefined,
  replicas: number,
  notes: string[],
): Built {
  const argv = ['kubectl', 'scale', `deployment/${name}`, '-n', namespace, `--replicas=${replicas}`];
  if (current !== undefined) {
    const c = checkReplicas(current, 'current replicas');
    if (!c.ok) return c;
    argv.push(`--current-replicas=${c.value}`);
  }
  const undoArgv =
    current === undefined
      ? undefined
      : [
          'kubectl',
          'scale',
          `deployment/${name}`,
          '-n',
          namespace,
          `--replicas=${current}`,
          `--current-replicas=${replicas}`,
        ];
  return {
    ok: true,
    value: {
      invocations: [{ argv: [...argv, ...dry(p)] }],
      notes,
      undo: undoArgv
        ? {
            description: `Undo: replicas ${replicas} → ${current}`,
            invocations: [{ argv: undoArgv }],
            line: invocationsLine([{ argv: undoArgv }], true),
          }
        : 'The current replica count is unknown: read the Deployment first so the undo can restore it.',
      target: { kind: 'Deployment', name, namespace },
    },
  };
}

export const CHANGE_STEPS: readonly StepDef[] = [
  {
    id: 'pauseBot',
    title: 'Pause the Incident-Bot',
    changing: true,
    nodes: [],
    needs: [],
    description:
      'Scale the bot to 0 replicas: the only way to stop automatic rollbacks (MAINTENANCE_MODE is never read).',
    seed: { command: 'kubectl scale deployment incident-bot -n monitoring --replicas=0' },
    build: (p, n) =>
      scaleStep(p, n.botDeployment, n.botNamespace, p.currentReplicas, 0, [
        'While paused, GuardTrips queue in Kafka and are consumed on resume (events before the consumer group ever committed are skipped).',
      ]),
  },
  {
    id: 'resumeBot',
    title: 'Resume the Incident-Bot',
    changing: true,
    nodes: [],
    needs: ['replicas'],
    description: 'Scale the bot back to its previous replica count.',
    seed: {
      command: 'kubectl scale deployment incident-bot -n monitoring --replicas=1',
      problem: 'Always 1, whatever ran before the pause.',
    },
    build: (p, n) =>
      need(checkReplicas(p.replicas ?? 1), (r) =>
        scaleStep(p, n.botDeployment, n.botNamespace, p.currentReplicas ?? 0, r, [
          'Queued GuardTrips are processed at once: expect a burst of decisions.',
        ]),
      ),
  },
  {
    id: 'enableMaintenanceMode',
    title: 'Enable Maintenance Mode',
    changing: true,
    nodes: [],
    needs: [],
    description: "Set MAINTENANCE_MODE=true on the bot container, as the playbook's maintenance scenario says.",
    seed: {
      command:
        'kubectl patch deployment incident-bot -n monitoring -p \'{"spec":{"template":{"spec":{"containers":[{"name":"incident-bot","env":[{"name":"MAINTENANCE_MODE","value":"true"}]}]}}}}\'',
      problem: 'The bot never reads MAINTENANCE_MODE.',
    },
    build: (p, n) => envStep(p, n, BOT_ENV.maintenanceMode, 'true', [MAINTENANCE_NOTE]),
  },
  {
    id: 'disableMaintenanceMode',
    title: 'Disable Maintenance Mode',
    changing: true,
    nodes: [],
    needs: [],
    description: 'Remove MAINTENANCE_MODE from the bot container.',
    build: (p, n) => envStep(p, n, BOT_ENV.maintenanceMode, null, [MAINTENANCE_NOTE]),
  },
  {
    id: 'setRiskThreshold',
    title: 'Tune the Risk Score Threshold',
    changing: true,
    nodes: ['F', 'L'],
    needs: ['riskThreshold'],
    description: 'Set RISK_SCORE_THRESHOLD on the bot container (the bot rolls back when riskScore >= it).',
    seed: {
      command:
        'kubectl patch deployment incident-bot -n monitoring -p \'{"spec":{"template":{"spec":{"containers":[{"name":"incident-bot","env":[{"name":"RISK_SCORE_THRESHOLD","value":"0.9"}]}]}}}}\'',
    },
    build: (p, n) =>
      need(checkRiskThreshold(p.riskThreshold), (t) =>
        envStep(p, n, BOT_ENV.riskThreshold, t, [
          "Only the bot's risk boundary moves; the playbook's 0.5 boundary and HEARTBEAT_MISSES_THRESHOLD stay. The pods restart to read it.",
        ]),
      ),
  },
  {
    id: 'isolateWorkload',
    title: 'Isolate a Capsule Workload',
    changing: true,
    nodes: ['H', 'K'],
    needs: ['workload'],
    description: "Scale the capsule's Deployment to 0 (containment).",
    seed: {
      command: 'kubectl patch deployment <capsule-deployment> -p \'{"spec":{"replicas":0}}\'',
      problem: 'No namespace: it patches whatever the current namespace holds.',
    },
    build: (p) => {
      const ns = checkNamespace(p.workloadNamespace, 'workload namespace');
      if (!ns.ok) return ns;
      const name = checkResourceName(p.workloadDeployment, 'workload deployment');
      if (!name.ok) return name;
      return scaleStep(p, name.value, ns.value, p.currentReplicas, 0, [
        'Pods of other Deployments of the tenant keep running: check lateral movement first.',
      ]);
    },
  },
  {
    id: 'createRollback',
    title: 'Create a Manual Rollback',
    changing: true,
    nodes: ['D', 'M'],
    needs: ['rollback'],
    description: 'Create a Rollback that satisfies the CRD (cluster-scoped, reason "manual", 64-hex target release).',
    seed: {
      command: 'kubectl apply -f rollback.yaml',
      problem:
        'The runbook manifest sets namespace flux-system, reason manual_emergency and targetRelease v0.1.0: all rejected by the CRD.',
    },
    build: (p) => {
      if (!p.rollback) return { ok: false, error: 'rollback: build the manifest first' };
      const errors = validateRollback(p.rollback);
      if (errors.length > 0) return { ok: false, error: `rollback: ${formatFieldErrors(errors)}` };
      return {
        ok: true,
        value: {
          invocations: [
            { argv: ['kubectl', 'create', '-f', '-', ...dry(p)], stdin: `${JSON.stringify(p.rollback)}\n` },
          ],
          notes: [
            'Nothing upstream moves a Rollback past Pending: its phase depends on a rollback-controller you run.',
          ],
          undo: "Rollbacks cannot be undone: the rollback-controller's ClusterRole has no delete verb. Create another Rollback to the previous release.",
          target: { kind: 'Rollback', name: p.rollback.metadata.name },
        },
      };
    },
  },
  {
    id: 'applyMonitoringRules',
    title: 'Apply the Generated Monitoring Rules',
    changing: true,
    nodes: ['L'],
    needs: ['rulesYaml'],
    description: 'Apply the PrometheusRule generated from the playbook rules (and any tuned thresholds).',
    build: (p, n) => {
      const y = p.rulesYaml;
      if (typeof y !== 'string' || !/^kind: PrometheusRule$/m.test(y)) {
        return { ok: false, error: 'rules: expected the generated PrometheusRule YAML' };
      }
      if (y.length > 1_000_000) return { ok: false, error: 'rules: larger than 1 MB' };
      if (/[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(y)) {
        return { ok: false, error: 'rules: contains control or bidi characters' };
      }
      const undoArgv = ['kubectl', 'delete', RESOURCES.prometheusRules, n.rulesName, '-n', n.rulesNamespace];
      return {
        ok: true,
        value: {
          invocations: [{ argv: ['kubectl', 'apply', '-f', '-', ...dry(p)], stdin: y.endsWith('\n') ? y : `${y}\n` }],
          notes: ["Needs the prometheus-operator CRDs, and a Prometheus whose ruleSelector matches the rule's labels."],
          undo: {
            description: `Delete the PrometheusRule ${n.rulesName} (if it did not exist before)`,
            invocations: [{ argv: undoArgv }],
            line: invocationsLine([{ argv: undoArgv }], true),
          },
          target: { kind: 'PrometheusRule', name: n.rulesName, namespace: n.rulesNamespace },
        },
      };
    },
  },
];
