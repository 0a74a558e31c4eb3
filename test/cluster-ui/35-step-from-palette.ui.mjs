// A playbook step run from the palette while connected: it offers the loaded incidents (the one selected in the
// tree first, "Enter a capsule hash…" last) instead of asking for a hash to be typed, and runs for the one picked.
import crypto from 'node:crypto';
import { extensionReady } from '../ui/ready.mjs';
import { connect, newIncident } from './records-lib.mjs';

/* global document -- evaluate() callbacks run in the browser */
export default async function ({ page, cs, outDir, helpers }) {
  const { runCommand, waitFor, screenshot } = helpers;
  await extensionReady(page, helpers, cs);
  await page.keyboard.press('Escape');
  await runCommand(page, 'View: Close All Editors', { cs });
  await connect(page, helpers, cs);
  const hex = crypto.randomBytes(32).toString('hex');
  const label = await newIncident(page, helpers, cs, hex);
  await page
    .locator('.pane-body .monaco-list-row[aria-level="2"]')
    .filter({ has: page.locator('.label-name', { hasText: label }) })
    .first()
    .click();

  await runCommand(page, "PF Incident: Show the Incident's Bot Log Lines", { cs });
  const title = page.locator('.quick-input-widget .quick-input-title');
  await waitFor(
    async () => (await title.isVisible()) && /for which incident\?$/.test(await title.innerText()),
    30_000,
    "the step's incident picker",
    { cs },
  );
  const rows = await page.$$eval('.quick-input-widget .quick-input-list .monaco-list-row', (els) =>
    els.map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim()),
  );
  if (!rows[0]?.startsWith(label) || !rows[0].includes('selected in the tree')) {
    throw new Error(`first picker row ${JSON.stringify(rows[0])}, wanted ${label} selected in the tree`);
  }
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.fill('capsule hash');
  await waitFor(
    async () =>
      (
        await page.$$eval('.quick-input-widget .quick-input-list .monaco-list-row', (els) =>
          els.map((e) => e.textContent ?? ''),
        )
      ).some((t) => t.includes('Enter a capsule hash…')),
    10_000,
    'the "Enter a capsule hash…" row',
    { cs },
  );
  await screenshot(page, outDir, 'step-incident-picker');
  // Back to the full list; Enter takes the first row, the selected incident.
  await input.fill('');
  await page.waitForTimeout(300);
  await input.press('Enter');

  // The result document opens (its long lines run off screen), and the result is filed under the picked incident.
  let text = '';
  let under = [];
  await waitFor(
    async () => {
      // The editor renders spaces as no-break spaces.
      text = (
        await page.evaluate(
          () => document.querySelector('.editor-instance .monaco-editor .view-lines')?.textContent ?? '',
        )
      ).replace(/\u00a0/g, ' ');
      const rows = await helpers.treeItems(page);
      const at = rows.findIndex((r) => r.level === 2 && r.label === label);
      under = [];
      for (let i = at + 1; at >= 0 && i < rows.length && rows[i].level > 2; i++) under.push(rows[i].label);
      return text.includes('kubectl logs -l app=incident-bot') && under.includes('Playbook results (1)');
    },
    60_000,
    `the step result, filed under ${label}`,
    { cs },
  ).catch((e) => {
    throw new Error(`${e.message}; editor "${text.slice(0, 200)}"; rows under it ${JSON.stringify(under)}`);
  });
  await screenshot(page, outDir, 'step-from-palette');
  console.log(`    # palette step: picker offered ${label} first; its log lines were shown`);
  await runCommand(page, 'View: Close All Editors', { cs });
  await runCommand(page, 'PF Incident: Disconnect from Cluster', { cs });
}
