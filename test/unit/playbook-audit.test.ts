import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { AuditEntry } from '../../src/core/playbook/audit';
import { AuditTrail, parseAuditLines } from '../../src/core/playbook/audit';
import { HOSTILE_INPUTS } from '../../src/core/playbook/hostileCorpus';
import { STEP_IDS } from '../../src/core/playbook/steps';

export const PAUSE: AuditEntry = {
  v: 1,
  when: '2025-08-05T14:22:10.000Z',
  who: 'alice (kube: oidc:alice@example.com)',
  step: 'pauseBot',
  object: { kind: 'Deployment', name: 'incident-bot', namespace: 'monitoring' },
  context: 'prod-eu',
  command: 'kubectl scale deployment/incident-bot -n monitoring --replicas=0 --current-replicas=2',
  dryRun: false,
  outcome: 'succeeded',
  undo: {
    description: 'Undo: replicas 0 → 2',
    invocations: [
      {
        argv: [
          'kubectl',
          'scale',
          'deployment/incident-bot',
          '-n',
          'monitoring',
          '--replicas=2',
          '--current-replicas=0',
        ],
      },
    ],
  },
  incidentId: 'inc-1',
};

test('entries serialize to one JSON line each and parse back equal', () => {
  const trail = new AuditTrail();
  const a = trail.append(PAUSE);
  assert.ok(a.ok);
  assert.ok(!a.line.includes('\n'));
  trail.append({ ...PAUSE, when: '2025-08-05T14:23:00.000Z', dryRun: true, outcome: 'dry-run', undo: undefined });
  const text = trail.toJsonLines();
  assert.equal(text.split('\n').length, 3);
  const parsed = parseAuditLines(text);
  assert.deepEqual(parsed.bad, []);
  assert.deepEqual(JSON.parse(JSON.stringify(parsed.entries)), JSON.parse(JSON.stringify(trail.entries())));
});

test('append-only: stored entries are frozen copies; the caller keeps no handle on them', () => {
  const trail = new AuditTrail();
  const mine = JSON.parse(JSON.stringify(PAUSE)) as AuditEntry;
  trail.append(mine);
  mine.who = 'mallory';
  const stored = trail.entries()[0];
  assert.equal(stored?.who, PAUSE.who);
  assert.throws(() => {
    (stored as { who: string }).who = 'mallory';
  });
  assert.throws(() => {
    (stored?.undo?.invocations as unknown[]).push({});
  });
  (trail.entries() as AuditEntry[]).length = 0;
  assert.equal(trail.size, 1);
});

test('invalid entries are refused with the reason', () => {
  const trail = new AuditTrail();
  assert.deepEqual(trail.append({ ...PAUSE, step: 'rmRf' as never }), {
    ok: false,
    error: 'audit entry: step is not a known step id',
  });
  assert.deepEqual(trail.append({ ...PAUSE, when: 'yesterday' }), {
    ok: false,
    error: 'audit entry: when is not an ISO time',
  });
  assert.equal(trail.size, 0);
});

test('parsing tolerates bad lines and reports them by number', () => {
  const good = JSON.stringify(PAUSE);
  const text = [good, '{"v":1', '', 'garbage', JSON.stringify({ ...PAUSE, v: 2 }), `${good}\r`, '[]'].join('\n');
  const r = parseAuditLines(text);
  assert.equal(r.entries.length, 2);
  assert.deepEqual(r.bad, [
    { line: 2, error: 'not valid JSON' },
    { line: 4, error: 'not valid JSON' },
    { line: 5, error: 'unsupported version 2' },
    { line: 7, error: 'not a JSON object' },
  ]);
});

test('hostile text in any field stays inside its line', () => {
  const trail = new AuditTrail();
  for (const h of HOSTILE_INPUTS) {
    const r = trail.append({
      ...PAUSE,
      who: h.value || 'x',
      message: h.value,
      context: h.value,
      object: { kind: 'Deployment', name: h.value },
    });
    assert.ok(r.ok, h.id);
    assert.ok(!/[\n\r\u0085\u2028\u2029]/.test(r.line), h.id);
  }
  const back = parseAuditLines(trail.toJsonLines());
  assert.equal(back.entries.length, HOSTILE_INPUTS.length);
  assert.deepEqual(
    back.entries.map((e) => e.message),
    HOSTILE_INPUTS.map((h) => h.value),
  );
});

test('the last undoable change skips dry runs, failures and non-undoable steps', () => {
  const trail = new AuditTrail([PAUSE]);
  trail.append({ ...PAUSE, step: 'createRollback', undo: undefined });
  trail.append({ ...PAUSE, dryRun: true, outcome: 'dry-run' });
  trail.append({ ...PAUSE, outcome: 'failed', message: 'Forbidden' });
  assert.equal(trail.lastUndoable()?.when, PAUSE.when);
  assert.equal(trail.forIncident('inc-1').length, 4);
});

test('any sequence of lines parses without throwing and accounts for every non-blank line (property)', () => {
  const line = fc.oneof(fc.string(), fc.constant(JSON.stringify(PAUSE)), fc.json());
  fc.assert(
    fc.property(fc.array(line, { maxLength: 20 }), (lines) => {
      const text = lines.join('\n');
      const r = parseAuditLines(text);
      const nonBlank = text.split('\n').filter((l) => l.replace(/\r$/, '').trim() !== '').length;
      assert.equal(r.entries.length + r.bad.length, nonBlank);
    }),
  );
  assert.ok(STEP_IDS.includes(PAUSE.step));
});
