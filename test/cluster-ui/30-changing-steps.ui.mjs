// Changing playbook steps in the real VS Code against the cluster tier's real kube-apiserver: Pause the Incident-Bot
// shows the server dry run in the diff editor (replicas N → 0) and a modal naming context, namespace and object;
// Apply scales the real Deployment and appends to the incident audit trail; Undo restores the replicas; an invalid
// manual Rollback is caught before sending; a context matching pfIncident.safety.readOnlyContexts is refused; the
// restricted user is refused with the missing permission.
import fs from 'node:fs';
import path from 'node:path';
import { extensionReady } from '../ui/ready.mjs';
import { connect, rpc, statusBarText } from './records-lib.mjs';

const norm = (s) => (s ?? '').replace(/\u00a0/g, ' ');

/* global document -- evaluate() callbacks run in the browser */

async function botReplicas() {
  const r = await rpc('kubectl', [
    'get',
    'deployment',
    'incident-bot',
    '-n',
    'monitoring',
    '-o',
    'jsonpath={.spec.replicas}',
  ]);
  if (r.code !== 0) throw new Error(`kubectl get deployment: ${r.stderr}`);
  return Number(r.stdout.trim());
}

async function dialog(page) {
  return page.evaluate(() => {
    const box = document.querySelector('.monaco-dialog-box');
    if (!box) return null;
    return {
      message: box.querySelector('.dialog-message-text')?.textContent ?? '',
      detail: box.querySelector('.dialog-message-detail')?.textContent ?? '',
      buttons: [...box.querySelectorAll('.dialog-buttons .monaco-button')].map((b) => b.textContent ?? ''),
    };
  });
}

async function diffState(page) {
  return page.evaluate(() => ({
    tabs: [...document.querySelectorAll('.tabs-container .tab')].map((t) => t.getAttribute('aria-label') ?? ''),
    original: document.querySelector('.monaco-diff-editor .editor.original .view-lines')?.textContent ?? '',
    modified: document.querySelector('.monaco-diff-editor .editor.modified .view-lines')?.textContent ?? '',
  }));
}

async function toasts(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('.notifications-toasts .notification-list-item-message')].map(
      (e) => e.textContent ?? '',
    ),
  );
}

async function waitToast(page, helpers, cs, re, what) {
  let seen = [];
  await helpers
    .waitFor(
      async () => {
        seen = (await toasts(page)).map(norm);
        return seen.some((t) => re.test(t));
      },
      30_000,
      what,
      { cs },
    )
    .catch((e) => {
      throw new Error(`${e.message}; notifications: ${JSON.stringify(seen)}`);
    });
  return seen.find((t) => re.test(t));
}

/** The dry-run diff editor and the modal, then Apply. */
async function reviewAndApply(page, helpers, cs, { before, after }) {
  const title = 'Deployment incident-bot in pf-test/monitoring: before ↔ after (server dry run)';
  let d = null;
  await helpers
    .waitFor(
      async () => {
        d = await diffState(page);
        return (
          d.tabs.some((t) => norm(t).includes(title)) &&
          norm(d.original).includes(`replicas: ${before}`) &&
          norm(d.modified).includes(`replicas: ${after}`)
        );
      },
      30_000,
      `the diff editor "${title}" with replicas ${before} → ${after}`,
      { cs },
    )
    .catch((e) => {
      throw new Error(`${e.message}; ${JSON.stringify(d)?.slice(0, 600)}`);
    });
  let m = null;
  await helpers.waitFor(async () => (m = await dialog(page)) !== null, 30_000, 'the confirmation dialog', { cs });
  const text = norm(`${m.message}\n${m.detail}`);
  for (const want of ['pf-test', 'Namespace: monitoring', 'Object: Deployment incident-bot']) {
    if (!text.includes(want)) throw new Error(`the confirmation does not name "${want}": ${text}`);
  }
  await page.locator('.monaco-dialog-box .dialog-buttons .monaco-button', { hasText: 'Apply' }).click();
  await helpers.waitFor(async () => (await dialog(page)) === null, 15_000, 'the dialog to close', { cs });
}

