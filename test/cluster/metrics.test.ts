// The incident-bot's metrics through a real port-forward: adapter.scrapeBotMetrics() finds a ready bot pod, opens a
// client-node port-forward (WebSocket) through the real kube-apiserver to kwok's fake kubelet, whose
// ClusterPortForward sends the pod's port 3000 to test/tools/cluster/fake-bot-metrics.mjs: the REAL prom-client with
// the bot's metric definitions. What comes back must be prom-client's text byte for byte, and the metrics core must
// read from it the values prom-client was set to.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClientNodeAdapter } from '../../src/kube/clientNodeAdapter';
import type { KubeError } from '../../src/kube/types';
import { parseExposition } from '../../src/core/metrics/exposition';
import { readBotMetrics } from '../../src/core/metrics/incidentBot';
import { BOT_METRICS, NEVER_INCREMENTED_NOTE, NEVER_SET_GAUGE_NOTE } from '../../src/core/metrics/names';
import { histogramQuantile } from '../../src/core/metrics/quantile';
import { SeriesStore } from '../../src/core/metrics/series';
import { ADMIN, RESTRICTED, env, randomHex, rpc, settings } from './helpers';

type BotOp = Record<string, unknown> & { op: string };

/** Control endpoint of fake-bot-metrics.mjs (started by test-cluster.mjs). */
async function bot<T = unknown>(msg: BotOp): Promise<T> {
  const url = process.env.PF_TEST_BOT_METRICS_CONTROL;
  if (!url) throw new Error('PF_TEST_BOT_METRICS_CONTROL is not set: run with `node test/tools/test-cluster.mjs`');
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(msg) });
  const out = (await res.json()) as { ok: boolean; result?: T; error?: string };
  if (!out.ok) throw new Error(`fake bot ${msg.op}: ${out.error}`);
  return out.result as T;
}

const requestsServed = async (): Promise<Record<string, number>> =>
  (await bot<{ requests: Record<string, number> }>({ op: 'stats' })).requests;

const close = (actual: number | null | undefined, expected: number, what: string): void => {
  assert.ok(
    typeof actual === 'number' && Math.abs(actual - expected) < 1e-9,
    `${what}: expected ${expected}, got ${actual}`,
  );
};

async function rejection(p: Promise<unknown>): Promise<KubeError> {
  try {
    await p;
  } catch (e) {
    return e as KubeError;
  }
  throw new Error('expected a rejection');
}

const HASH_A = `sha256:${'4f8b2c1d9e7a6b5c'.repeat(4)}`;
const HASH_B = `sha256:${'0d9c8b7a6f5e4d3c'.repeat(4)}`;

