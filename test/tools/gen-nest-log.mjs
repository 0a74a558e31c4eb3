#!/usr/bin/env node
/**
 * gen-nest-log.mjs: fixture generator for Provability-Fabric incident-bot logs.
 *
 * Why this exists: the extension parses `kubectl logs deployment/incident-bot` output. Hand-typed sample lines
 * drift from what the real libraries print (padding, colour placement, the `Object:` block, the `+Nms` suffix of
 * framework lines...). So this script does not format anything itself. It re-enacts the bot's code paths
 * (runtime/incident-bot: KafkaService.eachMessage, DecisionEngineService, AlertmanagerController, main.ts,
 * MetricsService), logs through the REAL `@nestjs/common` 10 `Logger`/`ConsoleLogger` and counts through the REAL
 * `prom-client` 15 `Registry`, then captures what those libraries write to stdout/stderr. Only the three things a
 * live pod would differ in are controlled: the clock (virtual, seeded), the pid (rewritten in the `[Nest] <pid>`
 * prefix only) and what `kubectl logs` adds around lines (`--timestamps`, `--prefix`).
 *
 * Facts mirrored here come from the shared fact sheet (provability-fabric-facts.md §2.2-2.9, §13.1, §14).
 *
 * Usage: node test/tools/gen-nest-log.mjs [options]      (see USAGE below, or run with --help)
 *        npm run gen:sample                             (regenerates media/samples/* and test/fixtures/logs/*)
 *
 * Determinism: every random choice comes from small seeded PRNG streams, one per concern, so that presentation
 * options (colour, timestamps, prefix, pods) never change which events are generated or how the bot reacts to
 * them: plain.log, color.log, timestamps.log, nbsp.log and multipod.log of one seed carry the same GuardTrips.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// The container runs in UTC (node:20-alpine). Nest builds its Intl.DateTimeFormat once, at module load, bound to the
// time zone in force then, so TZ has to be pinned before @nestjs/common is required (it is loaded lazily below).
// Node re-reads TZ when process.env.TZ is assigned, so setting it here is enough.
process.env.TZ = 'UTC';

const SCRIPT_PATH = fileURLToPath(import.meta.url);
const REPO_ROOT = path.resolve(path.dirname(SCRIPT_PATH), '..', '..');
const RESPAWN_MARK = 'PF_GEN_NEST_LOG_RESPAWNED';
const RealDate = Date;

// ---------------------------------------------------------------------------------------------------------------
// Upstream constants (facts §1, §2.1-2.6, §14)
// ---------------------------------------------------------------------------------------------------------------
const TOPIC = 'provability.events.v1.GuardTrip';
const GROUP_ID = 'incident-bot-group';
const CLIENT_ID = 'incident-bot';
const PORT = 3000;
const DEFAULT_STABLE_RELEASE = 'v0.1.0';
const HELM_RELEASE = 'provability-fabric';
const WEBHOOK_SECRET = 'test-webhook-secret';
// Not in the repo: a plausible in-cluster Kafka address (the NetworkPolicy only says namespace `kafka`, port 9092).
const KAFKA_BROKER = 'kafka-0.kafka-headless.kafka.svc.cluster.local:9092';
const TOPIC_PARTITIONS = 3;
const REPLICASET_HASH = '7d9f8c6b5';
const POD_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'; // what Kubernetes uses for generated name suffixes
const REBALANCE_ERROR = 'The group is rebalancing, so a rejoin is needed';

/** The fixture hashes and tenants of facts §14; scripted cases use them so fixtures read like the fact sheet. */
const FIXTURE_CAPSULES = [
  {
    hash: 'sha256:4f8b2c1d9e7a6b5c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c',
    tenant: 'clz8k1m3p0000ab12cd34ef56',
  },
  {
    hash: 'sha256:0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
    tenant: 'clz8k1m3p0001ab12cd34ef57',
  },
  {
    hash: 'sha256:a3e1b2c4d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90',
    tenant: 'clz8k1m3p0002ab12cd34ef58',
  },
];

/** Scripted events of --checklist (see Scenario.checklistBlocks). */
const CHECKLIST_EVENTS = 13;

/** Facts §13.1 decision truth table, in order, then the extra 0.5 / 0.8 boundary probes. */
const TRUTH_TABLE = [
  [0.2, 0],
  [0.2, 5],
  [0.3, 2],
  [0.49, 3],
  [0.5, 2],
  [0.5, 3],
  [0.65, 2],
  [0.79, 2],
  [0.79, 3],
  [0.8, 0],
  [0.8, 3],
  [0.81, 0],
  [1.0, 0],
];
const EXTRA_BOUNDARIES = [
  [0.49, 0],
  [0.5, 0],
  [0.79, 0],
  [0.8, 2],
];

// The same options Nest 10.4.22 passes (services/console-logger.service.js), used to probe the default locale.
const NEST_DATE_OPTIONS = {
  year: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  day: '2-digit',
  month: '2-digit',
};

const USAGE = `usage: node test/tools/gen-nest-log.mjs [options]

Replays GuardTrip events through a mirror of the incident-bot and captures what the real @nestjs/common 10
ConsoleLogger prints (and what prom-client 15 exposes).

  --out FILE             log output (default: stdout)
  --events N             stop after N input events (Kafka messages + Alertmanager webhooks)
  --bytes N              stop once the log reaches about N bytes (suffix k/M/G = 1e3/1e6/1e9 allowed)
                         default when neither is given: 60 events (realistic) or one pass (boundaries)
  --seed N               PRNG seed (default 1)
  --start ISO            virtual start time (default 2025-08-05T14:15:00Z)
  --pid N                pid shown in "[Nest] <pid>" (default 7; pod k of --pods gets pid+k)
  --color | --no-color   ANSI colours as Nest prints them (default: on unless NO_COLOR is set)
  --timestamps           like kubectl logs --timestamps: "2025-08-05T14:15:30.512345678Z " before every line
  --prefix [TEMPLATE]    like kubectl logs --prefix: "[pod/NAME/incident-bot] " before every line; NAME is
                         replaced by the generated pod name (default template pod/NAME/incident-bot)
  --pods K               interleave K replicas (consumer-group members) with distinct pids and pod names
  --nbsp                 U+202F instead of the space before AM/PM (other ICU builds)
  --metrics FILE         write the prom-client exposition at the end (with --pods K>1: FILE.<podName>)
  --metrics-every N      also write snapshots FILE.<k> after every N events
  --events-out FILE      write every Kafka message body (valid and invalid GuardTrips) as one JSON line
  --expected-out FILE    write {thresholds, evaluations, invalidEvents} known to the generator (small runs)
  --webhook-out FILE     with --checklist: write the 3-alert Alertmanager webhook document it posts
  --mix realistic|boundaries   a plausible night (default) or the facts §13.1 truth table rows in order
  --checklist            realistic mix plus scripted must-have cases (needs --events >= 13)
  --mean-gap SECONDS     mean time between events (default 150)
  --risk-threshold X     the bot's RISK_SCORE_THRESHOLD (default 0.8)
  --miss-threshold N     the bot's HEARTBEAT_MISSES_THRESHOLD (default 3)
  --sample               regenerate media/samples/* and test/fixtures/logs/* (the gen:sample npm script)
  --help                 this text
`;

// ---------------------------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------------------------

/** One line on stderr and exit 2: the script must never throw on its own options. */
function usageError(message) {
  process.stderr.write(`gen-nest-log: ${message} (see --help)\n`);
  process.exit(2);
}

const OPTION_KINDS = {
  out: 'path',
  'events-out': 'path',
  'expected-out': 'path',
  'webhook-out': 'path',
  metrics: 'path',
  events: 'count',
  bytes: 'size',
  'metrics-every': 'count',
  seed: 'seed',
  start: 'date',
  pid: 'pid',
  pods: 'pods',
  mix: 'mix',
  'mean-gap': 'seconds',
  'risk-threshold': 'number',
  'miss-threshold': 'number',
  prefix: 'template',
  color: 'flag',
  timestamps: 'flag',
  nbsp: 'flag',
  checklist: 'flag',
  sample: 'flag',
  help: 'flag',
};

function convertOption(kind, name, value) {
  const fail = (why) => usageError(`--${name} ${why}, got '${value}'`);
  switch (kind) {
    case 'path':
      if (value === '') fail('needs a file name');
      return value;
    case 'count': {
      if (!/^\d+$/.test(value)) fail('needs a positive integer');
      const n = Number(value);
      if (n < 1 || n > 1e9) fail('must be between 1 and 1e9');
      return n;
    }
    case 'size': {
      const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)[bB]?$/.exec(value);
      if (!m) fail('needs a byte count like 100000000 or 100M');
      const n = Math.round(Number(m[1]) * { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2].toLowerCase()]);
      if (n < 1 || n > 1e12) fail('must be between 1 and 1e12');
      return n;
    }
    case 'seed':
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) fail('needs a non-negative integer');
      return Number(value);
    case 'date': {
      const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? RealDate.parse(value) : NaN;
      if (!Number.isFinite(ms) || ms < 0 || ms > 253402300799000) fail('needs an ISO 8601 date-time');
      return ms;
    }
    case 'pid': {
      if (!/^\d+$/.test(value)) fail('needs a positive integer');
      const n = Number(value);
      if (n < 1 || n > 4194304) fail('must be between 1 and 4194304');
      return n;
    }
    case 'pods': {
      if (!/^\d+$/.test(value)) fail('needs a positive integer');
      const n = Number(value);
      if (n < 1 || n > 26) fail('must be between 1 and 26');
      return n;
    }
    case 'mix':
      if (value !== 'realistic' && value !== 'boundaries') fail("must be 'realistic' or 'boundaries'");
      return value;
    case 'seconds': {
      const n = value.trim() === '' ? NaN : Number(value);
      if (!Number.isFinite(n) || n <= 0 || n > 86400) fail('needs seconds in (0, 86400]');
      return n;
    }
    case 'number': {
      const n = value.trim() === '' ? NaN : Number(value);
      if (!Number.isFinite(n)) fail('needs a finite number');
      return n;
    }
    default:
      return value;
  }
}

