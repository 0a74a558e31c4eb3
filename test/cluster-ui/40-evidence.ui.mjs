// The tenant data-exfiltration check from the real VS Code against the cluster tier's real PostgreSQL (kwok's exec
// runs psql on this machine): a hostile tenant id typed into "Check Tenant Data Access (Ledger)…" reaches psql as
// data through the adapter (its own rows only, the table intact, nothing run by a shell), the result is saved in
// the incident folder and audited; then "Collect Evidence" live writes a bundle with the ledger result.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { extensionReady } from '../ui/ready.mjs';
import { connect, filesIn, incidentFolders, newIncident, pickIncidentIfAsked, rpc, sqlLit } from './records-lib.mjs';

export default async function ({ page, cs, outDir, workspace, helpers }) {
  const { waitFor, runCommand, screenshot } = helpers;
  if (process.env.PF_TEST_PG_SKIP) {
    console.log(`    # SKIPPED: no PostgreSQL for the ledger (${process.env.PF_TEST_PG_SKIP})`);
    return;
  }
  await extensionReady(page, helpers, cs);
  await connect(page, helpers, cs);
  const hex = crypto.randomBytes(32).toString('hex');
  const tag = hex.slice(0, 8);
  const tenant = `clz${tag}0000ab12cd34ef5`;
  const hostile = `clz${tag}'); DELETE FROM "UsageEvent"; -- $(touch /tmp/pwned-${tag}) \`id\``;
  const rows = [];
  for (const [t, n] of [
    [tenant, 2],
    [hostile, 3],
  ]) {
    for (let i = 0; i < n; i++) {
      rows.push(
        `(${sqlLit(`ev${tag}${rows.length}`)}, ${sqlLit(t)}, ${100 + i}, ${1024 + i}, '2025-08-05 14:1${i}:00.000', '2025-08-05 14:1${i}:00.127')`,
      );
    }
  }
  await rpc(
    'ledgerSql',
    `INSERT INTO "Tenant" ("id", "name", "auth0Id") VALUES (${sqlLit(tenant)}, 'ui tenant', ${sqlLit(`auth0|a${tag}`)}), (${sqlLit(hostile)}, 'ui hostile', ${sqlLit(`auth0|h${tag}`)});\n` +
      `INSERT INTO "UsageEvent" ("id", "tenantId", "cpuMs", "netBytes", "ts", "createdAt") VALUES ${rows.join(', ')};\n`,
  );
  const count = async () => (await rpc('ledgerSql', 'SELECT count(*) FROM "UsageEvent";')).trim();
  const before = await count();

  const label = await newIncident(page, helpers, cs, hex);
  await rpc('createRollback', {
    name: `rollback-ui-ev-${tag}`,
    capsuleHash: `sha256:${hex}`,
    tenantId: tenant,
    reason: 'high_risk',
    status: { phase: 'InProgress' },
  });

  // The palette command: pick the incident, then type the hostile id over the pre-filled tenant.
  await runCommand(page, 'PF Incident: Check Tenant Data Access (Ledger)…', { cs });
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await pickIncidentIfAsked(page, helpers, cs, label, async () => (await input.inputValue()) === tenant);
  await waitFor(async () => (await input.inputValue()) === tenant, 30_000, `the tenant box pre-filled with ${tenant}`, {
    cs,
  });
  await input.fill(hostile);
  await input.press('Enter');
  let dir;
  await waitFor(
    () => {
      dir = incidentFolders(workspace, 'ledger-checks')[0];
      return dir && filesIn(path.join(dir, 'ledger-checks'), /\.json$/).length > 0;
    },
    60_000,
    'the saved ledger check',
    { cs },
  );
  const result = JSON.parse(fs.readFileSync(filesIn(path.join(dir, 'ledger-checks'), /\.json$/)[0], 'utf8'));
  if (result.tenantId !== hostile) throw new Error(`the check ran for ${JSON.stringify(result.tenantId)}`);
  if (result.rows.length !== 3 || !result.rows.every((r) => r.tenantId === hostile)) {
    throw new Error(`expected the hostile tenant's 3 rows, got ${JSON.stringify(result.rows)}`);
  }
  if (result.sql.includes(tag)) throw new Error('the tenant id reached the SQL text');
  if ((await count()) !== before) throw new Error('the UsageEvent table changed');
  if (fs.existsSync(`/tmp/pwned-${tag}`)) throw new Error('a shell ran the tenant id');
  const audit = fs.readFileSync(path.join(dir, 'audit.jsonl'), 'utf8');
  if (!/"step":"queryTenantUsage".*"outcome":"succeeded"/.test(audit)) throw new Error(`not audited: ${audit}`);
  console.log(`    # hostile tenant id: ${result.rows.length} rows of its own, table intact (${before} rows), audited`);
  await screenshot(page, outDir, 'ledger-check');

  // Live evidence: through the adapter, with the incident's tenant (from its Rollback) checked in the ledger.
  // 30-changing-steps scaled the bot to 0 and back: its new pod must be ready to be port-forwarded to.
  let botReady = false;
  for (const end = Date.now() + 45_000; !botReady && Date.now() < end;) {
    // What the adapter looks for: a Running bot pod whose Ready condition is True.
    const r = await rpc('kubectl', [
      'get',
      'pods',
      '-n',
      'monitoring',
      '-l',
      'app=incident-bot',
      '-o',
      'jsonpath={range .items[*]}{.status.phase}/{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
    ]);
    botReady = /^Running\/True$/m.test(r.stdout ?? '');
    if (!botReady) await page.waitForTimeout(1000);
  }
  await runCommand(page, 'PF Incident: Collect Evidence', { cs });
  const manifestFile = path.join(dir, 'evidence', 'manifest.json');
  await pickIncidentIfAsked(page, helpers, cs, label, async () => fs.existsSync(manifestFile));
  await waitFor(() => fs.existsSync(manifestFile), 90_000, 'the live evidence folder', { cs });
  const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const ledger = JSON.parse(fs.readFileSync(path.join(dir, 'evidence', 'ledger', 'tenant-usage.json'), 'utf8'));
  if (m.evidence.mode !== 'live') throw new Error(`evidence mode ${m.evidence.mode}`);
  if (ledger.tenantId !== tenant || ledger.rows.length !== 2)
    throw new Error(`ledger evidence ${JSON.stringify(ledger)}`);
  for (const [rel, sha] of Object.entries(m.sha256)) {
    const got = crypto
      .createHash('sha256')
      .update(fs.readFileSync(path.join(dir, 'evidence', rel)))
      .digest('hex');
    if (got !== sha) throw new Error(`${rel}: SHA-256 mismatch`);
  }
  // Without a ready bot pod (after the node:test files the replaced bot pod stays unready in kwok) the snapshot
  // must be named as missing, with that reason.
  const metricsOk =
    m.metrics.length > 0 ||
    (!botReady && m.evidence.missing.some((x) => /metrics/.test(x.what) && /ready/.test(x.why)));
  if (!botReady) console.log('    # the bot pod never became ready: the metrics snapshot is expected as missing');
  if (!m.rollbacks || !m.events || m.logs.length === 0 || !metricsOk) {
    throw new Error(
      `the bundle part is incomplete: ${JSON.stringify({ logs: m.logs, metrics: m.metrics, missing: m.evidence.missing })}`,
    );
  }
  // The seeded attestor and enforced capsule pod serve their component logs (test/tools/cluster/seed.mjs).
  for (const [dirName, line] of [
    ['attestor', 'INFO attestor: Received heartbeat from sha256:'],
    ['sidecar-watcher', 'WARN sidecar_watcher: Guard trip: Spam score too high'],
  ]) {
    const files = Object.keys(m.sha256).filter((f) => f.startsWith(`components/${dirName}/`));
    const text = files.map((f) => fs.readFileSync(path.join(dir, 'evidence', f), 'utf8')).join('');
    if (!text.includes(line)) {
      throw new Error(
        `no ${dirName} log with "${line}" in ${JSON.stringify(files)}; missing ${JSON.stringify(m.evidence.missing)}`,
      );
    }
  }
  if (m.evidence.missing.some((x) => /attestor|sidecar/.test(x.what))) {
    throw new Error(`component logs named missing: ${JSON.stringify(m.evidence.missing)}`);
  }
  // What could not be had is named with the reason.
  if (!m.evidence.missing.every((x) => x.what && x.why)) throw new Error('a missing item without its reason');
  console.log(
    `    # live evidence: ${Object.keys(m.sha256).length} files; missing: ${m.evidence.missing.map((x) => `${x.what} (${x.why})`).join('; ') || 'none'}`,
  );
  await runCommand(page, 'PF Incident: Disconnect from Cluster', { cs });
}
