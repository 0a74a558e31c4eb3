import { parsePromFloat } from './exposition';
import type { Labels } from './labels';
import { escapeLabelValue, labelEntries, labelsFrom } from './labels';
import { BOT_METRICS } from './names';
import type { Point } from './series';
import type { InstantVector } from './vector';

/** PromQL text for a Prometheus HTTP API source, and a total parser for that API's JSON answers. */

const UNITS: readonly [string, number, boolean][] = [
  // Years and weeks only when exact, as Prometheus prints them ("90d" reads better than "12w6d").
  ['y', 365 * 86_400_000, true],
  ['w', 7 * 86_400_000, true],
  ['d', 86_400_000, false],
  ['h', 3_600_000, false],
  ['m', 60_000, false],
  ['s', 1000, false],
  ['ms', 1, false],
];

/** A duration as Prometheus prints it (`model.Duration.String`): `5m`, `1m30s`, `0s`. */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  if (rest === 0) return '0s';
  let out = '';
  for (const [unit, size, exactOnly] of UNITS) {
    if (exactOnly && rest % size !== 0) continue;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Parses a Prometheus duration (`2m`, `1h30m`, `0`); null when it is not one. */
export function parseDuration(text: string): number | null {
  if (text === '0') return 0;
  const m = DURATION.exec(text);
  if (!m || text === '') return null;
  return UNITS.reduce((acc, [, size], i) => acc + Number(m[i + 1] ?? 0) * size, 0);
}

export function selector(metric: string, match: Labels = {}): string {
  const entries = labelEntries(match);
  if (entries.length === 0) return metric;
  return `${metric}{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(', ')}}`;
}

export function rateQuery(metric: string, rangeMs: number): string {
  return `rate(${metric}[${formatDuration(rangeMs)}])`;
}

/** `sum(inner)`, or `sum by (a, b) (inner)`. */
export function sumQuery(inner: string, by: readonly string[] = []): string {
  return by.length === 0 ? `sum(${inner})` : `sum by (${by.join(', ')}) (${inner})`;
}

/**
 * `histogram_quantile(q, rate(x_bucket[range]))`, or with `sumBy` (which must include `le`) the buckets summed first,
 * which merges pods/instances into one quantile.
 */
export function histogramQuantileQuery(
  q: number,
  histogram: string,
  rangeMs: number,
  sumBy?: readonly string[],
): string {
  const rated = rateQuery(`${histogram}_bucket`, rangeMs);
  return `histogram_quantile(${q}, ${sumBy ? sumQuery(rated, sumBy) : rated})`;
}

const FIVE_MINUTES = 5 * 60_000;

/** The queries the metrics panel runs against Prometheus. */
export const BOT_QUERIES = {
  /** Per capsule (one series per `reason`): what the playbook's HighRollbackRate compares. */
  rollbackRate: rateQuery(BOT_METRICS.rollbacks, FIVE_MINUTES),
  rollbackRateSum: sumQuery(rateQuery(BOT_METRICS.rollbacks, FIVE_MINUTES)),
  decisionLatencyP95: histogramQuantileQuery(0.95, BOT_METRICS.decisionLatency, FIVE_MINUTES, ['le']),
  guardTripsByTenant: sumQuery(rateQuery(BOT_METRICS.guardTrips, FIVE_MINUTES), ['tenant_id']),
  activeRollbacks: BOT_METRICS.activeRollbacks,
} as const;

function apiBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

const seconds = (ms: number): string => String(ms / 1000);

/** `GET /api/v1/query`; without `atMs` Prometheus evaluates at its own current time. */
export function queryUrl(baseUrl: string, query: string, atMs?: number): string {
  const time = atMs === undefined ? '' : `&time=${seconds(atMs)}`;
  return `${apiBase(baseUrl)}/api/v1/query?query=${encodeURIComponent(query)}${time}`;
}

/** `GET /api/v1/query_range`. */
export function queryRangeUrl(baseUrl: string, query: string, startMs: number, endMs: number, stepMs: number): string {
  const q = encodeURIComponent(query);
  return `${apiBase(baseUrl)}/api/v1/query_range?query=${q}&start=${seconds(startMs)}&end=${seconds(endMs)}&step=${seconds(stepMs)}`;
}

export interface ApiSeries {
  /** As returned, `__name__` included when the query kept it. */
  labels: Labels;
  /** Times in epoch milliseconds. A vector or scalar has one point, a matrix row several. */
  points: Point[];
}

export type PromApiResult =
  | { ok: true; resultType: 'vector' | 'matrix' | 'scalar'; series: ApiSeries[]; warnings: string[] }
  | { ok: false; errorType: string | null; error: string; warnings: string[] };

type Failure = Extract<PromApiResult, { ok: false }>;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function failure(error: string, errorType: string | null = null, warnings: string[] = []): Failure {
  return { ok: false, errorType, error, warnings };
}

function stringList(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((w): w is string => typeof w === 'string') : [];
}

/** `[unixSeconds, "value"]` → a point, or why not. */
function readPoint(x: unknown, where: string): Point | string {
  if (!Array.isArray(x) || x.length !== 2) return `${where} is not a [time, "value"] pair`;
  const [t, v] = x as [unknown, unknown];
  if (typeof t !== 'number' || !Number.isFinite(t)) return `${where} has a non-numeric time`;
  if (typeof v !== 'string') return `${where} has a value that is not a string`;
  const value = parsePromFloat(v);
  if (value === null) return `${where} has an invalid value "${v.slice(0, 40)}"`;
  return { t: Math.round(t * 1000), v: value };
}

function readMetric(x: unknown, where: string): Labels | string {
  if (!isObject(x)) return `${where}.metric is not an object`;
  const pairs: [string, string][] = [];
  for (const [k, v] of Object.entries(x)) {
    if (typeof v !== 'string') return `${where}.metric.${k} is not a string`;
    pairs.push([k, v]);
  }
  return labelsFrom(pairs);
}

function readSeries(x: unknown, where: string, matrix: boolean): ApiSeries | string {
  if (!isObject(x)) return `${where} is not an object`;
  const labels = readMetric(x['metric'], where);
  if (typeof labels === 'string') return labels;
  if (x['histogram'] !== undefined || x['histograms'] !== undefined) {
    return `${where} is a native histogram, which is not supported`;
  }
  const raw = matrix ? x['values'] : [x['value']];
  if (!Array.isArray(raw)) return `${where}.values is not an array`;
  const points: Point[] = [];
  for (let i = 0; i < raw.length; i++) {
    const p = readPoint(raw[i], matrix ? `${where}.values[${i}]` : `${where}.value`);
    if (typeof p === 'string') return p;
    points.push(p);
  }
  return { labels, points };
}

/**
 * Reads an already JSON-decoded answer of `/api/v1/query` or `/api/v1/query_range`. Total: any shape gives either
 * the series or `{ ok: false, error }` naming the first thing that is wrong.
 */
export function parsePromApiResponse(body: unknown): PromApiResult {
  if (!isObject(body)) return failure('the response is not a JSON object');
  const warnings = [...stringList(body['warnings']), ...stringList(body['infos'])];
  if (body['status'] === 'error') {
    const errorType = typeof body['errorType'] === 'string' ? body['errorType'] : null;
    const error = typeof body['error'] === 'string' ? body['error'] : 'Prometheus reported an error without a message';
    return failure(error, errorType, warnings);
  }
  if (body['status'] !== 'success') return failure('the response has no "status": "success"', null, warnings);
  const data = body['data'];
  if (!isObject(data)) return failure('the response has no "data" object', null, warnings);
  const resultType = data['resultType'];
  const result = data['result'];
  if (resultType === 'scalar') {
    const p = readPoint(result, 'data.result');
    if (typeof p === 'string') return failure(p, null, warnings);
    return { ok: true, resultType, series: [{ labels: labelsFrom([]), points: [p] }], warnings };
  }
  if (resultType !== 'vector' && resultType !== 'matrix') {
    const shown = typeof resultType === 'string' ? `"${resultType.slice(0, 40)}"` : typeof resultType;
    return failure(`unsupported resultType ${shown}`, null, warnings);
  }
  if (!Array.isArray(result)) return failure('data.result is not an array', null, warnings);
  const series: ApiSeries[] = [];
  for (let i = 0; i < result.length; i++) {
    const s = readSeries(result[i], `data.result[${i}]`, resultType === 'matrix');
    if (typeof s === 'string') return failure(s, null, warnings);
    series.push(s);
  }
  return { ok: true, resultType, series, warnings };
}

/** Like `parsePromApiResponse`, from the body text (not JSON, an HTML error page, ...). */
export function parsePromApiText(text: string): PromApiResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return failure(`the response is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  return parsePromApiResponse(body);
}

/** The latest point of each series, as an instant vector. */
export function toInstantVector(series: readonly ApiSeries[]): InstantVector {
  const out: InstantVector = [];
  for (const s of series) {
    const last = s.points[s.points.length - 1];
    if (last) out.push({ labels: s.labels, value: last.v });
  }
  return out;
}
