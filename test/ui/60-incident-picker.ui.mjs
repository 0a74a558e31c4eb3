// Commands run from the palette ask for the incident the same way everywhere, with the incident selected in the
// tree first and each row reading like the tree row (the tenant from a linked Rollback included). Playbook steps,
// in the palette only while connected, are checked in test/cluster-ui/35-step-from-palette.ui.mjs.
import { extensionReady } from './ready.mjs';

export default async function ({ page, cs, outDir, helpers }) {
  const { runCommand, waitFor, screenshot, treeItems } = helpers;
  await extensionReady(page, helpers, cs);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await runCommand(page, 'View: Close All Editors', { cs });
  await runCommand(page, 'PF Incident: Open Demo Incident', { cs });
  let rows = [];
  await waitFor(
    async () => {
      rows = await treeItems(page);
      return rows.some((r) => r.label === 'Rolling back');
    },
    60_000,
    'the demo incidents grouped in the tree',
    { cs },
  );
  // An incident whose tenant only its Rollback knows: the tree shows it.
  const target = rows.find(
    (r) => r.level === 2 && /^c[a-z0-9]{5}/.test(r.description) && r.label.startsWith('sha256:'),
  );
  if (!target) throw new Error(`no incident row with a Rollback tenant: ${JSON.stringify(rows.slice(0, 12))}`);
  const tenant = target.description.split(' · ')[0].replace(/…$/, '');
  await page.locator(`.pane-body .monaco-list-row[aria-label="${target.ariaLabel.replace(/"/g, '\\"')}"]`).click();

  const pickerRows = () =>
    page.$$eval('.quick-input-widget .quick-input-list .monaco-list-row', (els) =>
      els.map((e) => ({
        label: (e.querySelector('.label-name')?.textContent ?? '').trim(),
        description: (e.querySelector('.label-description')?.textContent ?? '').trim(),
        text: (e.textContent ?? '').replace(/\s+/g, ' ').trim(),
      })),
    );
  const title = () => page.locator('.quick-input-widget .quick-input-title').textContent();
  const openPicker = async (command, what) => {
    await page.locator('.pane-body .monaco-list-row.selected').first().click();
    await runCommand(page, command, { cs });
    let got = [];
    await waitFor(
      async () => {
        // The palette's own rows first; the incident picker is up once its title asks for an incident.
        if (!/incident/i.test((await title().catch(() => '')) ?? '')) return false;
        got = await pickerRows();
        return got.length > 1;
      },
      15_000,
      what,
      { cs },
    );
    return got;
  };

  for (const command of ['PF Incident: Draft Incident Report', 'PF Incident: Open Triage Panel']) {
    const got = await openPicker(command, `the incident picker of "${command}"`);
    const first = got[0];
    if (first.label !== target.label || !first.text.includes('selected in the tree') || !first.text.includes(tenant)) {
      throw new Error(`${command}: first row ${JSON.stringify(first)}, wanted ${target.label} with ${tenant}`);
    }
    if (got.some((r) => r.label.startsWith('sha256:') && r.text.includes('tenant ?') && r.label === target.label)) {
      throw new Error(`${command}: the selected incident shown without its tenant`);
    }
    console.log(`    # ${command}: first row "${first.text.slice(0, 110)}"`);
    if (command.endsWith('Open Triage Panel')) {
      await screenshot(page, outDir, 'incident-picker');
      await page.keyboard.press('Enter');
    } else {
      await page.keyboard.press('Escape');
    }
  }

  // Enter took the first row: the panel shows that incident, with the tenant its Rollback names.
  let facts = '';
  await waitFor(
    async () => {
      const hit = await helpers.findInFrames(page, 'body[data-chart-key] #facts');
      facts = hit ? ((await hit.element.textContent()) ?? '') : '';
      return facts.includes(tenant);
    },
    60_000,
    `the triage panel of ${target.label} with tenant ${tenant}`,
    { cs },
  ).catch((e) => {
    throw new Error(`${e.message}; panel facts "${facts.slice(0, 200)}"`);
  });
  await runCommand(page, 'View: Close All Editors', { cs });
}
