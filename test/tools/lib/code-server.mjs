// Shared plumbing for the "real VS Code" test tier: a code-server process (Code-OSS with a Node extension
// host) driven by Playwright in Debian's Chromium. See /work/shared/reference/real-vscode-host.md for the
// facts behind the flags; test-integration.mjs, test-ui.mjs and demo.mjs are the callers.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ensureHost } from '../host-setup.mjs';
/* global document -- page.evaluate() callbacks run in the browser */

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// Everything here keeps a fresh profile from spending the first seconds on welcome pages, AI/chat panels,
// telemetry or marketplace traffic, none of which a test wants and some of which hang offline.
export const DEFAULT_SETTINGS = Object.freeze({
  'workbench.startupEditor': 'none',
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.enabled': false,
});

// The flags checked on these machines: no sandbox (root in a container), no GPU, and nothing that phones home.
export const CHROMIUM_ARGS = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
]);

const HOST = '127.0.0.1';
const LOG_KEEP = 2 * 1024 * 1024;

// Servers and browsers still running. A harness that crashes or is interrupted must not leave a detached
// code-server process group (or Chromium) behind, so exit and signal hooks below walk this set.
const live = new Set();

/** The last `lines` lines of every live code-server's log (or of `cs` only), for failure messages. */
export function logTail(cs, lines = 40) {
  const servers = cs ? [cs] : [...live].filter((r) => r.kind === 'code-server').map((r) => r.handle);
  return servers
    .map((s) => {
      const tail = s.log().trimEnd().split('\n').slice(-lines).join('\n');
      return `--- last ${lines} lines of the code-server log (port ${s.port}) ---\n${tail || '(empty)'}`;
    })
    .join('\n');
}

/** An Error whose message says what was being waited for and carries the code-server log tail. */
export function harnessError(what, cause, cs) {
  const detail = cause ? `: ${cause instanceof Error ? cause.message : String(cause)}` : '';
  const tail = logTail(cs);
  return new Error(`${what}${detail}${tail ? `\n${tail}` : ''}`, cause instanceof Error ? { cause } : undefined);
}

/**
 * Polls `fn` until it returns a truthy value and returns that value. Exceptions count as "not yet"
 * (elements that are not attached yet throw), and the last one is reported if time runs out.
 */
export async function waitFor(fn, timeoutMs, what, { intervalMs = 250, cs } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const because = lastError ? ` (last error: ${lastError.message ?? lastError})` : '';
      throw harnessError(`Timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${because}`, null, cs);
    }
    await sleep(intervalMs);
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks the kernel for an unused port on the loopback interface. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/**
 * Copies `source` (if it exists) into a new temp folder, so a test run never edits the checked-in fixture.
 * The folder is removed when the process exits, even on an interrupt, if the caller has not done it before.
 */
export function tempWorkspace(source, prefix = 'pf-ws-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  scratchDirs.add(dir);
  installHooks();
  if (source && fs.existsSync(source)) fs.cpSync(source, dir, { recursive: true });
  return dir;
}

/**
 * The environment for code-server and everything it spawns (the extension host inherits it, which is how
 * PF_TEST_* variables reach tests). Some inherited variables would hijack the server: PORT and
 * CODE_SERVER_HOST override --bind-addr, VSCODE_IPC_HOOK_CLI (set in any VS Code terminal) makes code-server
 * hand the folder to the outer editor and exit, VSCODE_AGENT_FOLDER moves its data out of our temp dirs.
 */
function serverEnv(host, dirs, extra) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (
      key.startsWith('VSCODE_') ||
      key.startsWith('CODE_SERVER_') ||
      key === 'PORT' ||
      key === 'ELECTRON_RUN_AS_NODE'
    ) {
      delete env[key];
    }
  }
  return {
    ...env,
    ...extra,
    // code-server 4.139 needs Node 24, and child processes it spawns by name must find the same node.
    PATH: `${path.join(host.node24Dir, 'bin')}${path.delimiter}${extra?.PATH ?? process.env.PATH}`,
    // Without these, every code-server invocation writes ~/.config/code-server/config.yaml and shares state.
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.xdgCache,
  };
}

/**
 * Starts code-server for one test run. See the file header and real-vscode-host.md.
 * `installVsix` is installed into the (fresh) extensions dir before the server starts;
 * `extensionDevelopmentPath` is sent through the URL payload by url(), which needs the smoke-test driver
 * (enabled automatically in that case), because code-server has no command-line flag for it.
 */
