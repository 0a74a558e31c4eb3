#!/usr/bin/env node
// Self-check of the cluster test tooling: `node test/tools/cluster/smoke.mjs`.
// Builds/locates the binaries, starts a cluster, seeds it and proves with kubectl (and one raw watch) that the real API
// server behaves the way the extension's cluster tests rely on. Last line: "N passed, M failed"; exit 1 on failure.
// PF_CLUSTER_KEEP=1 keeps the work dir (component logs in <workDir>/logs).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { clusterBinariesAvailable, ensureClusterBinaries } from './binaries.mjs';
import { startCluster } from './cluster.mjs';
import { ROLLBACK_API, createRollback, seedProvabilityFabric, setRollbackPhase } from './seed.mjs';

const results = [];
const timings = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const secs = (ms) => `${(ms / 1000).toFixed(1)}s`;

async function check(name, fn) {
  const started = Date.now();
  try {
    const note = await fn();
    results.push({ name, ok: true });
    process.stdout.write(`ok   ${name} (${secs(Date.now() - started)})${note ? ` - ${note}` : ''}\n`);
  } catch (err) {
    results.push({ name, ok: false });
    process.stdout.write(`FAIL ${name} (${secs(Date.now() - started)}): ${err.stack || err}\n`);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function timed(label, fn) {
  const started = Date.now();
  const v = await fn();
  timings.push(`${label}: ${secs(Date.now() - started)}`);
  return v;
}

/** Resolves with the first output line matching `re` of a child process (stdout), or rejects after timeoutMs. */
function waitForOutput(child, re, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `${what}: no output matching ${re} after ${timeoutMs} ms; stdout=${JSON.stringify(buf.slice(-800))} stderr=${JSON.stringify(err.slice(-800))}`,
          ),
        ),
      timeoutMs,
    );
    const onData = (d) => {
      buf += d;
      const m = buf.match(re);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(m);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${what}: exited (${code}) before matching ${re}; stdout=${JSON.stringify(buf.slice(-800))} stderr=${JSON.stringify(err.slice(-800))}`,
        ),
      );
    });
  });
}

function httpGet(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      })
      .on('error', reject);
  });
}

/**
 * A raw watch on the Rollback collection that behaves like a careful client: on disconnect it re-watches from the
 * last resourceVersion it saw; on 410 Gone it re-lists. Records what happened so the smoke test can report it.
 */
function rawWatch(cluster, onEvent) {
  const stats = { connects: 0, disconnects: 0, gone: 0, relists: 0, errors: [] };
  let rv = null;
  let stopped = false;
  let req = null;
  const list = async () => {
    for (;;) {
      try {
        const r = await cluster.request('GET', ROLLBACK_API);
        if (r.status === 200) {
          rv = r.json.metadata.resourceVersion;
          stats.relists++;
          return;
        }
      } catch (err) {
        stats.errors.push(err.message);
      }
      await sleep(250);
    }
  };
  const connect = () => {
    if (stopped) return;
    stats.connects++;
    const url = `${cluster.apiserverUrl}${ROLLBACK_API}?watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`;
    req = https.get(url, { ...cluster.adminTls }, (res) => {
      if (res.statusCode !== 200) {
        // 410: the resourceVersion is too old -> relist. Anything else (e.g. 429/503 while the restarted server's
        // watch cache initialises) -> try the same resourceVersion again shortly.
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          stats.errors.push(`HTTP ${res.statusCode} ${body.slice(0, 200)}`);
          if (res.statusCode === 410) {
            stats.gone++;
            list().then(connect);
          } else reconnect();
        });
        return;
      }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (!line.trim()) continue;
          let ev;
          try {
            ev = JSON.parse(line);
          } catch {
            stats.errors.push(`unparsable watch line ${line.slice(0, 200)}`);
            continue;
          }
          if (ev.type === 'ERROR' || !ev.object?.metadata) {
            stats.errors.push(`watch ERROR ${line.slice(0, 300)}`);
            if (ev.object?.code === 410) stats.gone++;
            req.destroy();
            list().then(connect);
            return;
          }
          rv = ev.object.metadata.resourceVersion;
          if (ev.type !== 'BOOKMARK') onEvent(ev);
        }
      });
      res.on('end', () => reconnect());
      res.on('error', () => reconnect());
    });
    req.on('error', () => reconnect());
  };
  let reconnecting = false;
  const reconnect = () => {
    if (stopped || reconnecting) return;
    reconnecting = true;
    stats.disconnects++;
    setTimeout(() => {
      reconnecting = false;
      connect();
    }, 250);
  };
  return {
    stats,
    start: async () => {
      await list();
      connect();
    },
    stop: () => {
      stopped = true;
      req?.destroy();
    },
  };
}

async function main() {
  // 1. Binaries: cold (if the cache is empty) then warm.
  const wasAvailable = clusterBinariesAvailable();
  const t1 = Date.now();
  const binaries = await ensureClusterBinaries();
  timings.push(`binaries ensure (cold): ${wasAvailable ? 'n/a, cache already warm' : secs(Date.now() - t1)}`);
  await timed('binaries ensure (warm)', () => ensureClusterBinaries());
  process.stdout.write(`kube ${binaries.kubeVersion}, kwok ${binaries.kwokVersion}, kubectl ${binaries.kubectl}\n`);

  // 2. Local stand-ins: a /metrics server (what port-forward must reach), a log file, an exec work dir.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-smoke-'));
  const metricsBody =
    '# HELP incident_bot_rollbacks_total Total number of rollbacks executed\n# TYPE incident_bot_rollbacks_total counter\nincident_bot_rollbacks_total 7\n';
  const metricsServer = http.createServer((req, res) => {
    res.writeHead(req.url === '/metrics' ? 200 : 404, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(req.url === '/metrics' ? metricsBody : 'not found\n');
  });
  await new Promise((r) => metricsServer.listen(0, '127.0.0.1', r));
  const metricsPort = metricsServer.address().port;
  const logsFile = path.join(scratch, 'incident-bot.log');
  fs.writeFileSync(
    logsFile,
    '[Nest] 1  - 08/05/2025, 2:15:30 PM     LOG [NestFactory] Starting Nest application...\n[Nest] 1  - 08/05/2025, 2:15:30 PM     LOG [InstanceLoader] AppModule dependencies initialized +12ms\n',
  );
  const execWorkDir = path.join(scratch, 'ledger-exec');
  fs.mkdirSync(execWorkDir);

  let cluster;
  try {
    cluster = await timed('cluster start', () =>
      startCluster({ logsFile, metricsTarget: metricsPort, execWorkDir, keep: !!process.env.PF_CLUSTER_KEEP }),
    );
    const seeded = await timed('seed', () =>
      seedProvabilityFabric(cluster, { logsFile, metricsPort, psqlWorkDir: execWorkDir }),
    );
    const { pods } = seeded;
    const k = (args, o) => cluster.kubectl(args, o);

    await check('kubeconfig has context pf-test and the server is real', async () => {
      const ctx = (await k(['config', 'current-context'])).stdout.trim();
      assert(ctx === 'pf-test', `context ${ctx}`);
      const v = JSON.parse((await k(['version', '-o', 'json'])).stdout).serverVersion.gitVersion;
      assert(v === binaries.kubeVersion, `server reports ${v}`);
      return `server ${v}`;
    });

    await check('Rollback CRD is Established, with shortName rb and category provability-fabric', async () => {
      const st = (
        await k([
          'get',
          'crd',
          'rollbacks.ops.prov-fabric.io',
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Established")].status}',
        ])
      ).stdout;
      assert(st === 'True', `Established=${st}`);
      await k(['get', 'rb']);
      await k(['get', 'provability-fabric']);
    });

    await check('pods of incident-bot, attestor and ledger are Running on the kwok node', async () => {
      const out = (
        await k([
          'get',
          'pods',
          '-A',
          '-o',
          'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.spec.nodeName}{"\\n"}{end}',
        ])
      ).stdout;
      for (const p of Object.values(pods))
        assert(new RegExp(`^${p} Running pf-kwok-node-0$`, 'm').test(out), `${p}: ${out}`);
      const env = (
        await k([
          'get',
          'deploy',
          'incident-bot',
          '-n',
          'monitoring',
          '-o',
          'jsonpath={.spec.template.spec.containers[0].env}',
        ])
      ).stdout;
      assert(env.includes('RISK_SCORE_THRESHOLD') && env.includes('0.8'), env);
    });

    const invalid = {
      apiVersion: 'ops.prov-fabric.io/v1alpha1',
      kind: 'Rollback',
      metadata: { name: 'rollback-1754403330512', namespace: 'flux-system' },
      spec: {
        targetRelease: 'v0.1.0',
        reason: 'high_risk_sha256:4f8b2c1d9e7a6b5c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c',
        capsuleHash: 'sha256:4f8b2c1d9e7a6b5c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c',
      },
    };
    await check(
      'invalid Rollback (bot-style reason, targetRelease v0.1.0) is rejected with 422 naming both fields',
      async () => {
        const r = await cluster.request('POST', ROLLBACK_API, invalid);
        assert(r.status === 422, `HTTP ${r.status} ${r.body}`);
        assert(r.json.reason === 'Invalid', r.body);
        const fields = (r.json.details?.causes || []).map((c) => c.field);
        assert(fields.includes('spec.reason') && fields.includes('spec.targetRelease'), `causes ${fields}`);
        const kr = await k(['create', '-f', '-'], { input: JSON.stringify(invalid), allowFail: true });
        assert(kr.code !== 0 && /spec\.reason/.test(kr.stderr) && /spec\.targetRelease/.test(kr.stderr), kr.stderr);
        return kr.stderr.trim().split('\n')[0].slice(0, 160);
      },
    );

    let valid;
    await check(
      'valid Rollback is accepted and shows in the printer columns; phase changes by plain update',
      async () => {
        valid = await createRollback(cluster, { name: 'rollback-smoke-valid', tenantId: 'clz8k1m3p0000ab12cd34ef56' });
        await setRollbackPhase(cluster, valid.metadata.name, 'Completed', {
          message: 'Rolled back HelmRelease provability-fabric from revision 14 to 13',
        });
        const out = (await k(['get', 'rollbacks'])).stdout;
        assert(/NAME\s+TARGET RELEASE\s+REASON\s+PHASE\s+AGE/.test(out), out);
        assert(
          new RegExp(`rollback-smoke-valid\\s+${valid.spec.targetRelease}\\s+high_risk\\s+Completed`).test(out),
          out,
        );
        // Cluster scope: the namespace the bot sets is dropped by kubectl create... but a namespaced URL is a 404.
        const ns = await cluster.request('POST', '/apis/ops.prov-fabric.io/v1alpha1/namespaces/flux-system/rollbacks', {
          ...invalid,
          metadata: { name: 'ns-scoped' },
          spec: { targetRelease: valid.spec.targetRelease, reason: 'manual' },
        });
        assert(ns.status === 404, `namespaced create gave ${ns.status}`);
      },
    );

    await check('server-side dry run validates without persisting', async () => {
      const obj = {
        ...invalid,
        metadata: { name: 'rollback-dry-run' },
        spec: { targetRelease: 'a'.repeat(64), reason: 'manual' },
      };
      const r = await k(['create', '--dry-run=server', '-f', '-', '-o', 'name'], { input: JSON.stringify(obj) });
      assert(r.stdout.includes('rollback-dry-run'), r.stdout);
      const bad = await k(['create', '--dry-run=server', '-f', '-'], {
        input: JSON.stringify(invalid),
        allowFail: true,
      });
      assert(bad.code !== 0 && /Invalid value|Unsupported value/.test(bad.stderr), bad.stderr);
      const g = await k(['get', 'rollback', 'rollback-dry-run'], { allowFail: true });
      assert(g.code !== 0 && /NotFound|not found/.test(g.stderr), g.stderr);
    });

    let restricted;
    await check('restricted user (no RBAC bindings) is Forbidden and auth can-i says no', async () => {
      restricted = await cluster.makeUserKubeconfig('pf-restricted');
      const ctx = (await k(['config', 'current-context'], { kubeconfig: restricted })).stdout.trim();
      assert(ctx === 'pf-test-restricted', ctx);
      const r = await k(['get', 'rollbacks'], { kubeconfig: restricted, allowFail: true });
      assert(r.code !== 0 && /Forbidden/.test(r.stderr) && /pf-restricted/.test(r.stderr), r.stderr);
      const can = await k(['auth', 'can-i', 'get', 'rollbacks.ops.prov-fabric.io'], {
        kubeconfig: restricted,
        allowFail: true,
      });
      assert(can.stdout.trim() === 'no' && can.code !== 0, `${can.code} ${can.stdout}`);
      await cluster.grantUser('pf-restricted', {
        rules: [{ apiGroups: ['ops.prov-fabric.io'], resources: ['rollbacks'], verbs: ['get', 'list'] }],
      });
      const can2 = await k(['auth', 'can-i', 'list', 'rollbacks.ops.prov-fabric.io'], {
        kubeconfig: restricted,
        allowFail: true,
      });
      assert(can2.stdout.trim() === 'yes', `after grant: ${can2.stdout}`);
      const create = await k(['auth', 'can-i', 'create', 'rollbacks.ops.prov-fabric.io'], {
        kubeconfig: restricted,
        allowFail: true,
      });
      assert(create.stdout.trim() === 'no', `create after get/list grant: ${create.stdout}`);
      return r.stderr.trim().slice(0, 160);
    });

    await check('kubectl logs -f --timestamps streams lines appended to the logs file', async () => {
      const child = cluster.spawnKubectl([
        'logs',
        '-f',
        '--timestamps',
        '-n',
        'monitoring',
        pods.incidentBot,
        '-c',
        'incident-bot',
      ]);
      try {
        await waitForOutput(child, /^\S+Z \[Nest\] 1 .*Starting Nest application/m, 15000, 'initial log lines');
        const marker = `marker-${Date.now()}`;
        const line = `[Nest] 1  - 08/05/2025, 2:16:00 PM    WARN [DecisionEngineService] High risk GuardTrip ${marker}`;
        const appendedAt = Date.now();
        fs.appendFileSync(logsFile, `${line}\n`);
        const m = await waitForOutput(child, new RegExp(`^(\\S+) (.*${marker})$`, 'm'), 15000, 'appended line');
        assert(!Number.isNaN(Date.parse(m[1])), `timestamp ${m[1]}`);
        assert(m[2] === line, `line came back as ${JSON.stringify(m[2])}`);
        return `appended line arrived after ${Date.now() - appendedAt} ms, stamped ${m[1]}`;
      } finally {
        child.kill('SIGKILL');
      }
    });

    await check('kubectl logs (no follow) and the pod log API return the file content', async () => {
      const r = await k(['logs', '-n', 'monitoring', `deployment/incident-bot`]);
      assert(r.stdout.startsWith('[Nest] 1  - 08/05/2025, 2:15:30 PM     LOG [NestFactory] Starting'), r.stdout);
      const api = await cluster.request(
        'GET',
        `/api/v1/namespaces/monitoring/pods/${pods.incidentBot}/log?container=incident-bot&tailLines=1`,
      );
      assert(api.status === 200 && api.body.includes('marker-'), `${api.status} ${api.body}`);
    });

    await check('kubectl port-forward to incident-bot:3000 reaches the local /metrics server', async () => {
      const child = cluster.spawnKubectl(['port-forward', '-n', 'monitoring', `pod/${pods.incidentBot}`, ':3000']);
      try {
        const m = await waitForOutput(child, /Forwarding from 127\.0\.0\.1:(\d+) -> 3000/, 15000, 'port-forward');
        const r = await httpGet(`http://127.0.0.1:${m[1]}/metrics`);
        assert(r.status === 200 && r.body === metricsBody, `${r.status} ${r.body}`);
        return `local port ${m[1]} -> pod:3000 -> 127.0.0.1:${metricsPort}`;
      } finally {
        child.kill('SIGKILL');
      }
    });

    await check('kubectl exec into the ledger pod runs the command locally in the exec work dir', async () => {
      const r = await k(['exec', '-n', 'default', pods.ledger, '-c', 'ledger', '--', 'echo', 'hello']);
      assert(r.stdout === 'hello\n', JSON.stringify(r.stdout));
      const pwd = await k(['exec', '-n', 'default', pods.ledger, '-c', 'ledger', '--', 'pwd']);
      assert(pwd.stdout.trim() === execWorkDir, `pwd ${pwd.stdout}`);
      const fail = await k(['exec', '-n', 'default', pods.ledger, '-c', 'ledger', '--', 'sh', '-c', 'exit 3'], {
        allowFail: true,
      });
      // kwok does not pass the command's exit status through the exec protocol: kubectl exits 1 with an
      // "Internal error ... exit status 3" message instead of exiting 3 as with a real kubelet.
      assert(fail.code !== 0 && /exit status 3/.test(fail.stderr), `exit code ${fail.code} ${fail.stderr}`);
      // stdin reaches the local process, but kwok never closes it (no EOF), so the command must stop reading by
      // itself: `head -n 1` here, `psql -c`/`-f` rather than `psql < file` in real tests.
      const head = await k(['exec', '-i', '-n', 'default', pods.ledger, '-c', 'ledger', '--', 'head', '-n', '1'], {
        input: 'via stdin\n',
      });
      assert(head.stdout === 'via stdin\n', JSON.stringify(head.stdout));
    });

    await check('restartApiServer(): clients see it go away and come back; a watch resumes', async () => {
      const seen = [];
      const watch = rawWatch(cluster, (ev) => seen.push(`${ev.type} ${ev.object.metadata.name}`));
      await watch.start();
      const kw = cluster.spawnKubectl(['get', 'rollbacks', '-w', '--no-headers']);
      let kwOut = '';
      kw.stdout.on('data', (d) => (kwOut += d));
      const kwExit = new Promise((r) => kw.on('exit', (code) => r(code)));
      await createRollback(cluster, { name: 'rollback-before-restart' });
      for (let i = 0; i < 50 && !seen.includes('ADDED rollback-before-restart'); i++) await sleep(100);
      assert(seen.includes('ADDED rollback-before-restart'), `watch saw ${seen}`);

      const restartStarted = Date.now();
      const restart = cluster.restartApiServer({ downMs: 1500 });
      await sleep(500);
      const down = await k(['get', 'rollbacks'], { allowFail: true, timeoutMs: 20000 });
      assert(down.code !== 0 && /refused|connect/i.test(down.stderr), `while down: ${down.code} ${down.stderr}`);
      await restart;
      const restartMs = Date.now() - restartStarted;
      const up = await k(['get', 'rollbacks', '-o', 'name']);
      assert(up.stdout.includes('rollback.ops.prov-fabric.io/rollback-before-restart'), up.stdout);
      await createRollback(cluster, { name: 'rollback-after-restart' });
      for (let i = 0; i < 150 && !seen.includes('ADDED rollback-after-restart'); i++) await sleep(100);
      watch.stop();
      assert(
        seen.includes('ADDED rollback-after-restart'),
        `watch after restart saw ${seen}; stats ${JSON.stringify(watch.stats)}`,
      );
      const kwCode = await Promise.race([kwExit, sleep(3000).then(() => 'still running')]);
      kw.kill('SIGKILL');
      return `restart ${secs(restartMs)}; raw watch ${JSON.stringify({ ...watch.stats, errors: watch.stats.errors.length })}; kubectl get -w after restart: ${kwCode === 'still running' ? 'still running' : `exited ${kwCode}`}`;
    });
  } catch (err) {
    results.push({ name: 'setup', ok: false });
    process.stdout.write(`FAIL setup: ${err.stack || err}\n`);
  } finally {
    const stopStarted = Date.now();
    await cluster?.stop();
    if (cluster) timings.push(`cluster stop: ${secs(Date.now() - stopStarted)}`);
    metricsServer.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }

  process.stdout.write(`timings: ${timings.join('; ')}\n`);
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  process.stdout.write(`FAIL smoke: ${err.stack || err}\n0 passed, 1 failed\n`);
  process.exit(1);
});
