import fs from 'node:fs';
import type * as vscode from 'vscode';
import type { GuardTripInput } from '../core/guardTrip';
import type { InputFormat, ReaderStats } from '../core/parse/input';
import { TriageInputReader } from '../core/parse/input';

export interface LoadResult {
  events: GuardTripInput[];
  stats: ReaderStats;
  notes: string[];
  bytes: number;
}

export class LoadError extends Error {}

/** Streams a local file through the reader, so a 100 MB log never sits in memory as one string. */
export async function loadIncidentFile(
  fsPath: string,
  displayName: string,
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
  const events: GuardTripInput[] = [];
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
      for (const e of reader.pushBytes(bytes)) events.push(e);
      onProgress?.(size ? read / size : 1);
    }
  } catch (e) {
    throw new LoadError(`Cannot read ${displayName}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
  for (const e of reader.end()) events.push(e);
  if (reader.fatal) throw new LoadError(`${displayName}: ${reader.fatal}.`);
  events.sort((a, b) => (a.origin?.firstLine ?? 0) - (b.origin?.firstLine ?? 0));
  const notes = reader.notes.map((n) => (n.line !== undefined ? `line ${n.line}: ${n.message}` : n.message));
  if (reader.notesDropped) notes.push(`${reader.notesDropped} more notes not shown`);
  return { events, stats: reader.stats, notes, bytes: read };
}
