import type { Labels } from './labels';
import { NO_LABELS, labelsFrom, labelsKey, seriesKey, withoutLabels } from './labels';

/** Prometheus text exposition format 0.0.4, as prom-client 15 prints it and as Prometheus documents it. */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

const METRIC_TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

export interface ExpositionSample {
  /** The name as written: `x_bucket`, `x_sum` and `x_count` stay distinct inside the family `x`. */
  name: string;
  labels: Labels;
  value: number;
  /** Milliseconds since the epoch, when the line carried a timestamp (prom-client never writes one). */
  timestampMs: number | null;
  /** 1-based line number in the text. */
  line: number;
}

export interface HistogramBucket {
  /** Upper bound, `+Inf` included. */
  le: number;
  /** Cumulative count. */
  count: number;
}

export interface HistogramSeries {
  /** The labels of the `_bucket` series without `le`, i.e. the labels shared with `_sum` and `_count`. */
  labels: Labels;
  /** Sorted by `le`. */
  buckets: HistogramBucket[];
  sum: number | null;
  count: number | null;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string | null;
  /** Empty for a labelled metric that was never touched: prom-client prints only its HELP and TYPE lines. */
  samples: ExpositionSample[];
  /** Histogram families only: `_bucket`, `_sum` and `_count` grouped per label set. */
  histograms: HistogramSeries[];
}

export interface ExpositionError {
  line: number;
  /** The offending line, cut to 200 characters. */
  text: string;
  reason: string;
}

export interface Exposition {
  families: Map<string, MetricFamily>;
  /** The first `MAX_REPORTED_ERRORS` malformed lines; `errorCount` counts them all. */
  errors: ExpositionError[];
  errorCount: number;
}

export const MAX_REPORTED_ERRORS = 100;

const METRIC_NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^-?\d+$/;

/** A sample value or `le` as Go's ParseFloat reads it (decimal, exponent, NaN, ±Inf), or null. Never `Number('')`. */
export function parsePromFloat(text: string): number | null {
  if (DECIMAL.test(text)) return Number(text);
  switch (text.toLowerCase()) {
    case 'nan':
      return NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    default:
      return null;
  }
}

type Line =
  | { kind: 'blank' }
  | { kind: 'help'; name: string; help: string }
  | { kind: 'type'; name: string; type: MetricType }
  | { kind: 'sample'; name: string; labels: Labels; value: number; timestampMs: number | null }
  | { kind: 'error'; reason: string };

const BLANK: Line = { kind: 'blank' };
const fail = (reason: string): Line => ({ kind: 'error', reason });

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

function skipBlanks(s: string, i: number): number {
  while (isBlank(s[i])) i++;
  return i;
}

function tokenEnd(s: string, i: number): number {
  while (i < s.length && !isBlank(s[i])) i++;
  return i;
}

function matchAt(re: RegExp, s: string, i: number): string | null {
  re.lastIndex = i;
  return re.exec(s)?.[0] ?? null;
}

/** Reads a quoted label value from just after its opening quote. */
function readQuoted(s: string, i: number): { value: string; end: number } | string {
  let value = '';
  for (;;) {
    const c = s[i];
    if (c === undefined) return 'unterminated label value';
    if (c === '"') return { value, end: i + 1 };
    if (c === '\\') {
      const e = s[i + 1];
      if (e === '\\' || e === '"') value += e;
      else if (e === 'n') value += '\n';
      else return `invalid escape "\\${e ?? ''}" in a label value`;
      i += 2;
    } else {
      value += c;
      i++;
    }
  }
}

