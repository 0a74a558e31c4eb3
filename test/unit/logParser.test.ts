import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { GuardTripInput } from '../../src/core/guardTrip';
import { IncidentLogParser } from '../../src/core/parse/logParser';
import { nestTimeToIso, parseNestLine, splitPodPrefix, splitTimestamp } from '../../src/core/parse/nestLine';
import { triage } from '../../src/core/triage';
import { HASH_A, HASH_B, HASH_C, REPO_ROOT } from './helpers';

const SAMPLE = fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/facts/sample-nocolor.log'), 'utf8');

function parseAll(text: string, chunkSize = 0): { events: GuardTripInput[]; parser: IncidentLogParser } {
  const parser = new IncidentLogParser();
  const events: GuardTripInput[] = [];
  if (chunkSize > 0) {
    for (let i = 0; i < text.length; i += chunkSize) events.push(...parser.push(text.slice(i, i + chunkSize)));
  } else {
    events.push(...parser.push(text));
  }
  events.push(...parser.end());
  return { events, parser };
}

/** Only the fields that must survive every presentation variant of the same log. */
function essence(events: GuardTripInput[]): unknown[] {
  return events
    .slice()
    .sort((a, b) => (a.origin?.firstLine ?? 0) - (b.origin?.firstLine ?? 0))
    .map((e) => ({
      capsuleHash: e.capsuleHash,
      tenantId: e.tenantId,
      riskScore: e.riskScore,
      heartbeatMisses: e.heartbeatMisses,
      decision: e.bot?.decision,
      reasonKind: e.bot?.reasonKind,
      rollbackName: e.bot?.rollbackName,
      rollbackError: e.bot?.rollbackError,
      path: e.bot?.path,
    }));
}

const LEVEL_COLOUR: Record<string, string> = { LOG: '32', WARN: '33', ERROR: '31', DEBUG: '95', VERBOSE: '96' };

/** Re-colours a NO_COLOR line the way NestJS 10 does (facts §2.8). */
function colour(line: string): string {
  const m = /^(\[Nest\] \d+ {2}- )(\S+, \S+ [AP]M) +(LOG|WARN|ERROR|DEBUG|VERBOSE) (\[[^\]]+\] )(.*)$/.exec(line);
  if (!m) return line;
  const c = LEVEL_COLOUR[m[3] as string] as string;
  const level = (m[3] as string).padStart(7);
  return `\x1b[${c}m${m[1]}\x1b[39m${m[2]} \x1b[${c}m${level}\x1b[39m \x1b[38;5;3m${m[4]}\x1b[39m\x1b[${c}m${m[5]}\x1b[39m`;
}

const EXPECTED = [
  {
    capsuleHash: HASH_A,
    tenantId: null,
    riskScore: 0.92,
    heartbeatMisses: 1,
    decision: 'rollback',
    reasonKind: 'high_risk',
    rollbackName: 'rollback-1754403330512',
    rollbackError: undefined,
    path: 'kafka',
  },
  {
    capsuleHash: HASH_B,
    tenantId: null,
    riskScore: 0.41,
    heartbeatMisses: 3,
    decision: 'rollback',
    reasonKind: 'heartbeat_miss',
    rollbackName: undefined,
    rollbackError: 'HttpError: HTTP request failed',
    path: 'kafka',
  },
  {
    capsuleHash: HASH_C,
    tenantId: null,
    riskScore: 0.65,
    heartbeatMisses: 2,
    decision: 'no-rollback',
    reasonKind: undefined,
    rollbackName: undefined,
    rollbackError: undefined,
    path: 'kafka',
  },
  {
    capsuleHash: HASH_C,
    tenantId: 'clz8k1m3p0002ab12cd34ef58',
    riskScore: '0.95',
    heartbeatMisses: 0,
    decision: 'rejected',
    reasonKind: undefined,
    rollbackName: undefined,
    rollbackError: undefined,
    path: 'kafka',
  },
  {
    capsuleHash: HASH_A,
    tenantId: null,
    riskScore: 0.86,
    heartbeatMisses: 1,
    decision: 'rollback',
    reasonKind: 'high_risk',
    rollbackName: 'rollback-1754403601044',
    rollbackError: undefined,
    path: 'alert',
  },
];

