// esbuild steps shared by the cluster tier (test-cluster.mjs) and the cluster benchmark (bench-cluster.mjs).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The shipped form of the adapter: src/kube/clientNodeAdapter.ts with client-node (ESM) and undici bundled into one
 * CommonJS file, as esbuild.mjs does for the extension. `entry` may name another TypeScript entry that imports the
 * adapter (the benchmark's driver), bundled the same way.
 */
export async function bundleAdapter(outfile, { entry = path.join(repoRoot, 'src/kube/clientNodeAdapter.ts') } = {}) {
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    logLevel: 'warning',
  });
  return outfile;
}
