// One whole night in the real VS Code against the cluster tier: a GuardTrip arrives in the live tree, the
// engineer opens its triage panel, pauses the incident-bot (the change is previewed and confirmed in the modal),
// collects the evidence, drafts the incident report, and the report file holds the timeline of what was done:
// detection, the Rollback's phases, the audited pause, the evidence collection. The bot is resumed at the end.
// Commands run from the palette with the incident picked by its row label: the live tree redraws as the cluster
// changes, and a context menu opened on a row that was redrawn meanwhile runs its command without the row.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { extensionReady } from '../ui/ready.mjs';
import { answerModal, connect, filesIn, newIncident, pick, rpc, sqlLit } from './records-lib.mjs';

/* global document -- evaluate() callbacks run in the browser */

/** The timeline line of an audit entry starts with its time as the report shows it. */
const shown = (iso) => `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')}Z`;

export default async function ({ page, cs, outDir, workspace, helpers }) {
  const { waitFor, findInFrames, screenshot, runCommand } = helpers;
  const startedAt = new Date();
  await extensionReady(page, helpers, cs);
  await connect(page, helpers, cs);
  const hex = crypto.randomBytes(32).toString('hex');
  const tag = hex.slice(0, 8);
  const tenant = `clz${tag}0000ab12cd34ef6`;
  if (!process.env.PF_TEST_PG_SKIP) {
    await rpc(
      'ledgerSql',
      `INSERT INTO "Tenant" ("id", "name", "auth0Id") VALUES (${sqlLit(tenant)}, 'night', ${sqlLit(`auth0|n${tag}`)});\n` +
        `INSERT INTO "UsageEvent" ("id", "tenantId", "cpuMs", "netBytes") VALUES (${sqlLit(`night${tag}`)}, ${sqlLit(tenant)}, 100, 1024);\n`,
    );
  }

  // 1. The GuardTrip arrives; the bot's Rollback starts and completes.
  const label = await newIncident(page, helpers, cs, hex);
  const rollback = `rollback-night-${tag}`;
  await rpc('createRollback', {
    name: rollback,
    capsuleHash: `sha256:${hex}`,
    tenantId: tenant,
    reason: 'high_risk',
    status: { phase: 'InProgress', startedAt: new Date().toISOString() },
  });
  await rpc('setRollbackPhase', rollback, 'Completed', {
    completedAt: new Date().toISOString(),
    message: 'night test',
  });
  await waitFor(
    async () => {
      let group;
      for (const r of await helpers.treeItems(page)) {
        if (r.level === 1) group = r.label;
        else if (r.level === 2 && r.label === label) return group === 'Rolled back';
      }
      return false;
    },
    60_000,
    `${label} under "Rolled back"`,
    { cs },
  );
  console.log(`    # ${label}: GuardTrip in the tree, ${rollback} completed`);

  // 2. Its triage panel.
  await runCommand(page, 'PF Incident: Open Triage Panel', { cs });
  await pick(page, helpers, cs, label, 'the incident picker of the triage panel');
  await waitFor(
    async () => !!(await findInFrames(page, 'body[data-chart-key] #chart svg')),
    60_000,
    'the triage panel flowchart',
    { cs },
  );
  await screenshot(page, outDir, 'night-triage');

  try {
    // 3. Pause the bot: the change is previewed (server dry run) and confirmed in a modal.
    await runCommand(page, 'PF Incident: Pause the Incident-Bot', { cs });
    const modal = await answerModal(page, helpers, cs, 'Apply', 'the confirmation of "Pause the Incident-Bot"');
    console.log(`    # confirmed: ${modal.split('\n')[0]}`);
    let paused;
    await waitFor(
      () => {
        const root = path.join(workspace, 'incidents');
        for (const d of fs.existsSync(root) ? fs.readdirSync(root) : []) {
          const a = path.join(root, d, 'audit.jsonl');
          if (!fs.existsSync(a)) continue;
          paused = fs
            .readFileSync(a, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l))
            .find(
              (e) => e.step === 'pauseBot' && e.outcome === 'succeeded' && Date.parse(e.when) >= startedAt.getTime(),
            );
          if (paused) return true;
        }
        return false;
      },
      90_000,
      'the audited pause of the bot',
      { cs },
    );
    const replicas = await rpc('kubectl', [
      'get',
      'deployment',
      'incident-bot',
      '-n',
      'monitoring',
      '-o',
      'jsonpath={.spec.replicas}',
    ]);
    console.log(`    # bot paused (replicas ${JSON.stringify(replicas?.stdout ?? replicas)}) at ${paused.when}`);

    // 4. Collect the evidence (live, through the adapter).
    await runCommand(page, 'PF Incident: Collect Evidence', { cs });
    await pick(page, helpers, cs, label, 'the incident picker of Collect Evidence');
    let dir;
    await waitFor(
      () => {
        const root = path.join(workspace, 'incidents');
        dir = (fs.existsSync(root) ? fs.readdirSync(root) : [])
          .map((id) => path.join(root, id))
          .find((d) => {
            const m = path.join(d, 'evidence', 'manifest.json');
            return (
              fs.existsSync(m) && Date.parse(JSON.parse(fs.readFileSync(m, 'utf8')).createdAt) >= startedAt.getTime()
            );
          });
        return !!dir;
      },
      90_000,
      'the evidence folder collected now',
      { cs },
    );
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'evidence', 'manifest.json'), 'utf8'));
    console.log(
      `    # evidence: ${Object.keys(m.sha256).length} files in ${path.basename(dir)}/evidence, missing: ${m.evidence.missing.map((x) => x.what).join(', ') || 'none'}`,
    );

    // 5. Draft the report: it opens in the editor and holds the night's timeline.
    await runCommand(page, 'PF Incident: Draft Incident Report', { cs });
    await pick(page, helpers, cs, label, 'the incident picker of Draft Incident Report');
    let report;
    await waitFor(
      () => (report = filesIn(dir, /^incident-report-\d{8}-\d{6}(-\d+)?\.md$/)[0]),
      60_000,
      'the incident report file',
      { cs },
    );
    const name = path.basename(report);
    await waitFor(
      () => page.evaluate((n) => document.querySelector('.tabs-container')?.textContent?.includes(n) ?? false, name),
      30_000,
      `the report ${name} open in an editor`,
      { cs },
    );
    const md = fs.readFileSync(report, 'utf8');
    const timeline = md.slice(md.indexOf('pf-incident:timeline:begin'), md.indexOf('pf-incident:timeline:end'));
    const expect = [
      [/Detected: GuardTrip/, 'the detection'],
      [new RegExp(`Rollback initiated: ${rollback}`), 'the Rollback starting'],
      [new RegExp(`Recovery completed: ${rollback}`), 'the Rollback completing'],
      [
        new RegExp(
          `^- ${shown(paused.when)} — .* ran "Pause the Incident-Bot" on Deployment monitoring/incident-bot \\(context pf-test\\): succeeded`,
          'm',
        ),
        'the pause',
      ],
      [/collected live evidence into evidence\//, 'the evidence collection'],
    ];
    for (const [re, what] of expect) {
      if (!re.test(timeline)) throw new Error(`the report's timeline lacks ${what}:\n${timeline}`);
    }
    if (!md.includes('evidence/rollbacks.json')) throw new Error('the report lists no evidence');
    await screenshot(page, outDir, 'night-report');
    console.log(`    # ${name}: ${timeline.split('\n').filter((l) => l.startsWith('- ')).length} timeline entries`);
  } finally {
    await rpc('kubectl', ['scale', 'deployment', 'incident-bot', '-n', 'monitoring', '--replicas=1']).catch(
      () => undefined,
    );
  }
  await runCommand(page, 'PF Incident: Disconnect from Cluster', { cs });
}