describe('NestJS line format', () => {
  test('parses the level, context, message and time', () => {
    const e = parseNestLine(
      '[Nest] 7  - 08/05/2025, 2:15:30 PM    WARN [DecisionEngineService] Rollback decision: x for capsule y',
    );
    assert.ok(e);
    assert.equal(e.pid, 7);
    assert.equal(e.level, 'WARN');
    assert.equal(e.context, 'DecisionEngineService');
    assert.equal(e.message, 'Rollback decision: x for capsule y');
    assert.equal(nestTimeToIso(e.rawTime), '2025-08-05T14:15:30.000Z');
  });
  test('12 AM and 12 PM', () => {
    assert.equal(
      nestTimeToIso(parseNestLine('[Nest] 1  - 01/02/2025, 12:00:01 AM     LOG [X] m')?.rawTime ?? ''),
      '2025-01-02T00:00:01.000Z',
    );
    assert.equal(
      nestTimeToIso(parseNestLine('[Nest] 1  - 01/02/2025, 12:00:01 PM     LOG [X] m')?.rawTime ?? ''),
      '2025-01-02T12:00:01.000Z',
    );
  });
  test('U+202F before AM/PM', () => {
    assert.equal(parseNestLine('[Nest] 7  - 08/05/2025, 2:15:30\u202fPM     LOG [X] hello')?.message, 'hello');
  });
  test('kubectl prefixes', () => {
    assert.deepEqual(splitTimestamp('2025-08-05T14:15:30.512345678Z [Nest] x'), {
      time: '2025-08-05T14:15:30.512Z',
      rest: '[Nest] x',
    });
    assert.deepEqual(splitTimestamp('not a time'), { time: null, rest: 'not a time' });
    assert.deepEqual(splitPodPrefix('[pod/incident-bot-1/incident-bot] hi'), {
      stream: 'pod/incident-bot-1/incident-bot',
      rest: 'hi',
    });
  });
  test('garbage is not a Nest line', () => {
    assert.equal(parseNestLine('[Nest] abc'), null);
    assert.equal(parseNestLine(''), null);
  });
});

describe('incident-bot log parsing (facts §14.3 sample)', () => {
  test('every evaluated GuardTrip and the invalid event, with the bot decisions', () => {
    const { events, parser } = parseAll(SAMPLE);
    assert.deepEqual(essence(events), EXPECTED);
    assert.equal(parser.stats.incidents, 4);
    assert.equal(parser.stats.invalidEvents, 1);
    assert.equal(parser.stats.alertsMissingHash, 1);
    assert.equal(parser.stats.kafkajsLines, 1);
    assert.equal(parser.stats.malformed, 0);
  });
  test('times, origins and kept lines', () => {
    const { events } = parseAll(SAMPLE);
    const first = events.find((e) => e.capsuleHash === HASH_A);
    assert.equal(first?.ts, '2025-08-05T14:15:30.000Z');
    assert.equal(first?.origin?.firstLine, 6);
    assert.equal(first?.origin?.lastLine, 11);
    assert.equal(first?.bot?.targetRelease, 'v0.1.0');
    assert.ok(first?.origin?.lines?.[0]?.includes('Processing GuardTrip event'));
    const failed = events.find((e) => e.capsuleHash === HASH_B);
    assert.deepEqual(failed?.bot?.errors, ['Error getting last stable release: Error: HelmRelease not found']);
    const invalid = events.find((e) => e.bot?.decision === 'rejected');
    assert.equal(invalid?.ts, '2025-08-05T14:18:10Z');
  });
  test('triage of the parsed sample', () => {
    const verdicts = parseAll(SAMPLE).events.map((e) => [triage(e).verdict, triage(e).disagreement]);
    assert.deepEqual(verdicts, [
      ['legitimate', false],
      ['false-positive-thresholds', true],
      ['false-positive-network', false],
      ['invalid', false],
      ['legitimate', false],
    ]);
  });

  const variants: Record<string, (s: string) => string> = {
    'ANSI colours': (s) => s.split('\n').map(colour).join('\n'),
    'kubectl --timestamps': (s) =>
      s
        .split('\n')
        .map((l, i) =>
          l === '' && i === s.split('\n').length - 1
            ? l
            : `2025-08-05T14:15:${String(i % 60).padStart(2, '0')}.123456789Z ${l}`,
        )
        .join('\n'),
    'U+202F before AM/PM': (s) => s.replace(/ (AM|PM) /g, '\u202f$1 '),
    'CRLF line ends': (s) => s.replace(/\n/g, '\r\n'),
    'colours and timestamps': (s) =>
      s
        .split('\n')
        .map((l) => (l ? `2025-08-05T14:15:30.000000001Z ${colour(l)}` : l))
        .join('\n'),
    'kubectl --prefix': (s) =>
      s
        .split('\n')
        .map((l) => (l ? `[pod/incident-bot-7d9f8c6b5-abcde/incident-bot] ${l}` : l))
        .join('\n'),
    'no trailing newline': (s) => s.replace(/\n+$/, ''),
  };
  for (const [name, transform] of Object.entries(variants)) {
    test(`same incidents with ${name}`, () => {
      const { events, parser } = parseAll(transform(SAMPLE));
      assert.deepEqual(essence(events), EXPECTED);
      assert.equal(parser.stats.malformed, 0);
    });
  }

  test('the same incidents whatever the chunk boundaries', () => {
    const coloured = SAMPLE.split('\n').map(colour).join('\n');
    for (const size of [1, 2, 3, 7, 64, 333, 4096]) {
      assert.deepEqual(essence(parseAll(coloured, size).events), EXPECTED, `chunk size ${size}`);
    }
  });

  test('several pods interleaved line by line keep their own state', () => {
    const lines = SAMPLE.split('\n');
    const a = lines.map((l) => (l ? `[pod/incident-bot-a/incident-bot] ${l}` : l));
    const b = lines.map((l) => (l ? `[pod/incident-bot-b/incident-bot] ${l.replace('[Nest] 7 ', '[Nest] 9 ')}` : l));
    const mixed: string[] = [];
    for (let i = 0; i < lines.length; i++) mixed.push(a[i] as string, b[i] as string);
    const { events } = parseAll(mixed.filter((l) => l !== '').join('\n') + '\n');
    // Object blocks end at the next entry of the same pod, so they parse despite the interleaving.
    assert.equal(events.length, 10);
    const byStream = (s: string): unknown[] => essence(events.filter((e) => e.origin?.stream === s));
    assert.deepEqual(byStream('pod/incident-bot-a/incident-bot'), EXPECTED);
    assert.deepEqual(byStream('pod/incident-bot-b/incident-bot'), EXPECTED);
  });

  test('explicit stream ids separate concurrently pushed streams', () => {
    const parser = new IncidentLogParser();
    const out: GuardTripInput[] = [];
    const half = Math.floor(SAMPLE.length / 2);
    out.push(...parser.push(SAMPLE.slice(0, half), 'pod-1'));
    out.push(...parser.push(SAMPLE.slice(0, 100), 'pod-2'));
    out.push(...parser.push(SAMPLE.slice(half), 'pod-1'));
    out.push(...parser.push(SAMPLE.slice(100), 'pod-2'));
    out.push(...parser.end());
    assert.equal(out.length, 10);
  });
});

