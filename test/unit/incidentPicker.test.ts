// The incident picker's rows (src/tree/presentation.ts incidentPickItems): the same in every command, the incident
// being looked at first, then those needing attention, then the most recent; rows read like tree rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IncidentBook } from '../../src/core/incidents';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { incidentPickItems } from '../../src/tree/presentation';
import { ev, HASH_A, HASH_B, HASH_C } from './helpers';

const at = (m: number): string => new Date(Date.UTC(2025, 7, 5, 14, 0) + m * 60_000).toISOString();

function incidents() {
  const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 0 });
  const a = book.add(ev(0.2, 0, { capsuleHash: HASH_A, tenantId: null, ts: at(0) })).incident;
  const b = book.add(ev(0.9, 1, { capsuleHash: HASH_B, tenantId: null, ts: at(5) })).incident;
  const c = book.add(ev(0.3, 1, { capsuleHash: HASH_C, tenantId: 'ctenant0000000000000000000', ts: at(9) })).incident;
  return { all: book.list(), a, b, c };
}

test('order: what is being looked at, then what needs attention, then the most recent', () => {
  const { all, a, b, c } = incidents();
  const plain = incidentPickItems(all, { needsAttention: (i) => i.id === b.id });
  assert.deepEqual(
    plain.map((r) => r.id),
    [b.id, c.id, a.id],
  );
  const looked = incidentPickItems(all, {
    needsAttention: (i) => i.id === b.id,
    current: [
      { id: a.id, why: 'selected in the tree' },
      { id: c.id, why: 'in the triage panel' },
    ],
  });
  assert.deepEqual(
    looked.map((r) => r.id),
    [a.id, c.id, b.id],
  );
  assert.match(looked[0]!.detail, /^selected in the tree · first seen 2025-08-05 14:00:00 UTC · inc-/);
  assert.match(looked[1]!.detail, /^in the triage panel · /);
  assert.match(looked[2]!.detail, /^needs attention · first seen 2025-08-05 14:05:00 UTC/);
});

test('rows read like tree rows: verdict, then the tenant (a linked Rollback’s when the events name none)', () => {
  const { all, a, c } = incidents();
  const rows = incidentPickItems(all, {
    tenantOf: (i) => (i.id === a.id ? 'cfromrollback000000000000' : (i.tenantId ?? undefined)),
  });
  const ra = rows.find((r) => r.id === a.id)!;
  assert.equal(ra.label, 'sha256:4f8b2c1d…1b0c');
  assert.equal(ra.description, 'False positive – adjust thresholds · cfromrollback000000000000 · risk 0.2 · 0 misses');
  const rc = rows.find((r) => r.id === c.id)!;
  assert.match(rc.description, /· ctenant0000000000000000000 · risk 0\.3 · 1 miss$/);
  const noHint = incidentPickItems(all).find((r) => r.id === a.id)!;
  assert.match(noHint.description, /· tenant \? ·/);
});

test('hostile capsule hashes and tenants are shown as inert, clipped text', () => {
  const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 0 });
  book.add(
    ev(0.9, 1, { capsuleHash: '$(rm -rf /)\u202e<script>', tenantId: '\u001b[31m' + 'x'.repeat(80), ts: at(0) }),
  );
  const [row] = incidentPickItems(book.list());
  assert.ok(row);
  assert.ok(!/[\u001b\u202e]/.test(row.label + row.description), JSON.stringify(row));
  assert.ok(row.description.length < 140, row.description);
});
