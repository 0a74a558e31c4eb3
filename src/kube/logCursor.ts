// Resume point of one pod's log stream and the de-duplication that makes a resumed stream lossless and
// duplicate-free.
//
// Streams are requested with timestamps=true, so each line starts with the container runtime's RFC 3339 (nano)
// timestamp. A resumed stream asks for sinceTime = the last delivered line's timestamp. The API server hands
// sinceTime on to the kubelet as a metav1.Time, which is serialised with second precision, so the server sends
// again every line from the start of that second. Lines are in timestamp order, and several lines can carry the same
// timestamp (the runtime stamps a burst with one clock reading), even with the same text. So:
//   - a line older than the last delivered timestamp was delivered: drop it;
//   - a line with exactly the last delivered timestamp is dropped if a line with that timestamp and that text was
//     delivered (a multiset: two identical lines in one burst are both kept on the first pass and both dropped on
//     the second);
//   - the first newer line ends the overlap; it and everything after it are new.
// Only complete lines are ever delivered: a partial line at a stream drop is re-read on resume.

const TS_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})(?: |$)/;

/** Nanoseconds since the epoch of a line's RFC 3339 timestamp prefix, or null. */
export function lineTimestamp(line: string): { key: bigint; text: string; raw: string } | null {
  const m = TS_RE.exec(line);
  if (!m) return null;
  const secs = Date.parse(`${m[1]}${m[3] === 'Z' ? 'Z' : m[3]}`);
  if (Number.isNaN(secs)) return null;
  const nanos = BigInt((m[2] ?? '').padEnd(9, '0') || '0');
  const raw = m[0].trimEnd();
  return { key: BigInt(secs / 1000) * 1_000_000_000n + nanos, text: line.slice(m[0].length), raw };
}

export class LogCursor {
  /** Timestamp of the last delivered line, as the server printed it. */
  lastTs: string | null = null;
  private lastKey: bigint | null = null;
  /** Texts delivered with lastKey (multiset). */
  private atLast = new Map<string, number>();
  /** While resuming: lines at lastKey still expected to come again (multiset); null when not resuming. */
  private skip: Map<string, number> | null = null;
  private partial = '';
  delivered = 0;
  dropped = 0;

  /** sinceTime for a resumed request (second precision, what the kubelet applies anyway), or null. */
  sinceTime(): string | null {
    if (this.lastKey === null) return null;
    const secs = Number(this.lastKey / 1_000_000_000n);
    return new Date(secs * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  }

  /** A new request starts: forget any partial line, expect the overlap with what was delivered. */
  beginStream(): void {
    this.partial = '';
    this.skip = this.lastKey === null ? null : new Map(this.atLast);
  }

  /** Feeds raw stream text; returns the complete, new lines (each with its "\n"), or '' when there are none. */
  push(chunk: string): string {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    let out = '';
    for (const rawLine of lines) {
      const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
      if (this.accept(line)) out += `${line}\n`;
    }
    return out;
  }

  private accept(line: string): boolean {
    const ts = lineTimestamp(line);
    if (!ts) {
      // No timestamp (should not happen with timestamps=true): cannot be placed, pass it on once seen.
      this.delivered++;
      return true;
    }
    if (this.lastKey !== null && ts.key < this.lastKey) {
      this.dropped++;
      return false;
    }
    if (this.lastKey !== null && ts.key === this.lastKey) {
      const pending = this.skip?.get(ts.text) ?? 0;
      if (pending > 0) {
        this.skip!.set(ts.text, pending - 1);
        this.dropped++;
        return false;
      }
      this.atLast.set(ts.text, (this.atLast.get(ts.text) ?? 0) + 1);
      this.delivered++;
      return true;
    }
    this.lastKey = ts.key;
    this.lastTs = ts.raw;
    this.atLast = new Map([[ts.text, 1]]);
    this.skip = null;
    this.delivered++;
    return true;
  }
}
