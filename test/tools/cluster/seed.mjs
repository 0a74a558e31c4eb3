// Seeds a test cluster (cluster.mjs) with the Provability-Fabric topology the extension works against (fact sheet §1):
// the Rollback CRD (§3), namespaces, a kwok-managed fake node, the incident-bot / attestor / ledger Deployments and an
// enforced capsule Deployment with a sidecar-watcher container (seeded.mjs) whose pods kwok marks Running, the
// maintenance-status ConfigMap (§12), and kwok objects that make the fake kubelet serve real behaviour:
//   - ClusterLogs: `kubectl logs [-f] [--timestamps]` of container incident-bot returns the lines of a local file;
//     the attestor and sidecar-watcher containers serve fixed lines in their real formats
//   - ClusterPortForward: port-forward to an incident-bot pod's port 3000 reaches a local address (e.g. /metrics)
//   - ClusterExec: exec in the ledger container runs the command on this machine in a chosen directory (e.g. psql),
//     with `execEnv` (PGHOST, ... of test/tools/cluster/postgres.mjs); exec in the attestor container likewise (curl)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KWOK_NODE_ANNOTATION } from './cluster.mjs';
import { ATTESTOR_LOG_LINES, SEEDED_CAPSULE, SIDECAR_LOG_LINES } from './seeded.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROLLBACK_CRD_FILE = path.resolve(here, '../../fixtures/cluster/rollback-crd.yaml');
export const ROLLBACK_API = '/apis/ops.prov-fabric.io/v1alpha1/rollbacks';
export const FAKE_NODE_NAME = 'pf-kwok-node-0';

// Keys of the maintenance-status ConfigMap. Upstream documents the ConfigMap (playbook Scenario 2) but defines no keys,
// so these are ours: active ("true"/"false"), window (free text, e.g. "2025-08-05T14:00Z/2025-08-05T16:00Z", empty when
// none), reason (free text). Tests may patch them.
export const MAINTENANCE_STATUS_DATA = { active: 'false', window: '', reason: '' };

/** Writes `lines` as a CRI log (what kwok serves), stamped now so that `--since` keeps them. */
function criLogFile(file, lines) {
  const ts = new Date().toISOString();
  fs.writeFileSync(file, lines.map((l) => `${ts} stdout F ${l}\n`).join(''));
  return file;
}

export const INCIDENT_BOT_ENV = {
  RISK_SCORE_THRESHOLD: '0.8',
  HEARTBEAT_MISSES_THRESHOLD: '3',
  KAFKA_GROUP_ID: 'incident-bot-group',
};

function deployment({ name, namespace, image, port, env = {} }) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name,
              // Never pulled: kwok only simulates the container.
              image,
              ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
              env: Object.entries(env).map(([k, v]) => ({ name: k, value: v })),
            },
          ],
        },
      },
    },
  };
}

/** A capsule workload as enforced pods look: label pf/enforce="true" (charts/pf-enforce), a sidecar-watcher container. */
function enforcedCapsule() {
  const { name, namespace, tenantId } = SEEDED_CAPSULE;
  const labels = { app: name, 'pf/enforce': 'true' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            { name: 'capsule', image: 'ghcr.io/provability-fabric/capsule:test' },
            {
              name: 'sidecar-watcher',
              image: 'ghcr.io/provability-fabric/sidecar-watcher:test',
              env: [{ name: 'TENANT_ID', value: tenantId }],
            },
          ],
        },
      },
    },
  };
}

/** A Node that the kwok controller of cluster.mjs manages (annotation kwok.x-k8s.io/node=fake). Idempotent. */
export async function createFakeNode(cluster, name = FAKE_NODE_NAME) {
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
    // No taint: plain Deployments (without kwok tolerations) schedule onto it like onto a real node.
    spec: {},
  };
  await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(node) });
  await cluster.kubectl(['wait', '--for=condition=Ready', `node/${name}`, '--timeout=60s']);
  return name;
}

