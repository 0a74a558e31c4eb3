import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as vscode from 'vscode';
import type { OpenBundleSummary } from '../../src/commands/openBundle';
import { Commands } from '../../src/constants';
import { REPORT_FILE_PATTERN } from '../../src/core/incidentReport/fileName';
import { TIMELINE_BEGIN, TIMELINE_END } from '../../src/core/incidentReport/timeline';
import { HOSTILE_INPUTS } from '../../src/core/playbook/hostileCorpus';
import type { CollectResult, TenantCheckResult } from '../../src/evidence/evidenceCommands';
import type { TimelineUpdateResult } from '../../src/report/reportCommands';
import type { NotifyResult } from '../../src/slack/slackCommands';
import { api, extensionPath, until } from './util';

function root(): string {
  const ws = vscode.workspace.workspaceFolders?.[0];
  assert.ok(ws, 'the integration suite runs with a workspace folder');
  return ws.uri.fsPath;
}

function allFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name))
    .sort();
}

const sha = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

async function demoIncident(): Promise<string> {
  const a = await api();
  const s = await vscode.commands.executeCommand<OpenBundleSummary>(Commands.openDemo);
  assert.deepEqual(s?.problems, []);
  // One with a Rollback and a tenant, so every report section has content.
  const inc = a.model
    .list()
    .find((i) => i.tenantId && a.model.cluster?.rollbacks.some((r) => r.capsuleHash === i.capsuleHash));
  assert.ok(inc, 'the demo has an incident with a Rollback');
  return inc.id;
}

function auditEntry(id: string, when: string): string {
  return JSON.stringify({
    v: 1,
    when,
    who: 'it-engineer',
    step: 'pauseBot',
    object: { kind: 'Deployment', name: 'incident-bot', namespace: 'monitoring' },
    context: 'pf-test',
    command: 'kubectl scale deployment incident-bot -n monitoring --replicas=0',
    dryRun: false,
    outcome: 'succeeded',
    incidentId: id,
  });
}

async function closeEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