describe('incremental and partial input', () => {
  test('an event is emitted once its handling completes, without waiting for the end', () => {
    const parser = new IncidentLogParser();
    const lines = SAMPLE.split('\n');
    const seen: number[] = [];
    lines.forEach((l, i) => {
      if (parser.push(l + '\n').length) seen.push(i + 1);
    });
    // CR created (line 11), Kafka error pair (line 22), Kafka no-rollback (line 26), Object block end (line 37), alert CR (line 44).
    assert.deepEqual(seen, [11, 22, 26, 37, 44]);
  });
  test('flushDecided emits a decided event that is still open', () => {
    const parser = new IncidentLogParser();
    const head = SAMPLE.split('\n').slice(0, 8).join('\n') + '\n';
    assert.equal(parser.push(head).length, 0);
    const got = parser.flushDecided();
    assert.equal(got.length, 1);
    assert.equal(got[0]?.bot?.decision, 'rollback');
  });
  test('a log cut after "Evaluating" still yields the event with a computed decision', () => {
    const text = SAMPLE.split('\n').slice(0, 7).join('\n');
    const { events } = parseAll(text);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.bot?.decision, 'unknown');
    assert.equal(triage(events[0] as GuardTripInput).botDecisionSource, 'rule');
  });
  test('a look-back that starts after "Processing" takes the capsule from the decision line', () => {
    const text = SAMPLE.split('\n').slice(6, 11).join('\n');
    const { events } = parseAll(text);
    assert.equal(events[0]?.capsuleHash, HASH_A);
  });
  test('"Processing" never evaluated is counted, not emitted', () => {
    const { events, parser } = parseAll(
      '[Nest] 7  - 08/05/2025, 2:15:30 PM     LOG [KafkaService] Processing GuardTrip event: sha256:x (risk: 0.9)\n',
    );
    assert.equal(events.length, 0);
    assert.equal(parser.stats.unevaluated, 1);
  });
  test('NaN and empty scores in the log become invalid input, not zero', () => {
    const mk = (r: string, m: string): string =>
      `[Nest] 7  - 08/05/2025, 2:20:00 PM     LOG [AlertmanagerController] Processing alert for capsule sha256:x: risk=${r}, misses=${m}\n` +
      `[Nest] 7  - 08/05/2025, 2:20:00 PM     LOG [DecisionEngineService] Evaluating GuardTrip: risk=${r}, misses=${m}\n`;
    const { events } = parseAll(mk('NaN', '1') + mk('', '2'));
    assert.equal(events.length, 2);
    assert.ok(Number.isNaN(events[0]?.riskScore));
    assert.ok(Number.isNaN(events[1]?.riskScore));
    assert.equal(triage(events[1] as GuardTripInput).verdict, 'invalid');
  });
  test('a broken Object block is counted as malformed', () => {
    const text =
      '[Nest] 7  - 08/05/2025, 2:18:10 PM    WARN [KafkaService] Invalid GuardTrip event received:\n' +
      '[Nest] 7  - 08/05/2025, 2:18:10 PM    WARN [KafkaService] Object:\n{\n  "capsuleHash": \n\n';
    const { events, parser } = parseAll(text);
    assert.equal(events.length, 0);
    assert.equal(parser.stats.malformed, 1);
  });
  test('kafkajs errors are counted', () => {
    const { parser } = parseAll(
      '{"level":"ERROR","timestamp":"2025-08-05T14:15:27.102Z","logger":"kafkajs","message":"[Connection] Connection error"}\n',
    );
    assert.equal(parser.stats.kafkajsLines, 1);
    assert.equal(parser.stats.kafkajsErrors, 1);
  });
  test('oversized lines are discarded and counted, also when they arrive in pieces', () => {
    const parser = new IncidentLogParser({ maxLineLength: 1000 });
    const out: GuardTripInput[] = [];
    for (let i = 0; i < 50; i++) out.push(...parser.push('x'.repeat(100)));
    out.push(...parser.push('\n' + SAMPLE));
    out.push(...parser.end());
    assert.equal(parser.stats.oversized, 1);
    assert.equal(essence(out).length, EXPECTED.length);
  });
});