// --- logs -----------------------------------------------------------------------------------------------------------
/**
 * kwok serves logs through the kubelet's CRI log reader, which only understands CRI lines
 * ("<RFC3339Nano> stdout F <text>") or Docker JSON lines, and rejects a file whose first line is neither. Tests write
 * plain log lines (what the incident-bot prints), so this mirror appends each complete new line of `source` to
 * `target` in CRI form, stamped with the time it was seen. Truncating `source` restarts from its beginning.
 * Polls every `intervalMs`; `sync()` copies immediately (call it after appending for deterministic tests).
 */
export function startLogMirror(source, target, { intervalMs = 100, stream = 'stdout' } = {}) {
  let offset = 0;
  let pending = '';
  let timer = null;
  if (!fs.existsSync(source)) fs.writeFileSync(source, '');
  fs.writeFileSync(target, '');
  const sync = () => {
    let size;
    try {
      size = fs.statSync(source).size;
    } catch {
      return;
    }
    if (size < offset) {
      offset = 0;
      pending = '';
    }
    if (size === offset) return;
    const fd = fs.openSync(source, 'r');
    const buf = Buffer.alloc(size - offset);
    fs.readSync(fd, buf, 0, buf.length, offset);
    fs.closeSync(fd);
    offset = size;
    const text = pending + buf.toString('utf8');
    const lines = text.split('\n');
    pending = lines.pop();
    if (!lines.length) return;
    const ts = new Date().toISOString();
    fs.appendFileSync(target, lines.map((l) => `${ts} ${stream} F ${l.replace(/\r$/, '')}\n`).join(''));
  };
  sync();
  timer = setInterval(sync, intervalMs);
  timer.unref();
  return {
    source,
    target,
    sync,
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      sync();
    },
  };
}

function parseTarget(t) {
  if (t == null) return null;
  if (typeof t === 'number') return { address: '127.0.0.1', port: t };
  if (typeof t === 'string') {
    const m = t.match(/^(.*):(\d+)$/);
    return m ? { address: m[1] || '127.0.0.1', port: Number(m[2]) } : { address: '127.0.0.1', port: Number(t) };
  }
  return { address: t.address || '127.0.0.1', port: Number(t.port) };
}

/**
 * Seeds the cluster. Options (each falls back to the same-named startCluster() option remembered on the handle):
 *   logsFile       plain-text file the test appends incident-bot log lines to (created if missing; default
 *                  <workDir>/incident-bot.log)
 *   metricsPort    local port (or metricsTarget "host:port" / {address, port}) that port-forward to an incident-bot
 *                  pod's port 3000 reaches (default 127.0.0.1:9 - discard - when not given)
 *   psqlWorkDir    directory in which `kubectl exec` into a ledger pod runs commands locally (default
 *                  <workDir>/ledger-exec); `execEnv` adds environment variables (e.g. PGHOST/PGPORT)
 *   logsAreCri     the logsFile is already in CRI format: point kwok at it directly, no mirror
 * Resolves:
 *   { namespaces, node, pods: { incidentBot, attestor, ledger }, logs: { source, target, sync(), stop() } | null,
 *     metricsTarget: { address, port }, psqlWorkDir }
 */
