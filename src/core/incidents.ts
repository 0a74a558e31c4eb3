import type { GuardTripInput } from './guardTrip';
import { fnvBegin, fnvDigest, fnvFeed } from './hash';
import { originHasLines, originWithoutLines } from './parse/keptLines';
import type { Thresholds } from './thresholds';
import type { TriageResult, Verdict } from './triage';
import { triage } from './triage';

/** Repeated GuardTrips for one capsule (and tenant) close together in time, triaged on the latest scores. */
export interface Incident {
  /** Stable across re-reads of the same input: derived from capsule, tenant and the first event's time. */
  id: string;
  capsuleHash: string | null;
  tenantId: string | null;
  count: number;
  firstSeen: string | null;
  lastSeen: string | null;
  /** Triage of the most recent event. */
  latest: TriageResult;
  /** The most recent events' triage, oldest first (capped; `count` is exact). */
  events: TriageResult[];
  maxRisk: number | null;
  /** True if any event in the group disagreed with the playbook. */
  anyDisagreement: boolean;
  /** Set when an engineer overrides the verdict by hand. */
  override?: { verdict: Verdict; by?: string; reason?: string; at: string };
}

export interface IncidentBookOptions {
  thresholds: Thresholds;
  /** Gap between consecutive events of one capsule that still counts as the same incident; 0 never groups. */
  windowMs: number;
  /** Events kept per incident (their triage and input); older ones are only counted. */
  maxEventsPerIncident?: number;
  /** Incidents kept; beyond this the least recently active are evicted (counted in `evicted`), so memory stays flat. */
  maxIncidents?: number;
}

export interface AddResult {
  incident: Incident;
  created: boolean;
}

interface Kept {
  seq: number;
  input: GuardTripInput;
}

interface KeyState {
  open: Entry | null;
  n: number;
}

interface Entry {
  incident: Incident;
  key: string;
  inputs: Kept[];
  firstMs: number | null;
  lastMs: number | null;
  /** Recency list, oldest first: eviction takes `older`-most, activity moves an entry to the newest end. */
  older: Entry | null;
  newer: Entry | null;
}

