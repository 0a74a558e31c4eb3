import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { diffTexts, stableJson, stableYaml } from '../../src/core/playbook/diff';
import { applyPatch, envPatch, planEnv, planScale } from '../../src/core/playbook/patches';
import { HOSTILE_INPUTS } from '../../src/core/playbook/hostileCorpus';
import { buildStep } from '../../src/core/playbook/steps';

function bot(env: unknown[] | undefined, replicas?: number): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'incident-bot',
      namespace: 'monitoring',
      resourceVersion: '42',
      managedFields: [{ manager: 'kubectl' }],
    },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      template: {
        spec: {
          containers: [
            { name: 'helper', env: [{ name: 'RISK_SCORE_THRESHOLD', value: 'other container' }] },
            { name: 'incident-bot', image: 'incident-bot:1', ...(env ? { env } : {}) },
          ],
        },
      },
    },
    status: { readyReplicas: 1 },
  };
}

const containerEnv = (d: unknown): unknown =>
  (
    d as { spec: { template: { spec: { containers: { name: string; env?: unknown }[] } } } }
  ).spec.template.spec.containers.find((c) => c.name === 'incident-bot')?.env;

test('scale: the patch and its inverse from the previous replicas (absent means 1)', () => {
  const p = planScale(bot(undefined, 3), 0);
  assert.ok(p.ok);
  assert.deepEqual(p.value.patch, { spec: { replicas: 0 } });
  assert.deepEqual(p.value.inverse, { spec: { replicas: 3 } });
  assert.equal(p.value.summary, 'replicas 3 → 0');
  const q = planScale(bot(undefined), 0);
  assert.ok(q.ok && q.value.previous === 1);
  assert.ok(!planScale(bot(undefined), -1).ok);
  assert.ok(!planScale({}, 0).ok);
});

test('env: set a new variable; the inverse deletes it', () => {
  const d = bot([{ name: 'A', value: '1' }]);
  const p = planEnv(d, 'incident-bot', 'MAINTENANCE_MODE', 'true');
  assert.ok(p.ok);
  assert.deepEqual(p.value.patch, envPatch('incident-bot', 'MAINTENANCE_MODE', 'true'));
  assert.deepEqual(p.value.inverse, {
    spec: {
      template: {
        spec: { containers: [{ name: 'incident-bot', env: [{ name: 'MAINTENANCE_MODE', $patch: 'delete' }] }] },
      },
    },
  });
  const after = applyPatch(d, p.value.patch, p.value.type);
  assert.deepEqual(containerEnv(after), [
    { name: 'A', value: '1' },
    { name: 'MAINTENANCE_MODE', value: 'true' },
  ]);
  assert.deepEqual(applyPatch(after, p.value.inverse, p.value.type), d);
});

test('env: change a literal value; the inverse restores it; the other container is untouched', () => {
  const d = bot([{ name: 'RISK_SCORE_THRESHOLD', value: '0.8' }]);
  const p = planEnv(d, 'incident-bot', 'RISK_SCORE_THRESHOLD', '0.9');
  assert.ok(p.ok);
  assert.equal(p.value.summary, 'RISK_SCORE_THRESHOLD "0.8" → "0.9"');
  const after = applyPatch(d, p.value.patch, 'strategic');
  assert.deepEqual(containerEnv(after), [{ name: 'RISK_SCORE_THRESHOLD', value: '0.9' }]);
  assert.deepEqual(applyPatch(after, p.value.inverse, 'strategic'), d);
});

test('env: a variable from a reference gets valueFrom cleared, and the undo brings the reference back', () => {
  const ref = { configMapKeyRef: { name: 'bot-config', key: 'risk' } };
  const d = bot([{ name: 'RISK_SCORE_THRESHOLD', valueFrom: ref }]);
  const p = planEnv(d, 'incident-bot', 'RISK_SCORE_THRESHOLD', '0.9');
  assert.ok(p.ok);
  const after = applyPatch(d, p.value.patch, 'strategic');
  assert.deepEqual(containerEnv(after), [{ name: 'RISK_SCORE_THRESHOLD', value: '0.9' }]);
  assert.deepEqual(applyPatch(after, p.value.inverse, 'strategic'), d);
});

test('env: unset an absent variable is a no-op with a no-op undo; errors name what is missing', () => {
  const d = bot(undefined);
  const p = planEnv(d, 'incident-bot', 'MAINTENANCE_MODE', null);
  assert.ok(p.ok);
  assert.deepEqual(applyPatch(d, p.value.patch, 'strategic'), applyPatch(d, p.value.inverse, 'strategic'));
  assert.match((planEnv(d, 'nope', 'X', '1') as { error: string }).error, /no container named "nope"/);
  assert.match((planEnv({}, 'incident-bot', 'X', '1') as { error: string }).error, /containers is missing/);
  assert.match(
    (planEnv(d, 'incident-bot', 'X', 'a\nb') as { error: string }).error,
    /^X: contains the control character/,
  );
});

