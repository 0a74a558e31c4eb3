import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fnv1a64, fnvBegin, fnvDigest, fnvFeed } from '../../src/core/hash';
import { IncidentBook, timeOf } from '../../src/core/incidents';
import { DEFAULT_THRESHOLDS, withThresholds } from '../../src/core/thresholds';
import { ev, HASH_B } from './helpers';

const MIN = 60_000;
const at = (m: number): string => new Date(Date.UTC(2025, 7, 5, 14, 0) + m * MIN).toISOString();

describe('grouping GuardTrips into incidents', () => {
  test('repeats within the window join one incident with count, first/last seen and latest scores', () => {
    const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * MIN });
    book.add(ev(0.6, 1, { ts: at(0) }));
    book.add(ev(0.7, 2, { ts: at(10) }));
    const r = book.add(ev(0.9, 0, { ts: at(24) }));
    assert.equal(r.created, false);
    assert.equal(book.size, 1);
    const inc = book.list()[0]!;
    assert.equal(inc.count, 3);
    assert.equal(inc.firstSeen, at(0));
    assert.equal(inc.lastSeen, at(24));
    assert.equal(inc.latest.riskScore, 0.9);
    assert.equal(inc.latest.verdict, 'legitimate');
    assert.equal(inc.maxRisk, 0.9);
    assert.equal(inc.events.length, 3);
  });
  test('a gap longer than the window starts a new incident', () => {
    const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * MIN });
    book.add(ev(0.6, 1, { ts: at(0) }));
    assert.equal(book.add(ev(0.6, 1, { ts: at(16) })).created, true);
    assert.equal(book.size, 2);
  });
  test('different capsules or tenants never group; window 0 never groups', () => {
    const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * MIN });
    book.add(ev(0.6, 1, { ts: at(0) }));
    book.add(ev(0.6, 1, { ts: at(1), capsuleHash: HASH_B }));
    book.add(ev(0.6, 1, { ts: at(2), tenantId: 'other' }));
    assert.equal(book.size, 3);
    const none = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 0 });
    none.add(ev(0.6, 1, { ts: at(0) }));
    none.add(ev(0.6, 1, { ts: at(0) }));
    assert.equal(none.size, 2);
  });
  test('an invalid event does not replace the verdict of the real incident', () => {
    const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * MIN });
    book.add(ev(0.9, 1, { ts: at(0) }));
    book.add(ev('0.95', 1, { ts: at(1) }));
    assert.equal(book.size, 2);
    assert.deepEqual(
      book
        .list()
        .map((i) => i.latest.verdict)
        .sort(),
      ['invalid', 'legitimate'],
    );
  });
  test('events arriving out of order (several pods) still group, latest is the newest', () => {
    const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * MIN });
    book.add(ev(0.6, 1, { ts: at(10) }));
    book.add(ev(0.9, 1, { ts: at(12) }));
    book.add(ev(0.2, 0, { ts: at(5) }));
    const inc = book.list()[0]!;
    assert.equal(book.size, 1);
    assert.equal(inc.firstSeen, at(5));
    assert.equal(inc.latest.riskScore, 0.9);
  });
  test('ids are stable across re-reads and differ between incidents', () => {
    const read = (): string[] => {
      const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * MIN });
      book.add(ev(0.6, 1, { ts: at(0) }));
      book.add(ev(0.6, 1, { ts: at(30) }));
      book.add(ev(0.6, 1, { ts: null, capsuleHash: HASH_B }));
      return book.list().map((i) => i.id);
    };
    const a = read();
    assert.deepEqual(a, read());
    assert.equal(new Set(a).size, 3);
    for (const id of a) assert.match(id, /^inc-[0-9a-f]{12}$/);
  });
  test('re-triage with new thresholds changes verdicts, keeps grouping', () => {
    const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * MIN });
    book.add(ev(0.7, 1, { ts: at(0) }));
    assert.equal(book.list()[0]?.latest.verdict, 'false-positive-network');
    book.retriage(withThresholds({ riskHigh: 0.65 }));
    assert.equal(book.list()[0]?.latest.verdict, 'legitimate');
    assert.equal(book.size, 1);
  });
  test('manual override is recorded', () => {
    const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * MIN });
    const { incident } = book.add(ev(0.2, 0, { ts: at(0) }));
    book.override(incident.id, 'legitimate', at(1), 'customer report');
    assert.deepEqual(book.get(incident.id)?.override, { verdict: 'legitimate', at: at(1), reason: 'customer report' });
  });
});

describe('fnv1a64', () => {
  test('known vectors', () => {
    assert.equal(fnv1a64(''), 'cbf29ce484222325');
    assert.equal(fnv1a64('a'), 'af63dc4c8601ec8c');
    assert.equal(fnv1a64('foobar'), '85944171f73967e8');
  });
});

