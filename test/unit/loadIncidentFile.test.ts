// Opening a file fills the incident book while the file is read; the incidents must be those of reading
// everything first and adding the events in input order (as the extension did before it streamed).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import fs from 'node:fs';
import { IncidentBook } from '../../src/core/incidents';
import { readAll } from '../../src/core/parse/input';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { loadIncidentFile } from '../../src/model/loadIncidentFile';
import { REPO_ROOT, withLines } from './helpers';

const newBook = (): IncidentBook => new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * 60_000 });

for (const f of [
  'test/fixtures/logs/multipod.log',
  'media/samples/incident-bot.log',
  'test/fixtures/logs/plain.events.jsonl',
]) {
  test(`streamed into the book: ${f}`, async () => {
    const file = path.join(REPO_ROOT, f);
    const streamed = newBook();
    const r = await loadIncidentFile(file, f, streamed);
    assert.ok(r);
    const { events } = readAll(fs.readFileSync(file, 'utf8'), 'auto', { file });
    events.sort((a, b) => (a.origin?.firstLine ?? 0) - (b.origin?.firstLine ?? 0));
    const whole = newBook();
    for (const e of events) whole.add(e);
    assert.equal(r.events, events.length);
    assert.deepEqual(withLines(streamed.list()), withLines(whole.list()));
    assert.equal(r.bytes, fs.statSync(file).size);
  });
}

test('a missing file is a clear error, not a crash', async () => {
  await assert.rejects(
    loadIncidentFile('/nonexistent/pf.log', 'pf.log', newBook()),
    /pf\.log: the file does not exist/,
  );
});
