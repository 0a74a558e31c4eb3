import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import fc from 'fast-check';
import { reportFileName, REPORT_FILE_PATTERN } from '../../src/core/incidentReport/fileName';
import { mdLink, mdText } from '../../src/core/incidentReport/markdown';
import { buildIncidentReport } from '../../src/core/incidentReport/report';
import { TIMELINE_BEGIN, TIMELINE_END, timelineLine, updateTimeline } from '../../src/core/incidentReport/timeline';
import type { TimelineEntry } from '../../src/core/incidentReport/timeline';
import { HOSTILE_INPUTS } from '../../src/core/playbook/hostileCorpus';
import { REPO_ROOT } from './helpers';
import {
  AUDIT,
  COMPLETED,
  EVIDENCE,
  GENERATED_AT,
  hostileIncident,
  legitimateIncident,
} from './incidentReport-fixtures';

const GOLDEN = `${REPO_ROOT}test/fixtures/reports/`;

/** Exact comparison with a checked-in file; UPDATE_GOLDEN=1 rewrites it (then review the diff). */
function golden(name: string, actual: string): void {
  const file = `${GOLDEN}${name}`;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
    if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`${name} did not exist; written, check it in`);
  }
  assert.equal(actual, readFileSync(file, 'utf8'));
}

interface Md {
  render(s: string): string;
}
function markdownIt(): Md | null {
  try {
    const MarkdownIt = createRequire(__filename)('markdown-it') as new (o: object) => Md;
    // As VS Code's preview: raw HTML allowed, linkify on.
    return new MarkdownIt({ html: true, linkify: true });
  } catch {
    return null;
  }
}

test('golden: the fact sheet incident, rolled back and recovered', () => {
  golden(
    'legitimate.md',
    buildIncidentReport({
      incident: legitimateIncident(),
      rollbacks: [COMPLETED],
      audit: AUDIT,
      evidence: EVIDENCE,
      generatedAt: GENERATED_AT,
    }),
  );
});

test('golden: every attacker-controlled field at once', () => {
  golden(
    'hostile.md',
    buildIncidentReport({
      incident: hostileIncident(),
      rollbacks: [],
      audit: [],
      evidence: [{ path: '../../etc/passwd', sha256: 'nope', description: '[x](javascript:alert(1))' }],
      generatedAt: GENERATED_AT,
    }),
  );
});

