// The triage panel's metrics, live: connected to the cluster tier's API server, the extension scrapes the
// incident-bot through a client-node port-forward (kwok forwards the pod's port 3000 to a process serving the REAL
// prom-client registry of the bot, test/tools/cluster/fake-bot-metrics.mjs). What prom-client is told to record
// shows in the panel: the gauge as set, the tenants' GuardTrips, and the p95 of the observed decision latencies.
import { extensionReady } from '../ui/ready.mjs';
import { connect, need } from './records-lib.mjs';

/* global document -- evaluate() callbacks run in the webview's frame */
async function bot(msg) {
  const res = await fetch(need('PF_TEST_BOT_METRICS_CONTROL'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(msg),
  });
  const out = await res.json();
  if (!out.ok) throw new Error(`fake-bot-metrics ${msg.op}: ${out.error}`);
  return out.result;
}

async function metricsState(page, helpers) {
  const hit = await helpers.findInFrames(page, '#metrics-body .card');
  if (!hit) return null;
  return hit.frame.evaluate(() => ({
    source: document.querySelector('#metrics-body .source')?.textContent ?? '',
    error: document.querySelector('#metrics-body .error')?.textContent ?? '',
    cards: Object.fromEntries(
      [...document.querySelectorAll('#metrics-body .card')].map((c) => [
        c.querySelector('.card-title')?.textContent ?? '',
        c.querySelector('.card-value')?.textContent ?? '',
      ]),
    ),
  }));
}

export default async function ({ page, cs, outDir, helpers }) {
  const { runCommand, waitFor, screenshot } = helpers;
  await extensionReady(page, helpers, cs);
  await bot({ op: 'reset' });
  await bot({ op: 'active', value: 3 });
  await bot({ op: 'guardTrip', tenantId: 'tenant-ui-metrics', n: 4 });

  await connect(page, helpers, cs);
  await waitFor(
    async () => (await helpers.treeItems(page)).some((r) => r.level === 2),
    60_000,
    'the live incidents (the bot log of the earlier test) in the tree',
    { cs },
  );
  await runCommand(page, 'PF Incident: Open Triage Panel', { cs });
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await waitFor(() => input.isVisible(), 15_000, 'the incident picker', { cs });
  await waitFor(
    async () => (await page.$$('.quick-input-list .monaco-list-row')).length > 0,
    15_000,
    'the incidents in the picker',
    { cs },
  );
  await page.waitForTimeout(300);
  await input.press('Enter');

  let state = null;
  await waitFor(
    async () => {
      state = await metricsState(page, helpers);
      return !!state && /port-forward/.test(state.source) && state.cards['Active rollbacks'] === '3';
    },
    60_000,
    'the port-forwarded gauge (Active rollbacks 3) in the panel',
    { cs },
  ).catch((e) => {
    throw new Error(`${e.message}; metrics ${JSON.stringify(state)}`);
  });

  // prom-client prints a labelled histogram only once it has an observation, and rate() never counts a series'
  // first sample (as Prometheus): one observation creates the series, the scrapes see it, then 20 more in the
  // (0.1, 0.5] bucket are the increase, so histogram_quantile(0.95) interpolates to 0.1 + 0.4 × 19/20 = 0.48 s.
  await bot({ op: 'observe', seconds: [0.3] });
  await page.waitForTimeout(2500);
  await bot({ op: 'observe', seconds: Array(20).fill(0.3) });
  await bot({ op: 'guardTrip', tenantId: 'tenant-ui-metrics', n: 6 });
  await waitFor(
    async () => {
      state = await metricsState(page, helpers);
      return (
        !!state &&
        /^0\.48(0*) s$/.test(state.cards['Decision latency p95'] ?? '') &&
        (state.cards['GuardTrips per tenant'] ?? '').includes('tenant-ui-metrics')
      );
    },
    60_000,
    'p95 0.48 s and the tenant in the panel',
    { cs },
  ).catch((e) => {
    throw new Error(`${e.message}; metrics ${JSON.stringify(state)}`);
  });
  await screenshot(page, outDir, 'live-metrics');
  console.log(
    `    # ${state.source} | ${Object.entries(state.cards)
      .map(([k, v]) => `${k}: ${v}`)
      .join(' | ')}`,
  );
  await runCommand(page, 'PF Incident: Disconnect from Cluster', { cs });
}
