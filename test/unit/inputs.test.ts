import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { asAlertmanagerDocument, parseAlertmanager } from '../../src/core/parse/alertmanager';
import { looksLikeEventLine, parseEventLine } from '../../src/core/parse/events';
import { readAll } from '../../src/core/parse/input';
import { triage } from '../../src/core/triage';
import { HASH_A, REPO_ROOT } from './helpers';

const facts = (f: string): string => fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/facts', f), 'utf8');

describe('GuardTrip events (JSON lines)', () => {
  test('the facts sheet events triage as documented', () => {
    const { events, reader } = readAll(facts('events.jsonl'), 'events');
    const res = events.map((e) => triage(e));
    assert.deepEqual(
      res.map((r) => [r.verdict, r.botDecision, r.disagreement]),
      [
        ['legitimate', 'rollback', false],
        ['false-positive-thresholds', 'rollback', true],
        ['false-positive-network', 'no-rollback', false],
        ['false-positive-network', 'rollback', true],
      ],
    );
    assert.equal(res[0]?.tenantId, 'clz8k1m3p0000ab12cd34ef56');
    assert.equal(res[0]?.ts, '2025-08-05T14:15:29Z');
    assert.equal(res[0]?.source, 'event');
    assert.equal(reader.stats.format, 'events');
  });
  test('the invalid sample (string score, wrong eventType)', () => {
    const line =
      '{"capsuleHash":"sha256:a3e1b2c4d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90","tenantId":"clz8k1m3p0002ab12cd34ef58","riskScore":"0.95","heartbeatMisses":0,"ts":"2025-08-05T14:18:10Z","eventType":"GuardTrip"}';
    const r = parseEventLine(line);
    assert.ok(r.ok);
    const res = triage(r.event);
    assert.equal(res.verdict, 'invalid');
    assert.equal(res.errorField, 'riskScore');
    assert.ok(res.warnings.some((w) => w.includes('eventType is the string "GuardTrip"')));
  });
  test('the sidecar-style trip is not a GuardTrip event', () => {
    assert.equal(
      looksLikeEventLine(
        '{"event":"guard_trip","reason":"Budget limit exceeded: $120.00 > $100.00","timestamp":"2025-08-05T14:15:29.481516233+00:00"}',
      ),
      false,
    );
  });
  test('bad JSON lines are noted with their line number and skipped', () => {
    const { events, reader } = readAll(
      '{"capsuleHash":"a","riskScore":0.9,"heartbeatMisses":0}\nnot json\n[1,2]\n\n',
      'events',
    );
    assert.equal(events.length, 1);
    assert.deepEqual(
      reader.notes.map((n) => n.line),
      [2, 3],
    );
    assert.equal(reader.stats.badEventLines, 2);
  });
});

describe('Alertmanager webhook', () => {
  test('the facts sheet payload maps the way the bot maps it', () => {
    const { events, reader } = readAll(facts('alertmanager.json'));
    assert.equal(reader.stats.format, 'alertmanager');
    assert.equal(events.length, 1);
    const r = triage(events[0]!);
    assert.equal(r.capsuleHash, HASH_A);
    assert.equal(r.tenantId, 'clz8k1m3p0000ab12cd34ef56');
    assert.equal(r.riskScore, 0.86);
    assert.equal(r.heartbeatMisses, 1);
    assert.equal(r.source, 'alertmanager');
    assert.equal(r.verdict, 'legitimate');
    assert.equal(r.ts, '2025-08-05T14:15:00.000Z');
  });
  test('parseFloat / parseInt without radix, defaults, missing hash, resolved alerts', () => {
    const doc = {
      alerts: [
        { status: 'firing', labels: { capsule_hash: 'h1', risk_score: '0.86abc', heartbeat_misses: '3.9' } },
        { status: 'firing', labels: { capsule_hash: 'h2', heartbeat_misses: '0x10' } },
        { status: 'firing', labels: { capsule_hash: 'h3', risk_score: 'high', tenant_id: 't3' } },
        { status: 'firing', labels: { alertname: 'ServiceDown' } },
        { status: 'resolved', labels: { capsule_hash: 'h5', risk_score: '0.9' } },
      ],
    };
    const { events, skipped } = parseAlertmanager(doc);
    assert.deepEqual(
      events.map((e) => [e.capsuleHash, e.riskScore, e.heartbeatMisses, e.tenantId]),
      [
        ['h1', 0.86, 3, null],
        ['h2', 0, 16, null],
        ['h3', NaN, 0, 't3'],
        ['h5', 0.9, 0, null],
      ],
    );
    assert.equal(skipped.length, 1);
    assert.match(skipped[0] ?? '', /ServiceDown.*capsule_hash/);
    assert.equal(triage(events[2]!).verdict, 'invalid');
    assert.equal(triage(events[2]!).botDecision, 'no-rollback');
    assert.ok(triage(events[3]!).warnings.some((w) => w.includes('resolved notification')));
  });
  test('a document without alerts is not Alertmanager', () => {
    assert.equal(asAlertmanagerDocument('{"foo":1}'), null);
    assert.equal(asAlertmanagerDocument('{"alerts":{}}'), null);
    assert.ok(asAlertmanagerDocument('  {"alerts":[]}'));
  });
  test('--format alertmanager on something else is a fatal read error', () => {
    const { reader } = readAll('hello', 'alertmanager');
    assert.match(reader.fatal ?? '', /not an Alertmanager webhook document/);
  });
  test('a pretty-printed document spanning many lines is detected', () => {
    const pretty = JSON.stringify(JSON.parse(facts('alertmanager.json')), null, 2);
    const { events, reader } = readAll(pretty);
    assert.equal(reader.stats.format, 'alertmanager');
    assert.equal(events.length, 1);
  });
});

describe('auto format', () => {
  test('log text', () => {
    const { events, reader } = readAll(facts('sample-nocolor.log'));
    assert.equal(events.length, 5);
    assert.equal(reader.stats.format, 'log');
  });
  test('event lines and log text in one input', () => {
    const text = facts('events.jsonl') + facts('sample-nocolor.log');
    const { events, reader } = readAll(text);
    assert.equal(events.length, 9);
    assert.equal(reader.stats.format, 'mixed');
    const log = events.find((e) => e.source === 'log');
    // Line numbers stay those of the whole input.
    assert.equal(log?.origin?.firstLine, 4 + 6);
  });
  test('empty input gives nothing and no error', () => {
    const { events, reader } = readAll('');
    assert.equal(events.length, 0);
    assert.equal(reader.fatal, null);
  });
  test('a lone JSON object that is not an event or a webhook is read as log text (and skipped)', () => {
    const { events, reader } = readAll('{"hello":"world"}\n');
    assert.equal(events.length, 0);
    assert.equal(reader.stats.log.otherLines, 1);
  });
});
