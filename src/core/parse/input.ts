import type { GuardTripInput } from '../guardTrip';
import { asAlertmanagerDocument, parseAlertmanager } from './alertmanager';
import { looksLikeEventLine, parseEventLine } from './events';
import type { LogStats } from './logParser';
import { IncidentLogParser } from './logParser';

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

  end(): GuardTripInput[] {
    if (this.fatal) return [];
    const out: GuardTripInput[] = [];
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
    const out: GuardTripInput[] = [];
    let text = chunk;
    if (this.carry) {
      text = this.carry + chunk;
      this.carry = '';
    }
    let start = 0;
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
      // A runaway line without newline goes to the log parser's own cap instead of growing here.
      if (this.carry.length > 1024 * 1024) {
        const r = this.oneLine(this.carry);
        this.carry = '';
        if (r.length) out.push(...r);
      }
    }
    return out;
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
