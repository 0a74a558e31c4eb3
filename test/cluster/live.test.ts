// The live sources of one connection as the admin: Rollbacks, the bot Deployment, the maintenance ConfigMap, Events,
// the bot's logs through IncidentLogParser, pods coming and going, and dispose().
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClientNodeAdapter } from '../../src/kube/clientNodeAdapter';
import type { ClusterConnection } from '../../src/kube/types';
import { IncidentLogParser } from '../../src/core/parse/logParser';
import type { GuardTripInput } from '../../src/core/guardTrip';
import {
  ADMIN,
  Recorder,
  appendLog,
  count,
  env,
  guardTripLines,
  kubectl,
  logLines,
  randomHex,
  rpc,
  settings,
  sleep,
  waitFor,
} from './helpers';
import type { KubeObj } from './helpers';

describe('live connection (admin)', () => {
  const rec = new Recorder();
  let conn: ClusterConnection;
  let botPod = '';

  before(async () => {
    conn = createClientNodeAdapter({ kubeconfigPaths: [env.kubeconfig] }).connect(ADMIN, settings(), rec);
    const ms = await waitFor(
      'connected',
      () => rec.state?.kind === 'connected',
      20_000,
      () => JSON.stringify(rec.states),
    );
    await waitFor('a log stream', () => conn.stats().activeLogStreams === 1 && rec.pods().length === 1, 20_000);
    botPod = rec.pods()[0]!;
    process.stdout.write(`# connected after ${ms} ms; stats ${JSON.stringify(conn.stats())}\n`);
  });
  after(() => conn?.dispose());

  test('states: connecting then connected; five watches and one log stream', () => {
    assert.deepEqual(rec.stateKinds(), ['connecting', 'connected']);
    const s = conn.stats();
    assert.equal(s.activeWatches, 5, JSON.stringify(s)); // rollbacks, events, deployment, configmap, pods
    assert.equal(s.activeLogStreams, 1);
    assert.equal(s.relists, 0);
    assert.equal(s.logReconnects, 0);
    assert.ok(rec.relists.length >= 1, 'onRollbacksRelisted after the first list');
  });

  test('the bot Deployment arrives with the bot container env', () => {
    const info = rec.deployments.at(-1)?.value;
    assert.ok(info);
    assert.equal(info.name, 'incident-bot');
    assert.equal(info.namespace, 'monitoring');
    assert.deepEqual(info.selector, { app: 'incident-bot' });
    assert.equal(info.replicas, 1);
    assert.equal(info.env.RISK_SCORE_THRESHOLD, '0.8');
    assert.equal(info.env.HEARTBEAT_MISSES_THRESHOLD, '3');
    assert.equal(info.env.KAFKA_GROUP_ID, 'incident-bot-group');
    assert.ok(info.resourceVersion);
  });

  test('the maintenance ConfigMap arrives, and its changes', async () => {
    assert.deepEqual(rec.configMaps.at(-1)?.value, { active: 'false', window: '', reason: '' });
    const r = await kubectl([
      'patch',
      'configmap',
      'maintenance-status',
      '-n',
      'monitoring',
      '--type=merge',
      '-p',
      JSON.stringify({ data: { active: 'true', reason: 'db migration' } }),
    ]);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('configmap change', () => rec.configMaps.at(-1)?.value?.active === 'true');
    assert.deepEqual(rec.configMaps.at(-1)?.value, { active: 'true', window: '', reason: 'db migration' });
  });

  test('Rollbacks: ADDED, MODIFIED with each new status.phase, DELETED', async () => {
    const name = `rollback-live-${randomHex(3)}`;
    await rpc('createRollback', { name, tenantId: 'tenant-live' });
    await waitFor('ADDED', () => rec.rollbackEvents(name).some((e) => e.type === 'ADDED'));
    const added = rec.rollbackEvents(name).find((e) => e.type === 'ADDED')!.obj;
    assert.equal(added.kind, 'Rollback');
    assert.equal(added.apiVersion, 'ops.prov-fabric.io/v1alpha1');
    assert.equal((added.spec as { tenantId?: string }).tenantId, 'tenant-live');
    for (const phase of ['InProgress', 'Completed'] as const) {
      await rpc('setRollbackPhase', name, phase);
      await waitFor(`MODIFIED ${phase}`, () =>
        rec.rollbackEvents(name).some((e) => e.type === 'MODIFIED' && e.obj.status?.phase === phase),
      );
    }
    await rpc('deleteRollback', name);
    await waitFor('DELETED', () => rec.rollbackEvents(name).some((e) => e.type === 'DELETED'));
    assert.deepEqual(
      rec.rollbackEvents(name).map((e) => `${e.type}${e.obj.status?.phase ? ` ${String(e.obj.status.phase)}` : ''}`),
      ['ADDED', 'MODIFIED InProgress', 'MODIFIED Completed', 'DELETED Completed'],
    );
  });

  test('Events in the events namespace arrive', async () => {
    const name = `pf-test-event-${randomHex(3)}`;
    const r = await rpc<{ status: number; body: string }>('request', 'POST', '/api/v1/namespaces/monitoring/events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: 'monitoring' },
      involvedObject: { kind: 'Deployment', namespace: 'monitoring', name: 'incident-bot' },
      reason: 'RollbackRequested',
      message: 'test event',
      type: 'Warning',
      firstTimestamp: new Date().toISOString(),
      lastTimestamp: new Date().toISOString(),
      count: 1,
    });
    assert.equal(r.status, 201, r.body);
    await waitFor('the Event', () => rec.events.some((e) => e.value.obj.metadata?.name === name));
    const ev = rec.events.find((e) => e.value.obj.metadata?.name === name)!.value;
    assert.equal(ev.type, 'ADDED');
    assert.equal(ev.obj.kind, 'Event');
    assert.equal((ev.obj as KubeObj & { reason?: string }).reason, 'RollbackRequested');
  });

  test('GuardTrip lines appended to the bot log arrive in order, with timestamps, and parse into incidents', async () => {
    const high = guardTripLines({ risk: 0.92, misses: 1, rollback: true });
    const low = guardTripLines({ risk: 0.65, misses: 2, rollback: false, time: '2:17:45 PM' });
    const startLen = rec.logs.get(botPod)?.length ?? 0;
    appendLog(high.lines);
    await sleep(300);
    appendLog(low.lines);
    await waitFor(
      'both GuardTrips',
      () => (rec.logs.get(botPod) ?? '').includes(`No rollback needed for capsule ${low.hash}`),
      15_000,
    );
    const text = (rec.logs.get(botPod) ?? '').slice(startLen);
    for (const l of text.split('\n').filter(Boolean)) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z /, l);
    const lines = logLines(text);
    const expected = [...high.lines, ...low.lines];
    assert.deepEqual(
      lines.filter((l) => expected.includes(l)),
      expected,
      'every line once, in order',
    );
    // What LiveSession does with the chunks: one IncidentLogParser per pod.
    const parser = new IncidentLogParser();
    const incidents: GuardTripInput[] = [];
    for (const c of rec.chunks.filter((c) => c.value.pod === botPod)) {
      incidents.push(...parser.push(c.value.text, botPod));
    }
    incidents.push(...parser.end());
    const hi = incidents.find((i) => i.capsuleHash === high.hash);
    const lo = incidents.find((i) => i.capsuleHash === low.hash);
    assert.ok(hi && lo, `parsed ${incidents.map((i) => i.capsuleHash).join(', ')}`);
    assert.equal(hi.riskScore, 0.92);
    assert.equal(hi.heartbeatMisses, 1);
    assert.equal(hi.bot?.decision, 'rollback');
    assert.equal(hi.bot?.reasonKind, 'high_risk');
    assert.equal(hi.bot?.rollbackName, high.rollbackName);
    assert.equal(hi.origin?.stream, botPod);
    assert.ok(hi.ts && !Number.isNaN(Date.parse(hi.ts)), `ts ${hi.ts}`);
    assert.equal(lo.riskScore, 0.65);
    assert.equal(lo.heartbeatMisses, 2);
    assert.equal(lo.bot?.decision, 'no-rollback');
  });

  test('a throwing callback does not stop the stream', async () => {
    rec.throwIn = 'onLogChunk';
    const m1 = `callback-throws-${randomHex(4)}`;
    appendLog([m1]);
    await waitFor('line 1', () => (rec.logs.get(botPod) ?? '').includes(m1));
    rec.throwIn = null;
    const m2 = `after-throw-${randomHex(4)}`;
    appendLog([m2]);
    await waitFor('line 2', () => (rec.logs.get(botPod) ?? '').includes(m2));
    assert.equal(conn.stats().logReconnects, 0);
  });

  test('new pods are followed from their start, deleted pods are let go', async () => {
    const r = await kubectl(['scale', 'deployment/incident-bot', '-n', 'monitoring', '--replicas=2']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(
      'a second pod streaming',
      () => rec.pods().length === 2 && conn.stats().activeLogStreams === 2,
      30_000,
      () => JSON.stringify({ pods: rec.pods(), stats: conn.stats() }),
    );
    const second = rec.pods().find((p) => p !== botPod)!;
    // kwok serves the same file for every bot pod, so the new pod's stream starts with the look-back window.
    assert.ok((rec.logs.get(second) ?? '').includes('Starting Nest application'));
    const both = `both-pods-${randomHex(4)}`;
    appendLog([both]);
    await waitFor('the line from both pods', () =>
      [botPod, second].every((p) => count(logLines(rec.logs.get(p) ?? ''), both) === 1),
    );
    assert.equal(rec.deployments.at(-1)?.value?.replicas, 2);

    const r2 = await kubectl(['scale', 'deployment/incident-bot', '-n', 'monitoring', '--replicas=1']);
    assert.equal(r2.code, 0, r2.stderr);
    await waitFor(
      'one stream again',
      () => conn.stats().activeLogStreams === 1,
      60_000,
      () => JSON.stringify(conn.stats()),
    );
    const pods = await rpc<{ json: { items: KubeObj[] } }>(
      'request',
      'GET',
      '/api/v1/namespaces/monitoring/pods?labelSelector=app%3Dincident-bot',
    );
    const remaining = pods.json.items
      .filter((p) => !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp)
      .map((p) => p.metadata?.name);
    assert.equal(remaining.length, 1, JSON.stringify(remaining));
    const gone = [botPod, second].find((p) => p !== remaining[0])!;
    const lenGone = rec.logs.get(gone)?.length ?? 0;
    const last = `after-scale-down-${randomHex(4)}`;
    appendLog([last]);
    await waitFor('the line from the remaining pod', () => (rec.logs.get(remaining[0]!) ?? '').includes(last));
    await sleep(500);
    assert.equal(rec.logs.get(gone)?.length ?? 0, lenGone, 'nothing more from the deleted pod');
    botPod = remaining[0]!;
    assert.equal(rec.state?.kind, 'connected');
  });

  test('a rollout (changed env) replaces the pod: env update arrives, the new pod is followed', async () => {
    const known = new Set(rec.pods());
    const r = await kubectl([
      'patch',
      'deployment/incident-bot',
      '-n',
      'monitoring',
      '--type=json',
      '-p',
      JSON.stringify([
        {
          op: 'replace',
          path: '/spec/template/spec/containers/0/env/0',
          value: { name: 'RISK_SCORE_THRESHOLD', value: '0.85' },
        },
        {
          op: 'add',
          path: '/spec/template/spec/containers/0/env/-',
          value: { name: 'KAFKA_PASSWORD', valueFrom: { secretKeyRef: { name: 'kafka', key: 'password' } } },
        },
      ]),
    ]);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('env update', () => rec.deployments.at(-1)?.value?.env.RISK_SCORE_THRESHOLD === '0.85');
    assert.equal(rec.deployments.at(-1)?.value?.env.KAFKA_PASSWORD, '(from secret kafka/password)');
    const old = botPod;
    await waitFor('a new pod streaming', () => rec.pods().some((p) => !known.has(p)), 60_000);
    await waitFor(
      'old pod let go',
      () => conn.stats().activeLogStreams === 1,
      60_000,
      () => JSON.stringify(conn.stats()),
    );
    const newest = rec.pods().find((p) => !known.has(p))!;
    const marker = `after-rollout-${randomHex(4)}`;
    appendLog([marker]);
    await waitFor('line on the new pod', () => (rec.logs.get(newest) ?? '').includes(marker));
    assert.ok(!(rec.logs.get(old) ?? '').includes(marker));
  });

  test('dispose(): every watch and stream is closed, no callback afterwards', async () => {
    const before = conn.stats();
    assert.equal(before.activeWatches, 5);
    conn.dispose();
    const calls = rec.calls;
    appendLog([`after-dispose-${randomHex(4)}`]);
    await rpc('createRollback', { name: `rollback-after-dispose-${randomHex(3)}` });
    await sleep(2000);
    assert.equal(rec.calls, calls, 'no callback after dispose');
    const s = conn.stats();
    assert.equal(s.activeWatches, 0, JSON.stringify(s));
    assert.equal(s.activeLogStreams, 0, JSON.stringify(s));
    assert.equal(s.requests, before.requests, 'no request after dispose');
  });
});

