import type { HistogramBucket } from './exposition';
import { parsePromFloat } from './exposition';
import type { Labels } from './labels';
import { labelsKey, onlyLabels, withoutLabels } from './labels';
import { histogramQuantile } from './quantile';
import type { Series } from './series';
import { LOOKBACK_MS, instantValue, increase, rate } from './series';

/** PromQL instant vectors over stored series. Functions drop the metric name, as PromQL does. */

export interface VectorSample {
  labels: Labels;
  value: number;
}

export type InstantVector = VectorSample[];

function mapSeries(series: readonly Series[], f: (s: Series) => number | null): InstantVector {
  const out: InstantVector = [];
  for (const s of series) {
    const value = f(s);
    if (value !== null) out.push({ labels: s.labels, value });
  }
  return out;
}

/** `rate(x[range])`: one element per series with at least two points in the range. */
export function rateVector(series: readonly Series[], rangeMs: number, t: number): InstantVector {
  return mapSeries(series, (s) => rate(s, rangeMs, t));
}

export function increaseVector(series: readonly Series[], rangeMs: number, t: number): InstantVector {
  return mapSeries(series, (s) => increase(s, rangeMs, t));
}

/** `x` as an instant selector: series with a fresh, non-stale value at `t`. */
export function instantVector(series: readonly Series[], t: number, lookbackMs = LOOKBACK_MS): InstantVector {
  return mapSeries(series, (s) => instantValue(s, t, lookbackMs));
}

/** `sum by (labels) (v)`. An empty input gives an empty output (no series, no data), never a 0. */
export function sumBy(v: InstantVector, by: readonly string[]): InstantVector {
  const groups = new Map<string, VectorSample>();
  for (const s of v) {
    const labels = onlyLabels(s.labels, by);
    const key = labelsKey(labels);
    const g = groups.get(key);
    if (g) g.value += s.value;
    else groups.set(key, { labels, value: s.value });
  }
  return [...groups.values()];
}

/** `sum(v)`: null when `v` is empty, which PromQL shows as "no data", not 0. */
export function sum(v: InstantVector): number | null {
  return v.length === 0 ? null : v.reduce((acc, s) => acc + s.value, 0);
}

/**
 * `histogram_quantile(q, v)` where `v` holds bucket series (an `le` label each): grouped by every other label, one
 * result per group. Elements without a parseable `le` are ignored, as Prometheus does.
 */
export function histogramQuantileVector(q: number, v: InstantVector): InstantVector {
  const groups = new Map<string, { labels: Labels; buckets: HistogramBucket[] }>();
  for (const s of v) {
    const le = Object.hasOwn(s.labels, 'le') ? parsePromFloat(s.labels['le']!) : null;
    if (le === null || Number.isNaN(le)) continue;
    const labels = withoutLabels(s.labels, ['le']);
    const key = labelsKey(labels);
    let g = groups.get(key);
    if (!g) {
      g = { labels, buckets: [] };
      groups.set(key, g);
    }
    g.buckets.push({ le, count: s.value });
  }
  return [...groups.values()].map((g) => ({ labels: g.labels, value: histogramQuantile(q, g.buckets) }));
}
