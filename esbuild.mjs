// Bundles the extension host code, the command-line interface and the webview client.
// Type checking is separate (`npm run typecheck`): esbuild only strips types.
import * as esbuild from 'esbuild';
import fs from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints errors in the `file:line:col: error: text` shape that VS Code's esbuild problem matcher reads. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
    });
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  plugins: [problemMatcher],
};

const configs = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['vscode'],
  },
  // The Kubernetes client (the adapter with @kubernetes/client-node bundled in) is its own file, loaded on the
  // first "Connect to Cluster", so activation never pays for it.
  {
    ...common,
    entryPoints: ['src/kube/clientNodeAdapter.ts'],
    outfile: 'dist/kube.js',
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
];
const webview = { ...common, platform: 'browser', format: 'iife', target: 'es2022', splitting: false };
configs.push(
  { ...webview, entryPoints: ['webview/main.ts'], outfile: 'dist/webview/main.js' },
  // mermaid as one IIFE (no chunk loading), loaded by the panel only when it has no cached SVG to show.
  {
    ...webview,
    entryPoints: ['webview/mermaidEntry.ts'],
    outfile: 'dist/webview/mermaid.js',
    minify: true,
    sourcemap: false,
  },
  { ...common, entryPoints: ['webview/main.css'], outfile: 'dist/webview/main.css', sourcemap: false },
);

if (watch) {
  const contexts = await Promise.all(configs.map((c) => esbuild.context(c)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(configs.map((c) => esbuild.build(c)));
  if (fs.existsSync('dist/cli.js')) fs.chmodSync('dist/cli.js', 0o755);
}
