import type { BotObservation, GuardTripInput } from '../guardTrip';
import { stripAnsi } from './ansi';
import type { NestEntry } from './nestLine';
import { nestTimeToIso, parseNestLine, splitPodPrefix, splitTimestamp } from './nestLine';
import { logNumber } from './numbers';

/** What the parser read and what it could not use; nothing is dropped silently. */
export interface LogStats {
  lines: number;
  nestLines: number;
  kafkajsLines: number;
  /** Lines that were neither Nest entries, kafkajs JSON nor part of an Object block. */
  otherLines: number;
  /** Nest-looking lines that did not parse, and Object blocks whose JSON was broken. */
  malformed: number;
  /** Lines longer than the cap; their content was discarded. */
  oversized: number;
  incidents: number;
  /** Events the bot refused at its schema check ("Invalid GuardTrip event received:" + Object block). */
  invalidEvents: number;
  /** "Processing …" lines never followed by "Evaluating GuardTrip" (cut-off log, or the bot failed before). */
  unevaluated: number;
  emptyMessages: number;
  alertsMissingHash: number;
  /** kafkajs lines at level ERROR (consumer crashes, broker loss) worth showing as bot health. */
  kafkajsErrors: number;
}

export interface LogParserOptions {
  /** File name recorded in each event's origin. */
  file?: string;
  /** Lines above this length are discarded (counted in `oversized`) so memory stays flat. */
  maxLineLength?: number;
  /** How many raw lines are kept per incident for display. */
  maxLinesPerIncident?: number;
}

interface Pending {
  capsuleHash: string | null;
  tenantId: string | null;
  risk: number | null;
  misses: number | null;
  evaluated: boolean;
  time: string | null;
  bot: BotObservation;
  firstLine: number;
  lastLine: number;
  lines: string[];
}

interface StreamState {
  name: string;
  pending: Pending | null;
  /** First line of a two-line error entry ("X:"), waiting for its error text. */
  errorHead: { context: string; head: string } | null;
  /** Set after "Invalid GuardTrip event received:" until its Object block is read. */
  expectObject: boolean;
  /** Collected lines of an Object: block. */
  objectLines: string[] | null;
  objectStart: number;
  objectTime: string | null;
}

const DEFAULT_MAX_LINE = 256 * 1024;
/** Returned for the (common) lines that complete nothing, to avoid an allocation per line. */
const NONE: GuardTripInput[] = Object.freeze([]) as unknown as GuardTripInput[];
const MAX_OBJECT_LINES = 400;

const RE_PROCESSING = /^Processing GuardTrip event: (.*) \(risk: (.*)\)$/;
const RE_ALERT = /^Processing alert for capsule (.*): risk=(\S*), misses=(\S*)$/;
const RE_EVALUATING = /^Evaluating GuardTrip: risk=(\S*), misses=(\S*)$/;
const RE_DECISION = /^Rollback decision( made| from alert)?: (\S*) for capsule (.*)$/;
const RE_NO_ROLLBACK = /^No rollback needed for (alert )?capsule (.*)$/;
const RE_EXECUTING = /^Executing rollback to release (.*) for reason: (.*)$/;
const RE_CREATED = /^Rollback CR created successfully: (.*)$/;

/**
 * Incremental parser for incident-bot output as `kubectl logs` returns it: NestJS lines with or without ANSI
 * colours, optional RFC 3339 (`--timestamps`) and pod (`--prefix`) prefixes, multi-line `Object:` blocks, two-line
 * error entries, kafkajs JSON lines, and several pods interleaved. Feed chunks as they arrive; each evaluated
 * GuardTrip comes out as one event once its handling is complete (or on `flush`/`end`). Never throws.
 */
export class IncidentLogParser {
  readonly stats: LogStats = {
    lines: 0,
    nestLines: 0,
    kafkajsLines: 0,
    otherLines: 0,
    malformed: 0,
    oversized: 0,
    incidents: 0,
    invalidEvents: 0,
    unevaluated: 0,
    emptyMessages: 0,
    alertsMissingHash: 0,
    kafkajsErrors: 0,
  };

