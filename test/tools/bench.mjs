#!/usr/bin/env node
// `npm run bench`: measures; never asserts. Figures are ratios against baselines measured in the same run,
// because these machines are shared and noisy.
//  parse  ~10 MB and ~100 MB incident-bot logs in the real format (generated with the real NestJS logger):
//         full parse -> triage -> incidents, against `grep -c GuardTrip` on the same file; MB/s, ratio, peak RSS;
//         and two lower bounds for any JavaScript reader of the file (test/bench/scan-floor.ts).
//  linear adversarial inputs (huge lines, pathological repetitions) at 1x and 10x size: time ratio (≈10 is linear).
//  panel  the triage panel in the real VS Code (code-server + Chromium, test/tools/bench-panel.mjs): open -> SVG
//         cold and warm, incident switch -> new path highlighted, metrics message -> DOM, Chromium memory.
//  tree   10,000 incidents in the real VS Code (test/tools/bench-tree.mjs): open -> tree rows, refresh after a
//         re-triage, extension-host memory, against the same steps with 100 incidents.
//  live   a GuardTrip appended to the bot pod's log -> counted in the real VS Code tree, against kubectl logs -f
//         (test/bench-live through test-cluster.mjs --ui-tests); in the default run only when the binaries are cached.
//  cluster the real adapter against a real kube-apiserver + kwok (test/tools/bench-cluster.mjs): GuardTrip in a bot
//         pod's log -> incident, against `kubectl logs -f`; API requests per minute with 1,000 Rollbacks and 10 bot
//         pods against 10 Rollbacks and 1 pod. In the default run only when the cluster binaries are cached.
// Options: --sizes 10,100 (MB)  --runs 3  --only parse,linear,panel,tree,live,cluster
//          (cluster: --events 50 --window 60 --rollbacks 1000 --pods 10 are passed on)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { clusterBinariesAvailable } from './cluster/binaries.mjs';
import { cacheDir } from './host-setup.mjs';

const argv = process.argv.slice(2);
const opt = (name, d) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? d : argv[i + 1];
};
const sizes = opt('sizes', '10,100').split(',').map(Number);
const runs = Number(opt('runs', '3'));
const onlyGiven = argv.includes('--only');
const only = opt('only', 'parse,linear,panel,tree,live,cluster').split(',');
const outDir = '.test-output/bench';
fs.mkdirSync(outDir, { recursive: true });
const dataDir = path.join(cacheDir(), 'bench-data');
fs.mkdirSync(dataDir, { recursive: true });

await esbuild.build({
  entryPoints: ['test/bench/parse-once.ts', 'test/bench/scan-floor.ts'],
  outdir: 'out/bench',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
});

if (only.includes('parse')) {
  // The CLI as shipped (dist/cli.js), for its own row: it writes results as they settle instead of holding them.
  const b = spawnSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
  if (b.status !== 0) throw new Error('esbuild.mjs failed');
}

const secs = (ns) => Number(ns) / 1e9;
function time(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const t = secs(process.hrtime.bigint() - t0);
  if (r.status !== 0 && !(cmd === 'grep' && r.status === 1)) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return { t, stdout: r.stdout };
}

