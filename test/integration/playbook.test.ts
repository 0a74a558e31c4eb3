import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../src/constants';
import { parseAuditLines } from '../../src/core/playbook/audit';
import { HOSTILE_INPUTS } from '../../src/core/playbook/hostileCorpus';
import { PLAYBOOK_STEPS, STEP_IDS, stepCommandId } from '../../src/core/playbook/steps';
import { samplesFromIncidents, suggestRiskThreshold } from '../../src/core/playbook/thresholdSuggestion';
import { checkCapsuleHash, checkHost, checkResourceName, checkTenantId } from '../../src/core/playbook/validation';
import type { KubeAdapter } from '../../src/kube/types';
import { DEFAULT_LIVE_SETTINGS } from '../../src/kube/types';
import { auditFilePath } from '../../src/playbook/auditStore';
import type { StepResult } from '../../src/playbook/registerPlaybook';
import { RESULT_SCHEME } from '../../src/playbook/resultDocuments';
import { incidentNodeId } from '../../src/tree/nodes';
import { api, extensionPath } from './util';

const HASH = `sha256:${'ab'.repeat(32)}`;

/** A KubeAdapter that records every call; mutations answer like a server dry run / apply of a 3-replica Deployment. */
function fakeKube(): { kube: KubeAdapter; calls: { method: string; args: unknown[] }[]; replicas: { n: number } } {
  const calls: { method: string; args: unknown[] }[] = [];
  const replicas = { n: 3 };
  const dep = (r: number) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'incident-bot', namespace: 'monitoring', resourceVersion: '7' },
    spec: { replicas: r },
  });
  const impl: Record<string, (...a: unknown[]) => unknown> = {
    missingPermissions: async () => [],
    listRollbacks: async () => [
      {
        name: 'rollback-1',
        targetRelease: 'f'.repeat(64),
        reason: 'high_risk',
        capsuleHash: HASH,
        tenantId: 't',
        phase: 'Pending',
        message: '',
        createdAt: '',
        resourceVersion: '1',
      },
    ],
    mutate: async (_c, req, opts) => {
      const r = req as { op: string; replicas?: number };
      const o = opts as { dryRun: boolean };
      const before = dep(replicas.n);
      const target = r.replicas ?? 0;
      if (!o.dryRun) replicas.n = target;
      return {
        outcome: o.dryRun ? 'dry-run' : 'applied',
        request: req,
        target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'monitoring', name: 'incident-bot' },
        before,
        after: dep(target),
        resourceVersion: '7',
        undo: { op: 'scale-deployment', namespace: 'monitoring', name: 'incident-bot', replicas: before.spec.replicas },
        warnings: [],
      };
    },
  };
  const kube = new Proxy(
    {},
    {
      get: (_t, name: string) => {
        if (name === 'then') return undefined;
        return (...args: unknown[]) => {
          calls.push({ method: name, args });
          const f = impl[name];
          return f ? f(...args) : Promise.resolve([]);
        };
      },
    },
  ) as KubeAdapter;
  return { kube, calls, replicas };
}

