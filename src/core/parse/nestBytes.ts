/**
 * Byte-level reading of NestJS ConsoleLogger lines, for large files: the header is scanned in place (ANSI colour
 * sequences skipped where Nest puts them) and only the parts an incident needs become strings.
 *
 * The scanner is deliberately conservative: it accepts a line only when the string parser (`stripAnsi` +
 * `parseNestLine`) would read exactly the same fields from it, and otherwise answers "not sure" so the caller
 * falls back to that parser. Anything unusual (non-ASCII in the header, colour codes inside a token or inside the
 * message, kubectl prefixes) therefore costs speed, never correctness.
 */

/** Where the fields of one Nest line are, as byte offsets into the scanned buffer. */
export interface NestBytesEntry {
  /** 'LOG' | 'WARN' | 'ERROR' | 'DEBUG' | 'VERBOSE' | 'FATAL' */
  level: string;
  timeStart: number;
  timeEnd: number;
  /** -1 when the line has no `[Context]`. */
  contextStart: number;
  contextEnd: number;
  messageStart: number;
  messageEnd: number;
  /** True when the line carries ANSI escape sequences (its display text must be stripped). */
  hasEscape: boolean;
  /** True when the message is printable ASCII only (then `.` and `\S` of the message patterns are simple). */
  plain: boolean;
}

const ESC = 0x1b;
const SP = 32;
const TAB = 9;
const NEST = [0x5b, 0x4e, 0x65, 0x73, 0x74, 0x5d, 0x20]; // "[Nest] "

/**
 * Skips consecutive escape sequences exactly as `stripAnsi` removes them. An ESC followed by a non-ASCII
 * character is left in place (`stripAnsi` removes one UTF-16 unit there, which bytes cannot mirror): callers then
 * see an ESC where they expect text and leave the line to the string parser.
 */
export function skipEscapes(buf: Uint8Array, i: number, end: number): number {
  while (i < end && buf[i] === ESC) {
    let j = i + 1;
    if (j < end && buf[j] === 0x5b /* [ */) {
      j++;
      // Parameter and intermediate bytes are below 0x40; the final byte is in 0x40..0x7e.
      while (j < end) {
        const c = buf[j++] as number;
        if (c >= 0x40 && c <= 0x7e) break;
      }
    } else if (j < end) {
      if ((buf[j] as number) >= 0x80) return i;
      j++;
    }
    i = j;
  }
  return i;
}

function skipSpacesAndEscapes(buf: Uint8Array, i: number, end: number): number {
  for (;;) {
    while (i < end && buf[i] === SP) i++;
    if (i >= end || buf[i] !== ESC) return i;
    const j = skipEscapes(buf, i, end);
    if (j === i) return i;
    i = j;
  }
}

function levelAt(buf: Uint8Array, s: number, e: number): string | null {
  const c = buf[s];
  switch (e - s) {
    case 3:
      return c === 0x4c && buf[s + 1] === 0x4f && buf[s + 2] === 0x47 ? 'LOG' : null;
    case 4:
      return c === 0x57 && buf[s + 1] === 0x41 && buf[s + 2] === 0x52 && buf[s + 3] === 0x4e ? 'WARN' : null;
    case 5:
      if (c === 0x45 && buf[s + 1] === 0x52 && buf[s + 2] === 0x52 && buf[s + 3] === 0x4f && buf[s + 4] === 0x52) {
        return 'ERROR';
      }
      if (c === 0x44 && buf[s + 1] === 0x45 && buf[s + 2] === 0x42 && buf[s + 3] === 0x55 && buf[s + 4] === 0x47) {
        return 'DEBUG';
      }
      if (c === 0x46 && buf[s + 1] === 0x41 && buf[s + 2] === 0x54 && buf[s + 3] === 0x41 && buf[s + 4] === 0x4c) {
        return 'FATAL';
      }
      return null;
    case 7:
      return c === 0x56 &&
        buf[s + 1] === 0x45 &&
        buf[s + 2] === 0x52 &&
        buf[s + 3] === 0x42 &&
        buf[s + 4] === 0x4f &&
        buf[s + 5] === 0x53 &&
        buf[s + 6] === 0x45
        ? 'VERBOSE'
        : null;
    default:
      return null;
  }
}

