import type { GuardTripInput } from '../guardTrip';
import { asAlertmanagerDocument, parseAlertmanager } from './alertmanager';
import { looksLikeEventLine, parseEventLine } from './events';
import type { LogStats } from './logParser';
import { IncidentLogParser } from './logParser';
import { concatBytes, copyBytes, utf8 } from './nestBytes';

export type InputFormat = 'auto' | 'events' | 'alertmanager' | 'log';
export const INPUT_FORMATS: readonly InputFormat[] = ['auto', 'events', 'alertmanager', 'log'];

export interface InputNote {
  line?: number;
  message: string;
}

export interface ReaderStats {
  /** The format actually used (auto resolves to one, or to `mixed` for events and log text together). */
  format: InputFormat | 'mixed';
  eventLines: number;
  badEventLines: number;
  alertsSkipped: number;
  log: LogStats;
}

export interface ReaderOptions {
  file?: string;
  /** Notes beyond this are counted, not kept. */
  maxNotes?: number;
  /** An Alertmanager document larger than this is refused rather than buffered. */
  maxDocumentBytes?: number;
}

const MAX_AUTO_PROBE = 8 * 1024 * 1024;
const BOM = [0xef, 0xbb, 0xbf];
/** Longest partial line (in characters) the reader holds for JSON detection before reading it as it is. */
const MAX_CARRY = 1024 * 1024;

/**
 * Reads any supported input incrementally and yields GuardTrip inputs in arrival order. `auto` follows
 * triage-spec.md: one JSON document with an `alerts` array is Alertmanager; otherwise each line that is a JSON
 * object with `eventType` or `capsuleHash` is an event and everything else is log text.
 */
export class TriageInputReader {
  readonly notes: InputNote[] = [];
  notesDropped = 0;
  /** Set when the input as a whole could not be read in the requested format. */
  fatal: string | null = null;
  private readonly log: IncidentLogParser;
  private readonly maxNotes: number;
  private readonly maxDoc: number;
  private mode: 'probe' | 'lines' | 'document';
  private buffer = '';
  private carry = '';
  private lineNo = 0;
  private sawEvents = false;
  private sawLog = false;
  private eventLines = 0;
  private badEventLines = 0;
  private alertsSkipped = 0;
  private alertmanagerUsed = false;
  /** Set once byte input has to be decoded (JSON input): from then on every chunk goes through `push`. */
  private textDecoder: InstanceType<typeof TextDecoder> | null = null;
  private bytesProbed = false;
  private bytesSeen = false;
  private bomHead: Uint8Array | null = null;
  private probeBytes: Uint8Array | null = null;
  private carryBytes: Uint8Array | null = null;
  /** After a runaway line: the rest of it, up to its newline, is skipped. */
  private dropping = false;

  constructor(
    private readonly format: InputFormat,
    private readonly opts: ReaderOptions = {},
  ) {
    this.log = new IncidentLogParser(opts.file !== undefined ? { file: opts.file } : {});
    this.maxNotes = opts.maxNotes ?? 200;
    this.maxDoc = opts.maxDocumentBytes ?? 64 * 1024 * 1024;
    this.mode = format === 'alertmanager' ? 'document' : format === 'auto' ? 'probe' : 'lines';
  }

  get stats(): ReaderStats {
    const format: ReaderStats['format'] = this.alertmanagerUsed
      ? 'alertmanager'
      : this.sawEvents && this.sawLog
        ? 'mixed'
        : this.sawEvents
          ? 'events'
          : this.format === 'auto'
            ? 'log'
            : this.format;
    return {
      format,
      eventLines: this.eventLines,
      badEventLines: this.badEventLines,
      alertsSkipped: this.alertsSkipped,
      log: this.log.stats,
    };
  }

  private note(message: string, line?: number): void {
    if (this.notes.length < this.maxNotes) this.notes.push(line !== undefined ? { line, message } : { message });
    else this.notesDropped++;
  }

