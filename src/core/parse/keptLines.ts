import type { EventOrigin } from '../guardTrip';
import { newBytes, stripEscapesInto, utf8 } from './nestBytes';

/**
 * The raw lines kept for one event, not yet decoded: strings (lines the string parser read) and byte ranges
 * (`slab, start, end` triples) of lines copied from the input with their colour codes still in.
 */
export type KeptParts = (string | Uint8Array | number)[];

const SLAB = 8192;
const scratch: { bytes: Uint8Array } = { bytes: newBytes(1024) };

/**
 * Copies kept lines out of the reader's chunk (which is reused for the next read) into small shared slabs.
 * Decoding them is left to whoever shows them: in a large log most events are evicted from the incident book
 * unseen, and making five strings per event was a third of the time to read it. Slabs are small so that the
 * few events an incident book keeps cannot pin much input: at most one slab each.
 */
export class LineSlabs {
  private slab: Uint8Array = newBytes(SLAB);
  private used = 0;

  /** Appends `buf[start, end)` to `parts` as a copied byte range. */
  keep(parts: KeptParts, buf: Uint8Array, start: number, end: number): void {
    const len = end - start;
    if (len > SLAB >> 2) {
      const own = newBytes(len);
      own.set(buf.subarray(start, end), 0);
      parts.push(own, 0, len);
      return;
    }
    if (this.used + len > SLAB) {
      this.slab = newBytes(SLAB);
      this.used = 0;
    }
    const at = this.used;
    this.slab.set(buf.subarray(start, end), at);
    this.used = at + len;
    parts.push(this.slab, at, at + len);
  }
}

/** The lines as the string parser shows them: ANSI colour codes removed. */
export function decodeParts(parts: KeptParts): string[] {
  const out: string[] = [];
  for (let i = 0; i < parts.length;) {
    const p = parts[i];
    if (typeof p === 'string') {
      out.push(p);
      i++;
      continue;
    }
    const bytes = p as Uint8Array;
    const start = parts[i + 1] as number;
    const end = parts[i + 2] as number;
    const n = stripEscapesInto(bytes, start, end, scratch);
    out.push(utf8(scratch.bytes, 0, n));
    i += 3;
  }
  return out;
}

/**
 * An event origin whose `lines` are decoded on first read. `lines` lives on the prototype, so spreading an
 * origin leaves it out (use `originWithoutLines` to say so); `toJSON` includes it.
 */
export class LogOrigin implements EventOrigin {
  declare file?: string;
  firstLine: number;
  lastLine: number;
  declare stream?: string;
  #parts: KeptParts | null;
  #lines: string[] | undefined = undefined;

  constructor(
    file: string | undefined,
    firstLine: number,
    lastLine: number,
    stream: string | undefined,
    parts: KeptParts,
  ) {
    if (file) this.file = file;
    this.firstLine = firstLine;
    this.lastLine = lastLine;
    if (stream) this.stream = stream;
    this.#parts = parts;
  }

  get lines(): string[] | undefined {
    if (this.#parts) {
      this.#lines = decodeParts(this.#parts);
      this.#parts = null;
    }
    return this.#lines;
  }

  set lines(v: string[] | undefined) {
    this.#parts = null;
    this.#lines = v;
  }

  /** Whether there are lines, without decoding them. */
  get hasLines(): boolean {
    return this.#parts !== null || this.#lines !== undefined;
  }

  toJSON(): EventOrigin {
    return { ...this, lines: this.lines };
  }
}

/** True when the origin carries display lines (decoding none). */
export function originHasLines(o: EventOrigin | undefined): o is EventOrigin {
  if (!o) return false;
  return o instanceof LogOrigin ? o.hasLines : o.lines !== undefined;
}

/** A plain copy of the origin without its lines (which are then never decoded). */
export function originWithoutLines(o: EventOrigin): EventOrigin {
  const out: EventOrigin = {};
  if (o.file !== undefined) out.file = o.file;
  if (o.firstLine !== undefined) out.firstLine = o.firstLine;
  if (o.lastLine !== undefined) out.lastLine = o.lastLine;
  if (o.stream !== undefined) out.stream = o.stream;
  return out;
}