export async function seedProvabilityFabric(cluster, opts = {}) {
  const logsFile = opts.logsFile || cluster.defaults?.logsFile || path.join(cluster.workDir, 'incident-bot.log');
  const metricsTarget = parseTarget(opts.metricsPort ?? opts.metricsTarget ?? cluster.defaults?.metricsTarget) || {
    address: '127.0.0.1',
    port: 9,
  };
  const psqlWorkDir = opts.psqlWorkDir || cluster.defaults?.execWorkDir || path.join(cluster.workDir, 'ledger-exec');
  fs.mkdirSync(psqlWorkDir, { recursive: true });

  // 1. Rollback CRD, exactly as upstream defines it, and wait until the API serves it.
  await applyRollbackCrd(cluster);

  // 2. Namespaces (labelled name=<ns> like the upstream NetworkPolicies expect) and the fake node.
  const namespaces = ['monitoring', 'flux-system', 'production', 'default'];
  const nsObjs = namespaces
    .filter((n) => n !== 'default')
    .map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n, labels: { name: n } } }));
  await applyList(cluster, nsObjs);
  const node = await createFakeNode(cluster);

  // 3. kwok behaviour objects. Cluster-scoped kinds with namespace selectors because Deployment pods get generated
  //    names; the container/port lists keep them to the intended workload.
  let logs = null;
  let kwokLogsFile = logsFile;
  if (!opts.logsAreCri) {
    kwokLogsFile = path.join(cluster.workDir, `kwok-logs-${crypto.randomBytes(3).toString('hex')}.cri.log`);
    logs = startLogMirror(logsFile, kwokLogsFile);
    cluster.onStop(() => logs.stop());
  } else if (!fs.existsSync(logsFile)) fs.writeFileSync(logsFile, '');
  const execEnv = Object.entries(opts.execEnv || {}).map(([name, value]) => ({ name, value: String(value) }));
  const attestorLog = criLogFile(path.join(cluster.workDir, 'attestor.cri.log'), ATTESTOR_LOG_LINES);
  const sidecarLog = criLogFile(path.join(cluster.workDir, 'sidecar-watcher.cri.log'), SIDECAR_LOG_LINES);
  await applyList(cluster, [
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterLogs',
      metadata: { name: 'attestor-logs' },
      spec: {
        selector: { matchNamespaces: ['monitoring'] },
        logs: [{ containers: ['attestor'], logsFile: attestorLog, previousLogsFile: attestorLog }],
      },
    },
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterLogs',
      metadata: { name: 'sidecar-watcher-logs' },
      spec: {
        selector: { matchNamespaces: [SEEDED_CAPSULE.namespace] },
        logs: [{ containers: ['sidecar-watcher'], logsFile: sidecarLog, previousLogsFile: sidecarLog }],
      },
    },
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterLogs',
      metadata: { name: 'incident-bot-logs' },
      spec: {
        selector: { matchNamespaces: ['monitoring'] },
        logs: [{ containers: ['incident-bot'], logsFile: kwokLogsFile, previousLogsFile: kwokLogsFile, follow: true }],
      },
    },
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterPortForward',
      metadata: { name: 'incident-bot-metrics' },
      spec: {
        selector: { matchNamespaces: ['monitoring'] },
        forwards: [{ ports: [3000], target: metricsTarget }],
      },
    },
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterExec',
      metadata: { name: 'ledger-exec' },
      spec: {
        selector: { matchNamespaces: ['default'] },
        execs: [
          { containers: ['ledger'], local: { workDir: psqlWorkDir, ...(execEnv.length ? { envs: execEnv } : {}) } },
        ],
      },
    },
    {
      // The playbook's "exec in the attestor pod to reach a capsule endpoint": curl/ping run on this machine.
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterExec',
      metadata: { name: 'attestor-exec' },
      spec: {
        selector: { matchNamespaces: ['monitoring'] },
        execs: [{ containers: ['attestor'], local: { workDir: psqlWorkDir } }],
      },
    },
  ]);

  // 4. Workloads and the maintenance ConfigMap.
  await applyList(cluster, [
    deployment({
      name: 'incident-bot',
      namespace: 'monitoring',
      image: 'ghcr.io/provability-fabric/incident-bot:test',
      port: 3000,
      env: INCIDENT_BOT_ENV,
    }),
    deployment({
      name: 'attestor',
      namespace: 'monitoring',
      image: 'ghcr.io/provability-fabric/attestor:test',
      port: 8080,
    }),
    deployment({ name: 'ledger', namespace: 'default', image: 'ghcr.io/provability-fabric/ledger:test', port: 4000 }),
    enforcedCapsule(),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'maintenance-status', namespace: 'monitoring' },
      data: MAINTENANCE_STATUS_DATA,
    },
  ]);
  await Promise.all([
    cluster.kubectl(['rollout', 'status', '-n', 'monitoring', 'deployment/incident-bot', '--timeout=90s'], {
      timeoutMs: 120_000,
    }),
    cluster.kubectl(['rollout', 'status', '-n', 'monitoring', 'deployment/attestor', '--timeout=90s'], {
      timeoutMs: 120_000,
    }),
    cluster.kubectl(['rollout', 'status', '-n', 'default', 'deployment/ledger', '--timeout=90s'], {
      timeoutMs: 120_000,
    }),
    cluster.kubectl(
      ['rollout', 'status', '-n', SEEDED_CAPSULE.namespace, `deployment/${SEEDED_CAPSULE.name}`, '--timeout=90s'],
      { timeoutMs: 120_000 },
    ),
  ]);
  const podOf = async (ns, app) => {
    const r = await cluster.request('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${app}`);
    const running = (r.json?.items || []).filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
    if (!running.length) throw new Error(`no Running pod for app=${app} in ${ns}: ${r.body.slice(0, 500)}`);
    return running[0].metadata.name;
  };
  const pods = {
    incidentBot: await podOf('monitoring', 'incident-bot'),
    attestor: await podOf('monitoring', 'attestor'),
    ledger: await podOf('default', 'ledger'),
  };
  return { namespaces, node, pods, logs, logsFile, metricsTarget, psqlWorkDir };
}

