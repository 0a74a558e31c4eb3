#!/usr/bin/env node
// Cluster benchmark (`npm run bench -- --only cluster`, and part of the default `npm run bench` when the cluster
// binaries are cached). Measures, never asserts: figures are ratios against a baseline measured in the same run,
// because these machines are shared and noisy. Runs the REAL adapter (the shipped bundle: client-node inlined, CJS,
// Node 24) against a REAL kube-apiserver + etcd + kwok started as the cluster test tier does (test/tools/cluster/).
//
//  1. GuardTrip -> incident: the bot's lines for one GuardTrip are appended to the file kwok serves as the bot pod's
//     container log (ClusterLogs); measured until the incident is in the IncidentBook, fed from the adapter's
//     onLogChunk through one IncidentLogParser per pod as src/live/liveSession.ts does (test/bench/cluster-pipeline.ts).
//     Baseline: `kubectl logs -f` on the same pod, same events, same time (when it prints the event's last line).
//  2. API requests per minute in steady state (the adapter's stats().requests over a quiet window) with N Rollbacks
//     and M bot pods, against the baseline of 10 Rollbacks and 1 pod in the same run; plus the requests and time it
//     takes to get there (lists, watches, one log stream per pod).
//
// Options: --events 50 --events-scaled 20 --window 60 (seconds) --rollbacks 1000 --pods 10 --keep
//          --if-cached (skip with a SKIPPED block instead of building the cluster binaries when they are missing)
// Writes .test-output/bench/cluster.json.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { clusterBinariesAvailable, clusterCacheDir, ensureClusterBinaries } from './cluster/binaries.mjs';
import { bundleAdapter } from './cluster/bundle.mjs';
import { ADMIN_CONTEXT, startCluster } from './cluster/cluster.mjs';
import { createRollback, seedProvabilityFabric } from './cluster/seed.mjs';
import { hostPaths } from './host-setup.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
process.chdir(root);
const argv = process.argv.slice(2);
const opt = (name, d) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? d : argv[i + 1];
};
const flag = (name) => argv.includes(`--${name}`);

function skipped(reason) {
  const bar = '!'.repeat(100);
  process.stdout.write(
    `\n${bar}\n!! SKIPPED: cluster benchmark (test/tools/bench-cluster.mjs) did not run.\n!! Reason: ${String(reason).split('\n').join('\n!!         ')}\n${bar}\n\n`,
  );
  process.exit(0);
}

// --- Node 24: client-node 2.x needs Node >= 22.19 (undici 8); npm runs this with the machine's Node 20 -------------
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  const node24 = hostPaths().node24;
  if (!fs.existsSync(node24)) {
    skipped(
      `no Node >= 22.19 for the adapter (client-node 2.x) and no cached Node 24 at ${node24} (npm test installs it)`,
    );
  }
  const r = spawnSync(node24, [fileURLToPath(import.meta.url), ...argv], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const EVENTS = Number(opt('events', '50'));
const EVENTS_SCALED = Number(opt('events-scaled', '20'));
const WINDOW_S = Number(opt('window', '60'));
const ROLLBACKS = Number(opt('rollbacks', '1000'));
const PODS = Number(opt('pods', '10'));
const BASE_ROLLBACKS = 10;
const t0 = Date.now();
const say = (m) => process.stderr.write(`[bench-cluster] +${((Date.now() - t0) / 1000).toFixed(1)}s ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a');
const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}x` : a === 0 ? 'same (0 and 0)' : `n/a (${a} vs 0)`);

async function until(what, pred, timeoutMs = 60_000) {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
  return Date.now() - start;
}

// --- binaries and bundle ---------------------------------------------------------------------------------------------
let binaries;
if (flag('if-cached') && !clusterBinariesAvailable()) {
  skipped(
    `the cluster binaries are not cached in ${clusterCacheDir()}; build them once with \`npm run test:cluster\` ` +
      '(9-11 minutes) or run `npm run bench -- --only cluster`',
  );
}
try {
  binaries = await ensureClusterBinaries();
} catch (e) {
  skipped(`the Kubernetes test binaries cannot be built on this machine: ${e?.message ?? e}`);
}
const bundle = await bundleAdapter(path.join(root, 'out/bench/cluster/pipeline.cjs'), {
  entry: path.join(root, 'test/bench/cluster-pipeline.ts'),
});
const lib = createRequire(import.meta.url)(bundle);
say(`binaries ready (kube ${binaries.kubeVersion}, kwok ${binaries.kwokVersion}); Node ${process.version}`);

// --- cluster -----------------------------------------------------------------------------------------------------------
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-bench-cluster-'));
const logsFile = path.join(scratch, 'incident-bot.log');
fs.writeFileSync(
  logsFile,
  '[Nest] 1  - 08/05/2025, 2:15:00 PM     LOG [NestFactory] Starting Nest application...\n' +
    '[Nest] 1  - 08/05/2025, 2:15:03 PM     LOG [IncidentBot] Incident-bot started on port 3000\n',
);
const keep = flag('keep');
let cluster;
const connections = new Set();
async function shutdown(code) {
  for (const c of connections) c.dispose();
  if (cluster) await cluster.stop({ keep }).catch((e) => process.stderr.write(`cluster stop failed: ${e?.message}\n`));
  if (!keep) fs.rmSync(scratch, { recursive: true, force: true });
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => void shutdown(130));

const results = { when: new Date().toISOString(), node: process.version, kube: '', kwok: '' };

async function createRollbacks(n, tag) {
  for (let i = 0; i < n; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, n - i) }, (_, j) =>
        createRollback(cluster, { name: `rollback-bench-${tag}-${String(i + j).padStart(4, '0')}` }),
      ),
    );
  }
}

