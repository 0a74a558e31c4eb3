// Mutations against the real API server: the server-side dry run returns before/after and stores nothing; the real
// write applies; the undo request restores; a change between preview and write is a conflict (409 from the
// resourceVersion precondition) with the current object; an invalid Rollback is rejected by the CRD schema with the
// field named; a forbidden user gets the exact missing permission. All on objects in a scratch namespace (the seeded
// incident-bot is only ever dry-run here, so the live tests' pods never change).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KubeValidationError } from '../../src/kube/actionTypes';
import type { KubeObject, MutationRequest, MutationResult } from '../../src/kube/actionTypes';
import {
  adapterFor,
  adminAdapter,
  apply,
  deleteNamespace,
  deployment,
  getJson,
  hex64,
  kubeError,
  scratchNamespace,
} from './actionHelpers';
import { ADMIN, RESTRICTED, env, kubectl, randomHex, rpc } from './helpers';

const adapter = adminAdapter();
let ns = '';

/** Waits until the Deployment's rollout is done, so no controller status write races a preview -> apply pair. */
async function settle(name: string): Promise<void> {
  const r = await kubectl(['rollout', 'status', '-n', ns, `deployment/${name}`, '--timeout=60s']);
  assert.equal(r.code, 0, r.stderr);
}

interface Dep {
  metadata: { resourceVersion: string };
  spec: {
    replicas: number;
    template: {
      spec: { containers: { name: string; env?: { name: string; value?: string; valueFrom?: unknown }[] }[] };
    };
  };
}

const envOf = (d: KubeObject | Dep | null, container: string): Record<string, unknown> => {
  const c = (d as Dep | null)?.spec.template.spec.containers.find((x) => x.name === container);
  return Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
};

function applied(
  r: MutationResult,
  outcome: 'dry-run' | 'applied',
): Extract<MutationResult, { outcome: 'applied' | 'dry-run' }> {
  assert.equal(r.outcome, outcome, JSON.stringify(r).slice(0, 800));
  return r as Extract<MutationResult, { outcome: 'applied' | 'dry-run' }>;
}

