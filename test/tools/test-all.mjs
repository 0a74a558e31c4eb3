#!/usr/bin/env node
// `npm test`: installs what the real tiers need (cached outside the clone), then runs every tier in order and
// prints one closing line with the total of tests passed and failed across tiers.
//   static       tsc --noEmit (extension, webview, tests), ESLint and Prettier --check
//   unit         node:test in plain Node 20 (domain core, parsers, CLI)
//   integration  mocha inside the real VS Code extension host (code-server + Chromium)
//   ui           the packaged .vsix in code-server, driven by Playwright
//   cluster      a real kube-apiserver with kwok (when its tier exists)
// `--only unit,ui` runs a subset; `--skip cluster` skips one.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { ensureHost } from './host-setup.mjs';

const argv = process.argv.slice(2);
const pick = (flag) => {
  const i = argv.indexOf(flag);
  return i === -1 ? null : (argv[i + 1] ?? '').split(',').filter(Boolean);
};
const only = pick('--only');
const skip = pick('--skip') ?? [];

const tiers = [
  {
    name: 'static',
    cmd: ['npm', 'run', '--silent', 'typecheck'],
    then: [
      ['npx', 'eslint', '.'],
      ['npx', 'prettier', '--check', '.'],
    ],
  },
  { name: 'unit', cmd: ['npm', 'run', '--silent', 'test:unit'] },
  { name: 'integration', cmd: ['node', 'test/tools/test-integration.mjs'], host: true },
  { name: 'ui', cmd: ['node', 'test/tools/test-ui.mjs'], host: true },
  {
    name: 'cluster',
    cmd: ['node', 'test/tools/test-cluster.mjs'],
    when: () => fs.existsSync('test/tools/test-cluster.mjs'),
  },
].filter((t) => (!only || only.includes(t.name)) && !skip.includes(t.name));

/** Reads the test counts a tier printed: node:test TAP/spec summaries, mocha's, or our own closing line. */
function counts(out) {
  let m;
  let passed = 0;
  let failed = 0;
  let found = false;
  const re = /^[#ℹ] (pass|fail) (\d+)$/gm;
  while ((m = re.exec(out))) {
    found = true;
    if (m[1] === 'pass') passed += Number(m[2]);
    else failed += Number(m[2]);
  }
  if (!found) {
    const p = /^\s*(\d+) passing/m.exec(out);
    const f = /^\s*(\d+) failing/m.exec(out);
    if (p) {
      found = true;
      passed = Number(p[1]);
      failed = f ? Number(f[1]) : 0;
    }
  }
  if (!found) {
    const lines = [...out.matchAll(/^(?:\w+: )?(\d+) passed, (\d+) failed/gm)];
    const last = lines.at(-1);
    if (last) {
      found = true;
      passed = Number(last[1]);
      failed = Number(last[2]);
    }
  }
  return { found, passed, failed };
}

function run(cmd) {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      out += d;
      process.stderr.write(d);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

const results = [];
const t0 = Date.now();
if (tiers.some((t) => t.host)) {
  const h0 = Date.now();
  try {
    ensureHost();
    console.log(`# host ready (code-server, Node 24, Chromium) in ${((Date.now() - h0) / 1000).toFixed(1)} s`);
  } catch (e) {
    console.error(`# cannot prepare the real VS Code host: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
for (const tier of tiers) {
  if (tier.when && !tier.when()) continue;
  const s = Date.now();
  console.log(`\n# ===== tier ${tier.name} =====`);
  let r = await run(tier.cmd);
  for (const next of tier.then ?? []) {
    if (r.code !== 0) break;
    const r2 = await run(next);
    r = { code: r2.code, out: r.out + r2.out };
  }
  const c = counts(r.out);
  const secs = ((Date.now() - s) / 1000).toFixed(1);
  results.push({ name: tier.name, code: r.code, secs, ...c });
  console.log(
    `# tier ${tier.name}: ${r.code === 0 ? 'ok' : `FAILED (exit ${r.code})`} in ${secs} s${c.found ? `, ${c.passed} passed, ${c.failed} failed` : ''}`,
  );
}

console.log('\n# summary');
let passed = 0;
let failed = 0;
for (const r of results) {
  // A tier that failed without reporting counts (a crash, a lint error) still counts as one failure.
  passed += r.found ? r.passed : r.code === 0 ? 1 : 0;
  failed += r.found ? r.failed + (r.code !== 0 && r.failed === 0 ? 1 : 0) : r.code === 0 ? 0 : 1;
  console.log(
    `#   ${r.name.padEnd(12)} ${r.code === 0 ? 'ok    ' : 'FAILED'} ${r.secs.padStart(7)} s  ${r.found ? `${r.passed} passed, ${r.failed} failed` : ''}`,
  );
}
console.log(`# total time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