test('the book keeps at most maxIncidents, evicting the least recently active', () => {
  const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * MIN, maxIncidents: 3 });
  for (let i = 0; i < 5; i++) book.add(ev(0.6, 1, { ts: at(i), capsuleHash: `sha256:${String(i).repeat(64)}` }));
  // Capsule 1 becomes active again, so capsule 2 is the oldest.
  book.add(ev(0.6, 1, { ts: at(6), capsuleHash: `sha256:${'3'.repeat(64)}` }));
  book.add(ev(0.6, 1, { ts: at(7), capsuleHash: `sha256:${'5'.repeat(64)}` }));
  assert.equal(book.size, 3);
  assert.equal(book.evicted, 3);
  assert.deepEqual(
    book.list().map((i) => i.capsuleHash?.slice(7, 8)),
    ['4', '3', '5'],
  );
});

describe('fast paths give exactly what the general code gives', () => {
  test('fnv1a64 equals the float formulation of FNV-1a on any text', () => {
    // The reference: the 64-bit multiply in two 32-bit halves with a float carry (the earlier implementation).
    const reference = (s: string): string => {
      let h1 = 0x84222325;
      let h2 = 0xcbf29ce4;
      for (let i = 0; i < s.length; i++) {
        h1 = (h1 ^ s.charCodeAt(i)) >>> 0;
        const l = h1 * 0x1b3;
        const h = h2 * 0x1b3 + (h1 << 8) + Math.floor(l / 0x100000000);
        h1 = l >>> 0;
        h2 = h >>> 0;
      }
      return h2.toString(16).padStart(8, '0') + h1.toString(16).padStart(8, '0');
    };
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => assert.equal(fnv1a64(s), reference(s))),
      { numRuns: 2000 },
    );
  });

  test('timeOf equals Date.parse for ISO times and anything else', () => {
    const same = (s: string): void => {
      const t = Date.parse(s);
      assert.equal(timeOf(s), Number.isFinite(t) ? t : null, s);
    };
    fc.assert(
      fc.property(
        fc.date({ min: new Date(-62_000_000_000_000), max: new Date(253_402_300_799_999), noInvalidDate: true }),
        (d) => same(d.toISOString()),
      ),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.tuple(fc.nat(10_000), fc.nat(14), fc.nat(33), fc.nat(25), fc.nat(61), fc.nat(61), fc.nat(999)),
        ([y, mo, d, h, mi, s, ms]) => {
          const p = (n: number, w: number): string => String(n).padStart(w, '0');
          same(`${p(y, 4)}-${p(mo, 2)}-${p(d, 2)}T${p(h, 2)}:${p(mi, 2)}:${p(s, 2)}.${p(ms, 3)}Z`);
        },
      ),
      { numRuns: 3000 },
    );
    for (const s of [
      '',
      'x',
      '2025-08-05',
      '2025-08-05T14:15:30Z',
      '2025-08-05T14:15:30.000+02:00',
      '+002025-08-05T14:15:30.000Z',
    ]) {
      same(s);
    }
    assert.equal(timeOf(null), null);
  });
});

describe('group keys and ids without building strings per event', () => {
  test('a capsule hash spelled like another group key stays its own incident', () => {
    const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * MIN });
    const tricky = book.add(ev(0.6, 1, { ts: at(0), capsuleHash: 'a\u0000t\u0000v', tenantId: null }));
    const plain = book.add(ev(0.6, 1, { ts: at(1), capsuleHash: 'a', tenantId: 't' }));
    const invalid = book.add(ev(2, 1, { ts: at(2), capsuleHash: 'a', tenantId: 't' }));
    const noTenant = book.add(ev(0.6, 1, { ts: at(3), capsuleHash: 'a', tenantId: null }));
    assert.equal(new Set([tricky, plain, invalid, noTenant].map((r) => r.incident.id)).size, 4);
    assert.equal(book.add(ev(0.7, 1, { ts: at(4), capsuleHash: 'a', tenantId: null })).incident, noTenant.incident);
  });

  test('ids are the FNV-1a of "capsule NUL tenant NUL v|i NUL time", as they always were', () => {
    const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * MIN });
    const a = book.add(ev(0.6, 1, { ts: at(0), capsuleHash: 'h1', tenantId: null })).incident;
    const b = book.add(ev(9, 1, { ts: at(0), capsuleHash: 'h1', tenantId: 'ten' })).incident;
    const c = book.add(ev(0.6, 1, { ts: null, capsuleHash: null, tenantId: null })).incident;
    assert.equal(a.id, `inc-${fnv1a64(`h1\u0000?\u0000v\u0000${at(0)}`).slice(0, 12)}`);
    assert.equal(b.id, `inc-${fnv1a64(`h1\u0000ten\u0000i\u0000${at(0)}`).slice(0, 12)}`);
    assert.equal(c.id, `inc-${fnv1a64('?\u0000?\u0000v\u0000#1').slice(0, 12)}`);
  });

  test('hashing in parts is hashing the concatenation', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 6 }), (parts) => {
        fnvBegin();
        for (const p of parts) fnvFeed(p);
        assert.equal(fnvDigest(), fnv1a64(parts.join('')));
      }),
    );
  });
});
