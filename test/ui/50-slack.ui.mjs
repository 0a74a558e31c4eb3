// "Notify Slack…" in the packaged extension: the webhook URL typed into a password box (SecretStorage), the
// incident picked, the exact message previewed in a modal before anything is sent, a failed post (HTTP 500)
// reported with Retry, and Retry sending the very same message to a local webhook server.
import crypto from 'node:crypto';
import http from 'node:http';
import { extensionReady } from './ready.mjs';

/* global document -- evaluate() callbacks run in the browser */
export default async function ({ page, cs, outDir, helpers }) {
  const { runCommand, waitFor, screenshot } = helpers;
  await extensionReady(page, helpers, cs);
  // Whatever an earlier file left open (a palette, a dialog, a reviving panel that would take the focus) goes first.
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await runCommand(page, 'View: Close All Editors', { cs });
  /** Runs a palette command until `ready` holds: a webview still loading can close the input it opened. */
  const runUntil = async (title, ready, what) => {
    for (let i = 1; ; i++) {
      await runCommand(page, title, { cs });
      try {
        await waitFor(ready, 10_000, what, { cs });
        return;
      } catch (e) {
        if (i >= 3) throw e;
        await page.keyboard.press('Escape');
      }
    }
  };
  const bodies = [];
  let status = 500;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'internal_error');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const secret = `S${crypto.randomBytes(8).toString('hex')}`;
  const url = `http://127.0.0.1:${server.address().port}/services/T0/B0/${secret}`;
  try {
    await runCommand(page, 'PF Incident: Open Sample Incident Log', { cs });
    await waitFor(async () => (await helpers.treeItems(page)).some((r) => r.level === 2), 60_000, 'the incidents', {
      cs,
    });

    const input = page.locator('.quick-input-widget .quick-input-box input');
    await runUntil(
      'PF Incident: Set Slack Webhook URL…',
      async () => (await input.isVisible()) && (await input.evaluate((el) => el.type)) === 'password',
      'the webhook URL box (a password box)',
    );
    await input.fill(url);
    await input.press('Enter');
    await waitFor(
      () =>
        page.evaluate(() => document.body.textContent.includes("Slack webhook URL saved in VS Code's secret storage")),
      15_000,
      'the saved message',
      { cs },
    );

    const title = page.locator('.quick-input-widget .quick-input-title');
    await runUntil(
      'PF Incident: Notify Slack…',
      async () => /^Incident to post to Slack/.test(await title.innerText().catch(() => '')),
      'the incident picker',
    );
    await waitFor(
      async () => (await page.locator('.quick-input-list .monaco-list-row').count()) > 0,
      15_000,
      'incidents to pick',
      { cs },
    );
    await page.locator('.quick-input-list .monaco-list-row').first().click();
    const dialog = page.locator('.monaco-dialog-box');
    await waitFor(() => dialog.isVisible(), 30_000, 'the preview', { cs });
    const preview = await dialog.innerText();
    if (!preview.includes('Send this incident summary to Slack?') || !/Notification text: GuardTrip /.test(preview)) {
      throw new Error(`unexpected preview: ${preview}`);
    }
    if (bodies.length !== 0) throw new Error('something was sent before the preview was confirmed');
    await screenshot(page, outDir, 'slack-preview');
    await dialog.locator('.monaco-button', { hasText: /^Send$/ }).click();

    await waitFor(() => bodies.length === 1, 15_000, 'the first post', { cs });
    const retry = page.locator('.notifications-toasts .monaco-button', { hasText: /^Retry$/ }).first();
    await waitFor(() => retry.isVisible(), 15_000, 'the failure with a Retry button', { cs });
    const failure = await page.locator('.notifications-toasts').innerText();
    if (!/Posting to Slack failed: HTTP 500/.test(failure) || failure.includes(secret)) {
      throw new Error(`unexpected failure message: ${failure}`);
    }
    status = 200;
    await retry.click();
    await waitFor(() => bodies.length === 2, 15_000, 'the retried post', { cs });
    if (bodies[1] !== bodies[0]) throw new Error('the retry did not send the kept message');
    const sent = JSON.parse(bodies[0]);
    const previewed = /Notification text: (.*)/.exec(preview)?.[1]?.trim();
    if (sent.text !== previewed)
      throw new Error(`sent ${JSON.stringify(sent.text)}, previewed ${JSON.stringify(previewed)}`);
    console.log(`    # previewed, 500 -> kept -> retried: ${sent.blocks.length} blocks, "${sent.text.slice(0, 80)}…"`);
    await runCommand(page, 'PF Incident: Clear Slack Webhook URL', { cs });
  } finally {
    server.close();
  }
}
