import type { Incident } from '../incidents';
import { shortHash } from '../report';
import type { RollbackInfo } from '../rollbacks';
import { latestRollback } from '../rollbacks';
import { VERDICT_TITLES } from '../triage';
import { redactSecrets } from './redact';

/**
 * An incident summary for a Slack incoming webhook: Block Kit plus the `text` fallback that notifications show.
 * Slack's mrkdwn only needs &, < and > escaped (they start entities and <links|mentions>); secrets are redacted
 * first, controls removed, and every field trimmed to Block Kit's limits so Slack never rejects the payload.
 */
export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const LIMITS = { header: 150, field: 2000, section: 3000, fallback: 3000 };

function clean(s: string): string {
  return redactSecrets(s)
    .replace(/\r\n|[\r\n\u0085\u2028\u2029]/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, '');
}

export function mrkdwnEscape(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts at a code point boundary and never inside an &…; entity. */
function cap(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = [...s.slice(0, max - 1)].join('');
  if (cut.length > max - 1) cut = cut.slice(0, max - 2);
  cut = cut.replace(/&[a-z]*$/, '');
  return `${cut}…`;
}

const field = (label: string, v: string): SlackText => ({
  type: 'mrkdwn',
  text: cap(`*${label}*\n${v}`, LIMITS.field),
});

export interface SlackSummaryInput {
  incident: Incident;
  rollbacks?: readonly RollbackInfo[];
  /** e.g. the report's file name, shown in the context line. */
  reportName?: string;
}

export function buildSlackMessage(input: SlackSummaryInput): SlackMessage {
  const inc = input.incident;
  const r = inc.latest;
  const verdict = VERDICT_TITLES[inc.override?.verdict ?? r.verdict];
  const rb = latestRollback(input.rollbacks ?? []);
  const capsule = inc.capsuleHash ? shortHash(inc.capsuleHash) : 'unknown capsule';
  const tenant = inc.tenantId ?? 'unknown tenant';
  const num = (v: unknown): string => (typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? 'missing'));
  const header = cap(clean(`GuardTrip: ${verdict} — ${capsule}`), LIMITS.header);
  const bot = r.botDecision
    ? `${r.botDecision}${r.disagreement ? ' (disagrees with the playbook)' : ''}`
    : 'no decision';
  const fields = [
    field('Capsule', mrkdwnEscape(inc.capsuleHash ?? '—')),
    field('Tenant', mrkdwnEscape(tenant)),
    field('Risk score', mrkdwnEscape(num(r.riskScore))),
    field('Heartbeat misses', mrkdwnEscape(num(r.heartbeatMisses))),
    field('Bot decision', mrkdwnEscape(bot)),
    field('Rollback', rb ? mrkdwnEscape(`${rb.name} — ${rb.phase ?? 'no phase yet'}`) : 'none'),
  ];
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: header, emoji: false } },
    { type: 'section', fields },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: cap(
            mrkdwnEscape(
              `Path ${r.path.join(' → ')} · ${inc.count} GuardTrip${inc.count === 1 ? '' : 's'} · first ${inc.firstSeen ?? '?'}${input.reportName ? ` · report ${input.reportName}` : ''}`,
            ),
            LIMITS.section,
          ),
        },
      ],
    },
  ];
  if (r.warnings.length > 0) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: cap(r.warnings.map((w) => `• ${mrkdwnEscape(w)}`).join('\n'), LIMITS.section) },
    });
  }
  const text = cap(
    mrkdwnEscape(
      `GuardTrip ${verdict}: capsule ${capsule}, tenant ${tenant}, risk ${num(r.riskScore)}, misses ${num(r.heartbeatMisses)}, bot ${bot}`,
    ),
    LIMITS.fallback,
  );
  return { text, blocks };
}
