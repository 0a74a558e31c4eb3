import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { OpenBundleSummary } from '../../src/commands/openBundle';
import { Commands } from '../../src/constants';
import { api, extensionPath, snapshot } from './util';

function copyDemo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-bundle-'));
  fs.cpSync(extensionPath('media/demo-bundle'), dir, { recursive: true });
  return dir;
}

suite('replay bundles', () => {
  teardown(async () => {
    await vscode.commands.executeCommand(Commands.clearIncidents);
  });

  test('Open Demo Incident groups incidents by what needs doing, with their Rollbacks', async () => {
    const a = await api();
    const s = await vscode.commands.executeCommand<OpenBundleSummary>(Commands.openDemo);
    assert.deepEqual(s?.problems, []);
    assert.equal(s?.rollbacks, 15);
    assert.ok((s?.metricsSnapshots ?? 0) >= 5);
    const rows = await snapshot(a, 3);
    assert.deepEqual(
      rows.map((r) => [r.label, r.description]),
      [
        ['Needs attention', '5'],
        ['Rolling back', '2'],
        ['Rolled back', '5'],
        ['False positives', '34'],
        ['Invalid events', '2'],
      ],
    );
    const rolledBack = rows[2]!.children[0]!;
    assert.ok(
      rolledBack.children.some(
        (c) => c.label.startsWith('Rollback rollback-') && c.description.startsWith('Completed · completed '),
      ),
    );
    const failed = rows[0]!.children.find((i) =>
      i.children.some((c) => c.label.startsWith('Rollback ') && c.description.startsWith('Failed')),
    );
    assert.ok(failed, 'the failed Rollback is under Needs attention');
    assert.ok(failed.children.some((c) => c.description.includes('smoke test failed after 60s')));
    // The tenant is not in the bot's log, but the Rollback carries it.
    assert.ok(
      rolledBack.children.some((c) => c.label === 'Tenant' && /^clz/.test(c.description)),
      JSON.stringify(rolledBack.children.map((c) => [c.label, c.description])),
    );
    // A screen reader hears what the row shows, the Rollback's tenant included.
    const incidents = rows.flatMap((g) => g.children);
    assert.ok(incidents.some((i) => /^clz/.test(i.description)));
    for (const i of incidents) {
      assert.ok(i.ariaLabel?.endsWith(`, ${i.description}`), `${i.ariaLabel} / ${i.description}`);
    }
    assert.equal(a.model.cluster?.live, false);
  });

  test('a changed file fails its SHA-256 check; the rest of the bundle still loads', async () => {
    const a = await api();
    const dir = copyDemo();
    fs.appendFileSync(path.join(dir, 'rollbacks.json'), '\n');
    const s = await vscode.commands.executeCommand<OpenBundleSummary>(Commands.openBundle, vscode.Uri.file(dir));
    assert.equal(s?.problems.length, 1);
    assert.match(s?.problems[0] ?? '', /rollbacks\.json: SHA-256 does not match/);
    assert.equal(a.model.size, 48);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a manifest pointing outside the bundle is refused', async () => {
    const a = await api();
    const dir = copyDemo();
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { rollbacks: string };
    m.rollbacks = '../../etc/passwd';
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
    const s = await vscode.commands.executeCommand(Commands.openBundle, vscode.Uri.file(dir));
    assert.equal(s, undefined);
    assert.equal(a.model.size, 0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("the live bot's thresholds come from its Deployment env, and odd values are flagged", async () => {
    const a = await api();
    const dir = copyDemo();
    const depFile = path.join(dir, 'deployment.json');
    const dep = JSON.parse(fs.readFileSync(depFile, 'utf8')) as {
      spec: { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } };
    };
    const env = dep.spec.template.spec.containers[0]!.env;
    env.find((e) => e.name === 'RISK_SCORE_THRESHOLD')!.value = '0.95';
    env.push({ name: 'MAINTENANCE_MODE', value: 'true' });
    fs.writeFileSync(depFile, JSON.stringify(dep));
    await vscode.commands.executeCommand(Commands.openBundle, vscode.Uri.file(dir));
    assert.equal(a.model.currentThresholds.botRiskThreshold, 0.95);
    const rows = await snapshot(a, 1);
    assert.ok(
      rows.some((r) => r.label.startsWith('MAINTENANCE_MODE=true is set, but the incident-bot never reads it')),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
