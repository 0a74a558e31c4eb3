// Types of the playbook's cluster actions (issue 5): read-only steps returning plain data, exec in a pod, and
// mutations with a server-side dry run, a resourceVersion precondition, conflict results and an undo request.
// types.ts only imports the KubeActions interface from here (type-only), so this module may import KubeError from
// types.ts without a runtime import cycle. No vscode import, no @kubernetes/client-node import.
import { KubeError } from './types';
import type { AccessCheck } from './types';

/** A Kubernetes object as JSON (managedFields removed by the adapter). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** One field of a 422 Invalid answer (the API server's Status details.causes). */
export interface FieldCause {
  /** e.g. "spec.reason"; '' when the server named no field. */
  field: string;
  /** e.g. "FieldValueNotSupported". */
  reason: string;
  message: string;
}

/** KubeError kind 'invalid' from a 422: the fields the API server (schema validation, admission) rejected. */
export class KubeValidationError extends KubeError {
  /** The first field named, for short messages. */
  readonly field: string | undefined;
  constructor(
    message: string,
    status: number,
    readonly causes: FieldCause[],
  ) {
    super('invalid', message, status);
    this.name = 'KubeValidationError';
    this.field = causes.find((c) => c.field)?.field;
  }
}

// --- read steps --------------------------------------------------------------------------------------------------------

export interface PodSummary {
  namespace: string;
  name: string;
  phase: string;
  /** Ready containers / all containers. */
  ready: string;
  restarts: number;
  node: string;
  podIP: string;
  labels: Record<string, string>;
  containers: string[];
  createdAt: string;
  /** Owner, e.g. "ReplicaSet/incident-bot-5d4f". */
  owner: string;
  deleting: boolean;
}

export interface HelmReleaseSummary {
  namespace: string;
  name: string;
  chart: string;
  chartVersion: string;
  /** Ready condition: "True" | "False" | "Unknown" | "" (no condition yet). */
  ready: string;
  message: string;
  suspended: boolean;
  lastAppliedRevision: string;
  /** status.history (Flux >= 2.3): newest first, as Flux stores it. */
  history: { version: number; chartVersion: string; appVersion: string; status: string; deployed: string }[];
  createdAt: string;
}

export interface HelmRevision {
  revision: number;
  /** deployed, superseded, failed, pending-upgrade, ... */
  status: string;
  chart: string;
  chartVersion: string;
  appVersion: string;
  /** info.last_deployed (RFC 3339), else the secret's modifiedAt label, else its creation time. */
  updated: string;
  description: string;
  /** The release Secret it was read from. */
  secret: string;
  /** Set when the payload could not be decoded; the other fields then come from the Secret's labels. */
  error?: string;
}

export interface EventSummary {
  namespace: string;
  name: string;
  type: string;
  reason: string;
  message: string;
  /** "Kind/name" of the involved object. */
  object: string;
  count: number;
  /** The best time the event carries (lastTimestamp, eventTime, series, firstTimestamp, creationTimestamp). */
  time: string;
  source: string;
}

export interface PodLogsRequest {
  namespace: string;
  pod: string;
  container?: string;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  previous?: boolean;
  /** Server-side cap (limitBytes); default 1 MiB. */
  limitBytes?: number;
}

export interface PodLogs {
  text: string;
  /** The text reached limitBytes (the server cut it). */
  truncated: boolean;
}

export interface NetworkPolicySummary {
  namespace: string;
  name: string;
  podSelector: string;
  policyTypes: string[];
  ingressRules: number;
  egressRules: number;
  /** The full spec, for a detail view. */
  spec: unknown;
}

export interface EndpointSliceSummary {
  namespace: string;
  name: string;
  /** kubernetes.io/service-name label. */
  service: string;
  addressType: string;
  ports: string[];
  endpoints: { addresses: string[]; ready: boolean | null; pod: string; node: string }[];
}

export interface TenantPod extends PodSummary {
  /** How the pod was tied to the tenant, e.g. "label tenant_id" or "env TENANT_ID of container sidecar-watcher". */
  matchedBy: string[];
}

