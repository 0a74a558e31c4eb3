import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readBundle } from '../../src/bundle/readBundle';
import { parseManifest } from '../../src/core/bundleManifest';
import { HOSTILE_INPUTS } from '../../src/core/playbook/hostileCorpus';
import {
  freshName,
  incidentDir,
  incidentIdOfFile,
  isSafeIncidentId,
  listEvidenceFolders,
  listReports,
  writeNewFile,
} from '../../src/evidence/incidentFolder';
import { appendAuditEntry, appendRecord, readAuditFile, readRecords, recordTimeline } from '../../src/evidence/records';
import type { EvidenceContent } from '../../src/evidence/writeEvidence';
import { evidenceItems, evidenceLayout, verifyEvidence, writeEvidence } from '../../src/evidence/writeEvidence';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'pf-records-'));

test("incident ids become folder names only when they are the parser's ids", () => {
  assert.ok(isSafeIncidentId('inc-0123456789ab'));
  assert.ok(isSafeIncidentId('inc-0123456789ab-2'));
  for (const bad of ['', '..', '../x', 'inc-../../etc', 'inc-0123456789AB', 'inc-0123456789ab/..', 'x', 'inc-']) {
    assert.equal(isSafeIncidentId(bad), false, bad);
    assert.throws(() => incidentDir('/w', bad));
  }
  for (const h of HOSTILE_INPUTS) {
    assert.equal(isSafeIncidentId(h.value), false, h.id);
    assert.throws(() => incidentDir('/w', h.value), h.id);
  }
  assert.equal(incidentDir('/w', 'inc-0123456789ab'), path.resolve('/w/incidents/inc-0123456789ab'));
  assert.equal(incidentIdOfFile('/w', '/w/incidents/inc-0123456789ab/incident-report-x.md'), 'inc-0123456789ab');
  assert.equal(incidentIdOfFile('/w', '/w/other/inc-0123456789ab/r.md'), undefined);
});

test('new files never replace existing ones; reports sort by time then suffix', () => {
  const dir = tmp();
  const a = writeNewFile(dir, 'incident-report-20250805-141530', '.md', 'one');
  const b = writeNewFile(dir, 'incident-report-20250805-141530', '.md', 'two');
  const c = writeNewFile(dir, 'incident-report-20250805-141529', '.md', 'zero');
  assert.equal(path.basename(a), 'incident-report-20250805-141530.md');
  assert.equal(path.basename(b), 'incident-report-20250805-141530-2.md');
  assert.equal(fs.readFileSync(a, 'utf8'), 'one');
  assert.deepEqual(
    listReports(dir).map((f) => path.basename(f)),
    [path.basename(c), path.basename(a), path.basename(b)],
  );
  assert.equal(freshName(dir, 'incident-report-20250805-141530', '.md'), 'incident-report-20250805-141530-3.md');
});

test('records are appended, read tolerantly and become timeline entries; audit entries are validated', () => {
  const dir = tmp();
  appendRecord(dir, {
    action: 'report-drafted',
    incidentId: 'inc-0123456789ab',
    summary: 'line\none',
    who: 'ana',
    when: '2025-08-05T14:20:00Z',
  });
  fs.appendFileSync(path.join(dir, 'records.jsonl'), '{broken\n');
  appendRecord(dir, { action: 'slack-posted', incidentId: 'inc-0123456789ab', summary: 'posted\u2028x', who: 'ana' });
  const r = readRecords(dir);
  assert.equal(r.entries.length, 2);
  assert.equal(r.bad, 1);
  assert.equal(fs.readFileSync(path.join(dir, 'records.jsonl'), 'utf8').split('\n').length, 4);
  assert.deepEqual(recordTimeline(r.entries)[0], { at: '2025-08-05T14:20:00Z', text: 'ana: line one' });
  const audit = path.join(dir, 'audit.jsonl');
  const entry = {
    v: 1 as const,
    when: '2025-08-05T14:21:00Z',
    who: 'ana',
    step: 'queryTenantUsage' as const,
    object: { kind: 'Deployment', name: 'ledger', namespace: 'default' },
    context: 'pf-test',
    command: "psql -v 'tenant=a'\\''b'",
    dryRun: false,
    outcome: 'succeeded' as const,
  };
  assert.equal(appendAuditEntry(audit, entry), null);
  assert.match(appendAuditEntry(audit, { ...entry, step: 'nope' as never }) ?? '', /step/);
  assert.equal(readAuditFile(audit).entries.length, 1);
});

