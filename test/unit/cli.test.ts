import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { HASH_A, REPO_ROOT } from './helpers';

const CLI = path.join(REPO_ROOT, 'dist/cli.js');
const FACTS = path.join(REPO_ROOT, 'test/fixtures/facts');

function run(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { input: input ?? '', encoding: 'utf8', cwd: REPO_ROOT });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const json = (out: string): Record<string, unknown>[] =>
  out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const CONTRACT = [
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
];

describe('pf-incident triage (the CLI contract)', () => {
  test('the bundle exists (npm run build)', () => assert.ok(fs.existsSync(CLI), `${CLI} missing: run npm run build`));

  test('--json prints one object per incident with every contract field', () => {
    const r = run(['triage', '--json', path.join(FACTS, 'sample-nocolor.log')]);
    assert.equal(r.code, 0, r.stderr);
    const rows = json(r.stdout);
    assert.equal(rows.length, 5);
    for (const row of rows) for (const k of CONTRACT) assert.ok(k in row, `missing ${k}`);
    assert.deepEqual(
      rows.map((x) => x.verdict),
      ['legitimate', 'false-positive-thresholds', 'false-positive-network', 'invalid', 'legitimate'],
    );
    assert.deepEqual(rows[0]?.path, ['A', 'B', 'C', 'E', 'H', 'D', 'M', 'N', 'O']);
    assert.equal(rows[0]?.source, 'log');
    assert.equal(rows[0]?.tenantId, null);
    assert.equal(rows[3]?.error !== undefined && String(rows[3]?.error).includes('riskScore'), true);
    assert.equal(rows[1]?.disagreement, true);
  });

  test('standard input with and without -', () => {
    const input = fs.readFileSync(path.join(FACTS, 'events.jsonl'), 'utf8');
    assert.equal(json(run(['triage', '--json'], input).stdout).length, 4);
    assert.equal(json(run(['triage', '--json', '-'], input).stdout).length, 4);
  });

  test('several files, in order', () => {
    const r = run(['triage', '--json', path.join(FACTS, 'events.jsonl'), path.join(FACTS, 'alertmanager.json')]);
    const rows = json(r.stdout);
    assert.equal(rows.length, 5);
    assert.equal(rows[4]?.source, 'alertmanager');
  });

  test('--format forces a reader; alertmanager skips are noted on stderr', () => {
    const doc = JSON.stringify({
      alerts: [{ labels: { alertname: 'ServiceDown' } }, { labels: { capsule_hash: HASH_A, risk_score: '0.9' } }],
    });
    const r = run(['triage', '--json', '--format', 'alertmanager'], doc);
    assert.equal(r.code, 0);
    assert.equal(json(r.stdout).length, 1);
    assert.match(r.stderr, /no capsule_hash label/);
  });

  test('threshold options change the verdict and the bot decision', () => {
    const line = JSON.stringify({
      capsuleHash: HASH_A,
      tenantId: 't',
      riskScore: 0.85,
      heartbeatMisses: 0,
      ts: '2025-08-05T14:15:29Z',
      eventType: 'guard_trip',
    });
    const base = json(run(['triage', '--json'], line).stdout)[0];
    assert.equal(base?.verdict, 'legitimate');
    const tuned = json(run(['triage', '--json', '--risk-high', '0.9', '--bot-risk=0.95'], line).stdout)[0];
    assert.equal(tuned?.verdict, 'false-positive-network');
    assert.equal(tuned?.botDecision, 'no-rollback');
    const m = json(run(['triage', '--json', '--risk-high', '0.9', '--misses', '0'], line).stdout)[0];
    assert.equal(m?.verdict, 'legitimate');
    const low = json(
      run(['triage', '--json', '--risk-low', '0.9', '--risk-high', '0.95', '--risk-monitor', '0.1'], line).stdout,
    )[0];
    assert.equal(low?.verdict, 'false-positive-thresholds');
    const bm = json(
      run(
        ['triage', '--json', '--bot-misses', '0'],
        JSON.stringify({ capsuleHash: 'x', riskScore: 0.1, heartbeatMisses: 0 }),
      ).stdout,
    )[0];
    assert.equal(bm?.botDecision, 'rollback');
  });

  test('the table names verdicts and disagreements', () => {
    const r = run(['triage', path.join(FACTS, 'events.jsonl')]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /VERDICT/);
    assert.match(r.stdout, /false-positive-thresholds/);
    assert.match(r.stdout, /DISAGREES/);
    assert.match(r.stdout, /4 incident\(s\)/);
  });

  const usage: [string, string[]][] = [
    ['no command', []],
    ['unknown command', ['frobnicate']],
    ['unknown option', ['triage', '--nope']],
    ['bad number', ['triage', '--risk-low', 'abc']],
    ['missing value', ['triage', '--risk-high']],
    ['bad format', ['triage', '--format', 'xml']],
    ['inconsistent thresholds', ['triage', '--risk-low', '0.9', '--risk-high', '0.5']],
    ['out of range', ['triage', '--bot-risk', '7']],
    ['fractional misses', ['triage', '--misses', '2.5']],
    ['stdin twice', ['triage', '-', '-']],
  ];
  for (const [name, args] of usage) {
    test(`usage error: ${name} -> exit 2, one line, no stack`, () => {
      const r = run(args);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
  }

  test('unreadable files: missing, a directory, no permission -> exit 2, one line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-cli-'));
    const locked = path.join(dir, 'locked.log');
    fs.writeFileSync(locked, 'x');
    fs.chmodSync(locked, 0o000);
    const cases = [path.join(dir, 'missing.log'), dir];
    // root can read mode-000 files, so that case only proves something for other users.
    if (process.getuid?.() !== 0) cases.push(locked);
    for (const f of cases) {
      const r = run(['triage', f]);
      assert.equal(r.code, 2, f);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.match(r.stderr, /^pf-incident: cannot read /);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('an unreadable file is reported before anything is printed', () => {
    const r = run(['triage', '--json', path.join(FACTS, 'events.jsonl'), '/nonexistent/x.log']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
  });

  test('invalid events still exit 0', () => {
    const r = run(['triage', '--json'], '{"capsuleHash":"x","riskScore":7,"heartbeatMisses":-1}\n');
    assert.equal(r.code, 0);
    assert.equal(json(r.stdout)[0]?.verdict, 'invalid');
  });

  test('NaN stays visible in JSON output', () => {
    const doc = JSON.stringify({ alerts: [{ labels: { capsule_hash: 'h', risk_score: 'high' } }] });
    const row = json(run(['triage', '--json'], doc).stdout)[0];
    assert.equal(row?.riskScore, 'NaN');
    assert.equal(row?.verdict, 'invalid');
  });

  test('hostile ids cannot put terminal escapes in the table', () => {
    const line = JSON.stringify({
      capsuleHash: 'sha256:\u001b[31mEVIL\u001b[0m',
      tenantId: '\u202eevil\u0007',
      riskScore: 0.9,
      heartbeatMisses: 0,
    });
    const r = run(['triage'], line);
    assert.equal(r.code, 0);
    assert.doesNotMatch(r.stdout, /\u001b|\u0007|\u202e/);
  });

  test('--help and --version', () => {
    assert.match(run(['--help']).stdout, /usage: pf-incident triage/);
    assert.match(run(['triage', '--help']).stdout, /--risk-low/);
    assert.match(run(['--version']).stdout, /^pf-incident \d+\.\d+\.\d+/);
  });
});
