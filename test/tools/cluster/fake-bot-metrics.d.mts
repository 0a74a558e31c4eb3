// Types for fake-bot-metrics.mjs, so TypeScript tests can import it.
export const DEFAULT_PATHS: string[];

export type FakeBotMetricsOp =
  | { op: 'reset' }
  | { op: 'rollback'; reason: string; n?: number }
  | { op: 'observe'; seconds: number[]; decisionType?: string }
  | { op: 'guardTrip'; tenantId: string; n?: number }
  | { op: 'alert'; alertName: string; n?: number }
  | { op: 'decisionError'; errorType: string; n?: number }
  | { op: 'lag'; topic: string; partition: number | string; value: number }
  | { op: 'active'; value: number }
  | { op: 'paths'; paths: string[] }
  | { op: 'text' }
  | { op: 'stats' };

export interface FakeBotMetrics {
  /** Loopback port serving the exposition (what kwok's port-forward to the bot's 3000 dials). */
  port: number;
  controlUrl: string;
  pid: number;
  control(msg: FakeBotMetricsOp): Promise<unknown>;
  stop(): Promise<void>;
}

export function startFakeBotMetrics(opts?: { port?: number; paths?: string[]; node?: string }): Promise<FakeBotMetrics>;
