// The byte entry points (`pushBytes`) must give exactly what the text entry points give for the decoded text:
// same events, same stats, whatever the chunking. The byte scanner may refuse a line (the string parser then
// reads it), but when it accepts one its fields must be the string parser's.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { GuardTripInput } from '../../src/core/guardTrip';
import { stripAnsi } from '../../src/core/parse/ansi';
import type { InputFormat } from '../../src/core/parse/input';
import { InputOrder, TriageInputReader } from '../../src/core/parse/input';
import { IncidentLogParser } from '../../src/core/parse/logParser';
import { LogOrigin, originHasLines, originWithoutLines } from '../../src/core/parse/keptLines';
import { IncidentBook } from '../../src/core/incidents';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import type { NestBytesEntry } from '../../src/core/parse/nestBytes';
import { scanNestBytes, utf8 } from '../../src/core/parse/nestBytes';
import { nestTimeToIso, parseNestLine } from '../../src/core/parse/nestLine';
import { nestTimeBytesToIso, plainDecimal } from '../../src/core/parse/nestMessages';
import { REPO_ROOT, withLines } from './helpers';

const FIXTURES = [
  'test/fixtures/logs/color.log',
  'test/fixtures/logs/plain.log',
  'test/fixtures/logs/nbsp.log',
  'test/fixtures/logs/timestamps.log',
  'test/fixtures/logs/multipod.log',
  'test/fixtures/facts/sample-nocolor.log',
  'media/samples/incident-bot.log',
  'test/fixtures/logs/plain.events.jsonl',
];

function viaText(text: string, format: InputFormat): { events: GuardTripInput[]; stats: unknown; notes: unknown } {
  const r = new TriageInputReader(format);
  const events = [...r.push(text), ...r.end()];
  return { events, stats: r.stats, notes: r.notes };
}

function viaBytes(
  bytes: Uint8Array,
  format: InputFormat,
  cuts: number[],
  asBuffer = true,
): { events: GuardTripInput[]; stats: unknown; notes: unknown } {
  const r = new TriageInputReader(format);
  const events: GuardTripInput[] = [];
  // One reused buffer, as file readers do: nothing may be kept from a chunk after pushBytes returns.
  const reuse = asBuffer ? Buffer.alloc(bytes.length) : new Uint8Array(bytes.length);
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    if (c < prev) continue;
    reuse.set(bytes.subarray(prev, c), 0);
    events.push(...r.pushBytes(reuse.subarray(0, c - prev)));
    reuse.fill(0x41);
    prev = c;
  }
  events.push(...r.end());
  return { events, stats: r.stats, notes: r.notes };
}

function sameAsText(bytes: Uint8Array, format: InputFormat, cuts: number[], asBuffer = true): void {
  const text = new TextDecoder().decode(bytes);
  assert.deepEqual(withLines(viaBytes(bytes, format, cuts, asBuffer)), withLines(viaText(text, format)));
}

const everyN = (len: number, n: number): number[] => Array.from({ length: Math.ceil(len / n) }, (_, i) => i * n);

describe('byte input gives what text input gives', () => {
  for (const f of FIXTURES) {
    test(f, () => {
      const bytes = fs.readFileSync(path.join(REPO_ROOT, f));
      for (const format of ['log', 'auto'] as const) {
        sameAsText(bytes, format, []);
        sameAsText(bytes, format, everyN(bytes.length, 1));
        sameAsText(bytes, format, everyN(bytes.length, 61));
        sameAsText(bytes, format, everyN(bytes.length, 4096), false);
      }
    });
  }

  test('an Alertmanager document and JSON events still go through the text reader', () => {
    const doc = JSON.stringify(
      { alerts: [{ status: 'firing', labels: { capsule_hash: 'sha256:ab', tenant_id: 't', risk_score: '0.9' } }] },
      null,
      2,
    );
    for (const format of ['auto', 'alertmanager', 'events'] as const) {
      sameAsText(Buffer.from(doc), format, everyN(doc.length, 7));
    }
    const withBom = '\ufeff' + doc;
    sameAsText(Buffer.from(withBom), 'auto', [1, 2, 3]);
  });
});

