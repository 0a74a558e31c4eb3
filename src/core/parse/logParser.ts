import type { BotObservation, GuardTripInput } from '../guardTrip';
import { stripAnsi } from './ansi';
import type { NestBytesEntry } from './nestBytes';
import type { KeptParts } from './keptLines';
import { LineSlabs, LogOrigin } from './keptLines';
import { concatBytes, copyBytes, scanNestBytes, utf8 } from './nestBytes';
import { nestTimeToIso, parseNestLine, splitPodPrefix, splitTimestamp } from './nestLine';
import {
  bytesEqual,
  DECISION_ENGINE,
  EVALUATING,
  EXECUTING,
  FOR_CAPSULE_LENGTH,
  matchCreated,
  matchDecision,
  matchEvaluating,
  matchExecuting,
  matchNoRollback,
  matchProcessing,
  MISSES_OFFSET,
  nestTimeBytesToIso,
  plainDecimal,
  PROCESSING,
  RISK_OPEN_LENGTH,
  startsWithAt,
} from './nestMessages';
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
  /** Kept display lines, decoded only if someone shows them. */
  parts: KeptParts;
  keptLines: number;
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
const HIGH_RISK = Uint8Array.from('high_risk_', (c) => c.charCodeAt(0));
const HEARTBEAT_MISS = Uint8Array.from('heartbeat_miss_', (c) => c.charCodeAt(0));

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
  private readonly carryBytes = new Map<string, Uint8Array>();
  private discarding: Record<string, boolean> = {};
  /**
   * The entry being handled. Its display line, context and time become strings only when the incident needs them
   * (most lines of a large log never do): `keepLine()`, `context()`, `entryTime()`.
   */
  private curLine: string | null = null;
  private curBuf: Uint8Array | null = null;
  private curStart = 0;
  private curEnd = 0;
  private curContext: string | null = null;
  private curRawTime: string | null = null;
  private curPrefixTime: string | null = null;
  private readonly scan: NestBytesEntry = {
    level: '',
    timeStart: 0,
    timeEnd: 0,
    contextStart: -1,
    contextEnd: -1,
    messageStart: 0,
    messageEnd: 0,
    hasEscape: false,
    plain: false,
  };
  private readonly slabs = new LineSlabs();
  private readonly decisionOut = { reasonEnd: 0 };
  private lastTimeBytes = new Uint8Array(48);
  private lastTimeLen = -1;
  private lastTimeIso: string | null = null;
  private lastStreamId: string | null = null;
  private lastStream: StreamState | null = null;
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

  /**
   * Adds a chunk of UTF-8 bytes (a file read without decoding it first). The same result as `push` of the decoded
   * text, faster: common Nest lines are read in place. The chunk is not kept; the caller may reuse it.
   */
  pushBytes(chunk: Uint8Array, streamId = ''): GuardTripInput[] {
    let start = 0;
    const prev = this.carryBytes.get(streamId);
    if (prev !== undefined || this.discarding[streamId]) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        if (!this.discarding[streamId]) this.carryRest(prev ? concatBytes(prev, chunk) : copyBytes(chunk), streamId);
        return this.drain();
      }
      if (this.discarding[streamId]) {
        delete this.discarding[streamId];
      } else if (prev) {
        this.carryBytes.delete(streamId);
        const line = concatBytes(prev, chunk.subarray(0, nl));
        this.lineBytes(line, 0, line.length, streamId);
      }
      start = nl + 1;
    }
    const n = chunk.length;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      this.lineBytes(chunk, start, nl, streamId);
      start = nl + 1;
    }
    if (start < n) this.carryRest(copyBytes(chunk, start), streamId);
    return this.drain();
  }

  /** Adds one complete line of UTF-8 bytes (without its newline). */
  pushLineBytes(buf: Uint8Array, start: number, end: number, streamId = ''): GuardTripInput[] {
    this.lineBytes(buf, start, end, streamId);
    return this.out.length ? this.drain() : NONE;
  }

  private carryRest(rest: Uint8Array, streamId: string): void {
    // Measured in characters, as `push` does, so both entry points discard the same lines.
    if (rest.length > this.maxLine && utf8(rest, 0, rest.length).length > this.maxLine) {
      this.carryBytes.delete(streamId);
      this.stats.oversized++;
      this.lineNo++;
      this.stats.lines++;
      this.discarding[streamId] = true;
      return;
    }
    this.carryBytes.set(streamId, rest);
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

  /**
   * The first line of the earliest event still open (being read), or the next line when none is: every event
   * emitted later starts at or after this line. Lets readers put events in input order without holding them all.
   */
  oldestOpenLine(): number {
    let min = this.lineNo + 1;
    for (const s of this.streams.values()) {
      if (s.pending && s.pending.firstLine < min) min = s.pending.firstLine;
      if (s.objectLines && s.objectStart < min) min = s.objectStart;
    }
    return min;
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
    for (const [id, rest] of [...this.carryBytes]) {
      this.carryBytes.delete(id);
      if (rest.length) this.lineBytes(rest, 0, rest.length, id);
    }
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
    if (id === this.lastStreamId && this.lastStream) return this.lastStream;
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
    this.lastStreamId = id;
    this.lastStream = s;
    return s;
  }

  /** One line of UTF-8 bytes: common Nest entries in place, anything else through the string parser. */
  private lineBytes(buf: Uint8Array, start: number, end: number, streamId: string): void {
    const e = this.scan;
    if (end - start <= this.maxLine && !this.state(streamId).objectLines && scanNestBytes(buf, start, end, e)) {
      this.lineNo++;
      this.stats.lines++;
      this.stats.nestLines++;
      this.curLine = null;
      this.curBuf = buf;
      this.curStart = start;
      this.curEnd = end > start && buf[end - 1] === 13 ? end - 1 : end;
      this.curContext = e.contextStart === -1 ? '' : null;
      this.curRawTime = null;
      this.curPrefixTime = null;
      const st = this.state(streamId);
      if (!this.knownMessage(st, buf, e)) this.entry(st, e.level, utf8(buf, e.messageStart, e.messageEnd), streamId);
      this.curBuf = null;
      return;
    }
    this.line(utf8(buf, start, end), streamId);
  }

  /**
   * `entry` for the bot's everyday messages, read from the bytes without making a string of the message. Returns
   * false when the message is not one of them, or when stream state (a pending error pair or Object block) makes
   * `entry` take another branch; `entry` then handles it.
   */
  private knownMessage(s: StreamState, buf: Uint8Array, e: NestBytesEntry): boolean {
    if (!e.plain || e.level === 'ERROR' || s.errorHead || s.expectObject) return false;
    const ms = e.messageStart;
    const me = e.messageEnd;
    switch (buf[ms]) {
      case 80 /* P */: {
        const at = matchProcessing(buf, ms, me);
        if (at === -1) return false;
        const risk = this.numberAt(buf, at + RISK_OPEN_LENGTH, me - 1);
        this.begin(s, '', utf8(buf, ms + PROCESSING.length, at), risk, null, this.entryTime(), 'kafka');
        return true;
      }
      case 69 /* E */: {
        const comma = matchEvaluating(buf, ms, me);
        if (comma !== -1) {
          let p = s.pending;
          if (!p || p.evaluated) {
            if (p) this.finish(s);
            p = this.newPending(null, this.entryTime(), undefined);
            s.pending = p;
          } else {
            this.keep(p);
          }
          p.risk = this.numberAt(buf, ms + EVALUATING.length, comma);
          p.misses = this.numberAt(buf, comma + MISSES_OFFSET, me);
          p.evaluated = true;
          return true;
        }
        const x = matchExecuting(buf, ms, me);
        if (x === -1) return false;
        if (s.pending) {
          s.pending.bot.targetRelease = utf8(buf, ms + EXECUTING.length, x);
          this.keep(s.pending);
        }
        return true;
      }
      case 82 /* R */: {
        const reason = matchDecision(buf, ms, me, this.decisionOut);
        if (reason !== -1) {
          const p = s.pending;
          if (p) {
            p.bot.decision = 'rollback';
            if (startsWithAt(buf, reason, me, HIGH_RISK)) p.bot.reasonKind = 'high_risk';
            else if (startsWithAt(buf, reason, me, HEARTBEAT_MISS)) p.bot.reasonKind = 'heartbeat_miss';
            if (!p.capsuleHash) p.capsuleHash = utf8(buf, this.decisionOut.reasonEnd + FOR_CAPSULE_LENGTH, me);
            this.keep(p);
          }
          return true;
        }
        const name = matchCreated(buf, ms, me);
        if (name === -1) return false;
        if (s.pending) {
          s.pending.bot.rollbackName = utf8(buf, name, me).trim();
          this.keep(s.pending);
          this.finish(s);
        }
        return true;
      }
      case 78 /* N */: {
        const capsule = matchNoRollback(buf, ms, me);
        if (capsule === -1) return false;
        const p = s.pending;
        if (p) {
          p.bot.decision = 'no-rollback';
          if (!p.capsuleHash) p.capsuleHash = utf8(buf, capsule, me);
          this.keep(p);
          // The engine logs first; the caller's line (Kafka service or alert controller) closes the event.
          const engine =
            e.contextStart !== -1 && bytesEqual(buf, e.contextStart, e.contextEnd, DECISION_ENGINE)
              ? true
              : this.context() === 'DecisionEngineService';
          if (!engine) this.finish(s);
        }
        return true;
      }
      default:
        return false;
    }
  }

  private numberAt(buf: Uint8Array, s: number, e: number): number {
    return plainDecimal(buf, s, e) ?? logNumber(utf8(buf, s, e));
  }

  /**
   * Keeps the current entry's line for display: the string the string parser made, or a copy of its bytes that
   * is decoded (ANSI removed) only when shown.
   */
  private keepLine(parts: KeptParts): void {
    if (this.curLine !== null) parts.push(this.curLine);
    else this.slabs.keep(parts, this.curBuf as Uint8Array, this.curStart, this.curEnd);
  }

  private context(): string {
    if (this.curContext === null) {
      this.curContext = utf8(this.curBuf as Uint8Array, this.scan.contextStart, this.scan.contextEnd).trim();
    }
    return this.curContext;
  }

  /** ISO time of the current entry: the kubectl timestamp when there is one, else the Nest time read as UTC. */
  private entryTime(): string | null {
    if (this.curPrefixTime !== null) return this.curPrefixTime;
    if (this.curRawTime !== null) return nestTimeToIso(this.curRawTime);
    const buf = this.curBuf as Uint8Array;
    const { timeStart, timeEnd } = this.scan;
    const len = timeEnd - timeStart;
    // Consecutive lines mostly share the same second: compare bytes before making a string of them.
    if (len === this.lastTimeLen) {
      let same = true;
      for (let k = 0; k < len; k++) {
        if (this.lastTimeBytes[k] !== buf[timeStart + k]) {
          same = false;
          break;
        }
      }
      if (same) return this.lastTimeIso;
    }
    const iso = nestTimeBytesToIso(buf, timeStart, timeEnd) ?? nestTimeToIso(utf8(buf, timeStart, timeEnd));
    if (len <= this.lastTimeBytes.length) {
      this.lastTimeBytes.set(buf.subarray(timeStart, timeEnd), 0);
      this.lastTimeLen = len;
      this.lastTimeIso = iso;
    }
    return iso;
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
      this.curBuf = null;
      this.curLine = line;
      this.curContext = e.context;
      this.curRawTime = e.rawTime;
      this.curPrefixTime = ts.time;
      this.entry(s, e.level, e.message, stream);
      return;
    }
    if (line.startsWith('{') && line.includes('"kafkajs"')) {
      this.stats.kafkajsLines++;
      if (line.includes('"level":"ERROR"')) this.stats.kafkajsErrors++;
      return;
    }
    this.stats.otherLines++;
  }

  private keep(p: Pending): void {
    p.lastLine = this.lineNo;
    if (p.keptLines < this.maxKept) {
      this.keepLine(p.parts);
      p.keptLines++;
    }
  }

  private entry(s: StreamState, level: string, msg: string, stream: string): void {
    // Converting the Nest time costs more than the rest of the line: only done for lines that start something.
    const time = (): string | null => this.entryTime();

    if (s.errorHead) {
      const head = s.errorHead;
      s.errorHead = null;
      if (level === 'ERROR' && this.context() === head.context) {
        this.errorPair(s, head.head, msg);
        return;
      }
    }
    if (level === 'ERROR' && msg.endsWith(':')) {
      s.errorHead = { context: this.context(), head: msg.slice(0, -1) };
      if (s.pending) this.keep(s.pending);
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
        this.begin(s, stream, m[1] as string, logNumber(m[2] as string), null, time(), 'kafka');
        return;
      }
      m = RE_ALERT.exec(msg);
      if (m) {
        this.begin(s, stream, m[1] as string, logNumber(m[2] as string), logNumber(m[3] as string), time(), 'alert');
        return;
      }
    } else if (c0 === 69 /* E */) {
      const m = RE_EVALUATING.exec(msg);
      if (m) {
        let p = s.pending;
        if (!p || p.evaluated) {
          // The look-back window started between "Processing" and "Evaluating": still one evaluated GuardTrip.
          if (p) this.finish(s);
          p = this.newPending(null, time(), undefined);
          s.pending = p;
        } else {
          this.keep(p);
        }
        p.risk = logNumber(m[1] as string);
        p.misses = logNumber(m[2] as string);
        p.evaluated = true;
        return;
      }
      const x = RE_EXECUTING.exec(msg);
      if (x && s.pending) {
        s.pending.bot.targetRelease = x[1] as string;
        this.keep(s.pending);
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
          this.keep(p);
        }
        return;
      }
      const c = RE_CREATED.exec(msg);
      if (c) {
        if (s.pending) {
          s.pending.bot.rollbackName = (c[1] as string).trim();
          this.keep(s.pending);
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
          this.keep(p);
          // The engine logs first; the caller's line (Kafka service or alert controller) closes the event.
          if (this.context() !== 'DecisionEngineService') this.finish(s);
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
          this.keep(s.pending);
          this.finish(s);
        }
        return;
      }
    }
  }

  private errorPair(s: StreamState, head: string, text: string): void {
    const p = s.pending;
    if (!p) return;
    this.keep(p);
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

  private newPending(hash: string | null, time: string | null, path: 'kafka' | 'alert' | undefined): Pending {
    const parts: KeptParts = [];
    this.keepLine(parts);
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
      parts,
      keptLines: 1,
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
  ): void {
    if (s.pending) this.finish(s);
    const p = this.newPending(hash, time, path);
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
      origin: new LogOrigin(this.file, p.firstLine, p.lastLine, streamName, p.parts),
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
