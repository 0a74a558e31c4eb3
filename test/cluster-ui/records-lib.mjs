// Shared by the code-server files run against the cluster tier (test/cluster-ui, test/bench-live): the control
// endpoint of test/tools/test-cluster.mjs, GuardTrip log lines, pickers, connecting, tree context menus and the
// incident folder.
import fs from 'node:fs';
import path from 'node:path';

/* global document -- evaluate() callbacks run in the browser */

export function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this through node test/tools/test-cluster.mjs`);
  return v;
}

export async function rpc(op, ...args) {
  const res = await fetch(need('PF_TEST_CONTROL'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ op, args }),
  });
  const out = await res.json();
  if (!out.ok) throw new Error(`${op}: ${out.error}`);
  return out.result;
}

export const sqlLit = (v) => `'${v.replace(/'/g, "''")}'`;

/** What the bot prints for one GuardTrip it rolled back (fact sheet §2.8, plain NestJS form). */
export function guardTripLines(hash, risk, misses) {
  const p = (level, ctx, msg) => `[Nest] 1  - 08/05/2025, 2:15:30 PM ${level.padStart(7)} [${ctx}] ${msg}`;
  const reason = `high_risk_${hash}`;
  return [
    p('LOG', 'KafkaService', `Processing GuardTrip event: ${hash} (risk: ${risk})`),
    p('LOG', 'DecisionEngineService', `Evaluating GuardTrip: risk=${risk}, misses=${misses}`),
    p('WARN', 'DecisionEngineService', `Rollback decision: ${reason} for capsule ${hash}`),
    p('WARN', 'KafkaService', `Rollback decision made: ${reason} for capsule ${hash}`),
    p('LOG', 'DecisionEngineService', `Executing rollback to release v0.1.0 for reason: ${reason}`),
  ];
}

