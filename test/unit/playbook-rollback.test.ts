import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { HOSTILE_INPUTS } from '../../src/core/playbook/hostileCorpus';
import { buildManualRollback, validateRollback } from '../../src/core/playbook/rollbackManifest';
import { buildStep } from '../../src/core/playbook/steps';
import { rollbackFromObject } from '../../src/core/rollbacks';
import { HASH_A, REPO_ROOT } from './helpers';
import { execable, shellOutput } from './playbook-shell';
import { printfPipe } from '../../src/core/playbook/shellQuote';

const RELEASE = '9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d0f';
const NOW = new Date(1754403330512);

test('the manual Rollback satisfies the CRD: cluster-scoped, reason manual, 64-hex target, no status', () => {
  const r = buildManualRollback({
    targetRelease: RELEASE,
    capsuleHash: HASH_A,
    tenantId: 'clz8k1m3p0000ab12cd34ef56',
    now: NOW,
  });
  assert.ok(r.ok);
  assert.deepEqual(r.manifest, {
    apiVersion: 'ops.prov-fabric.io/v1alpha1',
    kind: 'Rollback',
    metadata: {
      name: 'manual-rollback-1754403330512',
      labels: { 'app.kubernetes.io/managed-by': 'pf-incident-response' },
    },
    spec: { targetRelease: RELEASE, reason: 'manual', capsuleHash: HASH_A, tenantId: 'clz8k1m3p0000ab12cd34ef56' },
  });
  assert.deepEqual(validateRollback(r.manifest), []);
  assert.equal(rollbackFromObject(r.manifest)?.reason, 'manual');
});

test('the validator uses the CRD fixture patterns and enum', () => {
  const crd = readFileSync(`${REPO_ROOT}test/fixtures/cluster/rollback-crd.yaml`, 'utf8');
  assert.ok(crd.includes("pattern: '^[a-f0-9]{64}$'"));
  assert.ok(crd.includes("pattern: '^sha256:[a-f0-9]{64}$'"));
  for (const reason of ['high_risk', 'heartbeat_miss', 'manual', 'smoke_test_fail']) {
    assert.ok(crd.includes(`- ${reason}`));
  }
  assert.ok(crd.includes('scope: Cluster'));
});

test('what the incident-bot sends fails exactly where the fact sheet says (C1-C3), each error naming its field', () => {
  const bot = {
    apiVersion: 'ops.prov-fabric.io/v1alpha1',
    kind: 'Rollback',
    metadata: { name: 'rollback-1754403330512', namespace: 'flux-system' },
    spec: {
      targetRelease: 'v0.1.0',
      reason: `high_risk_${HASH_A}`,
      capsuleHash: HASH_A,
      tenantId: 'clz8k1m3p0000ab12cd34ef56',
    },
  };
  const errors = validateRollback(bot);
  assert.deepEqual(
    errors.map((e) => e.field),
    ['metadata.namespace', 'spec.targetRelease', 'spec.reason'],
  );
  assert.match(errors[1]?.message ?? '', /chart version/);
  assert.match(errors[2]?.message ?? '', /the CRD accepts only "high_risk"/);
});

test('the runbook manual example fails on reason, target release, capsule hash and namespace', () => {
  const runbook = {
    apiVersion: 'ops.prov-fabric.io/v1alpha1',
    kind: 'Rollback',
    metadata: { name: 'manual-rollback-1754403330', namespace: 'flux-system' },
    spec: {
      targetRelease: 'v0.1.0',
      reason: 'manual_emergency',
      capsuleHash: 'sha256:emergency1234567890abcdef',
      tenantId: 'emergency-tenant',
    },
  };
  const fields = validateRollback(runbook).map((e) => e.field);
  assert.deepEqual(fields, ['metadata.namespace', 'spec.targetRelease', 'spec.reason', 'spec.capsuleHash']);
});

test('required fields, types, unknown fields and status', () => {
  const f = (o: unknown): string[] => validateRollback(o).map((e) => e.field);
  assert.deepEqual(f(null), ['(root)']);
  assert.deepEqual(f({ apiVersion: 'ops.prov-fabric.io/v1alpha1', kind: 'Rollback', metadata: { name: 'x' } }), [
    'spec',
  ]);
  assert.deepEqual(
    f({ apiVersion: 'v1', kind: 'Rollback', metadata: { name: 'X_Y' }, spec: { reason: 3, extra: 1 }, status: {} }),
    ['apiVersion', 'status', 'metadata.name', 'spec.extra', 'spec.targetRelease', 'spec.reason'],
  );
});

test('the builder names each bad field and never throws on hostile input', () => {
  for (const h of HOSTILE_INPUTS) {
    const r = buildManualRollback({ targetRelease: h.value, capsuleHash: h.value, now: NOW });
    assert.ok(!r.ok, h.id);
    assert.deepEqual([...new Set(r.errors.map((e) => e.field))], ['spec.targetRelease', 'spec.capsuleHash']);
    for (const e of r.errors) assert.ok(!/[\n\r\u202e]/.test(e.message), h.id);
  }
  const bad = buildManualRollback({ targetRelease: RELEASE, now: new Date(NaN) });
  assert.ok(!bad.ok && bad.errors[0]?.field === 'metadata.name');
});

test('a hostile tenant id: refused when it hides itself, otherwise carried inert through the create line', () => {
  for (const h of HOSTILE_INPUTS) {
    const r = buildManualRollback({ targetRelease: RELEASE, tenantId: h.value, now: NOW });
    if (!r.ok) {
      assert.deepEqual(
        r.errors.map((e) => e.field),
        ['spec.tenantId'],
        h.id,
      );
      continue;
    }
    const step = buildStep('createRollback', { rollback: r.manifest });
    assert.ok(step.ok, h.id);
    const inv = step.value.invocations[0];
    assert.ok(inv?.stdin !== undefined);
    if (!execable(inv.stdin)) continue;
    // What kubectl would read on stdin, through a real shell: the exact manifest.
    assert.deepEqual(JSON.parse(shellOutput(`${printfPipe(inv.stdin)} cat`)), r.manifest, h.id);
  }
});

test('createRollback refuses an invalid manifest with the field names', () => {
  const r = buildStep('createRollback', {
    rollback: {
      apiVersion: 'ops.prov-fabric.io/v1alpha1',
      kind: 'Rollback',
      metadata: { name: 'x', labels: {} },
      spec: { targetRelease: 'v0.1.0', reason: 'manual' },
    },
  });
  assert.ok(!r.ok);
  assert.match(r.error, /^rollback: spec\.targetRelease: /);
});