suite('playbook steps', () => {
  let auditRoot: string;
  setup(async () => {
    const a = await api();
    auditRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-it-audit-'));
    a.playbook.overrides = { auditRoot };
    a.playbook.locks.lock();
  });
  teardown(async () => {
    const a = await api();
    a.playbook.overrides = {};
    a.playbook.locks.lock();
    await a.playbook.status.setPaused(undefined);
    await vscode.workspace
      .getConfiguration('pfIncident')
      .update('safety.readOnlyContexts', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('every playbook step is a registered command, in the Playbook submenu and the palette', async () => {
    await api();
    const registered = new Set(await vscode.commands.getCommands(true));
    const pkg = JSON.parse(fs.readFileSync(extensionPath('package.json'), 'utf8')) as {
      contributes: {
        commands: { command: string; enablement?: string }[];
        menus: Record<string, { command?: string; submenu?: string; when?: string }[]>;
        submenus: { id: string; label: string }[];
      };
    };
    const sub = pkg.contributes.menus['pfIncident.playbook'] ?? [];
    for (const s of PLAYBOOK_STEPS) {
      assert.ok(registered.has(stepCommandId(s.id)), s.id);
      assert.ok(
        sub.some((m) => m.command === s.commandId),
        `${s.id} in the Playbook submenu`,
      );
      const c = pkg.contributes.commands.find((x) => x.command === s.commandId);
      if (s.changing) assert.match(c?.enablement ?? '', /isWorkspaceTrusted/, s.id);
    }
    assert.ok(pkg.contributes.menus['view/item/context']?.some((m) => m.submenu === 'pfIncident.playbook'));
    assert.equal(pkg.contributes.submenus.find((s) => s.id === 'pfIncident.playbook')?.label, 'Playbook');
    for (const c of [
      Commands.stepUndoLast,
      Commands.stepCopyKubectl,
      Commands.stepRunInTerminal,
      Commands.unlockChanges,
    ]) {
      assert.ok(registered.has(c), c);
    }
    assert.equal(STEP_IDS.length, PLAYBOOK_STEPS.length);
  });

  test('Restricted Mode: changing steps refuse before anything is sent', async () => {
    const a = await api();
    const f = fakeKube();
    a.playbook.overrides.session = { context: 'kind-dev', settings: { ...DEFAULT_LIVE_SETTINGS }, kube: f.kube };
    a.playbook.overrides.trusted = false;
    for (const s of PLAYBOOK_STEPS.filter((x) => x.changing)) {
      const r = await vscode.commands.executeCommand<StepResult>(s.commandId, undefined, { noPrompt: true });
      assert.equal(r.ok, false, s.id);
      assert.ok(!r.ok && r.reason === 'untrusted', `${s.id}: ${JSON.stringify(r)}`);
    }
    const u = await vscode.commands.executeCommand<StepResult>(Commands.stepUndoLast);
    assert.ok(!u.ok && u.reason === 'untrusted');
    assert.equal(f.calls.length, 0);
  });

  test('a context matching pfIncident.safety.readOnlyContexts refuses changes until unlocked', async () => {
    const a = await api();
    const f = fakeKube();
    a.playbook.overrides.session = { context: 'gke-prod-eu', settings: { ...DEFAULT_LIVE_SETTINGS }, kube: f.kube };
    a.playbook.overrides.trusted = true;
    const r = await vscode.commands.executeCommand<StepResult>(Commands.stepPauseBot, 'inc-ro-1', { noPrompt: true });
    assert.ok(!r.ok && r.reason === 'read-only', JSON.stringify(r));
    assert.match(r.ok ? '' : r.error, /read-only.*\*prod\*/);
    assert.equal(f.calls.length, 0, 'refused before the RBAC check');
    const audit = parseAuditLines(fs.readFileSync(auditFilePath(auditRoot, 'inc-ro-1'), 'utf8'));
    assert.equal(audit.entries[0]?.outcome, 'cancelled');
    assert.match(audit.entries[0]?.message ?? '', /read-only/);

    // The pattern is a setting: a test-like pattern matches another context.
    await vscode.workspace
      .getConfiguration('pfIncident')
      .update('safety.readOnlyContexts', ['kind-*'], vscode.ConfigurationTarget.Global);
    a.playbook.overrides.session = { context: 'kind-dev', settings: { ...DEFAULT_LIVE_SETTINGS }, kube: f.kube };
    const r2 = await vscode.commands.executeCommand<StepResult>(Commands.stepPauseBot, undefined, { noPrompt: true });
    assert.ok(!r2.ok && r2.reason === 'read-only');

    // Unlocked: the flow runs (dry run, diff editor, confirmation, apply).
    a.playbook.locks.unlock('kind-dev', 15);
    const shown: string[] = [];
    a.playbook.overrides.ui = {
      showDiff: async (d) => {
        shown.push(d.title);
        await a.playbook.ui.showDiff(d);
      },
      confirm: async (c) => {
        shown.push(c.detail);
        return true;
      },
    };
    const r3 = await vscode.commands.executeCommand<StepResult>(Commands.stepPauseBot, 'inc-ro-1', { noPrompt: true });
    assert.ok(r3.ok, JSON.stringify(r3));
    assert.equal(shown[0], 'Deployment incident-bot in kind-dev/monitoring: before ↔ after (server dry run)');
    assert.match(shown[1] ?? '', /Context: kind-dev\nNamespace: monitoring\nObject: Deployment incident-bot/);
    const diffTab = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .find((t) => t.input instanceof vscode.TabInputTextDiff && t.label === shown[0]);
    assert.ok(diffTab, 'the diff editor is open with the dry-run title');
    const input = diffTab.input as vscode.TabInputTextDiff;
    assert.equal(input.original.scheme, RESULT_SCHEME);
    const after = await vscode.workspace.openTextDocument(input.modified);
    assert.match(after.getText(), /replicas: 0/);
    assert.equal(f.replicas.n, 0);
    assert.equal(a.playbook.status.paused?.replicas, 3, 'the previous replicas are remembered');
    const methods = f.calls.map((c) => c.method);
    assert.deepEqual(methods, ['missingPermissions', 'mutate', 'mutate']);

    // Undo restores the remembered replicas.
    const u = await vscode.commands.executeCommand<StepResult>(Commands.stepUndoLast);
    assert.ok(u.ok, JSON.stringify(u));
    assert.equal(f.replicas.n, 3);
    assert.equal(a.playbook.status.paused, undefined);
    const entries = parseAuditLines(fs.readFileSync(auditFilePath(auditRoot, 'inc-ro-1'), 'utf8')).entries;
    assert.deepEqual(
      entries.map((e) => e.outcome),
      ['cancelled', 'succeeded', 'succeeded'],
    );
  });

  test('hostile tenant ids, capsule hashes, names and endpoints are rejected with one line before anything is sent', async () => {
    const a = await api();
    const f = fakeKube();
    a.playbook.overrides.session = { context: 'kind-dev', settings: { ...DEFAULT_LIVE_SETTINGS }, kube: f.kube };
    a.playbook.overrides.trusted = true;
    a.playbook.overrides.ui = { showDiff: async () => undefined, confirm: async () => false };
    const cases: { command: string; arg: (v: string) => Record<string, unknown>; valid: (v: string) => boolean }[] = [
      { command: Commands.stepShowTenantActivity, arg: (v) => ({ tenantId: v }), valid: (v) => checkTenantId(v).ok },
      { command: Commands.stepShowTenantPods, arg: (v) => ({ tenantId: v }), valid: (v) => checkTenantId(v).ok },
      { command: Commands.stepQueryTenantUsage, arg: (v) => ({ tenantId: v }), valid: (v) => checkTenantId(v).ok },
      { command: Commands.stepShowBotLogs, arg: (v) => ({ capsuleHash: v }), valid: (v) => checkCapsuleHash(v).ok },
      { command: Commands.stepShowCapsule, arg: (v) => ({ capsuleHash: v }), valid: (v) => checkCapsuleHash(v).ok },
      {
        command: Commands.stepProbeCapsuleEndpoint,
        arg: (v) => ({ endpoint: v }),
        valid: (v) => checkHost(v).ok,
      },
      {
        command: Commands.stepIsolateWorkload,
        arg: (v) => ({ workloadNamespace: 'production', workloadDeployment: v }),
        valid: (v) => checkResourceName(v).ok,
      },
      {
        command: Commands.stepCreateRollback,
        arg: (v) => ({ targetRelease: 'f'.repeat(64), capsuleHash: v, tenantId: 't-1' }),
        valid: (v) => checkCapsuleHash(v).ok,
      },
      {
        command: Commands.stepCreateRollback,
        arg: (v) => ({ targetRelease: v, capsuleHash: HASH }),
        valid: () => false,
      },
    ];
    let rejected = 0;
    for (const c of cases) {
      for (const h of HOSTILE_INPUTS) {
        if (c.valid(h.value)) continue;
        f.calls.length = 0;
        const r = await vscode.commands.executeCommand<StepResult>(c.command, undefined, {
          ...c.arg(h.value),
          noPrompt: true,
        });
        assert.equal(r.ok, false, `${c.command} ${h.id}`);
        assert.ok(!r.ok && r.reason === 'invalid', `${c.command} ${h.id}: ${JSON.stringify(r)}`);
        assert.ok(!/[\r\n\u0085\u2028\u2029]/.test(r.ok ? '' : r.error), `${c.command} ${h.id}: one line`);
        assert.equal(f.calls.length, 0, `${c.command} ${h.id}: nothing sent`);
        rejected++;
      }
    }
    assert.ok(rejected > 100, `${rejected} rejections`);
  });

  test('an invalid manual Rollback (the runbook manifest) is caught before sending', async () => {
    const a = await api();
    const f = fakeKube();
    a.playbook.overrides.session = { context: 'kind-dev', settings: { ...DEFAULT_LIVE_SETTINGS }, kube: f.kube };
    a.playbook.overrides.trusted = true;
    const r = await vscode.commands.executeCommand<StepResult>(Commands.stepCreateRollback, undefined, {
      noPrompt: true,
      rollback: {
        apiVersion: 'ops.prov-fabric.io/v1alpha1',
        kind: 'Rollback',
        metadata: { name: 'manual-rollback', namespace: 'flux-system' },
        spec: { targetRelease: 'v0.1.0', reason: 'manual_emergency' },
      },
    });
    assert.ok(!r.ok && r.reason === 'invalid', JSON.stringify(r));
    assert.match(r.ok ? '' : r.error, /targetRelease/);
    assert.equal(f.calls.length, 0);
  });

  test('read-only steps open a read-only result document and are recorded in the audit trail', async () => {
    const a = await api();
    const f = fakeKube();
    a.playbook.overrides.session = { context: 'kind-dev', settings: { ...DEFAULT_LIVE_SETTINGS }, kube: f.kube };
    const r = await vscode.commands.executeCommand<StepResult>(Commands.stepShowRollbacks, 'inc-read-1');
    assert.ok(r.ok, JSON.stringify(r));
    const ed = vscode.window.activeTextEditor;
    assert.equal(ed?.document.uri.scheme, RESULT_SCHEME);
    assert.match(ed?.document.uri.path ?? '', /Show Rollbacks — inc-read-1/);
    assert.match(ed?.document.getText() ?? '', /rollback-1/);
    assert.match(ed?.document.getText() ?? '', /kubectl get rollbacks\.ops\.prov-fabric\.io/);
    const entries = parseAuditLines(fs.readFileSync(auditFilePath(auditRoot, 'inc-read-1'), 'utf8')).entries;
    assert.equal(entries[0]?.step, 'showRollbacks');
    assert.match(entries[0]?.message ?? '', /pf-incident-result:/);
    assert.equal(a.playbook.results.resultsFor('inc-read-1').length, 1);
  });

  test('Copy as kubectl puts the shell-safe line, with the connected context, on the clipboard', async () => {
    const a = await api();
    const f = fakeKube();
    let r = await vscode.commands.executeCommand<StepResult>(Commands.stepCopyKubectl, undefined, 'showEvents');
    assert.ok(r.ok);
    assert.match(await vscode.env.clipboard.readText(), /^kubectl get events -n monitoring .*sort-by=\.lastTimestamp/);
    a.playbook.overrides.session = { context: 'kind-dev', settings: { ...DEFAULT_LIVE_SETTINGS }, kube: f.kube };
    r = await vscode.commands.executeCommand<StepResult>(Commands.stepCopyKubectl, undefined, 'showTenantPods', {
      tenantId: 'tenant-42',
    });
    assert.ok(r.ok);
    const text = await vscode.env.clipboard.readText();
    assert.match(text, /^kubectl --context=kind-dev /);
    assert.match(text, /tenant-42/);
    const bad = await vscode.commands.executeCommand<StepResult>(
      Commands.stepCopyKubectl,
      undefined,
      'showTenantPods',
      {
        tenantId: "a'; rm -rf / #",
        noPrompt: true,
      },
    );
    assert.ok(!bad.ok);
    assert.equal(f.calls.length, 0);
    const t = await vscode.commands.executeCommand<StepResult>(Commands.stepRunInTerminal, undefined, 'showEvents');
    assert.ok(t.ok);
    assert.ok(vscode.window.terminals.some((x) => x.name === 'kubectl · kind-dev'));
    // A changing step typed into a terminal is guarded like running it: Restricted Mode, read-only contexts.
    a.playbook.overrides.trusted = false;
    const u = await vscode.commands.executeCommand<StepResult>(Commands.stepRunInTerminal, undefined, 'pauseBot');
    assert.ok(!u.ok && u.reason === 'untrusted', JSON.stringify(u));
    a.playbook.overrides.trusted = true;
    a.playbook.overrides.session = { context: 'prod-1', settings: { ...DEFAULT_LIVE_SETTINGS }, kube: f.kube };
    const ro = await vscode.commands.executeCommand<StepResult>(Commands.stepRunInTerminal, undefined, 'pauseBot');
    assert.ok(!ro.ok && ro.reason === 'read-only', JSON.stringify(ro));
    const copied = await vscode.commands.executeCommand<StepResult>(Commands.stepCopyKubectl, undefined, 'pauseBot');
    assert.ok(copied.ok, 'copying is always allowed');
    assert.match(await vscode.env.clipboard.readText(), /^kubectl --context=prod-1 scale deployment\/incident-bot/);
  });

  test('Copy as kubectl and Run in Terminal refuse the hostile corpus as tenant id and capsule hash', async () => {
    const a = await api();
    const f = fakeKube();
    a.playbook.overrides.session = { context: 'kind-dev', settings: { ...DEFAULT_LIVE_SETTINGS }, kube: f.kube };
    await vscode.env.clipboard.writeText('untouched');
    let n = 0;
    for (const h of HOSTILE_INPUTS) {
      for (const [step, arg, valid] of [
        ['showTenantPods', { tenantId: h.value }, checkTenantId(h.value).ok],
        ['showCapsule', { capsuleHash: h.value }, checkCapsuleHash(h.value).ok],
      ] as const) {
        if (valid) continue;
        for (const cmd of [Commands.stepCopyKubectl, Commands.stepRunInTerminal]) {
          const r = await vscode.commands.executeCommand<StepResult>(cmd, undefined, step, { ...arg, noPrompt: true });
          assert.ok(!r.ok && r.reason === 'invalid', `${cmd} ${step} ${h.id}: ${JSON.stringify(r)}`);
          assert.ok(!/[\r\n\u0085\u2028\u2029]/.test(r.ok ? '' : r.error), `${h.id}: one line`);
          n++;
        }
      }
    }
    assert.ok(n > 40, String(n));
    assert.equal(await vscode.env.clipboard.readText(), 'untouched');
    assert.equal(f.calls.length, 0);
  });

  test('threshold tuning offers the value suggested from the false-positive history, and applies the pick', async () => {
    const a = await api();
    await vscode.commands.executeCommand(Commands.openSample);
    const f = fakeKube();
    a.playbook.overrides.session = { context: 'kind-dev', settings: { ...DEFAULT_LIVE_SETTINGS }, kube: f.kube };
    a.playbook.overrides.trusted = true;
    a.playbook.overrides.ui = { showDiff: async () => undefined, confirm: async () => true };
    const s = suggestRiskThreshold(samplesFromIncidents(a.model.list()), 0.8, 3);
    console.log(`      # suggested RISK_SCORE_THRESHOLD ${s.value}: ${s.reasoning.join(' ').slice(0, 160)}`);
    const running = vscode.commands.executeCommand<StepResult>(Commands.stepSetRiskThreshold);
    // The quick pick lists the suggestion first (with its reasoning); accept it. Without a suggestion, the first item
    // asks for a value, pre-filled with the current one.
    await new Promise((r) => setTimeout(r, 800));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    if (s.value === null) {
      await new Promise((r) => setTimeout(r, 500));
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    const r = await running;
    assert.ok(r.ok, JSON.stringify(r));
    const write = f.calls
      .filter((c) => c.method === 'mutate')
      .map((c) => c.args[1] as { op: string; env: string; value: string });
    assert.equal(write.length, 2, 'dry run, then the write');
    assert.equal(write[1]?.op, 'set-deployment-env');
    assert.equal(write[1]?.env, 'RISK_SCORE_THRESHOLD');
    assert.equal(write[1]?.value, s.value ?? '0.8');
    await vscode.commands.executeCommand(Commands.clearIncidents);
  });

  test('an incident with step results shows "Playbook results (n)", which opens them', async () => {
    const a = await api();
    await vscode.commands.executeCommand(Commands.openSample);
    const inc = a.model.list()[0];
    assert.ok(inc);
    const f = fakeKube();
    a.playbook.overrides.session = { context: 'kind-dev', settings: { ...DEFAULT_LIVE_SETTINGS }, kube: f.kube };
    const node = { kind: 'incident' as const, id: incidentNodeId(inc.id), incidentId: inc.id, group: '' };
    const before = a.tree
      .getChildren(node)
      .filter((n) => n.kind === 'detail' && n.label.startsWith('Playbook results'));
    assert.equal(before.length, 0);
    for (const id of [Commands.stepShowRollbacks, Commands.stepShowSystemStatus]) {
      const r = await vscode.commands.executeCommand<StepResult>(id, inc.id);
      assert.ok(r.ok, JSON.stringify(r));
    }
    const row = a.tree.getChildren(node).find((n) => n.kind === 'detail' && n.label.startsWith('Playbook results'));
    assert.ok(row && row.kind === 'detail');
    assert.equal(row.label, 'Playbook results (2)');
    const item = await a.tree.getTreeItem(row);
    assert.equal(item.command?.command, Commands.stepShowResults);
    assert.deepEqual(item.command?.arguments, [inc.id]);
    await vscode.commands.executeCommand(Commands.clearIncidents);
  });
});