export const rowLabel = (hex) => `sha256:${hex.slice(0, 8)}…${hex.slice(-4)}`;

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Picks the QuickPick row whose label is exactly `label` ("pf-test", not "pf-test-restricted"). */
export async function pick(page, helpers, cs, label, what) {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await helpers.waitFor(() => input.isVisible(), 30_000, what, { cs });
  await input.fill(label);
  const row = page.locator('.quick-input-list .monaco-list-row').filter({
    has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(label)}$`) }),
  });
  await helpers.waitFor(async () => (await row.count()) > 0, 30_000, `${what}: a row "${label}"`, { cs });
  await row.first().click();
}

/** The status bar's text, with the non-breaking spaces VS Code puts in item labels made plain. */
export async function statusBarText(page) {
  const text = await page.evaluate(() => document.querySelector('.part.statusbar')?.textContent ?? '');
  return text.replace(/\u00a0/g, ' ');
}

/**
 * Connect to Cluster… through the context and namespace pickers. When namespaces cannot be listed (a user without
 * RBAC), an input box asks for it, pre-filled with the bot's default namespace.
 */
export async function connect(
  page,
  helpers,
  cs,
  { context = 'pf-test', namespace = 'monitoring', canListNamespaces = true } = {},
) {
  await helpers.runCommand(page, 'PF Incident: Connect to Cluster…', { cs });
  await pick(page, helpers, cs, context, 'the context picker');
  if (canListNamespaces) {
    await pick(page, helpers, cs, namespace, 'the namespace picker');
  } else {
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await helpers.waitFor(
      async () => (await input.isVisible()) && (await input.inputValue()) === namespace,
      30_000,
      `the namespace input box with "${namespace}"`,
      { cs },
    );
    await input.press('Enter');
  }
  await helpers.waitFor(
    async () => (await statusBarText(page)).includes(`${context} · ${namespace}`),
    30_000,
    `the status bar to show ${context} · ${namespace}`,
    { cs },
  );
}

/** Appends a GuardTrip for a fresh capsule to the bot's log and waits for its incident row. */
export async function newIncident(page, helpers, cs, hex) {
  fs.appendFileSync(need('PF_TEST_LOGS_FILE'), `${guardTripLines(`sha256:${hex}`, 0.93, 0).join('\n')}\n`);
  const label = rowLabel(hex);
  await helpers.waitFor(
    async () => (await helpers.treeItems(page)).some((r) => r.level === 2 && r.label === label),
    60_000,
    `the incident row ${label}`,
    { cs },
  );
  return label;
}

function incidentRow(page, label) {
  return page
    .locator('.pane-body .monaco-list-row[aria-level="2"]')
    .filter({ has: page.locator('.label-name', { hasText: label }) })
    .first();
}

const exactly = (text) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

function menuEntry(page, text) {
  return page
    .locator('.context-view .monaco-menu .action-item')
    .filter({ has: page.locator('.action-label', { hasText: exactly(text) }) })
    .first();
}

/**
 * Right-clicks the incident's row and runs an entry of its context menu; `path` may go through submenus
 * (e.g. "Playbook", "Pause the Incident-Bot"), which open on hover.
 */
export async function rowMenu(page, helpers, cs, label, ...path) {
  const row = incidentRow(page, label);
  await row.scrollIntoViewIfNeeded();
  await row.click({ button: 'right' });
  for (const [i, item] of path.entries()) {
    const entry = menuEntry(page, item);
    await helpers.waitFor(() => entry.isVisible(), 15_000, `the context menu entry "${item}"`, { cs });
    // A click that lands in the moment the menu appears is ignored by VS Code's menu (the menu stays open with the
    // entry highlighted); a person cannot click that fast. Measured: immediate clicks failed, after 500 ms they work.
    await page.waitForTimeout(500);
    if (i < path.length - 1) await entry.hover();
    else await entry.click();
  }
}

/**
 * rowMenu until `done()` holds: the live tree redraws its rows as the cluster changes, which can close a context
 * menu between the right-click and the click on its entry, so each attempt is checked by its effect.
 */
export async function rowMenuUntil(
  page,
  helpers,
  cs,
  label,
  path,
  done,
  what,
  { attempts = 4, perAttemptMs = 15_000 } = {},
) {
  for (let i = 1; ; i++) {
    await page.keyboard.press('Escape');
    await rowMenu(page, helpers, cs, label, ...path).catch((e) => {
      if (i >= attempts) throw e;
    });
    try {
      await helpers.waitFor(done, perAttemptMs, what, { cs });
      return;
    } catch (e) {
      const rows = (await helpers.treeItems(page)).map((r) => `${r.level}:${r.label}`).join(', ');
      const tabs = (await page.locator('.tabs-container .tab').allInnerTexts()).join(' | ');
      console.log(`    # ${what}: not yet after attempt ${i} (tree: ${rows}; tabs: ${tabs})`);
      if (i >= attempts) throw e;
    }
  }
}

/** Clicks `button` of the modal dialog VS Code shows (a confirmation). */
export async function answerModal(page, helpers, cs, button, what) {
  const btn = page.locator('.monaco-dialog-box .monaco-button', { hasText: new RegExp(`^${button}$`) }).first();
  await helpers.waitFor(() => btn.isVisible(), 60_000, what, { cs });
  const text = await page.locator('.monaco-dialog-box .dialog-message-text').first().innerText();
  await btn.click();
  return text;
}

/** incidents/<id>/ folders of the workspace that hold `file` (relative), newest first. */
export function incidentFolders(workspace, rel) {
  const root = path.join(workspace, 'incidents');
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .map((id) => path.join(root, id))
    .filter((d) => fs.existsSync(path.join(d, rel)))
    .sort((a, b) => fs.statSync(path.join(b, rel)).mtimeMs - fs.statSync(path.join(a, rel)).mtimeMs);
}

export function filesIn(dir, re) {
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((n) => re.test(n))
        .map((n) => path.join(dir, n))
    : [];
}

/** After a command that asks for an incident when several are loaded: picks `label` if the picker shows. */
export async function pickIncidentIfAsked(page, helpers, cs, label, ready) {
  // The picker is told apart from the closing command palette by its title ("Incident to …").
  const title = page.locator('.quick-input-widget .quick-input-title');
  let asked = false;
  await helpers.waitFor(
    async () => {
      asked = (await title.isVisible()) && /^Incident to /.test(await title.innerText());
      return asked || (await ready());
    },
    30_000,
    'the incident picker (or the command going ahead)',
    { cs },
  );
  if (asked) await pick(page, helpers, cs, label, 'the incident picker');
}
