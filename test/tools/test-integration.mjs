#!/usr/bin/env node
// Runs the VS Code integration suite (mocha inside the real Node extension host) the way
// @vscode/test-electron does, but on code-server + headless Chromium, which works offline.
//
// usage: node test/tools/test-integration.mjs [--timeout 300|300s|5m] [--verbose]
//          [--no-build] [--extension DIR] [--tests FILE] [--workspace DIR]
//   --timeout    give up after this long (default 5 minutes; bare numbers are seconds)
//   --verbose    also print the workbench's own log lines (hidden by default, they drown mocha's report)
//   --no-build   use dist/ and out/ as they are
//   --extension  extensionDevelopmentPath (default: this repository)
//   --tests      extensionTestsPath, a file exporting run() (default: out/test/integration/index.js,
//                built by test/tools/build-tests.mjs --integration)
//   --workspace  folder copied to a temp dir and opened (default: test/fixtures/workspace, else empty)
// Exit code: 0 suite passed, 1 suite failed, 2 harness error or timeout. Environment variables
// (e.g. PF_TEST_*) reach the extension host. Failure artifacts go to .test-output/integration/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, format } from 'node:util';
import {
  harnessError,
  launchBrowser,
  parseDuration,
  repoRoot,
  screenshot,
  sleep,
  startCodeServer,
  tempWorkspace,
} from './lib/code-server.mjs';

// Workbench bookkeeping that the smoke-test logger forwards together with the extension host's console.
// Only hidden from the live output; the full transcript is saved on failure and shown with --verbose.
const WORKBENCH_NOISE = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket/,
  /^\[reconnection-grace-time\]/,
  /^\[Service Worker\]/,
  /^\[AgentHost/,
  /^\[AccountPolicyGate\]/,
  /^Updating additional builtin extensions cache/,
  /^Creation of workbench contribution/,
  // The workbench looks up running extensions on open-vsx.org; offline that fails harmlessly.
  /getaddrinfo \w+ open-vsx\.org/,
];

const outDir = path.join(repoRoot, '.test-output', 'integration');

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${what} failed (${args.join(' ')}: exit ${r.status ?? r.signal})`);
}

/** Why dist/ needs a build, or null: missing, or older than a source file (a stale bundle tests old code). */
function buildReason(distFile) {
  if (!fs.existsSync(distFile)) return `${path.relative(repoRoot, distFile)} is missing`;
  const builtAt = fs.statSync(distFile).mtimeMs;
  for (const dir of ['src', 'webview']) {
    const abs = path.join(repoRoot, dir);
    if (!fs.existsSync(abs)) continue;
    for (const rel of fs.readdirSync(abs, { recursive: true })) {
      const file = path.join(abs, rel);
      if (fs.statSync(file).mtimeMs > builtAt) return `${path.join(dir, rel)} is newer than the bundle`;
    }
  }
  return null;
}

export function buildExtension() {
  const reason = buildReason(path.join(repoRoot, 'dist', 'extension.js'));
  if (reason) {
    console.log(`# building the extension (${reason}): node esbuild.mjs`);
    run(process.execPath, ['esbuild.mjs'], 'node esbuild.mjs');
  }
}

export function buildIntegrationTests() {
  const script = path.join(repoRoot, 'test', 'tools', 'build-tests.mjs');
  if (!fs.existsSync(script))
    throw new Error(`${path.relative(repoRoot, script)} does not exist yet, so the suite cannot be built`);
  run(process.execPath, [script, '--integration'], 'building the integration tests');
}

async function main() {
  const { values: opts } = parseArgs({
    options: {
      timeout: { type: 'string', default: '5m' },
      verbose: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      extension: { type: 'string' },
      tests: { type: 'string' },
      workspace: { type: 'string' },
    },
  });
  const timeoutMs = parseDuration(opts.timeout);
  const extensionPath = path.resolve(opts.extension ?? repoRoot);
  const testsPath = path.resolve(opts.tests ?? path.join(repoRoot, 'out', 'test', 'integration', 'index.js'));
  const fixture = path.resolve(opts.workspace ?? path.join(repoRoot, 'test', 'fixtures', 'workspace'));

  fs.rmSync(outDir, { recursive: true, force: true });
  if (!opts['no-build']) {
    if (extensionPath === repoRoot) buildExtension();
    if (!opts.tests) buildIntegrationTests();
  }
  if (!fs.existsSync(testsPath)) throw new Error(`extensionTestsPath ${testsPath} does not exist`);

  const t0 = Date.now();
  const workspace = tempWorkspace(fs.existsSync(fixture) ? fixture : null, 'pf-it-ws-');
  let cs;
  let browser;
  const transcript = [];
  try {
    cs = await startCodeServer({ workspace, extensionDevelopmentPath: extensionPath, smokeTestDriver: true });
    console.log(`# code-server on port ${cs.port} up after ${Date.now() - t0} ms (pid ${cs.pid})`);
    browser = await launchBrowser({ outDir });
    const { page } = browser;

    let settle;
    const finished = new Promise((resolve) => (settle = resolve));
    // Registered before goto: the workbench looks these up when it starts the extension host.
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = format(...(Array.isArray(args) ? args : [args]));
      transcript.push(`[${type}] ${text}`);
      if (opts.verbose || !WORKBENCH_NOISE.some((re) => re.test(text))) process.stdout.write(`${text}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => settle({ code }));
    page.on('crash', () => settle({ error: 'the browser page crashed' }));
    cs.whenExited.then((e) => settle({ error: `code-server exited during the run (${JSON.stringify(e)})` }));
    const timer = setTimeout(
      () =>
        settle({
          error: `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for the extension host to finish the suite (codeAutomationExit)`,
        }),
      timeoutMs,
    );

    await page.goto(cs.url({ extensionTestsPath: testsPath, skipWelcome: 'true' }));
    const result = await finished;
    clearTimeout(timer);
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);

    let exitCode;
    if (result.error) {
      console.error(harnessError(result.error, null, cs).message);
      exitCode = 2;
    } else {
      // The extension host exits with 0 when run() resolves and non-zero when it rejects or throws.
      exitCode = result.code === 0 ? 0 : typeof result.code === 'number' ? 1 : 2;
      console.log(`# extension host finished the suite with code ${result.code} after ${seconds} s`);
    }
    if (exitCode !== 0) {
      await sleep(500); // let the last console lines and the failure UI arrive
      await screenshot(page, outDir, 'failure');
      fs.mkdirSync(outDir, { recursive: true });
      fs.writeFileSync(path.join(outDir, 'host-console.log'), transcript.join('\n') + '\n');
      cs.saveLogs(outDir);
      console.error(
        `# failure artifacts (screenshot, code-server and extension host logs) in ${path.relative(process.cwd(), outDir) || '.'}`,
      );
    }
    return exitCode;
  } finally {
    await browser?.close();
    await cs?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

// Importable (test-electron.mjs reuses the build steps) without starting a run.
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(`test-integration: ${e instanceof Error ? e.message : e}`);
      process.exit(2);
    },
  );
}
