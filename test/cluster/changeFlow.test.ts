// The playbook's change flow (src/playbook/changeFlow.ts, no vscode) against the real API server: a change between
// the dry-run preview and the write is a 409 that is re-read, re-diffed and re-confirmed before anything is written;
// the restricted user is refused with the exact missing permission before any request; a manual Rollback built by
// the playbook passes the real CRD, and the runbook's manifest is caught before sending. On a scratch namespace.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditEntry } from '../../src/core/playbook/audit';
import { replicasOf } from '../../src/core/playbook/patches';
import { buildManualRollback } from '../../src/core/playbook/rollbackManifest';
import type { ChangeEnv, ConfirmRequest, DiffView } from '../../src/playbook/changeFlow';
import { runChange } from '../../src/playbook/changeFlow';
import type { ChangeInput } from '../../src/playbook/stepMutation';
import { planChange } from '../../src/playbook/stepMutation';
import {
  adapterFor,
  adminAdapter,
  apply,
  deleteNamespace,
  deployment,
  getJson,
  scratchNamespace,
} from './actionHelpers';
import { ADMIN, RESTRICTED, env, kubectl } from './helpers';

const adapter = adminAdapter();
let ns = '';
const NAME = 'capsule-flow';

async function settle(): Promise<void> {
  const r = await kubectl(['rollout', 'status', '-n', ns, `deployment/${NAME}`, '--timeout=60s']);
  assert.equal(r.code, 0, r.stderr);
}

async function replicas(): Promise<number> {
  return (await getJson<{ spec: { replicas: number } }>(['deployment', NAME, '-n', ns])).spec.replicas;
}

function harness(kube: ChangeEnv['kube'], confirm: (c: ConfirmRequest, n: number) => Promise<boolean>) {
  const audit: AuditEntry[] = [];
  const diffs: DiffView[] = [];
  let n = 0;
  const e: ChangeEnv = {
    kube,
    ui: { showDiff: async (d) => void diffs.push(d), confirm: (c) => confirm(c, n++) },
    audit: async (x) => void audit.push(x),
    who: 'cluster-test',
    refusal: () => null,
  };
  return { e, audit, diffs };
}

function isolate(extra: Partial<ChangeInput> = {}) {
  const input: ChangeInput = { workloadNamespace: ns, workloadDeployment: NAME, ...extra };
  const p = planChange('isolateWorkload', input);
  assert.ok(p.ok, p.ok ? '' : p.error);
  return {
    plan: p.value,
    replan: (b: unknown) => {
      const r = planChange('isolateWorkload', { ...input, currentReplicas: replicasOf(b) ?? 1 });
      return r.ok ? r.value : undefined;
    },
  };
}

