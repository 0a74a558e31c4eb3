// Kubeconfig loading, namespaces, access reviews and error mapping, against the real API server.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClientNodeAdapter } from '../../src/kube/clientNodeAdapter';
import { KubeError } from '../../src/kube/types';
import { ADMIN, RESTRICTED, Recorder, env, kubeconfigWithServer, rpc, settings, waitFor } from './helpers';

function snapshot(files: string[]): { file: string; bytes: Buffer; mtimeMs: number }[] {
  return files.map((file) => ({ file, bytes: fs.readFileSync(file), mtimeMs: fs.statSync(file).mtimeMs }));
}

function assertOneLine(msg: string): void {
  assert.ok(msg.length > 0, 'empty message');
  assert.ok(!msg.includes('\n'), `message has several lines: ${JSON.stringify(msg)}`);
  assert.ok(!/\n\s+at /.test(msg) && !/HTTP-Code:/.test(msg), `message looks like a stack/dump: ${msg}`);
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('kubeconfig', () => {
  const savedEnv = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
  after(() => {
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  test('an explicit path: contexts with cluster, user, server; current-context as in the file', () => {
    const info = createClientNodeAdapter({ kubeconfigPaths: [env.kubeconfig] }).loadKubeconfig();
    assert.deepEqual(info.files, [path.resolve(env.kubeconfig)]);
    assert.equal(info.currentContext, ADMIN);
    assert.deepEqual(info.contexts, [{ name: ADMIN, cluster: 'pf-test', user: 'pf-admin', server: env.apiserverUrl }]);
  });

  test('KUBECONFIG with several paths is merged the kubectl way (first definition wins, missing files skipped)', () => {
    const withNs = path.join(env.scratch, 'extra-with-namespace.kubeconfig');
    fs.writeFileSync(
      withNs,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: pf-test', // same name as in the admin file: the admin file's entry must win, no "Duplicate cluster"
        '  cluster:',
        '    server: https://127.0.0.1:1',
        '- name: other',
        '  cluster:',
        '    server: https://other.example:6443',
        'users:',
        '- name: someone',
        '  user:',
        '    token: abc',
        'contexts:',
        '- name: other-ctx',
        '  context:',
        '    cluster: other',
        '    user: someone',
        '    namespace: production',
        'current-context: other-ctx',
        '',
      ].join('\n'),
    );
    process.env.KUBECONFIG = [
      env.kubeconfig,
      path.join(env.scratch, 'does-not-exist.kubeconfig'),
      env.restrictedKubeconfig,
      withNs,
    ].join(path.delimiter);
    const info = createClientNodeAdapter().loadKubeconfig();
    assert.deepEqual(
      info.files,
      [env.kubeconfig, env.restrictedKubeconfig, withNs].map((f) => path.resolve(f)),
    );
    assert.equal(info.currentContext, ADMIN, 'current-context comes from the first file that sets one');
    const byName = new Map(info.contexts.map((c) => [c.name, c]));
    assert.deepEqual([...byName.keys()].sort(), [ADMIN, 'other-ctx', RESTRICTED].sort());
    assert.equal(byName.get(RESTRICTED)?.user, 'pf-restricted');
    assert.equal(byName.get(RESTRICTED)?.server, env.apiserverUrl, 'cluster pf-test from the first file');
    assert.deepEqual(byName.get('other-ctx'), {
      name: 'other-ctx',
      cluster: 'other',
      user: 'someone',
      namespace: 'production',
      server: 'https://other.example:6443',
    });
  });

  test('no kubeconfig anywhere -> KubeError no-kubeconfig', () => {
    const emptyHome = fs.mkdtempSync(path.join(env.scratch, 'home-'));
    delete process.env.KUBECONFIG;
    process.env.HOME = emptyHome;
    try {
      assert.throws(
        () => createClientNodeAdapter().loadKubeconfig(),
        (e: unknown) =>
          e instanceof KubeError && e.kind === 'no-kubeconfig' && e.message.includes(path.join(emptyHome, '.kube')),
      );
      process.env.KUBECONFIG = path.join(emptyHome, 'nope-1') + path.delimiter + path.join(emptyHome, 'nope-2');
      assert.throws(
        () => createClientNodeAdapter().loadKubeconfig(),
        (e: unknown) => e instanceof KubeError && e.kind === 'no-kubeconfig' && /KUBECONFIG=/.test(e.message),
      );
      assert.throws(
        () => createClientNodeAdapter({ kubeconfigPaths: [path.join(emptyHome, 'x')] }).loadKubeconfig(),
        (e: unknown) => e instanceof KubeError && e.kind === 'no-kubeconfig',
      );
    } finally {
      process.env.HOME = savedEnv.HOME;
    }
  });

  test('~/.kube/config is the default when KUBECONFIG is unset', () => {
    const home = fs.mkdtempSync(path.join(env.scratch, 'home-'));
    fs.mkdirSync(path.join(home, '.kube'));
    fs.copyFileSync(env.kubeconfig, path.join(home, '.kube', 'config'));
    delete process.env.KUBECONFIG;
    process.env.HOME = home;
    try {
      const info = createClientNodeAdapter().loadKubeconfig();
      assert.deepEqual(info.files, [path.join(home, '.kube', 'config')]);
      assert.equal(info.currentContext, ADMIN);
    } finally {
      process.env.HOME = savedEnv.HOME;
    }
  });

  test('loading, listing, access reviews and connecting to a non-current context leave the files byte-identical', async () => {
    const files = [env.kubeconfig, env.restrictedKubeconfig];
    const before = snapshot(files);
    const adapter = createClientNodeAdapter({ kubeconfigPaths: files });
    adapter.loadKubeconfig();
    assert.ok((await adapter.listNamespaces(ADMIN)).includes('monitoring'));
    await assert.rejects(adapter.listNamespaces(RESTRICTED), (e: unknown) => e instanceof KubeError);
    await adapter.canI(RESTRICTED, { verb: 'list', resource: 'pods', namespace: 'monitoring' });
    // RESTRICTED is not the current context of the merged config: selecting it must stay in memory.
    const rec = new Recorder();
    const conn = adapter.connect(RESTRICTED, settings(), rec);
    await waitFor('a state past connecting', () => rec.states.length >= 2, 15_000);
    conn.dispose();
    const conn2 = adapter.connect(ADMIN, settings(), new Recorder());
    await new Promise((r) => setTimeout(r, 500));
    conn2.dispose();
    const afterSnap = snapshot(files);
    for (let i = 0; i < files.length; i++) {
      assert.ok(before[i]!.bytes.equals(afterSnap[i]!.bytes), `${files[i]} changed`);
      assert.equal(afterSnap[i]!.mtimeMs, before[i]!.mtimeMs, `${files[i]} was written`);
    }
    assert.equal(adapter.loadKubeconfig().currentContext, ADMIN);
  });
});

describe('namespaces and access reviews', () => {
  const adapter = createClientNodeAdapter({ kubeconfigPaths: [env.kubeconfig, env.restrictedKubeconfig] });
  let caniKubeconfig = '';
  before(async () => {
    // A user of its own, so grants here do not change what other test files see of pf-restricted.
    caniKubeconfig = await rpc<string>('makeUserKubeconfig', 'pf-cani');
    await rpc('grantUser', 'pf-cani', {
      namespace: 'monitoring',
      rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] }],
    });
  });

  test('listNamespaces: the seeded namespaces, sorted', async () => {
    const ns = await adapter.listNamespaces(ADMIN);
    for (const n of ['default', 'flux-system', 'kube-system', 'monitoring', 'production']) assert.ok(ns.includes(n), n);
    assert.deepEqual(ns, [...ns].sort());
  });

  test('listNamespaces without RBAC: KubeError forbidden naming "list namespaces", one line', async () => {
    await assert.rejects(adapter.listNamespaces(RESTRICTED), (e: unknown) => {
      assert.ok(e instanceof KubeError);
      assert.equal(e.kind, 'forbidden');
      assert.equal(e.status, 403);
      assert.equal(e.missing, 'list namespaces');
      assert.match(e.message, /pf-restricted.*cannot list resource "namespaces"/);
      assertOneLine(e.message);
      return true;
    });
  });

  test('canI: admin may, restricted may not; the API group is sent (deployments.apps vs the core group)', async () => {
    assert.deepEqual(
      (await adapter.canI(ADMIN, { verb: 'create', resource: 'rollbacks', group: 'ops.prov-fabric.io' })).allowed,
      true,
    );
    assert.equal(
      (await adapter.canI(RESTRICTED, { verb: 'list', resource: 'rollbacks', group: 'ops.prov-fabric.io' })).allowed,
      false,
    );
    const cani = createClientNodeAdapter({ kubeconfigPaths: [caniKubeconfig] });
    const ctx = RESTRICTED; // makeUserKubeconfig always names the context pf-test-restricted
    const apps = await cani.canI(ctx, { verb: 'get', resource: 'deployments', group: 'apps', namespace: 'monitoring' });
    assert.equal(apps.allowed, true, JSON.stringify(apps));
    assert.match(apps.reason ?? '', /RBAC: allowed/);
    assert.equal(
      (await cani.canI(ctx, { verb: 'get', resource: 'deployments.apps', namespace: 'monitoring' })).allowed,
      true,
      '"resource.group" shorthand',
    );
    // Without the group the server checks the core group: the Headlamp #1490 trap.
    assert.equal(
      (await cani.canI(ctx, { verb: 'get', resource: 'deployments', namespace: 'monitoring' })).allowed,
      false,
    );
    assert.equal(
      (await cani.canI(ctx, { verb: 'get', resource: 'deployments', group: 'apps', namespace: 'production' })).allowed,
      false,
    );
    assert.equal(
      (await cani.canI(ctx, { verb: 'get', resource: 'pods', subresource: 'log', namespace: 'monitoring' })).allowed,
      false,
    );
    assert.equal(
      (await adapter.canI(ADMIN, { verb: 'get', resource: 'pods/log', namespace: 'monitoring' })).allowed,
      true,
    );
  });

  test('an unknown context is a not-found KubeError; connect reports it as disconnected', async () => {
    await assert.rejects(
      adapter.listNamespaces('no-such-context'),
      (e: unknown) => e instanceof KubeError && e.kind === 'not-found' && /no-such-context/.test(e.message),
    );
    const rec = new Recorder();
    const conn = adapter.connect('no-such-context', settings(), rec);
    await waitFor('disconnected', () => rec.state?.kind === 'disconnected');
    assert.deepEqual(rec.stateKinds(), ['connecting', 'disconnected']);
    conn.dispose();
  });
});

