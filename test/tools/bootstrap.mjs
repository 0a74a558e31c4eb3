#!/usr/bin/env node
// First step of `npm test` and `npm run demo` on a fresh clone: installs the locked dependencies when
// node_modules is missing or older than package-lock.json. Uses only Node built-ins (nothing is installed yet).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const marker = 'node_modules/.package-lock.json';
const stale = !fs.existsSync(marker) || fs.statSync('package-lock.json').mtimeMs > fs.statSync(marker).mtimeMs;
if (stale) {
  process.stderr.write('[bootstrap] installing dependencies with npm ci\n');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`[bootstrap] npm ci failed (exit ${r.status})\n`);
    process.exit(1);
  }
}
