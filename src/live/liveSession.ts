import type * as vscode from 'vscode';
import type { GuardTripInput } from '../core/guardTrip';
import { IncidentLogParser } from '../core/parse/logParser';
import type { RollbackInfo } from '../core/rollbacks';
import { rollbackFromObject } from '../core/rollbacks';
import type {
  BotDeploymentInfo,
  ClusterConnection,
  ConnectionState,
  KubeAdapter,
  LiveSourceSettings,
  WatchEventType,
} from '../kube/types';
import type { IncidentModel } from '../model/incidentModel';

/** Raw data kept for "Save Cluster Snapshot as Bundle" (bounded: the newest text wins). */
export interface LiveRecord {
  context: string;
  namespace: string;
  logs: Map<string, string>;
  rollbacks: Map<string, unknown>;
  events: unknown[];
  deployment: BotDeploymentInfo | null;
  configMap: Record<string, string> | null;
}

const MAX_LOG_BYTES_PER_POD = 32 * 1024 * 1024;
const MAX_EVENTS = 1000;
const FLUSH_AFTER_MS = 1500;
const CLUSTER_DEBOUNCE_MS = 150;

/**
 * One live connection's data flow into the model: each bot pod's log stream through its own incremental parser,
 * Rollbacks, Events, the bot Deployment (its env gives the live thresholds) and the maintenance ConfigMap.
 */
export class LiveSession implements vscode.Disposable {
  private readonly parsers = new Map<string, IncidentLogParser>();
  private readonly flushTimers = new Map<string, NodeJS.Timeout>();
  private readonly rollbacks = new Map<string, RollbackInfo>();
  private clusterTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  readonly record: LiveRecord;
  private readonly connection: ClusterConnection;
  state: ConnectionState = { kind: 'connecting' };

  constructor(
    adapter: KubeAdapter,
    readonly context: string,
    readonly settings: LiveSourceSettings,
    private readonly model: IncidentModel,
    private readonly log: vscode.LogOutputChannel,
    private readonly onState: (s: ConnectionState) => void,
  ) {
    this.record = {
      context,
      namespace: settings.botNamespace,
      logs: new Map(),
      rollbacks: new Map(),
      events: [],
      deployment: null,
      configMap: null,
    };
    model.replace(
      [],
      { label: `${context} · ${settings.botNamespace}` },
      {
        live: true,
        rollbacks: [],
        k8sEvents: [],
        botEnv: null,
        configMap: null,
        botWarnings: [],
        connection: this.state,
      },
    );
    this.connection = adapter.connect(context, settings, {
      onLogChunk: (pod, text) => this.onLog(pod, text),
      onRollback: (type, obj) => this.onRollback(type, obj),
      onRollbacksRelisted: (all) => this.onRelist(all),
      onEvent: (type, obj) => this.onEvent(type, obj),
      onDeployment: (info) =>
        this.guard(() => {
          this.record.deployment = info;
          this.model.updateCluster({ botEnv: info?.env ?? null });
        }),
      onConfigMap: (data) =>
        this.guard(() => {
          this.record.configMap = data;
          this.model.updateCluster({ configMap: data });
        }),
      onState: (s) =>
        this.guard(() => {
          this.state = s;
          this.model.updateCluster({ connection: s });
          this.onState(s);
          if (s.kind === 'disconnected') this.log.warn(`${context}: disconnected since ${s.since}: ${s.error}`);
          if (s.kind === 'forbidden') this.log.warn(`${context}: missing permissions: ${s.missing.join(', ')}`);
          if (s.kind === 'connected') {
            this.log.info(`${context}: connected`);
            for (const u of s.unavailable ?? []) this.log.warn(`${context}: ${u.what} is not served: ${u.error}`);
          }
        }),
    });
  }

  get stats(): ReturnType<ClusterConnection['stats']> {
    return this.connection.stats();
  }

  /** Callbacks can arrive after dispose from in-flight requests: drop them. */
  private guard(fn: () => void): void {
    if (this.disposed) return;
    try {
      fn();
    } catch (e) {
      this.log.error(`live update failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private parser(pod: string): IncidentLogParser {
    let p = this.parsers.get(pod);
    if (!p) {
      p = new IncidentLogParser();
      this.parsers.set(pod, p);
    }
    return p;
  }

  private onLog(pod: string, text: string): void {
    this.guard(() => {
      const kept = (this.record.logs.get(pod) ?? '') + text;
      this.record.logs.set(
        pod,
        kept.length > MAX_LOG_BYTES_PER_POD
          ? kept.slice(kept.indexOf('\n', kept.length - MAX_LOG_BYTES_PER_POD) + 1)
          : kept,
      );
      const events = this.parser(pod).push(text, pod);
      this.add(events);
      // An event whose closing line has not come yet (the bot is still handling it) still shows once decided.
      const old = this.flushTimers.get(pod);
      if (old) clearTimeout(old);
      this.flushTimers.set(
        pod,
        setTimeout(() => this.guard(() => this.add(this.parser(pod).flushDecided())), FLUSH_AFTER_MS),
      );
    });
  }

  private add(events: GuardTripInput[]): void {
    if (events.length) this.model.add(events);
  }

  private onRollback(type: WatchEventType, obj: unknown): void {
    this.guard(() => {
      const rb = rollbackFromObject(obj);
      if (!rb) return;
      if (type === 'DELETED') {
        this.rollbacks.delete(rb.name);
        this.record.rollbacks.delete(rb.name);
      } else {
        this.rollbacks.set(rb.name, rb);
        this.record.rollbacks.set(rb.name, obj);
      }
      this.pushRollbacks();
    });
  }

  private onRelist(all: unknown[]): void {
    this.guard(() => {
      this.rollbacks.clear();
      this.record.rollbacks.clear();
      for (const obj of all) {
        const rb = rollbackFromObject(obj);
        if (!rb) continue;
        this.rollbacks.set(rb.name, rb);
        this.record.rollbacks.set(rb.name, obj);
      }
      this.pushRollbacks();
    });
  }

  private pushRollbacks(): void {
    // Watch bursts (a relist of 1,000 Rollbacks) become one redraw.
    if (this.clusterTimer) return;
    this.clusterTimer = setTimeout(() => {
      this.clusterTimer = undefined;
      this.guard(() => this.model.updateCluster({ rollbacks: [...this.rollbacks.values()] }));
    }, CLUSTER_DEBOUNCE_MS);
  }

  private onEvent(type: WatchEventType, obj: unknown): void {
    this.guard(() => {
      if (type === 'DELETED') return;
      this.record.events.push(obj);
      if (this.record.events.length > MAX_EVENTS) this.record.events.splice(0, this.record.events.length - MAX_EVENTS);
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.flushTimers.values()) clearTimeout(t);
    if (this.clusterTimer) clearTimeout(this.clusterTimer);
    this.connection.dispose();
  }
}