export async function startCodeServer({
  workspace,
  extensionsDir,
  installVsix,
  extensionDevelopmentPath,
  settings = {},
  env = {},
  port,
  smokeTestDriver = Boolean(extensionDevelopmentPath),
  startTimeoutMs = 60_000,
  stopGraceMs = 5_000,
} = {}) {
  const host = ensureHost();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-code-server-'));
  const dirs = {
    root,
    userData: path.join(root, 'user-data'),
    extensions: extensionsDir ? path.resolve(extensionsDir) : path.join(root, 'extensions'),
    xdgConfig: path.join(root, 'xdg-config'),
    xdgData: path.join(root, 'xdg-data'),
    xdgCache: path.join(root, 'xdg-cache'),
  };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_SETTINGS, ...settings }, null, 2),
  );
  const childEnv = serverEnv(host, dirs, env);
  const removeDirs = () => fs.rmSync(root, { recursive: true, force: true });

  if (installVsix) {
    const vsix = path.resolve(installVsix);
    const r = spawnSync(
      host.codeServer,
      [
        '--config',
        '/dev/null',
        '--user-data-dir',
        dirs.userData,
        '--extensions-dir',
        dirs.extensions,
        '--force',
        '--install-extension',
        vsix,
      ],
      { env: childEnv, encoding: 'utf8', timeout: 120_000 },
    );
    if (r.status !== 0) {
      removeDirs();
      const out = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim();
      throw new Error(`code-server --install-extension ${vsix} failed (exit ${r.status ?? r.signal}):\n${out}`);
    }
  }

  // A port picked by listening on 0 can be taken again before code-server binds it; retry with a new one
  // then. A port the caller chose is checked up front so the message names it instead of a log excerpt.
  if (port != null && !(await portIsFree(port))) {
    removeDirs();
    throw new Error(`Port ${port} on ${HOST} is already in use (another code-server or demo still running?)`);
  }
  let lastFailure;
  for (let attempt = 0; attempt < (port != null ? 1 : 3); attempt++) {
    const usePort = port ?? (await freePort());
    const started = await spawnServer({
      host,
      dirs,
      env: childEnv,
      workspace,
      port: usePort,
      smokeTestDriver,
      startTimeoutMs,
    });
    if (started.ok) {
      return makeHandle({
        ...started,
        dirs,
        workspace,
        extensionDevelopmentPath,
        smokeTestDriver,
        stopGraceMs,
        removeDirs,
      });
    }
    lastFailure = started;
    if (!/EADDRINUSE/.test(started.logText())) break;
  }
  removeDirs();
  throw new Error(
    `${lastFailure.message}\n--- code-server log ---\n${lastFailure.logText().trimEnd().split('\n').slice(-60).join('\n')}`,
  );
}

async function spawnServer({ host, dirs, env, workspace, port, smokeTestDriver, startTimeoutMs }) {
  const args = [
    '--config',
    '/dev/null',
    '--bind-addr',
    `${HOST}:${port}`,
    '--auth',
    'none',
    '--user-data-dir',
    dirs.userData,
    '--extensions-dir',
    dirs.extensions,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    // A closed browser tab otherwise keeps its extension host alive for 3 hours.
    '--reconnection-grace-time',
    '5',
  ];
  // Makes the workbench honour the ?payload= URL parameter (extensionDevelopmentPath/extensionTestsPath)
  // and call window.codeAutomationLog/codeAutomationExit; without it the payload is silently ignored.
  if (smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  if (workspace) args.push(path.resolve(workspace));

  const startedAt = Date.now();
  // Own process group: code-server forks file watchers, the extension host and agent hosts, and killing
  // only its pid would orphan them. stop() signals the whole group.
  const child = spawn(host.codeServer, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let text = '';
  const append = (chunk) => {
    text += chunk;
    if (text.length > LOG_KEEP) text = text.slice(-LOG_KEEP / 2);
  };
  child.stdout.setEncoding('utf8').on('data', append);
  child.stderr.setEncoding('utf8').on('data', append);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve((exited = { code, signal })));
    child.on('error', (error) => resolve((exited = { code: null, signal: null, error })));
  });
  const logText = () => text;
  // Tracked while starting too, so an interrupt during the wait still takes the process group down.
  const starting = { kind: 'starting', pgid: child.pid, dirs: [dirs.root] };
  track(starting);

  const deadline = startedAt + startTimeoutMs;
  try {
    while (Date.now() < deadline) {
      if (exited) {
        killGroupSync(child.pid); // children it forked before dying
        return { ok: false, logText, message: `code-server exited before /healthz answered (${describeExit(exited)})` };
      }
      if (await healthy(port)) {
        return { ok: true, child, port, startedAt, healthyAt: Date.now(), logText, exitPromise, getExit: () => exited };
      }
      await sleep(200);
    }
  } finally {
    live.delete(starting);
  }
  killGroupSync(child.pid);
  return {
    ok: false,
    logText,
    message: `Timed out after ${startTimeoutMs / 1000} s waiting for code-server /healthz on port ${port}`,
  };
}