// Pieces of real lines and the ways they get damaged, from which the properties below build whole logs.
const HASH = 'sha256:56568329276b38cc4c3745b2b08a68049464b317b733fb98a1f0fd4dd85e37cc';
const C = (code: string, s: string): string => `\x1b[${code}m${s}\x1b[39m`;
const MESSAGES = [
  `Processing GuardTrip event: ${HASH} (risk: 0.8)`,
  `Processing alert for capsule ${HASH}: risk=0.83, misses=2`,
  'Evaluating GuardTrip: risk=0.8, misses=0',
  'Evaluating GuardTrip: risk=, misses=NaN',
  `Rollback decision: high_risk_${HASH} for capsule ${HASH}`,
  `Rollback decision made: heartbeat_miss_${HASH} for capsule ${HASH}`,
  `No rollback needed for capsule ${HASH}`,
  `No rollback needed for alert capsule ${HASH}`,
  `Executing rollback to release v0.1.0 for reason: high_risk_${HASH}`,
  'Rollback CR created successfully: rollback-1754405297272',
  'Failed to execute rollback:',
  'HttpError: HTTP request failed',
  'Error processing Kafka message:',
  'Invalid GuardTrip event received:',
  'Object:',
  'Cannot execute rollback: no stable release',
  'Received empty message',
  'Alert missing capsule_hash label',
  'AppModule dependencies initialized',
  'tenant <img src=x onerror=alert(1)> "]; click A call x()',
  'ünïcödé tenant \u202f\u00a0 ✓',
  'ends like a timer +12ms',
  'ends like a timer +123456789012345ms',
];
const CONTEXTS = ['KafkaService', 'DecisionEngineService', 'AlertmanagerController', ' Spaced ', ''];
const LEVELS = ['LOG', 'WARN', 'ERROR', 'DEBUG', 'VERBOSE', 'FATAL', 'INFO'];
const TIMES = [
  '08/05/2025, 2:15:30 PM',
  '08/05/2025, 12:00:00 AM',
  '8/5/2025, 14:15:30',
  '08/05/2025,\u202f2:15:30\u202fPM',
];

const nestLine = fc
  .record({
    pid: fc.constantFrom('7', '1', '12345', ''),
    time: fc.constantFrom(...TIMES),
    level: fc.constantFrom(...LEVELS),
    context: fc.constantFrom(...CONTEXTS),
    message: fc.constantFrom(...MESSAGES),
    colour: fc.boolean(),
    timer: fc.constantFrom('', ' +0ms', ' +21ms'),
    cr: fc.boolean(),
  })
  .map((p) => {
    const ctx = p.context === '' ? '' : `[${p.context}] `;
    const level = p.level.padStart(7);
    const line = p.colour
      ? `${C('32', `[Nest] ${p.pid}  - `)}${p.time} ${C('32', level)} ${C('38;5;3', ctx)}${C('32', p.message)}${p.timer ? C('38;5;3', p.timer) : ''}`
      : `[Nest] ${p.pid}  - ${p.time} ${level} ${ctx}${p.message}${p.timer}`;
    return line + (p.cr ? '\r' : '');
  });