/**
 * Length of a ` +<digits>ms` suffix ending at `end` and starting no earlier than `lower`, else 0. Mirrors the
 * string parser's `/ \+\d+ms$/` on the last 16 characters; digit runs longer than 10 are left to that parser.
 */
function msSuffix(buf: Uint8Array, lower: number, end: number): number {
  if (end - lower < 5 || buf[end - 1] !== 0x73 /* s */ || buf[end - 2] !== 0x6d /* m */) return 0;
  let d = end - 2;
  while (d > lower && (buf[d - 1] as number) >= 48 && (buf[d - 1] as number) <= 57) d--;
  const digits = end - 2 - d;
  if (digits === 0) return 0;
  if (digits > 10) return -1;
  if (d - 2 < lower || buf[d - 1] !== 0x2b /* + */ || buf[d - 2] !== SP) return 0;
  return end - (d - 2);
}

/**
 * Scans `buf[start, end)` (one line, without its newline) as a Nest entry. Returns false when the line is not
 * one, or when it is unusual enough that the string parser must decide.
 */
export function scanNestBytes(buf: Uint8Array, start: number, end: number, out: NestBytesEntry): boolean {
  if (end > start && buf[end - 1] === 13) end--;
  let i = skipEscapes(buf, start, end);
  if (end - i < 12) return false;
  for (let k = 0; k < 7; k++) if (buf[i + k] !== NEST[k]) return false;
  i += 7;
  const pidStart = i;
  while (i < end && (buf[i] as number) >= 48 && (buf[i] as number) <= 57) i++;
  if (i === pidStart) return false;
  while (i < end && buf[i] === SP) i++;
  if (buf[i] !== 0x2d /* - */) return false;
  i = skipSpacesAndEscapes(buf, i + 1, end);
  const timeStart = i;
  let comma = -1;
  for (let k = i; k < end && k <= i + 10; k++) {
    const c = buf[k] as number;
    if (c === 0x2c) {
      comma = k;
      break;
    }
    if (c === ESC || c >= 0x80 || c === 10) return false;
  }
  if (comma === -1) return false;
  i = comma + 1;
  while (i < end && (buf[i] === SP || buf[i] === TAB)) i++;
  if (i < end && (buf[i] as number) >= 0x80) return false; // U+202F / U+00A0: the string parser handles them
  const clock = i;
  while (i < end && (buf[i] as number) >= 48 && (buf[i] as number) <= 58) i++;
  if (i === clock) return false;
  let timeEnd = i;
  let j = i;
  while (j < end && (buf[j] === SP || buf[j] === TAB)) j++;
  if (j < end && (buf[j] as number) >= 0x80) return false;
  if ((buf[j] === 0x41 || buf[j] === 0x50) && buf[j + 1] === 0x4d /* AM / PM */) {
    timeEnd = j + 2;
    i = j + 2;
  }
  if (buf[i] !== SP && buf[i] !== TAB) return false;
  i = skipSpacesAndEscapes(buf, i, end);
  const levelStart = i;
  while (i < end && (buf[i] as number) >= 65 && (buf[i] as number) <= 90) i++;
  const level = levelAt(buf, levelStart, i);
  if (!level) return false;
  i = skipEscapes(buf, i, end);
  if (i < end && buf[i] !== SP) return false;
  i = skipSpacesAndEscapes(buf, i, end);
  let contextStart = -1;
  let contextEnd = -1;
  if (buf[i] === 0x5b /* [ */) {
    let close = -1;
    for (let k = i + 1; k < end; k++) {
      const c = buf[k] as number;
      if (c === 0x5d) {
        close = k;
        break;
      }
      if (c === ESC) return false;
    }
    if (close === -1) return false;
    contextStart = i + 1;
    contextEnd = close;
    i = skipEscapes(buf, close + 1, end);
    if (buf[i] === SP) i = skipEscapes(buf, i + 1, end);
  }
  const messageStart = i;
  let messageEnd = end;
  let hasEscape = false;
  for (let k = start; k < messageStart; k++) {
    if (buf[k] === ESC) {
      hasEscape = true;
      break;
    }
  }
  let esc = -1;
  let plain = true;
  for (let k = messageStart; k < end; k++) {
    const c = buf[k] as number;
    if (c < 0x20 || c > 0x7e) {
      if (c === ESC) {
        esc = k;
        break;
      }
      plain = false;
    }
  }
  let suffixInTail = false;
  if (esc !== -1) {
    hasEscape = true;
    // Only colour codes may follow the message, possibly around the " +13ms" of timestamped loggers.
    const t = skipEscapes(buf, esc, end);
    if (t < end) {
      let u = t;
      while (u < end && buf[u] !== ESC) u++;
      const len = msSuffix(buf, t, u);
      if (len !== u - t || skipEscapes(buf, u, end) !== end) return false;
      suffixInTail = true;
    }
    messageEnd = esc;
  }
  if (!suffixInTail) {
    const len = msSuffix(buf, Math.max(messageStart, messageEnd - 16), messageEnd);
    if (len < 0) return false;
    messageEnd -= len;
  }
  out.level = level;
  out.timeStart = timeStart;
  out.timeEnd = timeEnd;
  out.contextStart = contextStart;
  out.contextEnd = contextEnd;
  out.messageStart = messageStart;
  out.messageEnd = messageEnd;
  out.hasEscape = hasEscape;
  out.plain = plain;
  return true;
}