function describeExit(e) {
  if (e.error) return `spawn error: ${e.error.message}`;
  return e.signal ? `signal ${e.signal}` : `exit code ${e.code}`;
}

function healthy(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port, path: '/healthz', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function makeHandle({
  child,
  port,
  startedAt,
  healthyAt,
  logText,
  exitPromise,
  getExit,
  dirs,
  workspace,
  extensionDevelopmentPath,
  smokeTestDriver,
  stopGraceMs,
  removeDirs,
}) {
  const authority = `${HOST}:${port}`;
  // Paths inside the payload are resolved by the workbench against the remote (the code-server machine).
  const remoteUri = (p) => `vscode-remote://${authority}${path.resolve(p)}`;
  let stopping;
  const record = { kind: 'code-server', pgid: child.pid, dirs: [dirs.root] };
  const handle = {
    port,
    pid: child.pid,
    dirs,
    workspace,
    timings: { startedAt, healthyAt },
    /** The code-server output so far (stdout and stderr interleaved). */
    log: logText,
    /** Resolves when the server process exits; `exited()` says whether it already has. */
    whenExited: exitPromise,
    exited: getExit,
    /**
     * The workbench URL for the workspace. `payload` (object or [key, value] pairs) goes into the smoke-test
     * driver payload; extensionDevelopmentPath/extensionTestsPath given as plain absolute paths are turned
     * into vscode-remote URIs, which is the form the workbench expects.
     */
    url(payload) {
      const entries = payload ? (Array.isArray(payload) ? [...payload] : Object.entries(payload)) : [];
      if (extensionDevelopmentPath && !entries.some(([k]) => k === 'extensionDevelopmentPath')) {
        entries.unshift(['extensionDevelopmentPath', extensionDevelopmentPath]);
      }
      const query = new URLSearchParams();
      if (workspace) {
        const ws = path.resolve(workspace);
        query.set(ws.endsWith('.code-workspace') ? 'workspace' : 'folder', ws);
      }
      if (entries.length) {
        if (!smokeTestDriver) {
          throw new Error(
            'url(payload) needs startCodeServer({ smokeTestDriver: true }): without it the workbench ignores the payload',
          );
        }
        const encoded = entries.map(([k, v]) => [
          k,
          /^extension(Development|Tests)Path$/.test(k) && !String(v).includes('://') ? remoteUri(v) : String(v),
        ]);
        query.set('payload', JSON.stringify(encoded));
      }
      const qs = query.toString();
      return `http://${authority}/${qs ? `?${qs}` : ''}`;
    },
    /** Copies the code-server log and the workbench/extension-host log folder into `dest` (for failures). */
    saveLogs(dest) {
      fs.mkdirSync(dest, { recursive: true });
      fs.writeFileSync(path.join(dest, 'code-server.log'), logText());
      const logs = path.join(dirs.userData, 'logs');
      if (fs.existsSync(logs)) fs.cpSync(logs, path.join(dest, 'vscode-logs'), { recursive: true });
      return dest;
    },
    /** SIGTERM to the whole process group, SIGKILL after the grace period, then the temp dirs go. Idempotent. */
    stop() {
      stopping ??= (async () => {
        await killGroup(child.pid, stopGraceMs);
        await Promise.race([exitPromise, sleep(1000)]);
        live.delete(record);
        removeDirs();
      })();
      return stopping;
    },
  };
  record.handle = handle;
  track(record);
  return handle;
}

/** Live members of a process group, ignoring zombies (which cannot be killed and only wait for a reaper). */
function groupMembers(pgid) {
  try {
    const pids = [];
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      let stat;
      try {
        stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      } catch {
        continue;
      }
      // Fields after the parenthesised command name: state, ppid, pgrp, ...
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') pids.push(Number(name));
    }
    return pids;
  } catch {
    // No /proc (not Linux): fall back to asking the kernel whether the group still exists.
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch (e) {
      return e.code === 'EPERM' ? [pgid] : [];
    }
  }
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

async function killGroup(pgid, graceMs) {
  if (!groupMembers(pgid).length) return;
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupMembers(pgid).length) return;
    await sleep(100);
  }
  signalGroup(pgid, 'SIGKILL');
  const hardDeadline = Date.now() + 2000;
  while (Date.now() < hardDeadline && groupMembers(pgid).length) await sleep(100);
}