function logFile(mb) {
  const file = path.join(dataDir, `incident-bot-${mb}MB-seed1.log`);
  if (!fs.existsSync(file)) {
    process.stderr.write(`generating ${mb} MB of incident-bot log with the real NestJS logger...\n`);
    const r = spawnSync(
      'node',
      [
        'test/tools/gen-nest-log.mjs',
        '--bytes',
        String(mb * 1_000_000),
        '--color',
        '--mix',
        'realistic',
        '--seed',
        '1',
        '--out',
        file + '.tmp',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (r.status !== 0) throw new Error('log generation failed');
    fs.renameSync(file + '.tmp', file);
  }
  return file;
}

const results = { when: new Date().toISOString(), node: process.version, parse: [], linear: [] };

if (only.includes('parse')) {
  for (const mb of sizes) {
    const file = logFile(mb);
    const bytes = fs.statSync(file).size;
    let grepBest = Infinity;
    let parseBest = Infinity;
    let textBest = Infinity;
    let cliBest = Infinity;
    let cliRss = 0;
    let floorLines = Infinity;
    let floorGroups = Infinity;
    let rss = 0;
    let live = 0;
    let last;
    for (let i = 0; i < runs; i++) {
      grepBest = Math.min(grepBest, time('grep', ['-c', 'GuardTrip', file]).t);
      // Files are read as bytes (the CLI and Open Incident Log do so); decoded text is how live streams arrive.
      const r = time('node', ['--expose-gc', 'out/bench/parse-once.js', file, 'incidents', 'bytes']);
      last = JSON.parse(r.stdout.trim().split('\n').at(-1));
      parseBest = Math.min(parseBest, last.ms / 1000);
      rss = Math.max(rss, last.maxRssKb);
      live = Math.max(live, last.liveHeapMB ?? 0);
      const t = time('node', ['out/bench/parse-once.js', file, 'incidents', 'text']);
      textBest = Math.min(textBest, JSON.parse(t.stdout.trim().split('\n').at(-1)).ms / 1000);
      // The real CLI, JSON lines to /dev/null: whole process (start-up included) and its peak RSS.
      const t0 = process.hrtime.bigint();
      const c = spawnSync(
        'sh',
        [
          '-c',
          'exec node -r ./test/bench/report-rss.cjs dist/cli.js triage --format log --json "$1" > /dev/null',
          'sh',
          file,
        ],
        { encoding: 'utf8' },
      );
      const ct = secs(process.hrtime.bigint() - t0);
      if (c.status !== 0) throw new Error(`dist/cli.js: ${c.stderr}`);
      cliBest = Math.min(cliBest, ct);
      // Lower bounds for any JavaScript reader (test/bench/scan-floor.ts), to read the ratio against.
      const fl = time('node', ['out/bench/scan-floor.js', file, 'lines']);
      floorLines = Math.min(floorLines, JSON.parse(fl.stdout.trim()).ms / 1000);
      const fg = time('node', ['out/bench/scan-floor.js', file, 'guardtrips']);
      floorGroups = Math.min(floorGroups, JSON.parse(fg.stdout.trim()).ms / 1000);
      cliRss = Math.max(cliRss, JSON.parse(c.stderr.trim().split('\n').at(-1)).maxRssKb);
    }
    const row = {
      file: path.basename(file),
      mb: +(bytes / 1e6).toFixed(1),
      lines: last.lines,
      guardTrips: last.events,
      incidents: last.incidents,
      evicted: last.evicted,
      grepSeconds: +grepBest.toFixed(3),
      parseSeconds: +parseBest.toFixed(3),
      parseMBps: +(bytes / 1e6 / parseBest).toFixed(1),
      grepMBps: +(bytes / 1e6 / grepBest).toFixed(1),
      ratioVsGrep: +(parseBest / grepBest).toFixed(1),
      textSeconds: +textBest.toFixed(3),
      bytesSpeedupVsText: +(textBest / parseBest).toFixed(2),
      peakRssMB: +(rss / 1024).toFixed(1),
      liveHeapMB: live,
      cliSeconds: +cliBest.toFixed(3),
      cliRatioVsGrep: +(cliBest / grepBest).toFixed(1),
      cliPeakRssMB: +(cliRss / 1024).toFixed(1),
      floorLinesSeconds: +floorLines.toFixed(3),
      floorLinesRatioVsGrep: +(floorLines / grepBest).toFixed(1),
      floorGuardTripsSeconds: +floorGroups.toFixed(3),
      floorGuardTripsRatioVsGrep: +(floorGroups / grepBest).toFixed(1),
    };
    results.parse.push(row);
    console.log(
      `parse ${row.mb} MB (${row.lines} lines, ${row.guardTrips} GuardTrips -> ${row.incidents} incidents kept, ${row.evicted} evicted): ` +
        `${row.parseSeconds}s = ${row.parseMBps} MB/s; grep -c ${row.grepSeconds}s = ${row.grepMBps} MB/s; ratio ${row.ratioVsGrep}x; ` +
        `decoded-text path ${row.textSeconds}s (bytes ${row.bytesSpeedupVsText}x faster); peak RSS ${row.peakRssMB} MB, live heap after GC ${row.liveHeapMB} MB; ` +
        `CLI --json (whole process) ${row.cliSeconds}s = ${row.cliRatioVsGrep}x grep, peak RSS ${row.cliPeakRssMB} MB`,
    );
    console.log(
      `  lower bounds in JavaScript on the same file: read + find line ends ${row.floorLinesSeconds}s = ${row.floorLinesRatioVsGrep}x grep; ` +
        `+ pick out "Processing GuardTrip" lines and count them per capsule (no triage, no other message) ` +
        `${row.floorGuardTripsSeconds}s = ${row.floorGuardTripsRatioVsGrep}x grep`,
    );
  }
  if (results.parse.length >= 2) {
    const [a, b] = [results.parse[0], results.parse.at(-1)];
    console.log(
      `memory: peak RSS ${a.peakRssMB} MB at ${a.mb} MB input vs ${b.peakRssMB} MB at ${b.mb} MB input (x${(b.peakRssMB / a.peakRssMB).toFixed(2)} for x${(b.mb / a.mb).toFixed(1)} input); ` +
        `live heap ${a.liveHeapMB} MB vs ${b.liveHeapMB} MB (x${(b.liveHeapMB / a.liveHeapMB).toFixed(2)}); ` +
        `CLI peak RSS ${a.cliPeakRssMB} MB vs ${b.cliPeakRssMB} MB (x${(b.cliPeakRssMB / a.cliPeakRssMB).toFixed(2)})`,
    );
  }
}

if (only.includes('linear')) {
  // Inputs built to punish backtracking or quadratic buffering: one multi-megabyte line, a line of repeated
  // "[Nest] " headers, decision lines full of " for capsule ", unterminated Object blocks.
  const shapes = {
    'huge line': (n) => 'x'.repeat(n) + '\n',
    'repeated [Nest] headers': (n) => ('[Nest] '.repeat(200) + '\n').repeat(Math.ceil(n / 1401)),
    'decision lines': (n) =>
      (
        '[Nest] 7  - 08/05/2025, 2:15:30 PM    WARN [DecisionEngineService] Rollback decision: ' +
        ' for capsule '.repeat(60) +
        '\n'
      ).repeat(Math.ceil(n / 900)),
    'object block without end': (n) =>
      '[Nest] 7  - 08/05/2025, 2:18:10 PM    WARN [KafkaService] Invalid GuardTrip event received:\n[Nest] 7  - 08/05/2025, 2:18:10 PM    WARN [KafkaService] Object:\n' +
      '  "capsuleHash": "x",\n'.repeat(Math.ceil(n / 21)),
  };
  for (const [name, make] of Object.entries(shapes)) {
    const t = [];
    for (const size of [1_000_000, 10_000_000]) {
      const f = path.join(dataDir, `adversarial-${name.replace(/\W+/g, '-')}-${size}.txt`);
      if (!fs.existsSync(f)) fs.writeFileSync(f, make(size));
      let best = Infinity;
      for (let i = 0; i < runs; i++) {
        const r = time('node', ['out/bench/parse-once.js', f, 'incidents']);
        best = Math.min(best, JSON.parse(r.stdout.trim()).ms / 1000);
      }
      t.push(best);
    }
    const row = {
      shape: name,
      seconds1MB: +t[0].toFixed(3),
      seconds10MB: +t[1].toFixed(3),
      ratio: +(t[1] / t[0]).toFixed(1),
    };
    results.linear.push(row);
    console.log(
      `linear: ${name}: 1 MB ${row.seconds1MB}s, 10 MB ${row.seconds10MB}s, ratio ${row.ratio} (10 = linear)`,
    );
  }
}

if (only.includes('parse') || only.includes('linear')) {
  fs.writeFileSync(path.join(outDir, 'parse.json'), JSON.stringify(results, null, 2));
  console.log(`results in ${path.join(outDir, 'parse.json')}`);
}

for (const part of ['panel', 'tree']) {
  if (!only.includes(part)) continue;
  console.log(`\n# ${part} (real VS Code: code-server + Chromium)`);
  const r = spawnSync(process.execPath, [`test/tools/bench-${part}.mjs`, '--runs', String(runs)], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
}

if (only.includes('live')) {
  console.log('\n# live: GuardTrip in the bot log -> the VS Code tree (real API server + code-server)');
  if (!onlyGiven && !clusterBinariesAvailable()) {
    console.log('SKIPPED: the cluster binaries are not cached (run npm run bench -- --only live to build them)');
  } else {
    const r = spawnSync(process.execPath, ['test/tools/test-cluster.mjs', '--ui-tests', 'test/bench-live'], {
      stdio: 'inherit',
    });
    if (r.status !== 0) process.exitCode = r.status ?? 1;
  }
}

if (only.includes('cluster')) {
  // Runs itself under Node 24 (client-node 2.x); without --only it never builds the cluster binaries (SKIPPED).
  const pass = ['events', 'events-scaled', 'window', 'rollbacks', 'pods'].flatMap((k) =>
    argv.includes(`--${k}`) ? [`--${k}`, opt(k)] : [],
  );
  const r = spawnSync(
    process.execPath,
    ['test/tools/bench-cluster.mjs', ...(onlyGiven ? [] : ['--if-cached']), ...pass],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) process.exitCode = r.status ?? 1;
}