export interface TenantPodsOptions {
  /** Label keys whose value is the tenant id (default DEFAULT_TENANT_LABEL_KEYS). */
  labelKeys?: string[];
  /** Container env names holding the tenant id (default ["TENANT_ID"], the sidecar-watcher's, fact sheet §7). */
  envNames?: string[];
  /** '' or undefined: all namespaces. */
  namespace?: string;
}

/**
 * The fact sheet names no pod label for a tenant; `tenant_id` is the label the bot's Alertmanager path reads
 * (§2.4), the others are common spellings. All are settings of the caller.
 */
export const DEFAULT_TENANT_LABEL_KEYS: readonly string[] = Object.freeze(['tenant_id', 'tenant-id', 'tenant']);

export interface RollbackSummary {
  name: string;
  targetRelease: string;
  reason: string;
  capsuleHash: string;
  tenantId: string;
  phase: string;
  message: string;
  createdAt: string;
  resourceVersion: string;
}

// --- exec ----------------------------------------------------------------------------------------------------------------

export interface PodRef {
  namespace: string;
  /** A pod name, or omit and give `deployment` to use its first Running pod (as `kubectl exec deployment/x`). */
  pod?: string;
  deployment?: string;
  container?: string;
}

export interface ExecRequest extends PodRef {
  /** argv; never a shell line (no shell is involved unless argv[0] is one). */
  command: string[];
  /** Written to the command's stdin (the stream is not closed afterwards unless closeStdin). */
  stdin?: string;
  /** Close stdin after `stdin` was sent (needs the v5 channel protocol; older protocols would drop the session). */
  closeStdin?: boolean;
  /** Default 30 s: the session is closed and timedOut set. */
  timeoutMs?: number;
  /** Per stream (stdout, stderr), default 1 MiB; beyond it the session is closed and truncated set. */
  maxOutputBytes?: number;
}

export interface ExecResult {
  pod: string;
  container: string;
  command: string[];
  stdout: string;
  stderr: string;
  /** 0 on success, the command's exit status when known, null when the session ended without one. */
  exitCode: number | null;
  /** The v1 Status of the session: "Success" | "Failure" | "" (none received). */
  status: string;
  /** The Status message for a failure ("command terminated with non-zero exit code", ...). */
  message: string;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
}

export interface EndpointProbeRequest {
  /** Default: deployment attestor, container attestor in monitoring. */
  from?: PodRef;
  /** http(s)://host[:port][/path] for an HTTP probe, or a host name / IP for ping. */
  endpoint: string;
  method?: 'http' | 'ping';
  timeoutSeconds?: number;
}

export interface EndpointProbeResult {
  reachable: boolean;
  /** HTTP status for http (0 when no answer). */
  httpStatus: number;
  /** One line for the UI: "HTTP 200 in 0.004 s", "3 packets transmitted, 0 received", the error. */
  summary: string;
  exec: ExecResult;
}

export interface LedgerQuery {
  tenantId: string;
  /** Default: deployment ledger, container ledger, namespace default (fact sheet §1). */
  from?: PodRef;
  /** Row cap, 1..1000, default 100. */
  limit?: number;
  /** Server-side statement_timeout, default 5000 ms. */
  statementTimeoutMs?: number;
  /** psql's -d (a database name or a conninfo/URL); default: the pod's PG* environment. */
  database?: string;
}

export interface UsageEventRow {
  id: string;
  tenantId: string;
  cpuMs: number | null;
  netBytes: number | null;
  ts: string;
  createdAt: string;
}

export interface LedgerQueryResult {
  rows: UsageEventRow[];
  /** More rows than `limit` exist. */
  truncated: boolean;
  /** The SQL text sent (constant; the tenant id only ever travels as the psql variable `tenant`). */
  sql: string;
  exec: ExecResult;
}

// --- mutations -----------------------------------------------------------------------------------------------------------

export type EnvVarSource = Record<string, unknown>;

