#!/usr/bin/env node
// `npm run demo`: the packaged extension in a browser VS Code (code-server) on a workspace holding the
// demo incident night (a replay bundle), which the extension opens at startup (pfIncident.startup.openLog).
//
// usage: npm run demo -- [--port 8080] [--check] [--vsix FILE] [--live] [--minutes 3]
//   --port   port on 127.0.0.1 (default 8080; with --check a free port unless given)
//   --check  headless self-test: load the page, open the Incidents view, wait for tree rows, save
//            .test-output/demo/demo.png, print the rows, stop; exit 0 when rows appeared, 1 otherwise
//   --vsix   serve this package instead of building one
//   --live   play the same night on a local real API server (test/tools/demo-live.mjs): the extension connects
//            to it at startup and incidents arrive live; --minutes sets how long the night takes (default 3).
//            Without the cluster binaries cached it builds them once (~10 min); if that fails it says why and
//            falls back to the recorded bundle.
// Without --check it runs until Ctrl+C, then stops code-server. No authentication: it only listens on loopback.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureHost } from './host-setup.mjs';
import {
  launchBrowser,
  logTail,
  repoRoot,
  screenshot,
  startCodeServer,
  treeItems,
  waitFor,
  waitForWorkbench,
} from './lib/code-server.mjs';
import { packageVsix } from './package-vsix.mjs';
import { startLiveNight } from './demo-live.mjs';

const SAMPLE = path.join(repoRoot, 'media', 'samples', 'incident-bot.log');
const DEMO_BUNDLE = path.join(repoRoot, 'media', 'demo-bundle');

/**
 * (Re)creates the demo folder: the embedded demo incident night (a replay bundle: the bot's log, Rollbacks in
 * every phase, metrics snapshots) plus the setting that makes the extension open it at startup, and the plain
 * sample log for "Open Incident Log…".
 */
function demoWorkspace(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  fs.cpSync(DEMO_BUNDLE, path.join(dir, 'demo-incident-night'), { recursive: true });
  if (fs.existsSync(SAMPLE)) fs.copyFileSync(SAMPLE, path.join(dir, 'incident-bot.log'));
  fs.writeFileSync(
    path.join(dir, '.vscode', 'settings.json'),
    JSON.stringify({ 'pfIncident.startup.openLog': 'demo-incident-night' }, null, 2) + '\n',
  );
  return dir;
}

/** The live variant: no bundle opened at startup; the extension connects to the local cluster by itself. */
function liveWorkspace(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, '.vscode', 'settings.json'),
    JSON.stringify(
      {
        'pfIncident.cluster.autoConnect': true,
        'pfIncident.cluster.logLookbackMinutes': 600,
        'pfIncident.metrics.scrapeIntervalSeconds': 5,
      },
      null,
      2,
    ) + '\n',
  );
  return dir;
}

async function check(cs, { live } = {}) {
  const outDir = path.join(repoRoot, '.test-output', 'demo');
  const browser = await launchBrowser({ outDir });
  const { page } = browser;
  try {
    await page.goto(cs.url());
    await waitForWorkbench(page, { cs });
    const entry = page.locator('.part.activitybar [aria-label^="Incidents"]').first();
    await waitFor(() => entry.isVisible(), 60_000, 'the Incidents entry in the activity bar', { cs });
    // A second click on an already open container would close the sidebar again.
    const open = await entry.evaluate((el) => el.closest('.action-item')?.classList.contains('checked') ?? false);
    if (!open) await entry.click();
    if (live) {
      // Incidents keep arriving while the night plays: wait for the first ones, then for more.
      const incidents = async () =>
        (await treeItems(page, '.part.sidebar .pane-body'))
          .filter((r) => r.level === 1)
          .reduce((n, r) => n + (Number(r.description) || 0), 0);
      const first = await waitFor(incidents, 120_000, 'the first live incidents', { cs, intervalMs: 500 });
      await waitFor(async () => (await incidents()) > first, 120_000, 'more incidents arriving live', {
        cs,
        intervalMs: 500,
      });
      console.log(`# live: ${first} incident(s) first, then ${await incidents()} as the night played`);
    }
    // Rows arrive in steps (groups first, then their expanded children): wait until the count holds still.
    let previous = -1;
    const rows = await waitFor(
      async () => {
        const r = await treeItems(page, '.part.sidebar .pane-body');
        const stable = r.length > 0 && r.length === previous;
        previous = r.length;
        return stable ? r : null;
      },
      60_000,
      'rows in the Incidents tree (the sample log triaged at startup)',
      { cs, intervalMs: 750 },
    );
    const shot = await screenshot(page, outDir, 'demo');
    console.log(`# screenshot ${path.relative(process.cwd(), shot ?? outDir)}`);
    console.log(`# ${rows.length} tree rows:`);
    for (const r of rows)
      console.log(`  ${'  '.repeat(Math.max(0, r.level - 1))}${r.label}${r.description ? `  (${r.description})` : ''}`);
    return 0;
  } catch (e) {
    await screenshot(page, outDir, 'demo-failure');
    cs.saveLogs(outDir);
    console.error(`demo --check: ${e instanceof Error ? e.message : e}`);
    return 1;
  } finally {
    await browser.close();
  }
}

