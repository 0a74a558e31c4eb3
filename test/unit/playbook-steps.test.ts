import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FLOW_NODES } from '../../src/core/flowchart';
import { HOSTILE_INPUTS } from '../../src/core/playbook/hostileCorpus';
import { invocationLine } from '../../src/core/playbook/invocation';
import { printfPipe, shellJoin, shellQuote } from '../../src/core/playbook/shellQuote';
import type { StepParams } from '../../src/core/playbook/steps';
import { buildStep, PLAYBOOK_STEPS, STEP_IDS, stepsForNode } from '../../src/core/playbook/steps';
import { buildManualRollback } from '../../src/core/playbook/rollbackManifest';
import { HASH_A } from './helpers';
import { execable, shellArgs, shellOutput } from './playbook-shell';

const TENANT = 'clz8k1m3p0000ab12cd34ef56';
const RELEASE = '9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d0f';
const BOT = {
  metadata: { name: 'incident-bot', namespace: 'monitoring' },
  spec: {
    replicas: 2,
    template: {
      spec: { containers: [{ name: 'incident-bot', env: [{ name: 'RISK_SCORE_THRESHOLD', value: '0.8' }] }] },
    },
  },
};

function fullParams(): StepParams {
  const rb = buildManualRollback({
    targetRelease: RELEASE,
    capsuleHash: HASH_A,
    tenantId: TENANT,
    now: new Date(1754403330512),
  });
  assert.ok(rb.ok);
  return {
    capsuleHash: HASH_A,
    tenantId: TENANT,
    endpoint: 'capsule-a.production.svc.cluster.local',
    replicas: 2,
    currentReplicas: 2,
    workloadNamespace: 'production',
    workloadDeployment: 'capsule-a',
    riskThreshold: 0.85,
    botDeployment: BOT,
    rollback: rb.manifest,
    rulesYaml: 'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: incident-response\n',
  };
}

test('every step has a unique id, a pfIncident.step.<id> command id, a title and known flowchart nodes', () => {
  const ids = new Set<string>();
  const nodes = new Set(FLOW_NODES.map((n) => n.id));
  assert.equal(PLAYBOOK_STEPS.length, STEP_IDS.length);
  for (const s of PLAYBOOK_STEPS) {
    assert.ok(!ids.has(s.id), s.id);
    ids.add(s.id);
    assert.equal(s.commandId, `pfIncident.step.${s.id}`);
    assert.match(s.id, /^[a-z][A-Za-z]+$/);
    assert.ok(s.title.length > 5);
    for (const n of s.nodes) assert.ok(nodes.has(n), `${s.id} node ${n}`);
  }
  assert.ok(stepsForNode('I').some((s) => s.id === 'showAttestorLiveness'));
  assert.ok(stepsForNode('L').some((s) => s.id === 'applyMonitoringRules'));
});

test('every step builds with complete parameters; changing steps say how to undo', () => {
  const p = fullParams();
  for (const id of STEP_IDS) {
    const r = buildStep(id, p);
    assert.ok(r.ok, `${id}: ${r.ok ? '' : r.error}`);
    const c = r.value;
    assert.equal(c.changing, PLAYBOOK_STEPS.find((s) => s.id === id)?.changing);
    assert.ok(c.invocations.length > 0);
    assert.ok(!/[\r\n]/.test(c.line), `${id} line is one line`);
    for (const inv of c.invocations) assert.equal(inv.argv[0], 'kubectl');
    if (c.changing) assert.ok(c.undo !== undefined, `${id} undo`);
    else assert.ok(!c.invocations.some((i) => i.argv.includes('--dry-run=server')));
  }
});

test('the real names from the fact sheet, not the seed playbook ones', () => {
  const p = fullParams();
  const line = (id: (typeof STEP_IDS)[number]): string => {
    const r = buildStep(id, p);
    assert.ok(r.ok);
    return r.value.line;
  };
  assert.equal(line('showRollbacks'), 'kubectl get rollbacks.ops.prov-fabric.io --sort-by=.metadata.creationTimestamp');
  assert.equal(line('showHelmReleases'), 'kubectl get helmreleases.helm.toolkit.fluxcd.io --all-namespaces -o wide');
  assert.equal(
    line('showHelmHistory'),
    'kubectl get secrets -n flux-system -l owner=helm,name=provability-fabric -L status,version',
  );
  assert.equal(
    line('pauseBot'),
    'kubectl scale deployment/incident-bot -n monitoring --replicas=0 --current-replicas=2',
  );
  assert.match(line('showSidecarLogs'), /-l pf\/enforce=true -c sidecar-watcher -n production/);
  assert.doesNotMatch(line('showCapsule'), /get capsules/);
  assert.match(line('queryTenantUsage'), /"UsageEvent" WHERE "tenantId" = :'\\''tenant'\\''/);
  assert.match(line('probeCapsuleEndpoint'), /ping -c 3 -W 2 capsule-a/);
  assert.equal(
    line('setRiskThreshold'),
    `kubectl patch deployment incident-bot -n monitoring --type=strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"incident-bot","env":[{"name":"RISK_SCORE_THRESHOLD","value":"0.85"}]}]}}}}'`,
  );
  const overridden = buildStep('pauseBot', { names: { botNamespace: 'default' } });
  assert.ok(overridden.ok);
  assert.equal(overridden.value.line, 'kubectl scale deployment/incident-bot -n default --replicas=0');
  assert.equal(typeof overridden.value.undo, 'string', 'no undo without the current replica count');
});

