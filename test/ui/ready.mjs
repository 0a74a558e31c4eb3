// Shared by the UI tests: the workbench is interactive and our contributions are registered (the palette
// lists contributed commands only after that), whichever test file runs first.
/* global document -- evaluate() callbacks run in the browser */
export async function extensionReady(page, helpers, cs) {
  await helpers.waitForWorkbench(page, { cs });
  await helpers.waitFor(
    () =>
      page.evaluate(() =>
        [...document.querySelectorAll('.part.activitybar [aria-label]')].some((el) =>
          (el.getAttribute('aria-label') ?? '').startsWith('Incidents'),
        ),
      ),
    60_000,
    'the Incidents activity bar entry',
    { cs },
  );
}
