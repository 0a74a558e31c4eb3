// The triage panel in the real webview: for an incident of each verdict, open the panel from the palette and
// check which flowchart nodes the rendered SVG highlights; a hostile tenant id renders as text and runs nothing;
// one screenshot per theme (light, dark, high contrast).
import path from 'node:path';
import { extensionReady, pickFile } from './ready.mjs';

/* global document -- evaluate() callbacks run in the webview's frame */
const CASES = [
  {
    hash: '11111111',
    verdict: 'legitimate',
    path: 'A B C E H D M N O',
    banner: false,
    tenant: '<img src=x onerror=alert(1)>',
  },
  {
    hash: '22222222',
    verdict: 'legitimate',
    path: 'A B C E G I K D M N O',
    banner: false,
    tenant: '"]; click A call x()',
  },
  { hash: '33333333', verdict: 'false-positive-network', path: 'A B C E G I J L', banner: true },
  { hash: '44444444', verdict: 'false-positive-thresholds', path: 'A B C E F L', banner: false },
  { hash: '55555555', verdict: 'invalid', path: 'A', banner: false },
];

/** The SVG lists highlighted nodes in document order; the path is a set of nodes here. */
const sameNodes = (a, b) => (a ?? '').split(' ').sort().join(' ') === b.split(' ').sort().join(' ');

async function panelFrame(page, helpers, cs, what) {
  let hit = null;
  await helpers.waitFor(
    async () => {
      hit = await helpers.findInFrames(page, 'body[data-chart-key] #chart svg');
      return hit !== null;
    },
    60_000,
    what,
    { cs },
  );
  return hit.frame;
}

async function openPanelFor(page, helpers, cs, hash) {
  await helpers.runCommand(page, 'PF Incident: Open Triage Panel', { cs });
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await helpers.waitFor(() => input.isVisible(), 15_000, 'the incident picker', { cs });
  await input.fill(hash);
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
}

export default async function ({ page, cs, outDir, workspace, helpers }) {
  const { runCommand, waitFor, screenshot } = helpers;
  await extensionReady(page, helpers, cs);
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await runCommand(page, 'PF Incident: Open Incident Log…', { cs });
  await pickFile(page, helpers, cs, path.join(workspace, 'verdicts.jsonl'));
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await waitFor(
    async () => (await helpers.treeItems(page)).some((r) => r.label === 'Invalid events'),
    30_000,
    'verdicts.jsonl in the tree',
    { cs },
  );

  for (const c of CASES) {
    await openPanelFor(page, helpers, cs, c.hash);
    const frame = await panelFrame(page, helpers, cs, `the triage panel's flowchart for ${c.hash}`);
    let state = {};
    await waitFor(
      async () => {
        state = await frame.evaluate(() => ({
          verdict: document.body.dataset.verdict,
          highlighted: document.body.dataset.highlighted,
          banner: !document.getElementById('banner').hidden,
          tenant: [...document.querySelectorAll('#facts dt')].find((d) => d.textContent === 'Tenant')
            ?.nextElementSibling?.textContent,
          imgs: document.querySelectorAll('img').length,
          hash: document.querySelector('.hash')?.textContent,
        }));
        return sameNodes(state.highlighted, c.path) && state.hash?.includes(c.hash);
      },
      20_000,
      `the path ${c.path} highlighted for ${c.hash}`,
      { cs },
    ).catch((e) => {
      throw new Error(`${e.message}; panel state ${JSON.stringify(state)}`);
    });
    if (state.verdict !== c.verdict) throw new Error(`${c.hash}: verdict ${state.verdict} != ${c.verdict}`);
    if (state.banner !== c.banner)
      throw new Error(`${c.hash}: disagreement banner shown=${state.banner}, expected ${c.banner}`);
    if (c.tenant !== undefined && state.tenant !== c.tenant)
      throw new Error(`${c.hash}: tenant shown as ${JSON.stringify(state.tenant)}`);
    if (state.imgs !== 0)
      throw new Error(`${c.hash}: the page contains ${state.imgs} <img> elements (data rendered as markup)`);
    console.log(
      `    # ${c.hash}: ${state.verdict}, highlighted ${state.highlighted}${state.banner ? ', disagreement banner' : ''}`,
    );
  }
  if (dialogs.length) throw new Error(`dialogs opened: ${JSON.stringify(dialogs)}`);

  // One screenshot per theme, of the disagreement case.
  await openPanelFor(page, helpers, cs, '33333333');
  for (const [label, theme] of [
    ['light', 'Light Modern'],
    ['dark', 'Dark Modern'],
    ['high-contrast', 'Dark High Contrast'],
  ]) {
    // Take keyboard focus back from the webview (F1 must reach the workbench), then pick the theme.
    await page.locator('.part.sidebar .pane-header, .part.sidebar .title').first().click();
    await runCommand(page, 'Preferences: Color Theme', { cs });
    await waitFor(() => input.isVisible(), 15_000, 'the theme picker', { cs });
    await page.waitForTimeout(300);
    await input.fill(theme);
    const row = page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${theme}$`) }) });
    await waitFor(async () => (await row.count()) > 0, 15_000, `the theme "${theme}" in the picker`, { cs });
    await row.first().click();
    await page.waitForTimeout(1500);
    const frame = await panelFrame(page, helpers, cs, `the flowchart after switching to ${theme}`);
    await waitFor(
      async () => sameNodes(await frame.evaluate(() => document.body.dataset.highlighted), 'A B C E G I J L'),
      20_000,
      `the path highlighted again in ${theme}`,
      { cs },
    );
    await screenshot(page, outDir, `triage-panel-${label}`);
  }
}