export async function applyRollbackCrd(cluster) {
  await cluster.kubectl(['apply', '-f', ROLLBACK_CRD_FILE]);
  await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/rollbacks.ops.prov-fabric.io']);
  // Established can precede discovery by a moment; kubectl's discovery cache would then miss "rollbacks".
  for (let i = 0; i < 50; i++) {
    const r = await cluster.request('GET', ROLLBACK_API);
    if (r.status === 200) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('Rollback CRD established but /apis/ops.prov-fabric.io/v1alpha1/rollbacks not served');
}

async function applyList(cluster, items) {
  await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
}

// --- Rollback objects ---------------------------------------------------------------------------------------------------
const hex64 = () => crypto.randomBytes(32).toString('hex');

/**
 * Creates a CRD-valid Rollback (random 64-hex targetRelease, reason high_risk, a valid capsuleHash unless given).
 * `status` (phase, message, ...) is then written with a plain merge patch of the object, because the CRD has no
 * /status subresource. Resolves the stored object. Rejects with the API's status JSON on failure (e.g. 422).
 */
export async function createRollback(
  cluster,
  { name, targetRelease, reason = 'high_risk', capsuleHash, tenantId, status } = {},
) {
  const obj = {
    apiVersion: 'ops.prov-fabric.io/v1alpha1',
    kind: 'Rollback',
    metadata: { name: name || `rollback-${Date.now()}-${crypto.randomBytes(2).toString('hex')}` },
    spec: {
      targetRelease: targetRelease || hex64(),
      reason,
      capsuleHash: capsuleHash === undefined ? `sha256:${hex64()}` : capsuleHash,
      ...(tenantId ? { tenantId } : {}),
    },
  };
  if (obj.spec.capsuleHash === null) delete obj.spec.capsuleHash;
  const r = await cluster.request('POST', ROLLBACK_API, obj);
  if (r.status !== 201) throw apiError('create Rollback', r);
  if (!status) return r.json;
  return patchRollback(cluster, obj.metadata.name, { status });
}

/**
 * Sets status.phase (Pending | InProgress | Completed | Failed) with a plain merge patch. Fills startedAt for
 * InProgress/Completed/Failed and completedAt for Completed/Failed unless given; `extra` may carry message,
 * helmReleaseRevision, previousRevision, startedAt, completedAt. Resolves the updated object.
 */
export async function setRollbackPhase(cluster, name, phase, extra = {}) {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const status = { phase, ...extra };
  if (phase !== 'Pending' && !status.startedAt) status.startedAt = now;
  if ((phase === 'Completed' || phase === 'Failed') && !status.completedAt) status.completedAt = now;
  return patchRollback(cluster, name, { status });
}

export async function patchRollback(cluster, name, patch) {
  const r = await cluster.request('PATCH', `${ROLLBACK_API}/${encodeURIComponent(name)}`, patch, {
    contentType: 'application/merge-patch+json',
  });
  if (r.status !== 200) throw apiError(`patch Rollback ${name}`, r);
  return r.json;
}

export async function deleteRollback(cluster, name) {
  const r = await cluster.request('DELETE', `${ROLLBACK_API}/${encodeURIComponent(name)}`);
  if (r.status !== 200 && r.status !== 404) throw apiError(`delete Rollback ${name}`, r);
}

function apiError(what, r) {
  const err = new Error(`${what}: HTTP ${r.status} ${r.json?.message || r.body.slice(0, 500)}`);
  err.status = r.status;
  err.body = r.json || r.body;
  return err;
}