function killGroupSync(pgid) {
  signalGroup(pgid, 'SIGKILL');
}

const scratchDirs = new Set();
let hooksInstalled = false;
function track(record) {
  live.add(record);
  installHooks();
}

function installHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // Last resort on any exit path (uncaught error, process.exit): synchronous, so only SIGKILL and rmSync.
  process.on('exit', () => {
    for (const r of live) {
      if (r.pgid) killGroupSync(r.pgid);
      for (const d of r.dirs) fs.rmSync(d, { recursive: true, force: true });
    }
    for (const d of scratchDirs) fs.rmSync(d, { recursive: true, force: true });
  });
  // code-server runs in its own process group, so Ctrl+C in a terminal never reaches it: forward the
  // interruption by stopping everything cleanly. If the program has its own handler for the signal
  // (demo.mjs does), it decides how to exit; otherwise exit the way an unhandled signal would.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      // Decided now: by the time stopAll() settles, the program's handler may already have run its course.
      const programHandles = process.listenerCount(signal) > 1;
      stopAll().finally(() => {
        if (!programHandles) process.exit(128 + os.constants.signals[signal]);
      });
    });
  }
}

/** Stops every code-server and browser started through this module that is still running. */
export async function stopAll() {
  await Promise.allSettled(
    [...live].map((r) => {
      if (r.kind === 'browser') return r.handle.close();
      if (r.kind === 'code-server') return r.handle.stop();
      killGroupSync(r.pgid);
      for (const d of r.dirs) fs.rmSync(d, { recursive: true, force: true });
      live.delete(r);
      return undefined;
    }),
  );
}

/**
 * Headless Debian Chromium with a throwaway profile. `outDir` receives browser-console.log (page errors and
 * console messages) when the browser is closed, which is often the only trace of a workbench-side failure.
 */
