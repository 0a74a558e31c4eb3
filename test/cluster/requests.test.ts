// Steady-state cost: requests per quiet 30 s window, before and after 200 more Rollbacks exist. Watches (not polling)
// mean the number does not depend on how many objects there are.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClientNodeAdapter } from '../../src/kube/clientNodeAdapter';
import type { ClusterConnection, ConnectionStats } from '../../src/kube/types';
import { ADMIN, Recorder, env, randomHex, rpc, settings, sleep, waitFor } from './helpers';

const WINDOW_MS = 30_000;

async function quietWindow(
  conn: ClusterConnection,
): Promise<{ delta: number; start: ConnectionStats; end: ConnectionStats }> {
  const start = conn.stats();
  await sleep(WINDOW_MS);
  const end = conn.stats();
  return { delta: end.requests - start.requests, start, end };
}

describe('request count in steady state', () => {
  const rec = new Recorder();
  let conn: ClusterConnection;
  before(async () => {
    conn = createClientNodeAdapter({ kubeconfigPaths: [env.kubeconfig] }).connect(ADMIN, settings(), rec);
    await waitFor('connected', () => rec.state?.kind === 'connected', 20_000);
    await waitFor('log stream', () => conn.stats().activeLogStreams >= 1, 20_000);
    await sleep(1000);
  });
  after(() => conn?.dispose());

  test('a quiet 30 s window costs (almost) no request, and 200 more Rollbacks change nothing', async () => {
    const a = await quietWindow(conn);
    const existing = rec.relists[0]?.value.length ?? 0;

    const tag = randomHex(3);
    const names = Array.from({ length: 200 }, (_, i) => `rollback-bulk-${tag}-${String(i).padStart(3, '0')}`);
    const created = Date.now();
    for (let i = 0; i < names.length; i += 20) {
      await Promise.all(names.slice(i, i + 20).map((name) => rpc('createRollback', { name })));
    }
    const createMs = Date.now() - created;
    const seen = (): number =>
      new Set(rec.rollbacks.filter((r) => r.value.type === 'ADDED').map((r) => r.value.obj.metadata?.name)).size;
    const base = seen();
    await waitFor(
      '200 ADDED',
      () => names.every((n) => rec.rollbackEvents(n).length > 0),
      60_000,
      () => `${seen() - base}`,
    );
    const arrivedMs = Date.now() - created;
    await sleep(1000);
    const b = await quietWindow(conn);

    const report = {
      windowSeconds: WINDOW_MS / 1000,
      rollbacksBefore: existing,
      rollbacksAfter: existing + names.length,
      requestsWindowBefore: a.delta,
      requestsWindowAfter: b.delta,
      requestsForCreatingPhase: b.start.requests - a.end.requests,
      statsAtEnd: b.end,
      createMs,
      allAddedAfterMs: arrivedMs,
    };
    process.stdout.write(`# request count: ${JSON.stringify(report)}\n`);
    assert.ok(a.delta <= 2, `window before: ${a.delta} requests`);
    assert.ok(b.delta <= 2, `window after 200 more Rollbacks: ${b.delta} requests`);
    assert.ok(b.delta <= a.delta + 1, `grew from ${a.delta} to ${b.delta}`);
    assert.equal(b.start.requests - a.end.requests, 0, '200 creations arrive over the open watch, no extra request');
    assert.equal(b.end.activeWatches, 5);
    assert.equal(b.end.relists, 0);
  });
});
