#!/usr/bin/env node
// Triage panel benchmark (part of `npm run bench`, never a test): in the real VS Code (code-server) with the
// packaged extension and the demo night, in headless Chromium:
//  - panel open -> flowchart SVG present: cold (mermaid loads and renders) and warm (cached SVG, no mermaid);
//  - switching the panel to another incident -> new path highlighted (webview select -> host -> webview);
//  - metrics message -> cards rendered in the webview;
//  - Chromium memory (RSS of its processes) before and after opening the panel.
// Prints medians and p95 over repeated runs, and writes .test-output/bench/panel.json.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as helpers from './lib/code-server.mjs';
import { packageVsix } from './package-vsix.mjs';

/* global document, window, MutationObserver -- evaluate() callbacks run in the webview's frame */
const { launchBrowser, repoRoot, startCodeServer, waitFor, waitForWorkbench, runCommand, findInFrames } = helpers;
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg === -1 ? 5 : Number(process.argv[runsArg + 1]);

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const round = (x) => Math.round(x * 10) / 10;

function chromiumRssMb(userDataDir) {
  try {
    const pids = execSync(`pgrep -f -- "${userDataDir}"`).toString().trim().split('\n').filter(Boolean);
    let kb = 0;
    for (const pid of pids) {
      try {
        const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (m) kb += Number(m[1]);
      } catch {
        // pgrep's own shell is gone by now.
      }
    }
    return kb / 1024;
  } catch {
    return NaN;
  }
}