describe('playbook change flow against the real API server', () => {
  before(async () => {
    ns = await scratchNamespace('pf-flow');
    await apply([deployment(ns, NAME, 'capsule', [], 2)]);
  });
  after(async () => {
    await deleteNamespace(ns);
  });

  test('a 409 between preview and write is re-read, re-diffed and re-confirmed; then applied with an exact undo', async () => {
    await settle();
    const { e, audit, diffs } = harness(adapter, async (_c, n) => {
      // Someone scales the workload while the engineer reads the first diff.
      if (n === 0) assert.equal((await kubectl(['scale', '-n', ns, `deployment/${NAME}`, '--replicas=3'])).code, 0);
      return true;
    });
    const out = await runChange(e, { stepId: 'isolateWorkload', context: ADMIN, incidentId: 'inc-flow', ...isolate() });
    assert.equal(out.status, 'applied', JSON.stringify(out).slice(0, 400));
    assert.equal(diffs.length, 2, 'the conflict produced a second diff');
    assert.match(diffs[0]?.before ?? '', /replicas: 2/);
    assert.match(diffs[1]?.before ?? '', /replicas: 3/, 'the second diff is against the object as it is now');
    assert.match(diffs[1]?.after ?? '', /replicas: 0/);
    assert.equal(diffs[0]?.title, `Deployment ${NAME} in ${ADMIN}/${ns}: before ↔ after (server dry run)`);
    assert.equal(await replicas(), 0);
    assert.ok(out.status === 'applied' && out.undo?.op === 'scale-deployment' && out.undo.replicas === 3);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.outcome, 'succeeded');
    assert.match(audit[0]?.command ?? '', /--current-replicas=3/, 'the audited line is the one for the current object');
    assert.match(audit[0]?.undo?.invocations[0]?.argv.join(' ') ?? '', /--replicas=3/);

    // Declining after a second conflict writes nothing.
    const h2 = harness(adapter, async (_c, n) => {
      if (n === 0) assert.equal((await kubectl(['scale', '-n', ns, `deployment/${NAME}`, '--replicas=1'])).code, 0);
      return n === 0;
    });
    const out2 = await runChange(h2.e, { stepId: 'isolateWorkload', context: ADMIN, ...isolate() });
    assert.equal(out2.status, 'cancelled');
    assert.equal(await replicas(), 1);
    assert.equal(h2.audit[0]?.outcome, 'cancelled');
  });

  test('the restricted user is refused with the missing permission before any request', async () => {
    const restricted = adapterFor(env.restrictedKubeconfig);
    let dryRuns = 0;
    const kube: ChangeEnv['kube'] = {
      missingPermissions: (c, r) => restricted.missingPermissions(c, r),
      mutate: (...a) => {
        dryRuns++;
        return restricted.mutate(...a);
      },
    };
    const { e, audit, diffs } = harness(kube, async () => true);
    const before = await replicas();
    const out = await runChange(e, { stepId: 'isolateWorkload', context: RESTRICTED, ...isolate() });
    assert.ok(out.status === 'refused' && out.reason === 'forbidden', JSON.stringify(out));
    assert.match(out.error, new RegExp(`missing permission .*patch deployments/scale\\.apps in ${ns}`));
    assert.equal(dryRuns, 0);
    assert.equal(diffs.length, 0);
    assert.equal(audit[0]?.outcome, 'failed');
    assert.equal(await replicas(), before);
  });

  test('a manual Rollback built by the playbook passes the CRD; the runbook manifest is caught before sending', async () => {
    const built = buildManualRollback({
      targetRelease: 'c'.repeat(64),
      reason: 'manual',
      capsuleHash: `sha256:${'d'.repeat(64)}`,
      tenantId: 'tenant-flow',
      now: new Date(),
    });
    assert.ok(built.ok);
    const p = planChange('createRollback', { rollback: built.manifest });
    assert.ok(p.ok, p.ok ? '' : p.error);
    const { e, diffs } = harness(adapter, async () => true);
    const out = await runChange(e, { stepId: 'createRollback', context: ADMIN, plan: p.value });
    assert.equal(out.status, 'applied', JSON.stringify(out).slice(0, 400));
    assert.match(diffs[0]?.after ?? '', /targetRelease: c{64}/);
    const got = await getJson<{ spec: { reason: string } }>([
      'rollbacks.ops.prov-fabric.io',
      built.manifest.metadata.name,
    ]);
    assert.equal(got.spec.reason, 'manual');
    await kubectl(['delete', 'rollbacks.ops.prov-fabric.io', built.manifest.metadata.name, '--ignore-not-found']);

    const runbook = planChange('createRollback', {
      rollback: {
        apiVersion: 'ops.prov-fabric.io/v1alpha1',
        kind: 'Rollback',
        metadata: { name: 'manual-rollback', namespace: 'flux-system' } as never,
        spec: { targetRelease: 'v0.1.0', reason: 'manual_emergency' } as never,
      },
    });
    assert.equal(runbook.ok, false);
    assert.match(runbook.ok ? '' : runbook.error, /targetRelease/);
  });
});
