import assert from 'node:assert/strict';
import path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../src/constants';
import type { OpenLogSummary } from '../../src/commands/openIncidentLog';
import { api, extensionPath, snapshot, until } from './util';

const REPO = path.resolve(__dirname, '../../..');
const FACTS_LOG = path.join(REPO, 'test/fixtures/facts/sample-nocolor.log');

suite('incident tree', () => {
  teardown(async () => {
    await vscode.commands.executeCommand(Commands.clearIncidents);
    await vscode.workspace
      .getConfiguration('pfIncident')
      .update('triage.riskHigh', undefined, vscode.ConfigurationTarget.Global);
  });

  test('Open Incident Log fills the tree with triaged incidents grouped by verdict', async () => {
    const a = await api();
    const summary = await vscode.commands.executeCommand<OpenLogSummary>(Commands.openLog, vscode.Uri.file(FACTS_LOG));
    assert.equal(summary?.events, 5);
    // The two GuardTrips of capsule 4f8b… (Kafka at 14:15:30, Alertmanager at 14:20:00) are one incident.
    assert.equal(summary?.incidents, 4);
    const rows = await snapshot(a, 2);
    assert.deepEqual(
      rows.map((r) => [r.label, r.description, r.icon, r.color]),
      [
        ['Legitimate incidents', '1', 'flame', 'charts.red'],
        ['False positives – network issue', '1', 'debug-disconnect', 'charts.yellow'],
        ['False positives – adjust thresholds', '1', 'pass', 'charts.green'],
        ['Invalid events', '1', 'warning', 'charts.orange'],
      ],
    );
    const legit = rows[0]!.children;
    assert.deepEqual(
      legit.map((r) => r.label),
      ['sha256:4f8b2c1d…1b0c'],
    );
    // Triaged on the latest scores (the alert at 14:20), counted twice.
    assert.equal(legit[0]!.description, 'tenant ? · risk 0.86 · 1 miss · ×2');
    assert.match(legit[0]!.tooltipText, /2× from 2025-08-05 14:15:30 UTC to 2025-08-05 14:20:00 UTC/);
    const fpThresholds = rows[2]!.children[0]!;
    assert.equal(fpThresholds.label, 'sha256:0d9c8b7a…0d9c');
    assert.equal(fpThresholds.description, 'tenant ? · risk 0.41 · 3 misses · bot disagrees');
    assert.match(fpThresholds.contextValue ?? '', /\bdisagreement\b/);
    assert.match(fpThresholds.tooltipText, /disagree/);
    assert.match(
      fpThresholds.tooltipText,
      /A GuardTrip Event Detected → B Is this a false positive\? → C Investigate Root Cause → E Check Risk Score → F False Positive - Adjust Thresholds → L Update Monitoring Rules/,
    );
    assert.match(fpThresholds.tooltipText, /risk 0\.41 < 0\.5: low risk/);
    const invalid = rows[3]!.children[0]!;
    assert.equal(invalid.description, 'clz8k1m3p0002ab12cd34ef58 · risk "0.95" · 0 misses');
    assert.equal(a.treeView.badge?.value, 2);
    assert.equal(a.treeView.description, 'sample-nocolor.log');
  });

  test('an incident expands to its explanation, bot decision and the log lines behind it', async () => {
    const a = await api();
    await vscode.commands.executeCommand(Commands.openLog, vscode.Uri.file(FACTS_LOG));
    const rows = await snapshot(a, 3);
    const failed = rows[2]!.children[0]!;
    const details = failed.children.map((c) => [c.label, c.description]);
    assert.deepEqual(details[0], ['False positive – adjust thresholds', 'path A B C E F L']);
    assert.deepEqual(details[1], ['Risk 0.41', 'Monitor · false-positive likelihood Medium']);
    assert.deepEqual(details[2], ['Heartbeat misses 3', 'Suspicious activity']);
    assert.equal(details[3]![0], 'Incident-bot');
    assert.match(
      details[3]![1] as string,
      /rollback \(from its log\) · Rollback creation failed: HttpError: HTTP request failed/,
    );
    assert.ok(details.some(([l]) => l === 'Bot and playbook disagree'));
    const lines = failed.children.find((c) => c.label.startsWith('Log lines'));
    assert.equal(lines?.label, 'Log lines (11)');
    const lineRows = await snapshot(a, 1, lines!.node);
    assert.match(lineRows[0]!.label, /Processing GuardTrip event: sha256:0d9c/);
    assert.equal(lineRows[0]!.description, 'line 12');
  });

  test('Show Source Lines opens the log at the incident', async () => {
    const a = await api();
    await vscode.commands.executeCommand(Commands.openLog, vscode.Uri.file(FACTS_LOG));
    const inc = a.model.list().find((i) => i.latest.riskScore === 0.65)!;
    await vscode.commands.executeCommand(Commands.showSource, inc.id);
    const ed = await until(() => vscode.window.activeTextEditor, 'an editor');
    assert.equal(ed.document.uri.fsPath, FACTS_LOG);
    assert.equal(ed.selection.start.line, 22);
    assert.equal(ed.selection.end.line, 25);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Copy Triage as JSON puts the contract record on the clipboard', async () => {
    const a = await api();
    await vscode.commands.executeCommand(Commands.openLog, vscode.Uri.file(FACTS_LOG));
    const inc = a.model.list().find((i) => i.latest.riskScore === 0.41)!;
    await vscode.commands.executeCommand(Commands.copyJson, inc.id);
    const copied = JSON.parse(await vscode.env.clipboard.readText()) as {
      id: string;
      triage: { verdict: string; disagreement: boolean };
    };
    assert.equal(copied.id, inc.id);
    assert.equal(copied.triage.verdict, 'false-positive-thresholds');
    assert.equal(copied.triage.disagreement, true);
  });

  test('changing a threshold setting re-triages the tree', async () => {
    const a = await api();
    await vscode.commands.executeCommand(Commands.openLog, vscode.Uri.file(FACTS_LOG));
    await vscode.workspace
      .getConfiguration('pfIncident')
      .update('triage.riskHigh', 0.9, vscode.ConfigurationTarget.Global);
    await until(() => a.model.currentThresholds.riskHigh === 0.9, 'the new riskHigh');
    const rows = await snapshot(a, 1);
    assert.deepEqual(
      rows.map((r) => [r.label, r.description]),
      [
        ['False positives – network issue', '2'],
        ['False positives – adjust thresholds', '1'],
        ['Invalid events', '1'],
      ],
    );
  });

  test('the sample incident log that ships with the extension loads', async () => {
    const a = await api();
    const summary = await vscode.commands.executeCommand<OpenLogSummary>(Commands.openSample);
    assert.ok(summary && summary.events > 10, JSON.stringify(summary));
    const verdicts = new Set(a.model.list().map((i) => i.latest.verdict));
    for (const v of ['legitimate', 'false-positive-network', 'false-positive-thresholds', 'invalid']) {
      assert.ok(verdicts.has(v as never), `no ${v} in the sample`);
    }
    assert.ok(a.model.list().some((i) => i.latest.disagreement));
    assert.ok(
      a.model.list().some((i) => i.count > 1),
      'the sample has a repeated capsule',
    );
    assert.equal(a.model.source?.uri?.fsPath, extensionPath('media/samples/incident-bot.log'));
  });

  test('hostile ids are shown as inert text', async () => {
    const a = await api();
    const ws = vscode.workspace.workspaceFolders?.[0];
    assert.ok(ws, 'the test workspace is open');
    await vscode.commands.executeCommand(Commands.openLog, vscode.Uri.joinPath(ws.uri, 'hostile-events.jsonl'));
    const rows = await snapshot(a, 2);
    const all = rows.flatMap((g) => g.children);
    assert.equal(all.length, 3);
    for (const r of all) {
      assert.doesNotMatch(r.label + r.description, /[\u0000-\u001f\u202e]/);
      // appendText escapes Markdown: no live link, image or emphasis can come from data.
      assert.doesNotMatch(r.tooltip, /\]\(command:/);
      assert.doesNotMatch(r.tooltip, /(?<!\\)\*\*bold(?<!\\)\*\*/);
    }
    assert.ok(all.some((r) => r.description.includes('<img src=x onerror=alert(1)>')));
    // The "clear" command link in the data must not have run.
    assert.equal(a.model.size, 3);
  });

  test('a resource the cluster does not serve is a warning row, not an outage', async () => {
    const a = await api();
    a.model.updateCluster({
      live: true,
      connection: {
        kind: 'connected',
        unavailable: [
          {
            what: 'rollbacks.ops.prov-fabric.io',
            error: 'list rollbacks.ops.prov-fabric.io: the server could not find the requested resource (404)',
          },
        ],
      },
    });
    const rows = await snapshot(a, 1);
    const row = rows.find((r) => r.label.startsWith('Not served'));
    assert.equal(row?.label, 'Not served by this cluster: rollbacks.ops.prov-fabric.io');
    assert.equal(row?.description, 'is its CRD installed?');
    assert.match(row?.tooltipText ?? '', /404\)\. Everything else is live/);
    assert.ok(!rows.some((r) => r.label.startsWith('Disconnected')));
  });

  test('an unreadable file leaves the tree as it was', async () => {
    const a = await api();
    await vscode.commands.executeCommand(Commands.openLog, vscode.Uri.file(FACTS_LOG));
    const before = a.model.size;
    const r = await vscode.commands.executeCommand(
      Commands.openLog,
      vscode.Uri.file(path.join(REPO, 'does-not-exist.log')),
    );
    assert.equal(r, undefined);
    assert.equal(a.model.size, before);
  });

  test('Clear Incidents empties the tree (the welcome view shows again)', async () => {
    const a = await api();
    await vscode.commands.executeCommand(Commands.openLog, vscode.Uri.file(FACTS_LOG));
    await vscode.commands.executeCommand(Commands.clearIncidents);
    assert.equal((await snapshot(a, 1)).length, 0);
    assert.equal(a.treeView.badge, undefined);
  });
});
