// The playbook's read-only steps as the extension runs them (src/playbook/readStepRunner.ts: the adapter call and
// the text of the result document) against the real API server and the seeded Provability-Fabric objects.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StepId, StepParams } from '../../src/core/playbook/steps';
import { buildStep, resolveNames } from '../../src/core/playbook/steps';
import { namesFromSettings, runReadStep } from '../../src/playbook/readStepRunner';
import { adapterFor, adminAdapter } from './actionHelpers';
import { SEEDED_CAPSULE } from '../tools/cluster/seeded.mjs';
import { ADMIN, RESTRICTED, appendLog, env, randomHex, rpc, settings } from './helpers';

const adapter = adminAdapter();

async function run(id: StepId, params: StepParams = {}, kube = adapter, context = ADMIN) {
  const names = namesFromSettings(settings());
  const built = buildStep(id, { ...params, names });
  assert.ok(built.ok, built.ok ? '' : built.error);
  const n = resolveNames(names);
  assert.ok(n.ok);
  return runReadStep(kube, context, id, {
    command: built.value,
    names: n.value,
    ...(params.capsuleHash ? { capsuleHash: params.capsuleHash } : {}),
    ...(params.tenantId ? { tenantId: params.tenantId } : {}),
  });
}

describe('playbook read steps through the extension runner', () => {
  test("the incident's bot log lines: only lines naming the capsule, from every bot pod, with the kubectl line", async () => {
    const hash = `sha256:${randomHex(32)}`;
    appendLog([
      `[Nest] 1  - 08/05/2025, 2:15:30 PM     LOG [KafkaService] Processing GuardTrip event: ${hash} (risk: 0.93)`,
      `[Nest] 1  - 08/05/2025, 2:15:30 PM     LOG [KafkaService] unrelated ${randomHex(4)}`,
    ]);
    await rpc('syncLogs');
    let r = await run('showBotLogs', { capsuleHash: hash });
    for (let i = 0; i < 50 && !r.text.includes(hash); i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await run('showBotLogs', { capsuleHash: hash });
    }
    assert.equal(r.language, 'log');
    assert.match(r.text, /^# kubectl logs -l app=incident-bot -n monitoring/);
    const lines = r.text.split('\n').filter((l) => l.startsWith('[pod/'));
    assert.ok(lines.length >= 1, r.text);
    for (const l of lines) assert.ok(l.includes(hash) || /no logs/.test(l), l);
    assert.match(r.summary, /lines from \d+ bot pods/);
  });

  test('system status, Rollbacks, events and network policies render', async () => {
    const status = await run('showSystemStatus');
    assert.match(status.text, /NAMESPACE\s+NAME\s+READY\s+STATUS/);
    assert.match(status.text, /monitoring\s+incident-bot-/);
    const rollbacks = await run('showRollbacks');
    assert.equal(rollbacks.language, 'yaml');
    assert.match(rollbacks.summary, /^\d+ Rollbacks$/);
    const events = await run('showEvents');
    assert.match(events.text, /TIME\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    const net = await run('showNetworkPolicies');
    assert.match(net.summary, /\d+ policies, \d+ endpoint slices/);
    const tenant = await run('showTenantPods', { tenantId: `tenant-${randomHex(3)}` });
    assert.equal(tenant.summary, '0 pods of the tenant');
  });

  test("the attestor's and the enforced pods' sidecar-watcher logs, and the seeded capsule pod of its tenant", async () => {
    const attestor = await run('showAttestorLogs');
    assert.match(attestor.text, /INFO attestor: Received heartbeat from sha256:/);
    assert.match(attestor.summary, /^[1-9]\d* lines from 1 attestor pods$/);
    const sidecar = await run('showSidecarLogs');
    assert.match(sidecar.text, /WARN sidecar_watcher: Guard trip: Spam score too high: 0\.93 > 0\.80/);
    assert.match(sidecar.summary, /^[1-9]\d* lines from 1 pods$/);
    const pods = await run('showTenantPods', { tenantId: SEEDED_CAPSULE.tenantId });
    assert.equal(pods.summary, '1 pods of the tenant');
    assert.match(pods.text, new RegExp(`name: ${SEEDED_CAPSULE.name}-[a-z0-9]+-[a-z0-9]+\\n`));
    assert.match(pods.text, new RegExp(`namespace: ${SEEDED_CAPSULE.namespace}\\n`));
    assert.match(pods.text, /matchedBy:\n {2}- env TENANT_ID of container sidecar-watcher\n/);
  });

  test('the restricted user: the step fails with the missing permission', async () => {
    const restricted = adapterFor(env.restrictedKubeconfig);
    await assert.rejects(run('showSystemStatus', {}, restricted, RESTRICTED), (e: { missing?: string }) => {
      assert.match(e.missing ?? '', /list pods/);
      return true;
    });
  });
});
