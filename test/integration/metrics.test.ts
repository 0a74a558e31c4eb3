import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Commands } from '../../src/constants';
import { api } from './util';

suite('incident-bot metrics', () => {
  teardown(async () => {
    await vscode.commands.executeCommand(Commands.clearIncidents);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test("the demo bundle's recorded snapshots give rates, p95 and the playbook rules' states", async () => {
    const a = await api();
    await vscode.commands.executeCommand(Commands.openDemo);
    const v = a.metrics.current();
    assert.ok(v, 'a metrics view after opening the demo bundle');
    assert.match(v.source, /^recorded in Demo incident night/);
    assert.equal(v.stale, false);
    const card = (t: string): { value: string; detail?: string } | undefined =>
      v.cards.find((c) => c.title.startsWith(t));
    assert.match(card('Rollbacks per second')?.value ?? '', /^\d+(\.\d+)?\/s$/);
    assert.match(card('Decision latency p95')?.value ?? '', /^\d+(\.\d+)? s$/);
    assert.equal(card('GuardTrips per tenant')?.detail, 'no data (the bot never increments this metric)');
    assert.equal(card('Active rollbacks')?.value, '0');
    const latency = v.alerts.find((x) => x.name === 'RollbackLatencyHigh');
    assert.match(latency?.neverFires ?? '', /^Can never fire: .*largest finite bucket/);
    const rate = v.alerts.find((x) => x.name === 'HighRollbackRate');
    assert.match(rate?.neverFires ?? '', /without sum/);
    assert.ok(['inactive', 'pending', 'firing'].includes(rate?.state ?? ''));
  });

  test('Export Alert Rules writes a PrometheusRule with both playbook rules', async () => {
    await api();
    const yaml = await vscode.commands.executeCommand<string>(Commands.exportRules, 'monitoring');
    assert.match(yaml ?? '', /kind: PrometheusRule/);
    assert.match(yaml ?? '', /namespace: monitoring/);
    assert.match(yaml ?? '', /alert: HighRollbackRate/);
    assert.match(yaml ?? '', /alert: RollbackLatencyHigh/);
    assert.match(yaml ?? '', /for: 5m/);
    const doc = vscode.window.activeTextEditor?.document;
    assert.equal(doc?.languageId, 'yaml');
    assert.equal(doc?.getText(), yaml);
  });
});
