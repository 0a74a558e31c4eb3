/** One NestJS ConsoleLogger entry, after ANSI colours and kubectl prefixes are removed. */
export interface NestEntry {
  pid: number;
  level: 'LOG' | 'WARN' | 'ERROR' | 'DEBUG' | 'VERBOSE' | 'FATAL';
  context: string;
  message: string;
  /** ISO time from the Nest timestamp, read as UTC (the bot's container runs in UTC); no milliseconds. */
  time: string | null;
}

// Lenient on spacing (the level is left-padded to 7) and on the AM/PM separator (U+202F on some ICU builds).
const NEST =
  /^\[Nest\] (\d+) +- +(\d{1,2})\/(\d{1,2})\/(\d{4}),? +(\d{1,2}):(\d{2}):(\d{2})[\s\u202f\u00a0]*([AP]M)? +(LOG|WARN|ERROR|DEBUG|VERBOSE|FATAL) +(?:\[([^\]]*)\] ?)?(.*)$/;

export function parseNestLine(line: string): NestEntry | null {
  const m = NEST.exec(line);
  if (!m) return null;
  const [, pid, mo, d, y, hh, mi, ss, ampm, level, context, message] = m as unknown as string[];
  let hour = Number(hh);
  if (ampm === 'PM' && hour < 12) hour += 12;
  if (ampm === 'AM' && hour === 12) hour = 0;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), hour, Number(mi), Number(ss));
  return {
    pid: Number(pid),
    level: level as NestEntry['level'],
    context: (context ?? '').trim(),
    message: message ?? '',
    time: Number.isFinite(ms) && hour < 24 ? new Date(ms).toISOString() : null,
  };
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
