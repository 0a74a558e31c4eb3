// The seam between the extension and Kubernetes. Only clientNodeAdapter.ts implements it (and only it imports
// @kubernetes/client-node); everything else, including tests of the VS Code side, depends on these types.
// No vscode import here.
import type { KubeActions } from './actionTypes';

export type KubeErrorKind =
  | 'no-kubeconfig'
  | 'forbidden'
  | 'unauthorized'
  | 'not-found'
  | 'conflict'
  | 'invalid'
  | 'unreachable'
  | 'timeout'
  | 'other';

/** Every failure the adapter reports: a kind the UI can act on, the HTTP status and a one-line message. */
export class KubeError extends Error {
  constructor(
    readonly kind: KubeErrorKind,
    message: string,
    readonly status?: number,
    /** For `forbidden`: the permission that was missing, as `verb resource[.group] [in namespace]`. */
    readonly missing?: string,
  ) {
    super(message);
    this.name = 'KubeError';
  }
}

export interface ContextInfo {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
  server?: string;
}

export interface KubeconfigInfo {
  contexts: ContextInfo[];
  /** The kubeconfig's own current-context (never changed by us). */
  currentContext: string | null;
  /** The files it was merged from (KUBECONFIG may list several). */
  files: string[];
}

/** Where the incident-bot and its objects live; defaults from the facts sheet, all settings. */
export interface LiveSourceSettings {
  botNamespace: string;
  botDeployment: string;
  botContainer: string;
  rollbackGroup: string;
  rollbackVersion: string;
  rollbackPlural: string;
  maintenanceNamespace: string;
  maintenanceConfigMap: string;
  /** Namespace whose Events are watched ('' = all namespaces). */
  eventsNamespace: string;
  /** How far back to read the bot's logs when a stream starts. */
  logLookbackSeconds: number;
}

export const DEFAULT_LIVE_SETTINGS: Readonly<LiveSourceSettings> = Object.freeze({
  botNamespace: 'monitoring',
  botDeployment: 'incident-bot',
  botContainer: 'incident-bot',
  rollbackGroup: 'ops.prov-fabric.io',
  rollbackVersion: 'v1alpha1',
  rollbackPlural: 'rollbacks',
  maintenanceNamespace: 'monitoring',
  maintenanceConfigMap: 'maintenance-status',
  eventsNamespace: 'monitoring',
  logLookbackSeconds: 3600,
});

export interface BotDeploymentInfo {
  name: string;
  namespace: string;
  replicas: number;
  readyReplicas: number;
  /** spec.selector.matchLabels, used to find the bot's pods. */
  selector: Record<string, string>;
  /** The bot container's env (literal values only; valueFrom entries are reported as "(from ...)"). */
  env: Record<string, string>;
  resourceVersion?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export type ConnectionState =
  | { kind: 'connecting' }
  /**
   * Every source answers. `unavailable`: resources the server does not serve (a CRD that is not installed), shown
   * as such while everything else stays live.
   */
  | { kind: 'connected'; unavailable?: { what: string; error: string }[] }
  /** Lost the API server: data shown is the last known, `since` is when it was lost. */
  | { kind: 'disconnected'; since: string; error: string }
  /** Reachable but not allowed: which permissions are missing. */
  | { kind: 'forbidden'; missing: string[] };

export interface LiveCallbacks {
  /** Raw log text of one bot pod, as `kubectl logs --timestamps` prints it (RFC 3339 prefix per line). */
  onLogChunk(pod: string, text: string): void;
  onRollback(type: WatchEventType, obj: unknown): void;
  /** The full set of Rollbacks after a (re)list, so stale entries can be dropped. */
  onRollbacksRelisted?(all: unknown[]): void;
  onEvent(type: WatchEventType, obj: unknown): void;
  onDeployment(info: BotDeploymentInfo | null): void;
  onConfigMap(data: Record<string, string> | null): void;
  onState(state: ConnectionState): void;
}

export interface ConnectionStats {
  /** HTTP requests issued since connect (lists, watches, log streams, retries). */
  requests: number;
  activeWatches: number;
  activeLogStreams: number;
  /** Watch restarts after 410 Gone or dropped connections. */
  relists: number;
  logReconnects: number;
}

export interface ClusterConnection {
  readonly context: string;
  stats(): ConnectionStats;
  dispose(): void;
}

export interface AccessCheck {
  verb: string;
  resource: string;
  group?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** The playbook's cluster actions (read steps, exec, mutations with dry run and undo) are in actionTypes.ts. */
export interface KubeAdapter extends KubeActions {
  /** Reads the default kubeconfig locations (KUBECONFIG, possibly several paths; else ~/.kube/config). */
  loadKubeconfig(): KubeconfigInfo;
  listNamespaces(context: string): Promise<string[]>;
  /** Starts the live sources for one context; nothing in the kubeconfig file is changed. */
  connect(context: string, settings: LiveSourceSettings, callbacks: LiveCallbacks): ClusterConnection;
  /** SelfSubjectAccessReview. */
  canI(context: string, check: AccessCheck): Promise<{ allowed: boolean; reason?: string }>;
  /**
   * The incident-bot's Prometheus text, through a port-forward to a ready pod of the bot Deployment: GET /metrics,
   * then /api/v1/metrics on 404 (src/kube/portForwardScrape.ts). Rejects with a KubeError; a 403 names the missing
   * permission (`get`/`create pods/portforward in <namespace>`, `list pods …`, `get deployments.apps …`).
   */
  scrapeBotMetrics(context: string, settings: LiveSourceSettings, signal?: AbortSignal): Promise<BotMetricsScrape>;
}

/** One scrape of the bot's /metrics through a port-forward. */
export interface BotMetricsScrape {
  /** The exposition text as the bot served it. */
  text: string;
  pod: string;
  namespace: string;
  port: number;
  /** The path that answered. */
  path: string;
  /** Every path asked, in order (the last one answered). */
  tried: string[];
}
