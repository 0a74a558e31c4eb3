import type { NodeId } from '../flowchart';
import type { KubectlInvocation } from './invocation';
import { invocationsLine } from './invocation';
import type { ClusterNames } from './names';
import { BOT_ENV, DEFAULT_NAMES, RESOURCES } from './names';
import type { PlannedPatch } from './patches';
import { envPatch, planEnv } from './patches';
import type { RollbackManifest } from './rollbackManifest';
import { formatFieldErrors, validateRollback } from './rollbackManifest';
import { TENANT_USAGE_SQL_PSQL } from './tenantQuery';
import type { Checked } from './validation';
import {
  checkCapsuleHash,
  checkDnsLabel,
  checkHost,
  checkLabelKey,
  checkLabelValue,
  checkNamespace,
  checkReplicas,
  checkResourceName,
  checkRiskThreshold,
  checkTenantId,
} from './validation';

/**
 * Every step of the incident-response playbook as data: what it reads or changes, where it sits in the triage
 * chart, and the exact kubectl it amounts to. The UI runs `invocations` without a shell; `line` is what an
 * engineer can paste. Names come from the fact sheet; `seed` records the playbook's own command where it is wrong.
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

type Names = ClusterNames;
type Built = Checked<Omit<StepCommand, 'stepId' | 'commandId' | 'changing' | 'line'>>;

interface StepDef extends Omit<PlaybookStep, 'commandId'> {
  build(p: StepParams, n: Names): Built;
}

const SINCE = /^[1-9]\d{0,3}[smh]$/;

function since(p: StepParams): Checked<string> {
  const s = p.since ?? '6h';
  return SINCE.test(s) ? { ok: true, value: s } : { ok: false, error: 'since: must look like 30m, 6h or 90s' };
}

function dry(p: StepParams): string[] {
  return p.dryRun ? ['--dry-run=server'] : [];
}

/** Fact-sheet names merged with overrides, each override checked: they end up in argv and selectors. */
export function resolveNames(overrides: Partial<ClusterNames> = {}): Checked<Names> {
  const n: Names = { ...DEFAULT_NAMES };
  for (const [key, value] of Object.entries(overrides) as [keyof ClusterNames, unknown][]) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_NAMES)) return { ok: false, error: `names.${key}: unknown name` };
    let c: Checked<unknown>;
    if (key === 'attestorPort') {
      c =
        typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 65536
          ? { ok: true, value }
          : { ok: false, error: `names.${key}: must be a port number` };
    } else if (key.endsWith('Namespace')) c = checkNamespace(value, `names.${key}`);
    else if (key === 'botSelector' || key === 'enforcedPodSelector') c = checkSelector(value, `names.${key}`);
    else if (key === 'postgresTarget') c = checkTarget(value, `names.${key}`);
    else if (key === 'botContainer' || key === 'sidecarContainer') c = checkDnsLabel(value, `names.${key}`);
    else if (key === 'postgresUser' || key === 'postgresDatabase') c = checkSqlIdent(value, `names.${key}`);
    else c = checkResourceName(value, `names.${key}`);
    if (!c.ok) return c;
    (n as unknown as Record<string, unknown>)[key] = c.value;
  }
  return { ok: true, value: n };
}

/** `key=value[,key=value]`: the only selector form the steps need. */
function checkSelector(value: unknown, field: string): Checked<string> {
  if (typeof value !== 'string' || value === '') return { ok: false, error: `${field}: must be key=value` };
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, error: `${field}: must be key=value[,key=value]` };
    const k = checkLabelKey(part.slice(0, eq), field);
    if (!k.ok) return k;
    const v = checkLabelValue(part.slice(eq + 1), field);
    if (!v.ok) return v;
  }
  return { ok: true, value };
}

/** `deployment/name` or `pod/name`, as kubectl exec takes it. */
function checkTarget(value: unknown, field: string): Checked<string> {
  if (typeof value !== 'string') return { ok: false, error: `${field}: must be kind/name` };
  const m = /^(deployment|statefulset|pod)\/(.+)$/.exec(value);
  if (!m) return { ok: false, error: `${field}: must be deployment/<name>, statefulset/<name> or pod/<name>` };
  const name = checkResourceName(m[2], field);
  return name.ok ? { ok: true, value } : name;
}

