// Smoke test of the installed .vsix: the workbench loads, our view container is in the activity bar and
// the palette offers our entry command. Later UI tests build on exactly these three facts.
/* global document -- page.evaluate() callbacks run in the browser */
const OPEN_LOG = 'PF Incident: Open Incident Log…';

export default async function ({ page, cs, helpers }) {
  const { waitFor, waitForWorkbench, paletteLabels } = helpers;
  await waitForWorkbench(page, { cs });

  // The activity bar entry's aria-label is the container title, sometimes followed by a keybinding hint.
  const entry = await waitFor(
    () =>
      page.evaluate(() =>
        [...document.querySelectorAll('.part.activitybar [aria-label]')]
          .map((el) => el.getAttribute('aria-label'))
          .find((label) => label.startsWith('Incidents')),
      ),
    60_000,
    'an activity bar entry whose aria-label starts with "Incidents" (the pfIncident view container)',
    { cs },
  );

  // Listing is enough: running it would open a file picker this test does not need.
  const exact = (labels) => labels.includes(OPEN_LOG);
  exact.what = `a command titled "${OPEN_LOG}"`;
  await paletteLabels(page, OPEN_LOG, { until: exact, cs });
  await page.keyboard.press('Escape');
  console.log(`    # activity bar entry "${entry}", palette lists "${OPEN_LOG}"`);
}
