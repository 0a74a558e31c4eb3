// Types for seed.mjs, so TypeScript tests can import it (`import { seedProvabilityFabric } from '../tools/cluster/seed.mjs'`).
import type { ClusterHandle } from './cluster.mjs';

export const ROLLBACK_CRD_FILE: string;
export const ROLLBACK_API: '/apis/ops.prov-fabric.io/v1alpha1/rollbacks';
export const FAKE_NODE_NAME: string;
export const MAINTENANCE_STATUS_DATA: { active: string; window: string; reason: string };
export const INCIDENT_BOT_ENV: Record<'RISK_SCORE_THRESHOLD' | 'HEARTBEAT_MISSES_THRESHOLD' | 'KAFKA_GROUP_ID', string>;

export interface LogMirror {
  /** The plain-text file the test appends to. */
  source: string;
  /** The CRI-format file kwok serves. */
  target: string;
  /** Copy new complete lines now (otherwise every 100 ms). */
  sync(): void;
  stop(): void;
}

export interface SeedOptions {
  logsFile?: string;
  metricsPort?: number;
  metricsTarget?: number | string | { address?: string; port: number };
  psqlWorkDir?: string;
  /** Extra environment for commands exec'd in the ledger container (e.g. PGHOST, PGPORT). */
  execEnv?: Record<string, string | number>;
  /** logsFile already holds CRI lines ("<RFC3339Nano> stdout F <text>"): no mirror. */
  logsAreCri?: boolean;
}

export interface SeedResult {
  namespaces: string[];
  node: string;
  pods: { incidentBot: string; attestor: string; ledger: string };
  logs: LogMirror | null;
  logsFile: string;
  metricsTarget: { address: string; port: number };
  psqlWorkDir: string;
}

export interface RollbackStatus {
  phase?: 'Pending' | 'InProgress' | 'Completed' | 'Failed';
  startedAt?: string;
  completedAt?: string;
  message?: string;
  helmReleaseRevision?: number;
  previousRevision?: number;
}

export interface Rollback {
  apiVersion: 'ops.prov-fabric.io/v1alpha1';
  kind: 'Rollback';
  metadata: { name: string; resourceVersion: string; uid: string; creationTimestamp: string; [k: string]: unknown };
  spec: { targetRelease: string; reason: string; capsuleHash?: string; tenantId?: string };
  status?: RollbackStatus;
}

export function seedProvabilityFabric(cluster: ClusterHandle, opts?: SeedOptions): Promise<SeedResult>;
export function applyRollbackCrd(cluster: ClusterHandle): Promise<void>;
export function createFakeNode(cluster: ClusterHandle, name?: string): Promise<string>;
export function startLogMirror(
  source: string,
  target: string,
  opts?: { intervalMs?: number; stream?: 'stdout' | 'stderr' },
): LogMirror;
/** capsuleHash: undefined = random valid hash, null = omit the field. */
export function createRollback(
  cluster: ClusterHandle,
  opts?: {
    name?: string;
    targetRelease?: string;
    reason?: string;
    capsuleHash?: string | null;
    tenantId?: string;
    status?: RollbackStatus;
  },
): Promise<Rollback>;
export function setRollbackPhase(
  cluster: ClusterHandle,
  name: string,
  phase: NonNullable<RollbackStatus['phase']>,
  extra?: Omit<RollbackStatus, 'phase'>,
): Promise<Rollback>;
export function patchRollback(cluster: ClusterHandle, name: string, patch: unknown): Promise<Rollback>;
export function deleteRollback(cluster: ClusterHandle, name: string): Promise<void>;
