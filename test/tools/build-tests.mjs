#!/usr/bin/env node
// Bundles the TypeScript tests with esbuild (type checking is `npm run typecheck`):
//   --unit         test/unit/**/*.test.ts      -> out/test/unit/*.test.js        (node:test, plain Node 20)
//   --integration  test/integration/*.ts       -> out/test/integration/*.js      (mocha inside the extension host)
// With neither flag both are built. Packages stay external so the real installed modules are used.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const all = !args.includes('--unit') && !args.includes('--integration');

function find(dir, re) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && re.test(d.name))
    .map((d) => path.join(d.parentPath ?? d.path, d.name));
}

async function build(entryPoints, outdir, extra = {}) {
  fs.rmSync(outdir, { recursive: true, force: true });
  if (entryPoints.length === 0) return;
  await esbuild.build({
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    packages: 'external',
    logLevel: 'warning',
    ...extra,
  });
}

if (all || args.includes('--unit')) {
  await build(find('test/unit', /\.test\.ts$/), 'out/test/unit', { outbase: 'test/unit' });
}
if (all || args.includes('--integration')) {
  await build(find('test/integration', /\.ts$/), 'out/test/integration', {
    outbase: 'test/integration',
    external: ['vscode'],
  });
}