function parseOptions(argv) {
  const raw = {};
  const given = new Set();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--') || arg === '--') usageError(`unexpected argument '${arg}'`);
    let name = arg.slice(2);
    let inline;
    const eq = name.indexOf('=');
    if (eq !== -1) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    let negated = false;
    if (!Object.hasOwn(OPTION_KINDS, name) && name.startsWith('no-') && OPTION_KINDS[name.slice(3)] === 'flag') {
      negated = true;
      name = name.slice(3);
    }
    const kind = Object.hasOwn(OPTION_KINDS, name) ? OPTION_KINDS[name] : undefined;
    if (!kind) usageError(`unknown option '${arg}'`);
    given.add(name);
    if (kind === 'flag') {
      if (inline !== undefined) usageError(`--${name} takes no value`);
      raw[name] = !negated;
      continue;
    }
    if (kind === 'template') {
      // Optional value: `--prefix` alone uses the default template, `--prefix pod/NAME/x` or `--prefix=...` sets it.
      let value = inline;
      if (value === undefined && i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
      if (value === '') usageError('--prefix template must not be empty');
      raw.prefix = value ?? 'pod/NAME/incident-bot';
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) usageError(`--${name} needs a value`);
      value = argv[++i];
    }
    raw[name] = convertOption(kind, name, value);
  }

  const opts = {
    help: raw.help === true,
    sample: raw.sample === true,
    out: raw.out ?? null,
    eventsOut: raw['events-out'] ?? null,
    expectedOut: raw['expected-out'] ?? null,
    webhookOut: raw['webhook-out'] ?? null,
    metrics: raw.metrics ?? null,
    metricsEvery: raw['metrics-every'] ?? null,
    events: raw.events ?? null,
    bytes: raw.bytes ?? null,
    seed: raw.seed ?? 1,
    startMs: raw.start ?? RealDate.parse('2025-08-05T14:15:00Z'),
    pid: raw.pid ?? 7,
    pods: raw.pods ?? 1,
    mix: raw.mix ?? 'realistic',
    meanGapMs: (raw['mean-gap'] ?? 150) * 1000,
    riskThreshold: raw['risk-threshold'] ?? 0.8,
    missThreshold: raw['miss-threshold'] ?? 3,
    // Nest 10 colours unless NO_COLOR is non-empty (utils/cli-colors.util.js: `!process.env.NO_COLOR`).
    color: raw.color ?? !process.env.NO_COLOR,
    timestamps: raw.timestamps === true,
    prefix: raw.prefix ?? null,
    nbsp: raw.nbsp === true,
    checklist: raw.checklist === true,
  };

  if (opts.sample && given.size > 1) usageError('--sample takes no other options');
  if (opts.metricsEvery !== null && !opts.metrics) usageError('--metrics-every needs --metrics');
  if (opts.webhookOut && !opts.checklist) usageError('--webhook-out needs --checklist');
  if (opts.checklist) {
    if (opts.mix !== 'realistic') usageError('--checklist works with --mix realistic only');
    if (opts.events === null || opts.events < CHECKLIST_EVENTS) {
      usageError(`--checklist needs --events >= ${CHECKLIST_EVENTS}`);
    }
  }
  if (opts.prefix !== null && opts.pods > 1 && !opts.prefix.includes('NAME')) {
    usageError('--prefix template needs NAME when --pods > 1');
  }
  if (opts.events === null && opts.bytes === null && opts.mix === 'realistic') opts.events = 60;
  return opts;
}

// ---------------------------------------------------------------------------------------------------------------
// Locale: Nest formats with `Intl.DateTimeFormat(undefined, ...)`, i.e. the process default locale, which ICU
// derives from LC_ALL / LANG at start-up. The pod prints en-US; a developer's de_DE shell would not. Post-processing
// the text would hide a real difference, so instead re-run node with an en-US environment, and only if ICU still
// disagrees (a build without that locale data) pin the default locale of Intl.DateTimeFormat itself.
// ---------------------------------------------------------------------------------------------------------------

function defaultLocaleGivesEnUs() {
  const fmt = new Intl.DateTimeFormat(undefined, NEST_DATE_OPTIONS);
  const sample = fmt.format(RealDate.UTC(2025, 7, 5, 14, 15, 30));
  return fmt.resolvedOptions().locale.startsWith('en-US') && /^08\/05\/2025, 2:15:30[ \u202f]PM$/.test(sample);
}

function pinDefaultDateTimeLocale(locale) {
  const Native = Intl.DateTimeFormat;
  function DateTimeFormat(locales, options) {
    return new Native(locales ?? locale, options);
  }
  DateTimeFormat.prototype = Native.prototype;
  DateTimeFormat.supportedLocalesOf = Native.supportedLocalesOf.bind(Native);
  Intl.DateTimeFormat = DateTimeFormat;
}

