// The first real user flow, in the packaged extension: "PF Incident: Open Incident Log…" from the palette,
// the file picked in VS Code's own file dialog, and the Incidents view filled with triaged incidents.
// The workspace's incident-bot.log was written by the real NestJS logger (coloured); its expected grouping is
// 4 legitimate incidents, 3 false positives (adjust thresholds) and 2 invalid events, 2 of them with the ≠ badge.
import path from 'node:path';
import { extensionReady, pickFile } from './ready.mjs';

const OPEN_LOG = 'PF Incident: Open Incident Log…';

/* global getComputedStyle -- page.$$eval callbacks run in the browser */
export default async function ({ page, cs, outDir, workspace, helpers }) {
  const { runCommand, waitFor, treeItems, screenshot } = helpers;
  await extensionReady(page, helpers, cs);
  await runCommand(page, OPEN_LOG, { cs });

  await pickFile(page, helpers, cs, path.join(workspace, 'incident-bot.log'));

  const root = '.pane-body';
  let items = [];
  await waitFor(
    async () => {
      items = (await treeItems(page, root)).filter((i) => i.level === 1);
      return items.some((i) => i.label === 'Legitimate incidents');
    },
    60_000,
    'the Incidents view to show a "Legitimate incidents" group',
    { cs },
  );
  const groups = items.map((i) => `${i.label} ${i.description}`);
  const expected = ['Legitimate incidents 4', 'False positives – adjust thresholds 3', 'Invalid events 2'];
  if (JSON.stringify(groups) !== JSON.stringify(expected)) {
    throw new Error(`groups ${JSON.stringify(groups)} != ${JSON.stringify(expected)}`);
  }

  // Group rows can be drawn a moment before their children.
  let rows = [];
  let incidents = [];
  await waitFor(
    async () => {
      rows = await treeItems(page, root);
      incidents = rows.filter((r) => r.level === 2);
      return incidents.length === 9;
    },
    30_000,
    'nine incident rows under the groups',
    { cs },
  ).catch(() => {
    throw new Error(`expected 9 incident rows, got ${incidents.length}: ${JSON.stringify(incidents)}`);
  });
  const legit = rows.slice(1, 5).map((r) => `${r.label} | ${r.description}`);
  if (!legit.some((r) => r.startsWith('sha256:a3e1b2c4…8f90 | tenant ? · risk 0.9 · 5 misses · ×4'))) {
    throw new Error(`the repeated capsule a3e1… is not one legitimate incident seen 4 times: ${JSON.stringify(legit)}`);
  }
  // The disagreement badge is a file decoration: VS Code draws its letter with a CSS ::after rule on a
  // monaco-decoration-* class, so look at the computed content rather than the text.
  const countBadged = () =>
    page.$$eval(
      `${root} .monaco-list-row`,
      (els) =>
        els.filter((row) =>
          [...row.querySelectorAll('[class*="monaco-decoration"]')].some((el) =>
            (getComputedStyle(el, '::after').content ?? '').includes('≠'),
          ),
        ).length,
    );
  let badged = 0;
  // Decorations arrive after the rows are drawn.
  await waitFor(async () => (badged = await countBadged()) === 2, 15_000, 'two rows with the ≠ disagreement badge', {
    cs,
  }).catch(() => {
    throw new Error(`expected 2 rows with the ≠ disagreement badge, got ${badged}`);
  });
  // Widen the side bar (drag its right edge) so the screenshot shows whole rows.
  const bar = await page.locator('.part.sidebar').boundingBox();
  if (bar) {
    const y = bar.y + bar.height / 2;
    await page.mouse.move(bar.x + bar.width + 2, y);
    await page.mouse.down();
    await page.mouse.move(bar.x + bar.width + 120, y, { steps: 4 });
    await page.mouse.move(760, y, { steps: 8 });
    await page.mouse.up();
  }
  await page.waitForTimeout(500);
  const file = await screenshot(page, outDir, 'incidents-tree');
  console.log(
    `    # groups ${JSON.stringify(groups)}; ${incidents.length} incidents; ${badged} badged; screenshot ${file}`,
  );
}
