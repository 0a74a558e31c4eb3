import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { AuditEntry } from '../../src/core/playbook/audit';
import { parseAuditLines } from '../../src/core/playbook/audit';
import { replicasOf } from '../../src/core/playbook/patches';
import { HOSTILE_INPUTS } from '../../src/core/playbook/hostileCorpus';
import { STEP_IDS, stepCommandId } from '../../src/core/playbook/steps';
import { Commands } from '../../src/constants';
import type { KubeObject, MutationOptions, MutationRequest, MutationResult } from '../../src/kube/actionTypes';
import { KubeError } from '../../src/kube/types';
import { appendAuditEntry, auditFilePath, incidentFolderName, readAuditFile } from '../../src/playbook/auditStore';
import type { ChangeEnv, ConfirmRequest, DiffView } from '../../src/playbook/changeFlow';
import { runChange } from '../../src/playbook/changeFlow';
import { ChangeLocks, formatCountdown, globToRegExp, readOnlyPatternFor } from '../../src/playbook/contextGuard';
import { planChange } from '../../src/playbook/stepMutation';
import { HASH_A } from './helpers';

test('every playbook step has its command id in Commands (pfIncident.step.<id>)', () => {
  const values = new Set<string>(Object.values(Commands));
  for (const id of STEP_IDS) assert.ok(values.has(stepCommandId(id)), id);
  assert.ok(values.has('pfIncident.step.undoLast'));
});

test('read-only context patterns: globs, case-insensitive, whole name, and a timed unlock', () => {
  assert.equal(readOnlyPatternFor('gke-prod-eu', ['*prod*']), '*prod*');
  assert.equal(readOnlyPatternFor('PROD', ['*prod*']), '*prod*');
  assert.equal(readOnlyPatternFor('staging', ['*prod*']), undefined);
  assert.equal(readOnlyPatternFor('pf-test', ['pf-te?t']), 'pf-te?t');
  assert.equal(readOnlyPatternFor('a.b', ['a?b', 'x']), 'a?b');
  assert.equal(readOnlyPatternFor('axb', ['a.b']), undefined, 'a dot is literal');
  assert.equal(readOnlyPatternFor('x', ['', 3, null]), undefined);
  assert.ok(!globToRegExp('(a|b)').test('a'));
  let now = 1_000_000;
  const locks = new ChangeLocks(() => now);
  assert.match(locks.refusal('prod', ['*prod*']) ?? '', /read-only.*\*prod\*/);
  locks.unlock('prod', 15);
  assert.equal(locks.refusal('prod', ['*prod*']), null);
  assert.match(locks.refusal('prod-2', ['*prod*']) ?? '', /read-only/, 'an unlock covers one context');
  now += 15 * 60_000 + 1;
  assert.match(locks.refusal('prod', ['*prod*']) ?? '', /read-only/, 'expired');
  assert.equal(formatCountdown(61_000), '1:01');
});

test('audit file location: incidents/<id>/audit.jsonl; unsafe ids never become path segments; append-only', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-audit-'));
  assert.equal(auditFilePath(root, 'inc-0123abcd'), path.join(root, 'incidents', 'inc-0123abcd', 'audit.jsonl'));
  for (const h of HOSTILE_INPUTS) {
    const seg = incidentFolderName(h.value);
    assert.ok(seg === h.value || seg === '_unscoped', h.id);
    assert.ok(!seg.includes('/') && !seg.includes('\\') && seg !== '..' && seg !== '.', h.id);
  }
  const e: AuditEntry = {
    v: 1,
    when: new Date(0).toISOString(),
    who: 'tester',
    step: 'pauseBot',
    object: { kind: 'Deployment', name: 'incident-bot', namespace: 'monitoring' },
    context: 'pf-test',
    command: 'kubectl scale',
    dryRun: false,
    outcome: 'succeeded',
    incidentId: 'inc-1',
  };
  assert.ok((await appendAuditEntry(root, e)).ok);
  assert.ok((await appendAuditEntry(root, { ...e, outcome: 'cancelled' })).ok);
  const bad = await appendAuditEntry(root, { ...e, who: '' });
  assert.equal(bad.ok, false);
  const read = await readAuditFile(root, 'inc-1');
  assert.deepEqual(
    read.entries.map((x) => x.outcome),
    ['succeeded', 'cancelled'],
  );
  assert.deepEqual((await readAuditFile(root, 'inc-none')).entries, []);
});

