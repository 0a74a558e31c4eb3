import * as vscode from 'vscode';
import type { GuardTripInput } from '../core/guardTrip';
import type { Incident } from '../core/incidents';
import { IncidentBook } from '../core/incidents';
import type { ReaderStats } from '../core/parse/input';
import { botThresholdsFromEnv } from '../core/botDeployment';
import type { Thresholds } from '../core/thresholds';
import type { Verdict } from '../core/triage';
import type { RollbackInfo } from '../core/rollbacks';
import { attentionGroup, rollbacksFor } from '../core/rollbacks';
import type { ConnectionState } from '../kube/types';

export interface IncidentSource {
  /** What the tree shows as its description: a file name, or a cluster context later. */
  label: string;
  uri?: vscode.Uri;
  stats?: ReaderStats;
  notes?: string[];
}

/** What is known from the cluster (live, or from a replay bundle): it switches the tree to attention groups. */
export interface ClusterData {
  live: boolean;
  rollbacks: RollbackInfo[];
  k8sEvents: unknown[];
  botEnv: Record<string, string> | null;
  configMap: Record<string, string> | null;
  /** Odd things about the live bot (empty threshold env, MAINTENANCE_MODE that it never reads, ...). */
  botWarnings: string[];
  connection?: ConnectionState;
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
  cluster: ClusterData | undefined;

  private configured: Thresholds;

  constructor(
    private thresholds: Thresholds,
    private window: number,
  ) {
    this.book = new IncidentBook({ thresholds, windowMs: window });
    this.configured = thresholds;
  }

  get currentThresholds(): Thresholds {
    return this.thresholds;
  }

  get windowMs(): number {
    return this.window;
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

  /** Replaces everything with the events of one input (and the cluster objects of a bundle or live source). */
  replace(events: readonly GuardTripInput[], source: IncidentSource, cluster?: ClusterData): void {
    this.cluster = cluster;
    const eff = this.effective();
    this.thresholds = eff.thresholds;
    if (this.cluster) this.cluster.botWarnings = [...eff.warnings];
    this.book = new IncidentBook({ thresholds: this.thresholds, windowMs: this.windowMs });
    for (const e of events) this.book.add(e);
    this.source = source;
    this.emitter.fire({});
  }

  /**
   * An empty book with the thresholds and window an input without cluster data is triaged with: filled while a
   * large file is read (so its events are never all held at once), then installed with `replaceWithBook`.
   */
  newBook(): IncidentBook {
    return new IncidentBook({ thresholds: this.configured, windowMs: this.windowMs });
  }

  /** Replaces everything with a book filled from one input (see `newBook`). */
  replaceWithBook(book: IncidentBook, source: IncidentSource): void {
    this.cluster = undefined;
    // Settings may have changed while the file was read.
    if (this.thresholds !== this.configured || book.thresholdsInUse !== this.configured) {
      book.retriage(this.configured);
    }
    this.thresholds = this.configured;
    this.book = book;
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
    this.cluster = undefined;
    this.thresholds = this.configured;
    this.book.retriage(this.configured);
    this.emitter.fire({});
  }

  setTriageConfig(configured: Thresholds, windowMs: number): void {
    const regroup = windowMs !== this.window;
    this.configured = configured;
    const thresholds = this.effective().thresholds;
    this.thresholds = thresholds;
    this.window = windowMs;
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

  /** The incident selected in the tree view (its row or one of its detail rows), for commands run from the palette. */
  selectedIncidentId: string | undefined;

  /** The incident's tenant: from its events, else from a linked Rollback (the bot's log names no tenant). */
  tenantOf(inc: Incident): string | undefined {
    if (inc.tenantId) return inc.tenantId;
    if (!this.cluster) return undefined;
    return rollbacksFor(inc, this.cluster.rollbacks, this.window).find((rb) => rb.tenantId)?.tenantId ?? undefined;
  }

  /** Whether an incident needs an engineer now: by its Rollback's state when known, else by verdict. */
  needsAttention(inc: Incident): boolean {
    const verdict = inc.override?.verdict ?? inc.latest.verdict;
    if (!this.cluster) return verdict === 'legitimate' || inc.latest.disagreement;
    return (
      attentionGroup(verdict, inc.latest.disagreement, rollbacksFor(inc, this.cluster.rollbacks, this.window)) ===
      'needs-attention'
    );
  }

  /** Updates what is known from the cluster (Rollbacks, bot env, connection state) and redraws. */
  updateCluster(patch: Partial<ClusterData>): void {
    // Watches repeat what we know (a Deployment's status churn, a relist): redrawing the tree for nothing would
    // close an open context menu and move the engineer's selection, so unchanged parts are dropped.
    const current = this.cluster as Partial<Record<keyof ClusterData, unknown>> | undefined;
    if (current) {
      const changed = (Object.keys(patch) as (keyof ClusterData)[]).filter(
        (k) => JSON.stringify(current[k]) !== JSON.stringify(patch[k]),
      );
      if (changed.length === 0) return;
      patch = Object.fromEntries(changed.map((k) => [k, patch[k]])) as Partial<ClusterData>;
    }
    this.cluster = {
      ...(this.cluster ?? {
        live: false,
        rollbacks: [],
        k8sEvents: [],
        botEnv: null,
        configMap: null,
        botWarnings: [],
      }),
      ...patch,
    };
    if ('botEnv' in patch) {
      this.applyThresholds();
      return;
    }
    this.emitter.fire({});
  }

  /** The configured thresholds, with the bot's own from its Deployment env when that is known. */
  private effective(): { thresholds: Thresholds; warnings: string[] } {
    const env = this.cluster?.botEnv;
    if (!env) return { thresholds: this.configured, warnings: [] };
    const r = botThresholdsFromEnv(env, this.configured);
    return { thresholds: r.thresholds, warnings: r.warnings };
  }

  private applyThresholds(): void {
    const { thresholds, warnings } = this.effective();
    if (this.cluster) this.cluster.botWarnings = warnings;
    this.thresholds = thresholds;
    this.book.retriage(thresholds);
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