  private readonly streams = new Map<string, StreamState>();
  private readonly out: GuardTripInput[] = [];
  private carry: Record<string, string> = {};
  private discarding: Record<string, boolean> = {};
  private lineNo = 0;
  private readonly maxLine: number;
  private readonly maxKept: number;
  private readonly file: string | undefined;

  constructor(opts: LogParserOptions = {}) {
    this.maxLine = opts.maxLineLength ?? DEFAULT_MAX_LINE;
    this.maxKept = opts.maxLinesPerIncident ?? 40;
    this.file = opts.file;
  }

  /**
   * Adds a chunk of text. `streamId` separates concurrent sources (one per pod when following several pods);
   * partial lines are kept per stream until their newline arrives.
   */
  push(chunk: string, streamId = ''): GuardTripInput[] {
    let text = chunk;
    let start = 0;
    const prev = this.carry[streamId];
    if (prev) {
      text = prev + chunk;
      delete this.carry[streamId];
    }
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      if (this.discarding[streamId]) {
        delete this.discarding[streamId];
      } else {
        this.line(text.slice(start, nl), streamId);
      }
      start = nl + 1;
    }
    const rest = text.length > start ? text.slice(start) : '';
    if (rest.length > this.maxLine) {
      if (!this.discarding[streamId]) {
        this.stats.oversized++;
        this.lineNo++;
        this.stats.lines++;
      }
      this.discarding[streamId] = true;
    } else if (rest && !this.discarding[streamId]) {
      this.carry[streamId] = rest;
    }
    return this.drain();
  }

  /** Adds one complete line (without its newline); used by readers that split lines themselves. */
  pushLine(line: string, streamId = ''): GuardTripInput[] {
    this.line(line, streamId);
    return this.out.length ? this.drain() : NONE;
  }

  /** Counts a line that another reader consumed, so line numbers in origins stay those of the input. */
  skipLine(): void {
    this.lineNo++;
  }

  /** Finalizes every open event that already has a decision, leaving undecided ones open (for live streams). */
  flushDecided(): GuardTripInput[] {
    for (const [, s] of this.streams) {
      if (s.pending && s.pending.bot.decision !== 'unknown') this.finish(s);
    }
    return this.drain();
  }

  /** Ends the input: reads any unterminated last line and finalizes everything. */
  end(): GuardTripInput[] {
    for (const id of Object.keys(this.carry)) {
      const rest = this.carry[id];
      delete this.carry[id];
      if (rest) this.line(rest, id);
    }
    for (const [, s] of this.streams) {
      this.closeObject(s);
      if (s.pending) this.finish(s);
    }
    return this.drain();
  }

  private drain(): GuardTripInput[] {
    if (this.out.length === 0) return NONE;
    return this.out.splice(0, this.out.length);
  }

  private state(id: string): StreamState {
    let s = this.streams.get(id);
    if (!s) {
      s = {
        name: id,
        pending: null,
        errorHead: null,
        expectObject: false,
        objectLines: null,
        objectStart: 0,
        objectTime: null,
      };
      this.streams.set(id, s);
    }
    return s;
  }

  private line(raw: string, streamId: string): void {
    this.lineNo++;
    this.stats.lines++;
    if (raw.length > this.maxLine) {
      this.stats.oversized++;
      return;
    }
    let line = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    line = stripAnsi(line);
    let stream = streamId;
    const pod = splitPodPrefix(line);
    if (pod.stream) {
      stream = streamId ? `${streamId}|${pod.stream}` : pod.stream;
      line = pod.rest;
    }
    const ts = splitTimestamp(line);
    line = ts.rest;
    const s = this.state(stream);

    if (s.objectLines) {
      // An Object: block ends with the blank line Nest prints after the JSON, or when a new entry starts.
      if (line.startsWith('[Nest] ')) {
        this.closeObject(s);
      } else {
        if (line.trim() === '') {
          this.closeObject(s);
          return;
        }
        s.objectLines.push(line);
        if (s.objectLines.length > MAX_OBJECT_LINES) {
          this.stats.malformed++;
          s.objectLines = null;
          s.expectObject = false;
        }
        return;
      }
    }

    if (line.startsWith('[Nest] ')) {
      const e = parseNestLine(line);
      if (!e) {
        this.stats.malformed++;
        return;
      }
      this.stats.nestLines++;
      this.entry(s, e, ts.time, line, stream);
      return;
    }
    if (line.startsWith('{') && line.includes('"kafkajs"')) {
      this.stats.kafkajsLines++;
      if (line.includes('"level":"ERROR"')) this.stats.kafkajsErrors++;
      return;
    }
    this.stats.otherLines++;
  }

  private keep(p: Pending, line: string): void {
    p.lastLine = this.lineNo;
    if (p.lines.length < this.maxKept) p.lines.push(line);
  }

  private entry(s: StreamState, e: NestEntry, prefixTime: string | null, line: string, stream: string): void {
    const msg = e.message;
    // Converting the Nest time costs more than the rest of the line: only done for lines that start something.
    const time = (): string | null => prefixTime ?? nestTimeToIso(e.rawTime);

    if (s.errorHead) {
      const head = s.errorHead;
      s.errorHead = null;
      if (e.level === 'ERROR' && e.context === head.context) {
        this.errorPair(s, head.head, msg, line);
        return;
      }
    }
    if (e.level === 'ERROR' && msg.endsWith(':')) {
      s.errorHead = { context: e.context, head: msg.slice(0, -1) };
      if (s.pending) this.keep(s.pending, line);
      return;
    }

    if (msg === 'Object:' && s.expectObject) {
      s.objectLines = [];
      s.objectStart = this.lineNo;
      s.objectTime = time();
      return;
    }
    if (s.expectObject) s.expectObject = false;

    const c0 = msg.charCodeAt(0);
    if (c0 === 80 /* P */) {
      let m = RE_PROCESSING.exec(msg);
      if (m) {
        this.begin(s, stream, m[1] as string, logNumber(m[2] as string), null, time(), 'kafka', line);
        return;
      }
      m = RE_ALERT.exec(msg);
      if (m) {
        this.begin(
          s,
          stream,
          m[1] as string,
          logNumber(m[2] as string),
          logNumber(m[3] as string),
          time(),
          'alert',
          line,
        );
        return;
      }
    } else if (c0 === 69 /* E */) {
      const m = RE_EVALUATING.exec(msg);
      if (m) {
        let p = s.pending;
        if (!p || p.evaluated) {
          // The look-back window started between "Processing" and "Evaluating": still one evaluated GuardTrip.
          if (p) this.finish(s);
          p = this.newPending(null, time(), undefined, line);
          s.pending = p;
        } else {
          this.keep(p, line);
        }
        p.risk = logNumber(m[1] as string);
        p.misses = logNumber(m[2] as string);
        p.evaluated = true;
        return;
      }
      const x = RE_EXECUTING.exec(msg);
      if (x && s.pending) {
        s.pending.bot.targetRelease = x[1] as string;
        this.keep(s.pending, line);
        return;
      }
    } else if (c0 === 82 /* R */) {
      const m = RE_DECISION.exec(msg);
      if (m) {
        const p = s.pending;
        if (p) {
          const reason = m[2] as string;
          p.bot.decision = 'rollback';
          if (reason.startsWith('high_risk_')) p.bot.reasonKind = 'high_risk';
          else if (reason.startsWith('heartbeat_miss_')) p.bot.reasonKind = 'heartbeat_miss';
          if (!p.capsuleHash) p.capsuleHash = m[3] as string;
          this.keep(p, line);
        }
        return;
      }
      const c = RE_CREATED.exec(msg);
      if (c) {
        if (s.pending) {
          s.pending.bot.rollbackName = (c[1] as string).trim();
          this.keep(s.pending, line);
          this.finish(s);
        }
        return;
      }
      if (msg.startsWith('Received empty message')) {
        this.stats.emptyMessages++;
        return;
      }
      if (msg.startsWith('Received Alertmanager webhook')) return;
    } else if (c0 === 78 /* N */) {
      const m = RE_NO_ROLLBACK.exec(msg);
      if (m) {
        const p = s.pending;
        if (p) {
          p.bot.decision = 'no-rollback';
          if (!p.capsuleHash) p.capsuleHash = m[2] as string;
          this.keep(p, line);
          // The engine logs first; the caller's line (Kafka service or alert controller) closes the event.
          if (e.context !== 'DecisionEngineService') this.finish(s);
        }
        return;
      }
    } else if (c0 === 73 /* I */) {
      if (msg.startsWith('Invalid GuardTrip event received')) {
        s.expectObject = true;
        return;
      }
    } else if (c0 === 65 /* A */) {
      if (msg === 'Alert missing capsule_hash label') {
        this.stats.alertsMissingHash++;
        return;
      }
    } else if (c0 === 67 /* C */) {
      if (msg.startsWith('Cannot execute rollback')) {
        if (s.pending) {
          s.pending.bot.rollbackError = msg;
          this.keep(s.pending, line);
          this.finish(s);
        }
        return;
      }
    }
  }

  private errorPair(s: StreamState, head: string, text: string, line: string): void {
    const p = s.pending;
    if (!p) return;
    this.keep(p, line);
    const full = `${head}: ${text}`;
    if (head === 'Failed to execute rollback') {
      p.bot.rollbackError = text;
    } else if (head === 'Error processing Kafka message' || head === 'Error processing alert') {
      if (!p.bot.rollbackError) (p.bot.errors ??= []).push(full);
      this.finish(s);
    } else {
      (p.bot.errors ??= []).push(full);
    }
  }

  private newPending(
    hash: string | null,
    time: string | null,
    path: 'kafka' | 'alert' | undefined,
    line: string,
  ): Pending {
    return {
      capsuleHash: hash,
      tenantId: null,
      risk: null,
      misses: null,
      evaluated: false,
      time,
      bot: { decision: 'unknown', ...(path ? { path } : {}) },
      firstLine: this.lineNo,
      lastLine: this.lineNo,
      lines: [line],
    };
  }

  private begin(
    s: StreamState,
    _stream: string,
    hash: string,
    risk: number,
    misses: number | null,
    time: string | null,
    path: 'kafka' | 'alert',
    line: string,
  ): void {
    if (s.pending) this.finish(s);
    const p = this.newPending(hash, time, path, line);
    p.risk = risk;
    p.misses = misses;
    s.pending = p;
  }

  private finish(s: StreamState): void {
    const p = s.pending;
    s.pending = null;
    if (!p) return;
    if (!p.evaluated) {
      this.stats.unevaluated++;
      return;
    }
    this.stats.incidents++;
    const streamName = s.name;
    this.out.push({
      capsuleHash: p.capsuleHash,
      tenantId: p.tenantId,
      riskScore: p.risk,
      heartbeatMisses: p.misses,
      ts: p.time,
      source: 'log',
      bot: p.bot,
      origin: {
        ...(this.file ? { file: this.file } : {}),
        firstLine: p.firstLine,
        lastLine: p.lastLine,
        ...(streamName ? { stream: streamName } : {}),
        lines: p.lines,
      },
    });
  }

  private closeObject(s: StreamState): void {
    const lines = s.objectLines;
    if (!lines) return;
    s.objectLines = null;
    s.expectObject = false;
    let obj: unknown;
    try {
      obj = JSON.parse(lines.join('\n'));
    } catch {
      this.stats.malformed++;
      return;
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
      this.stats.malformed++;
      return;
    }
    const o = obj as Record<string, unknown>;
    this.stats.invalidEvents++;
    const streamName = s.name;
    this.out.push({
      capsuleHash: typeof o.capsuleHash === 'string' ? o.capsuleHash : null,
      tenantId: typeof o.tenantId === 'string' ? o.tenantId : null,
      riskScore: o.riskScore,
      heartbeatMisses: o.heartbeatMisses,
      ts: typeof o.ts === 'string' ? o.ts : s.objectTime,
      source: 'log',
      ...(typeof o.reason === 'string' ? { reason: o.reason } : {}),
      bot: { decision: 'rejected', path: 'kafka' },
      origin: {
        ...(this.file ? { file: this.file } : {}),
        firstLine: s.objectStart,
        lastLine: s.objectStart + lines.length,
        ...(streamName ? { stream: streamName } : {}),
        lines: ['Object:', ...lines].slice(0, this.maxKept),
      },
    });
  }
}