function num(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Milliseconds of an ISO time, or null: exactly what Date.parse gives for it, faster for the usual shape. */
export function timeOf(ts: string | null): number | null {
  if (!ts) return null;
  // The parsers' own output shape (toISOString: 2025-08-05T14:15:30.000Z) is read by hand; Date.parse was a
  // tenth of the grouping time. Anything else, and out-of-range fields, are left to Date.parse.
  if (
    ts.length === 24 &&
    ts.charCodeAt(4) === 45 &&
    ts.charCodeAt(7) === 45 &&
    ts.charCodeAt(10) === 84 &&
    ts.charCodeAt(13) === 58 &&
    ts.charCodeAt(16) === 58 &&
    ts.charCodeAt(19) === 46 &&
    ts.charCodeAt(23) === 90
  ) {
    const year = num(ts, 0, 4);
    const month = num(ts, 5, 2);
    const day = num(ts, 8, 2);
    const hour = num(ts, 11, 2);
    const minute = num(ts, 14, 2);
    const second = num(ts, 17, 2);
    const ms = num(ts, 20, 3);
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
    // Two-digit years are left out too: Date.UTC maps 0-99 to 1900-1999.
    if (
      year >= 100 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= days &&
      hour >= 0 &&
      hour <= 23 &&
      minute >= 0 &&
      minute <= 59 &&
      second >= 0 &&
      second <= 59 &&
      ms >= 0
    ) {
      return Date.UTC(year, month - 1, day, hour, minute, second, ms);
    }
  }
  const t = Date.parse(ts);
  return Number.isFinite(t) ? t : null;
}

/**
 * Events group by capsule, tenant and validity. The key is the capsule hash alone in the common case (no tenant,
 * valid scores; a hash cannot contain U+0000 then), so no string is built per event; every other key contains
 * U+0000 and so differs from all of those.
 */
function groupKey(res: TriageResult): string {
  const hash = res.capsuleHash;
  if (hash !== null && res.tenantId === null && res.verdict !== 'invalid' && hash.indexOf('\u0000') === -1) {
    return hash;
  }
  return `${hash ?? '?'}\u0000${res.tenantId ?? '?'}\u0000${res.verdict === 'invalid' ? 'i' : 'v'}`;
}

/**
 * FNV-1a of "capsule NUL tenant NUL v|i NUL time" (or "#n" without a time), fed in parts: ids must stay what
 * they were when that string was built.
 */
function incidentHash(res: TriageResult, n: number): string {
  fnvBegin();
  fnvFeed(res.capsuleHash ?? '?');
  fnvFeed('\u0000');
  fnvFeed(res.tenantId ?? '?');
  fnvFeed(res.verdict === 'invalid' ? '\u0000i\u0000' : '\u0000v\u0000');
  fnvFeed(res.ts ?? `#${n}`);
  return fnvDigest();
}

/**
 * Groups triaged GuardTrips into incidents. Invalid events group among themselves, so a malformed message never
 * replaces the verdict of a real incident for the same capsule.
 */
export class IncidentBook {
  private readonly entries = new Map<string, Entry>();
  /**
   * Recency order as a linked list rather than Map insertion order: re-inserting into and evicting from the
   * front of a Map leaves holes V8 skips on every `keys().next()`, which made eviction quadratic (100 MB logs
   * spent a third of their time there).
   */
  private oldest: Entry | null = null;
  private newest: Entry | null = null;
  /** Per group key: the open incident (the one a new event may join) and how many incidents the key has had. */
  private readonly byKey = new Map<string, KeyState>();
  /** The last event's time, converted once: consecutive events of a log mostly share their second. */
  private lastTs: string | null = null;
  private lastMs: number | null = null;
  private thresholds: Thresholds;
  private readonly windowMs: number;
  private readonly maxEvents: number;
  private readonly maxIncidents: number;
  private seq = 0;
  /** Incidents dropped because `maxIncidents` was reached. */
  evicted = 0;

  constructor(opts: IncidentBookOptions) {
    this.thresholds = opts.thresholds;
    this.windowMs = opts.windowMs;
    this.maxEvents = Math.max(1, opts.maxEventsPerIncident ?? 50);
    this.maxIncidents = Math.max(1, opts.maxIncidents ?? 10_000);
  }

  get size(): number {
    return this.entries.size;
  }

  get thresholdsInUse(): Thresholds {
    return this.thresholds;
  }

  get(id: string): Incident | undefined {
    return this.entries.get(id)?.incident;
  }

  /** Least recently active first. */
  list(): Incident[] {
    const out: Incident[] = [];
    for (let e = this.oldest; e; e = e.newer) out.push(e.incident);
    return out;
  }

  /** Every kept event in arrival order (to regroup with another window). */
  allInputs(): GuardTripInput[] {
    const all: Kept[] = [];
    for (const e of this.entries.values()) all.push(...e.inputs);
    return all.sort((a, b) => a.seq - b.seq).map((k) => k.input);
  }

  clear(): void {
    this.entries.clear();
    this.oldest = null;
    this.newest = null;
    this.byKey.clear();
    this.evicted = 0;
  }

  add(input: GuardTripInput): AddResult {
    const res = triage(input, this.thresholds);
    const key = groupKey(res);
    if (res.ts !== this.lastTs) {
      this.lastTs = res.ts;
      this.lastMs = timeOf(res.ts);
    }
    const t = this.lastMs;
    const kept: Kept = { seq: this.seq++, input };
    let state = this.byKey.get(key);
    // `open` is always a kept incident: evicting a key's open incident forgets the key (evictOldest).
    const open = state?.open;
    if (open && this.joins(open, t)) {
      this.append(open, res, kept, t);
      return { incident: open.incident, created: false };
    }
    if (!state) {
      state = { open: null, n: 0 };
      this.byKey.set(key, state);
    }
    const n = ++state.n;
    let id = `inc-${incidentHash(res, n).slice(0, 12)}`;
    if (this.entries.has(id)) id = `${id}-${n}`;
    const incident: Incident = {
      id,
      capsuleHash: res.capsuleHash,
      tenantId: res.tenantId,
      count: 1,
      firstSeen: res.ts,
      lastSeen: res.ts,
      latest: res,
      events: [res],
      maxRisk: typeof res.riskScore === 'number' && res.verdict !== 'invalid' ? res.riskScore : null,
      anyDisagreement: res.disagreement,
    };
    const entry: Entry = { incident, key, inputs: [kept], firstMs: t, lastMs: t, older: null, newer: null };
    this.entries.set(id, entry);
    this.link(entry);
    state.open = entry;
    if (this.entries.size > this.maxIncidents) this.evictOldest();
    return { incident, created: true };
  }

  /** Re-triages every kept event with new thresholds (settings changed, or live bot thresholds arrived). */
  retriage(thresholds: Thresholds): void {
    this.thresholds = thresholds;
    for (const e of this.entries.values()) {
      const inc = e.incident;
      inc.events = e.inputs.map((k) => triage(k.input, thresholds));
      let latest: TriageResult | undefined;
      let latestMs = -Infinity;
      for (const r of inc.events) {
        const ms = timeOf(r.ts) ?? -Infinity;
        if (!latest || ms >= latestMs) {
          latest = r;
          latestMs = ms;
        }
      }
      if (latest) inc.latest = latest;
      inc.anyDisagreement = inc.events.some((r) => r.disagreement);
    }
  }

  /** Records an engineer's manual verdict on an incident. */
  override(id: string, verdict: Verdict, at: string, reason?: string, by?: string): Incident | undefined {
    const inc = this.entries.get(id)?.incident;
    if (!inc) return undefined;
    inc.override = { verdict, at };
    if (reason !== undefined) inc.override.reason = reason;
    if (by !== undefined) inc.override.by = by;
    return inc;
  }

  private link(e: Entry): void {
    e.older = this.newest;
    e.newer = null;
    if (this.newest) this.newest.newer = e;
    else this.oldest = e;
    this.newest = e;
  }

  private unlink(e: Entry): void {
    if (e.older) e.older.newer = e.newer;
    else this.oldest = e.newer;
    if (e.newer) e.newer.older = e.older;
    else this.newest = e.older;
    e.older = null;
    e.newer = null;
  }

  private evictOldest(): void {
    const e = this.oldest;
    if (!e) return;
    this.unlink(e);
    this.entries.delete(e.incident.id);
    // Nothing of this key is kept any more: its counter would only grow the map with every capsule seen.
    if (this.byKey.get(e.key)?.open === e) this.byKey.delete(e.key);
    this.evicted++;
  }

  private joins(open: Entry, t: number | null): boolean {
    if (this.windowMs <= 0) return false;
    if (t === null || open.lastMs === null || open.firstMs === null) return true;
    // Events from several pods can arrive slightly out of order: compare against the incident's whole span.
    return t >= open.firstMs - this.windowMs && t <= open.lastMs + this.windowMs;
  }

  private append(e: Entry, res: TriageResult, kept: Kept, t: number | null): void {
    const inc = e.incident;
    inc.count++;
    // Only the newest event keeps its raw log lines: history needs the scores, not every line again.
    const prev = e.inputs[e.inputs.length - 1];
    if (prev && originHasLines(prev.input.origin)) {
      prev.input = { ...prev.input, origin: originWithoutLines(prev.input.origin) };
    }
    const prevRes = inc.events[inc.events.length - 1];
    e.inputs.push(kept);
    if (e.inputs.length > this.maxEvents) e.inputs.splice(0, e.inputs.length - this.maxEvents);
    inc.events.push(res);
    if (inc.events.length > this.maxEvents) inc.events.splice(0, inc.events.length - this.maxEvents);
    if (t === null || e.lastMs === null || t >= e.lastMs) {
      inc.latest = res;
      if (res.ts) inc.lastSeen = res.ts;
      if (t !== null) e.lastMs = t;
    }
    // Checked after `latest` moved: the previous arrival was the latest until now, and its lines (and the input
    // slab they pin) are no longer shown.
    if (prevRes && prevRes !== inc.latest && originHasLines(prevRes.origin)) {
      prevRes.origin = originWithoutLines(prevRes.origin);
    }
    if (t !== null && e.firstMs !== null && t < e.firstMs) {
      inc.firstSeen = res.ts;
      e.firstMs = t;
    }
    if (typeof res.riskScore === 'number' && res.verdict !== 'invalid') {
      inc.maxRisk = inc.maxRisk === null ? res.riskScore : Math.max(inc.maxRisk, res.riskScore);
    }
    if (res.disagreement) inc.anyDisagreement = true;
    // Move to the newest end: recency order for eviction.
    if (this.newest !== e) {
      this.unlink(e);
      this.link(e);
    }
  }
}