/** Reads `name="value",...}` from just after the opening brace. A trailing comma is allowed, as in Prometheus. */
function readLabels(s: string, i: number): { labels: Labels; end: number } | string {
  const pairs: [string, string][] = [];
  const seen = new Set<string>();
  for (;;) {
    i = skipBlanks(s, i);
    if (s[i] === '}') return { labels: labelsFrom(pairs), end: i + 1 };
    const name = matchAt(LABEL_NAME, s, i);
    if (name === null) return 'expected a label name';
    i = skipBlanks(s, i + name.length);
    if (s[i] !== '=') return `expected "=" after label ${name}`;
    i = skipBlanks(s, i + 1);
    if (s[i] !== '"') return `expected a quoted value for label ${name}`;
    const quoted = readQuoted(s, i + 1);
    if (typeof quoted === 'string') return quoted;
    if (seen.has(name)) return `duplicate label ${name}`;
    seen.add(name);
    pairs.push([name, quoted.value]);
    i = skipBlanks(s, quoted.end);
    if (s[i] === ',') i++;
    else if (s[i] !== '}') return 'expected "," or "}" after a label value';
  }
}

/** HELP text escapes: only `\\` and `\n` exist (a quote needs none). */
function unescapeHelp(text: string): string | null {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = text[++i];
    if (e === '\\') out += '\\';
    else if (e === 'n') out += '\n';
    else return null;
  }
  return out;
}

function parseComment(s: string, i: number): Line {
  i = skipBlanks(s, i);
  const keyword = s.slice(i, tokenEnd(s, i));
  if (keyword !== 'HELP' && keyword !== 'TYPE') return BLANK;
  i = skipBlanks(s, i + keyword.length);
  const name = matchAt(METRIC_NAME, s, i);
  if (name === null || (i + name.length < s.length && !isBlank(s[i + name.length]))) {
    return fail(`# ${keyword} without a valid metric name`);
  }
  i = skipBlanks(s, i + name.length);
  if (keyword === 'HELP') {
    const help = unescapeHelp(s.slice(i));
    return help === null
      ? fail('invalid escape in HELP text (only \\\\ and \\n are allowed)')
      : { kind: 'help', name, help };
  }
  const end = tokenEnd(s, i);
  const type = s.slice(i, end).toLowerCase() as MetricType;
  if (!METRIC_TYPES.includes(type)) return fail(`unknown metric type "${s.slice(i, end)}"`);
  if (skipBlanks(s, end) < s.length) return fail('unexpected text after the metric type');
  return { kind: 'type', name, type };
}

function parseLine(s: string): Line {
  let i = skipBlanks(s, 0);
  if (i === s.length) return BLANK;
  if (s[i] === '#') return parseComment(s, i + 1);
  const name = matchAt(METRIC_NAME, s, i);
  if (name === null) return fail('expected a metric name');
  i += name.length;
  let labels = NO_LABELS;
  if (s[i] === '{') {
    const read = readLabels(s, i + 1);
    if (typeof read === 'string') return fail(read);
    labels = read.labels;
    i = read.end;
  } else if (!isBlank(s[i])) {
    return fail(i < s.length ? `unexpected "${s[i]}" in the metric name` : 'missing value');
  }
  i = skipBlanks(s, i);
  const valueEnd = tokenEnd(s, i);
  const valueText = s.slice(i, valueEnd);
  if (valueText === '') return fail('missing value');
  const value = parsePromFloat(valueText);
  if (value === null) return fail(`invalid value "${valueText}"`);
  i = skipBlanks(s, valueEnd);
  let timestampMs: number | null = null;
  if (i < s.length) {
    const tsEnd = tokenEnd(s, i);
    const tsText = s.slice(i, tsEnd);
    if (!INTEGER.test(tsText)) return fail(`invalid timestamp "${tsText}" (integer milliseconds expected)`);
    timestampMs = Number(tsText);
    if (skipBlanks(s, tsEnd) < s.length) return fail('unexpected text after the timestamp');
  }
  return { kind: 'sample', name, labels, value, timestampMs };
}

const SUFFIXES: readonly [string, readonly MetricType[]][] = [
  ['_bucket', ['histogram']],
  ['_sum', ['histogram', 'summary']],
  ['_count', ['histogram', 'summary']],
];

class ExpositionBuilder {
  readonly families = new Map<string, MetricFamily>();
  readonly errors: ExpositionError[] = [];
  errorCount = 0;
  private readonly typed = new Set<string>();
  private readonly seriesSeen = new Set<string>();