  push(chunk: string): GuardTripInput[] {
    if (this.fatal) return [];
    if (this.mode === 'document') {
      if (this.buffer.length + chunk.length > this.maxDoc) {
        this.fatal = `the Alertmanager document is larger than ${this.maxDoc} bytes`;
        this.buffer = '';
        return [];
      }
      this.buffer += chunk;
      return [];
    }
    if (this.mode === 'probe') {
      this.buffer += chunk;
      const first = this.buffer.trimStart();
      if (first.length === 0) return [];
      // A log or JSON-lines file decides on its first line; only a pretty-printed document needs buffering.
      if (!first.startsWith('{')) return this.switchToLines();
      const nl = first.indexOf('\n');
      if (nl !== -1) {
        const firstLine = first.slice(0, nl);
        const single = looksLikeEventLine(firstLine) || firstLine.trim() !== '{';
        if (single && !asAlertmanagerDocument(firstLine)) return this.switchToLines();
      }
      if (this.buffer.length > MAX_AUTO_PROBE) return this.switchToLines();
      return [];
    }
    return this.lines(chunk);
  }

  /**
   * Adds a chunk of UTF-8 bytes (a file read as it is). Same result as `push` of the decoded text; log lines are
   * read in place, which is several times faster on large logs. The chunk is not kept.
   */
  pushBytes(chunk: Uint8Array): GuardTripInput[] {
    if (this.fatal) return [];
    if (!this.bytesSeen) {
      // A leading byte order mark is not text (TextDecoder drops it too), even when it arrives in pieces.
      const head = this.bomHead ? concatBytes(this.bomHead, chunk) : chunk;
      this.bomHead = null;
      const n = Math.min(3, head.length);
      let prefix = true;
      for (let k = 0; k < n; k++) if (head[k] !== BOM[k]) prefix = false;
      if (prefix && n < 3) {
        this.bomHead = copyBytes(head);
        return [];
      }
      this.bytesSeen = true;
      chunk = prefix ? head.subarray(3) : head;
    }
    if (this.textDecoder) return this.push(this.textDecoder.decode(chunk, { stream: true }));
    if (this.mode === 'probe' && !this.bytesProbed) {
      // A log decides on its first non-blank byte; JSON (events, or an Alertmanager document) goes through `push`.
      let i = 0;
      while (
        i < chunk.length &&
        ((chunk[i] as number) === 32 || ((chunk[i] as number) >= 9 && (chunk[i] as number) <= 13))
      ) {
        i++;
      }
      if (i === chunk.length) {
        this.probeBytes = this.probeBytes ? concatBytes(this.probeBytes, chunk) : copyBytes(chunk);
        return [];
      }
      this.bytesProbed = true;
      // Non-ASCII first: a byte order mark or Unicode space may hide a '{' (the text probe trims them).
      if (chunk[i] !== 123 /* { */ && (chunk[i] as number) < 0x80 && this.buffer === '') {
        this.mode = 'lines';
      }
    }
    if (this.mode !== 'lines' || this.carry !== '') {
      this.textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
      const pending = this.probeBytes;
      this.probeBytes = null;
      return this.push(this.textDecoder.decode(pending ? concatBytes(pending, chunk) : chunk, { stream: true }));
    }
    if (this.probeBytes) {
      chunk = concatBytes(this.probeBytes, chunk);
      this.probeBytes = null;
    }
    return this.linesBytes(chunk);
  }

  /**
   * Events emitted from now on start at or after this input line (an Alertmanager document, read whole at the
   * end, gives nothing until then). See `InputOrder`.
   */
  get settledBefore(): number {
    if (this.mode === 'document' || this.mode === 'probe') return -Infinity;
    return this.log.oldestOpenLine();
  }

