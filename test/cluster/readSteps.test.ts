// Read-only playbook steps against the real API server: plain data back, KubeError (with the missing permission)
// on failure, a clear message when an API (Flux HelmRelease) is not installed.
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { adapterFor, adminAdapter, apply, deleteNamespace, kubeError, scratchNamespace } from './actionHelpers';
import { ADMIN, RESTRICTED, appendLog, env, randomHex, rpc } from './helpers';

const adapter = adminAdapter();
let ns = '';

/** A Secret as Helm 3 writes it: data.release = base64(base64(gzip(release JSON))) once Kubernetes encodes it. */
function helmSecret(
  release: string,
  revision: number,
  status: string,
  chartVersion: string,
  payload?: string,
): unknown {
  const json = JSON.stringify({
    name: release,
    version: revision,
    namespace: ns,
    info: {
      status,
      first_deployed: '2025-08-01T10:00:00Z',
      last_deployed: `2025-08-0${revision}T10:00:00.123456789Z`,
      description: revision === 1 ? 'Install complete' : 'Upgrade complete',
    },
    chart: { metadata: { name: 'provability-fabric', version: chartVersion, appVersion: `v${chartVersion}` } },
    config: {},
    manifest: '---\n',
  });
  const helmEncoded = payload ?? zlib.gzipSync(Buffer.from(json)).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'helm.sh/release.v1',
    metadata: {
      name: `sh.helm.release.v1.${release}.v${revision}`,
      namespace: ns,
      labels: { owner: 'helm', name: release, version: String(revision), status, modifiedAt: '1754388000' },
    },
    data: { release: Buffer.from(helmEncoded).toString('base64') },
  };
}

