import fs from 'node:fs';
import type * as vscode from 'vscode';
import type { GuardTripInput } from '../core/guardTrip';
import type { IncidentBook } from '../core/incidents';
import type { InputFormat, ReaderStats } from '../core/parse/input';
import { InputOrder, TriageInputReader } from '../core/parse/input';

export interface LoadResult {
  /** The GuardTrip events read (they went into the book as they were read). */
  events: number;
  stats: ReaderStats;
  notes: string[];
  bytes: number;
}

export class LoadError extends Error {}

/**
 * Streams a local file through the reader into `book`, in input order as events settle: a 100 MB log never sits
 * in memory as one string, nor as all of its events (only the incidents the book keeps).
 */
export async function loadIncidentFile(
  fsPath: string,
  displayName: string,
  book: IncidentBook,
  token?: vscode.CancellationToken,
  onProgress?: (fraction: number) => void,
  format: InputFormat = 'auto',
): Promise<LoadResult | undefined> {
  let size: number;
  try {
    const st = await fs.promises.stat(fsPath);
    if (st.isDirectory()) throw new LoadError(`${displayName} is a folder, not a file.`);
    size = st.size;
  } catch (e) {
    if (e instanceof LoadError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new LoadError(
      `Cannot read ${displayName}: ${code === 'ENOENT' ? 'the file does not exist' : (code ?? 'unknown error')}.`,
    );
  }
  const reader = new TriageInputReader(format, { file: fsPath });
  const order = new InputOrder();
  let events = 0;
  const add = (settled: readonly GuardTripInput[]): void => {
    for (const e of settled) book.add(e);
    events += settled.length;
  };
  // Bytes, not decoded text: the reader scans log lines in place (several times faster on large logs).
  const stream = fs.createReadStream(fsPath, { highWaterMark: 1 << 20 });
  let read = 0;
  try {
    for await (const chunk of stream) {
      if (token?.isCancellationRequested) {
        stream.destroy();
        return undefined;
      }
      const bytes = chunk as Buffer;
      read += bytes.length;
      order.add(reader.pushBytes(bytes));
      add(order.take(reader.settledBefore));
      onProgress?.(size ? read / size : 1);
    }
  } catch (e) {
    throw new LoadError(`Cannot read ${displayName}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
  order.add(reader.end());
  if (reader.fatal) throw new LoadError(`${displayName}: ${reader.fatal}.`);
  add(order.rest());
  const notes = reader.notes.map((n) => (n.line !== undefined ? `line ${n.line}: ${n.message}` : n.message));
  if (reader.notesDropped) notes.push(`${reader.notesDropped} more notes not shown`);
  return { events, stats: reader.stats, notes, bytes: read };
}