test('planChange maps changing steps to requests, and rejects hostile names with one line before any request', () => {
  const pause = planChange('pauseBot', {});
  assert.ok(pause.ok);
  assert.deepEqual(pause.value.mutation, {
    op: 'scale-deployment',
    namespace: 'monitoring',
    name: 'incident-bot',
    replicas: 0,
  });
  const t = planChange('setRiskThreshold', { riskThreshold: '0.9' });
  assert.ok(t.ok && t.value.mutation.op === 'set-deployment-env' && t.value.mutation.value === '0.9');
  assert.equal(planChange('showEvents', {}).ok, false);
  for (const h of HOSTILE_INPUTS) {
    const name = planChange('isolateWorkload', { workloadNamespace: 'production', workloadDeployment: h.value });
    const ns = planChange('isolateWorkload', { workloadNamespace: h.value, workloadDeployment: 'capsule' });
    const thr = planChange('setRiskThreshold', { riskThreshold: h.value });
    // A valid DNS name (e.g. the token-shaped one, there for log scrubbing) is only ever one argv element / field.
    if (name.ok) assert.ok(name.value.mutation.op === 'scale-deployment' && name.value.mutation.name === h.value, h.id);
    if (ns.ok) assert.ok(ns.value.mutation.op === 'scale-deployment' && ns.value.mutation.namespace === h.value, h.id);
    assert.equal(thr.ok, false, h.id);
    for (const r of [name, ns, thr]) {
      if (!r.ok) assert.ok(!/[\r\n\u2028\u2029\u0085]/.test(r.error), `${h.id}: one line`);
    }
  }
  const bad = planChange('createRollback', {
    rollback: {
      apiVersion: 'ops.prov-fabric.io/v1alpha1',
      kind: 'Rollback',
      metadata: { name: 'x', namespace: 'flux-system' } as never,
      spec: { targetRelease: 'v0.1.0', reason: 'manual_emergency' } as never,
    },
  });
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.error, /targetRelease/);
});

function deployment(replicas: number, rv: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'incident-bot', namespace: 'monitoring', resourceVersion: rv },
    spec: { replicas },
  };
}

class FakeKube {
  calls: { req: MutationRequest; opts: MutationOptions }[] = [];
  missing: string[] = [];
  conflicts = 0;
  replicas = 3;
  rv = 10;
  async missingPermissions(): Promise<string[]> {
    return this.missing;
  }
  async mutate(_c: string, req: MutationRequest, opts: MutationOptions): Promise<MutationResult> {
    this.calls.push({ req, opts });
    const target = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'monitoring', name: 'incident-bot' };
    const before = deployment(this.replicas, String(this.rv));
    const r = req.op === 'scale-deployment' ? req.replicas : 0;
    if (!opts.dryRun && this.conflicts > 0) {
      this.conflicts--;
      this.replicas += 1;
      this.rv += 1;
      return {
        outcome: 'conflict',
        request: req,
        target,
        current: deployment(this.replicas, String(this.rv)),
        message: 'changed',
      };
    }
    if (!opts.dryRun) {
      assert.equal(opts.expectResourceVersion, String(this.rv), 'applies exactly what was previewed');
      this.replicas = r;
      this.rv += 1;
    }
    return {
      outcome: opts.dryRun ? 'dry-run' : 'applied',
      request: req,
      target,
      before,
      after: deployment(r, String(this.rv)),
      resourceVersion: before.metadata?.resourceVersion,
      undo: {
        op: 'scale-deployment',
        namespace: 'monitoring',
        name: 'incident-bot',
        replicas: before.spec ? (before.spec as { replicas: number }).replicas : 1,
      },
      warnings: [],
    };
  }
}

function env(kube: FakeKube, answers: boolean[], refusal: string | null = null) {
  const audit: AuditEntry[] = [];
  const diffs: DiffView[] = [];
  const confirms: ConfirmRequest[] = [];
  const e: ChangeEnv = {
    kube,
    ui: {
      showDiff: async (d) => void diffs.push(d),
      confirm: async (c) => (confirms.push(c), answers.shift() ?? false),
    },
    audit: async (x) => void audit.push(x),
    who: 'tester',
    refusal: () => refusal,
  };
  return { e, audit, diffs, confirms };
}

const pausePlan = () => {
  const p = planChange('pauseBot', {});
  assert.ok(p.ok);
  return p.value;
};