  end(): GuardTripInput[] {
    if (this.fatal) return [];
    const out: GuardTripInput[] = [];
    if (this.bomHead) {
      // Input that ended inside what could have been a byte order mark: it was text after all.
      const b = this.bomHead;
      this.bomHead = null;
      this.bytesSeen = true;
      out.push(...this.pushBytes(b));
    }
    if (this.probeBytes) {
      const b = this.probeBytes;
      this.probeBytes = null;
      out.push(...this.push(new TextDecoder('utf-8', { ignoreBOM: true }).decode(b)));
    }
    if (this.textDecoder) {
      const rest = this.textDecoder.decode();
      this.textDecoder = null;
      if (rest) out.push(...this.push(rest));
    }
    if (this.fatal) return [];
    if (this.mode === 'probe') {
      const doc = asAlertmanagerDocument(this.buffer);
      if (doc) return this.document(doc);
      out.push(...this.switchToLines());
    } else if (this.mode === 'document') {
      const doc = asAlertmanagerDocument(this.buffer);
      this.buffer = '';
      if (!doc) {
        this.fatal = 'not an Alertmanager webhook document (expected one JSON object with an "alerts" array)';
        return [];
      }
      return this.document(doc);
    }
    if (this.carry) {
      const rest = this.carry;
      this.carry = '';
      out.push(...this.oneLine(rest));
    }
    if (this.carryBytes) {
      const rest = this.carryBytes;
      this.carryBytes = null;
      this.oneLineBytes(rest, 0, rest.length, out);
    }
    out.push(...this.log.end());
    return out;
  }

  private document(doc: Record<string, unknown>): GuardTripInput[] {
    this.alertmanagerUsed = true;
    const res = parseAlertmanager(doc, this.opts.file);
    this.alertsSkipped = res.skipped.length;
    for (const s of res.skipped) this.note(s);
    return res.events;
  }

  private switchToLines(): GuardTripInput[] {
    this.mode = 'lines';
    const b = this.buffer;
    this.buffer = '';
    return this.lines(b);
  }

