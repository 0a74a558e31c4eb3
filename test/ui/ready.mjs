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

/**
 * Answers VS Code's simple file dialog (code-server uses it) with a file of the opened folder. The dialog fills
 * its input with the folder shortly after it opens and validates what is typed as it goes, so: wait for the
 * folder, type the name after it like a person would, wait for the list to narrow to that file, then Enter.
 */
export async function pickFile(page, helpers, cs, filePath) {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const dir = filePath.slice(0, filePath.lastIndexOf('/') + 1);
  const name = filePath.slice(dir.length);
  await helpers.waitFor(() => input.isVisible(), 30_000, 'the file dialog', { cs });
  await helpers.waitFor(async () => (await input.inputValue()) === dir, 15_000, `the file dialog to show ${dir}`, {
    cs,
  });
  await input.press('End');
  await page.keyboard.type(name, { delay: 20 });
  await helpers.waitFor(
    async () => (await input.inputValue()) === filePath,
    15_000,
    `the file dialog to hold ${filePath}`,
    { cs },
  );
  // The dialog checks the typed path asynchronously; Enter before that is ignored, so retry a few times.
  for (let i = 0; i < 10 && (await input.isVisible()); i++) {
    await page.waitForTimeout(400);
    if ((await input.inputValue()) !== filePath) {
      await input.fill(filePath);
      continue;
    }
    await page.keyboard.press('Enter');
    await page.waitForTimeout(400);
  }
  await helpers.waitFor(async () => !(await input.isVisible()), 15_000, 'the file dialog to close', { cs });
}
