import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { HOSTILE_INPUTS, hostileInputs } from '../../src/core/playbook/hostileCorpus';
import {
  checkCapsuleHash,
  checkDnsLabel,
  checkEnvValue,
  checkFreeText,
  checkHost,
  checkLabelKey,
  checkLabelValue,
  checkReleaseHash,
  checkResourceName,
  checkRiskThreshold,
  checkTenantId,
  preview,
} from '../../src/core/playbook/validation';
import { sqlLiteral, tenantUsageSql } from '../../src/core/playbook/tenantQuery';
import { HASH_A } from './helpers';

const STRICT = [
  checkCapsuleHash,
  checkTenantId,
  checkDnsLabel,
  checkResourceName,
  checkLabelValue,
  checkLabelKey,
  checkHost,
  checkReleaseHash,
];
const ALL = [...STRICT, checkEnvValue, checkFreeText, checkRiskThreshold];

function oneLine(error: string): void {
  assert.ok(!/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b\ufeff]/.test(error), error);
  assert.ok(error.length < 200, error);
}

test('valid values pass', () => {
  assert.deepEqual(checkCapsuleHash(HASH_A), { ok: true, value: HASH_A });
  assert.ok(checkTenantId('clz8k1m3p0000ab12cd34ef56').ok);
  assert.ok(checkTenantId('e2e-test-tenant-1754403330').ok);
  assert.ok(checkDnsLabel('monitoring').ok);
  assert.ok(checkResourceName('rollback-1754403330512').ok);
  assert.ok(checkLabelKey('app.kubernetes.io/managed-by').ok);
  assert.ok(checkLabelValue('').ok);
  assert.ok(checkHost('10.0.3.7').ok);
  assert.deepEqual(checkRiskThreshold('0.90'), { ok: true, value: '0.9' });
  assert.deepEqual(checkRiskThreshold(0.85), { ok: true, value: '0.85' });
});

test('errors name the field and the reason in one line', () => {
  assert.deepEqual(checkTenantId("a'; rm -rf / #"), {
    ok: false,
    error: "tenant id: contains a shell/SQL quote or separator ''' (U+0027)",
  });
  assert.deepEqual(checkTenantId('$(reboot)'), {
    ok: false,
    error: "tenant id: contains a shell metacharacter '$' (U+0024)",
  });
  assert.deepEqual(checkTenantId('t\u202efdp'), {
    ok: false,
    error: 'tenant id: contains the invisible or bidi character U+202E (right-to-left override)',
  });
  assert.deepEqual(checkTenantId('a\nb'), {
    ok: false,
    error: 'tenant id: contains the control character U+000A (line feed)',
  });
  assert.deepEqual(checkTenantId('../../etc/passwd'), { ok: false, error: 'tenant id: contains a "../" path segment' });
  assert.deepEqual(checkTenantId('<img src=x onerror=alert(1)>'), {
    ok: false,
    error: "tenant id: contains a shell/Markdown/HTML metacharacter '<' (U+003C)",
  });
  assert.deepEqual(checkTenantId('a'.repeat(500)), {
    ok: false,
    error: 'tenant id: is 500 characters long, at most 128 allowed',
  });
  assert.deepEqual(checkTenantId('--kubeconfig=x'), {
    ok: false,
    error: 'tenant id: starts with "-" (would be read as a command-line option)',
  });
  assert.match((checkCapsuleHash(HASH_A.slice(7)) as { error: string }).error, /add the "sha256:" prefix/);
  assert.match(
    (checkCapsuleHash(HASH_A.toUpperCase().replace('SHA256', 'sha256')) as { error: string }).error,
    /lowercase/,
  );
  assert.match((checkReleaseHash('v0.1.0') as { error: string }).error, /^target release: must be 64 lowercase hex/);
  assert.match((checkHost('-f') as { error: string }).error, /starts with "-"/);
});

test('every strict check refuses every hostile corpus entry except well-formed tokens, with a one-line error', () => {
  for (const h of HOSTILE_INPUTS) {
    for (const check of STRICT) {
      const r = check(h.value);
      if (r.ok) {
        assert.ok(
          (check === checkLabelValue && h.value === '') || h.categories.every((c) => c === 'secret'),
          `${check.name} accepted ${h.id}`,
        );
        continue;
      }
      oneLine(r.error);
    }
  }
});

test('control, bidi and invisible characters are refused even in free text and env values', () => {
  for (const h of [...hostileInputs('control'), ...hostileInputs('bidi'), ...hostileInputs('unicode')]) {
    if (h.id === 'unicode-fullwidth' || h.id === 'unicode-cyrillic-hash') continue;
    for (const check of [checkFreeText, checkEnvValue]) {
      const r = check(h.value);
      assert.ok(!r.ok, `${check.name} accepted ${h.id}`);
      oneLine(r.error);
    }
  }
  assert.ok(checkFreeText('😀 emoji are fine').ok, 'paired surrogates are not "unpaired"');
  assert.ok(!checkCapsuleHash('sha256:\u04304f8b2c1d9e7a6b5c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0').ok);
});

test('checks never throw and always give a one-line error (property)', () => {
  fc.assert(
    fc.property(fc.anything(), (v) => {
      for (const check of ALL) {
        const r = check(v);
        if (!r.ok) oneLine(r.error);
      }
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (v) => {
      for (const check of ALL) {
        const r = check(v);
        if (!r.ok) oneLine(r.error);
      }
    }),
    { numRuns: 500 },
  );
});

test('preview shows controls as escapes and caps the length', () => {
  assert.equal(preview('a\u202eb\n'), 'a\\u202eb\\u000a');
  assert.equal(preview('x'.repeat(100)).length, 41);
});

test('the literal tenant query doubles quotes and only runs for valid ids', () => {
  assert.equal(sqlLiteral("it's"), "'it''s'");
  assert.deepEqual(tenantUsageSql('clz8k1m3p0000ab12cd34ef56'), {
    ok: true,
    value: `SELECT * FROM "UsageEvent" WHERE "tenantId" = 'clz8k1m3p0000ab12cd34ef56' ORDER BY "ts" DESC LIMIT 100;`,
  });
  for (const h of hostileInputs('sql')) assert.ok(!tenantUsageSql(h.value).ok, h.id);
});