function ensureEnUsLocale() {
  if (defaultLocaleGivesEnUs()) return;
  if (!process.env[RESPAWN_MARK]) {
    const env = { ...process.env, LC_ALL: 'en_US.UTF-8', LANG: 'en_US.UTF-8', TZ: 'UTC', [RESPAWN_MARK]: '1' };
    const child = spawnSync(process.execPath, [...process.execArgv, SCRIPT_PATH, ...process.argv.slice(2)], {
      stdio: 'inherit',
      env,
    });
    process.exit(child.status ?? 1);
  }
  pinDefaultDateTimeLocale('en-US');
  if (!defaultLocaleGivesEnUs()) {
    process.stderr.write('gen-nest-log: cannot get en-US date formatting from this Node/ICU build\n');
    process.exit(1);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Deterministic randomness and the virtual clock
// ---------------------------------------------------------------------------------------------------------------

function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: tiny, fast, good enough for fixtures; one independent stream per concern. */
class Rng {
  constructor(seed, stream) {
    this.state = fnv1a(`${seed}:${stream}`);
  }
  float() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo, hi) {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }
  range(lo, hi) {
    return lo + this.float() * (hi - lo);
  }
  chance(p) {
    return this.float() < p;
  }
  pick(items) {
    return items[Math.floor(this.float() * items.length)];
  }
  weighted(pairs) {
    const total = pairs.reduce((sum, [w]) => sum + w, 0);
    let r = this.float() * total;
    for (const [w, value] of pairs) {
      if ((r -= w) < 0) return value;
    }
    return pairs[pairs.length - 1][1];
  }
  exp(mean) {
    return -mean * Math.log(1 - this.float());
  }
  hex(chars) {
    let s = '';
    while (s.length < chars)
      s += Math.floor(this.float() * 4294967296)
        .toString(16)
        .padStart(8, '0');
    return s.slice(0, chars);
  }
  base36(chars) {
    let s = '';
    for (let i = 0; i < chars; i++) s += Math.floor(this.float() * 36).toString(36);
    return s;
  }
  uuid() {
    const h = this.hex(32);
    const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

const round2 = (x) => Math.round(x * 100) / 100;
const iso = (ms) => new RealDate(ms).toISOString();
const isoSeconds = (ms) => iso(ms).replace(/\.\d{3}Z$/, 'Z');

/**
 * Everything that reads the time (Nest's `Date.now()`, kafkajs' `new Date().toISOString()`, the bot's
 * `rollback-${Date.now()}` and `Date.now() - startTime` latency) sees this clock while the simulation runs.
 */
const clock = {
  now: 0,
  spend(ms) {
    this.now += ms;
  },
};

function installVirtualDate() {
  class VirtualDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(clock.now);
      else super(...args);
    }
    static now() {
      return clock.now;
    }
  }
  globalThis.Date = VirtualDate;
  return () => {
    globalThis.Date = RealDate;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Output: batched synchronous writes on a file descriptor keep memory flat for 100 MB+ outputs and keep the
// stdout/stderr interleaving exactly in call order (the way the container runtime's log file records it).
// ---------------------------------------------------------------------------------------------------------------

const SLEEP_CELL = new Int32Array(new SharedArrayBuffer(4));
const FLUSH_CHARS = 1 << 20;

function writeFully(fd, buffer) {
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += fs.writeSync(fd, buffer, offset, buffer.length - offset);
    } catch (error) {
      // A pipe on fd 1 may be non-blocking (libuv sets it when process.stdout is touched): wait and retry.
      if (error.code !== 'EAGAIN') throw error;
      Atomics.wait(SLEEP_CELL, 0, 0, 5);
    }
  }
}

class FdWriter {
  constructor(target) {
    this.ownsFd = target !== null;
    this.fd = target === null ? 1 : fs.openSync(target, 'w');
    this.parts = [];
    this.pending = 0;
    this.broken = false;
  }
  write(text) {
    if (this.broken) return;
    this.parts.push(text);
    this.pending += text.length;
    if (this.pending >= FLUSH_CHARS) this.flush();
  }
  flush() {
    if (this.parts.length === 0) return;
    const buffer = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.pending = 0;
    try {
      writeFully(this.fd, buffer);
    } catch (error) {
      // The reader went away (`| head`). Never throw here: this runs inside a Nest log call, where the mirrored
      // bot code would catch it and log an error about our own pipe. The run loop sees `broken` and stops.
      if (error.code !== 'EPIPE') throw error;
      this.broken = true;
    }
  }
  close() {
    this.flush();
    if (this.ownsFd) fs.closeSync(this.fd);
  }
}

/** Opens every output early so that an unwritable path is reported as a usage error, before any work. */
function openWriter(target, option) {
  try {
    // No mkdir -p for user paths: a missing directory is a usage error (and Node 20's recursive mkdirSync
    // never returns for paths under /proc).
    return new FdWriter(target);
  } catch (error) {
    return usageError(`cannot write --${option} '${target}': ${error.code ?? error.message}`);
  }
}

/** For outputs written at the end: fail early, as a usage error, without creating the file yet. */
function checkWritable(target, option) {
  try {
    const dir = path.dirname(path.resolve(target));
    if (fs.existsSync(target) && fs.statSync(target).isDirectory())
      throw Object.assign(new Error(), { code: 'EISDIR' });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    usageError(`cannot write --${option} '${target}': ${error.code ?? error.message}`);
  }
}

// `[Nest] <pid>  - <date>, <time> AM` at the start of a Nest entry, optionally inside the level colour.
const NEST_HEAD =
  // eslint-disable-next-line no-control-regex -- the ANSI escape (ESC) is exactly what has to be matched here
  /^(\x1b\[\d+m)?\[Nest\] \d+ {2}- (\x1b\[\d+m)?(\d{2}\/\d{2}\/\d{4}, \d{1,2}:\d{2}:\d{2})[ \u202f]([AP]M) /;

/**
 * Receives every chunk the libraries write to process.stdout / process.stderr, in call order.
 * - rewrites the pid in the `[Nest] <pid>` prefix (only there: messages are never touched);
 * - picks the AM/PM separator (--nbsp), so output does not depend on the local ICU version either;
 * - adds what kubectl adds per physical line: `[pod/...] ` (--prefix) and the kubelet timestamp (--timestamps).
 */
class LogSink {
  constructor(writer, opts, rngTs) {
    this.writer = writer;
    this.bytes = 0;
    this.pod = null;
    this.timestamps = opts.timestamps;
    this.usePrefix = opts.prefix !== null;
    this.separator = opts.nbsp ? '\u202f' : ' ';
    this.rngTs = rngTs;
    this.lastMs = -1;
    this.lastSubNs = 0;
    this.ConsoleLogger = null;
  }

  /** Switches the "current container". Nest keeps `lastTimestampAt` (for `+Nms`) per process, so swap it too. */
  setPod(pod) {
    if (this.pod === pod) return;
    if (this.pod) this.pod.lastTimestampAt = this.ConsoleLogger.lastTimestampAt;
    this.ConsoleLogger.lastTimestampAt = pod.lastTimestampAt;
    this.pod = pod;
  }

  /** kubelet's RFC3339NanoFixed: 9 fractional digits, monotonic, never before the moment the line was written. */
  kubeletTimestamp() {
    let ms = clock.now;
    let subNs = this.rngTs.int(20000, 900000);
    if (ms < this.lastMs) ms = this.lastMs;
    if (ms === this.lastMs && subNs <= this.lastSubNs) subNs = this.lastSubNs + this.rngTs.int(1500, 40000);
    if (subNs > 999999) {
      ms += 1;
      subNs -= 1000000;
    }
    this.lastMs = ms;
    this.lastSubNs = subNs;
    const fraction = String(ms % 1000).padStart(3, '0') + String(subNs).padStart(6, '0');
    return `${iso(ms).slice(0, 19)}.${fraction}Z `;
  }

  accept(chunk) {
    let text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const pod = this.pod;
    text = text.replace(
      NEST_HEAD,
      (_m, color1 = '', color2 = '', when, ampm) =>
        `${color1}[Nest] ${pod.pid}  - ${color2}${when}${this.separator}${ampm} `,
    );
    let out = text;
    if (this.timestamps || this.usePrefix) {
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      out = '';
      for (const line of lines) {
        out += `${this.usePrefix ? `[${pod.label}] ` : ''}${this.timestamps ? this.kubeletTimestamp() : ''}${line}\n`;
      }
    }
    this.bytes += Buffer.byteLength(out);
    this.writer.write(out);
  }
}

function interceptStdio(sink) {
  const original = { out: process.stdout.write, err: process.stderr.write };
  // Callbacks are deliberately not called: Console passes an error handler that must only see real errors.
  process.stdout.write = (chunk) => {
    sink.accept(chunk);
    return true;
  };
  process.stderr.write = (chunk) => {
    sink.accept(chunk);
    return true;
  };
  return () => {
    process.stdout.write = original.out;
    process.stderr.write = original.err;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The libraries, loaded only after TZ, the locale and NO_COLOR are settled.
// ---------------------------------------------------------------------------------------------------------------
let Logger;
let HttpException;
let prom;

function loadLibraries(color) {
  // 10.4.22 reads NO_COLOR on every colour call (`const isColorAllowed = () => !process.env.NO_COLOR`), so this
  // would also work later; it is still set first so that nothing can ever log with the wrong setting.
  if (color) delete process.env.NO_COLOR;
  else process.env.NO_COLOR = '1';
  const require = createRequire(import.meta.url);
  const nest = require('@nestjs/common');
  Logger = nest.Logger;
  HttpException = nest.HttpException;
  prom = require('prom-client');
  return nest.ConsoleLogger;
}

// ---------------------------------------------------------------------------------------------------------------
// Mirror of runtime/incident-bot. Class names match upstream because Nest uses them as log contexts.
// Lines marked "bookkeeping" are the generator's own records and have no upstream counterpart.
// ---------------------------------------------------------------------------------------------------------------

/** @kubernetes/client-node 0.20 HttpError: message 'HTTP request failed', name 'HttpError' (facts §2.7). */
class HttpError extends Error {
  constructor(statusCode, body) {
    super('HTTP request failed');
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.body = body;
    this.response = { statusCode };
  }
}

/** src/metrics/metrics.service.ts (facts §2.9): own Registry, seven metrics, in this order. */
class MetricsService {
  constructor() {
    this.registry = new prom.Registry();
    const registers = [this.registry];
    this.rollbacksTotal = new prom.Counter({
      name: 'incident_bot_rollbacks_total',
      help: 'Total number of rollbacks executed',
      labelNames: ['reason'],
      registers,
    });
    this.guardTripsTotal = new prom.Counter({
      name: 'incident_bot_guard_trips_total',
      help: 'Total number of GuardTrip events processed',
      labelNames: ['tenant_id'],
      registers,
    });
    this.alertsTotal = new prom.Counter({
      name: 'incident_bot_alerts_total',
      help: 'Total number of Alertmanager alerts processed',
      labelNames: ['alert_name'],
      registers,
    });
    this.decisionErrorsTotal = new prom.Counter({
      name: 'incident_bot_decision_errors_total',
      help: 'Total number of decision engine errors',
      labelNames: ['error_type'],
      registers,
    });
    this.decisionLatency = new prom.Histogram({
      name: 'incident_bot_decision_latency_seconds',
      help: 'Decision engine latency in seconds',
      labelNames: ['decision_type'],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30],
      registers,
    });
    this.kafkaConsumerLag = new prom.Gauge({
      name: 'incident_bot_kafka_consumer_lag',
      help: 'Kafka consumer lag in messages',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.activeRollbacks = new prom.Gauge({
      name: 'incident_bot_active_rollbacks',
      help: 'Number of active rollbacks in progress',
      registers,
    });
  }
  incrementRollbacks(reason) {
    this.rollbacksTotal.inc({ reason });
  }
  recordDecisionLatency(latencyMs) {
    this.decisionLatency.observe({ decision_type: 'guard_trip' }, latencyMs / 1000);
  }
  // incrementGuardTrips / incrementAlerts / incrementDecisionErrors / setKafkaConsumerLag exist upstream but are
  // never called, so their metrics print HELP/TYPE only. They are intentionally not called here either.
}

/**
 * Stand-in for the missing src/kubernetes/kubernetes.service.ts (facts §0, §2.7). Only the method names are known;
 * outcomes come from the scenario (scripted) or from the k8s PRNG stream (realistic failure rates).
 */
class KubernetesService {
  constructor(world) {
    this.world = world;
  }
  async getHelmRelease(name) {
    const outcome = this.world.beginKubernetesCalls();
    clock.spend(this.world.latency(6, 45, 0.03, 250, 1400));
    if (outcome.helm === 'unreachable') throw new HttpError(503, { kind: 'Status', code: 503 });
    if (outcome.helm === 'missing') return undefined;
    return { apiVersion: 'helm.toolkit.fluxcd.io/v2beta1', kind: 'HelmRelease', metadata: { name } };
  }
  async getHelmReleaseHistory() {
    const outcome = this.world.currentOutcome;
    clock.spend(this.world.latency(8, 60, 0.03, 300, 1800));
    if (outcome.helm === 'history') {
      return [
        { version: 14, chart: { metadata: { version: '0.4.1' } } },
        { version: 13, chart: { metadata: { version: '0.4.0' } } },
      ];
    }
    if (outcome.helm === 'nochart') return [{ version: 14 }, { version: 13 }];
    return [{ version: 1, chart: { metadata: { version: '0.4.1' } } }];
  }
  async createRollback(rollbackCr) {
    const outcome = this.world.currentOutcome;
    clock.spend(this.world.latency(12, 90, 0.02, 300, 2500));
    if (outcome.cr === 'fail') throw new HttpError(422, { kind: 'Status', reason: 'Invalid', code: 422 });
    return rollbackCr;
  }
}

/** src/decision-engine/decision-engine.service.ts (facts §2.5, §2.6). */
class DecisionEngineService {
  constructor(config, kubernetesService, metricsService, recorder) {
    this.logger = new Logger(DecisionEngineService.name);
    this.kubernetesService = kubernetesService;
    this.metricsService = metricsService;
    this.recorder = recorder;
    this.riskScoreThreshold = config.riskThreshold;
    this.heartbeatMissesThreshold = config.missThreshold;
    this.defaultStableRelease = DEFAULT_STABLE_RELEASE;
  }

  async evaluateGuardTrip(event) {
    const startTime = Date.now();
    try {
      this.logger.log(`Evaluating GuardTrip: risk=${event.riskScore}, misses=${event.heartbeatMisses}`);
      const shouldRollback =
        event.riskScore >= this.riskScoreThreshold || event.heartbeatMisses >= this.heartbeatMissesThreshold;
      let reason = '';
      if (event.riskScore >= this.riskScoreThreshold) reason = `high_risk_${event.capsuleHash}`;
      else if (event.heartbeatMisses >= this.heartbeatMissesThreshold) reason = `heartbeat_miss_${event.capsuleHash}`;
      // Only computed when rolling back, and before the decision line (facts §2.5).
      const targetRelease = shouldRollback ? await this.getLastStableRelease() : undefined;
      const decision = {
        shouldRollback,
        reason,
        targetRelease,
        capsuleHash: event.capsuleHash,
        tenantId: event.tenantId,
        riskScore: event.riskScore,
        heartbeatMisses: event.heartbeatMisses,
      };
      this.metricsService.recordDecisionLatency(Date.now() - startTime);
      if (shouldRollback) {
        this.logger.warn(`Rollback decision: ${reason} for capsule ${event.capsuleHash}`);
        this.metricsService.incrementRollbacks(reason); // at decision time, before any CR exists (facts C9)
      } else {
        this.logger.log(`No rollback needed for capsule ${event.capsuleHash}`);
      }
      this.recorder.evaluated(decision); // bookkeeping
      return decision;
    } catch (error) {
      this.logger.error('Error evaluating GuardTrip:', error);
      throw error;
    }
  }

  async getLastStableRelease() {
    try {
      const helmRelease = await this.kubernetesService.getHelmRelease(HELM_RELEASE);
      if (!helmRelease) throw new Error('HelmRelease not found');
      const history = await this.kubernetesService.getHelmReleaseHistory(HELM_RELEASE);
      if (history.length > 1) return history[1].chart?.metadata?.version || 'latest';
      return this.defaultStableRelease;
    } catch (error) {
      this.logger.error('Error getting last stable release:', error);
      return this.defaultStableRelease;
    }
  }

  async executeRollback(decision) {
    if (!decision.shouldRollback || !decision.targetRelease) {
      this.logger.warn('Cannot execute rollback: invalid decision or missing target release');
      return;
    }
    try {
      this.logger.log(`Executing rollback to release ${decision.targetRelease} for reason: ${decision.reason}`);
      const rollbackCr = {
        apiVersion: 'ops.prov-fabric.io/v1alpha1',
        kind: 'Rollback',
        metadata: { name: `rollback-${Date.now()}`, namespace: 'flux-system' },
        spec: {
          targetRelease: decision.targetRelease,
          reason: decision.reason,
          capsuleHash: decision.capsuleHash,
          tenantId: decision.tenantId,
        },
      };
      await this.kubernetesService.createRollback(rollbackCr);
      this.logger.log(`Rollback CR created successfully: ${rollbackCr.metadata.name}`);
      this.recorder.rollbackCreated(rollbackCr.metadata.name); // bookkeeping
    } catch (error) {
      this.recorder.rollbackFailed(); // bookkeeping
      this.logger.error('Failed to execute rollback:', error);
      throw error;
    }
  }
}

/** src/kafka/kafka.service.ts (facts §2.3). `consumer` is the simulated kafkajs consumer of this pod. */
class KafkaService {
  constructor(decisionEngine, consumer, recorder) {
    this.logger = new Logger(KafkaService.name);
    this.decisionEngine = decisionEngine;
    this.consumer = consumer;
    this.recorder = recorder;
    this.isRunning = false;
  }

  async onModuleInit() {
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topic: TOPIC, fromBeginning: false });
      await this.consumer.run({ eachMessage: (payload) => this.eachMessage(payload) });
      this.isRunning = true;
      this.logger.log('Kafka consumer started successfully');
    } catch (error) {
      this.logger.error('Failed to start Kafka consumer:', error);
      throw error;
    }
  }

  async eachMessage({ message }) {
    try {
      const value = message.value?.toString();
      if (!value) {
        this.logger.warn('Received empty message from Kafka');
        return;
      }
      const event = JSON.parse(value);
      if (!this.isValidGuardTrip(event)) {
        // Two arguments: Nest prints the text, then a second entry `Object:\n<JSON, 2 spaces>\n` (facts §2.8).
        this.logger.warn('Invalid GuardTrip event received:', event);
        this.recorder.invalidEvent(event); // bookkeeping
        return;
      }
      this.recorder.source = 'kafka'; // bookkeeping
      this.logger.log(`Processing GuardTrip event: ${event.capsuleHash} (risk: ${event.riskScore})`);
      const decision = await this.decisionEngine.evaluateGuardTrip(event);
      if (decision.shouldRollback) {
        this.logger.warn(`Rollback decision made: ${decision.reason} for capsule ${event.capsuleHash}`);
        await this.decisionEngine.executeRollback(decision);
      } else {
        this.logger.log(`No rollback needed for capsule ${event.capsuleHash}`);
      }
    } catch (error) {
      // Not re-thrown upstream: the offset is committed and the event is never retried.
      this.logger.error('Error processing Kafka message:', error);
    }
  }

  isValidGuardTrip(event) {
    return (
      !!event &&
      typeof event === 'object' &&
      typeof event.capsuleHash === 'string' &&
      typeof event.tenantId === 'string' &&
      typeof event.riskScore === 'number' &&
      typeof event.heartbeatMisses === 'number' &&
      typeof event.ts === 'string' &&
      event.eventType === 'guard_trip'
    );
  }
}

/** src/alertmanager/alertmanager.controller.ts (facts §2.4). */
class AlertmanagerController {
  constructor(decisionEngine, recorder) {
    this.logger = new Logger(AlertmanagerController.name);
    this.decisionEngine = decisionEngine;
    this.recorder = recorder;
    this.webhookSecret = WEBHOOK_SECRET;
  }

  async handleWebhook(alert, signature) {
    try {
      if (this.webhookSecret && signature) {
        if (!this.validateSignature(alert, signature)) {
          this.logger.warn('Invalid HMAC signature received');
          throw new HttpException('Invalid signature', 401);
        }
      }
      this.logger.log(`Received Alertmanager webhook: ${alert.alerts.length} alerts`);
      for (const alertItem of alert.alerts) {
        try {
          await this.processAlert(alertItem);
        } catch (error) {
          this.logger.error('Error processing alert:', error);
        }
      }
      return { status: 'processed', alerts: alert.alerts.length };
    } catch (error) {
      this.logger.error('Error processing Alertmanager webhook:', error);
      throw error;
    }
  }

  validateSignature(payload, signature) {
    try {
      const expected = crypto.createHmac('sha256', this.webhookSecret).update(JSON.stringify(payload)).digest('hex');
      return crypto.timingSafeEqual(Buffer.from(signature, 'hex'), Buffer.from(expected, 'hex'));
    } catch (error) {
      this.logger.error('Error validating signature:', error);
      return false;
    }
  }

  async processAlert(alert) {
    const labels = alert.labels || {};
    const capsuleHash = labels.capsule_hash;
    if (!capsuleHash) {
      this.logger.warn('Alert missing capsule_hash label');
      return;
    }
    const event = {
      capsuleHash,
      tenantId: labels.tenant_id || 'unknown',
      riskScore: parseFloat(labels.risk_score || '0'),
      heartbeatMisses: parseInt(labels.heartbeat_misses || '0'),
      ts: new Date().toISOString(),
      eventType: 'guard_trip',
      reason: alert.annotations?.summary || 'alertmanager_alert',
    };
    this.recorder.source = 'alert'; // bookkeeping
    this.logger.log(
      `Processing alert for capsule ${capsuleHash}: risk=${event.riskScore}, misses=${event.heartbeatMisses}`,
    );
    const decision = await this.decisionEngine.evaluateGuardTrip(event);
    if (decision.shouldRollback) {
      this.logger.warn(`Rollback decision from alert: ${decision.reason} for capsule ${capsuleHash}`);
      await this.decisionEngine.executeRollback(decision);
    } else {
      this.logger.log(`No rollback needed for alert capsule ${capsuleHash}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// kafkajs: not a devDependency, so its default console logger (src/loggers/index.js + console.js, 2.x) is
// reproduced: `JSON.stringify({level, ...{timestamp, logger:'kafkajs', message}, ...extra, message:'[NS] msg'})`
// written with console.info / console.warn / console.error (so WARN/ERROR land on stderr).
// ---------------------------------------------------------------------------------------------------------------

function kafkajsLogger(namespace) {
  const level =
    (label, method) =>
    (message, extra = {}) => {
      const log = Object.assign({ timestamp: new Date().toISOString(), logger: 'kafkajs', message }, extra);
      const prefix = namespace ? `[${namespace}] ` : '';
      console[method](JSON.stringify(Object.assign({ level: label }, log, { message: `${prefix}${log.message}` })));
    };
  return { info: level('INFO', 'info'), warn: level('WARN', 'warn'), error: level('ERROR', 'error') };
}

/** The consumer group as the pods see it: join order, RoundRobinAssigner assignment, rebalances. */
class ConsumerGroupSim {
  constructor(world) {
    this.world = world;
    this.members = [];
    this.assignment = new Array(TOPIC_PARTITIONS).fill(null);
  }

  correlationId(pod) {
    // Heartbeats every 3 s plus fetches: correlation ids grow with uptime.
    return pod.correlationBase + Math.floor((clock.now - pod.startedAt) / 1400);
  }

  assign() {
    const sorted = [...this.members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
    for (let p = 0; p < TOPIC_PARTITIONS; p++) this.assignment[p] = sorted[p % sorted.length];
  }

  logJoined(pod, duration) {
    this.world.sink.setPod(pod);
    const partitions = [];
    for (let p = 0; p < TOPIC_PARTITIONS; p++) if (this.assignment[p] === pod) partitions.push(p);
    kafkajsLogger('ConsumerGroup').info('Consumer has joined the group', {
      groupId: GROUP_ID,
      memberId: pod.memberId,
      leaderId: this.members[0].memberId,
      isLeader: this.members[0] === pod,
      memberAssignment: { [TOPIC]: partitions },
      groupProtocol: 'RoundRobinAssigner',
      duration,
    });
  }

  /** Heartbeat refused, runner re-joins: what every running member logs when the group rebalances. */
  logRebalance(pods) {
    const rng = this.world.rngKafka;
    for (const pod of pods) {
      this.world.sink.setPod(pod);
      kafkajsLogger('Connection').error('Response Heartbeat(key: 12, version: 3)', {
        broker: KAFKA_BROKER,
        clientId: CLIENT_ID,
        error: REBALANCE_ERROR,
        correlationId: this.correlationId(pod),
        size: 10,
      });
      clock.spend(rng.int(0, 2));
      kafkajsLogger('Runner').error('The group is rebalancing, re-joining', {
        groupId: GROUP_ID,
        memberId: pod.memberId,
        error: REBALANCE_ERROR,
        retryCount: 0,
        retryTime: rng.int(250, 450),
      });
      clock.spend(rng.int(1, 15));
    }
  }

  async join(pod) {
    const rng = this.world.rngKafka;
    this.world.sink.setPod(pod);
    kafkajsLogger('Consumer').info('Starting', { groupId: GROUP_ID });
    const startedJoin = clock.now;
    clock.spend(rng.int(20, 80));
    const running = [...this.members];
    if (running.length > 0) {
      clock.spend(rng.int(300, 2600)); // until the running members' next heartbeat
      this.logRebalance(running);
    } else {
      clock.spend(3000 + rng.int(0, 60)); // group.initial.rebalance.delay.ms on an empty group
    }
    this.members.push(pod);
    this.assign();
    for (const member of running) this.logJoined(member, rng.int(15, 90));
    this.logJoined(pod, clock.now - startedJoin);
    this.world.sink.setPod(pod);
  }

  async rebalanceAll() {
    this.logRebalance(this.members);
    for (const member of this.members) this.logJoined(member, this.world.rngKafka.int(15, 120));
  }

  responseWithoutMatch(pod) {
    this.world.sink.setPod(pod);
    kafkajsLogger('RequestQueue').warn('Response without match', {
      clientId: CLIENT_ID,
      broker: KAFKA_BROKER,
      correlationId: this.correlationId(pod),
    });
  }

  ownerOf(key) {
    return this.assignment[fnv1a(key) % TOPIC_PARTITIONS];
  }
}

/** A pod: one Node process of the bot with its own services, pid, registry and Nest `lastTimestampAt`. */
function createPod(world, index) {
  const name = `incident-bot-${REPLICASET_HASH}-${Array.from({ length: 5 }, () => world.rngPods.pick(POD_NAME_ALPHABET)).join('')}`;
  const template = world.opts.prefix ?? 'pod/NAME/incident-bot';
  const pod = {
    index,
    name,
    label: template.replaceAll('NAME', name),
    pid: world.opts.pid + index,
    memberId: `${CLIENT_ID}-${world.rngKafka.uuid()}`,
    correlationBase: world.rngKafka.int(20, 60),
    startedAt: 0,
    lastTimestampAt: undefined,
  };
  pod.metrics = new MetricsService();
  pod.kubernetes = new KubernetesService(world);
  pod.decisionEngine = new DecisionEngineService(world.opts, pod.kubernetes, pod.metrics, world.recorder);
  const consumer = {
    connect: async () => clock.spend(world.rngKafka.int(15, 60)),
    subscribe: async () => clock.spend(world.rngKafka.int(2, 10)),
    run: async () => world.group.join(pod),
  };
  pod.kafka = new KafkaService(pod.decisionEngine, consumer, world.recorder);
  pod.alertmanager = new AlertmanagerController(pod.decisionEngine, world.recorder);
  return pod;
}

// The modules app.module.ts wires (facts §0, §2.1); Nest logs one "dependencies initialized" line per module.
const NEST_MODULES = [
  'AppModule',
  'ConfigHostModule',
  'TerminusModule',
  'MetricsModule',
  'KubernetesModule',
  'ConfigModule',
  'ConfigModule',
  'DecisionEngineModule',
  'KafkaModule',
  'AlertmanagerModule',
];

/**
 * src/main.ts bootstrap. The framework lines use the texts and contexts of @nestjs/core 10, whose loggers are
 * created with `{ timestamp: true }`: that is why they (and only they) end with the ` +Nms` delta.
 */
async function bootstrapPod(world, pod) {
  const rng = world.rngKafka;
  world.sink.setPod(pod);
  pod.startedAt = clock.now;
  new Logger('NestFactory', { timestamp: true }).log('Starting Nest application...');
  clock.spend(rng.int(12, 45));
  const instanceLoader = new Logger('InstanceLoader', { timestamp: true });
  for (const moduleName of NEST_MODULES) {
    instanceLoader.log(`${moduleName} dependencies initialized`);
    clock.spend(rng.int(0, 1));
  }
  clock.spend(rng.int(3, 9));
  new Logger('RoutesResolver', { timestamp: true }).log('AlertmanagerController {/api/v1/alertmanager}:');
  clock.spend(rng.int(1, 4));
  new Logger('RouterExplorer', { timestamp: true }).log('Mapped {/api/v1/alertmanager, POST} route');
  clock.spend(rng.int(1, 3));
  await pod.kafka.onModuleInit();
  clock.spend(rng.int(1, 4));
  world.sink.setPod(pod);
  new Logger('NestApplication', { timestamp: true }).log('Nest application successfully started');
  clock.spend(rng.int(2, 9));
  const logger = new Logger('IncidentBot');
  logger.log(`Incident-bot started on port ${PORT}`);
  logger.log(`Kafka consumer group: ${GROUP_ID}`);
  logger.log(`Alertmanager webhook endpoint: http://localhost:${PORT}/api/v1/alertmanager`);
}

// ---------------------------------------------------------------------------------------------------------------
// What the generator knows about each evaluation (for .expected.json and the --checklist self-check).
// ---------------------------------------------------------------------------------------------------------------
class Recorder {
  constructor(keep, trackCoverage) {
    this.keep = keep;
    this.trackCoverage = trackCoverage; // the per-capsule map would grow without bound on --bytes runs
    this.evaluations = [];
    this.invalidEvents = [];
    this.source = 'kafka';
    this.current = null;
    this.lastSeen = new Map();
    this.coverage = new Set();
  }
  evaluated(decision) {
    const record = {
      capsuleHash: decision.capsuleHash,
      tenantId: null, // the bot never logs the tenant, so a log parser cannot know it
      riskScore: decision.riskScore,
      heartbeatMisses: decision.heartbeatMisses,
      botDecision: decision.shouldRollback ? 'rollback' : 'no-rollback',
      rollbackName: null,
      rollbackFailed: false,
      source: this.source,
    };
    this.current = record;
    if (this.keep) this.evaluations.push(record);
    if (this.trackCoverage) this.noteCoverage(record);
  }
  rollbackCreated(name) {
    if (this.current) this.current.rollbackName = name;
  }
  rollbackFailed() {
    if (this.current) this.current.rollbackFailed = true;
    this.coverage.add('rollback-create-failed');
  }
  invalidEvent(event) {
    if (this.keep) this.invalidEvents.push(event);
    this.coverage.add('invalid-event');
  }
  noteCoverage({ capsuleHash, riskScore: r, heartbeatMisses: m, botDecision, source }) {
    const rollback = botDecision === 'rollback';
    if (rollback && r > 0.8) this.coverage.add('high-risk-rollback');
    if (rollback && r < 0.5 && m >= 3) this.coverage.add('heartbeat-rollback-low-risk');
    if (rollback && r === 0.8 && m < 3) this.coverage.add('exact-0.8-rollback');
    if (!rollback && r >= 0.5 && r <= 0.8 && m < 3) this.coverage.add('medium-no-rollback');
    if (!rollback && r < 0.5) this.coverage.add('low-no-rollback');
    if (source === 'alert') this.coverage.add('alert-path');
    if (Number.isNaN(r)) this.coverage.add('alert-nan-risk');
    const previous = this.lastSeen.get(capsuleHash);
    if (previous !== undefined && clock.now - previous <= 10 * 60 * 1000) this.coverage.add('repeat-within-10min');
    this.lastSeen.set(capsuleHash, clock.now);
  }
}

const CHECKLIST_COVERAGE = [
  'high-risk-rollback',
  'heartbeat-rollback-low-risk',
  'exact-0.8-rollback',
  'medium-no-rollback',
  'low-no-rollback',
  'rollback-create-failed',
  'invalid-event',
  'alert-path',
  'alert-nan-risk',
  'repeat-within-10min',
  'helm-error-pair',
];

// ---------------------------------------------------------------------------------------------------------------
// Scenario: a stream of steps {kind, at, ...}. Kafka messages and webhooks count as events; kafkajs noise does not.
// ---------------------------------------------------------------------------------------------------------------

const GUARD_REASONS = {
  high: (risk) => `Spam score too high: ${Math.min(0.99, risk + 0.01).toFixed(2)} > 0.80`,
  budget: () => 'Budget limit exceeded: $120.00 > $100.00',
  heartbeat: (_risk, misses) => `Heartbeat missed: ${misses} consecutive beats`,
  egress: () => 'Egress to unlabeled destination',
  assumption: () => 'Assumption violation: tool call outside declared capability set',
};

function alertmanagerAlert(labels, summary, startsAtMs, status = 'firing', endsAtMs = null) {
  return {
    status,
    labels,
    annotations: { summary },
    startsAt: iso(startsAtMs),
    endsAt: status === 'resolved' && endsAtMs !== null ? iso(endsAtMs) : '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.monitoring.svc:9090/graph?g0.expr=capsule_risk_score+%3E+0.8',
    // Deterministic and label-derived, as Alertmanager's own fingerprint is.
    fingerprint: crypto.createHash('sha256').update(JSON.stringify(labels)).digest('hex').slice(0, 16),
  };
}

/** Shape of facts §14.2: group/common labels and annotations are what all alerts of the group share. */
function alertmanagerWebhook(alerts, status = 'firing') {
  const common = (key) => {
    const [first, ...rest] = alerts.map((a) => a[key]);
    return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((other) => other[k] === v)));
  };
  const alertname = alerts[0].labels.alertname;
  return {
    version: '4',
    groupKey: `{}:{alertname="${alertname}"}`,
    truncatedAlerts: 0,
    status,
    receiver: 'incident-bot',
    groupLabels: { alertname },
    commonLabels: common('labels'),
    commonAnnotations: common('annotations'),
    externalURL: 'http://alertmanager.monitoring.svc:9093',
    alerts,
  };
}

class Scenario {
  constructor(opts, rng) {
    this.opts = opts;
    this.rng = rng;
    this.t = opts.startMs + 30000 + rng.int(0, 4000);
    this.eventIndex = 0;
    this.storm = 0;
    this.tenants = [...FIXTURE_CAPSULES.map((c) => c.tenant)];
    const fingerprint = rng.base36(4);
    for (let i = 0; i < 5; i++) this.tenants.push(this.newTenant(fingerprint, 3 + i));
    this.fingerprint = fingerprint;
    this.capsules = FIXTURE_CAPSULES.map((c) => ({ hash: c.hash, tenant: c.tenant, last: null }));
    this.maxCapsules = 2000;
    this.recent = [];
    // Dedicated capsules for scripted cases, drawn up front so filler events never depend on them.
    this.scripted = Array.from({ length: 5 }, () => this.newCapsule());
  }

  newTenant(fingerprint, counter) {
    // cuid v1: 'c' + 8 base36 timestamp + 4 counter + 4 fingerprint + 8 random (25 chars), like the ledger ids.
    const stamp = Math.floor(this.opts.startMs - this.rng.int(30, 400) * 86400000)
      .toString(36)
      .slice(-8)
      .padStart(8, '0');
    return `c${stamp}${counter.toString(36).padStart(4, '0')}${fingerprint}${this.rng.base36(8)}`;
  }

  newCapsule() {
    const tenant = this.rng.chance(0.05)
      ? this.tenants[this.tenants.push(this.newTenant(this.fingerprint, this.tenants.length)) - 1]
      : this.rng.pick(this.tenants);
    return { hash: `sha256:${this.rng.hex(64)}`, tenant, last: null };
  }

  pickCapsule() {
    if (this.capsules.length < 8 || this.rng.chance(0.3)) {
      const capsule = this.newCapsule();
      if (this.capsules.length >= this.maxCapsules) this.capsules[this.rng.int(3, this.capsules.length - 1)] = capsule;
      else this.capsules.push(capsule);
      return capsule;
    }
    return this.rng.pick(this.capsules);
  }

  /** Capsules that tripped in the last 15 minutes (a time-ordered list, pruned from the front: O(1) per event). */
  recentCapsules() {
    while (this.recent.length > 0 && this.t - this.recent[0].at > 15 * 60 * 1000) this.recent.shift();
    return this.recent;
  }

  gap() {
    return Math.max(2000, Math.round(this.rng.exp(this.opts.meanGapMs)));
  }

  guardTrip(capsule, riskScore, heartbeatMisses, extra = {}) {
    const event = {
      capsuleHash: capsule.hash,
      tenantId: capsule.tenant,
      riskScore,
      heartbeatMisses,
      ts: isoSeconds(this.t - this.rng.int(40, 1500)),
      eventType: 'guard_trip',
      ...extra,
    };
    capsule.last = { at: this.t, risk: riskScore, misses: heartbeatMisses };
    this.recent.push({ at: this.t, capsule });
    return { kind: 'kafka', at: this.t, key: capsule.hash, value: JSON.stringify(event), counts: true };
  }

  randomGuardTrip() {
    const rng = this.rng;
    let capsule;
    let risk;
    let misses;
    let gap;
    const recent = this.storm === 0 ? this.recentCapsules() : [];
    if (this.storm > 0) {
      // Heartbeat storm (e.g. a network partition): several capsules miss beats within a minute or two.
      this.storm--;
      capsule = this.pickCapsule();
      risk = round2(rng.range(0.05, 0.6));
      misses = rng.int(3, 7);
      gap = rng.int(3000, 40000);
    } else if (recent.length > 0 && rng.chance(0.2)) {
      // The same capsule trips again a few minutes later, usually a bit worse.
      capsule = rng.pick(recent).capsule;
      risk = Math.min(0.99, Math.max(0.01, round2(capsule.last.risk + rng.range(-0.06, 0.16))));
      misses = Math.max(0, Math.min(9, capsule.last.misses + rng.int(-1, 2)));
      gap = rng.int(45000, 420000);
    } else {
      if (rng.chance(0.012)) this.storm = rng.int(2, 5);
      capsule = this.pickCapsule();
      gap = this.gap();
      const lowMisses = () =>
        rng.weighted([
          [55, 0],
          [28, 1],
          [17, 2],
        ]);
      const band =
        this.storm > 0
          ? 'heartbeat'
          : rng.weighted([
              [56, 'low'],
              [28, 'medium'],
              [8, 'high'],
              [7.5, 'heartbeat'],
              [0.5, 'odd'],
            ]);
      if (band === 'low') [risk, misses] = [round2(rng.range(0.01, 0.49)), lowMisses()];
      else if (band === 'medium') [risk, misses] = [round2(rng.range(0.5, 0.79)), lowMisses()];
      else if (band === 'high') [risk, misses] = [rng.chance(0.12) ? 0.8 : round2(rng.range(0.8, 0.99)), lowMisses()];
      else if (band === 'heartbeat') [risk, misses] = [round2(rng.range(0.05, 0.79)), rng.int(3, 6)];
      else [risk, misses] = [rng.pick([1.7, -0.2, 0, 1]), lowMisses()]; // no range check upstream (facts I11)
    }
    this.t += gap;
    const extra = {};
    if (rng.chance(0.5)) {
      const kind =
        risk >= 0.8 ? rng.pick(['high', 'budget']) : misses >= 3 ? 'heartbeat' : rng.pick(['egress', 'assumption']);
      extra.reason = GUARD_REASONS[kind](risk, misses);
    }
    if (rng.chance(0.1))
      extra.metadata = { source: 'sidecar-watcher', node: `ip-10-0-${rng.int(1, 9)}-${rng.int(10, 250)}` };
    return this.guardTrip(capsule, risk, misses, extra);
  }

  invalidMessage() {
    const rng = this.rng;
    this.t += this.gap();
    const capsule = rng.pick(this.capsules);
    const ts = isoSeconds(this.t - rng.int(40, 1500));
    const base = { capsuleHash: capsule.hash, tenantId: capsule.tenant, riskScore: round2(rng.range(0.05, 0.99)) };
    const body = rng.weighted([
      [25, () => ({ ...base, riskScore: String(base.riskScore), heartbeatMisses: 0, ts, eventType: 'GuardTrip' })],
      [20, () => ({ ...base, heartbeatMisses: 1, ts, eventType: 'GuardTrip' })],
      [
        15,
        () => ({
          capsuleHash: capsule.hash,
          riskScore: base.riskScore,
          heartbeatMisses: 2,
          ts,
          eventType: 'guard_trip',
        }),
      ],
      [15, () => ({ ...base, heartbeatMisses: String(rng.int(1, 6)), ts, eventType: 'guard_trip' })],
      [
        12,
        () => ({
          event: 'guard_trip',
          reason: GUARD_REASONS.budget(),
          timestamp: iso(this.t).replace('Z', '') + `${rng.int(100000, 999999)}+00:00`,
        }),
      ],
      [
        10,
        () => ({
          capsule_hash: capsule.hash,
          tenant_id: capsule.tenant,
          risk_score: base.riskScore,
          heartbeat_misses: 1,
          ts,
          event_type: 'guard_trip',
        }),
      ],
      [3, () => [{ ...base, heartbeatMisses: 0, ts, eventType: 'guard_trip' }]],
    ])();
    return { kind: 'kafka', at: this.t, key: capsule.hash, value: JSON.stringify(body), counts: true };
  }

  emptyMessage() {
    this.t += this.gap();
    return { kind: 'kafka', at: this.t, key: `tombstone-${this.rng.hex(8)}`, value: null, counts: true };
  }

  randomWebhook() {
    const rng = this.rng;
    this.t += this.gap();
    const alertname = rng.weighted([
      [62, 'HighRiskCapsule'],
      [16, 'CapsuleHeartbeatMissing'],
      [8, 'SidecarUnhealthy'],
      [7, 'ServiceDown'],
      [7, 'PolicyViolationSpike'],
    ]);
    const status = rng.chance(0.15) ? 'resolved' : 'firing'; // ignored by the bot (facts §2.4)
    const alerts = [];
    for (let i = rng.int(1, 3); i > 0; i--) {
      const startsAt = this.t - rng.int(1, 20) * 60000;
      if (alertname === 'HighRiskCapsule' || alertname === 'CapsuleHeartbeatMissing') {
        const capsule = rng.pick(this.capsules);
        const high = alertname === 'HighRiskCapsule';
        let riskLabel = (high ? round2(rng.range(0.6, 0.99)) : round2(rng.range(0.05, 0.5))).toFixed(2);
        if (rng.chance(0.06)) riskLabel = rng.pick(['n/a', 'high', 'NaN']); // parseFloat gives NaN (facts I11)
        let missLabel = String(high ? rng.int(0, 2) : rng.int(3, 6));
        if (rng.chance(0.05)) missLabel = `${missLabel}.${rng.int(1, 9)}`; // parseInt truncates
        const labels = {
          alertname,
          severity: high ? 'critical' : 'warning',
          capsule_hash: capsule.hash,
          tenant_id: capsule.tenant,
          risk_score: riskLabel,
          heartbeat_misses: missLabel,
        };
        if (rng.chance(0.05)) delete labels.capsule_hash;
        const summary = high ? 'High risk capsule detected' : 'Capsule heartbeat missing';
        alerts.push(alertmanagerAlert(labels, summary, startsAt, status, this.t));
      } else {
        // Deployed rules never carry capsule labels (facts §9): the bot skips them.
        const labels = { alertname, severity: 'critical' };
        if (alertname === 'SidecarUnhealthy') Object.assign(labels, { component: 'sidecar', job: 'sidecar-watcher' });
        else labels.team = 'platform';
        alerts.push(alertmanagerAlert(labels, `${alertname} firing`, startsAt, status, this.t));
      }
    }
    const signature = rng.weighted([
      [46, 'valid'],
      [50, 'none'],
      [2, 'wrong'],
      [2, 'badhex'],
    ]);
    return { kind: 'webhook', at: this.t, body: alertmanagerWebhook(alerts, status), signature, counts: true };
  }

  randomStep() {
    const r = this.rng.float();
    if (r < 0.02) return this.invalidMessage();
    if (r < 0.025) return this.emptyMessage();
    if (r < 0.065) return this.randomWebhook();
    return this.randomGuardTrip();
  }

  noiseAfter() {
    const rng = this.rng;
    const r = rng.float();
    if (r >= 0.007) return null;
    this.t += rng.int(1000, 30000);
    return { kind: 'kafkajs', at: this.t, what: r < 0.004 ? 'rebalance' : 'nomatch', counts: false };
  }

  /** The 3-alert webhook of the checklist; also written by --webhook-out (media/samples/alertmanager-webhook.json). */
  checklistWebhook() {
    const [A, , C] = FIXTURE_CAPSULES;
    const startsAt = this.t - 4 * 60000;
    return alertmanagerWebhook([
      alertmanagerAlert(
        {
          alertname: 'HighRiskCapsule',
          severity: 'critical',
          capsule_hash: A.hash,
          tenant_id: A.tenant,
          risk_score: '0.86',
          heartbeat_misses: '1',
        },
        'High risk capsule detected',
        startsAt,
      ),
      alertmanagerAlert(
        {
          alertname: 'HighRiskCapsule',
          severity: 'critical',
          capsule_hash: C.hash,
          tenant_id: C.tenant,
          risk_score: '0.35',
          heartbeat_misses: '1',
        },
        'High risk capsule detected',
        startsAt + 30000,
      ),
      alertmanagerAlert(
        {
          alertname: 'HighRiskCapsule',
          severity: 'critical',
          tenant_id: FIXTURE_CAPSULES[1].tenant,
          risk_score: '0.91',
        },
        'High risk capsule detected',
        startsAt + 45000,
      ),
    ]);
  }

  /**
   * Scripted must-have cases, in blocks placed at fractions of the night. Each item is a function so that its
   * time is taken when the block is reached. 13 counted events in total (CHECKLIST_EVENTS).
   */
  checklistBlocks() {
    const [A, B, C] = this.capsules;
    const [D, E, F, G, H] = this.scripted;
    const at = (ms) => (this.t += ms);
    const trip = (gapMs, capsule, risk, misses, k8s, extra) => () => {
      at(gapMs);
      return { ...this.guardTrip(capsule, risk, misses, extra), k8s };
    };
    const ok = (helm = 'single') => [{ helm, cr: 'ok' }];
    return [
      {
        fraction: 0,
        events: 5,
        items: [
          // facts §14.1 / §14.3 timeline: legit high risk; heartbeat at low risk with the HelmRelease lookup failing
          trip(0, A, 0.92, 1, ok(), { reason: 'Spam score too high: 0.93 > 0.80' }),
          trip(32000, B, 0.41, 3, ok('missing')),
          trip(103000, C, 0.65, 2), // medium risk, < 3 misses: playbook "false positive - network"
          () => {
            at(25000);
            const body = {
              capsuleHash: C.hash,
              tenantId: C.tenant,
              riskScore: '0.95',
              heartbeatMisses: 0,
              ts: isoSeconds(this.t - 310),
              eventType: 'GuardTrip',
            };
            return { kind: 'kafka', at: this.t, key: C.hash, value: JSON.stringify(body), counts: true };
          },
          trip(53000, C, 0.8, 0, ok('history'), { metadata: { source: 'boundary-fixture' } }), // exactly 0.8 (I1)
        ],
      },
      {
        fraction: 0.3,
        events: 1,
        items: [
          () => {
            at(this.gap());
            const body = this.checklistWebhook();
            return {
              kind: 'webhook',
              at: this.t,
              body,
              signature: 'valid',
              k8s: ok(),
              counts: true,
              sampleDocument: true,
            };
          },
          () => ({ kind: 'kafkajs', at: at(41000), what: 'rebalance', counts: false }),
        ],
      },
      {
        fraction: 0.5,
        events: 2,
        items: [
          trip(this.gap(), D, 0.87, 2, [{ helm: 'single', cr: 'fail' }]),
          () => ({ kind: 'kafka', at: at(12000), key: D.hash, value: null, counts: true }),
        ],
      },
      {
        fraction: 0.7,
        events: 2,
        items: [
          trip(this.gap(), E, 0.12, 0),
          () => {
            at(90000);
            const startsAt = this.t - 6 * 60000;
            const body = alertmanagerWebhook([
              alertmanagerAlert(
                {
                  alertname: 'HighRiskCapsule',
                  severity: 'critical',
                  capsule_hash: F.hash,
                  tenant_id: F.tenant,
                  risk_score: 'n/a',
                  heartbeat_misses: '1',
                },
                'High risk capsule detected',
                startsAt,
              ),
              alertmanagerAlert(
                {
                  alertname: 'HighRiskCapsule',
                  severity: 'critical',
                  capsule_hash: G.hash,
                  tenant_id: G.tenant,
                  risk_score: '0.3',
                  heartbeat_misses: '3.9',
                },
                'High risk capsule detected',
                startsAt + 20000,
              ),
            ]);
            return {
              kind: 'webhook',
              at: this.t,
              body,
              signature: 'none',
              k8s: [{ helm: 'unreachable', cr: 'ok' }],
              counts: true,
            };
          },
        ],
      },
      {
        fraction: 0.85,
        events: 3,
        items: [
          trip(this.gap(), H, 0.2, 5, ok()), // heartbeat storm at low risk: bot rolls back, playbook says FP (I2)
          trip(150000, H, 0.25, 6, ok('history')),
          trip(40000, C, 0.9, 5, ok()), // both conditions: reason is high_risk_ only (I10)
        ],
      },
    ];
  }

  *realistic() {
    const blocks = this.opts.checklist ? this.checklistBlocks() : [];
    let nextStart = 0;
    for (const block of blocks) {
      block.start = Math.max(Math.floor(block.fraction * this.opts.events), nextStart);
      nextStart = block.start + block.events;
    }
    for (;;) {
      const block = blocks.find((b) => b.start === this.eventIndex && !b.done);
      if (block) {
        block.done = true;
        for (const item of block.items) {
          const step = item();
          if (step.counts) this.eventIndex++;
          yield step;
        }
        continue;
      }
      const step = this.randomStep();
      this.eventIndex++;
      yield step;
      const noise = this.noiseAfter();
      if (noise) yield noise;
    }
  }

  *boundaries() {
    const rows = [...TRUTH_TABLE, ...EXTRA_BOUNDARIES];
    for (let i = 0; ; i++) {
      const [risk, misses] = rows[i % rows.length];
      const capsule = this.newCapsule(); // one capsule per row, so no two rows group into one incident
      if (i > 0) this.t += this.opts.meanGapMs;
      yield { ...this.guardTrip(capsule, risk, misses), k8s: [{ helm: 'single', cr: 'ok' }] };
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------------------

class World {
  constructor(opts) {
    this.opts = opts;
    this.rngEvents = new Rng(opts.seed, 'events');
    this.rngK8s = new Rng(opts.seed, 'kubernetes');
    this.rngKafka = new Rng(opts.seed, 'kafkajs');
    this.rngPods = new Rng(opts.seed, 'pods');
    this.k8sQueue = [];
    this.currentOutcome = { helm: 'single', cr: 'ok' };
    this.recorder = new Recorder(opts.expectedOut !== null, opts.checklist);
    this.group = new ConsumerGroupSim(this);
  }

  /** First Kubernetes call of a rollback decision: take the scripted outcome or draw a realistic one. */
  beginKubernetesCalls() {
    const rng = this.rngK8s;
    const scripted = this.k8sQueue.shift();
    const helm = rng.weighted([
      [55, 'single'],
      [30, 'history'],
      [3, 'nochart'],
      [8, 'missing'],
      [4, 'unreachable'],
    ]);
    const cr = rng.chance(0.03) ? 'fail' : 'ok';
    this.currentOutcome = scripted ?? (this.opts.mix === 'boundaries' ? { helm: 'single', cr: 'ok' } : { helm, cr });
    if (this.currentOutcome.helm === 'missing' || this.currentOutcome.helm === 'unreachable') {
      this.recorder.coverage.add('helm-error-pair');
    }
    return this.currentOutcome;
  }

  /** API-server call latency in ms: usually fast, sometimes slow. */
  latency(lo, hi, slowP, slowLo, slowHi) {
    const rng = this.rngK8s;
    return rng.chance(slowP) ? rng.int(slowLo, slowHi) : rng.int(lo, hi);
  }
}

async function writeMetrics(pods, file) {
  for (const pod of pods) {
    const target = pods.length > 1 ? `${file}.${pod.name}` : file;
    fs.writeFileSync(target, await pod.metrics.registry.metrics());
  }
}

function signatureFor(body, kind) {
  const valid = crypto.createHmac('sha256', WEBHOOK_SECRET).update(JSON.stringify(body)).digest('hex');
  if (kind === 'valid') return valid;
  if (kind === 'wrong') return crypto.createHmac('sha256', 'rotated-secret').update(JSON.stringify(body)).digest('hex');
  if (kind === 'badhex') return `sha256=${valid}`; // GitHub-style prefix: not hex, so the length check throws
  return undefined;
}

async function runGenerator(opts) {
  const ConsoleLogger = loadLibraries(opts.color);
  const writer = openWriter(opts.out, 'out');
  const eventsWriter = opts.eventsOut ? openWriter(opts.eventsOut, 'events-out') : null;
  for (const [file, option] of [
    [opts.expectedOut, 'expected-out'],
    [opts.metrics, 'metrics'],
    [opts.webhookOut, 'webhook-out'],
  ]) {
    if (file) checkWritable(file, option);
  }

  const world = new World(opts);
  world.sink = new LogSink(writer, opts, new Rng(opts.seed, 'timestamps'));
  world.sink.ConsoleLogger = ConsoleLogger;
  const scenario = new Scenario(opts, world.rngEvents);
  const steps = opts.mix === 'boundaries' ? scenario.boundaries() : scenario.realistic();
  const maxEvents =
    opts.events ??
    (opts.mix === 'boundaries' && opts.bytes === null ? TRUTH_TABLE.length + EXTRA_BOUNDARIES.length : Infinity);

  clock.now = opts.startMs;
  const restoreDate = installVirtualDate();
  const restoreStdio = interceptStdio(world.sink);
  const pods = [];
  let events = 0;
  let snapshot = 0;
  let webhookDoc = null;
  try {
    for (let i = 0; i < opts.pods; i++) pods.push(createPod(world, i));
    for (const pod of pods) {
      if (pod.index > 0) clock.spend(world.rngPods.int(1500, 4000));
      await bootstrapPod(world, pod);
    }
    for (const step of steps) {
      if (events >= maxEvents || (opts.bytes !== null && world.sink.bytes >= opts.bytes) || writer.broken) break;
      if (step.at > clock.now) clock.now = step.at;
      clock.spend(world.rngK8s.int(0, 2)); // eachMessage / request dispatch overhead
      world.k8sQueue = step.k8s ? [...step.k8s] : [];
      if (step.kind === 'kafka') {
        const pod = world.group.ownerOf(step.key);
        world.sink.setPod(pod);
        const value = step.value === null ? null : Buffer.from(step.value);
        await pod.kafka.eachMessage({ topic: TOPIC, message: { key: Buffer.from(step.key), value } });
        if (eventsWriter && step.value !== null) eventsWriter.write(`${step.value}\n`);
      } else if (step.kind === 'webhook') {
        const pod = pods[world.rngPods.int(0, pods.length - 1)];
        world.sink.setPod(pod);
        if (step.sampleDocument) webhookDoc = step.body;
        // The HTTP layer turns the re-thrown 401 into a response; nothing else is logged for it.
        await pod.alertmanager.handleWebhook(step.body, signatureFor(step.body, step.signature)).catch(() => undefined);
      } else if (step.what === 'rebalance') {
        await world.group.rebalanceAll();
      } else {
        world.group.responseWithoutMatch(pods[world.rngPods.int(0, pods.length - 1)]);
      }
      if (!step.counts) continue;
      events++;
      if (opts.metricsEvery !== null && events % opts.metricsEvery === 0) {
        snapshot++;
        await writeMetrics(pods, `${opts.metrics}.${snapshot}`);
      }
    }
  } finally {
    restoreStdio();
    restoreDate();
  }
  writer.close();
  eventsWriter?.close();
  if (opts.metrics) await writeMetrics(pods, opts.metrics);
  if (opts.webhookOut) fs.writeFileSync(opts.webhookOut, `${JSON.stringify(webhookDoc, null, 2)}\n`);
  if (opts.expectedOut) {
    const expected = {
      thresholds: { riskScoreThreshold: opts.riskThreshold, heartbeatMissesThreshold: opts.missThreshold },
      // NaN risk (non-numeric alert label) is written as null: JSON has no NaN.
      evaluations: world.recorder.evaluations,
      invalidEvents: world.recorder.invalidEvents,
    };
    fs.writeFileSync(opts.expectedOut, `${JSON.stringify(expected, null, 2)}\n`);
  }
  if (opts.checklist) {
    const missing = CHECKLIST_COVERAGE.filter((c) => !world.recorder.coverage.has(c));
    if (missing.length > 0) {
      process.stderr.write(`gen-nest-log: checklist cases missing from the generated night: ${missing.join(', ')}\n`);
      process.exit(1);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// --sample: regenerate the checked-in samples and fixtures. Each file comes from a separate child run of this
// script, so every variant starts from a pristine Nest/prom-client state exactly as the CLI would.
// ---------------------------------------------------------------------------------------------------------------

function runSample() {
  const media = path.join(REPO_ROOT, 'media', 'samples');
  const fixtures = path.join(REPO_ROOT, 'test', 'fixtures', 'logs');
  fs.mkdirSync(media, { recursive: true });
  fs.mkdirSync(fixtures, { recursive: true });
  const written = [];
  const run = (args, outputs) => {
    const child = spawnSync(process.execPath, [SCRIPT_PATH, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (child.status !== 0) {
      process.stderr.write(`gen-nest-log: sample run failed: ${args.join(' ')}\n`);
      process.exit(1);
    }
    written.push(...outputs);
  };

  const night = {
    log: path.join(media, 'incident-bot.log'),
    events: path.join(media, 'guardtrip-events.jsonl'),
    metrics: path.join(media, 'incident-bot-metrics.prom'),
    webhook: path.join(media, 'alertmanager-webhook.json'),
  };
  // About 60 GuardTrips over about three hours, coloured as a pod without NO_COLOR prints them.
  run(
    ['--seed', '20250805', '--events', '60', '--mean-gap', '200', '--checklist', '--color'].concat([
      '--out',
      night.log,
      '--events-out',
      night.events,
      '--metrics',
      night.metrics,
      '--webhook-out',
      night.webhook,
    ]),
    Object.values(night),
  );

  // One small night (13 scripted cases + 1 filler) in four presentations: same events, same expected evaluations,
  // so tests can check that colour, --timestamps and U+202F change nothing but the presentation.
  const small = ['--seed', '42', '--events', '14', '--mean-gap', '40', '--checklist'];
  // Three replicas cost three start-ups plus rebalance lines: a shorter, uncoloured night keeps it under 30 KB.
  const multipod = ['--seed', '42', '--events', '12', '--mean-gap', '40', '--pods', '3', '--prefix'];
  const variants = {
    plain: [...small, '--no-color'],
    color: [...small, '--color'],
    timestamps: [...small, '--color', '--timestamps'],
    nbsp: [...small, '--no-color', '--nbsp'],
    multipod: [...multipod, '--no-color'],
  };
  for (const [name, args] of Object.entries(variants)) {
    const base = path.join(fixtures, name);
    const files = [`${base}.log`, `${base}.events.jsonl`, `${base}.expected.json`];
    run([...args, '--out', files[0], '--events-out', files[1], '--expected-out', files[2]], files);
  }

  for (const file of written) {
    const size = fs.statSync(file).size;
    const tooBig = file.startsWith(fixtures) && size >= 30 * 1024;
    process.stdout.write(
      `${path.relative(REPO_ROOT, file)}  ${size} bytes${tooBig ? '  (over the 30 KB fixture budget!)' : ''}\n`,
    );
    if (tooBig) process.exitCode = 1;
  }
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  // Summary / --help text goes through process.stdout; a closed pipe there is not an error worth a stack trace.
  process.stdout.on('error', (error) => process.exit(error.code === 'EPIPE' ? 0 : 1));
  const opts = parseOptions(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (opts.sample) {
    runSample();
    return;
  }
  ensureEnUsLocale();
  await runGenerator(opts);
}

main().catch((error) => {
  if (error?.code === 'EPIPE') process.exit(0); // e.g. `| head`: the reader is gone, nothing left to do
  process.stderr.write(`gen-nest-log: ${error?.stack ?? error}\n`);
  process.exit(1);
});