describe('bot metrics through a port-forward', () => {
  const adapter = createClientNodeAdapter({ kubeconfigPaths: [env.kubeconfig] });
  before(async () => {
    await bot({ op: 'reset' });
    await bot({ op: 'paths', paths: ['/metrics'] });
  });
  after(async () => {
    await bot({ op: 'reset' });
    await bot({ op: 'paths', paths: ['/metrics'] });
  });

  test("returns prom-client's text, and the metrics core reads the values prom-client was set to", async () => {
    // Before: 3 high-risk rollbacks of capsule A, 1 heartbeat rollback of B, 60 decisions of 50 ms.
    await bot({ op: 'rollback', reason: `high_risk_${HASH_A}`, n: 3 });
    await bot({ op: 'rollback', reason: `heartbeat_miss_${HASH_B}`, n: 1 });
    await bot({ op: 'observe', seconds: Array<number>(60).fill(0.05) });
    const first = await adapter.scrapeBotMetrics(ADMIN, settings());
    assert.equal(first.text, await bot<string>({ op: 'text' }), 'byte for byte what prom-client serves');
    assert.equal(first.path, '/metrics');
    assert.deepEqual(first.tried, ['/metrics']);
    assert.equal(first.port, 3000);
    assert.equal(first.namespace, 'monitoring');
    assert.match(first.pod, /^incident-bot-/);

    // Between two scrapes: 2 more rollbacks of A; 100 decisions: 50 x 50 ms, 40 x 300 ms, 10 x 1.5 s.
    await bot({ op: 'rollback', reason: `high_risk_${HASH_A}`, n: 2 });
    await bot({
      op: 'observe',
      seconds: [...Array<number>(50).fill(0.05), ...Array<number>(40).fill(0.3), ...Array<number>(10).fill(1.5)],
    });
    const second = await adapter.scrapeBotMetrics(ADMIN, settings());
    assert.equal(second.text, await bot<string>({ op: 'text' }));

    const exp = parseExposition(second.text);
    assert.equal(exp.errorCount, 0, JSON.stringify(exp.errors));
    const rollbacks = exp.families.get(BOT_METRICS.rollbacks);
    assert.equal(rollbacks?.type, 'counter');
    const value = (reason: string): number | undefined =>
      rollbacks?.samples.find((s) => s.labels['reason'] === reason)?.value;
    assert.equal(value(`high_risk_${HASH_A}`), 5);
    assert.equal(value(`heartbeat_miss_${HASH_B}`), 1);
    const hist = exp.families.get(BOT_METRICS.decisionLatency)?.histograms;
    assert.equal(hist?.length, 1);
    const h = hist[0]!;
    assert.deepEqual(h.labels, { decision_type: 'guard_trip' });
    // Cumulative: 110 <= 0.1, 150 <= 0.5 and 1, 160 from 2 up; sum 60*0.05 + 50*0.05 + 40*0.3 + 10*1.5.
    assert.deepEqual(
      h.buckets.map((b) => [b.le, b.count]),
      [
        [0.1, 110],
        [0.5, 150],
        [1, 150],
        [2, 160],
        [5, 160],
        [10, 160],
        [30, 160],
        [Infinity, 160],
      ],
    );
    close(h.sum, 32.5, 'histogram sum');
    assert.equal(h.count, 160);
    // p95 of everything so far: rank 152 lies in (1, 2] with 10 observations, 2 of them needed: 1 + 2/10.
    close(histogramQuantile(0.95, h.buckets), 1.2, 'p95 since start');
    // Families that are declared but never touched print HELP/TYPE only; the unlabelled gauge prints 0.
    assert.equal(exp.families.get(BOT_METRICS.guardTrips)?.samples.length, 0);
    assert.equal(exp.families.get(BOT_METRICS.activeRollbacks)?.samples[0]?.value, 0);

    // The two scrapes as a minute apart: what the triage panel computes (rate over 5 m, histogram_quantile).
    const store = new SeriesStore();
    const t0 = Date.parse('2025-08-05T14:15:00Z');
    store.ingest({ at: t0, families: parseExposition(first.text).families });
    store.ingest({ at: t0 + 60_000, families: exp.families });
    const snap = readBotMetrics(store, t0 + 60_000);
    // Only the 100 decisions between the scrapes count: rank 95 lies in (1, 2] with 10 observations, 5 needed.
    // (Extrapolation scales every bucket alike here: each starts at >= 60, well above its zero point.)
    close(snap.decisionLatencyP95.value, 1.5, 'p95 over the range');
    assert.equal(snap.decisionLatencyP95.note, null);
    const a = snap.rollbackRates.find((r) => r.capsuleHash === HASH_A);
    const b = snap.rollbackRates.find((r) => r.capsuleHash === HASH_B);
    assert.equal(a?.kind, 'high_risk');
    assert.equal(b?.kind, 'heartbeat_miss');
    // Prometheus' rate(): +2 in 60 s, extrapolated by half a scrape interval (30 s) towards the range start, / 300 s.
    close(a?.rate, (2 * 90) / 60 / 300, 'rate of capsule A');
    close(b?.rate, 0, 'rate of capsule B');
    assert.equal(snap.activeRollbacks.value, 0);
    assert.equal(snap.activeRollbacks.note, NEVER_SET_GAUGE_NOTE);
    assert.equal(snap.guardTripsByTenant.note, NEVER_INCREMENTED_NOTE);
  });

  test('falls back to /api/v1/metrics on 404, and says so when neither path serves metrics', async () => {
    await bot({ op: 'paths', paths: ['/api/v1/metrics'] });
    await bot({ op: 'rollback', reason: `high_risk_${HASH_A}`, n: 1 });
    const before404 = (await requestsServed())['GET /metrics 404'] ?? 0;
    const r = await adapter.scrapeBotMetrics(ADMIN, settings());
    assert.equal(r.path, '/api/v1/metrics');
    assert.deepEqual(r.tried, ['/metrics', '/api/v1/metrics']);
    assert.equal(r.text, await bot<string>({ op: 'text' }));
    assert.match(r.text, /incident_bot_rollbacks_total\{reason="high_risk_sha256:4f8b/);
    assert.equal((await requestsServed())['GET /metrics 404'], before404 + 1);

    await bot({ op: 'paths', paths: [] });
    const err = await rejection(adapter.scrapeBotMetrics(ADMIN, settings()));
    await bot({ op: 'paths', paths: ['/metrics'] });
    assert.equal(err.name, 'KubeError');
    assert.equal(err.kind, 'not-found');
    assert.equal(err.status, 404);
    assert.match(err.message, /serves no metrics \(\/metrics and \/api\/v1\/metrics: HTTP 404\)/);
  });

  test('no Deployment, no ready pod, a port nothing listens on: KubeErrors', async () => {
    const noDep = await rejection(adapter.scrapeBotMetrics(ADMIN, settings({ botDeployment: 'no-such-bot' })));
    assert.equal(noDep.kind, 'not-found');
    assert.match(noDep.message, /No Deployment no-such-bot in monitoring/);
    // The attestor's pods declare port 8080, which kwok's ClusterPortForward does not forward.
    const other = await rejection(
      adapter.scrapeBotMetrics(ADMIN, settings({ botDeployment: 'attestor', botContainer: 'attestor' })),
    );
    assert.equal(other.name, 'KubeError');
    process.stdout.write(`# port-forward to a port kwok does not forward: ${other.kind}: ${other.message}\n`);
    assert.ok(['unreachable', 'other', 'timeout'].includes(other.kind), other.kind);
    assert.match(other.message, /8080/);
  });

  test('forbidden: names the missing permission', async () => {
    const none = createClientNodeAdapter({ kubeconfigPaths: [env.restrictedKubeconfig] });
    const e1 = await rejection(none.scrapeBotMetrics(RESTRICTED, settings()));
    assert.equal(e1.kind, 'forbidden');
    assert.equal(e1.missing, 'get deployments.apps in monitoring');

    // Allowed to find the pod, not to port-forward to it.
    const user = `pf-metrics-${randomHex(2)}`;
    const kubeconfig = await rpc<string>('makeUserKubeconfig', user);
    await rpc('grantUser', user, {
      namespace: 'monitoring',
      rules: [
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      ],
    });
    const some = createClientNodeAdapter({ kubeconfigPaths: [kubeconfig] });
    const e2 = await rejection(some.scrapeBotMetrics(RESTRICTED, settings()));
    assert.equal(e2.kind, 'forbidden');
    assert.equal(e2.status, 403);
    // Neither verb: both are named (kubectl's port-forward is a POST, authorised as create; client-node's WebSocket
    // port-forward is a GET since Kubernetes 1.30, authorised as get; 1.35 can require create for it as well).
    assert.equal(e2.missing, 'create pods/portforward in monitoring, get pods/portforward in monitoring');
    assert.match(e2.message, /port-forward to pod monitoring\/incident-bot-\S+:3000: Forbidden/);

    // kubectl's permission alone is not enough on this 1.33 server: the access reviews name the verb still missing.
    await rpc('grantUser', user, {
      namespace: 'monitoring',
      rules: [{ apiGroups: [''], resources: ['pods/portforward'], verbs: ['create'] }],
    });
    const e3 = await rejection(some.scrapeBotMetrics(RESTRICTED, settings()));
    assert.equal(e3.kind, 'forbidden');
    assert.equal(e3.missing, 'get pods/portforward in monitoring');

    await rpc('grantUser', user, {
      namespace: 'monitoring',
      rules: [{ apiGroups: [''], resources: ['pods/portforward'], verbs: ['get'] }],
    });
    const ok = await some.scrapeBotMetrics(RESTRICTED, settings());
    assert.equal(ok.text, await bot<string>({ op: 'text' }));
  });
});
