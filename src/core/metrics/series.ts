import type { MetricFamily, MetricType } from './exposition';
import type { Labels } from './labels';
import { seriesKey } from './labels';

/**
 * A sliding-window store of scraped samples, one series per metric name + label set, with the PromQL functions the
 * incident-bot's metrics need. Bounded: at most `maxSeries` series of at most `maxPointsPerSeries` points each,
 * because `incident_bot_rollbacks_total` gets one series per rolled-back capsule (its `reason` label holds the hash).
 */

export interface Point {
  /** Epoch milliseconds. */
  t: number;
  v: number;
}

export interface Series {
  readonly key: string;
  readonly name: string;
  readonly labels: Labels;
  /** Oldest first, strictly increasing `t`. */
  readonly points: readonly Point[];
  /** Times the series vanished from a scrape (Prometheus' staleness markers); they end instant lookups. */
  readonly staleAt: readonly number[];
}

export interface Scrape {
  at: number;
  families: ReadonlyMap<string, MetricFamily>;
}

export interface FamilyInfo {
  type: MetricType;
  help: string | null;
  /** Samples in the latest scrape: 0 for a metric that exists but was never touched. */
  samples: number;
}

export interface IngestReport {
  /** Series first stored by this scrape. */
  added: number;
  /** Stored series removed to make room for series that changed more recently. */
  evicted: number;
  /** Series of this scrape that were not stored (cardinality cap) or samples rejected as out of order. */
  dropped: number;
  /** The scrape was older than the previous one and was ignored. */
  rejected: boolean;
}

export interface SeriesStoreOptions {
  /** How much history to keep. Default 15 min: rate windows up to that long can be evaluated. */
  windowMs?: number;
  /** Default 1000. */
  maxSeries?: number;
  /** Default 1000 (15 min at one scrape per second, the fastest the setting allows, is 900). */
  maxPointsPerSeries?: number;
}

export const DEFAULT_WINDOW_MS = 15 * 60_000;
/** Prometheus' default lookback for instant selectors. */
export const LOOKBACK_MS = 5 * 60_000;

interface MutableSeries extends Series {
  readonly points: Point[];
  readonly staleAt: number[];
  /** When the value last changed (or the series was stored): the least recently changed series is evicted first. */
  lastChangeAt: number;
  present: boolean;
}

export class SeriesStore {
  readonly windowMs: number;
  readonly maxSeries: number;
  readonly maxPointsPerSeries: number;
  private readonly series = new Map<string, MutableSeries>();
  private readonly countByName = new Map<string, number>();
  /** Series left out for lack of room, with the value they had: they are let in again only when that value changes. */
  private readonly leftOut = new Map<string, number>();
  private families = new Map<string, FamilyInfo>();
  private lastAt: number | null = null;
  private droppedTotal = 0;

  constructor(options: SeriesStoreOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.maxSeries = Math.max(1, options.maxSeries ?? 1000);
    this.maxPointsPerSeries = Math.max(2, options.maxPointsPerSeries ?? 1000);
  }

  get size(): number {
    return this.series.size;
  }

  get lastScrapeAt(): number | null {
    return this.lastAt;
  }

  /** Since the store was created: samples of series left out by the cardinality cap, and out-of-order samples. */
  get droppedSeries(): number {
    return this.droppedTotal;
  }

  /** The family as the latest scrape declared it, even without samples; undefined when it was absent. */
  family(name: string): FamilyInfo | undefined {
    return this.families.get(name);
  }

