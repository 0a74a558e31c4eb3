// Types for cluster.mjs, so TypeScript tests can import it (`import { startCluster } from '../tools/cluster/cluster.mjs'`).
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import type { ClusterBinaries } from './binaries.mjs';

export const ADMIN_CONTEXT: 'pf-test';
export const RESTRICTED_CONTEXT: 'pf-test-restricted';
export const KWOK_NODE_ANNOTATION: 'kwok.x-k8s.io/node';

export interface StartClusterOptions {
  /** Data, certificates, kubeconfigs, logs. Default: a new temp dir (removed by stop() unless keep). */
  workDir?: string;
  /** Keep the work dir on stop() (component logs in <workDir>/logs). */
  keep?: boolean;
  /** Defaults for seedProvabilityFabric(): plain-text incident-bot log file. */
  logsFile?: string;
  /** Defaults for seedProvabilityFabric(): where port-forward to incident-bot:3000 goes (port, "host:port" or object). */
  metricsTarget?: number | string | { address?: string; port: number };
  /** Defaults for seedProvabilityFabric(): directory in which exec into a ledger pod runs commands. */
  execWorkDir?: string;
  binaries?: ClusterBinaries;
  /** Per component readiness timeout, default 90000. */
  readyTimeoutMs?: number;
}

export interface KubectlOptions {
  /** Default: the admin kubeconfig (context pf-test). */
  kubeconfig?: string;
  /** Written to kubectl's stdin (e.g. a JSON/YAML manifest for `-f -`). */
  input?: string;
  /** Resolve instead of reject on a non-zero exit. */
  allowFail?: boolean;
  /** Default 60000; kubectl is SIGKILLed after it. */
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface KubectlResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ApiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Parsed body when it is JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary API JSON; tests narrow it themselves
  json: any;
}

export interface GrantOptions {
  clusterRole?: string;
  role?: string;
  namespace?: string;
  /** Creates a Role (with namespace) or ClusterRole from these rules, then binds it. */
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
  subjectKind?: 'User' | 'Group';
  bindingName?: string;
}

export interface ClusterHandle {
  /** Admin kubeconfig (user pf-admin in system:masters, context pf-test, certificates embedded). */
  readonly kubeconfig: string;
  /** https://127.0.0.1:<port> */
  readonly apiserverUrl: string;
  readonly workDir: string;
  readonly logDir: string;
  readonly caFile: string;
  readonly adminCertFile: string;
  readonly adminKeyFile: string;
  readonly ports: { etcd: number; etcdPeer: number; apiserver: number; kwok: number };
  readonly binaries: ClusterBinaries;
  readonly defaults: Pick<StartClusterOptions, 'logsFile' | 'metricsTarget' | 'execWorkDir'>;
  /** ca/cert/key buffers of the admin for hand-made https requests and watches. */
  readonly adminTls: { ca: Buffer; cert: Buffer; key: Buffer };

  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** Long-running kubectl (logs -f, port-forward, get -w); killed by stop(). */
  spawnKubectl(args: string[], opts?: { kubeconfig?: string }): ChildProcessByStdio<null, Readable, Readable>;
  /** Raw API request as the admin; never rejects on HTTP errors. */
  request(
    method: string,
    apiPath: string,
    body?: unknown,
    opts?: { contentType?: string; timeoutMs?: number },
  ): Promise<ApiResponse>;
  /** A user (client cert CN=name, O=groups) with no RBAC bindings; kubeconfig context pf-test-restricted. */
  makeUserKubeconfig(name?: string, groups?: string[]): Promise<string>;
  /** Binds a Role/ClusterRole (existing, or made from `rules`) to a user or group; resolves the binding name. */
  grantUser(name: string, opts: GrantOptions): Promise<string>;
  /** Stops and starts kube-apiserver only (same port, same etcd data). */
  restartApiServer(opts?: { downMs?: number; signal?: NodeJS.Signals; graceMs?: number }): Promise<void>;
  stopApiServer(opts?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<void>;
  startApiServer(): Promise<void>;
  onStop(fn: () => unknown): void;
  /** Kills every process it started (process groups); removes the temp work dir unless keep. */
  stop(opts?: { keep?: boolean }): Promise<void>;
}

export function startCluster(opts?: StartClusterOptions): Promise<ClusterHandle>;
