// The triage panel's metrics section in the real webview, for the demo incident night: cards with values,
// the two playbook alert rules with their states, and the note that RollbackLatencyHigh can never fire.
import { extensionReady } from './ready.mjs';

/* global document -- evaluate() callbacks run in the webview's frame */
export default async function ({ page, cs, outDir, helpers }) {
  const { runCommand, waitFor, findInFrames, screenshot } = helpers;
  await extensionReady(page, helpers, cs);
  await runCommand(page, 'PF Incident: Open Demo Incident', { cs });
  await waitFor(
    async () => (await helpers.treeItems(page)).some((r) => r.label === 'Needs attention'),
    30_000,
    'the demo night in the tree',
    { cs },
  );
  await runCommand(page, 'PF Incident: Open Triage Panel', { cs });
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await waitFor(() => input.isVisible(), 15_000, 'the incident picker', { cs });
  await page.keyboard.press('Enter');
  let state = {};
  await waitFor(
    async () => {
      const hit = await findInFrames(page, '#metrics-body .card');
      if (!hit) return false;
      state = await hit.frame.evaluate(() => ({
        cards: [...document.querySelectorAll('#metrics-body .card')].map((c) => ({
          title: c.querySelector('.card-title')?.textContent,
          value: c.querySelector('.card-value')?.textContent,
        })),
        alerts: [...document.querySelectorAll('#metrics-body tr.alert')].map((r) => r.textContent),
        source: document.querySelector('#metrics-body .source')?.textContent,
        sparklines: document.querySelectorAll('#metrics-body svg.spark polyline').length,
      }));
      return state.cards.length === 4 && state.alerts.length === 2;
    },
    30_000,
    'four metric cards and two alert rules in the panel',
    { cs },
  ).catch((e) => {
    throw new Error(`${e.message}; metrics section ${JSON.stringify(state)}`);
  });
  if (!/^Source: recorded in Demo incident night/.test(state.source ?? '')) throw new Error(`source ${state.source}`);
  if (!state.alerts.some((a) => a.includes('RollbackLatencyHigh') && a.includes('Can never fire')))
    throw new Error(`alerts ${JSON.stringify(state.alerts)}`);
  if (state.sparklines < 1) throw new Error('no time-series chart drawn');
  const hit = await findInFrames(page, '#metrics');
  await hit.element.scrollIntoViewIfNeeded();
  await screenshot(page, outDir, 'triage-panel-metrics');
  console.log(`    # ${state.cards.map((c) => `${c.title}: ${c.value}`).join(' | ')}`);
}