const damage = fc.tuple(
  fc.nat(200),
  fc.constantFrom('', '\x1b[0m', '\x1b', '\x1b[', ' ', '\t', ']', '[', ',', '\r', 'é', '\ufffd'),
);
const anyLine = fc.oneof(
  { weight: 6, arbitrary: nestLine },
  { weight: 2, arbitrary: fc.tuple(nestLine, damage).map(([l, [at, junk]]) => l.slice(0, at) + junk + l.slice(at)) },
  { weight: 1, arbitrary: fc.tuple(nestLine, fc.nat(120)).map(([l, at]) => l.slice(0, at)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '  "capsuleHash": "x",',
      '{',
      '}',
      '',
      '   ',
      '{"level":"ERROR","timestamp":"2025-08-05T14:15:00.101Z","logger":"kafkajs","message":"x"}',
      `{"eventType":"guard_trip","capsuleHash":"${HASH}","tenantId":"t","riskScore":0.9,"heartbeatMisses":1,"ts":"2025-08-05T14:15:29Z"}`,
      `[pod/incident-bot-7d9f8c6b5-abcde/incident-bot] [Nest] 7  - 08/05/2025, 2:15:30 PM     LOG [KafkaService] Processing GuardTrip event: ${HASH} (risk: 0.9)`,
      '2025-08-05T14:15:30.123456789Z [Nest] 7  - 08/05/2025, 2:15:30 PM     LOG [DecisionEngineService] Evaluating GuardTrip: risk=0.9, misses=1',
      '\ufeff[Nest] 7  - 08/05/2025, 2:15:30 PM     LOG [X] y',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);

describe('kept log lines are decoded only when read', () => {
  const sample = (): GuardTripInput[] => {
    const bytes = fs.readFileSync(path.join(REPO_ROOT, 'media/samples/incident-bot.log'));
    return viaBytes(bytes, 'log', everyN(bytes.length, 4096)).events;
  };

  test('lines read later are the text reader’s, though the chunk buffer was overwritten since', () => {
    const events = sample();
    const text = viaText(fs.readFileSync(path.join(REPO_ROOT, 'media/samples/incident-bot.log'), 'utf8'), 'log');
    assert.ok(events.length > 20);
    events.forEach((e, i) => {
      // Events of Object blocks keep their (few) lines as strings.
      if (e.bot?.decision !== 'rejected') assert.ok(e.origin instanceof LogOrigin);
      assert.deepEqual(e.origin?.lines, text.events[i]?.origin?.lines);
      assert.ok(!e.origin?.lines?.some((l) => l.includes('\x1b')), 'colour codes removed');
    });
  });

  test('JSON and the helpers see the lines; spreading or dropping them never decodes', () => {
    const [e] = sample();
    const o = e?.origin as LogOrigin;
    assert.ok(originHasLines(o));
    const plain = originWithoutLines(o);
    assert.deepEqual(Object.keys(plain).sort(), ['file', 'firstLine', 'lastLine'].filter((k) => k in o).sort());
    assert.equal('lines' in plain, false);
    assert.equal('lines' in { ...o }, false);
    const json = JSON.parse(JSON.stringify(o)) as { lines: string[]; firstLine: number };
    assert.equal(json.firstLine, o.firstLine);
    assert.ok(json.lines[0]?.includes('Processing'));
    // Decoded once, then the same array.
    assert.equal(o.lines, o.lines);
    o.lines = undefined;
    assert.equal(originHasLines(o), false);
    assert.equal(JSON.stringify(o).includes('lines'), false);
  });

  test('the incident book drops older events’ lines without decoding them, and keeps the newest', () => {
    const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 24 * 3600_000 });
    const line = (hash: string, risk: string): string =>
      `\x1b[32m[Nest] 7  - \x1b[39m08/05/2025, 2:15:30 PM \x1b[32m    LOG\x1b[39m \x1b[38;5;3m[KafkaService] \x1b[39m\x1b[32mProcessing GuardTrip event: ${hash} (risk: ${risk})\x1b[39m\n` +
      `[Nest] 7  - 08/05/2025, 2:15:30 PM     LOG [DecisionEngineService] Evaluating GuardTrip: risk=${risk}, misses=1\n`;
    const r = new TriageInputReader('log');
    const bytes = Buffer.from(line('sha256:aa', '0.9') + line('sha256:aa', '0.5') + line('sha256:aa', '0.2'));
    for (const e of [...r.pushBytes(bytes), ...r.end()]) book.add(e);
    const [inc] = book.list();
    assert.equal(inc?.count, 3);
    assert.deepEqual(
      inc?.events.map((x) => originHasLines(x.origin)),
      [false, false, true],
    );
    assert.deepEqual(inc?.latest.origin?.lines, [
      '[Nest] 7  - 08/05/2025, 2:15:30 PM     LOG [KafkaService] Processing GuardTrip event: sha256:aa (risk: 0.2)',
      '[Nest] 7  - 08/05/2025, 2:15:30 PM     LOG [DecisionEngineService] Evaluating GuardTrip: risk=0.2, misses=1',
    ]);
  });
});