/** One mutation as plain data. The undo of a mutation is another MutationRequest. */
export type MutationRequest =
  | { op: 'scale-deployment'; namespace: string; name: string; replicas: number }
  /** value: set (a literal); null: unset. valueFrom: restore an env var that was not a literal (undo). */
  | {
      op: 'set-deployment-env';
      namespace: string;
      name: string;
      container: string;
      env: string;
      value: string | null;
      valueFrom?: EnvVarSource;
    }
  | {
      op: 'create-rollback';
      /** Default: rollback-<ms>-<random>. The CRD is cluster-scoped: a namespace is never sent. */
      name?: string;
      spec: { targetRelease: string; reason: string; capsuleHash?: string; tenantId?: string };
      labels?: Record<string, string>;
    }
  | { op: 'delete-rollback'; name: string }
  | {
      op: 'apply-prometheus-rule';
      namespace: string;
      name: string;
      spec: unknown;
      labels?: Record<string, string>;
    }
  | { op: 'delete-prometheus-rule'; namespace: string; name: string }
  /** Keys set to null are removed. createIfMissing: create the ConfigMap when absent (undo then deletes it). */
  | {
      op: 'patch-configmap';
      namespace: string;
      name: string;
      data: Record<string, string | null>;
      createIfMissing?: boolean;
    }
  | { op: 'delete-configmap'; namespace: string; name: string };

export interface MutationOptions {
  /** Server-side dry run (dryRun=All): validated and admitted by the server, nothing stored. */
  dryRun: boolean;
  /**
   * The resourceVersion the caller's preview was made from (MutationResult.resourceVersion of the dry run). Sent as
   * the write's precondition: if the object changed since, the result is a conflict with the current object.
   */
  expectResourceVersion?: string;
}

export interface MutationTarget {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** e.g. "scale" when the write went to a subresource. */
  subresource?: string;
}

export type MutationResult =
  | {
      outcome: 'dry-run' | 'applied';
      request: MutationRequest;
      target: MutationTarget;
      /** The object as read before the write (null when it did not exist). */
      before: KubeObject | null;
      /** What the server returned (dry run: what it would store); null after a delete. */
      after: KubeObject | null;
      /** resourceVersion of `before`: pass it as expectResourceVersion to apply exactly what was previewed. */
      resourceVersion?: string;
      /** The request that undoes this one (null when nothing to undo, e.g. a no-op delete). */
      undo: MutationRequest | null;
      /** Warning headers of the API server (deprecations, admission warnings). */
      warnings: string[];
    }
  | {
      outcome: 'conflict';
      request: MutationRequest;
      target: MutationTarget;
      /** The object as it is now (re-read after the 409), to re-diff against. */
      current: KubeObject | null;
      resourceVersion?: string;
      message: string;
    };

/** The cluster actions of the adapter; every method takes the kubeconfig context first, like canI(). */
export interface KubeActions {
  // read steps
  listPodsAllNamespaces(context: string, opts?: { labelSelector?: string }): Promise<PodSummary[]>;
  /** HelmReleases (helm.toolkit.fluxcd.io/v2); namespace '' or undefined = all namespaces. */
  listHelmReleases(context: string, namespace?: string): Promise<HelmReleaseSummary[]>;
  /** `helm history` from the release Secrets (labels owner=helm,name=<release>), newest revision first. */
  helmHistory(context: string, release: string, namespace: string): Promise<HelmRevision[]>;
  /** Events of a namespace, oldest first. */
  listEvents(context: string, namespace: string): Promise<EventSummary[]>;
  podLogs(context: string, req: PodLogsRequest): Promise<PodLogs>;
  listNetworkPolicies(context: string, namespace: string): Promise<NetworkPolicySummary[]>;
  listEndpointSlices(context: string, namespace: string): Promise<EndpointSliceSummary[]>;
  tenantPods(context: string, tenantId: string, opts?: TenantPodsOptions): Promise<TenantPod[]>;
  /** Rollbacks (cluster-scoped), oldest first. */
  listRollbacks(context: string): Promise<RollbackSummary[]>;
  // exec
  exec(context: string, req: ExecRequest): Promise<ExecResult>;
  probeEndpoint(context: string, req: EndpointProbeRequest): Promise<EndpointProbeResult>;
  ledgerUsageEvents(context: string, req: LedgerQuery): Promise<LedgerQueryResult>;
  // mutations
  mutate(context: string, req: MutationRequest, opts: MutationOptions): Promise<MutationResult>;
  /** SelfSubjectAccessReviews for everything `req` needs; resolves the missing ones as "verb resource[.group] [in ns]". */
  missingPermissions(context: string, req: MutationRequest | AccessCheck[]): Promise<string[]>;
}
