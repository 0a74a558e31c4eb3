#!/usr/bin/env node
// Triage panel benchmark (part of `npm run bench`, never a test): in the real VS Code (code-server) with the
// packaged extension and the demo night, in headless Chromium:
//  - panel open -> flowchart SVG present: cold (the first open on this fresh profile, nothing cached: the
//    prerendered SVG shipped with the extension), warm (later opens), and the first open with a non-default
//    threshold (the prerendered SVG with the threshold labels rewritten, redrawn by mermaid later; the time is to
//    the first SVG showing the new labels);
//  - switching the panel to another incident -> new path highlighted (webview select -> host -> webview);
//  - metrics message -> cards rendered in the webview;
//  - Chromium memory (RSS of its processes) before and after opening the panel.
// Prints medians and p95 over repeated runs, and writes .test-output/bench/panel.json.
//
// The very first webview in a fresh browser profile, whichever extension opens it, waits ~2.5 s here for VS Code's
// webview service worker to take control of its frame. That is the browser profile's cost, not the panel's: a
// browser that ever showed a webview of this VS Code (an extension's details page, a Markdown preview) has it. The
// baseline for that claim is a built-in webview timed in the same run like the panel (command issued -> rendered
// content in the webview frame): VS Code's Markdown preview of the workspace README. By default the Markdown
// preview is the browser profile's first webview, then "cold" is the panel's first open on the fresh VS Code
// profile (nothing of ours in globalState) with the service worker warm. --no-webview-warmup opens the panel first
// (its cold open is the browser profile's first webview) and the Markdown preview after it (a later webview).
// usage: node test/tools/bench-panel.mjs [--runs 5] [--no-webview-warmup]
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
const webviewWarmup = !process.argv.includes('--no-webview-warmup');
const README_TITLE = 'Markdown preview baseline';

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
fs.writeFileSync(path.join(ws, 'README.md'), `# ${README_TITLE}\n\nVS Code's own webview, timed like the panel.\n`);
// The other mode's last figures, for the first-webview comparison (panel.json is overwritten at the end).
const panelJson = path.join(repoRoot, '.test-output', 'bench', 'panel.json');
let previous = null;
try {
  previous = JSON.parse(fs.readFileSync(panelJson, 'utf8'));
} catch {
  // No earlier run.
}
const cs = await startCodeServer({ workspace: ws, installVsix: vsix });
const browser = await launchBrowser({ outDir: path.join(repoRoot, '.test-output', 'bench') });
const { page } = browser;
const out = {
  when: new Date().toISOString(),
  loadavg: os.loadavg().map(round),
  runs,
  webviewWarmup,
  coldOpenMs: [],
  warmOpenMs: [],
  mermaidOpenMs: [],
  origins: {},
  switchMs: [],
  metricsRenderMs: [],
};
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
  // Where the panel's SVG came from (body[data-chart-origin]) and, for a prerendered one, the font check's result
  // (it runs when the webview is idle, so this waits for it a little).
  const chartOrigin = async (frame) => {
    const read = () =>
      frame.evaluate(() =>
        [document.body.dataset.chartOrigin, document.body.dataset.fontCheck, document.body.dataset.provisional]
          .filter(Boolean)
          .join('/'),
      );
    for (let i = 0; i < 30 && (await read()).endsWith('/pending'); i++) await page.waitForTimeout(100);
    return read();
  };
  // Until the panel shows an SVG (holding `text` when given).
  const openPanel = async (text = '') => {
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
        if (!hit) return false;
        return !text || (await hit.element.evaluate((svg, t) => svg.textContent.includes(t), text));
      },
      60_000,
      `the flowchart SVG${text ? ` with "${text}"` : ''}`,
      { cs, intervalMs: 5 },
    );
    return { ms: Date.now() - t0, frame };
  };
  const closePanel = async () => {
    await runCommand(page, 'View: Close All Editors', { cs });
    await waitFor(async () => (await findInFrames(page, '#chart')) === null, 15_000, 'the panel to close', { cs });
  };
  // The README's heading rendered in the Markdown preview's webview frame.
  const previewHeading = async () => {
    const hit = await findInFrames(page, 'body.vscode-body h1');
    return hit && (await hit.element.evaluate((h1, t) => h1.textContent.includes(t), README_TITLE)) ? hit : null;
  };
  // Until the README shows in the Markdown preview, timed like openPanel: from issuing "Markdown: Open Preview"
  // (with README.md the active editor) to the rendered heading in the webview frame. Closed again afterwards.
  const openMarkdownPreview = async () => {
    // Quick Open: F1, then the file name without the ">" of command mode.
    await page.keyboard.press('F1');
    await waitFor(() => input.isVisible(), 10_000, 'the command palette to open after F1', { cs });
    await input.fill('README.md');
    await waitFor(
      async () =>
        (
          await page.$$eval('.quick-input-list .monaco-list-row .label-name', (rows) =>
            rows.map((r) => r.textContent.trim()),
          )
        ).includes('README.md'),
      15_000,
      'README.md in Quick Open',
      { cs },
    );
    await input.press('Enter');
    await waitFor(
      () => page.locator('.tabs-container .tab.active', { hasText: 'README.md' }).isVisible(),
      15_000,
      'README.md in the editor',
      { cs },
    );
    // Opening a Markdown file activates VS Code's Markdown extension: let that settle outside the stopwatch.
    await page.waitForTimeout(2000);
    // runCommand, with the stopwatch started as the command is issued rather than when the palette opens.
    const title = 'Markdown: Open Preview';
    const exact = (labels) => labels.includes(title);
    exact.what = `a row titled "${title}"`;
    await helpers.paletteLabels(page, title, { until: exact, cs });
    const row = page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: /^Markdown: Open Preview$/ }) })
      .first();
    const focused = await row.evaluate((el) => el.classList.contains('focused'));
    const t0 = Date.now();
    if (focused) await page.keyboard.press('Enter');
    else await row.click();
    await waitFor(previewHeading, 60_000, 'the README in the Markdown preview', { cs, intervalMs: 5 });
    const ms = Date.now() - t0;
    await runCommand(page, 'View: Close All Editors', { cs });
    await waitFor(async () => (await previewHeading()) === null, 15_000, 'the Markdown preview to close', { cs });
    return ms;
  };
  // The baseline: VS Code's Markdown preview as the browser profile's first webview (service worker not there yet).
  if (webviewWarmup) out.markdownFirstWebviewMs = await openMarkdownPreview();
  const rssBefore = chromiumRssMb(browser.userDataDir);
  // The very first open on this fresh profile (empty globalState): the host has no SVG of its own and sends the
  // prerendered one. Later opens are warm (the same, or this machine's render if the font check redrew it).
  const first = await openPanel();
  out.coldOpenMs.push(first.ms);
  const rssAfter = chromiumRssMb(browser.userDataDir);
  out.origins.cold = await chartOrigin(first.frame);
  // --no-webview-warmup: the panel was the first webview; the Markdown preview now opens as a later one.
  if (!webviewWarmup) {
    await closePanel();
    out.markdownLaterWebviewMs = await openMarkdownPreview();
  }
  for (let i = 0; i < runs; i++) {
    await closePanel();
    const warm = await openPanel();
    out.warmOpenMs.push(warm.ms);
    out.origins.warm = await chartOrigin(warm.frame);
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
  // A non-default threshold: nothing cached; the chart differs from the prerendered one in labels only, so the
  // first SVG is the prerendered one with the new labels (mermaid redraws it afterwards). Each run uses another
  // riskLow.
  await closePanel();
  for (let i = 0; i < runs; i++) {
    // Closed first: an open panel would render the new chart at once, and the host would cache it.
    if (i > 0) await closePanel();
    const riskLow = (41 + i) / 100;
    fs.writeFileSync(
      path.join(ws, '.vscode', 'settings.json'),
      JSON.stringify({ 'pfIncident.startup.openLog': 'demo-incident-night', 'pfIncident.triage.riskLow': riskLow }),
    );
    // Time for VS Code to read the changed settings and the extension to re-triage.
    await page.waitForTimeout(3000);
    const r = await openPanel(`Low Risk < ${riskLow}`);
    out.mermaidOpenMs.push(r.ms);
    out.origins.nonDefault = await chartOrigin(r.frame);
  }
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
console.log(`load average at the start: ${out.loadavg.join(', ')}`);
console.log(
  webviewWarmup
    ? "VS Code's webview service worker: warmed up by the Markdown preview (the baseline) before the panel's first open"
    : "VS Code's webview service worker: none yet (the panel is this browser profile's first webview)",
);
// The browser profile's first webview: the Markdown preview in the default mode, the panel with --no-webview-warmup.
// The other one comes from the last run of the other mode (the previous panel.json, or the figure it carried on).
const here = { when: out.when, loadavg: out.loadavg };
const fromPrevious = (key, ms) =>
  previous?.webviewWarmup === !webviewWarmup
    ? { ms, when: previous.when, loadavg: previous.loadavg }
    : (previous?.firstWebview?.[key] ?? null);
out.firstWebview = webviewWarmup
  ? {
      markdownPreview: { ms: out.markdownFirstWebviewMs, ...here },
      triagePanel: fromPrevious('triagePanel', previous?.coldOpenMs?.[0]),
    }
  : {
      markdownPreview: fromPrevious('markdownPreview', previous?.markdownFirstWebviewMs),
      triagePanel: { ms: out.coldOpenMs[0], ...here },
    };
const fmt = (fig, mode) => {
  if (fig?.ms == null) return `? ms (not measured yet: run the ${mode} mode)`;
  return fig.when === out.when
    ? `${fig.ms} ms`
    : `${fig.ms} ms (${mode} run of ${fig.when}, load ${fig.loadavg?.join(', ')})`;
};
console.log(
  `first webview of the browser profile: Markdown preview ${fmt(out.firstWebview.markdownPreview, 'default')} ` +
    `vs triage panel ${fmt(out.firstWebview.triagePanel, '--no-webview-warmup')}`,
);
// The same run's baseline: the Markdown preview, first (default) or later (--no-webview-warmup) webview.
const baseline = webviewWarmup ? out.markdownFirstWebviewMs : out.markdownLaterWebviewMs;
console.log(
  `Markdown preview open -> content, ${webviewWarmup ? 'first' : 'later'} webview (baseline): ${baseline} ms; ` +
    `panel cold open ${webviewWarmup ? 'after it' : 'before it (first webview)'}: ${out.coldOpenMs[0]} ms ` +
    `(${(out.coldOpenMs[0] / baseline).toFixed(2)}x the baseline)`,
);
console.log(`panel open -> SVG, cold (first open, fresh profile; shown: ${out.origins.cold}): ${out.coldOpenMs[0]} ms`);
console.log(sum(`panel open -> SVG, warm (shown: ${out.origins.warm})`, out.warmOpenMs));
console.log(
  sum(
    `panel open -> SVG, non-default threshold (first SVG with the new labels; shown: ${out.origins.nonDefault})`,
    out.mermaidOpenMs,
  ),
);
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
fs.mkdirSync(path.dirname(panelJson), { recursive: true });
fs.writeFileSync(panelJson, JSON.stringify(out, null, 2));
process.exit(0);
