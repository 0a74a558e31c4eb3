#!/usr/bin/env node
// Incident tree benchmark (part of `npm run bench`, never a test): the packaged extension in the real VS Code
// (code-server + headless Chromium) with 10,000 incidents, against the same steps with 100 incidents in the same
// run (the baseline):
//  - open: the Incidents view is clicked (activation, read, parse, triage, grouping) -> the group rows count them all;
//  - refresh: a triage threshold changes in the settings -> every incident re-triaged -> the group counts change;
//  - extension-host memory (RSS) once the tree is shown.
// Prints figures and ratios, writes .test-output/bench/tree.json.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as helpers from './lib/code-server.mjs';
import { packageVsix } from './package-vsix.mjs';

const { launchBrowser, repoRoot, startCodeServer, waitFor, waitForWorkbench, treeItems } = helpers;
const outDir = path.join(repoRoot, '.test-output', 'bench');
const runsArg = process.argv.indexOf('--runs');
const runs = Math.max(1, runsArg === -1 ? 3 : Number(process.argv[runsArg + 1]));

/** GuardTrip events (JSON lines), one capsule each, risk and misses spread over every verdict. */
function eventsFile(dir, n) {
  const lines = [];
  const t0 = Date.parse('2025-08-05T14:00:00Z');
  for (let i = 0; i < n; i++) {
    const hash = crypto.createHash('sha256').update(`capsule-${i}`).digest('hex');
    lines.push(
      JSON.stringify({
        capsuleHash: `sha256:${hash}`,
        tenantId: `tenant-${i % 97}`,
        riskScore: Math.round(((i * 37) % 100) + 0.5) / 100,
        heartbeatMisses: i % 6,
        ts: new Date(t0 + i * 1000).toISOString(),
        eventType: 'guard_trip',
      }),
    );
  }
  const file = path.join(dir, 'guardtrips.jsonl');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** RSS (MB) of the extension host: the process of code-server's group whose command line says extensionHost. */
function extensionHostRssMb(pgid) {
  let kb = 0;
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!/extensionHost/.test(cmd)) continue;
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // Processes come and go while we look.
    }
  }
  return kb / 1024;
}

async function groupCounts(page) {
  const rows = await treeItems(page);
  return rows.filter((r) => r.level === 1).map((r) => `${r.label} ${r.description}`);
}

const total = (groups) => groups.reduce((s, g) => s + Number(/(\d+)$/.exec(g)?.[1] ?? 0), 0);

async function measure(vsix, n) {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-bench-tree-'));
  eventsFile(ws, n);
  fs.mkdirSync(path.join(ws, '.vscode'));
  const settingsFile = path.join(ws, '.vscode', 'settings.json');
  const settings = { 'pfIncident.startup.openLog': 'guardtrips.jsonl' };
  fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
  const cs = await startCodeServer({ workspace: ws, installVsix: vsix });
  const browser = await launchBrowser({ outDir });
  const { page } = browser;
  const r = { incidents: n, openMs: NaN, refreshMs: [], extensionHostRssMb: NaN, groups: [] };
  try {
    await page.goto(cs.url());
    await waitForWorkbench(page, { cs });
    const entry = page.locator('.part.activitybar [aria-label^="Incidents"]').first();
    await waitFor(async () => (await entry.count()) > 0, 60_000, 'the Incidents view container', { cs });
    const rssIdle = extensionHostRssMb(cs.pid);
    const t0 = Date.now();
    await entry.click();
    // The file is read and triaged as a whole, so the first group row means the tree has everything.
    await waitFor(async () => (await groupCounts(page)).length > 0, 180_000, 'the first group row', {
      cs,
      intervalMs: 20,
    });
    r.openMs = Date.now() - t0;
    // The list is virtual: with groups expanded, rows below the fold are not in the DOM. Collapsed, every group
    // row is, and their counts must add up to all incidents.
    await page.locator('.part.sidebar .actions-container [aria-label^="Collapse All"]').first().click();
    let seen = [];
    await waitFor(async () => total((seen = await groupCounts(page))) === n, 60_000, `${n} incidents in the groups`, {
      cs,
    }).catch((e) => {
      throw new Error(`${e.message}; groups ${JSON.stringify(seen)}`);
    });
    r.groups = await groupCounts(page);
    await page.waitForTimeout(1000);
    r.extensionHostRssMb = Math.round(extensionHostRssMb(cs.pid));
    r.extensionHostIdleRssMb = Math.round(rssIdle);
    // Alternate riskHigh so each change moves incidents between groups.
    for (let i = 0; i < runs; i++) {
      const before = (await groupCounts(page)).join('|');
      settings['pfIncident.triage.riskHigh'] = i % 2 === 0 ? 0.7 : 0.8;
      const t1 = Date.now();
      fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
      await waitFor(async () => (await groupCounts(page)).join('|') !== before, 120_000, 'the re-triaged tree', {
        cs,
        intervalMs: 20,
      });
      r.refreshMs.push(Date.now() - t1);
    }
  } finally {
    await browser.close();
    await cs.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  }
  return r;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const { vsix } = await packageVsix({ quiet: true });
const small = await measure(vsix, 100);
const large = await measure(vsix, 10_000);
for (const r of [small, large]) {
  console.log(
    `${String(r.incidents).padStart(6)} incidents: open -> all in the tree ${r.openMs} ms; ` +
      `threshold change -> re-triaged tree median ${median(r.refreshMs)} ms (n=${r.refreshMs.length}); ` +
      `extension host RSS ${r.extensionHostRssMb} MB (${r.extensionHostIdleRssMb} MB before activation)`,
  );
}
const ratio = (a, b) => (b > 0 ? (a / b).toFixed(2) : 'n/a');
console.log(
  `ratios 10,000 / 100 incidents: open ${ratio(large.openMs, small.openMs)}x, refresh ` +
    `${ratio(median(large.refreshMs), median(small.refreshMs))}x, extension-host RSS ` +
    `${ratio(large.extensionHostRssMb, small.extensionHostRssMb)}x (+${large.extensionHostRssMb - small.extensionHostRssMb} MB)`,
);
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'tree.json'), JSON.stringify({ small, large }, null, 2));
process.exit(0);
