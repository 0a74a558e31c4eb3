// `npm run demo -- --live`: the demo incident night (media/demo-bundle) played on a local REAL kube-apiserver
// (test/tools/cluster: kube-apiserver + etcd + kwok as plain processes). The bot's log lines are appended to the
// incident-bot pod's log over a few minutes, each Rollback is created when the bot's log says so and then moves
// through its recorded phases, and the bot's metrics (the real prom-client, fake-bot-metrics.mjs, reached through
// kwok's port-forward) count what happens, so incidents arrive live in the tree and the panel's metrics move.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clusterBinariesAvailable, ensureClusterBinaries } from './cluster/binaries.mjs';
import { startCluster } from './cluster/cluster.mjs';
import { startFakeBotMetrics } from './cluster/fake-bot-metrics.mjs';
import { createRollback, seedProvabilityFabric, setRollbackPhase } from './cluster/seed.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// kubectl --timestamps prefix of the recorded lines: kwok stamps the replayed lines itself.
const STAMP = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z /;
// eslint-disable-next-line no-control-regex -- the bot's log is coloured
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * Starts the cluster and returns { kubeconfig, context, play(), stop() }. `play({ minutes })` replays the night,
 * compressed to about that many minutes; it resolves when the last line and phase are written.
 */
export async function startLiveNight({ bundleDir, say = (m) => console.log(m), build = true } = {}) {
  if (!clusterBinariesAvailable() && !build) throw new Error('the cluster binaries are not cached');
  if (!clusterBinariesAvailable()) say('# building kube-apiserver, etcd and kwok once (cached afterwards; ~10 min)');
  const binaries = await ensureClusterBinaries();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-demo-live-'));
  const logsFile = path.join(work, 'incident-bot.log');
  fs.writeFileSync(logsFile, '');
  const metrics = await startFakeBotMetrics();
  let cluster;
  try {
    cluster = await startCluster({ logsFile, binaries, metricsTarget: metrics.port });
    await seedProvabilityFabric(cluster, { logsFile });
  } catch (e) {
    await cluster?.stop().catch(() => undefined);
    await metrics.stop().catch(() => undefined);
    throw e;
  }
  const logFile = fs.readdirSync(path.join(bundleDir, 'logs')).find((f) => f.endsWith('.log'));
  const lines = fs
    .readFileSync(path.join(bundleDir, 'logs', logFile), 'utf8')
    .split('\n')
    .filter(Boolean);
  const rollbacks = new Map(
    JSON.parse(fs.readFileSync(path.join(bundleDir, 'rollbacks.json'), 'utf8')).items.map((r) => [r.metadata.name, r]),
  );
  let stopped = false;
  const pending = new Set();

  async function rollbackLifecycle(rb, stepMs) {
    const phase = rb.status?.phase ?? 'Pending';
    await createRollback(cluster, {
      name: rb.metadata.name,
      targetRelease: rb.spec.targetRelease,
      reason: rb.spec.reason,
      capsuleHash: rb.spec.capsuleHash,
      tenantId: rb.spec.tenantId,
      status: { phase: 'Pending' },
    });
    if (phase === 'Pending') return;
    await sleep(stepMs);
    if (stopped) return;
    await setRollbackPhase(cluster, rb.metadata.name, 'InProgress');
    if (phase === 'InProgress') return;
    await sleep(stepMs * 2);
    if (stopped) return;
    const extra = {};
    if (rb.status?.message) extra.message = rb.status.message;
    if (rb.status?.previousRevision !== undefined) extra.previousRevision = rb.status.previousRevision;
    await setRollbackPhase(cluster, rb.metadata.name, phase, extra);
  }

  async function play({ minutes = 3 } = {}) {
    const times = lines.map((l) => Date.parse(STAMP.exec(l)?.[0]?.trim() ?? '') || NaN);
    const first = times.find(Number.isFinite) ?? 0;
    const last = [...times].reverse().find(Number.isFinite) ?? first;
    const scale = (minutes * 60_000) / Math.max(1, last - first);
    const t0 = Date.now();
    let created = 0;
    for (let i = 0; i < lines.length && !stopped; i++) {
      if (Number.isFinite(times[i])) {
        const due = t0 + (times[i] - first) * scale;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      const line = lines[i].replace(STAMP, '');
      fs.appendFileSync(logsFile, `${line}\n`);
      const plain = line.replace(ANSI, '');
      const made = /Rollback CR created successfully: (\S+)/.exec(plain);
      const rb = made && rollbacks.get(made[1]);
      if (rb) {
        created++;
        const p = rollbackLifecycle(rb, Math.max(2000, 8000 * Math.min(1, minutes / 3))).catch((e) =>
          say(`# Rollback ${rb.metadata.name}: ${e?.message ?? e}`),
        );
        pending.add(p);
        p.finally(() => pending.delete(p));
      }
      const decision = /Rollback decision: (\S+) for capsule/.exec(plain);
      if (decision) await metrics.control({ op: 'rollback', reason: decision[1] }).catch(() => undefined);
      const evaluating = /Evaluating GuardTrip: risk=/.test(plain);
      if (evaluating) {
        await metrics.control({ op: 'observe', seconds: [0.04 + Math.random() * 0.3] }).catch(() => undefined);
      }
    }
    await Promise.all([...pending]);
    return { lines: lines.length, rollbacks: created };
  }

  return {
    kubeconfig: cluster.kubeconfig,
    context: 'pf-test',
    apiserverUrl: cluster.apiserverUrl,
    play,
    async stop() {
      stopped = true;
      await cluster.stop().catch(() => undefined);
      await metrics.stop().catch(() => undefined);
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}
