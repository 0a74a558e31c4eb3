// One live connection to a cluster: informers for Rollbacks, Events, the bot Deployment, the maintenance ConfigMap
// and the bot's pods; a log follower per bot pod; the connection state derived from the health of every source; and
// the request counters. Transport and access reviews come from the adapter (clientNodeAdapter.ts), so nothing here
// imports @kubernetes/client-node.
import type { HttpTransport } from './httpTransport';
import { Informer, labelSelectorString } from './informer';
import type { Health, KObj, SourceHost } from './informer';
import { LogFollower } from './logFollower';
import type {
  AccessCheck,
  BotDeploymentInfo,
  ClusterConnection,
  ConnectionState,
  ConnectionStats,
  KubeError,
  LiveCallbacks,
  LiveSourceSettings,
} from './types';

export interface ConnectionDeps {
  context: string;
  transport: HttpTransport;
  /** SelfSubjectAccessReview (counted as a request of this connection by the caller). */
  canI(check: AccessCheck): Promise<{ allowed: boolean; reason?: string }>;
  settings: LiveSourceSettings;
  callbacks: LiveCallbacks;
}

/** `verb resource[.group] [in namespace]`, the form KubeError.missing and ConnectionState.forbidden use. */
export function permissionText(c: AccessCheck): string {
  const res = `${c.resource}${c.subresource ? `/${c.subresource}` : ''}${c.group ? `.${c.group}` : ''}`;
  return `${c.verb} ${res}${c.namespace ? ` in ${c.namespace}` : ''}`;
}

/** The permission a 403 message names ("… cannot list resource "pods" in API group "" in the namespace "x""). */
export function permissionFromForbidden(message: string): string | undefined {
  const m =
    /cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)"| at the cluster scope)?/.exec(
      message,
    );
  if (!m) return undefined;
  const [, verb = '', resource = '', group, namespace] = m;
  const [res, sub] = resource.split('/');
  return permissionText({ verb, resource: res ?? resource, subresource: sub, group: group || undefined, namespace });
}

interface EnvVar {
  name?: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name?: string; key?: string };
    secretKeyRef?: { name?: string; key?: string };
    fieldRef?: { fieldPath?: string };
    resourceFieldRef?: { resource?: string; containerName?: string };
  };
}

interface DeploymentLike extends KObj {
  spec?: {
    replicas?: number;
    selector?: {
      matchLabels?: Record<string, string>;
      matchExpressions?: { key: string; operator: string; values?: string[] }[];
    };
    template?: { spec?: { containers?: { name?: string; env?: EnvVar[] }[] } };
  };
  status?: { readyReplicas?: number };
}

function envValue(e: EnvVar): string {
  if (e.value !== undefined) return e.value;
  const f = e.valueFrom;
  if (f?.configMapKeyRef) return `(from configmap ${f.configMapKeyRef.name ?? ''}/${f.configMapKeyRef.key ?? ''})`;
  if (f?.secretKeyRef) return `(from secret ${f.secretKeyRef.name ?? ''}/${f.secretKeyRef.key ?? ''})`;
  if (f?.fieldRef) return `(from field ${f.fieldRef.fieldPath ?? ''})`;
  if (f?.resourceFieldRef) return `(from resource ${f.resourceFieldRef.resource ?? ''})`;
  return '';
}

export function deploymentInfo(obj: KObj, container: string): BotDeploymentInfo {
  const d = obj as DeploymentLike;
  const containers = d.spec?.template?.spec?.containers ?? [];
  const c = containers.find((x) => x.name === container);
  const env: Record<string, string> = {};
  for (const e of c?.env ?? []) if (e.name) env[e.name] = envValue(e);
  const info: BotDeploymentInfo = {
    name: d.metadata?.name ?? '',
    namespace: d.metadata?.namespace ?? '',
    replicas: d.spec?.replicas ?? 1,
    readyReplicas: d.status?.readyReplicas ?? 0,
    selector: { ...(d.spec?.selector?.matchLabels ?? {}) },
    env,
  };
  if (d.metadata?.resourceVersion) info.resourceVersion = d.metadata.resourceVersion;
  return info;
}

