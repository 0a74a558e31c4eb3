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
  /** Every event's triage, oldest first (capped; `count` is exact). */
  events: TriageResult[];
  maxRisk: number | null;
  /** True if any event in the group disagreed with the playbook. */
  anyDisagreement: boolean;
  /** Set when an engineer overrides the verdict by hand (issue: triage panel). */
  override?: { verdict: Verdict; by?: string; reason?: string; at: string };
}

export interface IncidentBookOptions {
  thresholds: Thresholds;
  /** Gap between consecutive events of one capsule that still counts as the same incident; 0 never groups. */
  windowMs: number;
  /** Events kept per incident for display. */
  maxEventsPerIncident?: number;
}

export interface AddResult {
  incident: Incident;
  created: boolean;
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
  private readonly byId = new Map<string, Incident>();
  /** Open incident per group key: the one a new event may join. */
  private readonly openByKey = new Map<string, Incident>();
  private readonly inputs = new Map<string, GuardTripInput[]>();
  private readonly seq = new Map<string, number>();
  private thresholds: Thresholds;
  private readonly windowMs: number;
  private readonly maxEvents: number;

  constructor(opts: IncidentBookOptions) {
    this.thresholds = opts.thresholds;
    this.windowMs = opts.windowMs;
    this.maxEvents = opts.maxEventsPerIncident ?? 200;
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Incident | undefined {
    return this.byId.get(id);
  }

  list(): Incident[] {
    return [...this.byId.values()];
  }

  clear(): void {
    this.byId.clear();
    this.openByKey.clear();
    this.inputs.clear();
    this.seq.clear();
  }

  add(input: GuardTripInput): AddResult {
    const res = triage(input, this.thresholds);
    const key = `${res.capsuleHash ?? '?'}\u0000${res.tenantId ?? '?'}\u0000${res.verdict === 'invalid' ? 'invalid' : 'valid'}`;
    const t = timeOf(res.ts);
    const open = this.openByKey.get(key);
    if (open && this.joins(open, t)) {
      this.append(open, res, input);
      return { incident: open, created: false };
    }
    const n = (this.seq.get(key) ?? 0) + 1;
    this.seq.set(key, n);
    const id = `inc-${fnv1a64(`${key}\u0000${res.ts ?? `#${n}`}`).slice(0, 12)}`;
    const incident: Incident = {
      id: this.byId.has(id) ? `${id}-${n}` : id,
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
    this.byId.set(incident.id, incident);
    this.openByKey.set(key, incident);
    this.inputs.set(incident.id, [input]);
    return { incident, created: true };
  }

  /** Re-triages every event with new thresholds (settings changed, or live bot thresholds arrived). */
  retriage(thresholds: Thresholds): void {
    this.thresholds = thresholds;
    for (const inc of this.byId.values()) {
      const inputs = this.inputs.get(inc.id) ?? [];
      inc.events = inputs.slice(-this.maxEvents).map((i) => triage(i, thresholds));
      const latestInput = this.latestInput(inputs);
      inc.latest = latestInput ? triage(latestInput, thresholds) : inc.latest;
      inc.anyDisagreement = inc.events.some((e) => e.disagreement);
    }
  }

  /** Records an engineer's manual verdict on an incident. */
  override(id: string, verdict: Verdict, at: string, reason?: string, by?: string): Incident | undefined {
    const inc = this.byId.get(id);
    if (!inc) return undefined;
    inc.override = { verdict, at, ...(reason !== undefined ? { reason } : {}), ...(by !== undefined ? { by } : {}) };
    return inc;
  }

  private latestInput(inputs: GuardTripInput[]): GuardTripInput | undefined {
    let best: GuardTripInput | undefined;
    let bestT = -Infinity;
    for (const i of inputs) {
      const t = timeOf(i.ts) ?? -Infinity;
      if (!best || t >= bestT) {
        best = i;
        bestT = t;
      }
    }
    return best;
  }

  private joins(open: Incident, t: number | null): boolean {
    if (this.windowMs <= 0) return false;
    const last = timeOf(open.lastSeen);
    const first = timeOf(open.firstSeen);
    if (t === null || last === null || first === null) return true;
    // Events from several pods can arrive slightly out of order: compare against the incident's whole span.
    return t >= first - this.windowMs && t <= last + this.windowMs;
  }

  private append(inc: Incident, res: TriageResult, input: GuardTripInput): void {
    inc.count++;
    const inputs = this.inputs.get(inc.id);
    if (inputs) {
      inputs.push(input);
      if (inputs.length > this.maxEvents) inputs.splice(0, inputs.length - this.maxEvents);
    }
    inc.events.push(res);
    if (inc.events.length > this.maxEvents) inc.events.splice(0, inc.events.length - this.maxEvents);
    const t = timeOf(res.ts);
    const last = timeOf(inc.lastSeen);
    const first = timeOf(inc.firstSeen);
    if (t === null || last === null || t >= last) {
      inc.latest = res;
      if (res.ts) inc.lastSeen = res.ts;
    }
    if (t !== null && first !== null && t < first) inc.firstSeen = res.ts;
    if (typeof res.riskScore === 'number' && res.verdict !== 'invalid') {
      inc.maxRisk = inc.maxRisk === null ? res.riskScore : Math.max(inc.maxRisk, res.riskScore);
    }
    if (res.disagreement) inc.anyDisagreement = true;
  }
}