test('apply then inverse gives back the object, for any env list and change (property)', () => {
  const name = fc.constantFrom('A', 'B', 'MAINTENANCE_MODE', 'RISK_SCORE_THRESHOLD');
  const entry = fc.oneof(
    fc.record({ name, value: fc.string({ maxLength: 5 }) }),
    fc.record({ name, valueFrom: fc.constant({ secretKeyRef: { name: 's', key: 'k' } }) }),
  );
  const envList = fc.uniqueArray(entry, { selector: (e) => e.name, maxLength: 4 });
  fc.assert(
    fc.property(envList, name, fc.option(fc.stringMatching(/^[a-z0-9.]{0,6}$/), { nil: null }), (env, key, value) => {
      const d = bot(env);
      const p = planEnv(d, 'incident-bot', key, value);
      assert.ok(p.ok);
      const after = applyPatch(d, p.value.patch, 'strategic');
      const mine = (containerEnv(after) as { name: string; value?: string }[] | undefined)?.find((e) => e.name === key);
      if (value === null) assert.equal(mine, undefined);
      else assert.deepEqual(JSON.parse(JSON.stringify(mine)), { name: key, value });
      const back = applyPatch(after, p.value.inverse, 'strategic') as Record<string, unknown>;
      // An emptied list may come back as [] rather than absent, and a re-added var lands at the end (as on the
      // server): compare the entries by name.
      const norm = (v: unknown): string =>
        JSON.stringify(((v ?? []) as { name: string }[]).slice().sort((x, y) => x.name.localeCompare(y.name)));
      assert.equal(norm(containerEnv(back)), norm(containerEnv(d)));
    }),
    { numRuns: 300 },
  );
});

test('diff texts: sorted keys, noise removed, only the changed line differs', () => {
  const d = bot([{ name: 'RISK_SCORE_THRESHOLD', value: '0.8' }], 2);
  const p = planEnv(d, 'incident-bot', 'RISK_SCORE_THRESHOLD', '0.9');
  assert.ok(p.ok);
  const diff = diffTexts(d, applyPatch(d, p.value.patch, 'strategic'));
  assert.deepEqual(diff.changed, ['spec.template.spec.containers[1].env[0].value']);
  assert.ok(
    !diff.before.includes('managedFields') &&
      !diff.before.includes('resourceVersion') &&
      !diff.before.includes('status'),
  );
  const a = diff.before.split('\n');
  const b = diff.after.split('\n');
  assert.equal(a.length, b.length);
  assert.deepEqual(
    a.map((l, i) => [l, b[i]]).filter(([x, y]) => x !== y),
    [['          value: "0.8"', '          value: "0.9"']],
  );
  assert.equal(
    stableJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } }),
    '{\n  "a": {\n    "c": null,\n    "d": [\n      1,\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
  );
  const scale = planScale(d, 0);
  assert.ok(scale.ok);
  assert.deepEqual(diffTexts(d, applyPatch(d, scale.value.patch, 'merge'), 'json').changed, ['spec.replicas']);
});

test('stable YAML reads back as the same object, hostile strings included', () => {
  const req = createRequire(__filename);
  let yaml: { load(s: string): unknown } | undefined;
  try {
    yaml = req('js-yaml') as { load(s: string): unknown };
  } catch {
    yaml = undefined;
  }
  const obj = {
    metadata: { name: 'x', labels: { 'a/b': 'true', n: '0.9' } },
    list: HOSTILE_INPUTS.map((h) => h.value).filter((v) => !/[\ud800-\udfff]/.test(v)),
    nested: [{ b: 1, a: [true, null] }, [], {}],
    num: 2,
  };
  const text = stableYaml(obj);
  assert.ok(text.startsWith('list:\n'));
  if (yaml) assert.deepEqual(yaml.load(text), obj);
});

test('a changing step built from the Deployment carries the exact inverse patch as its undo', () => {
  const d = bot([{ name: 'MAINTENANCE_MODE', value: 'false' }]);
  const r = buildStep('enableMaintenanceMode', { botDeployment: d });
  assert.ok(r.ok && typeof r.value.undo === 'object');
  assert.equal(r.value.undo.description, 'Undo: MAINTENANCE_MODE "true" → "false"');
  assert.match(r.value.undo.line, /"value":"false"/);
  assert.match(r.value.notes[0] ?? '', /never reads MAINTENANCE_MODE/);
});