async function main() {
  const { values: opts } = parseArgs({
    options: {
      port: { type: 'string' },
      check: { type: 'boolean', default: false },
      vsix: { type: 'string' },
      live: { type: 'boolean', default: false },
      minutes: { type: 'string', default: '3' },
    },
  });
  const port = opts.port != null ? Number(opts.port) : opts.check ? undefined : 8080;
  if (port != null && !(Number.isInteger(port) && port > 0 && port < 65536))
    throw new Error(`--port ${opts.port} is not a port number`);

  const host = ensureHost();
  const vsix = opts.vsix ? path.resolve(opts.vsix) : (await packageVsix({ quiet: true })).vsix;
  let night = null;
  if (opts.live) {
    try {
      night = await startLiveNight({ bundleDir: DEMO_BUNDLE });
      console.log(
        `# local API server ${night.apiserverUrl} (context ${night.context}), seeded like Provability-Fabric`,
      );
    } catch (e) {
      console.error(`# --live: the local cluster could not start (${e instanceof Error ? e.message : e});`);
      console.error('# falling back to the recorded demo night.');
    }
  }
  // --check gets its own folder so it can run while an interactive demo is open.
  const folder = path.join(host.root, opts.check ? 'demo-workspace-check' : 'demo-workspace');
  const workspace = night ? liveWorkspace(`${folder}-live`) : demoWorkspace(folder);
  const cs = await startCodeServer({
    workspace,
    installVsix: vsix,
    port,
    env: night ? { KUBECONFIG: night.kubeconfig } : {},
  });
  const playing = night
    ?.play({ minutes: Math.max(0.5, Number(opts.minutes) || 3) })
    .then((r) => console.log(`# the night is over: ${r.lines} log lines, ${r.rollbacks} Rollbacks`))
    .catch((e) => console.error(`# replay stopped: ${e instanceof Error ? e.message : e}`));

  if (opts.check) {
    try {
      return await check(cs, { live: !!night });
    } finally {
      await cs.stop();
      await night?.stop();
    }
  }
  void playing;

  console.log(`\nPF Incident Response demo: ${cs.url()}`);
  console.log(
    night
      ? 'open the Incidents view in the activity bar: it connects to the local cluster and the night arrives live'
      : 'open the Incidents view in the activity bar (the demo incident night is already loaded)',
  );
  console.log('Ctrl+C stops it.\n');
  return new Promise((resolve) => {
    let shuttingDown = false;
    const shutdown = (signal) => {
      if (!shuttingDown) console.log(`\n# ${signal}: stopping code-server`);
      shuttingDown = true;
      cs.stop()
        .then(() => night?.stop())
        .then(() => resolve(0));
    };
    // `on`, not `once`: the library's own handler only leaves the exit to us while we are still listening.
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
    process.on('SIGHUP', shutdown);
    cs.whenExited.then((e) => {
      if (!shuttingDown) {
        console.error(`code-server exited unexpectedly (${JSON.stringify(e)})\n${logTail(cs)}`);
        resolve(1);
      }
    });
  });
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`demo: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  },
);
