// One whole night in the real VS Code against the cluster tier: a GuardTrip arrives in the live tree, the
// engineer opens its triage panel, pauses the incident-bot (the change is confirmed in the modal), collects the
// evidence, drafts the incident report, and the report file holds the timeline of what was done: detection, the
// Rollback's phases, the audited pause, the evidence collection. The bot is resumed at the end.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { extensionReady } from '../ui/ready.mjs';
import { answerModal, connect, filesIn, newIncident, rowMenuUntil, rpc, sqlLit } from './records-lib.mjs';

export default async function ({ page, cs, outDir, workspace, helpers }) {
  const { waitFor, findInFrames, screenshot, runCommand } = helpers;
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
  // The row moves between groups as the phase changes; act on it once it has settled under "Rolled back".
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

  // 2. The triage panel.
  await rowMenuUntil(
    page,
    helpers,
    cs,
    label,
    ['Open Triage Panel'],
    async () => !!(await findInFrames(page, 'body[data-chart-key] #chart svg')),
    'the triage panel flowchart',
  );
  await screenshot(page, outDir, 'night-triage');

  // 3. Pause the bot: the change is previewed and confirmed in a modal.
  let dir;
  try {
    const apply = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Apply$/ }).first();
    await rowMenuUntil(
      page,
      helpers,
      cs,
      label,
      ['Pause the Incident-Bot'],
      () => apply.isVisible(),
      'the confirmation',
    );
    const modal = await answerModal(page, helpers, cs, 'Apply', 'the confirmation of "Pause the Incident-Bot"');
    console.log(`    # confirmed: ${modal.split('\n')[0]}`);
    await waitFor(
      () => {
        const root = path.join(workspace, 'incidents');
        dir = (fs.existsSync(root) ? fs.readdirSync(root) : [])
          .map((id) => path.join(root, id))
          .find((d) => {
            const a = path.join(d, 'audit.jsonl');
            return fs.existsSync(a) && /"step":"pauseBot".*"outcome":"succeeded"/.test(fs.readFileSync(a, 'utf8'));
          });
        return !!dir;
      },
      90_000,
      'the audited pause of the bot in incidents/<id>/audit.jsonl',
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
    console.log(
      `    # bot paused (replicas ${JSON.stringify(replicas?.stdout ?? replicas)}), audited in ${path.basename(dir)}`,
    );

    // 4. Collect the evidence (live).
    const manifest = path.join(dir, 'evidence', 'manifest.json');
    await rowMenuUntil(
      page,
      helpers,
      cs,
      label,
      ['Collect Evidence'],
      () => fs.existsSync(manifest),
      'the evidence folder',
      {
        perAttemptMs: 45_000,
      },
    );
    const m = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    console.log(`    # evidence: ${Object.keys(m.sha256).length} files, ${m.evidence.missing.length} missing`);

    // 5. Draft the report: it opens in the editor and holds the night's timeline.
    let report;
    await rowMenuUntil(
      page,
      helpers,
      cs,
      label,
      ['Draft Incident Report'],
      () => (report = filesIn(dir, /^incident-report-\d{8}-\d{6}(-\d+)?\.md$/)[0]),
      'the incident report file',
    );
    const name = path.basename(report);
    await waitFor(
      async () => (await page.locator('.tabs-container .tab', { hasText: name }).count()) > 0,
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
        /ran "Pause the Incident-Bot" on Deployment monitoring\/incident-bot \(context pf-test\): succeeded/,
        'the pause',
      ],
      [/collected live evidence into evidence\//, 'the evidence collection'],
    ];
    for (const [re, what] of expect) {
      if (!re.test(timeline)) throw new Error(`the report's timeline lacks ${what}:\n${timeline}`);
    }
    if (!md.includes('evidence/manifest.json') && !md.includes('evidence/rollbacks.json')) {
      throw new Error('the report lists no evidence');
    }
    await screenshot(page, outDir, 'night-report');
    console.log(`    # ${name}: ${timeline.split('\n').filter((l) => l.startsWith('- ')).length} timeline entries`);
  } finally {
    await rpc('kubectl', ['scale', 'deployment', 'incident-bot', '-n', 'monitoring', '--replicas=1']).catch(
      () => undefined,
    );
  }
  await runCommand(page, 'PF Incident: Disconnect from Cluster', { cs });
}