/** A fresh connection; resolves once connected, every pod's log stream is open and the Rollbacks are listed. */
async function connect(pods, rollbacks) {
  const adapter = lib.createClientNodeAdapter({ kubeconfigPaths: [cluster.kubeconfig] });
  const pipe = new lib.LivePipeline();
  const started = performance.now();
  const conn = adapter.connect(ADMIN_CONTEXT, { ...lib.DEFAULT_LIVE_SETTINGS }, pipe);
  connections.add(conn);
  await until(
    `connected with ${pods} log stream(s) and ${rollbacks} Rollbacks`,
    () =>
      pipe.state.kind === 'connected' &&
      conn.stats().activeLogStreams >= pods &&
      pipe.relists > 0 &&
      pipe.lastRelistSize >= rollbacks,
    120_000,
  );
  const readyMs = performance.now() - started;
  return { conn, pipe, readyMs, startup: conn.stats() };
}

/** Requests in a quiet window, per minute. */
async function steadyState(conn) {
  await sleep(2000);
  const a = conn.stats();
  await sleep(WINDOW_S * 1000);
  const b = conn.stats();
  return {
    requestsInWindow: b.requests - a.requests,
    perMinute: +(((b.requests - a.requests) * 60) / WINDOW_S).toFixed(2),
    activeWatches: b.activeWatches,
    activeLogStreams: b.activeLogStreams,
    relists: b.relists - a.relists,
    logReconnects: b.logReconnects - a.logReconnects,
  };
}

/** `kubectl logs -f` on one pod: resolves the time each awaited line is printed. */
function kubectlFollower(pod) {
  const child = cluster.spawnKubectl(['logs', '-f', '--tail=0', '-n', 'monitoring', pod, '-c', 'incident-bot']);
  const waiting = new Map();
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    const now = performance.now();
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop();
    for (const l of lines) {
      const w = waiting.get(l);
      if (w) {
        waiting.delete(l);
        w(now);
      }
    }
  });
  return {
    line: (text) => new Promise((resolve) => waiting.set(text, resolve)),
    stop: () => child.kill('SIGKILL'),
  };
}

const withTimeout = (p, msT, what) =>
  Promise.race([p, sleep(msT).then(() => Promise.reject(new Error(`${what}: nothing after ${msT} ms`)))]);

/** Appends `n` GuardTrips one after another; latency to the incident (adapter) and to kubectl's last line. */
async function guardTripLatencies(pipe, kubectl, n, seeded, label) {
  const adapterMs = [];
  const kubectlMs = [];
  for (let i = 0; i < n; i++) {
    const rollback = i % 2 === 0;
    const ev = lib.guardTripLines({ risk: rollback ? 0.91 : 0.55, misses: rollback ? 1 : 2, rollback });
    const last = ev.lines.at(-1);
    const inBook = pipe.incident(ev.hash);
    const printed = kubectl ? kubectl.line(last) : null;
    const start = performance.now();
    fs.appendFileSync(logsFile, ev.lines.map((l) => `${l}\n`).join(''));
    seeded.logs.sync();
    adapterMs.push((await withTimeout(inBook, 30_000, `${label}: incident ${i}`)) - start);
    if (printed) kubectlMs.push((await withTimeout(printed, 30_000, `${label}: kubectl line ${i}`)) - start);
    await sleep(100);
  }
  return { adapterMs, kubectlMs };
}