describe('byte input, generated logs', () => {
  test('the scanner accepts a line only with the string parser’s fields', () => {
    const e: NestBytesEntry = {
      level: '',
      timeStart: 0,
      timeEnd: 0,
      contextStart: -1,
      contextEnd: -1,
      messageStart: 0,
      messageEnd: 0,
      hasEscape: false,
      plain: false,
    };
    let accepted = 0;
    fc.assert(
      fc.property(anyLine, (line) => {
        const bytes = Buffer.from(line);
        if (!scanNestBytes(bytes, 0, bytes.length, e)) return;
        accepted++;
        const raw = line.endsWith('\r') ? line.slice(0, -1) : line;
        const want = parseNestLine(stripAnsi(raw));
        assert.ok(want, `accepted a line the string parser refuses: ${JSON.stringify(line)}`);
        assert.equal(e.level, want.level);
        assert.equal(utf8(bytes, e.messageStart, e.messageEnd), want.message);
        assert.equal(utf8(bytes, e.timeStart, e.timeEnd), want.rawTime);
        assert.equal(e.contextStart === -1 ? '' : utf8(bytes, e.contextStart, e.contextEnd).trim(), want.context);
        assert.equal(e.hasEscape, raw.includes('\x1b'));
      }),
      { numRuns: Number(process.env.PF_FUZZ_RUNS ?? 3000) },
    );
    // The property would hold vacuously if the scanner refused everything.
    assert.ok(accepted > 500, `only ${accepted} lines accepted`);
  });

  test('whole logs: same events and stats through bytes and text, any chunking, every format', () => {
    fc.assert(
      fc.property(
        fc.array(anyLine, { maxLength: 80 }),
        fc.array(fc.nat(12_000), { maxLength: 12 }),
        fc.constantFrom<InputFormat>('log', 'auto', 'events'),
        fc.boolean(),
        (lines, cuts, format, trailingNewline) => {
          const bytes = Buffer.from(lines.join('\n') + (trailingNewline ? '\n' : ''));
          sameAsText(
            bytes,
            format,
            [...new Set(cuts)].filter((c) => c <= bytes.length).sort((a, b) => a - b),
          );
        },
      ),
      { numRuns: Number(process.env.PF_FUZZ_RUNS ?? 400) },
    );
  });

  test('invalid UTF-8 and split characters read the same as their decoded text', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            anyLine.map((l) => Buffer.from(l)),
            fc.uint8Array({ maxLength: 30 }),
          ),
          { maxLength: 40 },
        ),
        fc.array(fc.nat(4000), { maxLength: 10 }),
        (parts, cuts) => {
          const bytes = Buffer.concat(parts.flatMap((p) => [Buffer.from(p), Buffer.from('\n')]));
          sameAsText(
            bytes,
            'log',
            [...new Set(cuts)].filter((c) => c <= bytes.length).sort((a, b) => a - b),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  test('the log parser alone: separate streams and runaway lines', () => {
    const big = `[Nest] 7  - 08/05/2025, 2:15:30 PM     LOG [KafkaService] Processing GuardTrip event: ${'é'.repeat(200_000)}\n`;
    const eval1 =
      '[Nest] 7  - 08/05/2025, 2:15:30 PM     LOG [DecisionEngineService] Evaluating GuardTrip: risk=0.9, misses=1\n';
    const text = `${big}${'x'.repeat(300_000)}\n${eval1}`;
    const a = new IncidentLogParser({ maxLineLength: 256 * 1024 });
    const ea = [...a.push(text, 'pod-a'), ...a.end()];
    const b = new IncidentLogParser({ maxLineLength: 256 * 1024 });
    const bytes = Buffer.from(text);
    const eb: GuardTripInput[] = [];
    for (let i = 0; i < bytes.length; i += 65_536) eb.push(...b.pushBytes(bytes.subarray(i, i + 65_536), 'pod-a'));
    eb.push(...b.end());
    assert.deepEqual(withLines(eb), withLines(ea));
    assert.deepEqual(b.stats, a.stats);
    // 200,000 two-byte characters: 400,000 bytes but under the 256 Ki-character cap, so it is read, not discarded.
    assert.equal(b.stats.oversized, 1);
    assert.equal(eb.length, 1);
  });
});

describe('byte readers of numbers and times', () => {
  test('plainDecimal is Number() wherever it answers, and answers for the bot’s scores', () => {
    const check = (text: string): void => {
      const b = Buffer.from(text);
      const v = plainDecimal(b, 0, b.length);
      if (v !== undefined) assert.ok(Object.is(v, Number(text)), `${text}: ${v} vs ${Number(text)}`);
    };
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: 0, max: 1e6 }), (d) => check(String(d))),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{0,17}(\.[0-9]{0,17})?$/), (s) => check(s)),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), (s) => check(s)),
      { numRuns: 1000 },
    );
    for (const s of ['0.8', '0.83', '1', '0', '3', '0.1', '0.12345678901234']) {
      assert.notEqual(plainDecimal(Buffer.from(s), 0, s.length), undefined, s);
      check(s);
    }
    // 16 significant digits: not exact by one division any more, so it is left to Number().
    assert.equal(plainDecimal(Buffer.from('0.7999999999999999'), 0, 18), undefined);
  });

  test('nestTimeBytesToIso is nestTimeToIso wherever it answers', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.nat(13), fc.nat(32), fc.nat(10_000), fc.nat(25), fc.nat(61), fc.nat(61)),
        fc.constantFrom(' AM', ' PM', 'AM', '', '  PM', ' XM'),
        fc.constantFrom(', ', ',  ', ',\t', ','),
        fc.boolean(),
        ([mo, d, y, h, mi, s], ampm, comma, pad) => {
          const p = (n: number): string => (pad ? String(n).padStart(2, '0') : String(n));
          const text = `${p(mo)}/${p(d)}/${String(y).padStart(4, '0')}${comma}${h}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}${ampm}`;
          const b = Buffer.from(text);
          const fast = nestTimeBytesToIso(b, 0, b.length);
          if (fast !== undefined) assert.equal(fast, nestTimeToIso(text), text);
        },
      ),
      { numRuns: 5000 },
    );
    const usual = Buffer.from('08/05/2025, 2:15:30 PM');
    assert.equal(nestTimeBytesToIso(usual, 0, usual.length), '2025-08-05T14:15:30.000Z');
  });
});

