// RBAC: a user without permissions gets `forbidden` with the exact missing permissions (from access reviews); a
// user with some permissions gets what is allowed and `forbidden` for the rest.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createClientNodeAdapter } from '../../src/kube/clientNodeAdapter';
import { RESTRICTED, Recorder, appendLog, env, randomHex, rpc, settings, sleep, waitFor } from './helpers';

const ALL = [
  'list rollbacks.ops.prov-fabric.io',
  'watch rollbacks.ops.prov-fabric.io',
  'list events in monitoring',
  'watch events in monitoring',
  'list deployments.apps in monitoring',
  'watch deployments.apps in monitoring',
  'list configmaps in monitoring',
  'watch configmaps in monitoring',
  'list pods in monitoring',
  'watch pods in monitoring',
  'get pods/log in monitoring',
];

describe('RBAC', () => {
  test('no permissions at all: forbidden naming every missing permission, no crash, slow retries', async () => {
    const rec = new Recorder();
    const conn = createClientNodeAdapter({ kubeconfigPaths: [env.restrictedKubeconfig] }).connect(
      RESTRICTED,
      settings(),
      rec,
    );
    try {
      await waitFor(
        'forbidden with every permission',
        () => rec.state?.kind === 'forbidden' && rec.state.missing.length === ALL.length,
        20_000,
        () => JSON.stringify(rec.states),
      );
      const st = rec.state;
      assert.ok(st?.kind === 'forbidden');
      assert.deepEqual([...st.missing].sort(), [...ALL].sort());
      assert.ok(!rec.stateKinds().includes('disconnected'), rec.stateKinds().join(' '));
      assert.equal(rec.deployments.length + rec.rollbacks.length + rec.configMaps.length + rec.chunks.length, 0);
      const r0 = conn.stats().requests;
      await sleep(5000);
      const s = conn.stats();
      // 4 lists + 11 access reviews up front; forbidden sources retry after 15 s, not in a loop.
      assert.ok(s.requests - r0 <= 2, `requests grew from ${r0} to ${s.requests}`);
      process.stdout.write(`# restricted user: ${JSON.stringify(st)}; stats ${JSON.stringify(s)}\n`);
    } finally {
      conn.dispose();
    }
  });

  test('partial permissions: allowed sources run, the rest is reported', async () => {
    const user = `pf-partial-${randomHex(2)}`;
    const kubeconfig = await rpc<string>('makeUserKubeconfig', user);
    await rpc('grantUser', user, {
      rules: [{ apiGroups: ['ops.prov-fabric.io'], resources: ['rollbacks'], verbs: ['get', 'list', 'watch'] }],
    });
    await rpc('grantUser', user, {
      namespace: 'monitoring',
      rules: [
        // resourceNames-limited: list/watch with fieldSelector metadata.name are authorised by name.
        {
          apiGroups: ['apps'],
          resources: ['deployments'],
          verbs: ['get', 'list', 'watch'],
          resourceNames: ['incident-bot'],
        },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['events'], verbs: ['list'] },
      ],
    });
    const rec = new Recorder();
    const conn = createClientNodeAdapter({ kubeconfigPaths: [kubeconfig] }).connect(RESTRICTED, settings(), rec);
    try {
      const expected = [
        'watch events in monitoring',
        'list configmaps in monitoring',
        'watch configmaps in monitoring',
        'get pods/log in monitoring',
      ];
      await waitFor(
        'forbidden with the missing rest',
        () =>
          rec.state?.kind === 'forbidden' && [...rec.state.missing].sort().join('|') === [...expected].sort().join('|'),
        30_000,
        () => JSON.stringify(rec.states.slice(-3)),
      );
      // What is allowed runs.
      await waitFor('deployment', () => rec.deployments.some((d) => d.value?.name === 'incident-bot'));
      assert.equal(rec.deployments.at(-1)?.value?.env.HEARTBEAT_MISSES_THRESHOLD, '3');
      const name = `rollback-partial-${randomHex(3)}`;
      await rpc('createRollback', { name });
      await waitFor('Rollback ADDED for the partial user', () =>
        rec.rollbackEvents(name).some((e) => e.type === 'ADDED'),
      );
      await rpc('deleteRollback', name);
      await waitFor('DELETED', () => rec.rollbackEvents(name).some((e) => e.type === 'DELETED'));
      appendLog([`partial-user-${randomHex(3)}`]);
      await sleep(500);
      assert.equal(rec.chunks.length, 0, 'no log access');
      assert.equal(rec.configMaps.length, 0);
      const s = conn.stats();
      assert.equal(s.activeLogStreams, 0);
      assert.ok(s.activeWatches >= 3, JSON.stringify(s)); // rollbacks, deployment, pods
      process.stdout.write(`# partial user: ${JSON.stringify(rec.state)}; stats ${JSON.stringify(s)}\n`);
    } finally {
      conn.dispose();
    }
  });
});
