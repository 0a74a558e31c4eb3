#!/usr/bin/env node
// `npm run prerender-chart`: writes media/prerendered/flowchart.json, the triage flowchart for the default
// thresholds drawn once per mermaid theme the panel uses ('default' for light themes, 'dark' otherwise), which the
// panel shows on its first open instead of loading mermaid (5 MB) and rendering.
//
// It is drawn the way the webview draws it: the same bundle (dist/webview/mermaid.js, built by esbuild.mjs), the
// same rendering code and mermaid options (webview/mermaidRender.ts, src/shared/chartSvg.ts: startOnLoad false,
// securityLevel 'strict', parse before render), in Debian's Chromium launched as the test helpers launch it, in
// a page with the panel's stylesheet and layout. Before writing, it checks that the panel's font check
// (labelFit) finds every label fitting here and that it notices wider text. test/unit/prerenderedChart.test.ts
// fails when the file no longer matches the chart source or the mermaid version: run this script again then.
//
// usage: node test/tools/prerender-chart.mjs [--out FILE] [--no-build]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { ensureHost } from './host-setup.mjs';
import { launchBrowser, repoRoot } from './lib/code-server.mjs';

/* global document -- evaluate() callbacks run in the page */
const THEMES = ['default', 'dark'];
const { values: opts } = parseArgs({
  options: { out: { type: 'string' }, 'no-build': { type: 'boolean', default: false } },
});
const out = path.resolve(opts.out ?? path.join(repoRoot, 'media', 'prerendered', 'flowchart.json'));
const rel = (p) => path.relative(process.cwd(), p);

function fail(message) {
  console.error(`prerender-chart: ${message}`);
  process.exit(1);
}

if (!opts['no-build']) {
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) fail('node esbuild.mjs failed');
}
const mermaidBundle = path.join(repoRoot, 'dist', 'webview', 'mermaid.js');
const stylesheet = path.join(repoRoot, 'dist', 'webview', 'main.css');
for (const f of [mermaidBundle, stylesheet]) if (!fs.existsSync(f)) fail(`${rel(f)} is missing (run node esbuild.mjs)`);
const mermaidVersion = JSON.parse(
  fs.readFileSync(path.join(repoRoot, 'node_modules', 'mermaid', 'package.json'), 'utf8'),
).version;
const harness = await esbuild.build({
  entryPoints: [path.join(repoRoot, 'webview', 'prerenderHarness.ts')],
  bundle: true,
  write: false,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  logLevel: 'warning',
});
const host = ensureHost();
const chromium = execFileSync(host.chromium, ['--version'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'ignore'],
}).trim();

const browser = await launchBrowser({});
const charts = {};
let meta;
try {
  const { page } = browser;
  // The panel's layout (src/panel/html.ts) around the chart; VS Code's webview gives the body no text styles
  // that reach mermaid's labels (mermaid's own style rules set their font).
  await page.setContent(`<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"></head><body>
<div id="app"><main id="layout"><section id="chart-wrap"><div id="chart"></div></section><aside id="side"></aside></main></div>
</body></html>`);
  await page.addStyleTag({ path: stylesheet });
  await page.addScriptTag({ path: mermaidBundle });
  await page.addScriptTag({ content: harness.outputFiles[0].text });
  meta = await page.evaluate(() => ({
    sourceHash: globalThis.pfPrerender.sourceHash,
    options: globalThis.pfPrerender.options,
  }));
  for (const theme of THEMES) {
    const svg = await page.evaluate((t) => globalThis.pfPrerender.render(t), theme);
    const again = await page.evaluate((t) => globalThis.pfPrerender.render(t), theme);
    if (svg !== again) fail(`two renders of the ${theme} chart differ: mermaid's output is not deterministic here`);
    const fit = await page.evaluate((s) => globalThis.pfPrerender.showAndMeasure(s), svg);
    if (!fit || fit.misfits !== 0) {
      fail(`the panel's font check rejects the ${theme} chart where it was drawn: ${JSON.stringify(fit)}`);
    }
    // Wider text (as with another font) must make the check fail, or it would never redraw anywhere.
    const wider = await page.evaluate((s) => {
      const st = document.createElement('style');
      st.textContent = 'body { letter-spacing: 0.5px }';
      document.head.appendChild(st);
      try {
        return globalThis.pfPrerender.showAndMeasure(s);
      } finally {
        st.remove();
      }
    }, svg);
    if (!wider || wider.misfits === 0) {
      fail(`the panel's font check does not notice wider label text in the ${theme} chart: ${JSON.stringify(wider)}`);
    }
    charts[theme] = { sourceHash: meta.sourceHash, svg };
    console.log(
      `# ${theme}: ${svg.length} characters, ${fit.labels} labels fit here; with wider text ${wider.misfits} do not`,
    );
  }
} finally {
  await browser.close();
}

const file = {
  format: 'pf-prerendered-flowchart',
  version: 1,
  generator: 'npm run prerender-chart (test/tools/prerender-chart.mjs); do not edit',
  mermaidVersion,
  mermaidOptions: meta.options,
  renderedWith: chromium,
  charts,
};
fs.mkdirSync(path.dirname(out), { recursive: true });
const text = `${JSON.stringify(file, null, 2)}\n`;
const before = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : null;
fs.writeFileSync(out, text);
console.log(`${before === text ? 'unchanged' : 'wrote'} ${rel(out)} (mermaid ${mermaidVersion}, ${chromium})`);
process.exit(0);