describe('results in input order without holding the whole input', () => {
  const inOrder = (
    bytes: Uint8Array,
    format: InputFormat,
    chunk: number,
  ): { events: GuardTripInput[]; maxHeld: number } => {
    const r = new TriageInputReader(format);
    const order = new InputOrder();
    const events: GuardTripInput[] = [];
    for (let i = 0; i < bytes.length; i += chunk) {
      order.add(r.pushBytes(bytes.subarray(i, i + chunk)));
      events.push(...order.take(r.settledBefore));
    }
    order.add(r.end());
    events.push(...order.rest());
    return { events, maxHeld: order.maxHeld };
  };
  const sorted = (bytes: Uint8Array, format: InputFormat): GuardTripInput[] =>
    viaText(new TextDecoder().decode(bytes), format).events.sort(
      (a, b) => (a.origin?.firstLine ?? 0) - (b.origin?.firstLine ?? 0),
    );

  test('interleaved pods, Object blocks and event lines come out exactly as a full sort would put them', () => {
    for (const f of FIXTURES) {
      const bytes = fs.readFileSync(path.join(REPO_ROOT, f));
      for (const chunk of [1, 97, 1 << 20]) {
        assert.deepEqual(
          withLines(inOrder(bytes, 'auto', chunk).events),
          withLines(sorted(bytes, 'auto')),
          `${f} in chunks of ${chunk}`,
        );
      }
    }
    fc.assert(
      fc.property(fc.array(anyLine, { maxLength: 80 }), fc.integer({ min: 1, max: 300 }), (lines, chunk) => {
        const bytes = Buffer.from(lines.join('\n') + '\n');
        assert.deepEqual(withLines(inOrder(bytes, 'log', chunk).events), withLines(sorted(bytes, 'log')));
      }),
      { numRuns: Number(process.env.PF_FUZZ_RUNS ?? 300) },
    );
  });

  test('only the events still in flight are held: the most held does not grow with the input', () => {
    const bytes = fs.readFileSync(path.join(REPO_ROOT, 'media/samples/incident-bot.log'));
    const many = Buffer.concat(Array.from({ length: 20 }, () => bytes));
    const one = inOrder(bytes, 'log', 4096);
    const twenty = inOrder(many, 'log', 4096);
    assert.equal(twenty.events.length, 20 * one.events.length);
    // A 4 KiB chunk completes a handful of events at once; that, not the input size, bounds what is held.
    assert.ok(twenty.maxHeld <= 12, `held up to ${twenty.maxHeld} events`);
    assert.ok(twenty.maxHeld <= one.maxHeld + 2, `held ${twenty.maxHeld} for 20 copies, ${one.maxHeld} for one`);
  });
});
