import type { HistogramBucket } from './exposition';

/** Relative difference below which two bucket counts are the same count (Prometheus: float noise after rate/sum). */
const PRECISION_TOLERANCE = 1e-12;

/**
 * `histogram_quantile(q, buckets)` for classic buckets, as Prometheus' `bucketQuantile` computes it:
 * - q NaN → NaN, q < 0 → -Inf, q > 1 → +Inf;
 * - no `+Inf` bucket, fewer than two buckets, or zero observations → NaN;
 * - buckets with the same bound are merged, counts made monotonic (a decrease is lifted to the previous count);
 * - rank = q × total; when the rank lies in the `+Inf` bucket the result is the largest finite bound, so the result
 *   never exceeds it (RollbackLatencyHigh's `> 30` on a histogram whose last finite bucket is 30 can never hold);
 * - otherwise linear interpolation inside the bucket, from 0 for the first bucket when its bound is positive.
 */
export function histogramQuantile(q: number, buckets: readonly HistogramBucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (buckets.length === 0) return NaN;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  if (sorted[sorted.length - 1]!.le !== Infinity) return NaN;
  const b = makeMonotonic(coalesce(sorted));
  if (b.length < 2) return NaN;
  const observations = b[b.length - 1]!.count;
  if (observations === 0 || Number.isNaN(observations)) return NaN;
  let rank = q * observations;
  // The first finite bucket whose cumulative count reaches the rank; the +Inf bucket when none does.
  let i = 0;
  while (i < b.length - 1 && !(b[i]!.count >= rank)) i++;
  if (i === b.length - 1) return b[b.length - 2]!.le;
  const bucket = b[i]!;
  if (i === 0 && bucket.le <= 0) return bucket.le;
  let start = 0;
  let count = bucket.count;
  if (i > 0) {
    const prev = b[i - 1]!;
    start = prev.le;
    count -= prev.count;
    rank -= prev.count;
  }
  return start + (bucket.le - start) * (rank / count);
}

function coalesce(sorted: readonly HistogramBucket[]): HistogramBucket[] {
  const out: HistogramBucket[] = [];
  for (const b of sorted) {
    const last = out[out.length - 1];
    if (last && last.le === b.le) last.count += b.count;
    else out.push({ le: b.le, count: b.count });
  }
  return out;
}

function makeMonotonic(b: HistogramBucket[]): HistogramBucket[] {
  let prev = b[0]?.count ?? 0;
  for (let i = 1; i < b.length; i++) {
    const bucket = b[i]!;
    const delta = Math.abs(bucket.count - prev);
    if (delta !== 0 && delta / bucket.count <= PRECISION_TOLERANCE) bucket.count = prev;
    else if (bucket.count < prev) bucket.count = prev;
    else prev = bucket.count;
  }
  return b;
}