/** Copies `buf[start, end)` without its escape sequences into `scratch` (grown when needed); returns the length. */
export function stripEscapesInto(buf: Uint8Array, start: number, end: number, scratch: { bytes: Uint8Array }): number {
  if (scratch.bytes.length < end - start) {
    scratch.bytes = new Uint8Array(Math.max(end - start, scratch.bytes.length * 2));
  }
  const dst = scratch.bytes;
  let n = 0;
  let i = start;
  while (i < end) {
    const c = buf[i] as number;
    if (c === ESC) {
      i = skipEscapes(buf, i, end);
      continue;
    }
    dst[n++] = c;
    i++;
  }
  return n;
}

/**
 * A copy of `buf[start, end)`. Never `buf.slice`: on a Node Buffer that is a view, and readers reuse their
 * buffer for the next chunk.
 */
export function copyBytes(buf: Uint8Array, start = 0, end = buf.length): Uint8Array {
  const out = newBytes(end - start);
  out.set(buf.subarray(start, end), 0);
  return out;
}

/** `a` then `b` in a new buffer. */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = newBytes(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

interface NodeBuffer extends Uint8Array {
  utf8Slice(start: number, end: number): string;
}

/** A Buffer when the runtime has one (its UTF-8 decoding of short ranges is several times faster). */
export function newBytes(n: number): Uint8Array {
  const B = (globalThis as { Buffer?: { allocUnsafeSlow(n: number): Uint8Array } }).Buffer;
  return B ? B.allocUnsafeSlow(n) : new Uint8Array(n);
}

// ignoreBOM: a byte order mark inside the input is a character like any other (the text path keeps it too).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** UTF-8 text of `buf[start, end)`: Node's Buffer fast path when there is one (the core also runs elsewhere). */
export function utf8(buf: Uint8Array, start: number, end: number): string {
  if (start >= end) return '';
  const b = buf as NodeBuffer;
  if (typeof b.utf8Slice === 'function') return b.utf8Slice(start, end);
  return decoder.decode(buf.subarray(start, end));
}