  error(line: number, text: string, reason: string): void {
    this.errorCount++;
    if (this.errors.length < MAX_REPORTED_ERRORS) this.errors.push({ line, text: text.slice(0, 200), reason });
  }

  family(name: string): MetricFamily {
    let f = this.families.get(name);
    if (!f) {
      f = { name, type: 'untyped', help: null, samples: [], histograms: [] };
      this.families.set(name, f);
    }
    return f;
  }

  help(name: string, help: string): string | null {
    const f = this.family(name);
    if (f.help !== null) return `second HELP line for ${name}`;
    f.help = help;
    return null;
  }

  type(name: string, type: MetricType): string | null {
    if (this.typed.has(name)) return `second TYPE line for ${name}`;
    const f = this.family(name);
    if (f.samples.length > 0) return `TYPE line for ${name} after its samples`;
    f.type = type;
    this.typed.add(name);
    return null;
  }

  /** Which family a sample name belongs to: `x_bucket` goes to histogram `x`, `x_sum` to histogram or summary `x`. */
  private familyOf(name: string): MetricFamily | string {
    const exact = this.families.get(name);
    if (exact && this.typed.has(name)) {
      return exact.type === 'histogram' ? `histogram sample ${name} must end in _bucket, _sum or _count` : exact;
    }
    for (const [suffix, types] of SUFFIXES) {
      if (!name.endsWith(suffix)) continue;
      const base = this.families.get(name.slice(0, -suffix.length));
      if (base && types.includes(base.type)) return base;
    }
    return exact ?? this.family(name);
  }

  sample(line: number, name: string, labels: Labels, value: number, timestampMs: number | null): string | null {
    const f = this.familyOf(name);
    if (typeof f === 'string') return f;
    if (f.type === 'histogram' && name.endsWith('_bucket')) {
      const le = labels['le'];
      if (le === undefined) return `histogram bucket ${name} without an le label`;
      const bound = parsePromFloat(le);
      if (bound === null || Number.isNaN(bound)) return `invalid le "${le}"`;
    }
    const key = seriesKey(name, labels);
    if (this.seriesSeen.has(key)) return `duplicate series ${key}`;
    this.seriesSeen.add(key);
    f.samples.push({ name, labels, value, timestampMs, line });
    return null;
  }
}

function groupHistogram(f: MetricFamily): HistogramSeries[] {
  const groups = new Map<string, HistogramSeries>();
  for (const s of f.samples) {
    const isBucket = s.name.endsWith('_bucket');
    const labels = isBucket ? withoutLabels(s.labels, ['le']) : s.labels;
    const key = labelsKey(labels);
    let g = groups.get(key);
    if (!g) {
      g = { labels, buckets: [], sum: null, count: null };
      groups.set(key, g);
    }
    if (isBucket) g.buckets.push({ le: parsePromFloat(s.labels['le'] ?? '') ?? NaN, count: s.value });
    else if (s.name.endsWith('_sum')) g.sum = s.value;
    else g.count = s.value;
  }
  for (const g of groups.values()) g.buckets.sort((a, b) => a.le - b.le);
  return [...groups.values()];
}

/** Parses an exposition. Total: malformed lines are reported in `errors` and skipped, never thrown. */
export function parseExposition(text: string): Exposition {
  const b = new ExpositionBuilder();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    let s = lines[n]!;
    if (s.endsWith('\r')) s = s.slice(0, -1);
    const parsed = parseLine(s);
    let problem: string | null = null;
    switch (parsed.kind) {
      case 'blank':
        break;
      case 'error':
        problem = parsed.reason;
        break;
      case 'help':
        problem = b.help(parsed.name, parsed.help);
        break;
      case 'type':
        problem = b.type(parsed.name, parsed.type);
        break;
      case 'sample':
        problem = b.sample(n + 1, parsed.name, parsed.labels, parsed.value, parsed.timestampMs);
        break;
    }
    if (problem !== null) b.error(n + 1, s, problem);
  }
  for (const f of b.families.values()) if (f.type === 'histogram') f.histograms = groupHistogram(f);
  return { families: b.families, errors: b.errors, errorCount: b.errorCount };
}
