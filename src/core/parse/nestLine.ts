/** One NestJS ConsoleLogger entry, after ANSI colours and kubectl prefixes are removed. */
export interface NestEntry {
  pid: number;
  level: 'LOG' | 'WARN' | 'ERROR' | 'DEBUG' | 'VERBOSE' | 'FATAL';
  context: string;
  message: string;
  /** The timestamp as printed (`08/05/2025, 2:15:30 PM`); convert with `nestTimeToIso` when needed. */
  rawTime: string;
}

const MS_SUFFIX = / \+\d+ms$/;
const LEVELS = new Set(['LOG', 'WARN', 'ERROR', 'DEBUG', 'VERBOSE', 'FATAL']);

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 0x202f || c === 0xa0;
}

/**
 * Parses `[Nest] <pid>  - <MM/DD/YYYY, h:mm:ss AM> <LEVEL> [<Context>] <message>`. A hand-written scanner (no
 * regex, no date math): it runs on every line of 100 MB logs. Lenient on spacing and on U+202F before AM/PM.
 */
export function parseNestLine(line: string): NestEntry | null {
  if (!line.startsWith('[Nest] ')) return null;
  const n = line.length;
  let i = 7;
  let pid = 0;
  const pidStart = i;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) break;
    pid = pid * 10 + (c - 48);
    i++;
  }
  if (i === pidStart) return null;
  while (i < n && line.charCodeAt(i) === 32) i++;
  if (line.charCodeAt(i) !== 45 /* - */) return null;
  i++;
  while (i < n && line.charCodeAt(i) === 32) i++;
  const timeStart = i;
  const comma = line.indexOf(',', i);
  if (comma === -1 || comma - i > 10) return null;
  i = comma + 1;
  while (i < n && isSpace(line.charCodeAt(i))) i++;
  const clock = i;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 58 /* 0-9 and : */) break;
    i++;
  }
  if (i === clock) return null;
  let timeEnd = i;
  let j = i;
  while (j < n && isSpace(line.charCodeAt(j))) j++;
  if ((line.charCodeAt(j) === 65 || line.charCodeAt(j) === 80) && line.charCodeAt(j + 1) === 77 /* AM / PM */) {
    timeEnd = j + 2;
    i = j + 2;
  }
  if (!isSpace(line.charCodeAt(i))) return null;
  while (i < n && line.charCodeAt(i) === 32) i++;
  const levelStart = i;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c < 65 || c > 90) break;
    i++;
  }
  const level = line.slice(levelStart, i);
  if (!LEVELS.has(level)) return null;
  if (i < n && line.charCodeAt(i) !== 32) return null;
  while (i < n && line.charCodeAt(i) === 32) i++;
  let context = '';
  if (line.charCodeAt(i) === 91 /* [ */) {
    const close = line.indexOf(']', i);
    if (close !== -1) {
      context = line.slice(i + 1, close).trim();
      i = close + 1;
      if (line.charCodeAt(i) === 32) i++;
    }
  }
  let end = n;
  // Loggers created with `timestamp: true` (Nest's own InstanceLoader and friends) append " +13ms".
  if (line.charCodeAt(n - 1) === 115 /* s */ && line.charCodeAt(n - 2) === 109 /* m */) {
    const m = MS_SUFFIX.exec(line.slice(Math.max(i, n - 16)));
    if (m) end = n - m[0].length;
  }
  return {
    pid,
    level: level as NestEntry['level'],
    context,
    message: line.slice(i, end),
    rawTime: line.slice(timeStart, timeEnd),
  };
}

const NEST_TIME =
  /^(\d{1,2})\/(\d{1,2})\/(\d{4}),?[\s\u202f\u00a0]+(\d{1,2}):(\d{2}):(\d{2})(?:[\s\u202f\u00a0]*([AP]M))?$/;

/** Converts a Nest timestamp to ISO, read as UTC (the bot's container runs in UTC); null when it is not one. */
let lastRaw = '';
let lastIso: string | null = null;

export function nestTimeToIso(raw: string): string | null {
  // Consecutive lines mostly share the same second.
  if (raw === lastRaw) return lastIso;
  lastRaw = raw;
  lastIso = convertNestTime(raw);
  return lastIso;
}

function convertNestTime(raw: string): string | null {
  const m = NEST_TIME.exec(raw);
  if (!m) return null;
  let hour = Number(m[4]);
  if (m[7] === 'PM' && hour < 12) hour += 12;
  if (m[7] === 'AM' && hour === 12) hour = 0;
  if (hour > 23) return null;
  const ms = Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), hour, Number(m[5]), Number(m[6]));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

const RFC3339_PREFIX = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) /;

/** Splits `kubectl logs --timestamps` output: returns the ISO time (milliseconds kept) and the rest. */
export function splitTimestamp(line: string): { time: string | null; rest: string } {
  if (line.length < 21 || line.charCodeAt(4) !== 45 /* - */ || line.charCodeAt(10) !== 84 /* T */) {
    return { time: null, rest: line };
  }
  const m = RFC3339_PREFIX.exec(line);
  if (!m) return { time: null, rest: line };
  const t = Date.parse(m[1] as string);
  return { time: Number.isFinite(t) ? new Date(t).toISOString() : null, rest: line.slice(m[0].length) };
}

const POD_PREFIX = /^\[(pod\/[^\]\s]{1,253})\] /;

/** Splits `kubectl logs --prefix` output (`[pod/NAME/CONTAINER] `). */
export function splitPodPrefix(line: string): { stream: string | null; rest: string } {
  if (!line.startsWith('[pod/')) return { stream: null, rest: line };
  const m = POD_PREFIX.exec(line);
  if (!m) return { stream: null, rest: line };
  return { stream: m[1] as string, rest: line.slice(m[0].length) };
}
