#!/usr/bin/env node
// The integration suite under @vscode/test-electron: a downloaded desktop VS Code, for machines with
// internet access and a display (Linux CI without one: run it under xvfb-run). The same suite runs
// offline on code-server with `npm run test:integration`.
//
// usage: node test/tools/test-electron.mjs [--no-build] [--version stable|insiders|1.x.y]
// Exit code: 0 suite passed, 1 suite failed or VS Code could not be downloaded.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { buildExtension, buildIntegrationTests } from './test-integration.mjs';
import { repoRoot, tempWorkspace } from './lib/code-server.mjs';

const { values: opts } = parseArgs({
  options: { 'no-build': { type: 'boolean', default: false }, version: { type: 'string', default: 'stable' } },
});
const extensionTestsPath = path.join(repoRoot, 'out', 'test', 'integration', 'index.js');
const fixture = path.join(repoRoot, 'test', 'fixtures', 'workspace');

let workspace;
try {
  if (!opts['no-build']) {
    buildExtension();
    buildIntegrationTests();
  }
  // Downloaded separately from runTests so that "no VS Code" and "tests failed" are told apart.
  let vscodeExecutablePath;
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({
      version: opts.version,
      cachePath: path.join(repoRoot, '.vscode-test'),
      timeout: 30_000,
    });
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    console.error(
      `test-electron: could not download VS Code ${opts.version} (${why}); this needs internet access to ` +
        'update.code.visualstudio.com - use `npm run test:integration` (code-server, works offline) instead',
    );
    process.exit(1);
  }
  workspace = tempWorkspace(fs.existsSync(fixture) ? fixture : null, 'pf-electron-ws-');
  await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath,
    // Other installed extensions stay out of the run; the workspace is a throwaway copy of the fixture.
    launchArgs: [workspace, '--disable-extensions'],
  });
  process.exitCode = 0;
} catch (e) {
  console.error(`test-electron: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
} finally {
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
}
