// The triage panel survives a window reload: VS Code revives it through the WebviewPanelSerializer and the
// webview's saved state (getState/setState) brings back the same incident, with its path highlighted again.
import { extensionReady } from './ready.mjs';

/* global document -- evaluate() callbacks run in the webview's frame */
async function panelState(page, helpers, cs, what) {
  let state = null;
  await helpers.waitFor(
    async () => {
      const hit = await helpers.findInFrames(page, 'body[data-chart-key] #chart svg');
      if (!hit) return false;
      state = await hit.frame.evaluate(() => ({
        hash: document.querySelector('.hash')?.textContent,
        highlighted: document.body.dataset.highlighted,
      }));
      return !!state.hash && !!state.highlighted;
    },
    60_000,
    what,
    { cs },
  );
  return state;
}

export default async function ({ page, cs, helpers }) {
  await extensionReady(page, helpers, cs);
  // Earlier files leave a triage panel open; its old incident would be read as "before", so start without one.
  await helpers.runCommand(page, 'View: Close All Editors', { cs });
  await helpers.waitFor(
    async () => !(await helpers.findInFrames(page, 'body[data-chart-key]')),
    15_000,
    'the earlier triage panels to close',
    { cs },
  );
  await helpers.runCommand(page, 'PF Incident: Open Demo Incident', { cs });
  await helpers.waitFor(
    async () => (await helpers.treeItems(page)).some((r) => r.label === 'Needs attention'),
    30_000,
    'the demo night',
    { cs },
  );
  // The second incident of the list, so a restore that fell back to "the first one" would be caught. On a
  // loaded machine the picker can swallow the keys while it fills; then it is opened again.
  const input = page.locator('.quick-input-widget .quick-input-box input');
  for (let attempt = 1; ; attempt++) {
    try {
      await helpers.runCommand(page, 'PF Incident: Open Triage Panel', { cs });
      await helpers.waitFor(() => input.isVisible(), 15_000, 'the incident picker', { cs });
      await helpers.waitFor(
        async () => (await page.$$('.quick-input-list .monaco-list-row')).length > 1,
        15_000,
        'the incidents in the picker',
        { cs },
      );
      await page.waitForTimeout(300);
      await input.press('ArrowDown');
      await page.waitForTimeout(200);
      await input.press('Enter');
      await helpers.waitFor(
        async () => !!(await helpers.findInFrames(page, 'body[data-chart-key] .hash')),
        20_000,
        'the triage panel to open',
        { cs },
      );
      break;
    } catch (e) {
      if (attempt >= 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
  const before = await panelState(page, helpers, cs, 'the triage panel before the reload');
  await page.waitForTimeout(1000);
  // Reload the way the engineer does, so the workbench saves its editor state on the way out (a bare browser
  // reload may drop the last write).
  const reloaded = page.waitForNavigation({ timeout: 60_000 });
  await helpers.runCommand(page, 'Developer: Reload Window', { cs });
  await reloaded;
  // The demo bundle is not reopened: the serializer revives the panel, whose incident the model must still
  // know, so open the same bundle again first, as the engineer would after a restart.
  await extensionReady(page, helpers, cs);
  // From the Incidents view's welcome content, as the engineer would (right after a reload the command palette
  // sometimes lists only "similar commands" for a while on a loaded machine).
  const welcome = page.locator(
    '.part.sidebar .welcome-view-content a, .part.sidebar .welcome-view-content .monaco-button',
    {
      hasText: 'Open Demo Incident',
    },
  );
  await helpers.waitFor(async () => (await welcome.count()) > 0, 60_000, "the welcome view's Open Demo Incident", {
    cs,
  });
  await welcome.first().click();
  const after = await panelState(page, helpers, cs, 'the revived triage panel after the reload');
  if (after.hash !== before.hash || after.highlighted !== before.highlighted) {
    throw new Error(`restored ${JSON.stringify(after)} != before ${JSON.stringify(before)}`);
  }
  console.log(`    # restored ${after.hash} with ${after.highlighted}`);
}
