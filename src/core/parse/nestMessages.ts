/**
 * The incident-bot messages that make up nearly every line of its log, matched on bytes. Each matcher answers
 * exactly what the corresponding pattern of the string parser (`RE_*` in logParser.ts) answers for a message of
 * printable ASCII, and is only used for such messages; all others go through the patterns. Results are byte
 * offsets into the buffer; -1 means "no match".
 */

const lit = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

export const PROCESSING = lit('Processing GuardTrip event: ');
const RISK_OPEN = lit(' (risk: ');
export const EVALUATING = lit('Evaluating GuardTrip: risk=');
const MISSES = lit(' misses=');
export const EXECUTING = lit('Executing rollback to release ');
const FOR_REASON = lit(' for reason: ');
const DECISION = lit('Rollback decision');
const MADE = lit(' made: ');
const FROM_ALERT = lit(' from alert: ');
const FOR_CAPSULE = lit(' for capsule ');
export const CREATED = lit('Rollback CR created successfully: ');
const NO_ROLLBACK = lit('No rollback needed for ');
const ALERT = lit('alert ');
const CAPSULE = lit('capsule ');
export const DECISION_ENGINE = lit('DecisionEngineService');

export function startsWithAt(buf: Uint8Array, at: number, end: number, prefix: Uint8Array): boolean {
  if (end - at < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (buf[at + k] !== prefix[k]) return false;
  return true;
}

/** True when buf[start, end) is exactly `text`. */
export function bytesEqual(buf: Uint8Array, start: number, end: number, text: Uint8Array): boolean {
  return end - start === text.length && startsWithAt(buf, start, end, text);
}

/** Last occurrence of `needle` that starts at or after `from` and ends at or before `to`. */
function lastIndexOf(buf: Uint8Array, from: number, to: number, needle: Uint8Array): number {
  for (let i = to - needle.length; i >= from; i--) {
    if (buf[i] === needle[0] && startsWithAt(buf, i, to, needle)) return i;
  }
  return -1;
}

function indexOfSpace(buf: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (buf[i] === 32) return i;
  return -1;
}

/** `Processing GuardTrip event: (.*) \(risk: (.*)\)$` → where " (risk: " starts (the greedy group ends there). */
export function matchProcessing(buf: Uint8Array, s: number, e: number): number {
  if (!startsWithAt(buf, s, e, PROCESSING) || buf[e - 1] !== 0x29 /* ) */) return -1;
  return lastIndexOf(buf, s + PROCESSING.length, e - 1, RISK_OPEN);
}
export const RISK_OPEN_LENGTH = RISK_OPEN.length;

/** `Evaluating GuardTrip: risk=(\S*), misses=(\S*)$` → where ", misses=" starts. */
export function matchEvaluating(buf: Uint8Array, s: number, e: number): number {
  if (!startsWithAt(buf, s, e, EVALUATING)) return -1;
  const from = s + EVALUATING.length;
  // \S* cannot pass a space: the first space must be the one of ", misses=", and the second group has none.
  const sp = indexOfSpace(buf, from, e);
  if (sp === -1 || sp === from || buf[sp - 1] !== 0x2c /* , */ || !startsWithAt(buf, sp, e, MISSES)) return -1;
  if (indexOfSpace(buf, sp + MISSES.length, e) !== -1) return -1;
  return sp - 1;
}
export const MISSES_OFFSET = 1 + MISSES.length;

/** `Executing rollback to release (.*) for reason: (.*)$` → where the greedy first group ends. */
export function matchExecuting(buf: Uint8Array, s: number, e: number): number {
  if (!startsWithAt(buf, s, e, EXECUTING)) return -1;
  return lastIndexOf(buf, s + EXECUTING.length, e, FOR_REASON);
}

/**
 * `Rollback decision( made| from alert)?: (\S*) for capsule (.*)$` → the reason's start, its end (the space
 * before "for capsule") via `out`, and the capsule's start.
 */
export function matchDecision(buf: Uint8Array, s: number, e: number, out: { reasonEnd: number }): number {
  if (!startsWithAt(buf, s, e, DECISION)) return -1;
  let i = s + DECISION.length;
  if (buf[i] === 0x3a /* : */ && buf[i + 1] === 32) i += 2;
  else if (startsWithAt(buf, i, e, MADE)) i += MADE.length;
  else if (startsWithAt(buf, i, e, FROM_ALERT)) i += FROM_ALERT.length;
  else return -1;
  const sp = indexOfSpace(buf, i, e);
  if (sp === -1 || !startsWithAt(buf, sp, e, FOR_CAPSULE)) return -1;
  out.reasonEnd = sp;
  return i;
}
export const FOR_CAPSULE_LENGTH = FOR_CAPSULE.length;

/** `No rollback needed for (alert )?capsule (.*)$` → where the capsule starts. */
export function matchNoRollback(buf: Uint8Array, s: number, e: number): number {
  if (!startsWithAt(buf, s, e, NO_ROLLBACK)) return -1;
  let i = s + NO_ROLLBACK.length;
  if (startsWithAt(buf, i, e, ALERT) && startsWithAt(buf, i + ALERT.length, e, CAPSULE)) i += ALERT.length;
  return startsWithAt(buf, i, e, CAPSULE) ? i + CAPSULE.length : -1;
}

/** `Rollback CR created successfully: (.*)$` → where the name starts. */
export function matchCreated(buf: Uint8Array, s: number, e: number): number {
  return startsWithAt(buf, s, e, CREATED) ? s + CREATED.length : -1;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(buf: Uint8Array, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = (buf[i + k] as number) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * `08/05/2025, 2:15:30 PM` as ISO, for the shape Nest prints with normal field values; undefined for anything
 * else (the string converter then decides, including Date.UTC's roll-over of odd values).
 */
export function nestTimeBytesToIso(buf: Uint8Array, s: number, e: number): string | undefined {
  let i = s;
  const mLen = buf[i + 1] === 0x2f ? 1 : 2;
  const month = digits(buf, i, mLen);
  i += mLen;
  if (buf[i] !== 0x2f) return undefined;
  i++;
  const dLen = buf[i + 1] === 0x2f ? 1 : 2;
  const day = digits(buf, i, dLen);
  i += dLen;
  if (buf[i] !== 0x2f) return undefined;
  const year = digits(buf, i + 1, 4);
  i += 5;
  if (buf[i] !== 0x2c || (buf[i + 1] !== 32 && buf[i + 1] !== 9)) return undefined;
  i++;
  while (i < e && (buf[i] === 32 || buf[i] === 9)) i++;
  const hLen = buf[i + 1] === 0x3a ? 1 : 2;
  let hour = digits(buf, i, hLen);
  i += hLen;
  if (buf[i] !== 0x3a || buf[i + 3] !== 0x3a) return undefined;
  const minute = digits(buf, i + 1, 2);
  const second = digits(buf, i + 4, 2);
  i += 6;
  let j = i;
  while (j < e && (buf[j] === 32 || buf[j] === 9)) j++;
  if (j + 2 === e && buf[j + 1] === 0x4d /* M */ && (buf[j] === 0x41 || buf[j] === 0x50)) {
    if (buf[j] === 0x50 && hour < 12) hour += 12;
    if (buf[j] === 0x41 && hour === 12) hour = 0;
  } else if (i !== e) {
    return undefined;
  }
  if (month < 1 || month > 12 || day < 1 || year < 100 || hour < 0 || hour > 23 || minute < 0 || minute > 59) {
    return undefined;
  }
  if (second < 0 || second > 59) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : (DAYS[month - 1] as number))) return undefined;
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}.000Z`;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * `Number(text)` for plain decimals (`0.83`, `3`) of at most 15 digits, read from bytes; undefined for anything
 * else (the caller then decodes and uses `Number`). Exact: both the digits as an integer and the power of ten
 * are exactly representable, so one IEEE division gives the correctly rounded value, as `Number` does.
 */
export function plainDecimal(buf: Uint8Array, s: number, e: number): number | undefined {
  if (s >= e) return undefined;
  let int = 0;
  let digitsSeen = 0;
  let fraction = -1;
  for (let i = s; i < e; i++) {
    const c = buf[i] as number;
    if (c === 0x2e /* . */) {
      if (fraction !== -1 || digitsSeen === 0) return undefined;
      fraction = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return undefined;
    int = int * 10 + d;
    digitsSeen++;
    if (fraction !== -1) fraction++;
  }
  if (digitsSeen > 15 || fraction === 0) return undefined;
  return fraction > 0 ? int / (POW10[fraction] as number) : int;
}
