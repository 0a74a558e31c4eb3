// Child process of `npm run bench`: lower bounds for any JavaScript reader of the log, to read the parse figures
// against. Not the product's parser and not a result: it skips nearly everything the parser must do.
//   lines      read the file in 1 MiB chunks and find every line end (native indexOf);
//   guardtrips the same, plus: skip each line's Nest header and colour codes, pick out the "Processing GuardTrip
//              event:" lines, make a string of the capsule hash and count it in a Map of at most 10,000 capsules
//              (oldest dropped). No triage, no stats, no other message, no multi-line state, no kept lines.
import fs from 'node:fs';

const file = process.argv[2] as string;
const mode = process.argv[3] ?? 'guardtrips';
const PROCESSING = Buffer.from('Processing GuardTrip event: ');
const MAX = 10_000;

interface Group {
  count: number;
  firstLine: number;
  lastLine: number;
}

const t0 = process.hrtime.bigint();
const fd = fs.openSync(file, 'r');
const buf = Buffer.allocUnsafe((1 << 20) + 65536);
let carry = 0;
let lines = 0;
let guardTrips = 0;
let dropped = 0;
const groups = new Map<string, Group>();
const ring: (string | undefined)[] = new Array<string | undefined>(MAX).fill(undefined);
let next = 0;

function line(s: number, e: number): void {
  lines++;
  if (mode !== 'guardtrips') return;
  // The message starts after the second ']' (of "[Nest]" and "[Context]") and the spaces and colour codes after it.
  let i = s;
  let brackets = 0;
  while (i < e && brackets < 2) if (buf[i++] === 0x5d) brackets++;
  while (i < e && (buf[i] === 0x20 || buf[i] === 0x1b)) {
    if (buf[i] === 0x1b) {
      i += 2;
      while (i < e && ((buf[i] as number) < 0x40 || (buf[i] as number) > 0x7e)) i++;
    }
    i++;
  }
  if (e - i <= PROCESSING.length || buf[i] !== 0x50) return;
  for (let k = 1; k < PROCESSING.length; k++) if (buf[i + k] !== PROCESSING[k]) return;
  const h = i + PROCESSING.length;
  let he = h;
  while (he < e && buf[he] !== 0x20) he++;
  const hash = buf.toString('latin1', h, he);
  guardTrips++;
  const g = groups.get(hash);
  if (g) {
    g.count++;
    g.lastLine = lines;
    return;
  }
  // First in, first out: cheaper than the book's least-recently-active order.
  const old = ring[next];
  if (old !== undefined) {
    groups.delete(old);
    dropped++;
  }
  ring[next] = hash;
  next = (next + 1) % MAX;
  groups.set(hash, { count: 1, firstLine: lines, lastLine: lines });
}

for (;;) {
  const n = fs.readSync(fd, buf, carry, 1 << 20, null);
  const end = carry + n;
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(10, start);
    if (nl === -1 || nl >= end) break;
    line(start, nl);
    start = nl + 1;
  }
  if (n <= 0) {
    if (start < end) line(start, end);
    break;
  }
  // Lines in this log are far shorter than the 64 KiB of room kept for the carried part.
  carry = Math.min(end - start, 65536);
  buf.copy(buf, 0, start, start + carry);
}
fs.closeSync(fd);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
process.stdout.write(JSON.stringify({ mode, ms, lines, guardTrips, groups: groups.size, dropped }) + '\n');
