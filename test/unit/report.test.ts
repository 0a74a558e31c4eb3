import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sanitizeText, stripAnsi } from '../../src/core/parse/ansi';
import { formatTable, shortHash, toJsonRecord } from '../../src/core/report';
import { triage } from '../../src/core/triage';
import { ev, HASH_A } from './helpers';

test('shortHash keeps prefix, first 8 and last 4 hex digits', () => {
  assert.equal(shortHash(HASH_A), 'sha256:4f8b2c1d…1b0c');
  assert.equal(shortHash('test-capsule-hash'), 'test-capsule-hash');
  assert.equal(shortHash(null), '(unknown capsule)');
  assert.equal(shortHash('x'.repeat(100)).length, 22);
});

test('ANSI and control characters are removed or made visible', () => {
  assert.equal(stripAnsi('\x1b[33mWARN\x1b[39m \x1b[38;5;3m[Ctx] \x1b[39m'), 'WARN [Ctx] ');
  assert.equal(sanitizeText('a\u0007b\u202ec'), 'a\\u0007b\\u202ec');
});

test('JSON records carry the contract fields in order', () => {
  const rec = toJsonRecord(triage(ev(0.5, 3)));
  assert.deepEqual(Object.keys(rec).slice(0, 13), [
    'capsuleHash',
    'tenantId',
    'riskScore',
    'heartbeatMisses',
    'ts',
    'source',
    'verdict',
    'path',
    'riskBand',
    'heartbeatBand',
    'botDecision',
    'disagreement',
    'warnings',
  ]);
  const bad = toJsonRecord(triage(ev(0.5, -3)));
  assert.equal(bad.errorField, 'heartbeatMisses');
  assert.match(String(bad.error), /heartbeatMisses/);
});

test('the table sanitizes hostile cells', () => {
  const t = formatTable([triage(ev(0.9, 0, { tenantId: '\'; DROP TABLE "UsageEvent"; --\u001b[2J' }))]);
  assert.doesNotMatch(t, /\u001b/);
  assert.match(t, /DROP TABLE/);
});
