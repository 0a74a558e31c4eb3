import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readBundle } from '../../src/bundle/readBundle';
import { writeBundle } from '../../src/bundle/writeBundle';
import { isSafeRelativePath, parseManifest } from '../../src/core/bundleManifest';
import { REPO_ROOT } from './helpers';

const SAMPLE = fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/logs/timestamps.log'), 'utf8');

test('a written bundle reads back: logs, Rollbacks, env, metrics, integrity', () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pf-b-')), 'snap');
  writeBundle(dir, {
    title: 't',
    source: { kind: 'cluster', context: 'ctx', namespace: 'monitoring' },
    logs: [{ pod: '../../evil pod', text: SAMPLE }],
    rollbacks: [
      {
        metadata: { name: 'rollback-1754403330512', creationTimestamp: '2025-08-05T14:15:30Z' },
        spec: { reason: 'high_risk' },
        status: { phase: 'Completed' },
      },
    ],
    deployment: {
      spec: {
        template: {
          spec: { containers: [{ name: 'incident-bot', env: [{ name: 'RISK_SCORE_THRESHOLD', value: '0.9' }] }] },
        },
      },
    },
    metrics: [{ at: '2025-08-05T14:16:00Z', text: 'incident_bot_active_rollbacks 0\n' }],
  });
  const b = readBundle(dir);
  assert.deepEqual(b.problems, []);
  assert.equal(b.manifest.logs[0]?.path, 'logs/__.._evil_pod.log');
  assert.ok(b.events.length >= 10);
  assert.equal(b.rollbacks[0]?.phase, 'Completed');
  assert.equal(b.botEnv?.RISK_SCORE_THRESHOLD, '0.9');
  assert.equal(b.metrics.length, 1);
  assert.throws(() => writeBundle(dir, { title: 'x', source: { kind: 'demo' }, logs: [] }), /already exists/);
});

test('manifest validation refuses unsafe paths and bad shapes', () => {
  for (const p of ['/etc/passwd', '../x', 'a/../../b', 'a\\b', '', 'a//b', './a', 'a\u0000b']) {
    assert.equal(isSafeRelativePath(p), false, p);
  }
  assert.equal(isSafeRelativePath('logs/pod-1.log'), true);
  const base = {
    format: 'pf-incident-bundle',
    version: 1,
    createdAt: 'x',
    source: { kind: 'demo' },
    logs: [],
    metrics: [],
    sha256: {},
  };
  assert.equal(parseManifest(JSON.stringify(base)).ok, true);
  assert.equal(parseManifest('{').ok, false);
  assert.equal(parseManifest(JSON.stringify({ ...base, version: 2 })).ok, false);
  assert.equal(parseManifest(JSON.stringify({ ...base, logs: [{ pod: 'p', path: '../../x' }] })).ok, false);
  assert.equal(parseManifest(JSON.stringify({ ...base, sha256: { 'a.log': 'nothex' } })).ok, false);
});
