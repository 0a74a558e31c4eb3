// The playbook steps that only read the cluster, in the order the palette lists them.
import { RESOURCES } from './names';
import type { StepDef } from './stepKit';
import { botDeploymentTarget, botLogsArgv, need, reads, required, since } from './stepKit';
import { TENANT_USAGE_SQL_PSQL } from './tenantQuery';

export const READ_STEPS: readonly StepDef[] = [
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
        need(since(p), (s) => reads([{ argv: botLogsArgv(n, s), grep: hash }], botDeploymentTarget(n))),
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
      need(since(p), (s) => reads([{ argv: botLogsArgv(n, s), grep: 'Rollback' }], botDeploymentTarget(n))),
  },
  {
    id: 'showSystemStatus',
    title: 'Show System Status (Pods in All Namespaces)',
    changing: false,
    nodes: ['C'],
    needs: [],
    description: 'Every pod in the cluster with its node, restarts and status.',
    build: () =>
      reads([{ argv: ['kubectl', 'get', 'pods', '--all-namespaces', '-o', 'wide'] }], { kind: 'Pod', name: '*' }),
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
    build: (_p, n) =>
      reads([{ argv: ['kubectl', 'get', RESOURCES.helmReleases, '--all-namespaces', '-o', 'wide'] }], {
        kind: 'HelmRelease',
        name: n.helmRelease,
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
    build: (_p, n) =>
      reads(
        [
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
        { kind: 'Secret', name: `sh.helm.release.v1.${n.helmRelease}`, namespace: n.helmStorageNamespace },
        [
          'Flux may store the release under "<targetNamespace>-<name>" or in the target namespace; override the names if this is empty.',
        ],
      ),
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
    build: (p, n) =>
      need(required(p, 'capsuleHash'), (hash) =>
        reads(
          [
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
          { kind: 'Capsule', name: hash },
          [
            'The ledger keeps the capsule\'s risk score: GraphQL `capsule(hash: "…") { riskScore reason tenantId }` (tenant-scoped JWT).',
          ],
        ),
      ),
  },
  {
    id: 'showAttestorLiveness',
    title: "Show the Capsule's Heartbeat Liveness",
    changing: false,
    nodes: ['I'],
    needs: ['capsuleHash'],
    description: "The attestor's /liveness/<hash> through the API server proxy: alive, last heartbeat and its age.",
    build: (p, n) =>
      need(required(p, 'capsuleHash'), (hash) =>
        reads(
          [
            {
              argv: [
                'kubectl',
                'get',
                '--raw',
                `/api/v1/namespaces/${n.attestorNamespace}/services/${n.attestorService}:${n.attestorPort}/proxy/liveness/${encodeURIComponent(hash)}`,
              ],
            },
          ],
          { kind: 'Service', name: n.attestorService, namespace: n.attestorNamespace },
          [
            'alive is false once the last beat is 15 s old (about 3 missed 5-s beats); after 30 s the key expires and the age is null.',
          ],
        ),
      ),
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
        need(since(p), (s) =>
          reads(
            [
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
            { kind: 'Deployment', name: n.ledgerDeployment, namespace: n.ledgerNamespace },
            ["Only the production ledger (winston) logs tenant ids; the development server's console logs do not."],
          ),
        ),
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
      need(required(p, 'tenantId'), (tenant) =>
        reads(
          [
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
          { kind: 'Tenant', name: tenant },
          [
            'Upstream defines no in-cluster Postgres; set the Postgres target in the names to where the ledger database runs.',
          ],
        ),
      ),
  },
  {
    id: 'showEvents',
    title: 'Show Recent Events',
    changing: false,
    nodes: ['C'],
    needs: [],
    description: "Recent Kubernetes Events in the bot's namespace, oldest first.",
    build: (_p, n) =>
      reads([{ argv: ['kubectl', 'get', 'events', '-n', n.eventsNamespace, '--sort-by=.lastTimestamp'] }], {
        kind: 'Event',
        name: '*',
        namespace: n.eventsNamespace,
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
    build: (_p, n) =>
      reads(
        [
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
        { kind: 'Deployment', name: n.attestorDeployment, namespace: n.attestorNamespace },
      ),
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
    build: (_p, n) =>
      reads(
        [
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
        { kind: 'Pod', name: n.enforcedPodSelector, namespace: n.sidecarNamespace },
        ['CI pods name the container "sidecar"; override the container name there.'],
      ),
  },
  {
    id: 'showNetworkPolicies',
    title: 'Show Network Policies and Endpoints',
    changing: false,
    nodes: ['I', 'J'],
    needs: [],
    description:
      "NetworkPolicies and Service endpoints of the bot's namespace (a missing endpoint explains missed heartbeats).",
    build: (_p, n) =>
      reads(
        [
          { argv: ['kubectl', 'get', 'networkpolicies', '-n', n.networkNamespace, '-o', 'wide'] },
          { argv: ['kubectl', 'get', 'endpoints', '-n', n.networkNamespace, '-o', 'wide'] },
        ],
        { kind: 'NetworkPolicy', name: '*', namespace: n.networkNamespace },
      ),
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
    build: () =>
      reads([{ argv: ['kubectl', 'get', RESOURCES.rollbacks, '--sort-by=.metadata.creationTimestamp'] }], {
        kind: 'Rollback',
        name: '*',
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
      need(required(p, 'tenantId'), (tenant) =>
        reads(
          [
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
          { kind: 'Tenant', name: tenant },
          ['A TENANT_ID taken from a ConfigMap or Secret (valueFrom) does not show here.'],
        ),
      ),
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
      need(required(p, 'endpoint'), (host) =>
        reads(
          [
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
          { kind: 'Deployment', name: n.attestorDeployment, namespace: n.attestorNamespace },
          ['This runs a command inside the attestor pod (needs pods/exec).'],
        ),
      ),
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
    build: (_p, n) =>
      reads(
        [{ argv: ['kubectl', 'get', 'configmap', n.maintenanceConfigMap, '-n', n.maintenanceNamespace, '-o', 'yaml'] }],
        { kind: 'ConfigMap', name: n.maintenanceConfigMap, namespace: n.maintenanceNamespace },
      ),
  },
];