describe('live connection to a cluster without the Rollback CRD', () => {
  // A group no CRD serves stands for a cluster where the Rollback CRD is not installed.
  const rec = new Recorder();
  let conn: ClusterConnection;

  before(async () => {
    conn = createClientNodeAdapter({ kubeconfigPaths: [env.kubeconfig] }).connect(
      ADMIN,
      settings({ rollbackGroup: 'absent.example.com' }),
      rec,
    );
    await waitFor(
      'connected',
      () => rec.state?.kind === 'connected',
      20_000,
      () => JSON.stringify(rec.states),
    );
    await waitFor('a log stream', () => conn.stats().activeLogStreams === 1, 20_000);
  });
  after(() => conn?.dispose());

  test('connected, naming what is not served; never "disconnected"; the other sources are live', async () => {
    const st = rec.state;
    assert.equal(st?.kind, 'connected');
    const unavailable = st?.kind === 'connected' ? st.unavailable : undefined;
    assert.equal(unavailable?.length, 1, JSON.stringify(st));
    assert.equal(unavailable?.[0]?.what, 'rollbacks.absent.example.com');
    assert.match(unavailable?.[0]?.error ?? '', /404|not found/i);
    assert.ok(!rec.stateKinds().includes('disconnected'), JSON.stringify(rec.stateKinds()));
    // Four watches (no Rollbacks) and the bot's log.
    assert.equal(conn.stats().activeWatches, 4, JSON.stringify(conn.stats()));
    await waitFor('the bot Deployment', () => rec.deployments.some((d) => d.value !== null), 20_000);
    // Not retried in a tight loop: two list attempts, then the slow absent backoff (10 s, growing to 5 min).
    const before = conn.stats().requests;
    await sleep(3000);
    assert.ok(conn.stats().requests - before <= 1, `${before} -> ${JSON.stringify(conn.stats())}`);
  });

  test('once the CRD is installed, the Rollbacks arrive and the warning goes', async () => {
    const crd = fs
      .readFileSync(path.resolve(__dirname, '../../../test/fixtures/cluster/rollback-crd.yaml'), 'utf8')
      .replaceAll('ops.prov-fabric.io', 'absent.example.com')
      .replace(/\n {4}shortNames:\n {6}- rb/, '');
    const applied = await kubectl(['apply', '-f', '-'], crd);
    assert.equal(applied.code, 0, applied.stderr);
    try {
      const ms = await waitFor(
        'connected without unavailable resources',
        () => rec.state?.kind === 'connected' && !rec.state.unavailable,
        60_000,
        () => JSON.stringify(rec.state),
      );
      assert.ok(rec.relists.length >= 1, 'the Rollbacks were listed');
      assert.equal(conn.stats().activeWatches, 5, JSON.stringify(conn.stats()));
      process.stdout.write(`# CRD installed -> Rollbacks watched after ${ms} ms\n`);
    } finally {
      await kubectl(['delete', 'crd', 'rollbacks.absent.example.com', '--wait=false']);
    }
  });
});