  ingest(scrape: Scrape): IngestReport {
    const report: IngestReport = { added: 0, evicted: 0, dropped: 0, rejected: false };
    const at = scrape.at;
    if (this.lastAt !== null && at <= this.lastAt) return { ...report, rejected: true };
    const families = new Map<string, FamilyInfo>();
    const seen = new Set<string>();
    for (const f of scrape.families.values()) {
      families.set(f.name, { type: f.type, help: f.help, samples: f.samples.length });
      for (const s of f.samples) {
        const key = seriesKey(s.name, s.labels);
        if (seen.has(key)) continue;
        seen.add(key);
        const t = s.timestampMs ?? at;
        const existing = this.series.get(key);
        if (existing) {
          if (!this.append(existing, t, s.value)) report.dropped++;
        } else {
          this.admit(key, s.name, s.labels, t, s.value, report);
        }
      }
    }
    for (const s of this.series.values()) {
      const present = seen.has(s.key);
      if (!present && s.present) s.staleAt.push(at);
      s.present = present;
    }
    this.families = families;
    this.lastAt = at;
    this.prune(at);
    this.droppedTotal += report.dropped;
    return report;
  }

  /** A failed scrape makes every series stale, as in Prometheus (`up` 0): instant values disappear, ranges stay. */
  markScrapeFailed(at: number): void {
    if (this.lastAt !== null && at <= this.lastAt) return;
    for (const s of this.series.values()) {
      if (s.present) s.staleAt.push(at);
      s.present = false;
    }
    this.lastAt = at;
    this.prune(at);
  }

  /** Series of one metric name (`x_bucket` for histogram buckets) whose labels include all of `match`. */
  select(name: string, match: Labels = {}): Series[] {
    const wanted = Object.entries(match);
    const out: Series[] = [];
    for (const s of this.series.values()) {
      if (s.name !== name) continue;
      if (wanted.every(([k, v]) => Object.hasOwn(s.labels, k) && s.labels[k] === v)) out.push(s);
    }
    return out;
  }

  private append(s: MutableSeries, t: number, v: number): boolean {
    const last = s.points[s.points.length - 1];
    if (last && t <= last.t) return false;
    if (!last || !sameValue(last.v, v)) s.lastChangeAt = t;
    s.points.push({ t, v });
    if (s.points.length > this.maxPointsPerSeries) s.points.splice(0, s.points.length - this.maxPointsPerSeries);
    return true;
  }

  private admit(key: string, name: string, labels: Labels, t: number, v: number, report: IngestReport): void {
    // A metric with fewer series than the biggest one may always take a slot from it, so one exploding label
    // (a series per capsule) never keeps the small latency histogram or the gauges out.
    const fair = (this.countByName.get(name) ?? 0) + 1 < this.biggestFamily().count;
    const leftOutValue = this.leftOut.get(key);
    // Unchanged since it was left out: its rate is 0, so storing it would only push out a series that may matter.
    if (!fair && leftOutValue !== undefined && sameValue(leftOutValue, v)) {
      report.dropped++;
      return;
    }
    if (this.series.size >= this.maxSeries) {
      const victim = this.victim(t, fair);
      if (!victim) {
        this.remember(key, v);
        report.dropped++;
        return;
      }
      this.remove(victim);
      this.remember(victim.key, victim.points[victim.points.length - 1]?.v ?? NaN);
      report.evicted++;
    }
    this.leftOut.delete(key);
    this.series.set(key, { key, name, labels, points: [{ t, v }], staleAt: [], lastChangeAt: t, present: true });
    this.countByName.set(name, (this.countByName.get(name) ?? 0) + 1);
    report.added++;
  }

  private biggestFamily(): { name: string | null; count: number } {
    let biggest: { name: string | null; count: number } = { name: null, count: 0 };
    for (const [name, count] of this.countByName) if (count > biggest.count) biggest = { name, count };
    return biggest;
  }

  /**
   * The series to evict for a newcomer at `t`: the one unchanged for longest in the metric with the most series.
   * Unless the newcomer's metric is smaller (`fair`), only a series that changed before `t` may go: the newcomer
   * has just appeared or changed, so it displaces only a series that has been flat for longer.
   */
  private victim(t: number, fair: boolean): MutableSeries | null {
    const biggest = this.biggestFamily().name;
    let victim: MutableSeries | null = null;
    for (const s of this.series.values()) {
      if (s.name !== biggest || (!fair && s.lastChangeAt >= t)) continue;
      if (!victim || s.lastChangeAt < victim.lastChangeAt) victim = s;
    }
    return victim;
  }

