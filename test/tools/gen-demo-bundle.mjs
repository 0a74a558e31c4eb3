#!/usr/bin/env node
// Writes media/demo-bundle: the replay bundle behind "PF Incident: Open Demo Incident" and `npm run demo`.
// A realistic incident night from the real-logger generator (coloured, kubectl --timestamps format), the
// CRD-valid Rollbacks the bot's log names (most Completed, two still in flight, one Failed), Events about them,
// the incident-bot Deployment, the maintenance ConfigMap and prom-client metrics snapshots, with a SHA-256
// manifest. Deterministic: the same seed gives the same bytes.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const OUT = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1] : 'media/demo-bundle';
const SEED = 7;
const POD = 'incident-bot-7d9f8c6b5-x2k9q';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-demo-'));

const gen = spawnSync(
  process.execPath,
  [
    'test/tools/gen-nest-log.mjs',
    '--checklist',
    '--events',
    '70',
    '--seed',
    String(SEED),
    '--color',
    '--timestamps',
    '--out',
    path.join(tmp, 'bot.log'),
    '--events-out',
    path.join(tmp, 'events.jsonl'),
    '--expected-out',
    path.join(tmp, 'expected.json'),
    '--metrics',
    path.join(tmp, 'metrics.prom'),
    '--metrics-every',
    '1',
  ],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
if (gen.status !== 0) throw new Error('gen-nest-log failed');

const expected = JSON.parse(fs.readFileSync(path.join(tmp, 'expected.json'), 'utf8'));
const sent = fs
  .readFileSync(path.join(tmp, 'events.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const tenantOf = new Map(sent.filter((e) => typeof e.capsuleHash === 'string').map((e) => [e.capsuleHash, e.tenantId]));

// A deterministic 64-hex release hash per target (the CRD wants a release hash, not a chart version).
const hex = (s) => crypto.createHash('sha256').update(s).digest('hex');
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const created = expected.evaluations.filter((e) => e.rollbackName && !e.rollbackFailed);
const rollbacks = created.map((e, i) => {
  const createdMs = Number(e.rollbackName.replace('rollback-', ''));
  const last = i >= created.length - 2;
  const failed = i === Math.floor(created.length / 2);
  const status = failed
    ? {
        phase: 'Failed',
        startedAt: iso(createdMs + 1000),
        completedAt: iso(createdMs + 61_000),
        message: 'smoke test failed after 60s',
        previousRevision: 14,
      }
    : last && i === created.length - 1
      ? { phase: 'Pending' }
      : last
        ? { phase: 'InProgress', startedAt: iso(createdMs + 1000), previousRevision: 14 }
        : {
            phase: 'Completed',
            startedAt: iso(createdMs + 1000),
            completedAt: iso(createdMs + 151_000),
            message: 'Rolled back HelmRelease provability-fabric from revision 14 to 13',
            helmReleaseRevision: 15,
            previousRevision: 14,
          };
  return {
    apiVersion: 'ops.prov-fabric.io/v1alpha1',
    kind: 'Rollback',
    metadata: {
      name: e.rollbackName,
      creationTimestamp: iso(createdMs),
      uid: hex(e.rollbackName).slice(0, 32),
      resourceVersion: String(1000 + i),
    },
    spec: {
      targetRelease: hex(`release-13-${SEED}`),
      reason: e.riskScore >= expected.thresholds.riskScoreThreshold ? 'high_risk' : 'heartbeat_miss',
      capsuleHash: e.capsuleHash,
      ...(tenantOf.get(e.capsuleHash) ? { tenantId: tenantOf.get(e.capsuleHash) } : {}),
    },
    status,
  };
});

const k8sEvents = rollbacks.map((rb, i) => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: {
    name: `${rb.metadata.name}.${(0x17a0 + i).toString(16)}`,
    namespace: 'flux-system',
    creationTimestamp: rb.metadata.creationTimestamp,
  },
  involvedObject: { apiVersion: rb.apiVersion, kind: 'Rollback', name: rb.metadata.name },
  reason:
    rb.status.phase === 'Failed'
      ? 'RollbackFailed'
      : rb.status.phase === 'Completed'
        ? 'RollbackCompleted'
        : 'RollbackStarted',
  message: rb.status.message ?? `Rollback ${rb.metadata.name} ${rb.status.phase}`,
  type: rb.status.phase === 'Failed' ? 'Warning' : 'Normal',
  firstTimestamp: rb.status.startedAt ?? rb.metadata.creationTimestamp,
  lastTimestamp: rb.status.completedAt ?? rb.status.startedAt ?? rb.metadata.creationTimestamp,
  count: 1,
}));

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'incident-bot', namespace: 'monitoring', labels: { app: 'incident-bot' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'incident-bot' } },
    template: {
      metadata: { labels: { app: 'incident-bot' } },
      spec: {
        containers: [
          {
            name: 'incident-bot',
            image: 'provability-fabric/incident-bot:0.1.0',
            ports: [{ containerPort: 3000 }],
            env: [
              { name: 'RISK_SCORE_THRESHOLD', value: '0.8' },
              { name: 'HEARTBEAT_MISSES_THRESHOLD', value: '3' },
              { name: 'KAFKA_GROUP_ID', value: 'incident-bot-group' },
              { name: 'KAFKA_BROKERS', value: 'kafka.kafka.svc:9092' },
            ],
          },
        ],
      },
    },
  },
  status: { replicas: 1, readyReplicas: 1, availableReplicas: 1 },
};
const configMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'maintenance-status', namespace: 'monitoring' },
  data: { active: 'false', window: '', reason: '' },
};