const { vsix } = await packageVsix({ quiet: true });
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-bench-ws-'));
fs.cpSync(path.join(repoRoot, 'media', 'demo-bundle'), path.join(ws, 'demo-incident-night'), { recursive: true });
fs.mkdirSync(path.join(ws, '.vscode'));
fs.writeFileSync(
  path.join(ws, '.vscode', 'settings.json'),
  JSON.stringify({ 'pfIncident.startup.openLog': 'demo-incident-night' }),
);
const cs = await startCodeServer({ workspace: ws, installVsix: vsix });
const browser = await launchBrowser({ outDir: path.join(repoRoot, '.test-output', 'bench') });
const { page } = browser;
const out = { when: new Date().toISOString(), runs, coldOpenMs: [], warmOpenMs: [], switchMs: [], metricsRenderMs: [] };
try {
  await page.goto(cs.url());
  await waitForWorkbench(page, { cs });
  await waitFor(
    () =>
      page.evaluate(() =>
        [...document.querySelectorAll('.part.activitybar [aria-label]')].some((e) =>
          (e.getAttribute('aria-label') ?? '').startsWith('Incidents'),
        ),
      ),
    60_000,
    'the Incidents view container',
    { cs },
  );
  // Opening the Incidents view activates the extension, which then opens the demo night (startup.openLog).
  await page.locator('.part.activitybar [aria-label^="Incidents"]').first().click();
  await waitFor(
    async () => (await helpers.treeItems(page)).some((r) => r.label === 'Needs attention'),
    60_000,
    'the demo night in the tree',
    { cs },
  );
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const openPanel = async () => {
    await runCommand(page, 'PF Incident: Open Triage Panel', { cs });
    await waitFor(
      async () => (await page.$$('.quick-input-list .monaco-list-row')).length > 0,
      15_000,
      'the incident picker',
      { cs },
    );
    // The picker ignores Enter while it is still filling its list.
    await page.waitForTimeout(300);
    const t0 = Date.now();
    await input.press('Enter');
    let frame = null;
    await waitFor(
      async () => {
        const hit = await findInFrames(page, '#chart svg');
        frame = hit?.frame ?? null;
        return hit !== null;
      },
      60_000,
      'the flowchart SVG',
      { cs, intervalMs: 5 },
    );
    return { ms: Date.now() - t0, frame };
  };
  const closePanel = async () => {
    await runCommand(page, 'View: Close All Editors', { cs });
    await waitFor(async () => (await findInFrames(page, '#chart')) === null, 15_000, 'the panel to close', { cs });
  };
  const rssBefore = chromiumRssMb(browser.userDataDir);
  // The very first open renders with mermaid; VS Code then keeps the SVG (globalState), so later opens are warm.
  const first = await openPanel();
  out.coldOpenMs.push(first.ms);
  const rssAfter = chromiumRssMb(browser.userDataDir);
  for (let i = 0; i < runs; i++) {
    await closePanel();
    out.warmOpenMs.push((await openPanel()).ms);
  }
  const { frame } = await openPanel().catch(() => ({ frame: null }));
  const f = frame ?? (await findInFrames(page, '#chart svg')).frame;
  // Switch through incidents from inside the webview: time from the select's change to the new highlight.
  const all = await f.evaluate(() =>
    [...document.querySelectorAll('#incident-select option')].map((o) => ({ id: o.value, label: o.textContent })),
  );
  // Consecutive targets with different capsules, so the header visibly changes with every switch.
  const hashOf = (label) => /sha256:[0-9a-f]{8}…[0-9a-f]{4}/.exec(label ?? '')?.[0] ?? label;
  const current = await f.evaluate(() => document.querySelector('.hash')?.textContent ?? '');
  const options = [{ id: '', label: current }];
  for (const o of all) if (hashOf(o.label) !== hashOf(options.at(-1).label)) options.push(o);
  options[0] = { id: '', label: current };
  for (let i = 0; i < Math.min(runs * 4, options.length - 1); i++) {
    // Until the header shows the other incident and its path is highlighted (one synchronous apply in the
    // webview after the host's answer), seen by a MutationObserver.
    const ms = await f.evaluate(
      (id) =>
        new Promise((resolve) => {
          const sel = document.getElementById('incident-select');
          const before = document.querySelector('.hash')?.textContent ?? '';
          const t0 = performance.now();
          const done = () =>
            (document.querySelector('.hash')?.textContent ?? '') !== before && !!document.body.dataset.highlighted;
          const obs = new MutationObserver(() => {
            if (done()) {
              obs.disconnect();
              resolve(performance.now() - t0);
            }
          });
          obs.observe(document.body, { attributes: true, childList: true, subtree: true, characterData: true });
          sel.value = id;
          sel.dispatchEvent(new Event('change'));
          setTimeout(() => {
            obs.disconnect();
            resolve(NaN);
          }, 5000);
        }),
      options[i + 1].id,
    );
    out.switchMs.push(ms);
  }
  // Metrics: re-render the last metrics view many times in the page and time it (what a 1 s scrape costs the webview).
  out.metricsRenderMs = await f.evaluate(async (n) => {
    const times = [];
    const body = document.getElementById('metrics-body');
    const html = body.innerHTML;
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      window.postMessage(
        {
          type: 'metrics',
          metrics: {
            source: 'bench',
            lastScrape: new Date().toISOString(),
            stale: false,
            cards: [
              {
                title: 'Rollbacks per second',
                value: `${i}/s`,
                series: Array.from({ length: 240 }, (_, k) => ({ t: k * 1000, v: Math.sin(k + i) + 1 })),
              },
            ],
            alerts: [],
          },
        },
        '*',
      );
      // Until the new value is in the DOM (the message event is dispatched as its own task).
      while (document.querySelector('#metrics-body .card-value')?.textContent !== `${i}/s`) {
        await new Promise((r) => setTimeout(r, 0));
        if (performance.now() - t0 > 2000) break;
      }
      times.push(performance.now() - t0);
    }
    body.innerHTML = html;
    return times;
  }, 30);
  out.chromiumRssMb = {
    beforePanel: round(rssBefore),
    afterPanel: round(rssAfter),
    delta: round(rssAfter - rssBefore),
  };
} catch (e) {
  await helpers.screenshot(page, path.join(repoRoot, '.test-output', 'bench'), 'panel-failure');
  throw e;
} finally {
  await browser.close();
  await cs.stop();
  fs.rmSync(ws, { recursive: true, force: true });
}
const sum = (name, xs) => `${name}: median ${round(pct(xs, 50))} ms, p95 ${round(pct(xs, 95))} ms (n=${xs.length})`;
console.log(`panel open -> SVG, cold (mermaid load + render): ${out.coldOpenMs[0]} ms`);
console.log(sum('panel open -> SVG, warm (cached SVG)', out.warmOpenMs));
console.log(
  sum(
    'incident switch -> new path highlighted',
    out.switchMs.filter((x) => Number.isFinite(x)),
  ),
);
console.log(sum('metrics message -> cards and 240-point chart in the DOM', out.metricsRenderMs));
console.log(
  `Chromium RSS: ${out.chromiumRssMb.beforePanel} MB before the panel, ${out.chromiumRssMb.afterPanel} MB with it (+${out.chromiumRssMb.delta} MB)`,
);
fs.mkdirSync(path.join(repoRoot, '.test-output', 'bench'), { recursive: true });
fs.writeFileSync(path.join(repoRoot, '.test-output', 'bench', 'panel.json'), JSON.stringify(out, null, 2));
process.exit(0);