export class LiveConnection implements ClusterConnection, SourceHost {
  readonly counters = { activeWatches: 0, activeLogStreams: 0, relists: 0, logReconnects: 0 };
  private readonly ctrl = new AbortController();
  private isDisposed = false;
  private readonly health = new Map<string, Health>();
  /** Sources that must be healthy before the connection counts as connected. */
  private readonly required = new Set<string>();
  private readonly informers: Informer[] = [];
  private podInformer: Informer | null = null;
  private podSelector = '';
  private readonly followers = new Map<string, LogFollower>();
  /** The constructor emits "connecting". */
  private lastState = JSON.stringify({ kind: 'connecting' });
  private outage: { since: string; error: string; kind: string } | null = null;
  private missing: string[] = [];
  private permsCheck: Promise<void> | null = null;
  private permsDirty = false;
  private lastDeployment = '';
  private lastConfigMap = '';
  private readonly timers = new Set<NodeJS.Timeout>();

  readonly context: string;
  readonly transport: HttpTransport;
  private readonly settings: LiveSourceSettings;
  private readonly cb: LiveCallbacks;

  constructor(private readonly deps: ConnectionDeps) {
    this.context = deps.context;
    this.transport = deps.transport;
    this.settings = deps.settings;
    this.cb = deps.callbacks;
    queueMicrotask(() => this.emit(() => this.cb.onState({ kind: 'connecting' })));
    this.startInformers();
  }

  get signal(): AbortSignal {
    return this.ctrl.signal;
  }

  disposed(): boolean {
    return this.isDisposed;
  }

