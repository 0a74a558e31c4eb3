#!/usr/bin/env node
// The cluster tier: test/cluster/*.test.ts (node:test) against a REAL kube-apiserver + etcd + kwok cluster
// (test/tools/cluster/*), through src/kube/clientNodeAdapter.ts and @kubernetes/client-node 2.x, under Node 24.
//
//   1. ensureClusterBinaries() (cached; if they cannot be built on this machine: a loud SKIPPED block, exit 0)
//   2. esbuild: test/cluster/*.test.ts -> out/test/cluster/*.test.js (packages external, as the other tiers), plus
//      out/test/cluster-bundle/adapter.cjs: the adapter with client-node bundled in, the way dist/extension.js has it
//   3. starts fake-bot-metrics.mjs (the real prom-client with the bot's metrics; kwok's port-forward to a bot pod's
//      port 3000 reaches it), starts and seeds the cluster, makes the restricted user, and serves a small control
//      endpoint on loopback so the test processes can restart the API server, create Rollbacks, run kubectl, ...
//      (env PF_TEST_*; PF_TEST_BOT_METRICS_CONTROL sets the bot's metric values)
//   4. runs `<node24> --test --test-concurrency=1 out/test/cluster/` (files one after another: they share one cluster,
//      and one of them restarts its API server)
//   5. stops the cluster (always: on failure, on Ctrl+C) and exits with the test result.
//
// Flags: --keep (keep the cluster work dir and component logs), --only <substring> (test files whose name contains it;
// skips the UI tests), --ui-only (only the code-server tests of test/cluster-ui), --ui-tests <dir> (only that folder's
// code-server files, e.g. the live-tree benchmark).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { ensureClusterBinaries } from './cluster/binaries.mjs';
import { bundleAdapter } from './cluster/bundle.mjs';
import { startCluster } from './cluster/cluster.mjs';
import {
  createRollback,
  deleteRollback,
  patchRollback,
  seedProvabilityFabric,
  setRollbackPhase,
} from './cluster/seed.mjs';
import { startFakeBotMetrics } from './cluster/fake-bot-metrics.mjs';
import { postgresAvailable, startPostgres } from './cluster/postgres.mjs';
import { ensureHost, hostPaths } from './host-setup.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
process.chdir(root);
const argv = process.argv.slice(2);
const keep = argv.includes('--keep') || !!process.env.PF_CLUSTER_KEEP;
const onlyIdx = argv.indexOf('--only');
const only = onlyIdx >= 0 ? argv[onlyIdx + 1] : undefined;
// --ui-only: only the code-server tests of test/cluster-ui (the node:test files are skipped).
const uiOnly = argv.includes('--ui-only') || argv.includes('--ui-tests');
// --ui-tests <dir>: run that folder's *.ui.mjs instead of test/cluster-ui (npm run bench uses it for the live tree).
const uiTestsIdx = argv.indexOf('--ui-tests');
const uiTests = uiTestsIdx >= 0 ? argv[uiTestsIdx + 1] : 'test/cluster-ui';
const t0 = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)}s`;
const say = (m) => process.stdout.write(`[test-cluster] +${secs(Date.now() - t0)} ${m}\n`);

function skipped(reason) {
  const bar = '!'.repeat(100);
  process.stdout.write(
    `\n${bar}\n!! SKIPPED: cluster tests (test/cluster) did not run.\n!! Reason: ${String(reason).split('\n').join('\n!!         ')}\n${bar}\n\n`,
  );
  process.exit(0);
}

// --- 1. binaries ---------------------------------------------------------------------------------------------------
let binaries;
try {
  binaries = await ensureClusterBinaries();
} catch (e) {
  skipped(`the Kubernetes test binaries cannot be built on this machine: ${e?.message ?? e}`);
}
let node24;
try {
  // Only the Node 24 binary is needed here; ensureHost() would also install Chromium and code-server when missing.
  node24 = fs.existsSync(hostPaths().node24) ? hostPaths().node24 : ensureHost().node24;
} catch (e) {
  skipped(`no Node 24 for the tests (client-node 2.x needs Node >= 22.19): ${e?.message ?? e}`);
}
say(`binaries ready (kube ${binaries.kubeVersion}, kwok ${binaries.kwokVersion}); node ${node24}`);

// --- 2. bundles ----------------------------------------------------------------------------------------------------
const outDir = path.join(root, 'out/test/cluster');
const bundleDir = path.join(root, 'out/test/cluster-bundle');
fs.rmSync(outDir, { recursive: true, force: true });
fs.rmSync(bundleDir, { recursive: true, force: true });
const entries = fs
  .readdirSync(path.join(root, 'test/cluster'))
  .filter((f) => f.endsWith('.test.ts') && (!only || f.includes(only)))
  .map((f) => path.join(root, 'test/cluster', f));
if (!entries.length) {
  process.stderr.write(`no test/cluster/*.test.ts${only ? ` matching ${only}` : ''}\n`);
  process.exit(2);
}
await esbuild.build({
  entryPoints: entries,
  outdir: outDir,
  outbase: path.join(root, 'test/cluster'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  sourcemap: 'inline',
  packages: 'external',
  logLevel: 'warning',
});
// The shipped form: client-node (ESM) and undici bundled into one CJS file, as esbuild.mjs does for the extension.
await bundleAdapter(path.join(bundleDir, 'adapter.cjs'));
say(
  `bundled ${entries.length} test file(s) and the adapter (${(fs.statSync(path.join(bundleDir, 'adapter.cjs')).size / 1e6).toFixed(1)} MB)`,
);

// --- 3. cluster ----------------------------------------------------------------------------------------------------
let cluster;
let control;
let child;
let stopping = null;
let scratchDir;
let botMetrics;
let ledgerDb;

async function shutdown(code) {
  if (stopping) return stopping;
  stopping = (async () => {
    if (child && child.exitCode === null) child.kill('SIGTERM');
    control?.close();
    await botMetrics?.stop().catch(() => undefined);
    await ledgerDb?.stop({ keep }).catch(() => undefined);
    if (cluster) {
      const s = Date.now();
      await cluster.stop({ keep }).catch((e) => process.stderr.write(`cluster stop failed: ${e?.message ?? e}\n`));
      say(`cluster stopped in ${secs(Date.now() - s)}${keep ? ` (kept ${cluster.workDir})` : ''}`);
    }
    if (scratchDir && !keep) fs.rmSync(scratchDir, { recursive: true, force: true });
    process.exit(code);
  })();
  return stopping;
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    process.stderr.write(`\n[test-cluster] ${sig}: stopping the cluster\n`);
    void shutdown(130);
  });
}

try {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-cluster-tests-'));
  const logsFile = path.join(scratch, 'incident-bot.log');
  fs.writeFileSync(
    logsFile,
    '[Nest] 1  - 08/05/2025, 2:15:00 PM     LOG [NestFactory] Starting Nest application...\n' +
      '[Nest] 1  - 08/05/2025, 2:15:03 PM     LOG [IncidentBot] Incident-bot started on port 3000\n',
  );
  // The bot's port 3000 for port-forwards (kwok ClusterPortForward): the real prom-client with the bot's metrics.
  botMetrics = await startFakeBotMetrics();
  let s = Date.now();
  cluster = await startCluster({ logsFile, keep, binaries, metricsTarget: botMetrics.port });
  scratchDir = scratch;
  say(`cluster up in ${secs(Date.now() - s)} at ${cluster.apiserverUrl}`);
  s = Date.now();
  // The ledger's PostgreSQL: psql exec'd in the ledger pod runs on this machine (kwok ClusterExec, seed.mjs) with
  // PGHOST/PGPORT/PGUSER/PGDATABASE pointing here. Without PostgreSQL the ledger tests skip (loudly).
  const pgAvail = postgresAvailable();
  let pgSkip = pgAvail.ok ? '' : pgAvail.reason;
  if (pgAvail.ok) {
    try {
      ledgerDb = await startPostgres();
    } catch (e) {
      pgSkip = `PostgreSQL did not start: ${e?.message ?? e}`;
    }
  }
  say(pgSkip ? `!! ledger tests will be SKIPPED: ${pgSkip}` : `ledger PostgreSQL on 127.0.0.1:${ledgerDb.port}`);
  const seeded = await seedProvabilityFabric(cluster, { logsFile, execEnv: ledgerDb?.env });
  const restricted = await cluster.makeUserKubeconfig('pf-restricted');
  say(`seeded in ${secs(Date.now() - s)}: bot pod ${seeded.pods.incidentBot}`);

  // Control endpoint for the test processes (loopback only): POST {op, args} -> {ok, result} | {ok: false, error}.
  const ops = {
    restartApiServer: (opts) => cluster.restartApiServer(opts),
    stopApiServer: (opts) => cluster.stopApiServer(opts),
    startApiServer: () => cluster.startApiServer(),
    request: (method, p, body, opts) => cluster.request(method, p, body, opts),
    kubectl: (args, opts) => cluster.kubectl(args, { ...opts, allowFail: true }),
    makeUserKubeconfig: (name, groups) => cluster.makeUserKubeconfig(name, groups),
    grantUser: (name, opts) => cluster.grantUser(name, opts),
    createRollback: (opts) => createRollback(cluster, opts),
    setRollbackPhase: (name, phase, extra) => setRollbackPhase(cluster, name, phase, extra),
    patchRollback: (name, patch) => patchRollback(cluster, name, patch),
    deleteRollback: (name) => deleteRollback(cluster, name),
    syncLogs: () => seeded.logs?.sync(),
    ledgerSql: (text) => (ledgerDb ? ledgerDb.sql(text) : Promise.reject(new Error(pgSkip))),
  };
  control = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      let out;
      try {
        const { op, args = [] } = JSON.parse(body);
        if (!ops[op]) throw new Error(`unknown op ${op}`);
        out = { ok: true, result: (await ops[op](...args)) ?? null };
      } catch (e) {
        out = { ok: false, error: e?.message ?? String(e), status: e?.status };
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise((r) => control.listen(0, '127.0.0.1', r));

  const env = {
    ...process.env,
    PF_TEST_KUBECONFIG: cluster.kubeconfig,
    PF_TEST_RESTRICTED_KUBECONFIG: restricted,
    PF_TEST_APISERVER_URL: cluster.apiserverUrl,
    PF_TEST_CONTROL: `http://127.0.0.1:${control.address().port}`,
    PF_TEST_LOGS_FILE: logsFile,
    PF_TEST_BOT_POD: seeded.pods.incidentBot,
    PF_TEST_KUBECTL: binaries.kubectl,
    PF_TEST_ADAPTER_BUNDLE: path.join(bundleDir, 'adapter.cjs'),
    PF_TEST_SCRATCH: scratch,
    PF_TEST_PG_SKIP: pgSkip,
    PF_TEST_BOT_METRICS_CONTROL: botMetrics.controlUrl,
  };
  delete env.KUBECONFIG;

  // --- 4. tests ----------------------------------------------------------------------------------------------------
  s = Date.now();
  say(
    `running ${path.relative(root, outDir)}/*.test.js with Node ${node24.match(/node(\d+)-/)?.[1] ?? ''} (${node24})`,
  );
  const summary = [];
  const code = uiOnly
    ? 0
    : await new Promise((resolve) => {
        child = spawn(
          node24,
          // Node 22+ reads the positional arguments of --test as globs: a bare directory (which Node 20 expanded)
          // is taken as one file there.
          [
            '--test',
            '--test-concurrency=1',
            '--test-reporter=spec',
            '--test-timeout=240000',
            `${path.relative(root, outDir)}/*.test.js`,
          ],
          { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] },
        );
        let buf = '';
        child.stdout.on('data', (d) => {
          process.stdout.write(d);
          buf += d;
          const lines = buf.split('\n');
          buf = lines.pop();
          for (const l of lines)
            if (/^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /.test(l)) summary.push(l);
        });
        child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
      });
  say(`tests finished in ${secs(Date.now() - s)} (exit ${code})`);
  // --- 5. the live tree in the real VS Code (code-server + Chromium) against the same cluster ------------------------
  let uiCode = 0;
  if (!only) {
    s = Date.now();
    const uiWorkspace = fs.mkdtempSync(path.join(scratch, 'ui-workspace-'));
    // Scrape the bot every second so the metrics test sees two scrapes (rates, p95) quickly.
    fs.mkdirSync(path.join(uiWorkspace, '.vscode'));
    fs.writeFileSync(
      path.join(uiWorkspace, '.vscode', 'settings.json'),
      JSON.stringify({ 'pfIncident.metrics.scrapeIntervalSeconds': 1 }, null, 2),
    );
    say('running test/cluster-ui/*.ui.mjs in code-server (KUBECONFIG: the admin and the restricted user)');
    let uiOut = '';
    uiCode = await new Promise((resolve) => {
      child = spawn(
        process.execPath,
        [
          'test/tools/test-ui.mjs',
          '--tests',
          uiTests,
          '--workspace',
          uiWorkspace,
          '--out',
          uiTests === 'test/cluster-ui' ? '.test-output/cluster-ui' : `.test-output/${path.basename(uiTests)}`,
          '--test-timeout',
          '4m',
        ],
        {
          cwd: root,
          env: { ...env, PF_UI_KUBECONFIG: [cluster.kubeconfig, restricted].join(path.delimiter) },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      child.stdout.on('data', (d) => {
        process.stdout.write(d);
        uiOut += d;
      });
      child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
    });
    const m = [...uiOut.matchAll(/^(\d+) passed, (\d+) failed/gm)].at(-1);
    say(`UI tests finished in ${secs(Date.now() - s)} (exit ${uiCode})`);
    // In node:test's summary form, so test-all.mjs adds them to this tier's counts.
    summary.push(`# pass ${m ? m[1] : 0} (code-server UI)`, `# fail ${m ? m[2] : uiCode ? 1 : 0} (code-server UI)`);
    process.stdout.write(`# pass ${m ? m[1] : 0}\n# fail ${m ? m[2] : uiCode ? 1 : 0}\n`);
  }
  if (summary.length) process.stdout.write(`\n[test-cluster] summary:\n${summary.map((l) => `  ${l}`).join('\n')}\n`);
  if (pgSkip) {
    process.stdout.write(
      `\n${'!'.repeat(100)}\n!! SKIPPED: the ledger (psql) tests did not run: ${pgSkip}\n${'!'.repeat(100)}\n`,
    );
  }
  await shutdown(code || uiCode);
} catch (e) {
  process.stderr.write(`[test-cluster] setup failed: ${e?.stack ?? e}\n`);
  await shutdown(1);
}
