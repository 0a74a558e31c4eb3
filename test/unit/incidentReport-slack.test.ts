import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactSecrets } from '../../src/core/incidentReport/redact';
import type { SlackBlock } from '../../src/core/incidentReport/slack';
import { buildSlackMessage, mrkdwnEscape } from '../../src/core/incidentReport/slack';
import { HOSTILE_INPUTS } from '../../src/core/playbook/hostileCorpus';
import { IncidentBook } from '../../src/core/incidents';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { ev } from './helpers';
import { COMPLETED, hostileIncident, legitimateIncident } from './incidentReport-fixtures';

function texts(blocks: SlackBlock[]): { type: string; text: string }[] {
  const out: { type: string; text: string }[] = [];
  for (const b of blocks) {
    if (b.type === 'header') out.push(b.text);
    if (b.type === 'section') out.push(...(b.text ? [b.text] : []), ...(b.fields ?? []));
    if (b.type === 'context') out.push(...b.elements);
  }
  return out;
}

test('summary: header, six fields, context; fallback text says it all in one line', () => {
  const m = buildSlackMessage({
    incident: legitimateIncident(),
    rollbacks: [COMPLETED],
    reportName: 'incident-report-20250805-143000.md',
  });
  assert.deepEqual(
    m.blocks.map((b) => b.type),
    ['header', 'section', 'context'],
  );
  assert.deepEqual(m.blocks[0], {
    type: 'header',
    text: { type: 'plain_text', text: 'GuardTrip: Legitimate incident — sha256:4f8b2c1d…1b0c', emoji: false },
  });
  const fields = (m.blocks[1] as { fields: { text: string }[] }).fields.map((f) => f.text);
  assert.equal(fields.length, 6);
  assert.equal(fields[5], '*Rollback*\nrollback-1754403330512 — Completed');
  assert.equal(
    m.text,
    'GuardTrip Legitimate incident: capsule sha256:4f8b2c1d…1b0c, tenant clz8k1m3p0000ab12cd34ef56, risk 0.86, misses 1, bot rollback',
  );
});

test('mrkdwn escaping and secret redaction', () => {
  assert.equal(mrkdwnEscape('<!channel> & <https://x|y>'), '&lt;!channel&gt; &amp; &lt;https://x|y&gt;');
  assert.equal(
    redactSecrets('token xoxb-1234567890-abcdef and xoxp-99999999-aaaa'),
    'token [redacted Slack token] and [redacted Slack token]',
  );
  assert.equal(
    redactSecrets('POST https://hooks.slack.com/services/T000/B000/XXXX now'),
    'POST [redacted webhook URL] now',
  );
  assert.equal(redactSecrets('Authorization: Bearer abcdefgh12345678'), 'Authorization: Bearer [redacted]');
  assert.equal(
    redactSecrets('ALERTMANAGER_WEBHOOK_SECRET=test-webhook-secret'),
    'ALERTMANAGER_WEBHOOK_SECRET=[redacted]',
  );
  assert.equal(
    redactSecrets('postgresql://pf_user:pf_password@postgres:5432/db'),
    'postgresql://[redacted]@postgres:5432/db',
  );
});

test('hostile values: no raw <, >, & entity breaks, control characters or secrets in any text; limits kept', () => {
  const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 0 });
  const incidents = [
    hostileIncident(),
    ...HOSTILE_INPUTS.map((h) => book.add(ev(0.9, 0, { tenantId: h.value, capsuleHash: h.value })).incident),
  ];
  for (const inc of incidents) {
    const m = buildSlackMessage({ incident: inc });
    for (const t of [...texts(m.blocks), { type: 'mrkdwn', text: m.text }]) {
      if (t.type === 'mrkdwn') assert.doesNotMatch(t.text.replace(/&(amp|lt|gt);/g, ''), /[<>&]/, t.text.slice(0, 80));
      assert.doesNotMatch(t.text, /[\u0000-\u0009\u000b-\u001f\u202e\u2028]/);
      assert.doesNotMatch(t.text, /xox[abp]-|hooks\.slack\.com|eyJhbGci/);
    }
    const header = m.blocks[0] as { text: { text: string } };
    assert.ok(header.text.text.length <= 150);
    for (const f of (m.blocks[1] as { fields: { text: string }[] }).fields) assert.ok(f.text.length <= 2000);
    assert.ok(m.text.length <= 3000);
  }
});
