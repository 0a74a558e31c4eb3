#!/usr/bin/env node
// UI tests against the packaged extension: builds the .vsix, installs it into a fresh code-server, opens the
// workbench in headless Chromium and runs every test/ui/*.ui.mjs file in name order on that one page.
// Each file exports `default async function ({ page, cs, outDir, workspace, helpers })`, where helpers
// is lib/code-server.mjs (runCommand, treeRows, waitFor, findInFrames, screenshot, ...).
//
// usage: node test/tools/test-ui.mjs [--vsix FILE] [--tests DIR|FILE] [--workspace DIR] [--test-timeout 2m]
//   --vsix          install this package instead of building one (package-vsix.mjs)
//   --tests         a folder of *.ui.mjs files or one file (default test/ui)
//   --workspace     folder copied to a temp dir and opened (default test/fixtures/workspace, else empty)
//   --test-timeout  limit per file (default 2 minutes; bare numbers are seconds)
//   --out           screenshots and logs (default .test-output/ui)
// Env PF_UI_KUBECONFIG: the KUBECONFIG code-server (and so the extension) sees.
// Prints `ok - <file>` / `not ok - <file>: <error>`, then `N passed, M failed`. Screenshots (one per file)
// and, on failure, the code-server and VS Code logs go to .test-output/ui/.
// Exit code: 0 all passed, 1 a test failed, 2 the harness could not run the tests.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as helpers from './lib/code-server.mjs';
import { packageVsix } from './package-vsix.mjs';

const { launchBrowser, parseDuration, repoRoot, screenshot, startCodeServer, tempWorkspace, waitForWorkbench } =
  helpers;

function findTests(target) {
  if (!fs.existsSync(target)) return [];
  if (fs.statSync(target).isFile()) return [target];
  return fs
    .readdirSync(target)
    .filter((n) => n.endsWith('.ui.mjs'))
    .sort()
    .map((n) => path.join(target, n));
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(helpers.harnessError(`Timed out after ${Math.round(ms / 1000)} s: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const { values: opts } = parseArgs({
    options: {
      vsix: { type: 'string' },
      tests: { type: 'string' },
      workspace: { type: 'string' },
      'test-timeout': { type: 'string', default: '2m' },
      out: { type: 'string' },
    },
  });
  const outDir = path.resolve(opts.out ?? path.join(repoRoot, '.test-output', 'ui'));
  const perTestMs = parseDuration(opts['test-timeout']);
  const files = findTests(path.resolve(opts.tests ?? path.join(repoRoot, 'test', 'ui')));
  const fixture = path.resolve(opts.workspace ?? path.join(repoRoot, 'test', 'fixtures', 'workspace'));
  const label = (f) => path.relative(repoRoot, f);
  let passed = 0;
  let failed = 0;
  let harnessFailed = false;

  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  if (!files.length) {
    console.error(`test-ui: no *.ui.mjs files in ${opts.tests ?? 'test/ui'}`);
    return 2;
  }

  let cs;
  let browser;
  let workspace;
  let next = 0;
  try {
    const vsix = opts.vsix ? path.resolve(opts.vsix) : (await packageVsix({ quiet: true })).vsix;
    console.log(`# installing ${path.relative(process.cwd(), vsix)}`);
    workspace = tempWorkspace(fs.existsSync(fixture) ? fixture : null, 'pf-ui-ws-');
    const t0 = Date.now();
    // The cluster tier runs these tests against its own API server: its kubeconfig (several files may be listed).
    const env = process.env.PF_UI_KUBECONFIG ? { KUBECONFIG: process.env.PF_UI_KUBECONFIG } : {};
    cs = await startCodeServer({ workspace, installVsix: vsix, env });
    browser = await launchBrowser({ outDir });
    const { page } = browser;
    await page.goto(cs.url());
    await waitForWorkbench(page, { cs });
    const t1 = Date.now();
    console.log(
      `# code-server ready after ${cs.timings.healthyAt - t0} ms (incl. .vsix install), ` +
        `workbench interactive after ${t1 - cs.timings.startedAt} ms from code-server start`,
    );

    for (; next < files.length; next++) {
      const file = files[next];
      const name = path.basename(file).replace(/\.ui\.mjs$/, '');
      const started = Date.now();
      try {
        const mod = await import(pathToFileURL(file).href);
        if (typeof mod.default !== 'function') throw new Error('does not export a default async function');
        await withTimeout(
          mod.default({ page, cs, outDir, workspace, helpers }),
          perTestMs,
          `${label(file)} did not finish`,
        );
        passed++;
        console.log(`ok - ${label(file)} (${Date.now() - started} ms)`);
      } catch (e) {
        failed++;
        const [first, ...rest] = String(e instanceof Error ? e.message : e).split('\n');
        console.log(`not ok - ${label(file)}: ${first}`);
        if (rest.length) console.log(rest.map((l) => `    ${l}`).join('\n'));
        // Close whatever the failed test left open (palette, menus) so the next file starts from the workbench.
        await page.keyboard.press('Escape').catch(() => undefined);
        await page.keyboard.press('Escape').catch(() => undefined);
      }
      await screenshot(page, outDir, name);
    }
  } catch (e) {
    harnessFailed = true;
    console.error(`test-ui: ${e instanceof Error ? e.message : e}`);
    for (; next < files.length; next++) {
      failed++;
      console.log(`not ok - ${label(files[next])}: not run (harness error above)`);
    }
  } finally {
    if (browser && (failed || harnessFailed)) await screenshot(browser.page, outDir, 'final');
    if (cs && (failed || harnessFailed)) cs.saveLogs(outDir);
    await browser?.close();
    await cs?.stop();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  }
  console.log(`${passed} passed, ${failed} failed`);
  return harnessFailed ? 2 : failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`test-ui: ${e instanceof Error ? e.message : e}`);
    process.exit(2);
  },
);