describe('cluster actions: mutations', () => {
  before(async () => {
    ns = await scratchNamespace('pf-actions');
    await apply([
      deployment(ns, 'incident-bot', 'incident-bot', [
        { name: 'RISK_SCORE_THRESHOLD', value: '0.8' },
        { name: 'KAFKA_GROUP_ID', valueFrom: { configMapKeyRef: { name: 'bot-config', key: 'group' } } },
      ]),
      deployment(ns, 'capsule-4f8b2c1d', 'capsule', [], 2),
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'maintenance-status', namespace: ns },
        data: { active: 'false', window: '', reason: '' },
      },
    ]);
  });
  after(async () => {
    await deleteNamespace(ns);
  });

  test('scale: dry run shows the diff and changes nothing; apply; undo restores the previous replicas', async () => {
    const req: MutationRequest = { op: 'scale-deployment', namespace: ns, name: 'incident-bot', replicas: 0 };
    await settle('incident-bot');
    const live0 = await getJson<Dep>(['deployment', 'incident-bot', '-n', ns]);
    const dry = applied(await adapter.mutate(ADMIN, req, { dryRun: true }), 'dry-run');
    assert.equal((dry.before?.spec as { replicas: number }).replicas, 1);
    assert.equal((dry.after?.spec as { replicas: number }).replicas, 0);
    assert.equal(dry.resourceVersion, live0.metadata.resourceVersion);
    assert.deepEqual(dry.undo, { ...req, replicas: 1 });
    const live1 = await getJson<Dep>(['deployment', 'incident-bot', '-n', ns]);
    assert.equal(live1.spec.replicas, 1, 'dry run changed nothing');
    assert.equal(live1.metadata.resourceVersion, live0.metadata.resourceVersion);

    const done = applied(
      await adapter.mutate(ADMIN, req, { dryRun: false, expectResourceVersion: dry.resourceVersion }),
      'applied',
    );
    assert.equal((await getJson<Dep>(['deployment', 'incident-bot', '-n', ns])).spec.replicas, 0);
    assert.ok(done.undo);
    applied(await adapter.mutate(ADMIN, done.undo, { dryRun: false }), 'applied');
    assert.equal((await getJson<Dep>(['deployment', 'incident-bot', '-n', ns])).spec.replicas, 1);
  });

  test('dry run on the seeded monitoring/incident-bot (pause the bot) stores nothing', async () => {
    const live0 = await getJson<Dep>(['deployment', 'incident-bot', '-n', 'monitoring']);
    const dry = applied(
      await adapter.mutate(
        ADMIN,
        {
          op: 'set-deployment-env',
          namespace: 'monitoring',
          name: 'incident-bot',
          container: 'incident-bot',
          env: 'MAINTENANCE_MODE',
          value: 'true',
        },
        { dryRun: true },
      ),
      'dry-run',
    );
    assert.equal(envOf(dry.after, 'incident-bot').MAINTENANCE_MODE, 'true');
    assert.equal(envOf(dry.before, 'incident-bot').MAINTENANCE_MODE, undefined);
    const scale = applied(
      await adapter.mutate(
        ADMIN,
        { op: 'scale-deployment', namespace: 'monitoring', name: 'incident-bot', replicas: 0 },
        { dryRun: true },
      ),
      'dry-run',
    );
    assert.equal((scale.after?.spec as { replicas: number }).replicas, 0);
    const live1 = await getJson<Dep>(['deployment', 'incident-bot', '-n', 'monitoring']);
    assert.equal(live1.metadata.resourceVersion, live0.metadata.resourceVersion);
    assert.equal(live1.spec.replicas, live0.spec.replicas);
  });

  test('env: set MAINTENANCE_MODE, change RISK_SCORE_THRESHOLD, replace a valueFrom; undo restores each', async () => {
    const base = { op: 'set-deployment-env' as const, namespace: ns, name: 'incident-bot', container: 'incident-bot' };
    const live = async (): Promise<Record<string, unknown>> =>
      envOf(await getJson<Dep>(['deployment', 'incident-bot', '-n', ns]), 'incident-bot');

    const m = applied(
      await adapter.mutate(ADMIN, { ...base, env: 'MAINTENANCE_MODE', value: 'true' }, { dryRun: false }),
      'applied',
    );
    assert.equal((await live()).MAINTENANCE_MODE, 'true');
    assert.deepEqual(m.undo, { ...base, env: 'MAINTENANCE_MODE', value: null });

    const r = applied(
      await adapter.mutate(ADMIN, { ...base, env: 'RISK_SCORE_THRESHOLD', value: '0.9' }, { dryRun: false }),
      'applied',
    );
    assert.equal((await live()).RISK_SCORE_THRESHOLD, '0.9');
    assert.deepEqual(r.undo, { ...base, env: 'RISK_SCORE_THRESHOLD', value: '0.8' });

    const k = applied(
      await adapter.mutate(ADMIN, { ...base, env: 'KAFKA_GROUP_ID', value: 'incident-bot' }, { dryRun: false }),
      'applied',
    );
    assert.equal((await live()).KAFKA_GROUP_ID, 'incident-bot');

    for (const u of [k.undo, r.undo, m.undo]) {
      assert.ok(u);
      applied(await adapter.mutate(ADMIN, u, { dryRun: false }), 'applied');
    }
    assert.deepEqual(await live(), {
      RISK_SCORE_THRESHOLD: '0.8',
      KAFKA_GROUP_ID: { configMapKeyRef: { name: 'bot-config', key: 'group' } },
    });
    const e = await kubeError(
      adapter.mutate(ADMIN, { ...base, container: 'nope', env: 'X', value: '1' }, { dryRun: true }),
    );
    assert.equal(e.kind, 'not-found');
    assert.match(e.message, /container "nope".*containers: incident-bot/);
  });

  test('conflict: the object changed between the preview and the write -> conflict with the current object', async () => {
    const req: MutationRequest = { op: 'scale-deployment', namespace: ns, name: 'capsule-4f8b2c1d', replicas: 0 };
    await settle('capsule-4f8b2c1d');
    const dry = applied(await adapter.mutate(ADMIN, req, { dryRun: true }), 'dry-run');
    // Someone else changes it (kubectl scale 3) after the preview.
    assert.equal((await kubectl(['scale', '-n', ns, 'deployment/capsule-4f8b2c1d', '--replicas=3'])).code, 0);
    const c = await adapter.mutate(ADMIN, req, { dryRun: false, expectResourceVersion: dry.resourceVersion });
    assert.equal(c.outcome, 'conflict', JSON.stringify(c).slice(0, 500));
    assert.ok(c.outcome === 'conflict');
    assert.equal((c.current?.spec as { replicas: number }).replicas, 3);
    assert.notEqual(c.resourceVersion, dry.resourceVersion);
    assert.equal(
      (await getJson<Dep>(['deployment', 'capsule-4f8b2c1d', '-n', ns])).spec.replicas,
      3,
      'nothing written',
    );
    // A new preview against the current object, then the write goes through; undo goes back to 3, not to the stale 2.
    await settle('capsule-4f8b2c1d');
    const dry2 = applied(await adapter.mutate(ADMIN, req, { dryRun: true }), 'dry-run');
    assert.equal((dry2.before?.spec as { replicas: number }).replicas, 3);
    const done = applied(
      await adapter.mutate(ADMIN, req, { dryRun: false, expectResourceVersion: dry2.resourceVersion }),
      'applied',
    );
    assert.equal((await getJson<Dep>(['deployment', 'capsule-4f8b2c1d', '-n', ns])).spec.replicas, 0);
    assert.deepEqual(done.undo, { ...req, replicas: 3 });

    // Env patch with a stale precondition: also a conflict (strategic merge patch with metadata.resourceVersion).
    const envReq: MutationRequest = {
      op: 'set-deployment-env',
      namespace: ns,
      name: 'capsule-4f8b2c1d',
      container: 'capsule',
      env: 'X',
      value: '1',
    };
    const c2 = await adapter.mutate(ADMIN, envReq, { dryRun: false, expectResourceVersion: dry.resourceVersion });
    assert.equal(c2.outcome, 'conflict');
  });

  test('Rollback: dry run validates and stores nothing; create; undo deletes; AlreadyExists is a conflict', async () => {
    const name = `rollback-${Date.now()}-${randomHex(2)}`;
    const spec = {
      targetRelease: hex64(),
      reason: 'manual',
      capsuleHash: `sha256:${hex64()}`,
      tenantId: 'clz8k1m3p0000ab12cd34ef56',
    };
    const req: MutationRequest = { op: 'create-rollback', name, spec };
    const dry = applied(await adapter.mutate(ADMIN, req, { dryRun: true }), 'dry-run');
    assert.equal(dry.before, null);
    assert.deepEqual(dry.after?.spec, spec);
    assert.equal(dry.after?.metadata?.namespace, undefined, 'cluster-scoped');
    const r0 = await rpc<{ status: number }>('request', 'GET', `/apis/ops.prov-fabric.io/v1alpha1/rollbacks/${name}`);
    assert.equal(r0.status, 404, 'dry run stored nothing');
    const done = applied(await adapter.mutate(ADMIN, req, { dryRun: false }), 'applied');
    assert.deepEqual(done.undo, { op: 'delete-rollback', name });
    assert.ok((await adapter.listRollbacks(ADMIN)).some((r) => r.name === name && r.reason === 'manual'));
    const again = await adapter.mutate(ADMIN, req, { dryRun: false });
    assert.equal(again.outcome, 'conflict');
    assert.ok(again.outcome === 'conflict' && again.current?.metadata?.name === name);
    assert.ok(done.undo);
    const del = applied(await adapter.mutate(ADMIN, done.undo, { dryRun: false }), 'applied');
    assert.equal(del.undo?.op, 'create-rollback');
    const r1 = await rpc<{ status: number }>('request', 'GET', `/apis/ops.prov-fabric.io/v1alpha1/rollbacks/${name}`);
    assert.equal(r1.status, 404);
  });

  test('Rollback as the bot builds it is rejected by the CRD schema, naming the fields', async () => {
    const hash = `sha256:${hex64()}`;
    for (const dryRun of [true, false]) {
      const e = await kubeError(
        adapter.mutate(
          ADMIN,
          { op: 'create-rollback', spec: { targetRelease: 'v0.1.0', reason: `high_risk_${hash}`, capsuleHash: hash } },
          { dryRun },
        ),
      );
      assert.ok(e instanceof KubeValidationError, e.stack);
      assert.equal(e.kind, 'invalid');
      assert.equal(e.status, 422);
      const fields = e.causes.map((c) => c.field).sort();
      assert.deepEqual(fields, ['spec.reason', 'spec.targetRelease']);
      assert.match(e.message, /spec\.reason/);
      assert.match(e.causes.find((c) => c.field === 'spec.reason')?.message ?? '', /Unsupported value/);
    }
  });

  test('PrometheusRule: absent CRD is a clear not-found; with the CRD create, update, undo', async () => {
    const rule = (expr: string): unknown => ({
      groups: [
        {
          name: 'incident-bot',
          rules: [{ alert: 'HighRollbackRate', expr, for: '5m', labels: { severity: 'warning' } }],
        },
      ],
    });
    const req: MutationRequest = {
      op: 'apply-prometheus-rule',
      namespace: ns,
      name: 'incident-bot-rules',
      spec: rule('sum(rate(incident_bot_rollbacks_total[5m])) > 0.1'),
    };
    const e = await kubeError(adapter.mutate(ADMIN, req, { dryRun: true }));
    assert.equal(e.kind, 'not-found');
    assert.match(e.message, /prometheusrules\.monitoring\.coreos\.com \(monitoring\.coreos\.com\/v1\) is not served/);

    await apply([
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'prometheusrules.monitoring.coreos.com' },
        spec: {
          group: 'monitoring.coreos.com',
          scope: 'Namespaced',
          names: {
            plural: 'prometheusrules',
            singular: 'prometheusrule',
            kind: 'PrometheusRule',
            listKind: 'PrometheusRuleList',
          },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
                },
              },
            },
          ],
        },
      },
    ]);
    await kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=30s',
      'crd/prometheusrules.monitoring.coreos.com',
    ]);
    try {
      let created: MutationResult | null = null;
      for (let i = 0; i < 50 && !created; i++) {
        try {
          created = await adapter.mutate(ADMIN, req, { dryRun: false });
        } catch (err) {
          if (i === 49) throw err;
          await new Promise((r) => setTimeout(r, 100)); // discovery catching up with the new CRD
        }
      }
      const c = applied(created as MutationResult, 'applied');
      assert.equal(c.before, null);
      assert.deepEqual(c.undo, { op: 'delete-prometheus-rule', namespace: ns, name: 'incident-bot-rules' });
      const upd: MutationRequest = { ...req, spec: rule('sum(rate(incident_bot_rollbacks_total[5m])) > 0.5') };
      const dry = applied(await adapter.mutate(ADMIN, upd, { dryRun: true }), 'dry-run');
      assert.notDeepEqual(dry.before?.spec, dry.after?.spec);
      const u = applied(
        await adapter.mutate(ADMIN, upd, { dryRun: false, expectResourceVersion: dry.resourceVersion }),
        'applied',
      );
      assert.ok(u.undo);
      applied(await adapter.mutate(ADMIN, u.undo, { dryRun: false }), 'applied');
      const now = await getJson<{ spec: unknown }>(['prometheusrule', 'incident-bot-rules', '-n', ns]);
      assert.deepEqual(now.spec, req.op === 'apply-prometheus-rule' ? req.spec : null);
      assert.ok(c.undo);
      applied(await adapter.mutate(ADMIN, c.undo, { dryRun: false }), 'applied');
    } finally {
      await kubectl(['delete', 'crd', 'prometheusrules.monitoring.coreos.com', '--wait=false']);
    }
  });

  test('maintenance-status ConfigMap: patch, undo; createIfMissing creates and its undo deletes', async () => {
    const req: MutationRequest = {
      op: 'patch-configmap',
      namespace: ns,
      name: 'maintenance-status',
      data: { active: 'true', window: '2025-08-05T14:00Z/2025-08-05T16:00Z', reason: 'planned upgrade' },
    };
    const dry = applied(await adapter.mutate(ADMIN, req, { dryRun: true }), 'dry-run');
    assert.equal((dry.after?.data as Record<string, string>).active, 'true');
    assert.equal(
      (await getJson<{ data: Record<string, string> }>(['configmap', 'maintenance-status', '-n', ns])).data.active,
      'false',
    );
    const done = applied(
      await adapter.mutate(ADMIN, req, { dryRun: false, expectResourceVersion: dry.resourceVersion }),
      'applied',
    );
    assert.equal(
      (await getJson<{ data: Record<string, string> }>(['configmap', 'maintenance-status', '-n', ns])).data.reason,
      'planned upgrade',
    );
    assert.ok(done.undo);
    applied(await adapter.mutate(ADMIN, done.undo, { dryRun: false }), 'applied');
    assert.deepEqual(
      (await getJson<{ data: Record<string, string> }>(['configmap', 'maintenance-status', '-n', ns])).data,
      {
        active: 'false',
        window: '',
        reason: '',
      },
    );

    const missing: MutationRequest = {
      op: 'patch-configmap',
      namespace: ns,
      name: 'maintenance-new',
      data: { active: 'true' },
    };
    assert.equal((await kubeError(adapter.mutate(ADMIN, missing, { dryRun: true }))).kind, 'not-found');
    const created = applied(
      await adapter.mutate(ADMIN, { ...missing, createIfMissing: true }, { dryRun: false }),
      'applied',
    );
    assert.deepEqual(created.undo, { op: 'delete-configmap', namespace: ns, name: 'maintenance-new' });
    assert.ok(created.undo);
    applied(await adapter.mutate(ADMIN, created.undo, { dryRun: false }), 'applied');
    assert.notEqual((await kubectl(['get', 'configmap', 'maintenance-new', '-n', ns])).code, 0);
  });

  test('forbidden: the restricted user is refused with the missing permission; missingPermissions names them all', async () => {
    const restricted = adapterFor(env.restrictedKubeconfig);
    const req: MutationRequest = { op: 'scale-deployment', namespace: ns, name: 'incident-bot', replicas: 0 };
    const e = await kubeError(restricted.mutate(RESTRICTED, req, { dryRun: true }));
    assert.equal(e.kind, 'forbidden');
    assert.equal(e.missing, `get deployments/scale.apps in ${ns}`);
    assert.deepEqual(await restricted.missingPermissions(RESTRICTED, req), [
      `get deployments/scale.apps in ${ns}`,
      `patch deployments/scale.apps in ${ns}`,
    ]);
    const rb = await kubeError(
      restricted.mutate(
        RESTRICTED,
        { op: 'create-rollback', spec: { targetRelease: hex64(), reason: 'manual' } },
        { dryRun: true },
      ),
    );
    assert.equal(rb.missing, 'create rollbacks.ops.prov-fabric.io');

    // A user who may read but not write: the write step names exactly the write permission.
    const user = `pf-reader-${randomHex(2)}`;
    const kc = await rpc<string>('makeUserKubeconfig', user);
    await rpc('grantUser', user, {
      namespace: ns,
      rules: [
        { apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'], verbs: ['get'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'patch'] },
      ],
    });
    const reader = adapterFor(kc);
    const e2 = await kubeError(reader.mutate(RESTRICTED, req, { dryRun: true }));
    assert.equal(e2.kind, 'forbidden');
    assert.equal(e2.missing, `patch deployments/scale.apps in ${ns}`);
    assert.deepEqual(await reader.missingPermissions(RESTRICTED, req), [`patch deployments/scale.apps in ${ns}`]);
    assert.deepEqual(
      await reader.missingPermissions(RESTRICTED, {
        op: 'patch-configmap',
        namespace: ns,
        name: 'maintenance-status',
        data: {},
      }),
      [],
    );
  });
});
