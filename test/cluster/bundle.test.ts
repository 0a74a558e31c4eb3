// The shipped form: the adapter with @kubernetes/client-node (ESM) and undici bundled into one CommonJS file by
// esbuild (platform node, target node22), as dist/extension.js carries it, loaded in this Node 24 process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import type { KubeAdapter } from '../../src/kube/types';
import { ADMIN, Recorder, env, randomHex, rpc, settings, waitFor } from './helpers';

describe('bundled adapter (client-node inlined, CJS)', () => {
  test('loads on Node >= 22.19 and works against the cluster', async () => {
    const load = createRequire(`${process.cwd()}/`);
    const mod = load(env.adapterBundle) as { createClientNodeAdapter(o?: { kubeconfigPaths?: string[] }): KubeAdapter };
    const adapter = mod.createClientNodeAdapter({ kubeconfigPaths: [env.kubeconfig] });
    assert.equal(adapter.loadKubeconfig().currentContext, ADMIN);
    assert.ok((await adapter.listNamespaces(ADMIN)).includes('monitoring'));
    const rec = new Recorder();
    const conn = adapter.connect(ADMIN, settings(), rec);
    try {
      await waitFor('connected', () => rec.state?.kind === 'connected', 20_000);
      const name = `rollback-bundle-${randomHex(3)}`;
      await rpc('createRollback', { name });
      await waitFor('ADDED', () => rec.rollbackEvents(name).some((e) => e.type === 'ADDED'));
      await waitFor('log text', () => rec.chunks.length > 0, 20_000);
      await rpc('deleteRollback', name);
    } finally {
      conn.dispose();
    }
  });

  test('(diagnostic) the same bundle on the machine `node`', (t) => {
    const r = spawnSync('node', ['-e', `require(${JSON.stringify(env.adapterBundle)}); console.log(process.version)`], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    const err = (r.stderr || '').split('\n').find((l) => /Error/.test(l)) ?? '';
    t.diagnostic(
      r.status === 0
        ? `loads on ${r.stdout.trim()}`
        : `fails on ${spawnSync('node', ['--version'], { encoding: 'utf8' }).stdout.trim()}: ${err.trim()} (client-node 2.x needs Node >= 22.19; the unit tier must not import the adapter)`,
    );
  });
});