function content(over: Partial<EvidenceContent> = {}): EvidenceContent {
  return {
    incidentId: 'inc-0123456789ab',
    mode: 'offline',
    origin: 'test',
    botLogs: [{ pod: 'incident-bot-1', text: '[Nest] 1  - 08/05/2025, 2:15:30 PM     LOG [KafkaService] hello\n' }],
    rollbacks: [],
    events: [],
    metrics: [{ at: '2025-08-05T14:15:00.000Z', text: 'incident_bot_active_rollbacks 0\n' }],
    extra: [{ path: 'components/attestor/a.log', text: 'attestor ✓\n', description: 'attestor log' }],
    missing: [{ what: 'sidecar-watcher logs', why: 'offline' }],
    ...over,
  };
}

test('an evidence folder is a replay bundle whose SHA-256s verify; a second one never replaces the first', () => {
  const dir = tmp();
  const first = writeEvidence(dir, content());
  const second = writeEvidence(dir, content());
  assert.equal(path.basename(first.dir), 'evidence');
  assert.equal(path.basename(second.dir), 'evidence-2');
  assert.deepEqual(listEvidenceFolders(dir), [first.dir, second.dir]);
  assert.deepEqual(verifyEvidence(first.dir, first.manifest), []);
  const m = parseManifest(fs.readFileSync(path.join(first.dir, 'manifest.json'), 'utf8'));
  assert.ok(m.ok);
  const b = readBundle(first.dir);
  assert.deepEqual(b.problems, []);
  assert.equal(b.metrics.length, 1);
  for (const [rel, sha] of Object.entries(first.manifest.sha256)) {
    assert.equal(
      crypto
        .createHash('sha256')
        .update(fs.readFileSync(path.join(first.dir, rel)))
        .digest('hex'),
      sha,
      rel,
    );
  }
  assert.deepEqual(first.manifest.evidence.missing, [{ what: 'sidecar-watcher logs', why: 'offline' }]);
  assert.ok(first.manifest.sha256['components/attestor/a.log']);
  const items = evidenceItems(first.manifest, 'evidence');
  assert.ok(
    items.some((i) => i.path === 'evidence/components/attestor/a.log' && /attestor log/.test(i.description ?? '')),
  );
  fs.appendFileSync(path.join(first.dir, 'components/attestor/a.log'), 'x');
  assert.deepEqual(verifyEvidence(first.dir, first.manifest), ['components/attestor/a.log']);
  assert.equal(fs.readdirSync(dir).filter((n) => n.includes('partial')).length, 0);
});

test('hostile pod names and unusable extra paths cannot leave the folder', () => {
  for (const h of HOSTILE_INPUTS) {
    const { files } = evidenceLayout(content({ botLogs: [{ pod: h.value, text: 'x' }], extra: [] }));
    for (const rel of files.keys()) assert.match(rel, /^[A-Za-z0-9._/-]+$/, h.id);
  }
  assert.throws(() => evidenceLayout(content({ extra: [{ path: '../x', text: '', description: '' }] })));
  assert.throws(() => evidenceLayout(content({ extra: [{ path: 'manifest.json', text: '', description: '' }] })));
  const dir = tmp();
  assert.throws(() => writeEvidence(dir, content({ extra: [{ path: '/etc/x', text: '', description: '' }] })));
  assert.deepEqual(fs.readdirSync(dir), []);
});