describe('unreachable API server', () => {
  test('listNamespaces/canI: KubeError unreachable, one line naming ECONNREFUSED and the server', async () => {
    const port = await closedPort();
    const file = kubeconfigWithServer(`https://127.0.0.1:${port}`, path.join(env.scratch, 'closed-port.kubeconfig'));
    const adapter = createClientNodeAdapter({ kubeconfigPaths: [file] });
    for (const call of [
      () => adapter.listNamespaces(ADMIN),
      () => adapter.canI(ADMIN, { verb: 'get', resource: 'pods' }),
    ]) {
      await assert.rejects(call(), (e: unknown) => {
        assert.ok(e instanceof KubeError, String(e));
        assert.equal(e.kind, 'unreachable', e.message);
        assert.match(e.message, /ECONNREFUSED/);
        assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        assertOneLine(e.message);
        return true;
      });
    }
  });

  test('connect: connecting -> disconnected (since, one-line error), retries with backoff, no flood', async () => {
    const port = await closedPort();
    const file = kubeconfigWithServer(`https://127.0.0.1:${port}`, path.join(env.scratch, 'closed-port-2.kubeconfig'));
    const rec = new Recorder();
    const started = Date.now();
    const conn = createClientNodeAdapter({ kubeconfigPaths: [file] }).connect(ADMIN, settings(), rec);
    await waitFor('disconnected', () => rec.state?.kind === 'disconnected');
    const st = rec.state;
    assert.ok(st?.kind === 'disconnected');
    assert.ok(Math.abs(Date.parse(st.since) - started) < 5000, st.since);
    assert.match(st.error, /ECONNREFUSED/);
    assertOneLine(st.error);
    assert.equal(rec.stateKinds()[0], 'connecting');
    await new Promise((r) => setTimeout(r, 4000));
    const s = conn.stats();
    // 4 informers: first attempt + retries at ~1, 2 (, 4) s: about 12-16 requests, not hundreds.
    assert.ok(s.requests >= 8 && s.requests <= 24, JSON.stringify(s));
    assert.equal(s.activeWatches, 0);
    assert.ok(s.relists >= 4, JSON.stringify(s));
    assert.deepEqual([...new Set(rec.stateKinds())], ['connecting', 'disconnected'], 'one outage, reported once');
    conn.dispose();
    const calls = rec.calls;
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(rec.calls, calls, 'no callback after dispose');
  });
});