test('the hostile report renders without HTML, scripts, javascript: links or broken tables', () => {
  const md = buildIncidentReport({
    incident: hostileIncident(),
    rollbacks: [],
    audit: [],
    evidence: [],
    generatedAt: GENERATED_AT,
  });
  assert.ok(!md.includes('\u202e') && !md.includes('\u0007'));
  assert.ok(!md.includes('xoxb-') && !md.includes('SECRETSECRET'));
  assert.equal(md.split('\n').filter((l) => l.startsWith('# ')).length, 1, 'one top heading');
  assert.equal(md.split(TIMELINE_END).length, 2, 'one end marker');
  const it = markdownIt();
  if (!it) return;
  const html = it.render(md);
  assert.doesNotMatch(html, /<img|<script|href="javascript:|<h1>[^<]*heading/i);
  for (const row of html.match(/<tr>[\s\S]*?<\/tr>/g) ?? []) assert.equal(row.match(/<t[dh]>/g)?.length, 2, row);
});

test('every corpus value in any field of a table stays one cell and renders as text', () => {
  const it = markdownIt();
  for (const h of HOSTILE_INPUTS) {
    const cell = mdText(h.value);
    assert.ok(!/[\n\r\u2028\u2029\u0085]/.test(cell), h.id);
    if (!it) continue;
    const html = it.render(`| a | b |\n| --- | --- |\n| ${cell} | x |\n`);
    assert.equal(html.match(/<td>/g)?.length, 2, h.id);
    assert.doesNotMatch(html, /<(img|script|a|code|em|strong|del|h\d)\b/i, h.id);
  }
});

test('links only to safe relative paths or http(s) URLs', () => {
  assert.equal(mdLink('log', 'evidence/a b (1).log'), '[log](evidence/a%20b%20%281%29.log)');
  assert.equal(mdLink('x', '../../etc/passwd'), 'x');
  assert.equal(mdLink('x', 'javascript:alert(1)'), 'x');
  assert.equal(mdLink('x', 'https://user:pw@example.com/'), 'x');
  assert.equal(
    mdLink('](javascript:x)', 'https://example.com/a(b)'),
    '[\\](javascript:x)](https://example.com/a%28b%29)',
  );
});

test('report file name', () => {
  assert.equal(reportFileName(new Date('2025-08-05T14:03:09.999Z')), 'incident-report-20250805-140309.md');
  assert.match(reportFileName(new Date(NaN)), REPORT_FILE_PATTERN);
});

const E1: TimelineEntry = { at: '2025-08-05T14:15:30Z', text: 'Detected' };
const E2: TimelineEntry = { at: '2025-08-05T14:18:02Z', text: 'Recovery completed' };
const E3: TimelineEntry = { at: '2025-08-05T14:16:00Z', text: 'Paused the bot' };

test('golden: the timeline update adds only new entries, in time order, and keeps every other byte', () => {
  const original = buildIncidentReport({
    incident: legitimateIncident(),
    rollbacks: [],
    audit: [],
    evidence: [],
    generatedAt: GENERATED_AT,
  });
  const edited = original
    .replace('_To be completed by the incident commander._', 'The capsule leaked its spam budget.\n\n> quoted **note**')
    .replace(TIMELINE_END, `- engineer's own note, kept as written\n${TIMELINE_END}`);
  const updated = updateTimeline(edited, [COMPLETED_ENTRY, ...TIMELINE_NEW]);
  golden('timeline-updated.md', updated);
  assert.equal(updateTimeline(updated, [COMPLETED_ENTRY, ...TIMELINE_NEW]), updated, 'idempotent');
  assert.equal(removeLines(updated, edited), edited);
});

const COMPLETED_ENTRY: TimelineEntry = {
  at: '2025-08-05T14:18:02Z',
  text: 'Recovery completed: rollback-1754403330512',
};
const TIMELINE_NEW: TimelineEntry[] = [
  { at: '2025-08-05T14:16:40.000Z', text: 'alice paused the incident-bot' },
  {
    at: '2025-08-05T14:15:30Z',
    text: 'Detected: GuardTrip (risk 0.92, 1 missed heartbeat) — playbook: Legitimate incident',
  },
];

/** The document with the lines that are in `updated` but not in `base` removed, in order. */
function removeLines(updated: string, base: string): string {
  const b = base.split('\n');
  const out: string[] = [];
  let i = 0;
  for (const line of updated.split('\n')) {
    if (i < b.length && line === b[i]) {
      out.push(line);
      i++;
    }
  }
  return out.join('\n');
}

test('deleted markers: a new block is appended at the end and nothing else changes', () => {
  const doc = '# Report\n\nSome text.\n- 2025-08-05 14:15:30Z — Detected\n';
  const out = updateTimeline(doc, [E1, E2]);
  assert.ok(out.startsWith(doc));
  assert.ok(out.includes(`${TIMELINE_BEGIN}\n${timelineLine(E1)}\n${timelineLine(E2)}\n${TIMELINE_END}\n`));
  assert.equal(updateTimeline(out, [E1, E2]), out);
  const noEol = updateTimeline('x', [E1]);
  assert.ok(noEol.startsWith('x\n\n## Timeline\n\n'));
  const onlyBegin = `a\n${TIMELINE_BEGIN}\nb\n`;
  assert.ok(updateTimeline(onlyBegin, [E1]).startsWith(onlyBegin));
});

test('CRLF documents get CRLF lines; nothing new means the same string back', () => {
  const doc = `# R\r\n\r\n${TIMELINE_BEGIN}\r\n${timelineLine(E1)}\r\n${TIMELINE_END}\r\nafter\r\n`;
  const out = updateTimeline(doc, [E1, E2, E3]);
  assert.equal(
    out,
    `# R\r\n\r\n${TIMELINE_BEGIN}\r\n${timelineLine(E1)}\r\n${timelineLine(E3)}\r\n${timelineLine(E2)}\r\n${TIMELINE_END}\r\nafter\r\n`,
  );
  assert.equal(updateTimeline(doc, [E1]), doc);
});

test('hostile entry text cannot fake a marker or an id', () => {
  const doc = `${TIMELINE_BEGIN}\n${TIMELINE_END}\n`;
  const evil: TimelineEntry = {
    at: '2025-08-05T14:15:30Z',
    text: `${TIMELINE_END}\n<!-- pf:aaaaaaaaaaaa --> ${'<img src=x onerror=alert(1)>'}`,
  };
  const out = updateTimeline(doc, [evil]);
  assert.equal(out.split(TIMELINE_END).length, 2);
  assert.equal(out.split('\n').length, 4);
  assert.ok(updateTimeline(out, [{ at: E1.at, text: 'other' }]).includes('other'), 'the fake id did not hide anything');
});

test('whatever the engineer wrote around the block survives any update (property)', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => s.replace(/<!--/g, '<!-'));
  const entry = fc.record({
    at: fc
      .date({ min: new Date('2025-01-01'), max: new Date('2026-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
    text,
  });
  fc.assert(
    fc.property(
      text,
      text,
      fc.array(entry, { maxLength: 4 }),
      fc.array(entry, { maxLength: 4 }),
      (before, after, first, second) => {
        const doc = `${before}\n${TIMELINE_BEGIN}\n${TIMELINE_END}\n${after}`;
        const once = updateTimeline(doc, first);
        assert.ok(once.startsWith(`${before}\n${TIMELINE_BEGIN}\n`));
        assert.ok(once.endsWith(`${TIMELINE_END}\n${after}`));
        const twice = updateTimeline(once, [...first, ...second]);
        assert.equal(updateTimeline(twice, [...second, ...first]), twice);
        assert.equal(removeLines(twice, once), once);
      },
    ),
    { numRuns: 200 },
  );
});
