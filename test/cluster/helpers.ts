// Shared helpers of the cluster tier (run by test/tools/test-cluster.mjs, which starts the cluster and sets PF_TEST_*).
import crypto from 'node:crypto';
import fs from 'node:fs';
import type {
  BotDeploymentInfo,
  ConnectionState,
  LiveCallbacks,
  LiveSourceSettings,
  WatchEventType,
} from '../../src/kube/types';
import { DEFAULT_LIVE_SETTINGS } from '../../src/kube/types';

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the cluster tier with \`node test/tools/test-cluster.mjs\``);
  return v;
}

export const env = {
  get kubeconfig(): string {
    return need('PF_TEST_KUBECONFIG');
  },
  get restrictedKubeconfig(): string {
    return need('PF_TEST_RESTRICTED_KUBECONFIG');
  },
  get apiserverUrl(): string {
    return need('PF_TEST_APISERVER_URL');
  },
  get logsFile(): string {
    return need('PF_TEST_LOGS_FILE');
  },
  get adapterBundle(): string {
    return need('PF_TEST_ADAPTER_BUNDLE');
  },
  get scratch(): string {
    return need('PF_TEST_SCRATCH');
  },
};

export const ADMIN = 'pf-test';
export const RESTRICTED = 'pf-test-restricted';