  stats(): ConnectionStats {
    return {
      requests: this.transport.requests,
      activeWatches: this.counters.activeWatches,
      activeLogStreams: this.counters.activeLogStreams,
      relists: this.counters.relists,
      logReconnects: this.counters.logReconnects,
    };
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.ctrl.abort();
    for (const i of this.informers) i.stop();
    this.podInformer?.stop();
    for (const f of this.followers.values()) f.stop();
    this.followers.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  delay(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (this.isDisposed || signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(t);
        this.timers.delete(t);
        this.ctrl.signal.removeEventListener('abort', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.timers.add(t);
      this.ctrl.signal.addEventListener('abort', done, { once: true });
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Runs a consumer callback unless disposed; a throwing callback never breaks a watch or stream loop. */
  private emit(fn: () => void): void {
    if (this.isDisposed) return;
    try {
      fn();
    } catch {
      /* the consumer's problem; keep streaming */
    }
  }

  // --- sources -----------------------------------------------------------------------------------------------------
  private add(inf: Informer, required = true): Informer {
    if (required) this.required.add(inf.spec.id);
    inf.start();
    return inf;
  }

  private startInformers(): void {
    const s = this.settings;
    const nsPath = (ns: string): string => `/namespaces/${encodeURIComponent(ns)}`;
    this.informers.push(
      this.add(
        new Informer(this, {
          id: 'rollbacks',
          path: `/apis/${s.rollbackGroup}/${s.rollbackVersion}/${s.rollbackPlural}`,
          what: `${s.rollbackPlural}.${s.rollbackGroup}`,
          onEvent: (type, obj) => this.emit(() => this.cb.onRollback(type, obj)),
          onSync: (all) => this.emit(() => this.cb.onRollbacksRelisted?.(all)),
        }),
      ),
      this.add(
        new Informer(this, {
          id: 'events',
          path: `/api/v1${s.eventsNamespace ? nsPath(s.eventsNamespace) : ''}/events`,
          what: `events${s.eventsNamespace ? ` in ${s.eventsNamespace}` : ''}`,
          onEvent: (type, obj) => this.emit(() => this.cb.onEvent(type, obj)),
          onSync: () => undefined,
        }),
      ),
      this.add(
        new Informer(this, {
          id: 'deployment',
          path: `/apis/apps/v1${nsPath(s.botNamespace)}/deployments`,
          fieldSelector: `metadata.name=${s.botDeployment}`,
          what: `deployments.apps in ${s.botNamespace}`,
          onEvent: () => this.deploymentChanged(),
          onSync: () => this.deploymentChanged(),
        }),
      ),
      this.add(
        new Informer(this, {
          id: 'configmap',
          path: `/api/v1${nsPath(s.maintenanceNamespace)}/configmaps`,
          fieldSelector: `metadata.name=${s.maintenanceConfigMap}`,
          what: `configmaps in ${s.maintenanceNamespace}`,
          onEvent: () => this.configMapChanged(),
          onSync: () => this.configMapChanged(),
        }),
      ),
    );
  }

  private deploymentInformer(): Informer | undefined {
    return this.informers.find((i) => i.spec.id === 'deployment');
  }

  private deploymentChanged(): void {
    if (this.isDisposed) return;
    const obj = this.deploymentInformer()
      ?.list()
      .find((o) => o.metadata?.name === this.settings.botDeployment);
    const info = obj ? deploymentInfo(obj, this.settings.botContainer) : null;
    const json = JSON.stringify(info);
    if (json !== this.lastDeployment) {
      this.lastDeployment = json;
      this.emit(() => this.cb.onDeployment(info));
    }
    const sel = (obj as DeploymentLike | undefined)?.spec?.selector;
    this.setPodSelector(sel ? labelSelectorString(sel) : '');
  }

  private configMapChanged(): void {
    if (this.isDisposed) return;
    const obj = this.informers
      .find((i) => i.spec.id === 'configmap')
      ?.list()
      .find((o) => o.metadata?.name === this.settings.maintenanceConfigMap);
    const data = obj ? { ...((obj as { data?: Record<string, string> }).data ?? {}) } : null;
    const json = JSON.stringify(data);
    if (json === this.lastConfigMap) return;
    this.lastConfigMap = json;
    this.emit(() => this.cb.onConfigMap(data));
  }

  /** (Re)starts the pod informer for the Deployment's selector; no selector (no Deployment) stops it. */
  private setPodSelector(selector: string): void {
    if (selector === this.podSelector && (this.podInformer || !selector)) return;
    this.podSelector = selector;
    if (this.podInformer) {
      this.podInformer.stop();
      this.required.delete(this.podInformer.spec.id);
      this.podInformer = null;
    }
    if (!selector) {
      this.syncFollowers([]);
      this.recompute();
      return;
    }
    const ns = this.settings.botNamespace;
    this.podInformer = this.add(
      new Informer(this, {
        id: 'pods',
        path: `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`,
        labelSelector: selector,
        what: `pods in ${ns}`,
        onEvent: (type, obj) => this.podEvent(type, obj),
        onSync: (all) => this.syncFollowers(all),
      }),
    );
  }

  private podEvent(type: string, obj: KObj): void {
    if (this.isDisposed) return;
    const name = obj.metadata?.name;
    if (!name) return;
    if (type === 'DELETED') {
      this.followers.get(name)?.stop();
      this.followers.delete(name);
      this.recompute();
      return;
    }
    this.follow(obj);
  }

  private follow(pod: KObj): void {
    const name = pod.metadata?.name;
    if (!name) return;
    let f = this.followers.get(name);
    if (f && f.uid && pod.metadata?.uid && f.uid !== pod.metadata.uid) {
      // Same name, new pod (StatefulSet-style): its log starts afresh.
      f.stop();
      f = undefined;
    }
    if (!f) {
      f = new LogFollower(
        this,
        this.settings.botNamespace,
        name,
        this.settings.botContainer,
        this.settings.logLookbackSeconds,
        pod,
        (p, text) => this.emit(() => this.cb.onLogChunk(p, text)),
      );
      this.followers.set(name, f);
    }
    f.update(pod);
  }

  private syncFollowers(all: KObj[]): void {
    if (this.isDisposed) return;
    const names = new Set(all.map((p) => p.metadata?.name ?? ''));
    for (const [name, f] of this.followers) {
      if (!names.has(name)) {
        f.stop();
        this.followers.delete(name);
      }
    }
    for (const p of all) this.follow(p);
    this.recompute();
  }

  // --- state -------------------------------------------------------------------------------------------------------
  setHealth(id: string, h: Health | null): void {
    if (this.isDisposed) return;
    const prev = this.health.get(id);
    if (h) this.health.set(id, h);
    else this.health.delete(id);
    const wasForbidden = prev?.kind === 'forbidden';
    const isForbidden = h?.kind === 'forbidden';
    if (wasForbidden !== isForbidden) this.checkPermissions();
    this.recompute();
  }

  /** Every permission the live sources use, for the access reviews after a 403. */
  private requiredChecks(): AccessCheck[] {
    const s = this.settings;
    const lw = (c: Omit<AccessCheck, 'verb'>): AccessCheck[] => [
      { verb: 'list', ...c },
      { verb: 'watch', ...c },
    ];
    const ev = s.eventsNamespace ? { namespace: s.eventsNamespace } : {};
    return [
      ...lw({ resource: s.rollbackPlural, group: s.rollbackGroup }),
      ...lw({ resource: 'events', group: '', ...ev }),
      ...lw({ resource: 'deployments', group: 'apps', namespace: s.botNamespace, name: s.botDeployment }),
      ...lw({ resource: 'configmaps', group: '', namespace: s.maintenanceNamespace, name: s.maintenanceConfigMap }),
      ...lw({ resource: 'pods', group: '', namespace: s.botNamespace }),
      { verb: 'get', resource: 'pods', subresource: 'log', group: '', namespace: s.botNamespace },
    ];
  }

  /** Runs the access reviews (one batch at a time; a change while one runs queues another). */
  private checkPermissions(): void {
    if (this.isDisposed) return;
    if (this.permsCheck) {
      this.permsDirty = true;
      return;
    }
    const anyForbidden = [...this.health.values()].some((h) => h.kind === 'forbidden');
    if (!anyForbidden) {
      this.missing = [];
      return;
    }
    this.permsCheck = (async () => {
      const checks = this.requiredChecks();
      const results = await Promise.all(
        checks.map((c) =>
          this.deps.canI(c).then(
            (r) => (r.allowed ? null : permissionText({ ...c, name: undefined })),
            () => undefined,
          ),
        ),
      );
      if (this.isDisposed) return;
      this.missing = results.filter((r): r is string => typeof r === 'string');
      if (results.some((r) => r === undefined)) this.missing.push(...this.fallbackMissing());
    })()
      .catch(() => undefined)
      .finally(() => {
        this.permsCheck = null;
        if (this.isDisposed) return;
        this.recompute();
        if (this.permsDirty) {
          this.permsDirty = false;
          this.checkPermissions();
        }
      });
  }

  /** Without access reviews: the permissions the 403 messages name. */
  private fallbackMissing(): string[] {
    const out: string[] = [];
    for (const h of this.health.values()) {
      if (h.kind !== 'forbidden') continue;
      const p = permissionFromForbidden(h.error.message) ?? h.error.missing;
      if (p) out.push(p);
    }
    return out;
  }

  private currentState(): ConnectionState {
    const hs = [...this.health.entries()];
    const down = hs.find(([, h]) => h.kind === 'down') as [string, { kind: 'down'; error: KubeError }] | undefined;
    if (down) {
      const e = down[1].error;
      // One outage, one report: `since` is fixed, and the message only changes when the kind of failure does
      // (every retry would otherwise re-report "watch …: ECONNREFUSED" as "list …: ECONNREFUSED").
      if (!this.outage) this.outage = { since: new Date().toISOString(), error: e.message, kind: e.kind };
      else if (this.outage.kind !== e.kind) this.outage = { ...this.outage, error: e.message, kind: e.kind };
      return { kind: 'disconnected', since: this.outage.since, error: this.outage.error };
    }
    this.outage = null;
    const forbidden = hs.filter(([, h]) => h.kind === 'forbidden');
    if (forbidden.length) {
      let missing = [...new Set(this.missing)];
      // Reviews still running (or they found nothing): name what the 403s say, so the state is never empty.
      if (!missing.length) missing = [...new Set(this.fallbackMissing())];
      return { kind: 'forbidden', missing };
    }
    const settled = [...this.required].every((id) => {
      const k = this.health.get(id)?.kind;
      return k === 'ok' || k === 'absent';
    });
    if (!settled) return { kind: 'connecting' };
    const unavailable = hs.flatMap(([, h]) => (h.kind === 'absent' ? [{ what: h.what, error: h.error.message }] : []));
    return unavailable.length ? { kind: 'connected', unavailable } : { kind: 'connected' };
  }

  private recompute(): void {
    if (this.isDisposed) return;
    const st = this.currentState();
    // `since` stays fixed for one outage, so comparing the whole state is enough.
    const json = JSON.stringify(st);
    if (json === this.lastState) return;
    this.lastState = json;
    this.emit(() => this.cb.onState(st));
  }
}

/** A connection that could not start (unknown context, unreadable kubeconfig): reports why, does nothing else. */
export class FailedConnection implements ClusterConnection {
  private isDisposed = false;

  constructor(
    readonly context: string,
    error: KubeError,
    callbacks: LiveCallbacks,
  ) {
    queueMicrotask(() => {
      if (this.isDisposed) return;
      try {
        callbacks.onState({ kind: 'connecting' });
        if (error.kind === 'forbidden') {
          callbacks.onState({ kind: 'forbidden', missing: error.missing ? [error.missing] : [] });
        } else callbacks.onState({ kind: 'disconnected', since: new Date().toISOString(), error: error.message });
      } catch {
        /* consumer error */
      }
    });
  }

  stats(): ConnectionStats {
    return { requests: 0, activeWatches: 0, activeLogStreams: 0, relists: 0, logReconnects: 0 };
  }

  dispose(): void {
    this.isDisposed = true;
  }
}
