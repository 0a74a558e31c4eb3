import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildStep, resolveNames } from '../../src/core/playbook/steps';
import type { StepId } from '../../src/core/playbook/steps';
import type { PodSummary } from '../../src/kube/actionTypes';
import { KubeError } from '../../src/kube/types';
import { runReadStep } from '../../src/playbook/readStepRunner';
import { HASH_A } from './helpers';

const names = (() => {
  const n = resolveNames({});
  assert.ok(n.ok);
  return n.value;
})();

function pod(name: string, phase = 'Running'): PodSummary {
  return {
    namespace: 'monitoring',
    name,
    phase,
    ready: '1/1',
    restarts: 0,
    node: 'n',
    podIP: '10.0.0.1',
    labels: { app: 'incident-bot' },
    containers: ['incident-bot'],
    createdAt: '',
    owner: '',
    deleting: false,
  };
}

function kube(logs: (pod: string) => Promise<{ text: string; truncated: boolean }>) {
  return {
    listPodsAllNamespaces: async () => [pod('bot-1'), pod('bot-2', 'Pending')],
    podLogs: async (_c: string, r: { pod: string }) => logs(r.pod),
  } as unknown as Parameters<typeof runReadStep>[0];
}

const cmd = (id: StepId, p: Record<string, unknown> = {}) => {
  const b = buildStep(id, p);
  assert.ok(b.ok, b.ok ? '' : b.error);
  return b.value;
};

test("bot log lines: only the capsule's lines, prefixed by pod; a pod without logs is one line", async () => {
  const k = kube(async (p) => {
    if (p === 'bot-2') throw new KubeError('other', 'container is waiting to start');
    return { text: `t1 Processing GuardTrip event: ${HASH_A}\nt2 other line\n`, truncated: false };
  });
  const r = await runReadStep(k, 'ctx', 'showBotLogs', {
    command: cmd('showBotLogs', { capsuleHash: HASH_A }),
    names,
    capsuleHash: HASH_A,
  });
  const lines = r.text.split('\n').filter((l) => l.startsWith('[pod/'));
  assert.deepEqual(lines, [
    `[pod/bot-1/incident-bot] t1 Processing GuardTrip event: ${HASH_A}`,
    '[pod/bot-2] no logs (Pending): container is waiting to start',
  ]);
  assert.match(r.text, /^# kubectl logs /);
});

test('a missing permission fails the step with it', async () => {
  const k = kube(async () => {
    throw new KubeError('forbidden', 'no', 403, 'get pods/log in monitoring');
  });
  await assert.rejects(
    runReadStep(k, 'ctx', 'showBotDecisions', { command: cmd('showBotDecisions'), names }),
    (e: KubeError) => e.missing === 'get pods/log in monitoring',
  );
});

test('maintenance status from the watched ConfigMap, or kubectl only', async () => {
  const k = kube(async () => ({ text: '', truncated: false }));
  const r = await runReadStep(k, 'ctx', 'showMaintenanceStatus', {
    command: cmd('showMaintenanceStatus'),
    names,
    maintenance: { window: '02:00-04:00' },
  });
  assert.match(r.text, /window: "02:00-04:00"/);
  const none = await runReadStep(k, 'ctx', 'showMaintenanceStatus', { command: cmd('showMaintenanceStatus'), names });
  assert.equal(none.summary, 'kubectl only');
});