  private lines(chunk: string): GuardTripInput[] {
    // A log goes to the log parser whole: it splits lines itself and bounds runaway lines.
    if (this.format === 'log') return this.log.push(chunk);
    const out: GuardTripInput[] = [];
    let text = chunk;
    let start = 0;
    if (this.dropping) {
      const nl = text.indexOf('\n');
      if (nl === -1) return out;
      this.dropping = false;
      start = nl + 1;
    } else if (this.carry) {
      text = this.carry + chunk;
      this.carry = '';
    }
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      const line = text.slice(start, nl);
      start = nl + 1;
      const r = this.oneLine(line);
      if (r.length) for (const e of r) out.push(e);
    }
    if (start < text.length) {
      this.carry = text.slice(start);
      if (this.carry.length > MAX_CARRY) this.runaway(this.carry, out);
    }
    return out;
  }

  /** A line without newline beyond MAX_CARRY is read as it is (the log parser counts it as oversized) and the rest of it dropped. */
  private runaway(text: string, out: GuardTripInput[]): void {
    this.carry = '';
    this.carryBytes = null;
    this.dropping = true;
    const r = this.oneLine(text);
    if (r.length) out.push(...r);
  }

  private linesBytes(chunk: Uint8Array): GuardTripInput[] {
    if (this.format === 'log') return this.log.pushBytes(chunk);
    const out: GuardTripInput[] = [];
    let start = 0;
    let buf = chunk;
    if (this.dropping) {
      const nl = chunk.indexOf(10);
      if (nl === -1) return out;
      this.dropping = false;
      start = nl + 1;
    } else if (this.carryBytes) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        this.carryBytes = concatBytes(this.carryBytes, chunk);
        if (this.carryBytes.length > MAX_CARRY) {
          const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(this.carryBytes);
          if (text.length > MAX_CARRY) this.runaway(text, out);
        }
        return out;
      }
      buf = concatBytes(this.carryBytes, chunk.subarray(0, nl + 1));
      this.carryBytes = null;
      this.oneLineBytes(buf, 0, buf.length - 1, out);
      buf = chunk;
      start = nl + 1;
    }
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl === -1) break;
      this.oneLineBytes(buf, start, nl, out);
      start = nl + 1;
    }
    if (start < buf.length) {
      this.carryBytes = copyBytes(buf, start);
      if (this.carryBytes.length > MAX_CARRY) {
        const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(this.carryBytes);
        if (text.length > MAX_CARRY) this.runaway(text, out);
      }
    }
    return out;
  }

  /** `oneLine` for bytes: lines that may be JSON events are decoded and read as text, log lines in place. */
  private oneLineBytes(buf: Uint8Array, start: number, end: number, out: GuardTripInput[]): void {
    let i = start;
    while (i < end && (buf[i] === 32 || buf[i] === 9 || buf[i] === 13 || buf[i] === 11 || buf[i] === 12)) i++;
    if (i === end || buf[i] === 123 /* { */ || (buf[i] as number) >= 0x80 || this.format === 'events') {
      const r = this.oneLine(utf8(buf, start, end));
      for (const e of r) out.push(e);
      return;
    }
    this.lineNo++;
    this.sawLog = true;
    // `oneLine` removes one carriage return before the log parser sees the line; so must this.
    const e = buf[end - 1] === 13 ? end - 1 : end;
    const r = this.log.pushLineBytes(buf, start, e);
    for (const x of r) out.push(x);
  }

  private oneLine(raw: string): GuardTripInput[] {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.format === 'log') {
      this.lineNo++;
      return this.log.pushLine(line);
    }
    // (auto and events below)
    this.lineNo++;
    if (
      this.format === 'events' ||
      ((line.charCodeAt(0) === 123 || line.trimStart().startsWith('{')) && looksLikeEventLine(line))
    ) {
      this.log.skipLine();
      if (line.trim() === '') return [];
      this.eventLines++;
      const r = parseEventLine(line, this.lineNo, this.opts.file);
      if (r.ok) {
        this.sawEvents = true;
        return [r.event];
      }
      this.badEventLines++;
      this.note(`${r.error}: skipped`, this.lineNo);
      return [];
    }
    if (line.trim() !== '') this.sawLog = true;
    return this.log.pushLine(line);
  }
}

/**
 * Puts events back in input order (their first line) as soon as no earlier event can still arrive, so a reader
 * of a huge input can write results as it goes instead of holding all of them. Log events come out when their
 * handling completes, which with several pods interleaved is not input order.
 */
export class InputOrder {
  private held: { e: GuardTripInput; n: number }[] = [];
  private arrivals = 0;
  /** The most events held at once (for tests and the benchmark). */
  maxHeld = 0;

  add(events: readonly GuardTripInput[]): void {
    for (const e of events) this.held.push({ e, n: this.arrivals++ });
    if (this.held.length > this.maxHeld) this.maxHeld = this.held.length;
  }

  /** The held events that start before `line`, in input order (ties and line-less events in arrival order). */
  take(line: number): GuardTripInput[] {
    if (this.held.length === 0) return [];
    const key = (h: { e: GuardTripInput }): number => h.e.origin?.firstLine ?? 0;
    this.held.sort((a, b) => key(a) - key(b) || a.n - b.n);
    let k = 0;
    while (k < this.held.length && key(this.held[k] as { e: GuardTripInput }) < line) k++;
    return this.held.splice(0, k).map((h) => h.e);
  }

  /** Everything still held, in input order (at the end of the input). */
  rest(): GuardTripInput[] {
    return this.take(Infinity);
  }
}

/** Reads a whole text at once (tests, small files). */
export function readAll(
  text: string,
  format: InputFormat = 'auto',
  opts: ReaderOptions = {},
): { events: GuardTripInput[]; reader: TriageInputReader } {
  const reader = new TriageInputReader(format, opts);
  const events = [...reader.push(text), ...reader.end()];
  return { events, reader };
}