test('dry run adds --dry-run=server to changing steps only, and never to their undo', () => {
  const p = { ...fullParams(), dryRun: true };
  for (const s of PLAYBOOK_STEPS.filter((x) => x.changing)) {
    const r = buildStep(s.id, p);
    assert.ok(r.ok, s.id);
    assert.ok(
      r.value.invocations.every((i) => i.argv.includes('--dry-run=server')),
      s.id,
    );
    if (typeof r.value.undo === 'object') assert.ok(!r.value.undo.line.includes('dry-run'));
  }
});

test('the undo of a pause restores the remembered replicas; resume checks the bot is still paused', () => {
  const pause = buildStep('pauseBot', { currentReplicas: 3 });
  assert.ok(pause.ok && typeof pause.value.undo === 'object');
  assert.equal(
    pause.value.undo.line,
    'kubectl scale deployment/incident-bot -n monitoring --replicas=3 --current-replicas=0',
  );
  const resume = buildStep('resumeBot', { replicas: 3 });
  assert.ok(resume.ok);
  assert.equal(
    resume.value.line,
    'kubectl scale deployment/incident-bot -n monitoring --replicas=3 --current-replicas=0',
  );
});

test('shellQuote: a real /bin/sh gives back every hostile argument unchanged', () => {
  const values = HOSTILE_INPUTS.map((h) => h.value).filter(execable);
  const args = shellArgs(`kubectl ${values.map(shellQuote).join(' ')}`);
  assert.deepEqual(args, values);
  assert.equal(shellQuote("a'; rm -rf / #"), `'a'\\''; rm -rf / #'`);
  assert.equal(shellQuote('$(reboot)'), "'$(reboot)'");
  assert.equal(shellQuote(''), "''");
  assert.equal(shellJoin(['A=b', 'c']), "'A=b' c");
});

test('shellQuote round-trips any string through sh (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }).filter(execable), { maxLength: 6 }), (argv) => {
      assert.deepEqual(shellArgs(`kubectl ${argv.map(shellQuote).join(' ')}`), argv);
    }),
    { numRuns: 60 },
  );
});

test('printfPipe feeds multi-line stdin on one shell line', () => {
  const text = "apiVersion: v1\nkind: PrometheusRule\nsummary: 'it''s' $(x) `y`\n";
  const line = `${printfPipe(text)} cat`;
  assert.ok(!line.includes('\n'));
  assert.equal(shellOutput(line), text);
  const inv = invocationLine({ argv: ['kubectl', 'logs'], grep: '-v x' });
  assert.equal(inv, "kubectl logs | grep -F -e '-v x'");
});

test('hostile values in any parameter are refused with a one-line error, or come out inert', () => {
  const base = fullParams();
  const accepted = new Map<string, readonly string[]>();
  const keys = [
    'capsuleHash',
    'tenantId',
    'endpoint',
    'workloadNamespace',
    'workloadDeployment',
    'riskThreshold',
  ] as const;
  for (const h of HOSTILE_INPUTS) {
    for (const key of keys) {
      for (const id of STEP_IDS) {
        const r = buildStep(id, { ...base, [key]: h.value });
        if (!r.ok) {
          assert.ok(!/[\r\n\u2028\u2029\u202e\u0000]/.test(r.error), `${h.id} ${key} ${id}: one-line error`);
          assert.ok(r.error.length < 300);
          continue;
        }
        // Accepted: valid for its parameter (a token-shaped tenant id is still a tenant id), and argv survives sh.
        for (const inv of r.value.invocations) accepted.set(shellJoin(inv.argv), inv.argv.slice(1));
      }
    }
    // A token-shaped value is a well-formed name; only its secrecy is hostile (redaction covers that).
    if (h.categories.every((c) => c === 'secret')) continue;
    for (const name of [
      'botNamespace',
      'botDeployment',
      'botContainer',
      'botSelector',
      'postgresTarget',
      'helmRelease',
      'postgresUser',
    ] as const) {
      const r = buildStep('showBotLogs', { ...base, names: { [name]: h.value } });
      assert.ok(!r.ok, `${h.id} accepted as names.${name}`);
      assert.match(r.error, new RegExp(`^names\\.${name}: `));
    }
  }
  assert.ok(accepted.size > 10);
  for (const [line, argv] of accepted) assert.deepEqual(shellArgs(line), argv);
});

test('a step for an unknown id or with broken params returns an error, never throws', () => {
  fc.assert(
    fc.property(fc.constantFrom(...STEP_IDS), fc.dictionary(fc.string(), fc.anything()), (id, params) => {
      const r = buildStep(id, params as StepParams);
      assert.equal(typeof r.ok, 'boolean');
    }),
    { numRuns: 300 },
  );
  const r = buildStep('nope' as never, {});
  assert.ok(!r.ok);
});

test('the tenant query binds the id as a psql variable: the real psql lexer is not needed to see it is inert', () => {
  const r = buildStep('queryTenantUsage', { tenantId: TENANT });
  assert.ok(r.ok);
  const inv = r.value.invocations[0];
  assert.ok(inv?.stdin?.includes(`:'tenant'`));
  assert.ok(!inv?.stdin?.includes(TENANT), 'the id never becomes SQL text');
  assert.ok(inv?.argv.includes(`tenant=${TENANT}`));
});
