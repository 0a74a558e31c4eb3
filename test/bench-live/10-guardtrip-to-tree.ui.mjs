// Benchmark, not a test (run by `npm run bench -- --only live` through test-cluster.mjs --ui-tests): a GuardTrip
// appended to the incident-bot pod's log (kwok ClusterLogs) -> the incident counted in the real VS Code tree
// (client-node log stream -> incremental parser -> model -> tree -> renderer), p50/p95 over 50 events, against
// `kubectl logs -f` on the same pod printing the same event's last line in the same run. Prints; asserts nothing.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { connect, need } from '../cluster-ui/records-lib.mjs';
import { extensionReady } from '../ui/ready.mjs';

const EVENTS = Number(process.env.PF_BENCH_EVENTS ?? 50);

function lines(hash, risk) {
  const p = (level, ctx, msg) => `[Nest] 1  - 08/05/2025, 2:15:30 PM ${level.padStart(7)} [${ctx}] ${msg}`;
  return [
    p('LOG', 'KafkaService', `Processing GuardTrip event: ${hash} (risk: ${risk})`),
    p('LOG', 'DecisionEngineService', `Evaluating GuardTrip: risk=${risk}, misses=0`),
    p('LOG', 'DecisionEngineService', `No rollback needed for capsule ${hash}`),
    p('LOG', 'KafkaService', `No rollback needed for capsule ${hash}`),
  ];
}

function kubectlFollower() {
  const child = spawn(
    need('PF_TEST_KUBECTL'),
    [
      `--kubeconfig=${need('PF_TEST_KUBECONFIG')}`,
      'logs',
      '-f',
      '--tail=0',
      '-n',
      'monitoring',
      need('PF_TEST_BOT_POD'),
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const waiting = new Map();
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    const now = performance.now();
    buf += d;
    const all = buf.split('\n');
    buf = all.pop();
    for (const l of all) {
      const w = waiting.get(l);
      if (w) {
        waiting.delete(l);
        w(now);
      }
    }
  });
  return { line: (text) => new Promise((resolve) => waiting.set(text, resolve)), stop: () => child.kill('SIGKILL') };
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

export default async function ({ page, cs, helpers }) {
  const { waitFor, treeItems } = helpers;
  await extensionReady(page, helpers, cs);
  await connect(page, helpers, cs);
  const logsFile = need('PF_TEST_LOGS_FILE');
  const total = async () =>
    (await treeItems(page)).filter((r) => r.level === 1).reduce((s, r) => s + (Number(r.description) || 0), 0);
  // A first event creates the group; collapsed, every group row (and its count) stays in the DOM.
  fs.appendFileSync(logsFile, `${lines(`sha256:${crypto.randomBytes(32).toString('hex')}`, 0.3).join('\n')}\n`);
  await waitFor(async () => (await total()) > 0, 60_000, 'the first incident in the tree', { cs });
  await page.locator('.part.sidebar .actions-container [aria-label^="Collapse All"]').first().click();
  const kubectl = kubectlFollower();
  await new Promise((r) => setTimeout(r, 1500));
  const treeMs = [];
  const kubectlMs = [];
  try {
    for (let i = 0; i < EVENTS; i++) {
      const before = await total();
      const ls = lines(`sha256:${crypto.randomBytes(32).toString('hex')}`, 0.3);
      const printed = kubectl.line(ls.at(-1));
      const t0 = performance.now();
      fs.appendFileSync(logsFile, `${ls.join('\n')}\n`);
      await waitFor(async () => (await total()) > before, 30_000, `event ${i} in the tree`, { cs, intervalMs: 10 });
      treeMs.push(performance.now() - t0);
      kubectlMs.push((await Promise.race([printed, new Promise((r) => setTimeout(() => r(Number.NaN), 10_000))])) - t0);
    }
  } finally {
    kubectl.stop();
  }
  const f = (x) => `${x.toFixed(1)} ms`;
  const k = kubectlMs.filter(Number.isFinite);
  const out = {
    events: EVENTS,
    tree: { p50: pct(treeMs, 50), p95: pct(treeMs, 95) },
    kubectl: { p50: pct(k, 50), p95: pct(k, 95) },
  };
  console.log(`    # GuardTrip appended -> counted in the VS Code tree (${EVENTS} events):`);
  console.log(`    #   extension tree    p50 ${f(out.tree.p50)}  p95 ${f(out.tree.p95)}`);
  console.log(`    #   kubectl logs -f   p50 ${f(out.kubectl.p50)}  p95 ${f(out.kubectl.p95)} (same events, same run)`);
  console.log(
    `    #   ratio tree / kubectl: p50 ${(out.tree.p50 / out.kubectl.p50).toFixed(1)}x, p95 ${(out.tree.p95 / out.kubectl.p95).toFixed(1)}x (the tree is polled every 10 ms)`,
  );
  fs.mkdirSync('.test-output/bench', { recursive: true });
  fs.writeFileSync(path.join('.test-output/bench', 'live-tree.json'), JSON.stringify(out, null, 2));
  await helpers.runCommand(page, 'PF Incident: Disconnect from Cluster', { cs });
}