export default async function ({ page, cs, outDir, workspace, helpers }) {
  const { runCommand, waitFor, screenshot } = helpers;
  await extensionReady(page, helpers, cs);
  const initial = await botReplicas();
  try {
    await connect(page, helpers, cs);

    // --- pause: dry-run diff N → 0, modal, apply, audit, status-bar countdown -----------------------------------------
    await runCommand(page, 'PF Incident: Pause the Incident-Bot', { cs });
    await reviewAndApply(page, helpers, cs, { before: initial, after: 0 });
    await waitFor(async () => (await botReplicas()) === 0, 30_000, 'the Deployment scaled to 0', { cs });
    await waitFor(
      async () => /incident-bot paused · \d+:\d\d/.test(await statusBarText(page)),
      15_000,
      'the paused-bot countdown in the status bar',
      { cs },
    );
    await screenshot(page, outDir, 'playbook-paused');
    const auditFile = path.join(workspace, 'incidents', '_unscoped', 'audit.jsonl');
    const lines = fs
      .readFileSync(auditFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const last = lines[lines.length - 1];
    if (last.step !== 'pauseBot' || last.outcome !== 'succeeded' || last.context !== 'pf-test' || !last.undo) {
      throw new Error(`unexpected audit entry: ${JSON.stringify(last)}`);
    }
    console.log(
      `    # paused: replicas ${initial} -> 0, audit ${path.relative(workspace, auditFile)}: ${last.message}`,
    );

    // --- undo restores the replicas ----------------------------------------------------------------------------------
    await runCommand(page, 'PF Incident: Undo Last Playbook Change', { cs });
    await reviewAndApply(page, helpers, cs, { before: 0, after: initial });
    await waitFor(async () => (await botReplicas()) === initial, 30_000, `the Deployment back at ${initial}`, { cs });
    await waitFor(
      async () => !(await statusBarText(page)).includes('incident-bot paused'),
      15_000,
      'the countdown gone',
      { cs },
    );
    console.log(`    # undo: replicas 0 -> ${initial}`);

    // --- an invalid manual Rollback is caught before sending ---------------------------------------------------------
    const rollbacksBefore = (await rpc('kubectl', ['get', 'rollbacks.ops.prov-fabric.io', '-o', 'name'])).stdout;
    await runCommand(page, 'PF Incident: Create a Manual Rollback', { cs });
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await waitFor(() => input.isVisible(), 30_000, 'the targetRelease input box', { cs });
    await input.fill('v0.1.0');
    await input.press('Enter');
    const rbError = await waitToast(page, helpers, cs, /rollback: spec\.targetRelease/, 'the invalid Rollback error');
    const rollbacksAfter = (await rpc('kubectl', ['get', 'rollbacks.ops.prov-fabric.io', '-o', 'name'])).stdout;
    if (rollbacksAfter !== rollbacksBefore) throw new Error('a Rollback was created');
    console.log(`    # invalid Rollback: ${rbError}`);

    // --- a read-only context pattern matching pf-test refuses --------------------------------------------------------
    const settingsFile = path.join(workspace, '.vscode', 'settings.json');
    const settingsBefore = fs.existsSync(settingsFile) ? fs.readFileSync(settingsFile, 'utf8') : null;
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    fs.writeFileSync(
      settingsFile,
      JSON.stringify(
        { ...JSON.parse(settingsBefore ?? '{}'), 'pfIncident.safety.readOnlyContexts': ['pf-te*'] },
        null,
        2,
      ),
    );
    await new Promise((r) => setTimeout(r, 2000));
    await runCommand(page, 'PF Incident: Pause the Incident-Bot', { cs });
    const ro = await waitToast(page, helpers, cs, /read-only.*pf-te\*/, 'the read-only refusal');
    if ((await botReplicas()) !== initial) throw new Error('the read-only context was changed');
    if (settingsBefore === null) fs.rmSync(settingsFile);
    else fs.writeFileSync(settingsFile, settingsBefore);
    console.log(`    # read-only: ${ro}`);

    // --- the restricted user is refused with the missing permission --------------------------------------------------
    await connect(page, helpers, cs, { context: 'pf-test-restricted', canListNamespaces: false });
    await runCommand(page, 'PF Incident: Pause the Incident-Bot', { cs });
    const forbidden = await waitToast(page, helpers, cs, /missing permission .*deployments/, 'the forbidden refusal');
    if ((await botReplicas()) !== initial) throw new Error('the restricted user changed the Deployment');
    await screenshot(page, outDir, 'playbook-forbidden');
    console.log(`    # restricted: ${forbidden}`);
    await runCommand(page, 'PF Incident: Disconnect from Cluster', { cs });
  } finally {
    // Leave the workbench as found: the diff editors and the notifications would cover what later tests look for.
    await runCommand(page, 'View: Close All Editors', { cs }).catch(() => undefined);
    await runCommand(page, 'Notifications: Clear All Notifications', { cs }).catch(() => undefined);
    // The palette runs had no incident: leave no incidents/_unscoped audit behind for the tests after this one.
    fs.rmSync(path.join(workspace, 'incidents', '_unscoped'), { recursive: true, force: true });
    // Never leave the bot scaled down for the tests after this one.
    if ((await botReplicas().catch(() => initial)) !== initial) {
      await rpc('kubectl', ['scale', 'deployment/incident-bot', '-n', 'monitoring', `--replicas=${initial}`]);
    }
  }
}
