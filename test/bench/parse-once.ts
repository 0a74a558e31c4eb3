// Child process of `npm run bench`: streams one file through the reader, triage and incident grouping, then
// prints one JSON line with the counts, the elapsed time and the peak RSS of this process.
import fs from 'node:fs';
import { IncidentBook } from '../../src/core/incidents';
import { TriageInputReader } from '../../src/core/parse/input';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';

async function main(): Promise<void> {
  const file = process.argv[2] as string;
  const mode = process.argv[3] ?? 'incidents';
  const t0 = process.hrtime.bigint();
  const reader = new TriageInputReader('log');
  const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * 60_000 });
  let events = 0;
  if (process.argv[4] === 'text') {
    // The decoded-text entry point (live streams use it), for comparison.
    const stream = fs.createReadStream(file, { highWaterMark: 1 << 20, encoding: 'utf8' });
    for await (const chunk of stream) {
      for (const e of reader.push(chunk as string)) {
        events++;
        if (mode === 'incidents') book.add(e);
      }
    }
  } else {
    // As the extension and the CLI read files: bytes, one reused buffer, no decoding of the whole text.
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      for (const e of reader.pushBytes(buf.subarray(0, n))) {
        events++;
        if (mode === 'incidents') book.add(e);
      }
    }
    fs.closeSync(fd);
  }
  for (const e of reader.end()) {
    events++;
    if (mode === 'incidents') book.add(e);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const bytes = fs.statSync(file).size;
  // What stays alive (the incidents kept), as opposed to peak RSS, which also holds garbage V8 has not collected
  // yet: V8 lets the heap grow to a multiple of the live size before a full collection.
  const gc = (globalThis as { gc?: () => void }).gc;
  let liveHeapMB: number | null = null;
  if (gc) {
    gc();
    liveHeapMB = +(process.memoryUsage().heapUsed / 1048576).toFixed(1);
  }
  process.stdout.write(
    JSON.stringify({
      file,
      mode,
      bytes,
      ms,
      events,
      incidents: book.size,
      evicted: book.evicted,
      lines: reader.stats.log.lines,
      maxRssKb: process.resourceUsage().maxRSS,
      liveHeapMB,
      // Keep the book reachable until after the measurement.
      kept: book.list().length,
    }) + '\n',
  );
}
void main();