export async function launchBrowser({ outDir, headless = true, viewport = { width: 1400, height: 900 } } = {}) {
  const host = ensureHost();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: host.chromium,
      headless,
      args: [...CHROMIUM_ARGS],
      viewport,
      // Interrupts are handled by this module (stopAll) so code-server and Chromium go down together.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (e) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw harnessError(`Could not launch ${host.chromium}`, e);
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  let closing;
  const record = { kind: 'browser', dirs: [userDataDir] };
  const handle = {
    context,
    page,
    userDataDir,
    outDir,
    consoleLog: () => consoleLines.join('\n'),
    close() {
      closing ??= (async () => {
        if (outDir && consoleLines.length) {
          fs.mkdirSync(outDir, { recursive: true });
          fs.writeFileSync(path.join(outDir, 'browser-console.log'), consoleLines.join('\n') + '\n');
        }
        await Promise.race([context.close().catch(() => undefined), sleep(10_000)]);
        live.delete(record);
        fs.rmSync(userDataDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
  record.handle = handle;
  track(record);
  return handle;
}

/**
 * Waits until the workbench has rendered its activity bar and status bar, i.e. it accepts keyboard input.
 * `cs` only improves the failure message.
 */
export async function waitForWorkbench(page, { timeoutMs = 120_000, cs } = {}) {
  await waitFor(
    () =>
      page.evaluate(
        () =>
          !!document.querySelector('.monaco-workbench .part.activitybar .action-item') &&
          !!document.querySelector('.monaco-workbench .part.statusbar .statusbar-item'),
      ),
    timeoutMs,
    'the workbench (activity bar and status bar) to render',
    { cs, intervalMs: 200 },
  );
}

/**
 * Opens the command palette (F1) with `query` typed after the ">" and waits until the list shows a row
 * accepted by `until(labels)` (default: any row). Returns the row labels; the palette stays open.
 */
export async function paletteLabels(
  page,
  query,
  { until = (labels) => labels.length > 0, timeoutMs = 30_000, cs } = {},
) {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const deadline = Date.now() + timeoutMs;
  let labels = [];
  // A webview that (re)loads while the palette is open takes focus and closes the palette (its input turns
  // inert, then hidden), so the palette is reopened, a few times, until it lists what we wait for.
  for (let attempt = 1; ; attempt++) {
    let closed = false;
    try {
      await page.keyboard.press('F1');
      await waitFor(() => input.isVisible(), 10_000, 'the command palette to open after F1', { cs });
      // F1 pre-fills ">" (command mode); fill() sets the whole value in one input event, not per-key typing.
      await input.fill(`>${query}`, { timeout: 5_000 });
      const filledAt = Date.now();
      await waitFor(
        async () => {
          labels = await page.$$eval('.quick-input-list .monaco-list-row', (rows) =>
            rows.map((r) => (r.querySelector('.label-name')?.textContent ?? r.textContent ?? '').trim()),
          );
          if (until(labels)) return true;
          // Right after a window reload the palette can open before the command registry is ready and then
          // stays empty for this query: reopening it helps, waiting does not.
          closed = !(await input.isVisible()) || (labels.length === 0 && Date.now() - filledAt > 5_000);
          return closed;
        },
        Math.max(1_000, deadline - Date.now()),
        `the command palette to list ${until.what ?? `rows for "${query}"`} (rows: ${JSON.stringify(labels)})`,
        { cs },
      );
      if (!closed) break;
      throw new Error(
        `the command palette closed or stayed empty while waiting for ${until.what ?? `rows for "${query}"`}`,
      );
    } catch (e) {
      if (Date.now() >= deadline) throw e;
      await page.keyboard.press('Escape').catch(() => undefined);
      await page.waitForTimeout(Math.min(3000, 500 * attempt));
    }
  }
  return labels;
}

/**
 * Runs a command through the palette: F1, the title, then the row whose label is exactly that title. The
 * palette also lists partial matches, so the row is clicked unless it is already the focused (first) one.
 */
export async function runCommand(page, title, { timeoutMs = 30_000, cs } = {}) {
  const exact = (labels) => labels.includes(title);
  exact.what = `a row titled "${title}"`;
  await paletteLabels(page, title, { until: exact, timeoutMs, cs });
  const row = page.locator('.quick-input-list .monaco-list-row').filter({
    has: page.locator('.label-name', { hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }),
  });
  const focused = await row.first().evaluate((el) => el.classList.contains('focused'));
  if (focused) await page.keyboard.press('Enter');
  else await row.first().click();
}

/** The visible text of every row of the tree/list views in view panes (`root` narrows the search). */
export async function treeRows(page, root = '.pane-body') {
  return page.$$eval(`${root} .monaco-list-row`, (els) => els.map((e) => (e.textContent ?? '').trim()));
}

/**
 * Like treeRows, with the parts apart: label, description, aria-label (the tooltip), depth, and
 * expanded (true/false for collapsible rows, null for leaves).
 */
export async function treeItems(page, root = '.pane-body') {
  return page.$$eval(`${root} .monaco-list-row`, (els) =>
    els.map((e) => ({
      label: (e.querySelector('.label-name')?.textContent ?? '').trim(),
      description: (e.querySelector('.label-description')?.textContent ?? '').trim(),
      ariaLabel: e.getAttribute('aria-label') ?? '',
      level: Number(e.getAttribute('aria-level') ?? 0),
      expanded: e.hasAttribute('aria-expanded') ? e.getAttribute('aria-expanded') === 'true' : null,
    })),
  );
}

/**
 * Webview content lives two iframes deep (the webview host frame, then the content frame), so a selector
 * has to be tried in every frame. Returns { frame, element } for the first hit, or null.
 */
export async function findInFrames(page, selector) {
  for (const frame of page.frames()) {
    try {
      const element = await frame.$(selector);
      if (element) return { frame, element };
    } catch {
      // Frames navigate or detach while we look; the caller polls (e.g. with waitFor).
    }
  }
  return null;
}

/** Saves a PNG of the page as outDir/name(.png) and returns its path (null if the page is gone). */
export async function screenshot(page, outDir, name) {
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, name.endsWith('.png') ? name : `${name}.png`);
  try {
    await page.screenshot({ path: file, timeout: 15_000 });
    return file;
  } catch (e) {
    console.error(`screenshot ${file} failed: ${e.message}`);
    return null;
  }
}

/** Parses "90", "90s", "1500ms" or "5m" into milliseconds (bare numbers are seconds). */
export function parseDuration(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(text).trim());
  if (!m) throw new Error(`Not a duration: ${text} (use e.g. 300, 300s, 5m or 1500ms)`);
  const n = Number(m[1]);
  return Math.round(m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000);
}
