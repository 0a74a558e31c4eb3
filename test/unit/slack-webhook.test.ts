import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSlackMessage } from '../../src/core/incidentReport/slack';
import { IncidentBook } from '../../src/core/incidents';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { previewText, scrubUrl, webhookUrlProblem } from '../../src/slack/webhookUrl';

test('webhook URLs: https, or http to this machine only; no credentials or whitespace', () => {
  assert.equal(webhookUrlProblem('https://hooks.slack.com/services/T000/B000/XXXX'), null);
  assert.equal(webhookUrlProblem('http://127.0.0.1:4567/hook'), null);
  assert.equal(webhookUrlProblem('http://localhost/hook'), null);
  for (const bad of [
    '',
    ' ',
    'http://hooks.slack.com/x',
    'ftp://x',
    'https://u:p@hooks.slack.com/x',
    'https://a b',
    'nope',
    'https://x/\n',
  ]) {
    assert.ok(webhookUrlProblem(bad), bad);
  }
  assert.ok(webhookUrlProblem(undefined));
});

test('errors never carry the webhook URL or its secret path', () => {
  const url = 'https://hooks.slack.com/services/T000/B000/SECRETSECRET';
  const out = scrubUrl(
    `request to ${url} failed; path /services/T000/B000/SECRETSECRET and services/T000/B000/SECRETSECRET`,
    url,
  );
  assert.ok(!out.includes('SECRETSECRET'), out);
});

test('the preview is the exact text of every block', () => {
  const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 0 });
  const { incident } = book.add({
    capsuleHash: `sha256:${'a'.repeat(64)}`,
    tenantId: 'x <@U123> https://hooks.slack.com/services/T/B/C',
    riskScore: 0.92,
    heartbeatMisses: 1,
    ts: '2025-08-05T14:15:29Z',
    source: 'event',
  } as never);
  const m = buildSlackMessage({ incident });
  const p = previewText(m);
  for (const b of m.blocks) {
    if (b.type === 'header') assert.ok(p.includes(b.text.text));
    if (b.type === 'section') for (const f of b.fields ?? []) assert.ok(p.includes(f.text.replace('\n', ': ')));
  }
  assert.ok(p.includes(m.text));
  assert.ok(!p.includes('hooks.slack.com'));
  assert.ok(!p.includes('<@U123>'));
});
