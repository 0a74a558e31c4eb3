// Helpers of the cluster-action tests (actions, readSteps, exec/ledger): a scratch namespace per test file with its
// own objects, so that mutations never touch the seeded incident-bot the live tests watch.
import assert from 'node:assert/strict';
import { createClientNodeAdapter } from '../../src/kube/clientNodeAdapter';
import type { KubeAdapter } from '../../src/kube/types';
import { KubeError } from '../../src/kube/types';
import { env, kubectl, randomHex } from './helpers';

export function adminAdapter(): KubeAdapter {
  return createClientNodeAdapter({ kubeconfigPaths: [env.kubeconfig] });
}

export function adapterFor(kubeconfig: string): KubeAdapter {
  return createClientNodeAdapter({ kubeconfigPaths: [kubeconfig] });
}

export async function apply(objs: unknown[]): Promise<void> {
  const r = await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }));
  assert.equal(r.code, 0, r.stderr);
}

export async function getJson<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const r = await kubectl(['get', ...args, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

export async function scratchNamespace(prefix: string): Promise<string> {
  const ns = `${prefix}-${randomHex(3)}`;
  await apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { name: ns } } }]);
  return ns;
}

export async function deleteNamespace(ns: string): Promise<void> {
  await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
}

export function deployment(
  namespace: string,
  name: string,
  container: string,
  envs: { name: string; value?: string; valueFrom?: unknown }[] = [],
  replicas = 1,
): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: container, image: `ghcr.io/provability-fabric/${name}:test`, env: envs }] },
      },
    },
  };
}

/** Awaits a rejection and returns it as a KubeError (fails the test for anything else). */
export async function kubeError(p: Promise<unknown>): Promise<KubeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof KubeError, `expected a KubeError, got ${e instanceof Error ? e.stack : String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

export const hex64 = (): string => randomHex(32);
