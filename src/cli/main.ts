import fs from 'node:fs';
import { InputOrder, TriageInputReader } from '../core/parse/input';
import { sanitizeText } from '../core/parse/ansi';
import { originHasLines, originWithoutLines } from '../core/parse/keptLines';
import { formatTable, toJsonRecord } from '../core/report';
import type { TriageResult } from '../core/triage';
import { triage, VERDICTS } from '../core/triage';
import type { TriageArgs } from './args';
import { parseArgs, USAGE, UsageError } from './args';

const VERSION = '0.1.0';
const NAME = 'pf-incident';

class InputError extends Error {}

function fail(message: string): never {
  process.stderr.write(`${NAME}: ${sanitizeText(message)}\n`);
  process.exit(2);
}

function checkReadable(file: string): void {
  if (file === '-') return;
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'error')}`);
  }
  if (st.isDirectory()) throw new InputError(`cannot read ${file}: is a directory`);
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new InputError(`cannot read ${file}: permission denied`);
  }
}

/**
 * Reads one input and hands each event's triage to `emit` in input order, as soon as it is settled: results are
 * written while a huge log is still being read, and memory does not grow with the input.
 */
async function readInput(
  file: string,
  args: TriageArgs,
  emit: (r: TriageResult) => void | Promise<void>,
): Promise<void> {
  const name = file === '-' ? '<stdin>' : file;
  const reader = new TriageInputReader(args.format, { file: name });
  const order = new InputOrder();
  const stream = file === '-' ? process.stdin : fs.createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    // Bytes, not decoded text: the reader scans log lines in place (several times faster on large logs).
    for await (const chunk of stream) {
      order.add(reader.pushBytes(chunk as Buffer));
      for (const e of order.take(reader.settledBefore)) await emit(triage(e, args.thresholds));
    }
  } catch (e) {
    throw new InputError(`cannot read ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  order.add(reader.end());
  if (reader.fatal) throw new InputError(`${name}: ${reader.fatal}`);
  for (const e of order.rest()) await emit(triage(e, args.thresholds));
  for (const n of reader.notes) {
    process.stderr.write(
      `${sanitizeText(name)}${n.line !== undefined ? `:${n.line}` : ''}: ${sanitizeText(n.message)}\n`,
    );
  }
  if (reader.notesDropped) process.stderr.write(`${sanitizeText(name)}: ${reader.notesDropped} more notes not shown\n`);
  const st = reader.stats;
  if (!args.json && st.log.lines > 0) {
    const skipped = st.log.malformed + st.log.oversized;
    if (skipped || st.log.unevaluated) {
      process.stderr.write(
        `${sanitizeText(name)}: ${st.log.lines} lines, ${skipped} malformed or oversized skipped, ${st.log.unevaluated} GuardTrip(s) never evaluated\n`,
      );
    }
  }
}

/** Writes to stdout, waiting when the pipe is full (a slow reader must not make us buffer the whole output). */
async function writeOut(text: string): Promise<void> {
  if (!process.stdout.write(text)) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
}

async function main(argv: string[]): Promise<void> {
  let args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
  if (args.command === 'help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (args.command === 'version') {
    process.stdout.write(`${NAME} ${VERSION}\n`);
    return;
  }
  const stdinUses = args.files.filter((f) => f === '-').length;
  if (stdinUses > 1) fail('standard input (-) can be read only once');
  const results: TriageResult[] = [];
  // JSON lines go out as they are settled; the table needs every row for its column widths.
  const emit = args.json
    ? (r: TriageResult): Promise<void> => writeOut(JSON.stringify(toJsonRecord(r)) + '\n')
    : (r: TriageResult): void => {
        // The table shows no log lines: do not hold them for every row.
        results.push(originHasLines(r.origin) ? { ...r, origin: originWithoutLines(r.origin) } : r);
      };
  try {
    for (const f of args.files) checkReadable(f);
    for (const f of args.files) await readInput(f, args, emit);
  } catch (e) {
    if (e instanceof InputError) fail(e.message);
    throw e;
  }
  if (args.json) return;
  if (results.length === 0) {
    process.stdout.write('No GuardTrip events found.\n');
    return;
  }
  const counts = VERDICTS.map((v) => [v, results.filter((r) => r.verdict === v).length] as const).filter(
    ([, n]) => n > 0,
  );
  const disagreements = results.filter((r) => r.disagreement).length;
  process.stdout.write(formatTable(results) + '\n\n');
  process.stdout.write(
    `${results.length} incident(s): ${counts.map(([v, n]) => `${n} ${v}`).join(', ')}; ${disagreements} bot/playbook disagreement(s)\n`,
  );
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  // A closed pipe (`| head`) is not an error for the user.
  if (e.code === 'EPIPE') process.exit(0);
});

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${NAME}: internal error: ${sanitizeText(e instanceof Error ? e.message : String(e))}\n`);
  process.exit(1);
});
