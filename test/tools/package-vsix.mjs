#!/usr/bin/env node
// Builds the production bundle and packages the .vsix with the locally installed @vscode/vsce 3.9.x (the
// 4.x line needs Node 22), then checks what went into it: only the bundle, media and the manifest files, and
// the media files the extension reads at run time.
//
// usage: node test/tools/package-vsix.mjs [--out FILE] [--root DIR] [--no-build]
//   --out       where to write the package (default .test-output/pf-incident-response.vsix)
//   --root      the extension folder to package (default: this repository)
//   --no-build  package dist/ as it is instead of running `node esbuild.mjs --production`
// Exit code 0 when the package was written and contains only allowed files, 1 otherwise.
// API: `packageVsix({ root?, out?, build?, quiet? })` -> { vsix, entries }.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// Paths inside the .vsix. Everything the extension needs at run time is bundled into dist/, so sources,
// tests, source maps and node_modules in the package are always a packaging mistake (.vscodeignore).
const ALLOWED = [
  /^extension\/dist\//,
  /^extension\/media\//,
  /^extension\/package\.json$/,
  // vsce stores these as readme.md / changelog.md (lower case) whatever the source file is called.
  /^extension\/README\.md$/i,
  /^extension\/LICENSE[^/]*$/i,
  /^extension\/CHANGELOG\.md$/i,
  /^\[Content_Types\]\.xml$/,
  /^extension\.vsixmanifest$/,
];
const FORBIDDEN = [/\.map$/, /(^|\/)node_modules(\/|$)/];
// Read at run time by the extension: a package without them works worse without saying so.
const REQUIRED = [
  // The triage panel's flowchart for its first open (npm run prerender-chart); without it, mermaid renders.
  'extension/media/prerendered/flowchart.json',
];

/** Names of the entries of a zip file, read from its central directory (no unzip binary needed). */
export function zipEntries(file) {
  const buf = fs.readFileSync(file);
  // The end-of-central-directory record sits in the last 22 bytes plus an optional comment of up to 64 KiB.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip file (no end of central directory record)`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: corrupt central directory entry ${i}`);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push({ name: buf.toString('utf8', p + 46, p + 46 + nameLen), size: buf.readUInt32LE(p + 24) });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

/** The entries that must not be in the package, each with the reason. */
export function disallowedEntries(names) {
  const bad = [];
  for (const name of names) {
    if (FORBIDDEN.some((re) => re.test(name))) bad.push(`${name} (source maps and node_modules never ship)`);
    else if (!ALLOWED.some((re) => re.test(name))) bad.push(`${name} (not under dist/, media/ or a manifest file)`);
  }
  return bad;
}

function run(cmd, args, cwd, what, quiet) {
  // stdin is closed so that a vsce confirmation prompt fails the run instead of waiting forever.
  const r = spawnSync(cmd, args, {
    cwd,
    stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'],
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    const out = quiet ? `\n${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd() : '';
    throw new Error(`${what} failed (exit ${r.status ?? r.signal ?? r.error?.message})${out}`);
  }
}

export async function packageVsix({
  root = repoRoot,
  out = path.join(
    root,
    '.test-output',
    `${JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).name}.vsix`,
  ),
  build = true,
  quiet = false,
} = {}) {
  root = path.resolve(root);
  out = path.resolve(out);
  const log = quiet ? () => undefined : (m) => console.log(m);
  if (build) {
    // A fresh dist/: the production build writes no source maps, but maps (and renamed bundles) left over
    // from a development build would otherwise be packaged alongside the minified code.
    fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
    log('# node esbuild.mjs --production');
    run(
      process.execPath,
      ['esbuild.mjs', '--production'],
      root,
      'the production build (node esbuild.mjs --production)',
      quiet,
    );
  }
  // vsce comes from this repository's devDependencies even when --root points elsewhere.
  const vsceBin = path.join(path.dirname(createRequire(import.meta.url).resolve('@vscode/vsce/package.json')), 'vsce');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.rmSync(out, { force: true });
  log(`# vsce package -> ${out}`);
  run(
    process.execPath,
    // --no-rewrite-relative-links: without a repository URL vsce refuses README images with relative paths
    // (it wants to turn them into absolute GitHub URLs); left relative they resolve inside the installed
    // extension, which is what the Extensions view shows for a locally installed .vsix.
    [
      vsceBin,
      'package',
      '--no-dependencies',
      '--allow-missing-repository',
      '--skip-license',
      '--no-rewrite-relative-links',
      '-o',
      out,
    ],
    root,
    'vsce package',
    quiet,
  );
  const entries = zipEntries(out);
  const bad = disallowedEntries(entries.map((e) => e.name));
  if (bad.length) {
    throw new Error(`${out} contains files that must not ship (fix .vscodeignore):\n  ${bad.join('\n  ')}`);
  }
  const missing = REQUIRED.filter((name) => !entries.some((e) => e.name === name));
  if (missing.length) {
    throw new Error(`${out} lacks files the extension reads (fix .vscodeignore):\n  ${missing.join('\n  ')}`);
  }
  return { vsix: out, entries };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values: opts } = parseArgs({
    options: { out: { type: 'string' }, root: { type: 'string' }, 'no-build': { type: 'boolean', default: false } },
  });
  try {
    const { vsix, entries } = await packageVsix({ root: opts.root, out: opts.out, build: !opts['no-build'] });
    console.log(`${vsix} (${fs.statSync(vsix).size} bytes, ${entries.length} entries):`);
    for (const e of entries) console.log(`  ${e.name}  ${e.size}`);
  } catch (e) {
    console.error(`package-vsix: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
}
