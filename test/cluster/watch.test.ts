// Watches the server ends on schedule (timeoutSeconds) are resumed from their resourceVersion: no relist, nothing
// missed. The 5-7 minute production timeout is shortened to 2 s for this file's process.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createClientNodeAdapter } from '../../src/kube/clientNodeAdapter';
import { informerTuning } from '../../src/kube/informer';
import { ADMIN, Recorder, env, randomHex, rpc, settings, sleep, waitFor } from './helpers';

describe('watch expiry', () => {
  test('a watch ended by the server is re-opened from its resourceVersion, without a relist', async () => {
    informerTuning.watchTimeoutSeconds = () => 2;
    const rec = new Recorder();
    const conn = createClientNodeAdapter({ kubeconfigPaths: [env.kubeconfig] }).connect(ADMIN, settings(), rec);
    try {
      await waitFor('connected', () => rec.state?.kind === 'connected', 20_000);
      const s0 = conn.stats();
      await sleep(7000);
      const name = `rollback-watch-expiry-${randomHex(3)}`;
      await rpc('createRollback', { name });
      await waitFor('ADDED after several re-watches', () => rec.rollbackEvents(name).some((e) => e.type === 'ADDED'));
      await rpc('setRollbackPhase', name, 'Completed');
      await waitFor('MODIFIED', () => rec.rollbackEvents(name).some((e) => e.type === 'MODIFIED'));
      const s1 = conn.stats();
      const rewatches = s1.requests - s0.requests;
      process.stdout.write(
        `# watch expiry (2 s): ${rewatches} re-watches in ~7.5 s for 5 watches; stats ${JSON.stringify(s1)}\n`,
      );
      // 5 watches each re-opened about every 2 s (plus the time to re-open).
      assert.ok(rewatches >= 10 && rewatches <= 30, `${rewatches}`);
      assert.equal(s1.relists, 0, 'a scheduled end is not a relist');
      assert.equal(rec.relists.length, 1, 'no second full list');
      assert.equal(s1.activeWatches, 5);
      assert.deepEqual(rec.stateKinds(), ['connecting', 'connected']);
    } finally {
      conn.dispose();
    }
  });
});
