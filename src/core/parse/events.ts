import type { GuardTripInput } from '../guardTrip';
import { botSchemaProblems } from '../guardTrip';

export type EventLineResult = { ok: true; event: GuardTripInput } | { ok: false; error: string };

/** True for a line that `auto` format reads as a GuardTrip event: a JSON object with `eventType` or `capsuleHash`. */
export function looksLikeEventLine(line: string): boolean {
  const t = line.trimStart();
  return t.startsWith('{') && (t.includes('"eventType"') || t.includes('"capsuleHash"'));
}

/** Parses one Kafka message body (a GuardTrip JSON object). Bad JSON is an error; bad scores are left to triage. */
export function parseEventLine(line: string, lineNo?: number, file?: string): EventLineResult {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not valid JSON' };
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return { ok: false, error: 'not a JSON object' };
  return { ok: true, event: eventFromObject(obj as Record<string, unknown>, 'event', lineNo, file, line) };
}

export function eventFromObject(
  o: Record<string, unknown>,
  source: 'event',
  lineNo?: number,
  file?: string,
  raw?: string,
): GuardTripInput {
  const notes: string[] = [];
  const problems = botSchemaProblems(o);
  if (problems.length > 0) {
    notes.push(`The incident-bot's schema check would reject this event: ${problems.join('; ')}.`);
  }
  return {
    capsuleHash: typeof o.capsuleHash === 'string' ? o.capsuleHash : null,
    tenantId: typeof o.tenantId === 'string' ? o.tenantId : null,
    riskScore: o.riskScore,
    heartbeatMisses: o.heartbeatMisses,
    ts: typeof o.ts === 'string' ? o.ts : null,
    source,
    ...(typeof o.reason === 'string' ? { reason: o.reason } : {}),
    ...(notes.length ? { notes } : {}),
    ...(lineNo !== undefined
      ? {
          origin: {
            ...(file ? { file } : {}),
            firstLine: lineNo,
            lastLine: lineNo,
            ...(raw !== undefined ? { lines: [raw.length > 2000 ? raw.slice(0, 2000) + '…' : raw] } : {}),
          },
        }
      : {}),
  };
}