suite('incident records: evidence, report, Slack', () => {
  teardown(async () => {
    await closeEditors();
    await vscode.commands.executeCommand(Commands.clearIncidents);
  });

  test('Draft Incident Report writes incidents/<id>/incident-report-<UTC stamp>.md, opens it, never overwrites', async () => {
    const id = await demoIncident();
    const a = await api();
    const inc = a.model.get(id)!;
    const file = await vscode.commands.executeCommand<string>(Commands.reportDraft, id);
    assert.ok(file);
    assert.equal(path.dirname(file), path.join(root(), 'incidents', id));
    assert.match(path.basename(file), REPORT_FILE_PATTERN);
    const md = fs.readFileSync(file, 'utf8');
    for (const h of [
      '## Summary',
      '## Timeline',
      '## Triage path and verdict',
      '## Evidence',
      '## Root cause',
      '## Lessons learned',
      '## Action items',
    ]) {
      assert.ok(md.includes(h), h);
    }
    assert.ok(md.includes(inc.capsuleHash!), 'capsule hash');
    assert.ok(md.includes(String(inc.latest.riskScore)), 'risk score');
    assert.ok(md.includes(TIMELINE_BEGIN) && md.includes(TIMELINE_END));
    assert.match(md, /Detected: GuardTrip/);
    assert.match(md, /Rollback rollback-\S+ \(reason/);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, file, 'the report is open in the editor');

    // Drafts in the same second: every one is a new file, none replaces another.
    const before = fs.readFileSync(file);
    const more = await Promise.all(
      [1, 2, 3].map(() => vscode.commands.executeCommand<string>(Commands.reportDraft, id)),
    );
    const names = new Set([file, ...more]);
    assert.equal(names.size, 4, [...names].join(', '));
    for (const f of more) assert.ok(f && fs.existsSync(f));
    assert.deepEqual(fs.readFileSync(file), before, 'the first report is untouched');
    const records = fs
      .readFileSync(path.join(root(), 'incidents', id, 'records.jsonl'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(records.filter((l) => l.includes('report-drafted')).length, 4);
  });

  test("golden: the drafted report of the demo night's failed Rollback, as written to disk", async () => {
    const a = await api();
    await vscode.commands.executeCommand(Commands.openDemo);
    const failed = a.model
      .list()
      .find((i) => a.model.cluster?.rollbacks.some((r) => r.capsuleHash === i.capsuleHash && r.phase === 'Failed'));
    assert.ok(failed, 'the demo has an incident whose Rollback failed');
    const file = (await vscode.commands.executeCommand<string>(Commands.reportDraft, failed.id))!;
    const actual = fs
      .readFileSync(file, 'utf8')
      .replace(/(Generated by PF Incident Response at )\S+(\.)/, '$1<generatedAt>$2');
    const golden = extensionPath('test', 'fixtures', 'reports', 'demo-failed-rollback.md');
    if (process.env.PF_UPDATE_GOLDEN) fs.writeFileSync(golden, actual);
    assert.equal(actual, fs.readFileSync(golden, 'utf8'), `differs from ${golden} (PF_UPDATE_GOLDEN=1 rewrites it)`);
  });

  test("Update Timeline adds new audited actions and keeps the engineer's edits byte for byte", async () => {
    const id = await demoIncident();
    const file = (await vscode.commands.executeCommand<string>(Commands.reportDraft, id))!;
    await closeEditors();
    const original = fs.readFileSync(file, 'utf8');
    const edited = original
      .replace(
        /## Root cause\n\n.*\n/,
        "## Root cause\n\nThe bot's threshold `0.8` <b>was</b> wrong — ünïcödé, trailing spaces   \r\n\n",
      )
      .replace('## Lessons learned', '## Lessons learned\n\n- an engineer line without a final newline')
      .concat('\nEngineer appendix, no newline at end');
    assert.notEqual(edited, original);
    fs.writeFileSync(file, edited);
    const dir = path.dirname(file);
    fs.appendFileSync(path.join(dir, 'audit.jsonl'), auditEntry(id, '2030-01-01T00:00:00Z') + '\n');
    const r = await vscode.commands.executeCommand<TimelineUpdateResult>(
      Commands.reportUpdateTimeline,
      vscode.Uri.file(file),
    );
    // The audited action, and the record of the draft itself.
    assert.equal(r?.added, 2);
    const after = fs.readFileSync(file, 'utf8');
    const inserted = after.split('\n').filter((l) => !edited.split('\n').includes(l));
    assert.equal(inserted.length, 2, JSON.stringify(inserted));
    assert.ok(inserted.some((l) => /drafted the incident report incident-report-/.test(l)));
    const action = /it-engineer ran "[^"]+" on Deployment monitoring\/incident-bot \(context pf-test\): succeeded/;
    assert.ok(inserted.some((l) => action.test(l)));
    let rest = after;
    for (const l of inserted) {
      assert.ok(after.indexOf(l) < after.indexOf(TIMELINE_END));
      rest = rest.replace(`${l}\n`, '');
    }
    assert.equal(rest, edited, "every other byte is the engineer's");
    // Nothing new: nothing changes.
    const again = await vscode.commands.executeCommand<TimelineUpdateResult>(
      Commands.reportUpdateTimeline,
      vscode.Uri.file(file),
    );
    assert.equal(again?.added, 0);
    assert.equal(fs.readFileSync(file, 'utf8'), after);
    // An open report with unsaved edits is updated in the editor, and the unsaved edits stay.
    const doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc);
    // The editor normalizes the engineer's one CRLF line ending (VS Code keeps one EOL per document).
    await until(
      () => doc.getText() === after.replace(/\r\n/g, '\n') || undefined,
      'the editor to show the file as it is on disk',
    );
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), 'UNSAVED '));
    fs.appendFileSync(path.join(dir, 'audit.jsonl'), auditEntry(id, '2030-01-01T00:05:00Z') + '\n');
    const open = await vscode.commands.executeCommand<TimelineUpdateResult>(Commands.reportUpdateTimeline);
    assert.equal(open?.added, 1);
    assert.ok(doc.getText().startsWith('UNSAVED '));
    assert.ok(doc.isDirty);
    assert.equal(fs.readFileSync(file, 'utf8'), after, 'the file on disk waits for the engineer to save');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('steps run without an incident (from the palette) since the incident began are in its report', async () => {
    const id = await demoIncident();
    const unscoped = path.join(root(), 'incidents', '_unscoped');
    fs.mkdirSync(unscoped, { recursive: true });
    const entry = (when: string, name: string): string =>
      JSON.stringify({
        ...JSON.parse(auditEntry(id, when)),
        incidentId: undefined,
        object: { kind: 'Deployment', name, namespace: 'monitoring' },
      });
    fs.writeFileSync(
      path.join(unscoped, 'audit.jsonl'),
      `${entry('2031-02-03T04:05:06Z', 'after-the-trip')}\n${entry('2001-01-01T00:00:00Z', 'long-before')}\n`,
    );
    try {
      const md = fs.readFileSync((await vscode.commands.executeCommand<string>(Commands.reportDraft, id))!, 'utf8');
      assert.match(md, /on Deployment monitoring\/after-the-trip/);
      assert.ok(!md.includes('long-before'));
    } finally {
      fs.rmSync(unscoped, { recursive: true, force: true });
    }
  });

  test('Collect Evidence offline from the demo bundle: a new folder whose manifest verifies and opens as a bundle', async () => {
    const id = await demoIncident();
    const r = await vscode.commands.executeCommand<CollectResult>(Commands.evidenceCollect, id);
    assert.ok(r);
    assert.equal(r.mode, 'offline');
    assert.equal(r.dir, path.join(root(), 'incidents', id, 'evidence'));
    assert.ok(r.missing.some((m) => m.what === 'attestor logs'));
    assert.ok(r.missing.some((m) => m.what === 'ledger tenant data-access check'));
    const m = JSON.parse(fs.readFileSync(path.join(r.dir, 'manifest.json'), 'utf8')) as {
      sha256: Record<string, string>;
      evidence: { missing: unknown[]; incidentId: string };
    };
    assert.equal(m.evidence.incidentId, id);
    assert.ok(Object.keys(m.sha256).length >= 5);
    for (const [rel, want] of Object.entries(m.sha256)) assert.equal(sha(path.join(r.dir, rel)), want, rel);
    const files = allFiles(r.dir).map((f) => path.relative(r.dir, f));
    assert.deepEqual(files.filter((f) => f !== 'manifest.json').sort(), Object.keys(m.sha256).sort());

    const second = await vscode.commands.executeCommand<CollectResult>(Commands.evidenceCollect, id);
    assert.equal(second?.dir, path.join(root(), 'incidents', id, 'evidence-2'));
    // The second folder keeps the records so far (the first collection among them), hashed like the rest.
    assert.match(fs.readFileSync(path.join(second.dir, 'audit', 'records.jsonl'), 'utf8'), /evidence-collected/);

    const report = (await vscode.commands.executeCommand<string>(Commands.reportDraft, id))!;
    const md = fs.readFileSync(report, 'utf8');
    assert.ok(md.includes(`evidence/${'rollbacks.json'}`));
    assert.ok(md.includes(m.sha256['rollbacks.json']!), 'evidence links carry their SHA-256');
    assert.match(md, /collected offline evidence into evidence\//);

    const a = await api();
    const s = await vscode.commands.executeCommand<OpenBundleSummary>(Commands.openBundle, vscode.Uri.file(r.dir));
    assert.deepEqual(s?.problems, []);
    assert.ok(a.model.size > 0, 'the evidence folder replays as a bundle');
    assert.ok(a.model.cluster && a.model.cluster.rollbacks.length > 0);
  });

  test('Notify Slack posts to the webhook from SecretStorage; a 500 keeps the message, Retry sends it; the URL stays secret', async () => {
    const id = await demoIncident();
    const a = await api();
    const bodies: string[] = [];
    let fail = true;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(fail ? 500 : 200, { 'Content-Type': 'text/plain' });
        res.end(fail ? 'internal_error' : 'ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const secret = `SECRET${crypto.randomBytes(8).toString('hex')}`;
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/${secret}`;
    try {
      assert.equal(await vscode.commands.executeCommand(Commands.slackSetWebhook, 'http://evil.example/x'), false);
      assert.equal(await vscode.commands.executeCommand(Commands.slackSetWebhook, url), true);
      const failed = await vscode.commands.executeCommand<NotifyResult>(Commands.slackNotify, id, { preview: false });
      assert.equal(failed?.status, 'failed');
      assert.match(failed?.error ?? '', /500/);
      assert.ok(!(failed?.error ?? '').includes(secret));
      fail = false;
      const retried = await vscode.commands.executeCommand<NotifyResult>(Commands.slackNotify, undefined, {
        retry: true,
        preview: false,
      });
      assert.equal(retried?.status, 'sent');
      assert.equal(bodies.length, 2);
      assert.equal(bodies[1], bodies[0], 'the retry sends exactly the kept message');
      const msg = JSON.parse(bodies[0]!) as { text: string; blocks: unknown[] };
      assert.ok(msg.blocks.length >= 2);
      assert.ok(msg.text.includes(a.model.get(id)!.tenantId!));
      // Nothing left to retry.
      const none = await vscode.commands.executeCommand<NotifyResult>(Commands.slackNotify, undefined, {
        retry: true,
        preview: false,
      });
      assert.equal(none?.status, 'cancelled');

      const report = (await vscode.commands.executeCommand<string>(Commands.reportDraft, id))!;
      const md = fs.readFileSync(report, 'utf8');
      assert.match(md, /posted the incident summary to Slack/);
      assert.match(md, /Slack post failed/);
      for (const f of allFiles(path.join(root(), 'incidents'))) {
        assert.ok(!fs.readFileSync(f, 'utf8').includes(secret), `${f} holds the webhook secret`);
      }
      // Every log of this window (the output channel's file included) is free of it too.
      const logs = path.resolve(a.logUri.fsPath, '..', '..', '..');
      const logFiles = allFiles(logs);
      assert.ok(
        logFiles.some((f) => /PF Incident Response/.test(f)),
        `the output channel log is under ${logs}`,
      );
      for (const f of logFiles) {
        assert.ok(!fs.readFileSync(f, 'utf8').includes(secret), `${f} holds the webhook secret`);
      }
      const settings = path.join(root(), '.vscode', 'settings.json');
      if (fs.existsSync(settings)) assert.ok(!fs.readFileSync(settings, 'utf8').includes(secret));
    } finally {
      await vscode.commands.executeCommand(Commands.slackClearWebhook);
      server.close();
    }
    const noHook = await vscode.commands.executeCommand<NotifyResult>(Commands.slackNotify, id, { preview: false });
    assert.equal(noHook?.status, 'no-webhook');
  });

  test('hostile corpus: incident ids, tenant ids, capsule hashes and names through every records command', async () => {
    const a = await api();
    const incidentsDir = path.join(root(), 'incidents');
    const outside = allFiles(root()).filter((f) => !f.startsWith(incidentsDir + path.sep));
    // Hostile values as the incident argument: refused, nothing written anywhere.
    for (const h of HOSTILE_INPUTS) {
      const before = allFiles(root()).length;
      assert.equal(await vscode.commands.executeCommand(Commands.reportDraft, h.value), undefined, h.id);
      assert.equal(await vscode.commands.executeCommand(Commands.evidenceCollect, h.value), undefined, h.id);
      const t = await vscode.commands.executeCommand<TenantCheckResult>(Commands.checkTenantUsage, h.value, 'x');
      assert.equal(t?.status, 'cancelled', h.id);
      assert.equal(await vscode.commands.executeCommand(Commands.reportUpdateTimeline, h.value), undefined, h.id);
      const n = await vscode.commands.executeCommand<NotifyResult>(Commands.slackNotify, h.value, { preview: false });
      assert.ok(n && ['no-webhook', 'cancelled'].includes(n.status), h.id);
      assert.equal(allFiles(root()).length, before, `${h.id} wrote a file`);
    }
    // Incidents whose tenant ids and capsule hashes are hostile (GuardTrips with the values the bot accepts unchecked).
    const events = HOSTILE_INPUTS.map((h, i) =>
      JSON.stringify({
        capsuleHash: i % 2 ? h.value : `sha256:${crypto.createHash('sha256').update(h.id).digest('hex')}`,
        tenantId: h.value,
        riskScore: 0.95,
        heartbeatMisses: 1,
        ts: new Date(Date.UTC(2025, 7, 5, 14, 0, i)).toISOString(),
        eventType: 'guard_trip',
      }),
    );
    const input = path.join(root(), 'hostile-corpus-events.jsonl');
    fs.writeFileSync(input, events.join('\n') + '\n');
    try {
      await vscode.commands.executeCommand(Commands.openLog, vscode.Uri.file(input));
      assert.ok(a.model.size >= HOSTILE_INPUTS.length / 2, `loaded ${a.model.size}`);
      for (const inc of a.model.list()) {
        const file = await vscode.commands.executeCommand<string>(Commands.reportDraft, inc.id);
        assert.ok(file && path.dirname(file) === path.join(incidentsDir, inc.id), inc.id);
        const md = fs.readFileSync(file, 'utf8');
        assert.ok(!/<(img|script|svg|iframe)/i.test(md), `${inc.id}: raw HTML in the report`);
        assert.ok(
          !/[\u202a-\u202e\u2066-\u2069\u0000\u0007\u001b]/.test(md),
          `${inc.id}: controls or bidi in the report`,
        );
        const ev = await vscode.commands.executeCommand<CollectResult>(Commands.evidenceCollect, inc.id);
        assert.ok(ev?.dir.startsWith(path.join(incidentsDir, inc.id) + path.sep), inc.id);
        // Offline, the tenant id is refused (NUL, too long) or reaches "connect first"; it never runs anything.
        const t = await vscode.commands.executeCommand<TenantCheckResult>(
          Commands.checkTenantUsage,
          inc.id,
          inc.tenantId ?? '',
        );
        assert.ok(t && ['refused', 'not-connected'].includes(t.status), `${inc.id}: ${JSON.stringify(t)}`);
        await closeEditors();
      }
      // Their Slack summaries: posted as Block Kit with every value escaped (no mention, link or control survives).
      const bodies: string[] = [];
      const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          bodies.push(body);
          res.end('ok');
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        await vscode.commands.executeCommand(
          Commands.slackSetWebhook,
          `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        );
        for (const inc of a.model.list()) {
          const n = await vscode.commands.executeCommand<NotifyResult>(Commands.slackNotify, inc.id, {
            preview: false,
          });
          assert.equal(n?.status, 'sent', inc.id);
        }
      } finally {
        await vscode.commands.executeCommand(Commands.slackClearWebhook);
        server.close();
      }
      assert.equal(bodies.length, a.model.size);
      for (const b of bodies) {
        const msg = JSON.parse(b) as { text: string; blocks: unknown[] };
        // mrkdwn (and the notification text) is parsed by Slack: no raw <…> (mentions, links, tags) may survive.
        // plain_text (the header) is shown literally by Slack, so its characters stay as they are.
        const mrkdwn: string[] = [msg.text];
        JSON.stringify(msg.blocks, (_k, v: unknown) => {
          const o = v as { type?: unknown; text?: unknown };
          if (o && o.type === 'mrkdwn' && typeof o.text === 'string') mrkdwn.push(o.text);
          return v;
        });
        for (const t of mrkdwn) assert.ok(!t.includes('<'), t);
        assert.ok(!/[\u0000-\u0008\u000b-\u001f\u202a-\u202e\u2066-\u2069]/.test(msg.text), b.slice(0, 300));
      }
      for (const h of HOSTILE_INPUTS) {
        const t = await vscode.commands.executeCommand<TenantCheckResult>(
          Commands.checkTenantUsage,
          a.model.list()[0]!.id,
          h.value,
        );
        assert.ok(t && ['refused', 'not-connected'].includes(t.status), h.id);
      }
      // Nothing was written outside incidents/<safe id>/ (the input file aside).
      const now = allFiles(root()).filter((f) => !f.startsWith(incidentsDir + path.sep) && f !== input);
      assert.deepEqual(now, outside);
      for (const f of allFiles(incidentsDir)) {
        const rel = path.relative(incidentsDir, f);
        assert.match(rel.split(path.sep)[0]!, /^inc-[0-9a-f]+(-\d+)?$/, rel);
      }
    } finally {
      fs.rmSync(input, { force: true });
    }
  });
});
