import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { readAll } from '../../src/core/parse/input';
import { IncidentLogParser } from '../../src/core/parse/logParser';
import { triage } from '../../src/core/triage';
import { REPO_ROOT } from './helpers';

const SAMPLE = fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/facts/sample-nocolor.log'), 'utf8');
const LINES = SAMPLE.split('\n');

function drain(text: string, format: 'auto' | 'events' | 'log' | 'alertmanager' = 'auto'): number {
  const { events } = readAll(text, format);
  for (const e of events) triage(e);
  return events.length;
}

test('random bytes never throw, in every format', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 4096 }),
      fc.constantFrom('auto', 'events', 'log', 'alertmanager'),
      (bytes, fmt) => {
        drain(Buffer.from(bytes).toString('utf8'), fmt as 'auto');
      },
    ),
    { numRuns: 500 },
  );
});

test('random unicode and JSON-ish text never throws', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.json(), fc.constantFrom(...LINES)), { maxLength: 60 }),
      (parts) => {
        drain(parts.join('\n'));
      },
    ),
    { numRuns: 500 },
  );
});

test('truncating or corrupting sample lines anywhere never throws and never invents events', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(LINES.length - 1), fc.nat(300), fc.string({ maxLength: 5 })), { maxLength: 20 }),
      (edits) => {
        const lines = [...LINES];
        for (const [i, cut, junk] of edits) lines[i] = (lines[i] ?? '').slice(0, cut) + junk;
        const n = drain(lines.join('\n'), 'log');
        // At most one event per "Evaluating" line plus one per Object block.
        const max =
          lines.filter((l) => l.includes('Evaluating')).length + lines.filter((l) => l.includes('Object:')).length;
        assert.ok(n <= max, `${n} > ${max}`);
      },
    ),
    { numRuns: 500 },
  );
});

test('chunks split anywhere (including inside UTF-8 characters after decoding) give the same events', () => {
  fc.assert(
    fc.property(fc.array(fc.nat(SAMPLE.length), { maxLength: 30 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const p = new IncidentLogParser();
      let prev = 0;
      let n = 0;
      for (const c of [...points, SAMPLE.length]) {
        n += p.push(SAMPLE.slice(prev, c)).length;
        prev = c;
      }
      n += p.end().length;
      assert.equal(n, 5);
    }),
    { numRuns: 300 },
  );
});

test('huge lines and pathological repetitions are bounded and counted', () => {
  const p = new IncidentLogParser({ maxLineLength: 64 * 1024 });
  p.push(
    '[Nest] 7  - 08/05/2025, 2:15:30 PM     LOG [KafkaService] Processing GuardTrip event: ' + 'a'.repeat(5_000_000),
  );
  p.push('\n');
  p.push('[Nest] '.repeat(20_000) + '\n');
  p.push('Rollback decision: ' + ' for capsule '.repeat(4000) + '\n');
  p.push(
    '[Nest] 7  - 08/05/2025, 2:15:30 PM     LOG [DecisionEngineService] Evaluating GuardTrip: risk=' +
      '9'.repeat(30_000) +
      ', misses=1\n',
  );
  const out = [...p.end()];
  assert.equal(p.stats.oversized, 2);
  assert.equal(out.length, 1);
  assert.equal(triage(out[0]!).verdict, 'invalid');
});