describe('fixtures generated with the real @nestjs/common logger', () => {
  const dir = path.join(REPO_ROOT, 'test/fixtures/logs');
  const names = ['plain', 'color', 'timestamps', 'nbsp', 'multipod'];
  for (const name of names) {
    test(`${name}.log matches what the generator says it wrote`, () => {
      const text = fs.readFileSync(path.join(dir, `${name}.log`), 'utf8');
      const expected = JSON.parse(fs.readFileSync(path.join(dir, `${name}.expected.json`), 'utf8')) as {
        evaluations: {
          capsuleHash: string;
          riskScore: number;
          heartbeatMisses: number;
          botDecision: string;
          rollbackName: string | null;
          rollbackFailed: boolean;
          source: string;
        }[];
        invalidEvents: { capsuleHash?: unknown }[];
      };
      const { events, parser } = parseAll(text);
      const evaluated = events.filter((e) => e.bot?.decision !== 'rejected');
      const invalid = events.filter((e) => e.bot?.decision === 'rejected');
      assert.equal(parser.stats.malformed, 0);
      const sortKey = (e: { capsuleHash: unknown; riskScore: unknown; heartbeatMisses: unknown }): string =>
        `${String(e.capsuleHash)}|${String(e.riskScore)}|${String(e.heartbeatMisses)}`;
      const got = evaluated
        .map((e) => ({
          capsuleHash: e.capsuleHash,
          // JSON (the generator's expectation) cannot hold NaN: it wrote null.
          riskScore: Number.isNaN(e.riskScore) ? null : e.riskScore,
          heartbeatMisses: Number.isNaN(e.heartbeatMisses) ? null : e.heartbeatMisses,
          botDecision: e.bot?.decision,
          rollbackName: e.bot?.rollbackName ?? null,
          rollbackFailed: Boolean(e.bot?.rollbackError),
          source: e.bot?.path,
        }))
        .sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
      const want = expected.evaluations
        .map((e) => ({
          capsuleHash: e.capsuleHash,
          riskScore: e.riskScore,
          heartbeatMisses: e.heartbeatMisses,
          botDecision: e.botDecision,
          rollbackName: e.rollbackName,
          rollbackFailed: e.rollbackFailed,
          source: e.source,
        }))
        .sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
      assert.deepEqual(got, want);
      assert.equal(invalid.length, expected.invalidEvents.length);
      assert.ok(expected.evaluations.length >= 8, 'the fixture has a real night in it');
    });
  }
});

test('the " +13ms" suffix of timestamped Nest loggers is not part of the message', () => {
  const e = parseNestLine(
    '[Nest] 7  - 08/05/2025, 2:15:00 PM     LOG [InstanceLoader] AppModule dependencies initialized +13ms',
  );
  assert.equal(e?.message, 'AppModule dependencies initialized');
});
