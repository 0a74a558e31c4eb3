import { fnv1a64 } from '../hash';
import type { Incident } from '../incidents';
import type { AuditEntry } from '../playbook/audit';
import { stepById } from '../playbook/steps';
import type { RollbackInfo } from '../rollbacks';
import { VERDICT_TITLES } from '../triage';
import { mdText } from './markdown';

/**
 * The report's timeline is the one part the extension keeps writing after the engineer starts editing. It lives
 * between two HTML comments; each entry carries its id in a trailing comment, so an update adds only what is new
 * and touches no byte outside the inserted lines.
 */
export const TIMELINE_BEGIN = '<!-- pf-incident:timeline:begin (maintained by PF Incident Response; edit outside) -->';
export const TIMELINE_END = '<!-- pf-incident:timeline:end -->';
const BEGIN_RE = /^<!-- pf-incident:timeline:begin\b.*-->\s*$/;
const END_RE = /^<!-- pf-incident:timeline:end -->\s*$/;
const ID_RE = /<!-- pf:([0-9a-f]{12}) -->/g;
const LINE_TIME_RE = /^- (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z) /;

export interface TimelineEntry {
  /** ISO-8601. */
  at: string;
  text: string;
}

export function timelineEntryId(e: TimelineEntry): string {
  return fnv1a64(`${e.at}\u0000${e.text}`).slice(0, 12);
}

/** `2025-08-05 14:15:29Z`: sortable as text, readable, independent of the reader's zone. */
export function displayTime(iso: string): string | null {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return null;
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

export function timelineLine(e: TimelineEntry): string {
  const when = displayTime(e.at) ?? `(time unknown: ${mdText(e.at)})`;
  return `- ${when} — ${mdText(e.text)} <!-- pf:${timelineEntryId(e)} -->`;
}

function sortKey(e: TimelineEntry): string {
  return displayTime(e.at) ?? '\uffff';
}

function uniqueSorted(entries: readonly TimelineEntry[], skip: ReadonlySet<string>): TimelineEntry[] {
  const seen = new Set(skip);
  const out: TimelineEntry[] = [];
  for (const e of entries) {
    const id = timelineEntryId(e);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(e);
  }
  // Stable: equal times keep the caller's order (detected before decided before created).
  return out
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (sortKey(a.e) < sortKey(b.e) ? -1 : sortKey(a.e) > sortKey(b.e) ? 1 : a.i - b.i))
    .map((x) => x.e);
}

export function renderTimelineBlock(entries: readonly TimelineEntry[], eol = '\n'): string {
  return [TIMELINE_BEGIN, ...uniqueSorted(entries, new Set()).map(timelineLine), TIMELINE_END].join(eol);
}

/** Splits keeping each line's terminator, so joining the pieces gives back the exact input. */
function splitKeep(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

/**
 * Adds the entries that are not yet anywhere in the document (by id) to its timeline block, each before the first
 * existing entry with a later time. Without an intact block (the engineer deleted a marker) a new block is
 * appended at the end. Returns the input unchanged, byte for byte, when there is nothing new.
 */
export function updateTimeline(markdown: string, entries: readonly TimelineEntry[]): string {
  const present = new Set<string>();
  for (const m of markdown.matchAll(ID_RE)) present.add(m[1] as string);
  const fresh = uniqueSorted(entries, present);
  if (fresh.length === 0) return markdown;
  const eol = markdown.includes('\r\n') ? '\r\n' : '\n';
  const lines = splitKeep(markdown);
  const bare = (l: string): string => l.replace(/\r?\n$|\r$/, '');
  const end = lines.findIndex((l, i) => END_RE.test(bare(l)) && lines.slice(0, i).some((b) => BEGIN_RE.test(bare(b))));
  if (end < 0) {
    const sep = markdown === '' ? '' : /(\r\n|\r|\n)$/.test(markdown) ? eol : eol + eol;
    return `${markdown}${sep}## Timeline${eol}${eol}${renderTimelineBlock(fresh, eol)}${eol}`;
  }
  let begin = end - 1;
  while (!BEGIN_RE.test(bare(lines[begin] as string))) begin--;
  const block = lines.slice(begin + 1, end);
  for (const e of fresh) {
    const key = sortKey(e);
    let at = block.findIndex((l) => {
      const m = LINE_TIME_RE.exec(bare(l));
      return m !== null && (m[1] as string) > key;
    });
    if (at < 0) at = block.length;
    block.splice(at, 0, `${timelineLine(e)}${eol}`);
  }
  return [...lines.slice(0, begin + 1), ...block, ...lines.slice(end)].join('');
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Everything known about an incident, as timeline entries: GuardTrips, bot actions, Rollback phases, engineers. */
export function timelineFromIncident(
  inc: Incident,
  rollbacks: readonly RollbackInfo[],
  audit: readonly AuditEntry[],
): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  inc.events.forEach((ev, i) => {
    if (!ev.ts) return;
    const scores =
      typeof ev.riskScore === 'number' && typeof ev.heartbeatMisses === 'number'
        ? `risk ${ev.riskScore}, ${plural(ev.heartbeatMisses, 'missed heartbeat')}`
        : 'invalid scores';
    out.push({
      at: ev.ts,
      text: `${i === 0 ? 'Detected: ' : ''}GuardTrip (${scores}) — playbook: ${VERDICT_TITLES[ev.verdict]}`,
    });
    if (ev.bot?.rollbackName) {
      out.push({ at: ev.ts, text: `Bot decided to roll back and created Rollback ${ev.bot.rollbackName}` });
    } else if (ev.bot?.rollbackError) {
      out.push({ at: ev.ts, text: `Bot decided to roll back; creating the Rollback failed: ${ev.bot.rollbackError}` });
    } else if (ev.botDecisionSource === 'log' && ev.botDecision === 'no-rollback') {
      out.push({ at: ev.ts, text: 'Bot decided: no rollback' });
    }
  });
  for (const rb of rollbacks) {
    const what = `Rollback ${rb.name} (reason ${rb.reason ?? '?'}, target ${rb.targetRelease ?? '?'})`;
    if (rb.createdAt) out.push({ at: rb.createdAt, text: `${what} created` });
    if (rb.startedAt) out.push({ at: rb.startedAt, text: `Rollback initiated: ${rb.name} in progress` });
    if (rb.completedAt && rb.phase === 'Completed') {
      out.push({ at: rb.completedAt, text: `Recovery completed: ${rb.name}${rb.message ? ` — ${rb.message}` : ''}` });
    } else if (rb.completedAt && rb.phase === 'Failed') {
      out.push({ at: rb.completedAt, text: `Rollback ${rb.name} failed${rb.message ? `: ${rb.message}` : ''}` });
    }
  }
  for (const a of audit) {
    const obj = `${a.object.kind} ${a.object.namespace ? `${a.object.namespace}/` : ''}${a.object.name}`;
    const outcome = a.dryRun ? 'dry run' : a.outcome;
    out.push({
      at: a.when,
      text: `${a.who} ran "${stepById(a.step).title}" on ${obj} (context ${a.context}): ${outcome}${a.message ? ` — ${a.message}` : ''}`,
    });
  }
  if (inc.override) {
    const by = inc.override.by ? ` by ${inc.override.by}` : '';
    const why = inc.override.reason ? `: ${inc.override.reason}` : '';
    out.push({ at: inc.override.at, text: `Verdict set to ${VERDICT_TITLES[inc.override.verdict]}${by}${why}` });
  }
  return out;
}
