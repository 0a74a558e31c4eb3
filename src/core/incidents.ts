import type { GuardTripInput } from './guardTrip';
import { fnv1a64 } from './hash';
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

interface Entry {
  incident: Incident;
  key: string;
  inputs: Kept[];
  firstMs: number | null;
  lastMs: number | null;
}

function timeOf(ts: string | null): number | null {
  if (!ts) return null;
  const t = Date.parse(ts);
  return Number.isFinite(t) ? t : null;
}

/**
 * Groups triaged GuardTrips into incidents. Invalid events group among themselves, so a malformed message never
 * replaces the verdict of a real incident for the same capsule.
 */
export class IncidentBook {
  /** Insertion order is recency order: an incident that gets an event moves to the end. */
  private readonly entries = new Map<string, Entry>();
  /** Open incident per group key: the one a new event may join. */
  private readonly openByKey = new Map<string, Entry>();
  private readonly seqByKey = new Map<string, number>();
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

  get(id: string): Incident | undefined {
    return this.entries.get(id)?.incident;
  }

  list(): Incident[] {
    const out: Incident[] = [];
    for (const e of this.entries.values()) out.push(e.incident);
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
    this.openByKey.clear();
    this.seqByKey.clear();
    this.evicted = 0;
  }

  add(input: GuardTripInput): AddResult {
    const res = triage(input, this.thresholds);
    const key = `${res.capsuleHash ?? '?'}\u0000${res.tenantId ?? '?'}\u0000${res.verdict === 'invalid' ? 'i' : 'v'}`;
    const t = timeOf(res.ts);
    const kept: Kept = { seq: this.seq++, input };
    const open = this.openByKey.get(key);
    if (open && this.entries.has(open.incident.id) && this.joins(open, t)) {
      this.append(open, res, kept, t);
      return { incident: open.incident, created: false };
    }
    const n = (this.seqByKey.get(key) ?? 0) + 1;
    this.seqByKey.set(key, n);
    let id = `inc-${fnv1a64(`${key}\u0000${res.ts ?? `#${n}`}`).slice(0, 12)}`;
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
    const entry: Entry = { incident, key, inputs: [kept], firstMs: t, lastMs: t };
    this.entries.set(id, entry);
    this.openByKey.set(key, entry);
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

  private evictOldest(): void {
    const first = this.entries.keys().next();
    if (first.done) return;
    const e = this.entries.get(first.value);
    this.entries.delete(first.value);
    if (e && this.openByKey.get(e.key) === e) {
      this.openByKey.delete(e.key);
      // Nothing of this key is kept any more: its counter would only grow the map with every capsule seen.
      this.seqByKey.delete(e.key);
    }
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
    if (prev?.input.origin?.lines) prev.input = { ...prev.input, origin: { ...prev.input.origin, lines: undefined } };
    const prevRes = inc.events[inc.events.length - 1];
    if (prevRes?.origin?.lines && prevRes !== inc.latest) prevRes.origin = { ...prevRes.origin, lines: undefined };
    e.inputs.push(kept);
    if (e.inputs.length > this.maxEvents) e.inputs.splice(0, e.inputs.length - this.maxEvents);
    inc.events.push(res);
    if (inc.events.length > this.maxEvents) inc.events.splice(0, inc.events.length - this.maxEvents);
    if (t === null || e.lastMs === null || t >= e.lastMs) {
      inc.latest = res;
      if (res.ts) inc.lastSeen = res.ts;
      if (t !== null) e.lastMs = t;
    }
    if (t !== null && e.firstMs !== null && t < e.firstMs) {
      inc.firstSeen = res.ts;
      e.firstMs = t;
    }
    if (typeof res.riskScore === 'number' && res.verdict !== 'invalid') {
      inc.maxRisk = inc.maxRisk === null ? res.riskScore : Math.max(inc.maxRisk, res.riskScore);
    }
    if (res.disagreement) inc.anyDisagreement = true;
    // Move to the end: recency order for eviction.
    this.entries.delete(inc.id);
    this.entries.set(inc.id, e);
  }
}
