import * as vscode from 'vscode';
import type { GuardTripInput } from '../core/guardTrip';
import type { Incident } from '../core/incidents';
import { IncidentBook } from '../core/incidents';
import type { ReaderStats } from '../core/parse/input';
import type { Thresholds } from '../core/thresholds';
import type { Verdict } from '../core/triage';

export interface IncidentSource {
  /** What the tree shows as its description: a file name, or a cluster context later. */
  label: string;
  uri?: vscode.Uri;
  stats?: ReaderStats;
  notes?: string[];
}

export interface ModelChange {
  /** Incidents created or updated; undefined means everything changed (load, clear, re-triage). */
  changed?: Incident[];
}

/** The incidents the tree and the panels show, and the thresholds they were triaged with. */
export class IncidentModel implements vscode.Disposable {
  private book: IncidentBook;
  private readonly emitter = new vscode.EventEmitter<ModelChange>();
  readonly onDidChange = this.emitter.event;
  source: IncidentSource | undefined;

  constructor(
    private thresholds: Thresholds,
    private windowMs: number,
  ) {
    this.book = new IncidentBook({ thresholds, windowMs });
  }

  get currentThresholds(): Thresholds {
    return this.thresholds;
  }

  get size(): number {
    return this.book.size;
  }

  list(): Incident[] {
    return this.book.list();
  }

  get(id: string): Incident | undefined {
    return this.book.get(id);
  }

  /** Replaces everything with the events of one input. */
  replace(events: readonly GuardTripInput[], source: IncidentSource): void {
    this.book = new IncidentBook({ thresholds: this.thresholds, windowMs: this.windowMs });
    for (const e of events) this.book.add(e);
    this.source = source;
    this.emitter.fire({});
  }

  /** Adds events as they arrive (live streams); fires only for the incidents they touched. */
  add(events: readonly GuardTripInput[]): Incident[] {
    const touched = new Map<string, Incident>();
    for (const e of events) {
      const { incident } = this.book.add(e);
      touched.set(incident.id, incident);
    }
    const changed = [...touched.values()];
    if (changed.length) this.emitter.fire({ changed });
    return changed;
  }

  clear(): void {
    this.book.clear();
    this.source = undefined;
    this.emitter.fire({});
  }

  setTriageConfig(thresholds: Thresholds, windowMs: number): void {
    const regroup = windowMs !== this.windowMs;
    this.thresholds = thresholds;
    this.windowMs = windowMs;
    if (regroup) {
      // Grouping depends on the window: rebuild from every event, keeping manual overrides.
      const overrides = this.book.list().filter((i) => i.override);
      const inputs = this.book.allInputs();
      this.book = new IncidentBook({ thresholds, windowMs });
      for (const e of inputs) this.book.add(e);
      for (const o of overrides) {
        if (o.override && this.book.get(o.id)) {
          this.book.override(o.id, o.override.verdict, o.override.at, o.override.reason, o.override.by);
        }
      }
    } else {
      this.book.retriage(thresholds);
    }
    this.emitter.fire({});
  }

  override(id: string, verdict: Verdict, reason?: string, by?: string): Incident | undefined {
    const inc = this.book.override(id, verdict, new Date().toISOString(), reason, by);
    if (inc) this.emitter.fire({ changed: [inc] });
    return inc;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
