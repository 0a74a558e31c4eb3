// A stand-in for the incident-bot's HTTP port 3000 as far as metrics go: the REAL prom-client (15, the version the
// bot pins) with the bot's own Registry and metric definitions (fact sheet §2.9, runtime/incident-bot/src/metrics/
// metrics.service.ts): names, help texts, label names and histogram buckets exactly as the bot declares them, and no
// default process_*/nodejs_* metrics (the bot uses its own Registry). kwok's ClusterPortForward (seed.mjs) sends every
// port-forward to an incident-bot pod's port 3000 here, so the extension's scrape goes API server -> kwok -> this.
//
// Which paths serve the exposition is switchable (the bot's repository has no metrics controller at all; with Nest's
// global prefix one would sit at /api/v1/metrics, the playbook curls /metrics: fact sheet §2.10). Other paths answer
// 404 with Nest's JSON body.
//
// Run as a process:   node test/tools/cluster/fake-bot-metrics.mjs [--port N] [--paths /metrics,/api/v1/metrics]
//   prints one JSON line {"port":N,"controlPort":M} once both listen (loopback only).
// Control (second port, POST / with JSON; the metrics port stays what the bot would serve):
//   {op:'reset'}                                   every metric back to its initial state (registry.resetMetrics())
//   {op:'rollback', reason, n?}                    incident_bot_rollbacks_total{reason}.inc(n)
//   {op:'observe', seconds: number[], decisionType?}  incident_bot_decision_latency_seconds.observe() per value
//   {op:'guardTrip', tenantId, n?} / {op:'alert', alertName, n?} / {op:'decisionError', errorType, n?}
//   {op:'lag', topic, partition, value}            incident_bot_kafka_consumer_lag.set()
//   {op:'active', value}                           incident_bot_active_rollbacks.set()
//   {op:'paths', paths: string[]}                  which paths serve the exposition
//   {op:'text'}                                    -> the exposition text prom-client produces right now
//   {op:'stats'}                                   -> { requests: { '<method> <path> <status>': count } }
// Or from another module: startFakeBotMetrics({ port?, paths? }) spawns it and resolves a handle (see the .d.mts).
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export const DEFAULT_PATHS = ['/metrics'];