fs.rmSync(OUT, { recursive: true, force: true });
for (const d of ['logs', 'metrics']) fs.mkdirSync(path.join(OUT, d), { recursive: true });
const files = {};
const put = (rel, content) => {
  fs.writeFileSync(path.join(OUT, rel), content);
  files[rel] = crypto.createHash('sha256').update(content).digest('hex');
};
put(`logs/${POD}.log`, fs.readFileSync(path.join(tmp, 'bot.log')));
put('rollbacks.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rollbacks }, null, 2) + '\n');
put('events.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: k8sEvents }, null, 2) + '\n');
put('deployment.json', JSON.stringify(deployment, null, 2) + '\n');
put('maintenance-status.json', JSON.stringify(configMap, null, 2) + '\n');

// Snapshot k was written after input event k. Prometheus would have scraped every 30 s and seen, at each scrape,
// the state after the last event before it: replay that for the last 40 minutes of the night.
const snaps = fs
  .readdirSync(tmp)
  .filter((f) => /^metrics\.prom\.\d+$/.test(f))
  .map((f) => ({ k: Number(f.split('.').pop()), file: path.join(tmp, f) }))
  .sort((a, b) => a.k - b.k);
// The generator counts every input (Kafka message, empty message, Alertmanager webhook): find each one's time
// from the line that starts its handling in the log (kubectl --timestamps prefix).
const INPUT_START =
  /(Processing GuardTrip event|Invalid GuardTrip event received|Received empty message|Received Alertmanager webhook)/;
const eventTimes = fs
  .readFileSync(path.join(tmp, 'bot.log'), 'utf8')
  .split('\n')
  .filter((l) => INPUT_START.test(l))
  .map((l) => Date.parse(l.slice(0, l.indexOf(' '))));
const end = eventTimes[eventTimes.length - 1] + 60_000;
const metrics = [];
let n = 0;
for (let t = end - 40 * 60_000; t <= end; t += 30_000) {
  const done = eventTimes.filter((x) => x <= t).length;
  const snap = snaps.filter((s) => s.k <= done).at(-1) ?? snaps[0];
  const rel = `metrics/${String(++n).padStart(4, '0')}.prom`;
  put(rel, fs.readFileSync(snap.file));
  metrics.push({ at: new Date(t).toISOString(), path: rel });
}
const lastTs = sent[sent.length - 1].ts;

const manifest = {
  format: 'pf-incident-bundle',
  version: 1,
  createdAt: new Date(Date.parse(lastTs) + 120_000).toISOString(),
  title: 'Demo incident night (generated with the real NestJS logger and prom-client)',
  source: {
    kind: 'demo',
    description: `gen-nest-log --checklist --seed ${SEED}; Rollbacks with phases Completed, InProgress, Pending and one Failed`,
  },
  logs: [{ pod: POD, path: `logs/${POD}.log` }],
  rollbacks: 'rollbacks.json',
  events: 'events.json',
  deployment: 'deployment.json',
  configMap: 'maintenance-status.json',
  metrics,
  sha256: files,
};
fs.writeFileSync(path.join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
fs.rmSync(tmp, { recursive: true, force: true });
console.log(
  `${OUT}: ${rollbacks.length} Rollbacks, ${metrics.length} metrics snapshots, ${Object.keys(files).length} files`,
);