const summary = (xs) => ({
  n: xs.length,
  p50: +pct(xs, 50).toFixed(1),
  p95: +pct(xs, 95).toFixed(1),
  max: +Math.max(...xs).toFixed(1),
});

try {
  let s = Date.now();
  cluster = await startCluster({ logsFile, keep, binaries });
  const seeded = await seedProvabilityFabric(cluster, { logsFile });
  results.kube = binaries.kubeVersion;
  results.kwok = binaries.kwokVersion;
  await createRollbacks(BASE_ROLLBACKS, 'base');
  say(`cluster up and seeded in ${((Date.now() - s) / 1000).toFixed(1)}s; bot pod ${seeded.pods.incidentBot}`);

  // --- baseline: 10 Rollbacks, 1 pod -------------------------------------------------------------------------------
  const base = await connect(1, BASE_ROLLBACKS);
  say(`baseline connection ready in ${base.readyMs.toFixed(0)} ms (${base.startup.requests} requests)`);
  const kubectl = kubectlFollower(seeded.pods.incidentBot);
  // kubectl takes a moment to start streaming (--tail=0 skips what came before): mark lines until it prints one.
  for (let i = 0, seen = false; !seen; i++) {
    if (i > 100) throw new Error('kubectl logs -f printed nothing for 30 s');
    const marker = `bench-marker-${i}`;
    const printed = kubectl.line(marker).then(() => (seen = true));
    fs.appendFileSync(logsFile, `${marker}\n`);
    seeded.logs.sync();
    await Promise.race([printed, sleep(300)]);
  }
  // Warm-up (not counted): both followers are streaming before the first measured event.
  await guardTripLatencies(base.pipe, kubectl, 3, seeded, 'warm-up');
  s = Date.now();
  const lat = await guardTripLatencies(base.pipe, kubectl, EVENTS, seeded, 'baseline');
  kubectl.stop();
  say(`${EVENTS} GuardTrips measured in ${((Date.now() - s) / 1000).toFixed(1)}s`);
  const parsePerEvent = base.pipe.parseMs / (EVENTS + 3);
  say(`steady-state window of ${WINDOW_S}s (baseline)...`);
  const baseSteady = await steadyState(base.conn);
  base.conn.dispose();

  // --- scaled: ROLLBACKS Rollbacks, PODS pods -----------------------------------------------------------------------
  s = Date.now();
  await createRollbacks(ROLLBACKS - BASE_ROLLBACKS, 'scaled');
  await cluster.kubectl(['scale', '-n', 'monitoring', 'deployment/incident-bot', `--replicas=${PODS}`]);
  const rollout = await cluster.kubectl(
    ['rollout', 'status', '-n', 'monitoring', 'deployment/incident-bot', '--timeout=120s'],
    { timeoutMs: 150_000, allowFail: true },
  );
  if (rollout.code !== 0) {
    const pods = await cluster.kubectl(['get', 'pods', '-n', 'monitoring', '-o', 'wide'], { allowFail: true });
    const dep = await cluster.kubectl(['get', 'deployment', '-n', 'monitoring', 'incident-bot', '-o', 'yaml'], {
      allowFail: true,
    });
    throw new Error(
      `scaling the bot to ${PODS} pods: ${rollout.stderr.trim()}\n${pods.stdout}\n${dep.stdout.slice(-1500)}`,
    );
  }
  say(`${ROLLBACKS} Rollbacks and ${PODS} bot pods in ${((Date.now() - s) / 1000).toFixed(1)}s`);
  const scaled = await connect(PODS, ROLLBACKS);
  say(`scaled connection ready in ${scaled.readyMs.toFixed(0)} ms (${scaled.startup.requests} requests)`);
  const latScaled = await guardTripLatencies(scaled.pipe, null, EVENTS_SCALED, seeded, 'scaled');
  say(`steady-state window of ${WINDOW_S}s (scaled)...`);
  const scaledSteady = await steadyState(scaled.conn);
  scaled.conn.dispose();

  // --- report ------------------------------------------------------------------------------------------------------
  results.guardTripToIncident = {
    baseline: { pods: 1, adapter: summary(lat.adapterMs), kubectlLogsF: summary(lat.kubectlMs) },
    scaled: { pods: PODS, adapter: summary(latScaled.adapterMs) },
    parseAndGroupMsPerEvent: +parsePerEvent.toFixed(3),
  };
  results.requests = {
    windowSeconds: WINDOW_S,
    baseline: {
      rollbacks: BASE_ROLLBACKS,
      pods: 1,
      readyMs: Math.round(base.readyMs),
      startupRequests: base.startup.requests,
      ...baseSteady,
    },
    scaled: {
      rollbacks: ROLLBACKS,
      pods: PODS,
      readyMs: Math.round(scaled.readyMs),
      startupRequests: scaled.startup.requests,
      ...scaledSteady,
    },
  };
  const g = results.guardTripToIncident;
  const rq = results.requests;
  const row = (cells, widths) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  const w1 = [50, 10, 10, 10];
  const out = [
    '',
    `cluster benchmark: kube-apiserver ${results.kube} + etcd + kwok ${results.kwok} on loopback, adapter bundle on Node ${process.version}`,
    '',
    `1. GuardTrip appended to the bot pod's log -> incident in the IncidentBook (${EVENTS} events, after 3 warm-up)`,
    row(['', 'p50', 'p95', 'max'], w1),
    row(
      [
        'adapter -> parser -> IncidentBook (1 pod)',
        ms(g.baseline.adapter.p50),
        ms(g.baseline.adapter.p95),
        ms(g.baseline.adapter.max),
      ],
      w1,
    ),
    row(
      [
        'baseline: kubectl logs -f, same events',
        ms(g.baseline.kubectlLogsF.p50),
        ms(g.baseline.kubectlLogsF.p95),
        ms(g.baseline.kubectlLogsF.max),
      ],
      w1,
    ),
    row(
      [
        'ratio adapter / kubectl',
        ratio(g.baseline.adapter.p50, g.baseline.kubectlLogsF.p50),
        ratio(g.baseline.adapter.p95, g.baseline.kubectlLogsF.p95),
        '',
      ],
      w1,
    ),
    row(
      [
        `adapter with ${PODS} pods, ${ROLLBACKS} Rollbacks (${EVENTS_SCALED} events)`,
        ms(g.scaled.adapter.p50),
        ms(g.scaled.adapter.p95),
        ms(g.scaled.adapter.max),
      ],
      w1,
    ),
    row(
      [
        'ratio scaled / baseline',
        ratio(g.scaled.adapter.p50, g.baseline.adapter.p50),
        ratio(g.scaled.adapter.p95, g.baseline.adapter.p95),
        '',
      ],
      w1,
    ),
    `   parse + triage + grouping in process: ${g.parseAndGroupMsPerEvent} ms per event`,
    '',
    `2. API requests of one connection (quiet window of ${WINDOW_S} s after it is ready)`,
  ];
  const w2 = [22, 10, 5, 9, 10, 8, 8, 14];
  out.push(row(['', 'Rollbacks', 'pods', 'ready', 'startup', 'watches', 'streams', 'requests/min'], w2));
  for (const [name, r] of [
    ['baseline', rq.baseline],
    ['scaled', rq.scaled],
  ]) {
    out.push(
      row(
        [
          name,
          r.rollbacks,
          r.pods,
          `${r.readyMs} ms`,
          `${r.startupRequests} req`,
          r.activeWatches,
          r.activeLogStreams,
          r.perMinute,
        ],
        w2,
      ),
    );
  }
  out.push(
    row(
      [
        'ratio scaled/baseline',
        `${ROLLBACKS / BASE_ROLLBACKS}x`,
        `${PODS}x`,
        ratio(rq.scaled.readyMs, rq.baseline.readyMs),
        ratio(rq.scaled.startupRequests, rq.baseline.startupRequests),
        '',
        '',
        ratio(rq.scaled.perMinute, rq.baseline.perMinute),
      ],
      w2,
    ),
    `   relists in the windows: ${rq.baseline.relists} / ${rq.scaled.relists}; log reconnects: ${rq.baseline.logReconnects} / ${rq.scaled.logReconnects}`,
    '   (the server ends each watch after 5-7 min and the adapter re-watches: about 5 requests per 6 min over hours,',
    '   which a window shorter than that may not contain; no request depends on the number of Rollbacks or pods)',
    '',
  );
  process.stdout.write(out.join('\n') + '\n');
  const outDir = path.join(root, '.test-output/bench');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'cluster.json'), JSON.stringify(results, null, 2));
  process.stdout.write(`results in ${path.relative(root, path.join(outDir, 'cluster.json'))}\n`);
  await shutdown(0);
} catch (e) {
  process.stderr.write(`[bench-cluster] failed: ${e?.stack ?? e}\n`);
  await shutdown(1);
}