  private remember(key: string, v: number): void {
    this.leftOut.delete(key);
    this.leftOut.set(key, v);
    if (this.leftOut.size > 10 * this.maxSeries) {
      const oldest = this.leftOut.keys().next();
      if (!oldest.done) this.leftOut.delete(oldest.value);
    }
  }

  private remove(s: MutableSeries): void {
    this.series.delete(s.key);
    const n = (this.countByName.get(s.name) ?? 1) - 1;
    if (n > 0) this.countByName.set(s.name, n);
    else this.countByName.delete(s.name);
  }

  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    for (const s of [...this.series.values()]) {
      let drop = 0;
      while (drop < s.points.length && s.points[drop]!.t <= cutoff) drop++;
      if (drop > 0) s.points.splice(0, drop);
      while (s.staleAt.length > 0 && s.staleAt[0]! <= cutoff) s.staleAt.shift();
      if (s.points.length === 0) this.remove(s);
    }
  }
}

function sameValue(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** The points of a range selector `[range]` evaluated at `t`: `(t - range, t]`, left-open as in Prometheus 3. */
export function pointsInRange(series: Series, rangeMs: number, t: number): Point[] {
  const start = t - rangeMs;
  return series.points.filter((p) => p.t > start && p.t <= t);
}

/**
 * Prometheus' `extrapolatedRate` for floats (rate, increase, delta). Needs two points, else null.
 * - Counter resets: a decrease means the counter restarted from 0, so the previous value is added back.
 * - Extrapolation: the first/last point is stretched to the range boundary when the gap to it is under 1.1 × the
 *   average spacing of points, else by half that spacing (the series probably starts or ends inside the range).
 * - A counter is never extrapolated back below zero (the start is cut at the zero point of its slope).
 */
export function extrapolatedRate(
  points: readonly Point[],
  rangeStartMs: number,
  rangeEndMs: number,
  isCounter: boolean,
  isRate: boolean,
): number | null {
  if (points.length < 2) return null;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  let result = last.v - first.v;
  if (isCounter) {
    let prev = first.v;
    for (let i = 1; i < points.length; i++) {
      const cur = points[i]!.v;
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  const sampled = (last.t - first.t) / 1000;
  const average = sampled / (points.length - 1);
  const threshold = average * 1.1;
  let toStart = (first.t - rangeStartMs) / 1000;
  let toEnd = (rangeEndMs - last.t) / 1000;
  if (toStart >= threshold) toStart = average / 2;
  if (isCounter && result > 0 && first.v >= 0) {
    const toZero = sampled * (first.v / result);
    if (toZero < toStart) toStart = toZero;
  }
  if (toEnd >= threshold) toEnd = average / 2;
  let factor = (sampled + toStart + toEnd) / sampled;
  if (isRate) factor /= (rangeEndMs - rangeStartMs) / 1000;
  return result * factor;
}

/** `rate(series[range])` at `t`, per second; null when the range holds fewer than two points. */
export function rate(series: Series, rangeMs: number, t: number): number | null {
  return extrapolatedRate(pointsInRange(series, rangeMs, t), t - rangeMs, t, true, true);
}

/** `increase(series[range])` at `t`; null when the range holds fewer than two points. */
export function increase(series: Series, rangeMs: number, t: number): number | null {
  return extrapolatedRate(pointsInRange(series, rangeMs, t), t - rangeMs, t, true, false);
}

/** The value an instant selector sees at `t`: the latest point within the lookback, unless it went stale since. */
export function instantValue(series: Series, t: number, lookbackMs = LOOKBACK_MS): number | null {
  let latest: Point | undefined;
  for (const p of series.points) {
    if (p.t > t) break;
    latest = p;
  }
  if (!latest || latest.t <= t - lookbackMs) return null;
  const at = latest.t;
  if (series.staleAt.some((s) => s > at && s <= t)) return null;
  return latest.v;
}