test('runChange: dry-run diff (replicas 3 → 0), modal names context/namespace/object, apply, audit with undo', async () => {
  const kube = new FakeKube();
  const { e, audit, diffs, confirms } = env(kube, [true]);
  const replan = (before: unknown) => {
    const p = planChange('pauseBot', { currentReplicas: replicasOf(before) ?? 1 });
    return p.ok ? p.value : undefined;
  };
  const out = await runChange(e, {
    stepId: 'pauseBot',
    context: 'pf-test',
    incidentId: 'inc-1',
    plan: pausePlan(),
    replan,
  });
  assert.equal(out.status, 'applied');
  assert.equal(diffs[0]?.title, 'Deployment incident-bot in pf-test/monitoring: before ↔ after (server dry run)');
  assert.match(diffs[0]?.before ?? '', /replicas: 3/);
  assert.match(diffs[0]?.after ?? '', /replicas: 0/);
  assert.deepEqual(diffs[0]?.changed, ['spec.replicas']);
  assert.match(confirms[0]?.message ?? '', /pf-test/);
  assert.match(confirms[0]?.detail ?? '', /Namespace: monitoring/);
  assert.match(confirms[0]?.detail ?? '', /Object: Deployment incident-bot/);
  assert.deepEqual(
    kube.calls.map((c) => c.opts.dryRun),
    [true, false],
  );
  assert.equal(audit.length, 1);
  assert.equal(audit[0]?.outcome, 'succeeded');
  assert.equal(audit[0]?.incidentId, 'inc-1');
  assert.ok(audit[0]?.undo);
  assert.ok(out.status === 'applied' && out.undo?.op === 'scale-deployment' && out.undo.replicas === 3);
});

test('runChange: a 409 conflict is re-read, re-diffed and re-confirmed', async () => {
  const kube = new FakeKube();
  kube.conflicts = 1;
  const { e, diffs, confirms, audit } = env(kube, [true, true]);
  const out = await runChange(e, { stepId: 'pauseBot', context: 'pf-test', plan: pausePlan() });
  assert.equal(out.status, 'applied');
  assert.equal(diffs.length, 2);
  assert.match(diffs[1]?.before ?? '', /replicas: 4/, 'the second diff shows the object as it is now');
  assert.match(confirms[1]?.message ?? '', /409 Conflict/);
  assert.equal(audit.length, 1);
  assert.equal(kube.replicas, 0);
});

test('runChange: declining after a conflict applies nothing and records the cancellation', async () => {
  const kube = new FakeKube();
  kube.conflicts = 1;
  const { e, audit } = env(kube, [true, false]);
  const out = await runChange(e, { stepId: 'pauseBot', context: 'pf-test', plan: pausePlan() });
  assert.equal(out.status, 'cancelled');
  assert.equal(kube.replicas, 4);
  assert.equal(audit[0]?.outcome, 'cancelled');
});

test('runChange: a missing permission refuses before any request, naming it', async () => {
  const kube = new FakeKube();
  kube.missing = ['patch deployments.apps/scale in monitoring'];
  const { e, audit, diffs } = env(kube, [true]);
  const out = await runChange(e, { stepId: 'pauseBot', context: 'pf-test-restricted', plan: pausePlan() });
  assert.equal(out.status, 'refused');
  assert.ok(out.status === 'refused' && out.reason === 'forbidden');
  assert.match(out.error ?? '', /missing permission patch deployments\.apps\/scale in monitoring/);
  assert.equal(kube.calls.length, 0);
  assert.equal(diffs.length, 0);
  assert.equal(audit[0]?.outcome, 'failed');
});

test('runChange: a read-only context refuses before the RBAC check; a forbidden apply names the permission', async () => {
  const kube = new FakeKube();
  const { e, audit } = env(kube, [true], 'context "prod" is read-only');
  const out = await runChange(e, { stepId: 'pauseBot', context: 'prod', plan: pausePlan() });
  assert.ok(out.status === 'refused' && out.reason === 'read-only');
  assert.equal(kube.calls.length, 0);
  assert.equal(audit[0]?.outcome, 'cancelled');
  const k2 = new FakeKube();
  k2.mutate = async () => {
    throw new KubeError('forbidden', 'nope', 403, 'patch deployments.apps in monitoring');
  };
  const r2 = await runChange(env(k2, [true]).e, { stepId: 'pauseBot', context: 'x', plan: pausePlan() });
  assert.ok(
    r2.status === 'refused' && r2.reason === 'forbidden' && /patch deployments\.apps in monitoring/.test(r2.error),
  );
});

test('audit lines written by the flow parse back', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-audit-'));
  const kube = new FakeKube();
  const { e } = env(kube, [true]);
  e.audit = async (x) => void (await appendAuditEntry(root, x));
  await runChange(e, { stepId: 'pauseBot', context: 'pf-test', incidentId: 'inc-9', plan: pausePlan() });
  const text = fs.readFileSync(auditFilePath(root, 'inc-9'), 'utf8');
  const parsed = parseAuditLines(text);
  assert.equal(parsed.bad.length, 0);
  assert.equal(parsed.entries[0]?.step, 'pauseBot');
  assert.ok(HASH_A);
});