describe('cluster actions: read steps', () => {
  before(async () => {
    ns = await scratchNamespace('pf-read');
  });
  after(async () => {
    await deleteNamespace(ns);
  });

  test('pods in all namespaces', async () => {
    const pods = await adapter.listPodsAllNamespaces(ADMIN);
    const bot = pods.find((p) => p.namespace === 'monitoring' && p.labels.app === 'incident-bot');
    assert.ok(bot, JSON.stringify(pods.map((p) => `${p.namespace}/${p.name}`)));
    assert.equal(bot.phase, 'Running');
    assert.deepEqual(bot.containers, ['incident-bot']);
    assert.match(bot.owner, /^ReplicaSet\/incident-bot-/);
    assert.ok(pods.some((p) => p.namespace === 'default' && p.labels.app === 'ledger'));
    const sel = await adapter.listPodsAllNamespaces(ADMIN, { labelSelector: 'app=attestor' });
    assert.deepEqual([...new Set(sel.map((p) => p.labels.app))], ['attestor']);
  });

  test('HelmReleases: without Flux a clear not-found; helm history from release Secrets, robust to bad payloads', async () => {
    const e = await kubeError(adapter.listHelmReleases(ADMIN, 'flux-system'));
    assert.equal(e.kind, 'not-found');
    assert.match(
      e.message,
      /helmreleases\.helm\.toolkit\.fluxcd\.io \(helm\.toolkit\.fluxcd\.io\/v2\) is not served.*Flux/,
    );

    await apply([
      helmSecret('provability-fabric', 1, 'superseded', '0.1.0'),
      helmSecret('provability-fabric', 2, 'superseded', '0.2.0'),
      helmSecret('provability-fabric', 3, 'deployed', '0.3.0'),
      helmSecret('provability-fabric', 4, 'failed', '0.4.0', 'not base64 gzip at all!'),
      helmSecret('other-release', 1, 'deployed', '9.9.9'),
    ]);
    const h = await adapter.helmHistory(ADMIN, 'provability-fabric', ns);
    assert.deepEqual(
      h.map((r) => [r.revision, r.status, r.chartVersion, r.appVersion]),
      [
        [4, 'failed', '', ''],
        [3, 'deployed', '0.3.0', 'v0.3.0'],
        [2, 'superseded', '0.2.0', 'v0.2.0'],
        [1, 'superseded', '0.1.0', 'v0.1.0'],
      ],
    );
    assert.match(h[0]?.error ?? '', /cannot decode/);
    assert.equal(h[0]?.updated, new Date(1754388000 * 1000).toISOString(), 'from the modifiedAt label');
    assert.equal(h[1]?.chart, 'provability-fabric');
    assert.equal(h[1]?.updated, '2025-08-03T10:00:00.123456789Z');
    assert.equal(h[1]?.description, 'Upgrade complete');
    assert.deepEqual(await adapter.helmHistory(ADMIN, 'absent-release', ns), []);
  });

  test('events of a namespace, sorted by time', async () => {
    const ev = (name: string, time: string, reason: string): unknown => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: { kind: 'Deployment', name: 'incident-bot', namespace: ns },
      reason,
      message: `${reason} happened`,
      type: reason === 'BackOff' ? 'Warning' : 'Normal',
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
      source: { component: 'test' },
    });
    await apply([
      ev('e-late', '2025-08-05T14:20:00Z', 'BackOff'),
      ev('e-early', '2025-08-05T14:10:00Z', 'ScalingReplicaSet'),
      ev('e-mid', '2025-08-05T14:15:00Z', 'Killing'),
    ]);
    const events = await adapter.listEvents(ADMIN, ns);
    assert.deepEqual(
      events.map((e) => e.name),
      ['e-early', 'e-mid', 'e-late'],
    );
    assert.equal(events[2]?.type, 'Warning');
    assert.equal(events[0]?.object, 'Deployment/incident-bot');
  });

  test('logs of the bot pod with tail and since', async () => {
    const marker = `read-steps-${randomHex(4)}`;
    appendLog([`${marker} one`, `${marker} two`]);
    await rpc('syncLogs');
    // The seeded pod may have been replaced by earlier test files: take the current Running one.
    const pods = await adapter.listPodsAllNamespaces(ADMIN, { labelSelector: 'app=incident-bot' });
    const pod = pods.find((p) => p.namespace === 'monitoring' && p.phase === 'Running' && !p.deleting)?.name ?? '';
    assert.ok(pod, JSON.stringify(pods));
    let logs = { text: '', truncated: false };
    for (let i = 0; i < 50 && !logs.text.includes(`${marker} two`); i++) {
      logs = await adapter.podLogs(ADMIN, { namespace: 'monitoring', pod, container: 'incident-bot', tailLines: 2 });
      if (!logs.text.includes(`${marker} two`)) await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(logs.text.trim().split('\n'), [`${marker} one`, `${marker} two`]);
    const ts = await adapter.podLogs(ADMIN, {
      namespace: 'monitoring',
      pod,
      container: 'incident-bot',
      tailLines: 1,
      sinceSeconds: 3600,
      timestamps: true,
    });
    assert.match(ts.text, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+Z ${marker} two\\n$`));
    const e = await kubeError(adapter.podLogs(ADMIN, { namespace: 'monitoring', pod: 'no-such-pod' }));
    assert.equal(e.kind, 'not-found');
  });

  test('network policies and EndpointSlices of a namespace', async () => {
    await apply([
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'incident-bot-network-policy', namespace: ns },
        spec: {
          podSelector: { matchLabels: { app: 'incident-bot' } },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [
            {
              from: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }],
              ports: [{ protocol: 'TCP', port: 3000 }],
            },
          ],
          egress: [{ ports: [{ protocol: 'UDP', port: 53 }] }, { ports: [{ protocol: 'TCP', port: 9092 }] }],
        },
      },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: 'attestor-service-abc',
          namespace: ns,
          labels: { 'kubernetes.io/service-name': 'attestor-service' },
        },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        endpoints: [
          { addresses: ['10.244.0.7'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'attestor-1' } },
          { addresses: ['10.244.0.8'], conditions: { ready: false }, targetRef: { kind: 'Pod', name: 'attestor-2' } },
        ],
      },
    ]);
    const np = await adapter.listNetworkPolicies(ADMIN, ns);
    assert.equal(np.length, 1);
    assert.deepEqual(
      { ...np[0], spec: undefined },
      {
        namespace: ns,
        name: 'incident-bot-network-policy',
        podSelector: 'app=incident-bot',
        policyTypes: ['Ingress', 'Egress'],
        ingressRules: 1,
        egressRules: 2,
        spec: undefined,
      },
    );
    const slices = await adapter.listEndpointSlices(ADMIN, ns);
    assert.equal(slices[0]?.service, 'attestor-service');
    assert.deepEqual(slices[0]?.ports, ['http:8080/TCP']);
    assert.deepEqual(
      slices[0]?.endpoints.map((e) => [e.addresses[0], e.ready, e.pod]),
      [
        ['10.244.0.7', true, 'attestor-1'],
        ['10.244.0.8', false, 'attestor-2'],
      ],
    );
  });

  test('pods of a tenant: by label or by the sidecar TENANT_ID env; hostile ids match nothing', async () => {
    const tenant = 'clz8k1m3p0000ab12cd34ef56';
    const pod = (name: string, labels: Record<string, string>, envs: { name: string; value: string }[]): unknown => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: ns, labels },
      spec: {
        containers: [
          { name: 'capsule', image: 'ghcr.io/provability-fabric/capsule:test' },
          { name: 'sidecar-watcher', image: 'ghcr.io/provability-fabric/sidecar-watcher:test', env: envs },
        ],
      },
    });
    await apply([
      pod('capsule-a', { 'pf/enforce': 'true', tenant_id: tenant }, []),
      pod('capsule-b', { 'pf/enforce': 'true' }, [{ name: 'TENANT_ID', value: tenant }]),
      pod('capsule-c', { 'pf/enforce': 'true', tenant_id: 'clz8k1m3p0001ab12cd34ef57' }, [
        { name: 'TENANT_ID', value: 'clz8k1m3p0001ab12cd34ef57' },
      ]),
    ]);
    const found = await adapter.tenantPods(ADMIN, tenant, { namespace: ns });
    assert.deepEqual(
      found.map((p) => [p.name, p.matchedBy]),
      [
        ['capsule-a', ['label tenant_id']],
        ['capsule-b', ['env TENANT_ID of container sidecar-watcher']],
      ],
    );
    const all = await adapter.tenantPods(ADMIN, tenant);
    assert.deepEqual(
      all.map((p) => p.name),
      ['capsule-a', 'capsule-b'],
    );
    assert.deepEqual(await adapter.tenantPods(ADMIN, `x'; DROP TABLE "UsageEvent"; --`), []);
  });

  test('Rollbacks, oldest first', async () => {
    const a = `rollback-read-${randomHex(3)}`;
    await rpc('createRollback', { name: a, tenantId: 'clz8k1m3p0000ab12cd34ef56', status: { phase: 'Completed' } });
    try {
      const list = await adapter.listRollbacks(ADMIN);
      const r = list.find((x) => x.name === a);
      assert.ok(r);
      assert.equal(r.phase, 'Completed');
      assert.equal(r.tenantId, 'clz8k1m3p0000ab12cd34ef56');
      assert.equal(r.reason, 'high_risk');
      const times = list.map((x) => x.createdAt);
      assert.deepEqual(times, [...times].sort());
    } finally {
      await rpc('deleteRollback', a);
    }
  });

  test('forbidden: the restricted user gets the missing permission', async () => {
    const restricted = adapterFor(env.restrictedKubeconfig);
    const cases: [() => Promise<unknown>, string][] = [
      [() => restricted.listPodsAllNamespaces(RESTRICTED), 'list pods'],
      [() => restricted.helmHistory(RESTRICTED, 'provability-fabric', 'flux-system'), 'list secrets in flux-system'],
      [() => restricted.listEvents(RESTRICTED, 'monitoring'), 'list events in monitoring'],
      [() => restricted.podLogs(RESTRICTED, { namespace: 'monitoring', pod: 'x' }), 'get pods/log in monitoring'],
      [
        () => restricted.listNetworkPolicies(RESTRICTED, 'monitoring'),
        'list networkpolicies.networking.k8s.io in monitoring',
      ],
      [
        () => restricted.listEndpointSlices(RESTRICTED, 'monitoring'),
        'list endpointslices.discovery.k8s.io in monitoring',
      ],
      [() => restricted.listRollbacks(RESTRICTED), 'list rollbacks.ops.prov-fabric.io'],
    ];
    for (const [call, missing] of cases) {
      const e = await kubeError(call());
      assert.equal(e.kind, 'forbidden', e.message);
      assert.equal(e.missing, missing);
    }
  });
});