function checkSqlIdent(value: unknown, field: string): Checked<string> {
  return typeof value === 'string' && /^[a-z_][a-z0-9_]{0,62}$/.test(value)
    ? { ok: true, value }
    : { ok: false, error: `${field}: must be a lowercase SQL identifier` };
}

function need<T>(c: Checked<T>, into: (v: T) => Built): Built {
  return c.ok ? into(c.value) : c;
}

function required(p: StepParams, name: 'capsuleHash' | 'tenantId' | 'endpoint'): Checked<string> {
  const v = p[name];
  const label = { capsuleHash: 'capsule hash', tenantId: 'tenant id', endpoint: 'capsule endpoint' }[name];
  if (v === undefined) return { ok: false, error: `${label}: required for this step` };
  if (name === 'capsuleHash') return checkCapsuleHash(v);
  if (name === 'tenantId') return checkTenantId(v);
  return checkHost(v);
}

const botDeploymentTarget = (n: Names) => ({ kind: 'Deployment', name: n.botDeployment, namespace: n.botNamespace });

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

const DEFS: readonly StepDef[] = [
  {
    id: 'showBotLogs',
    title: "Show the Incident's Bot Log Lines",
    changing: false,
    nodes: ['A'],
    needs: ['capsuleHash'],
    description: 'Every line of every incident-bot pod that mentions the capsule, with timestamps and pod names.',
    seed: {
      command: 'kubectl logs deployment/incident-bot -n monitoring --tail=50 | grep "GuardTrip"',
      problem:
        'deployment/… reads one pod only, --tail=50 drops older lines, and "GuardTrip" misses the Alertmanager path ("Processing alert for capsule …").',
    },
    build: (p, n) =>
      need(required(p, 'capsuleHash'), (hash) =>
        need(since(p), (s) => ({
          ok: true,
          value: {
            invocations: [
              {
                argv: [
                  'kubectl',
                  'logs',
                  '-l',
                  n.botSelector,
                  '-n',
                  n.botNamespace,
                  '--prefix',
                  '--timestamps',
                  `--since=${s}`,
                  '--tail=-1',
                ],
                grep: hash,
              },
            ],
            notes: [],
            target: botDeploymentTarget(n),
          },
        })),
      ),
  },
  {
    id: 'showBotDecisions',
    title: "Show the Bot's Rollback Decisions",
    changing: false,
    nodes: ['B', 'D'],
    needs: [],
    description: "The bot's decision lines. Each rollback appears twice (the engine's line and its caller's).",
    seed: {
      command: 'kubectl logs deployment/incident-bot -n monitoring | grep "Rollback decision"',
      problem:
        'Reads one pod only; whether the Rollback was created is in "Rollback CR created successfully" / "Failed to execute rollback:".',
    },
    build: (p, n) =>
      need(since(p), (s) => ({
        ok: true,
        value: {
          invocations: [
            {
              argv: [
                'kubectl',
                'logs',
                '-l',
                n.botSelector,
                '-n',
                n.botNamespace,
                '--prefix',
                '--timestamps',
                `--since=${s}`,
                '--tail=-1',
              ],
              grep: 'Rollback',
            },
          ],
          notes: [],
          target: botDeploymentTarget(n),
        },
      })),
  },
  {
    id: 'showSystemStatus',
    title: 'Show System Status (Pods in All Namespaces)',
    changing: false,
    nodes: ['C'],
    needs: [],
    description: 'Every pod in the cluster with its node, restarts and status.',
    build: () => ({
      ok: true,
      value: {
        invocations: [{ argv: ['kubectl', 'get', 'pods', '--all-namespaces', '-o', 'wide'] }],
        notes: [],
        target: { kind: 'Pod', name: '*' },
      },
    }),
  },
  {
    id: 'showHelmReleases',
    title: 'Show HelmReleases',
    changing: false,
    nodes: ['D', 'M', 'N'],
    needs: [],
    description: 'Flux HelmReleases in every namespace (provability-fabric has no namespace defined upstream).',
    seed: {
      command: 'kubectl get helmrelease provability-fabric',
      problem: 'No -n, and the HelmRelease namespace is defined nowhere upstream.',
    },
    build: (_p, n) => ({
      ok: true,
      value: {
        invocations: [{ argv: ['kubectl', 'get', RESOURCES.helmReleases, '--all-namespaces', '-o', 'wide'] }],
        notes: [],
        target: { kind: 'HelmRelease', name: n.helmRelease },
      },
    }),
  },
  {
    id: 'showHelmHistory',
    title: 'Show Helm History',
    changing: false,
    nodes: ['M', 'N'],
    needs: [],
    description:
      'The Helm release secrets (what `helm history` reads), one per revision, with status and revision labels.',
    seed: {
      command: 'helm history provability-fabric -n flux-system',
      problem: 'Needs the helm CLI; kubectl reads the same release secrets.',
    },
    build: (_p, n) => ({
      ok: true,
      value: {
        invocations: [
          {
            argv: [
              'kubectl',
              'get',
              'secrets',
              '-n',
              n.helmStorageNamespace,
              '-l',
              `owner=helm,name=${n.helmRelease}`,
              '-L',
              'status,version',
            ],
          },
        ],
        notes: [
          'Flux may store the release under "<targetNamespace>-<name>" or in the target namespace; override the names if this is empty.',
        ],
        target: { kind: 'Secret', name: `sh.helm.release.v1.${n.helmRelease}`, namespace: n.helmStorageNamespace },
      },
    }),
  },
  {
    id: 'showCapsule',
    title: 'Show Capsule Details',
    changing: false,
    nodes: ['C', 'E'],
    needs: ['capsuleHash'],
    description: 'Enforced pods (pf/enforce=true) whose spec.sig or lean.hash annotation carries the capsule hash.',
    seed: {
      command: 'kubectl get capsules --all-namespaces | grep <capsule-hash>',
      problem: 'There is no Capsule CRD: capsules are rows of the ledger\'s "Capsule" table (GraphQL capsule(hash:)).',
    },
    build: (_p, n) =>
      need(required(_p, 'capsuleHash'), (hash) => ({
        ok: true,
        value: {
          invocations: [
            {
              argv: [
                'kubectl',
                'get',
                'pods',
                '--all-namespaces',
                '-l',
                n.enforcedPodSelector,
                '-o',
                'custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name,SPEC_SIG:.metadata.annotations.spec\\.sig,LEAN_HASH:.metadata.annotations.lean\\.hash',
              ],
              // pf riskscore treats bare 64-hex as the hash, so annotations may omit the sha256: prefix.
              grep: hash.slice('sha256:'.length),
            },
          ],
          notes: [
            'The ledger keeps the capsule\'s risk score: GraphQL `capsule(hash: "…") { riskScore reason tenantId }` (tenant-scoped JWT).',
          ],
          target: { kind: 'Capsule', name: hash },
        },
      })),
  },
  {
    id: 'showAttestorLiveness',
    title: "Show the Capsule's Heartbeat Liveness",
    changing: false,
    nodes: ['I'],
    needs: ['capsuleHash'],
    description: "The attestor's /liveness/<hash> through the API server proxy: alive, last heartbeat and its age.",
    build: (_p, n) =>
      need(required(_p, 'capsuleHash'), (hash) => ({
        ok: true,
        value: {
          invocations: [
            {
              argv: [
                'kubectl',
                'get',
                '--raw',
                `/api/v1/namespaces/${n.attestorNamespace}/services/${n.attestorService}:${n.attestorPort}/proxy/liveness/${encodeURIComponent(hash)}`,
              ],
            },
          ],
          notes: [
            'alive is false once the last beat is 15 s old (about 3 missed 5-s beats); after 30 s the key expires and the age is null.',
          ],
          target: { kind: 'Service', name: n.attestorService, namespace: n.attestorNamespace },
        },
      })),
  },
  {
    id: 'showTenantActivity',
    title: 'Show Tenant Activity in the Ledger Logs',
    changing: false,
    nodes: ['C', 'G'],
    needs: ['tenantId'],
    description: "The ledger's log lines that mention the tenant.",
    seed: { command: 'kubectl logs deployment/ledger -n default | grep <tenant-id>' },
    build: (p, n) =>
      need(required(p, 'tenantId'), (tenant) =>
        need(since(p), (s) => ({
          ok: true,
          value: {
            invocations: [
              {
                argv: [
                  'kubectl',
                  'logs',
                  `deployment/${n.ledgerDeployment}`,
                  '-n',
                  n.ledgerNamespace,
                  '--timestamps',
                  `--since=${s}`,
                ],
                grep: tenant,
              },
            ],
            notes: [
              "Only the production ledger (winston) logs tenant ids; the development server's console logs do not.",
            ],
            target: { kind: 'Deployment', name: n.ledgerDeployment, namespace: n.ledgerNamespace },
          },
        })),
      ),
  },
  {
    id: 'queryTenantUsage',
    title: "Query the Tenant's Usage Events",
    changing: false,
    nodes: ['G'],
    needs: ['tenantId'],
    description: 'The last 100 "UsageEvent" rows of the tenant, through psql with the id bound as a variable.',
    seed: {
      command:
        'kubectl exec deployment/ledger -n default -- psql -c "SELECT * FROM usage_events WHERE tenant_id = \'<tenant-id>\' ORDER BY ts DESC LIMIT 100;"',
      problem:
        'The live table is "UsageEvent" with column "tenantId"; the ledger image has no psql; the id is spliced into SQL.',
    },
    build: (p, n) =>
      need(required(p, 'tenantId'), (tenant) => ({
        ok: true,
        value: {
          invocations: [
            {
              argv: [
                'kubectl',
                'exec',
                '-i',
                n.postgresTarget,
                '-n',
                n.postgresNamespace,
                '--',
                'psql',
                '-X',
                '-v',
                'ON_ERROR_STOP=1',
                '-U',
                n.postgresUser,
                '-d',
                n.postgresDatabase,
                '-v',
                `tenant=${tenant}`,
              ],
              stdin: `${TENANT_USAGE_SQL_PSQL}\n`,
            },
          ],
          notes: [
            'Upstream defines no in-cluster Postgres; set the Postgres target in the names to where the ledger database runs.',
          ],
          target: { kind: 'Tenant', name: tenant },
        },
      })),
  },
  {
    id: 'showEvents',
    title: 'Show Recent Events',
    changing: false,
    nodes: ['C'],
    needs: [],
    description: "Recent Kubernetes Events in the bot's namespace, oldest first.",
    build: (_p, n) => ({
      ok: true,
      value: {
        invocations: [{ argv: ['kubectl', 'get', 'events', '-n', n.eventsNamespace, '--sort-by=.lastTimestamp'] }],
        notes: [],
        target: { kind: 'Event', name: '*', namespace: n.eventsNamespace },
      },
    }),
  },
  {
    id: 'showAttestorLogs',
    title: 'Show Attestor Logs',
    changing: false,
    nodes: ['I'],
    needs: [],
    description: "The attestor's heartbeat and Redis log lines.",
    seed: { command: 'kubectl logs deployment/attestor -n monitoring --tail=100' },
    build: (_p, n) => ({
      ok: true,
      value: {
        invocations: [
          {
            argv: [
              'kubectl',
              'logs',
              `deployment/${n.attestorDeployment}`,
              '-n',
              n.attestorNamespace,
              '--timestamps',
              '--tail=100',
            ],
          },
        ],
        notes: [],
        target: { kind: 'Deployment', name: n.attestorDeployment, namespace: n.attestorNamespace },
      },
    }),
  },
  {
    id: 'showSidecarLogs',
    title: 'Show Sidecar-Watcher Logs',
    changing: false,
    nodes: ['I'],
    needs: [],
    description: 'The sidecar-watcher container of every enforced pod (its "Guard trip:" lines).',
    seed: {
      command: 'kubectl logs deployment/sidecar-watcher -n monitoring --tail=100',
      problem:
        'There is no sidecar-watcher Deployment: it is a container injected into enforced pods (runbooks: namespace production).',
    },
    build: (_p, n) => ({
      ok: true,
      value: {
        invocations: [
          {
            argv: [
              'kubectl',
              'logs',
              '-l',
              n.enforcedPodSelector,
              '-c',
              n.sidecarContainer,
              '-n',
              n.sidecarNamespace,
              '--prefix',
              '--timestamps',
              '--tail=100',
            ],
          },
        ],
        notes: ['CI pods name the container "sidecar"; override the container name there.'],
        target: { kind: 'Pod', name: n.enforcedPodSelector, namespace: n.sidecarNamespace },
      },
    }),
  },
  {
    id: 'showNetworkPolicies',
    title: 'Show Network Policies and Endpoints',
    changing: false,
    nodes: ['I', 'J'],
    needs: [],
    description:
      "NetworkPolicies and Service endpoints of the bot's namespace (a missing endpoint explains missed heartbeats).",
    build: (_p, n) => ({
      ok: true,
      value: {
        invocations: [
          { argv: ['kubectl', 'get', 'networkpolicies', '-n', n.networkNamespace, '-o', 'wide'] },
          { argv: ['kubectl', 'get', 'endpoints', '-n', n.networkNamespace, '-o', 'wide'] },
        ],
        notes: [],
        target: { kind: 'NetworkPolicy', name: '*', namespace: n.networkNamespace },
      },
    }),
  },
  {
    id: 'showRollbacks',
    title: 'Show Rollbacks',
    changing: false,
    nodes: ['M', 'N'],
    needs: [],
    description: 'Every Rollback (cluster-scoped), oldest first, with target release, reason and phase.',
    seed: {
      command: 'kubectl get rollbacks --sort-by=.metadata.creationTimestamp',
      problem: 'Runbooks read .items[0] as the latest; it is the oldest.',
    },
    build: () => ({
      ok: true,
      value: {
        invocations: [{ argv: ['kubectl', 'get', RESOURCES.rollbacks, '--sort-by=.metadata.creationTimestamp'] }],
        notes: [],
        target: { kind: 'Rollback', name: '*' },
      },
    }),
  },
  {
    id: 'showTenantPods',
    title: "Check Lateral Movement (the Tenant's Pods)",
    changing: false,
    nodes: ['H', 'K'],
    needs: ['tenantId'],
    description: 'Enforced pods whose sidecar runs for the tenant (TENANT_ID env), with their nodes.',
    build: (p, n) =>
      need(required(p, 'tenantId'), (tenant) => ({
        ok: true,
        value: {
          invocations: [
            {
              argv: [
                'kubectl',
                'get',
                'pods',
                '--all-namespaces',
                '-l',
                n.enforcedPodSelector,
                '-o',
                'custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name,NODE:.spec.nodeName,TENANT:.spec.containers[*].env[?(@.name=="TENANT_ID")].value',
              ],
              grep: tenant,
            },
          ],
          notes: ['A TENANT_ID taken from a ConfigMap or Secret (valueFrom) does not show here.'],
          target: { kind: 'Tenant', name: tenant },
        },
      })),
  },
  {
    id: 'probeCapsuleEndpoint',
    title: 'Reach the Capsule Endpoint from the Attestor',
    changing: false,
    nodes: ['I', 'J'],
    needs: ['endpoint'],
    description: 'Three pings from the attestor pod to the capsule endpoint (network issue or a dead capsule?).',
    seed: {
      command: 'kubectl exec deployment/attestor -n monitoring -- ping <capsule-endpoint>',
      problem: 'Without -c the ping never ends; the attestor image may have no ping at all.',
    },
    build: (p, n) =>
      need(required(p, 'endpoint'), (host) => ({
        ok: true,
        value: {
          invocations: [
            {
              argv: [
                'kubectl',
                'exec',
                `deployment/${n.attestorDeployment}`,
                '-n',
                n.attestorNamespace,
                '--',
                'ping',
                '-c',
                '3',
                '-W',
                '2',
                host,
              ],
            },
          ],
          notes: ['This runs a command inside the attestor pod (needs pods/exec).'],
          target: { kind: 'Deployment', name: n.attestorDeployment, namespace: n.attestorNamespace },
        },
      })),
  },
  {
    id: 'showMaintenanceStatus',
    title: 'Show the Maintenance Status ConfigMap',
    changing: false,
    nodes: [],
    needs: [],
    description:
      'The maintenance-status ConfigMap of the playbook\'s "Maintenance Window" scenario (no schema is defined upstream).',
    seed: { command: 'kubectl get configmap maintenance-status -n monitoring' },
    build: (_p, n) => ({
      ok: true,
      value: {
        invocations: [
          { argv: ['kubectl', 'get', 'configmap', n.maintenanceConfigMap, '-n', n.maintenanceNamespace, '-o', 'yaml'] },
        ],
        notes: [],
        target: { kind: 'ConfigMap', name: n.maintenanceConfigMap, namespace: n.maintenanceNamespace },
      },
    }),
  },
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