async function serve({ port = 0, paths = DEFAULT_PATHS } = {}) {
  const { Registry, Counter, Histogram, Gauge } = await import('prom-client');
  const register = new Registry();
  // As metrics.service.ts declares them (facts §2.9).
  const rollbacks = new Counter({
    name: 'incident_bot_rollbacks_total',
    help: 'Total number of rollbacks executed',
    labelNames: ['reason'],
    registers: [register],
  });
  const guardTrips = new Counter({
    name: 'incident_bot_guard_trips_total',
    help: 'Total number of GuardTrip events processed',
    labelNames: ['tenant_id'],
    registers: [register],
  });
  const alerts = new Counter({
    name: 'incident_bot_alerts_total',
    help: 'Total number of Alertmanager alerts processed',
    labelNames: ['alert_name'],
    registers: [register],
  });
  const decisionErrors = new Counter({
    name: 'incident_bot_decision_errors_total',
    help: 'Total number of decision engine errors',
    labelNames: ['error_type'],
    registers: [register],
  });
  const decisionLatency = new Histogram({
    name: 'incident_bot_decision_latency_seconds',
    help: 'Decision engine latency in seconds',
    labelNames: ['decision_type'],
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30],
    registers: [register],
  });
  const kafkaLag = new Gauge({
    name: 'incident_bot_kafka_consumer_lag',
    help: 'Kafka consumer lag in messages',
    labelNames: ['topic', 'partition'],
    registers: [register],
  });
  const activeRollbacks = new Gauge({
    name: 'incident_bot_active_rollbacks',
    help: 'Number of active rollbacks in progress',
    registers: [register],
  });

  let metricPaths = new Set(paths);
  const stats = {};
  const count = (key) => (stats[key] = (stats[key] ?? 0) + 1);

  const bot = http.createServer(async (req, res) => {
    const p = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && metricPaths.has(p)) {
      const text = await register.metrics();
      count(`GET ${p} 200`);
      res.writeHead(200, { 'Content-Type': register.contentType });
      res.end(text);
      return;
    }
    count(`${req.method} ${p} 404`);
    // What NestJS answers for a route it does not have.
    const body = JSON.stringify({ message: `Cannot ${req.method} ${p}`, error: 'Not Found', statusCode: 404 });
    res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(body);
  });

  const ops = {
    reset: () => register.resetMetrics(),
    rollback: ({ reason, n = 1 }) => rollbacks.inc({ reason }, n),
    observe: ({ seconds, decisionType = 'guard_trip' }) => {
      for (const s of seconds) decisionLatency.observe({ decision_type: decisionType }, s);
    },
    guardTrip: ({ tenantId, n = 1 }) => guardTrips.inc({ tenant_id: tenantId }, n),
    alert: ({ alertName, n = 1 }) => alerts.inc({ alert_name: alertName }, n),
    decisionError: ({ errorType, n = 1 }) => decisionErrors.inc({ error_type: errorType }, n),
    lag: ({ topic, partition, value }) => kafkaLag.set({ topic, partition: String(partition) }, value),
    active: ({ value }) => activeRollbacks.set(value),
    paths: ({ paths: ps }) => {
      metricPaths = new Set(ps);
    },
    text: () => register.metrics(),
    stats: () => ({ requests: { ...stats } }),
  };
  const control = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      let out;
      try {
        const msg = JSON.parse(body || '{}');
        if (!ops[msg.op]) throw new Error(`unknown op ${msg.op}`);
        out = { ok: true, result: (await ops[msg.op](msg)) ?? null };
      } catch (e) {
        out = { ok: false, error: e?.message ?? String(e) };
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise((r) => bot.listen(port, '127.0.0.1', r));
  await new Promise((r) => control.listen(0, '127.0.0.1', r));
  return { port: bot.address().port, controlPort: control.address().port };
}

/** Spawns this file as a child process (killed with the parent) and resolves a handle. */
export async function startFakeBotMetrics({ port = 0, paths = DEFAULT_PATHS, node = process.execPath } = {}) {
  const child = spawn(node, [fileURLToPath(import.meta.url), '--port', String(port), '--paths', paths.join(',')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, PF_FAKE_BOT_METRICS_CHILD: '1' },
  });
  // stdin stays open: when the parent dies, it closes and the child exits (see the main block below).
  const info = await new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl === -1) return;
      child.stdout.off('data', onData);
      try {
        resolve(JSON.parse(buf.slice(0, nl)));
      } catch (e) {
        reject(new Error(`fake-bot-metrics: unexpected output ${buf.slice(0, 200)}: ${e.message}`));
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', (code, sig) => reject(new Error(`fake-bot-metrics exited (${sig ?? code}) before listening`)));
  });
  child.stdout.resume();
  const controlUrl = `http://127.0.0.1:${info.controlPort}/`;
  const control = async (msg) => {
    const res = await fetch(controlUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(msg),
    });
    const out = await res.json();
    if (!out.ok) throw new Error(`fake-bot-metrics ${msg.op}: ${out.error}`);
    return out.result;
  };
  return {
    port: info.port,
    controlUrl,
    pid: child.pid,
    control,
    async stop() {
      if (child.exitCode !== null || child.signalCode) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const opt = (name, d) => {
    const i = argv.indexOf(`--${name}`);
    return i === -1 ? d : argv[i + 1];
  };
  const info = await serve({
    port: Number(opt('port', '0')),
    paths: opt('paths', DEFAULT_PATHS.join(',')).split(',').filter(Boolean),
  });
  process.stdout.write(`${JSON.stringify(info)}\n`);
  // Started by startFakeBotMetrics(): exit when the parent goes away (its end of stdin closes).
  if (process.env.PF_FAKE_BOT_METRICS_CHILD) {
    process.stdin.resume();
    process.stdin.on('end', () => process.exit(0));
  }
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
}
