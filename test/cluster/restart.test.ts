// kube-apiserver restarts under a live connection (cluster.restartApiServer(): same port, same etcd data).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClientNodeAdapter } from '../../src/kube/clientNodeAdapter';
import type { ClusterConnection } from '../../src/kube/types';
import { ADMIN, Recorder, appendLog, count, env, logLines, randomHex, rpc, settings, sleep, waitFor } from './helpers';

describe('API server restart', () => {
  const rec = new Recorder();
  let conn: ClusterConnection;
  let pod = '';

  before(async () => {
    conn = createClientNodeAdapter({ kubeconfigPaths: [env.kubeconfig] }).connect(ADMIN, settings(), rec);
    await waitFor('connected', () => rec.state?.kind === 'connected', 20_000);
    await waitFor('one log stream', () => conn.stats().activeLogStreams === 1 && rec.pods().length === 1, 20_000);
    pod = rec.pods()[0]!;
  });
  after(() => conn?.dispose());

  test('disconnected then connected; every log line before, during and after arrives exactly once; watches resume', async () => {
    const tag = randomHex(3);
    const before = Array.from({ length: 10 }, (_, i) => `restart-${tag} before ${i}`);
    const during = Array.from({ length: 10 }, (_, i) => `restart-${tag} during ${i}`);
    const after = Array.from({ length: 10 }, (_, i) => `restart-${tag} after ${i}`);
    // The same text twice in one burst (same kwok timestamp): both must arrive, once each time.
    const dup = `restart-${tag} duplicate text`;

    const kept = await rpc<{ metadata: { name: string } }>('createRollback', { name: `rollback-pre-restart-${tag}` });
    await waitFor('pre-restart Rollback', () => rec.rollbackEvents(kept.metadata.name).length > 0);

    appendLog(before.slice(0, 5));
    await sleep(200);
    appendLog(before.slice(5));
    await waitFor('lines before', () => (rec.logs.get(pod) ?? '').includes(before.at(-1)!));
    const statsBefore = conn.stats();

    const restartStarted = Date.now();
    const restart = rpc('restartApiServer', { downMs: 3000 });
    await waitFor(
      'disconnected',
      () => rec.state?.kind === 'disconnected',
      15_000,
      () => JSON.stringify(rec.states),
    );
    const disconnectedAfter = Date.now() - restartStarted;
    appendLog(during.slice(0, 4));
    await sleep(400);
    appendLog([...during.slice(4, 7), dup, dup]);
    await sleep(400);
    appendLog(during.slice(7));
    await restart;
    const restartMs = Date.now() - restartStarted;
    appendLog(after.slice(0, 5));
    const created = await rpc<{ metadata: { name: string } }>('createRollback', {
      name: `rollback-post-restart-${tag}`,
    });
    await rpc('setRollbackPhase', kept.metadata.name, 'Failed', { message: 'changed after the restart' });
    appendLog(after.slice(5));

    await waitFor(
      'connected again',
      () => rec.state?.kind === 'connected',
      60_000,
      () => JSON.stringify(rec.states),
    );
    const reconnectedAfter = Date.now() - restartStarted;
    await waitFor(
      'Rollback created after the restart',
      () => rec.rollbackEvents(created.metadata.name).some((e) => e.type === 'ADDED'),
      60_000,
    );
    await waitFor(
      'Rollback changed after the restart',
      () =>
        rec.rollbackEvents(kept.metadata.name).some((e) => e.type === 'MODIFIED' && e.obj.status?.phase === 'Failed'),
      60_000,
    );
    await waitFor(
      'lines after',
      () => (rec.logs.get(pod) ?? '').includes(after.at(-1)!),
      60_000,
      () => (rec.logs.get(pod) ?? '').slice(-2000),
    );
    await sleep(1500); // anything duplicated late would show up now

    const lines = logLines(rec.logs.get(pod) ?? '');
    for (const l of [...before, ...during, ...after]) {
      assert.equal(count(lines, l), 1, `${l}: ${count(lines, l)} times`);
    }
    assert.equal(count(lines, dup), 2, 'a line written twice arrives twice');
    const ours = lines.filter((l) => l.startsWith(`restart-${tag} `) && l !== dup);
    assert.deepEqual(ours, [...before, ...during, ...after], 'in order');

    const states = rec.states.map((s) => s.value);
    const kinds = rec.stateKinds();
    const iDisc = kinds.indexOf('disconnected');
    assert.ok(iDisc > 0 && kinds.slice(iDisc).includes('connected'), kinds.join(' '));
    const disc = states[iDisc];
    assert.ok(disc?.kind === 'disconnected');
    assert.ok(!Number.isNaN(Date.parse(disc.since)) && Date.parse(disc.since) >= restartStarted - 1000, disc.since);
    assert.ok(disc.error && !disc.error.includes('\n'), disc.error);
    assert.ok(
      states.filter((s) => s.kind === 'disconnected').every((s) => s.kind === 'disconnected' && s.since === disc.since),
      'one outage, one since',
    );
    const s = conn.stats();
    assert.ok(s.relists > statsBefore.relists, `relists ${JSON.stringify(s)}`);
    assert.ok(s.logReconnects > statsBefore.logReconnects, `logReconnects ${JSON.stringify(s)}`);
    assert.equal(s.activeWatches, 5);
    assert.equal(s.activeLogStreams, 1);
    process.stdout.write(
      `# restart: disconnected after ${disconnectedAfter} ms, restart took ${restartMs} ms, connected again after ${reconnectedAfter} ms; ` +
        `states ${kinds.join(' > ')}; error "${disc.error}"; Rollback lists ${rec.relists.length}; stats before ${JSON.stringify(statsBefore)} after ${JSON.stringify(s)}\n`,
    );
  });

  test('a second restart with a crash (SIGKILL) and a longer outage is survived too', async () => {
    const tag = randomHex(3);
    const lines = Array.from({ length: 6 }, (_, i) => `crash-${tag} ${i}`);
    const restart = rpc('restartApiServer', { downMs: 5000, signal: 'SIGKILL' });
    await waitFor('disconnected', () => rec.state?.kind === 'disconnected', 15_000);
    appendLog(lines.slice(0, 3));
    await restart;
    appendLog(lines.slice(3));
    await waitFor('connected again', () => rec.state?.kind === 'connected', 60_000);
    await waitFor('all lines', () => (rec.logs.get(pod) ?? '').includes(lines.at(-1)!), 60_000);
    await sleep(1000);
    const got = logLines(rec.logs.get(pod) ?? '');
    for (const l of lines) assert.equal(count(got, l), 1, l);
  });
});
