// Types for binaries.mjs, so TypeScript tests can import it (`import { ensureClusterBinaries } from '../tools/cluster/binaries.mjs'`).

export const KUBE_VERSION: string;
export const KWOK_VERSION: string;
export const ETCD_MIN_VERSION: string;
export const ETCD_GO_VERSION: string;

export interface ClusterBinaries {
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  etcd: string;
  kwok: string;
  kwokctl: string;
  /** The machine's kubectl when within one minor version of the server, else one built into the cache. */
  kubectl: string;
  /** kwok's CRDs (Logs, Exec, PortForward, ...), applied by startCluster(). */
  kwokCrdDir: string;
  /** kwok's default node/pod Stages, passed to the kwok controller with --config. */
  kwokStageDir: string;
  cacheDir: string;
  kubeVersion: string;
  kwokVersion: string;
}

/** ${PF_CACHE_DIR:-~/.cache/pf-incident-response} */
export function cacheRoot(): string;
/** <cacheRoot>/cluster-k8s-<version>-kwok-<version> */
export function clusterCacheDir(): string;
/** Fast (no build, no network): every binary and its marker file is present. */
export function clusterBinariesAvailable(): boolean;
/** Builds what is missing (10-25 min cold on 2 cores), then resolves the paths; rejects with the exact reason. */
export function ensureClusterBinaries(): Promise<ClusterBinaries>;