/** Calls the control endpoint of test-cluster.mjs (cluster handle and seed helpers of test/tools/cluster). */
export async function rpc<T = unknown>(op: string, ...args: unknown[]): Promise<T> {
  const res = await fetch(need('PF_TEST_CONTROL'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ op, args }),
  });
  const out = (await res.json()) as { ok: boolean; result?: T; error?: string };
  if (!out.ok) throw new Error(`${op}: ${out.error}`);
  return out.result as T;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function kubectl(args: string[], input?: string): Promise<KubectlResult> {
  return rpc<KubectlResult>('kubectl', args, input === undefined ? {} : { input });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function settings(over: Partial<LiveSourceSettings> = {}): LiveSourceSettings {
  return { ...DEFAULT_LIVE_SETTINGS, ...over };
}

export const randomHex = (n = 8): string => crypto.randomBytes(n).toString('hex');

/** Appends plain lines (what the bot prints) to the file kwok serves as the incident-bot container log. */
export function appendLog(lines: string[]): void {
  fs.appendFileSync(env.logsFile, lines.map((l) => `${l}\n`).join(''));
}

interface Rec<T> {
  at: number;
  value: T;
}

/** Records every callback of a connection, with the time it arrived. */
export class Recorder implements LiveCallbacks {
  calls = 0;
  readonly states: Rec<ConnectionState>[] = [];
  readonly rollbacks: Rec<{ type: WatchEventType; obj: KubeObj }>[] = [];
  readonly relists: Rec<KubeObj[]>[] = [];
  readonly events: Rec<{ type: WatchEventType; obj: KubeObj }>[] = [];
  readonly deployments: Rec<BotDeploymentInfo | null>[] = [];
  readonly configMaps: Rec<Record<string, string> | null>[] = [];
  readonly logs = new Map<string, string>();
  readonly chunks: Rec<{ pod: string; text: string }>[] = [];
  /** Set to make a callback throw (the adapter must carry on). */
  throwIn: string | null = null;

  private rec<T>(list: Rec<T>[], value: T, name: string): void {
    this.calls++;
    list.push({ at: Date.now(), value });
    if (this.throwIn === name) throw new Error(`test callback ${name} throws`);
  }

  onLogChunk(pod: string, text: string): void {
    this.logs.set(pod, (this.logs.get(pod) ?? '') + text);
    this.rec(this.chunks, { pod, text }, 'onLogChunk');
  }
  onRollback(type: WatchEventType, obj: unknown): void {
    this.rec(this.rollbacks, { type, obj: obj as KubeObj }, 'onRollback');
  }
  onRollbacksRelisted(all: unknown[]): void {
    this.rec(this.relists, all as KubeObj[], 'onRollbacksRelisted');
  }
  onEvent(type: WatchEventType, obj: unknown): void {
    this.rec(this.events, { type, obj: obj as KubeObj }, 'onEvent');
  }
  onDeployment(info: BotDeploymentInfo | null): void {
    this.rec(this.deployments, info, 'onDeployment');
  }
  onConfigMap(data: Record<string, string> | null): void {
    this.rec(this.configMaps, data, 'onConfigMap');
  }
  onState(state: ConnectionState): void {
    this.rec(this.states, state, 'onState');
  }

  get state(): ConnectionState | undefined {
    return this.states.at(-1)?.value;
  }

  stateKinds(): string[] {
    return this.states.map((s) => s.value.kind);
  }

  rollbackEvents(name: string): { type: WatchEventType; obj: KubeObj }[] {
    return this.rollbacks.map((r) => r.value).filter((r) => r.obj.metadata?.name === name);
  }

  /** Pod names that delivered log text. */
  pods(): string[] {
    return [...this.logs.keys()];
  }
}

export interface KubeObj {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [k: string]: unknown;
}

/** Polls `pred` every 50 ms until it is true; fails with `what` (and the `detail()` text) after timeoutMs. */
export async function waitFor(
  what: string,
  pred: () => boolean,
  timeoutMs = 15_000,
  detail?: () => string,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (pred()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `: ${detail()}` : ''}`);
    }
    await sleep(50);
  }
}

/** The lines of `text` (timestamp prefix removed), for counting. */
export function logLines(text: string): string[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^\S+Z /, ''));
}

export function count(haystack: string[], line: string): number {
  return haystack.filter((l) => l === line).length;
}

const hex64 = (): string => crypto.randomBytes(32).toString('hex');

/** One GuardTrip handled by the bot, in the plain NestJS form `kubectl logs` shows (fact sheet §2). */
export function guardTripLines(opts: {
  risk: number;
  misses: number;
  rollback: boolean;
  hash?: string;
  time?: string;
}): { hash: string; rollbackName: string | null; lines: string[] } {
  const hash = opts.hash ?? `sha256:${hex64()}`;
  const time = opts.time ?? '2:15:30 PM';
  const p = (level: string, ctx: string, msg: string): string =>
    `[Nest] 1  - 08/05/2025, ${time} ${level.padStart(7)} [${ctx}] ${msg}`;
  const lines = [
    p('LOG', 'KafkaService', `Processing GuardTrip event: ${hash} (risk: ${opts.risk})`),
    p('LOG', 'DecisionEngineService', `Evaluating GuardTrip: risk=${opts.risk}, misses=${opts.misses}`),
  ];
  let rollbackName: string | null = null;
  if (opts.rollback) {
    const reason = `${opts.risk >= 0.8 ? 'high_risk' : 'heartbeat_miss'}_${hash}`;
    rollbackName = `rollback-${Date.now()}`;
    lines.push(
      p('WARN', 'DecisionEngineService', `Rollback decision: ${reason} for capsule ${hash}`),
      p('WARN', 'KafkaService', `Rollback decision made: ${reason} for capsule ${hash}`),
      p('LOG', 'DecisionEngineService', `Executing rollback to release v0.1.0 for reason: ${reason}`),
      p('LOG', 'DecisionEngineService', `Rollback CR created successfully: ${rollbackName}`),
    );
  } else {
    lines.push(
      p('LOG', 'DecisionEngineService', `No rollback needed for capsule ${hash}`),
      p('LOG', 'KafkaService', `No rollback needed for capsule ${hash}`),
    );
  }
  return { hash, rollbackName, lines };
}

/** The admin kubeconfig with its server replaced (e.g. by a closed port). */
export function kubeconfigWithServer(server: string, file: string): string {
  const text = fs.readFileSync(env.kubeconfig, 'utf8').replace(/server: \S+/, `server: ${server}`);
  fs.writeFileSync(file, text);
  return file;
}
