// Exec in a pod (the pods/exec WebSocket; the socket itself comes from client-node's Exec, handed in by the adapter
// as an ExecOpener so this module does not import client-node) with an argv command, optional stdin, a timeout and an
// output cap; and two playbook steps built on it:
//   - probeEndpoint: can the attestor pod reach a capsule endpoint (curl, falling back to wget; or ping),
//   - ledgerUsageEvents: the tenant's rows of the ledger's "UsageEvent" table via psql in the ledger pod.
// The tenant id is DATA: it travels as one argv element (`-v tenant=<id>`) and is used in SQL only as :'tenant',
// which psql quotes as a literal. The SQL text is a constant (limit and timeout are validated integers); it is sent
// on stdin and ends with \q, so psql exits without waiting for an end of input (kwok's exec never closes stdin).
import { Readable, Writable } from 'node:stream';
import type {
  EndpointProbeRequest,
  EndpointProbeResult,
  ExecRequest,
  ExecResult,
  KubeObject,
  LedgerQuery,
  LedgerQueryResult,
  PodRef,
  UsageEventRow,
} from './actionTypes';
import { enc, query } from './apiRequest';
import type { ApiClient } from './apiRequest';
import { errorFromHttp, oneLine, toKubeError } from './kubeErrors';
import { permissionText } from './liveConnection';
import { KubeError } from './types';
import type { AccessCheck } from './types';

/** The socket of one exec session, as the adapter hands it over (client-node's WebSocket, narrowed). */
export interface ExecSocket {
  close(): void;
  onClose(cb: () => void): void;
  readonly protocol: string;
}

/** Opens an exec session (client-node Exec.exec): stdout/stderr get the streams' bytes, onStatus the final Status. */
export type ExecOpener = (args: {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  stdout: Writable;
  stderr: Writable;
  stdin: Readable | null;
  onStatus(status: unknown): void;
}) => Promise<ExecSocket>;

export interface ExecDeps {
  api: ApiClient;
  openExec: ExecOpener;
  canI(check: AccessCheck): Promise<{ allowed: boolean; reason?: string }>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_OUTPUT = 1024 * 1024;

interface PodObj extends KubeObject {
  spec?: { containers?: { name?: string }[] };
  status?: { phase?: string };
}

interface DeploymentObj extends KubeObject {
  spec?: { selector?: { matchLabels?: Record<string, string> } };
}

/** The pod and container an exec goes to: a named pod, or the first Running pod of a Deployment. */
export async function resolvePod(api: ApiClient, ref: PodRef): Promise<{ pod: string; container: string }> {
  const ns = ref.namespace;
  let pod: PodObj;
  if (ref.pod) {
    pod = await api
      .call<PodObj>('GET', `/api/v1/namespaces/${enc(ns)}/pods/${enc(ref.pod)}`, {
        what: `get pod ${ns}/${ref.pod}`,
        permission: { verb: 'get', resource: 'pods', namespace: ns },
      })
      .then((r) => r.body);
  } else if (ref.deployment) {
    const dep = await api
      .call<DeploymentObj>('GET', `/apis/apps/v1/namespaces/${enc(ns)}/deployments/${enc(ref.deployment)}`, {
        what: `get deployment ${ns}/${ref.deployment}`,
        permission: { verb: 'get', resource: 'deployments', group: 'apps', namespace: ns },
      })
      .then((r) => r.body);
    const sel = Object.entries(dep.spec?.selector?.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    if (!sel) throw new KubeError('invalid', `deployment ${ns}/${ref.deployment} has no matchLabels selector`);
    const list = await api
      .call<{ items?: PodObj[] }>('GET', `/api/v1/namespaces/${enc(ns)}/pods${query({ labelSelector: sel })}`, {
        what: `list pods of deployment ${ns}/${ref.deployment}`,
        permission: { verb: 'list', resource: 'pods', namespace: ns },
      })
      .then((r) => r.body.items ?? []);
    const running = list
      .filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp)
      .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    const first = running[0];
    if (!first) {
      throw new KubeError('not-found', `deployment ${ns}/${ref.deployment} has no Running pod (${list.length} pods)`);
    }
    pod = first;
  } else {
    throw new KubeError('invalid', 'exec: give a pod or a deployment');
  }
  const name = pod.metadata?.name ?? ref.pod ?? '';
  const containers = (pod.spec?.containers ?? []).map((c) => c.name ?? '');
  const container =
    ref.container ?? pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'] ?? containers[0] ?? '';
  if (!containers.includes(container)) {
    throw new KubeError(
      'not-found',
      `container "${container}" is not in pod ${ns}/${name} (containers: ${containers.join(', ') || 'none'})`,
    );
  }
  if (pod.status?.phase !== 'Running') {
    throw new KubeError('invalid', `pod ${ns}/${name} is ${pod.status?.phase ?? 'not running'}: cannot exec`);
  }
  return { pod: name, container };
}

/** Collects one output stream up to `max` bytes; `onOverflow` runs once when more arrives. */
class CappedSink extends Writable {
  private readonly chunks: Buffer[] = [];
  size = 0;
  overflow = false;
  constructor(
    private readonly max: number,
    private readonly onOverflow: () => void,
  ) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    if (this.size + chunk.length > this.max) {
      this.chunks.push(chunk.subarray(0, Math.max(0, this.max - this.size)));
      this.size = this.max;
      if (!this.overflow) {
        this.overflow = true;
        this.onOverflow();
      }
    } else if (!this.overflow) {
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

interface ExecStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** Exit code from the exec Status: 0 on Success; NonZeroExitCode's ExitCode cause; kwok's "exit status N". */
export function exitCodeOf(st: ExecStatus | null): number | null {
  if (!st) return null;
  if (st.status === 'Success') return 0;
  const cause = st.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (cause?.message && /^\d+$/.test(cause.message)) return Number(cause.message);
  const m = /exit (?:status|code)[: ]+(\d+)/i.exec(st.message ?? '');
  return m?.[1] ? Number(m[1]) : null;
}

function validateCommand(command: unknown): string[] {
  if (!Array.isArray(command) || !command.length || !command.every((a) => typeof a === 'string')) {
    throw new KubeError('invalid', 'exec: the command must be a non-empty argv array of strings');
  }
  if (!command[0]) throw new KubeError('invalid', 'exec: empty program name');
  if (command.some((a) => a.includes('\0'))) throw new KubeError('invalid', 'exec: an argument contains NUL');
  return command;
}

/** Why an exec WebSocket was refused: the HTTP status from ws's "Unexpected server response: NNN". */
function upgradeStatus(err: unknown): number | undefined {
  const text =
    err && typeof err === 'object'
      ? String(
          (err as { message?: unknown }).message ?? (err as { error?: { message?: unknown } }).error?.message ?? '',
        )
      : String(err);
  const m = /Unexpected server response: (\d{3})/.exec(text);
  return m?.[1] ? Number(m[1]) : undefined;
}

export async function execInPod(deps: ExecDeps, req: ExecRequest): Promise<ExecResult> {
  const command = validateCommand(req.command);
  const { pod, container } = await resolvePod(deps.api, req);
  const ns = req.namespace;
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const max = req.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const started = Date.now();
  let socket: ExecSocket | null = null;
  let truncated = false;
  let timedOut = false;
  let status: ExecStatus | null = null;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const stop = (): void => {
    try {
      socket?.close();
    } catch {
      /* already closed */
    }
    finish();
  };
  const stdout = new CappedSink(max, () => {
    truncated = true;
    stop();
  });
  const stderr = new CappedSink(max, () => {
    truncated = true;
    stop();
  });
  let stdin: Readable | null = null;
  if (req.stdin !== undefined) {
    stdin = new Readable({ read: () => undefined });
    stdin.push(Buffer.from(req.stdin, 'utf8'));
    if (req.closeStdin) stdin.push(null);
  }
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, timeoutMs);
  deps.api.requests++;
  try {
    socket = await deps.openExec({
      namespace: ns,
      pod,
      container,
      command,
      stdout,
      stderr,
      stdin,
      onStatus: (s) => {
        status = (s && typeof s === 'object' ? s : { status: 'Failure', message: String(s) }) as ExecStatus;
        finish();
      },
    });
  } catch (e) {
    clearTimeout(timer);
    stdin?.destroy();
    const code = upgradeStatus(e);
    const what = `exec in ${ns}/${pod} (${container})`;
    if (code === 403) {
      // The upgrade answer carries no body; ask the server which of the exec permissions is missing.
      const checks: AccessCheck[] = [
        { verb: 'create', resource: 'pods', subresource: 'exec', namespace: ns },
        { verb: 'get', resource: 'pods', subresource: 'exec', namespace: ns },
      ];
      const missing: string[] = [];
      for (const c of checks) {
        const r = await deps.canI(c).catch(() => ({ allowed: false }));
        if (!r.allowed) missing.push(permissionText(c));
      }
      throw new KubeError(
        'forbidden',
        `${what}: Forbidden (missing ${missing.join(', ') || 'pods/exec permission'})`,
        403,
        missing[0] ?? permissionText(checks[0] as AccessCheck),
      );
    }
    if (code) throw errorFromHttp(code, undefined, what);
    throw toKubeError(
      e instanceof Error ? e : new Error(oneLine(String((e as { message?: unknown })?.message ?? e))),
      what,
    );
  }
  socket.onClose(() => finish());
  if (timedOut || truncated) socket.close();
  await finished;
  clearTimeout(timer);
  stdin?.destroy();
  try {
    socket.close();
  } catch {
    /* closed */
  }
  const st = status as ExecStatus | null;
  return {
    pod,
    container,
    command,
    stdout: stdout.text(),
    stderr: stderr.text(),
    exitCode: exitCodeOf(st),
    status: st?.status ?? '',
    message: st && st.status !== 'Success' ? oneLine(st.message ?? '', 500) : '',
    timedOut,
    truncated,
    durationMs: Date.now() - started,
  };
}

// --- endpoint probe ------------------------------------------------------------------------------------------------------

const DEFAULT_PROBE_FROM: PodRef = { namespace: 'monitoring', deployment: 'attestor', container: 'attestor' };

function notInstalled(r: ExecResult): boolean {
  return (
    r.exitCode === 126 ||
    r.exitCode === 127 ||
    /executable file not found|no such file or directory|not found in \$PATH/i.test(`${r.message} ${r.stderr}`)
  );
}

export async function probeEndpoint(deps: ExecDeps, req: EndpointProbeRequest): Promise<EndpointProbeResult> {
  const from = req.from ?? DEFAULT_PROBE_FROM;
  const t = Math.max(1, Math.min(60, Math.round(req.timeoutSeconds ?? 5)));
  const timeoutMs = (t + 10) * 1000;
  const endpoint = req.endpoint.trim();
  if (req.method === 'ping') {
    if (!/^[A-Za-z0-9][A-Za-z0-9.:-]*$/.test(endpoint) || endpoint.length > 253) {
      throw new KubeError('invalid', `not a host name or IP address: ${JSON.stringify(endpoint)}`);
    }
    const exec = await execInPod(deps, { ...from, command: ['ping', '-c', '3', '-W', String(t), endpoint], timeoutMs });
    const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(exec.stdout);
    const received = m ? Number(m[2]) : 0;
    const summary = m
      ? (m[0] ?? '')
      : notInstalled(exec)
        ? `ping is not installed in ${exec.pod} (${exec.container})`
        : oneLine(exec.stderr || exec.message || 'no answer');
    return { reachable: received > 0, httpStatus: 0, summary, exec };
  }
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `http://${endpoint}`);
  } catch {
    throw new KubeError('invalid', `not a URL: ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KubeError('invalid', `only http and https endpoints can be probed: ${url.protocol}`);
  }
  const href = url.href; // starts with http(s)://, so it can never be read as an option
  let exec = await execInPod(deps, {
    ...from,
    command: ['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code} %{time_total}', '--max-time', String(t), href],
    timeoutMs,
  });
  if (notInstalled(exec)) {
    exec = await execInPod(deps, {
      ...from,
      command: ['wget', '-S', '-O', '/dev/null', '-T', String(t), '-t', '1', href],
      timeoutMs,
    });
    if (notInstalled(exec)) {
      return {
        reachable: false,
        httpStatus: 0,
        summary: `neither curl nor wget is installed in ${exec.pod} (${exec.container})`,
        exec,
      };
    }
    const statuses = [...exec.stderr.matchAll(/HTTP\/[\d.]+ (\d{3})/g)].map((m) => Number(m[1]));
    const httpStatus = statuses.at(-1) ?? 0;
    return {
      reachable: httpStatus > 0,
      httpStatus,
      summary: httpStatus ? `HTTP ${httpStatus}` : oneLine(exec.stderr || exec.message || 'no answer'),
      exec,
    };
  }
  const m = /^(\d{3}) ([\d.]+)/.exec(exec.stdout.trim());
  const httpStatus = m ? Number(m[1]) : 0;
  return {
    reachable: httpStatus > 0,
    httpStatus,
    summary: httpStatus
      ? `HTTP ${httpStatus} in ${m?.[2] ?? '?'} s`
      : oneLine(exec.stderr || exec.message || `curl exit ${exec.exitCode ?? '?'}`),
    exec,
  };
}

// --- ledger ---------------------------------------------------------------------------------------------------------------

const DEFAULT_LEDGER_FROM: PodRef = { namespace: 'default', deployment: 'ledger', container: 'ledger' };

/** The live Prisma schema (fact sheet §8, §14.7): table "UsageEvent", column "tenantId", newest first. */
export function ledgerSql(limit: number, statementTimeoutMs: number): string {
  return [
    '\\set ON_ERROR_STOP on',
    `SET statement_timeout = ${statementTimeoutMs};`,
    'SET default_transaction_read_only = on;',
    'SELECT "id", "tenantId", "cpuMs", "netBytes",',
    `  to_char("ts", 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS "ts",`,
    `  to_char("createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS "createdAt"`,
    `FROM "UsageEvent" WHERE "tenantId" = :'tenant' ORDER BY "ts" DESC, "id" LIMIT ${limit + 1};`,
    '\\q',
    '',
  ].join('\n');
}

/** RFC 4180 CSV (psql --csv): quoted fields may hold commas, quotes and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
    i++;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const num = (s: string | undefined): number | null => (s === undefined || s === '' ? null : Number(s));

export async function ledgerUsageEvents(deps: ExecDeps, req: LedgerQuery): Promise<LedgerQueryResult> {
  const tenant = req.tenantId;
  if (typeof tenant !== 'string' || !tenant) throw new KubeError('invalid', 'ledger query: no tenant id');
  if (tenant.includes('\0') || tenant.length > 1024) {
    throw new KubeError('invalid', 'ledger query: the tenant id contains NUL or is longer than 1024 characters');
  }
  const limit = req.limit ?? 100;
  const timeout = req.statementTimeoutMs ?? 5000;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new KubeError('invalid', `ledger query: limit must be an integer in 1..1000, not ${limit}`);
  }
  if (!Number.isInteger(timeout) || timeout < 100 || timeout > 300_000) {
    throw new KubeError('invalid', `ledger query: statement timeout must be an integer in 100..300000 ms`);
  }
  const sql = ledgerSql(limit, timeout);
  const command = [
    'psql',
    '-X',
    '-q',
    '--csv',
    '-v',
    'ON_ERROR_STOP=1',
    '-v',
    `tenant=${tenant}`,
    ...(req.database ? ['-d', req.database] : []),
    '-f',
    '-',
  ];
  const exec = await execInPod(deps, {
    ...(req.from ?? DEFAULT_LEDGER_FROM),
    command,
    stdin: sql,
    timeoutMs: timeout + 15_000,
    maxOutputBytes: 8 * 1024 * 1024,
  });
  const where = `${exec.pod} (${exec.container})`;
  if (exec.timedOut) {
    throw new KubeError('timeout', `ledger query in ${where}: no answer within ${timeout / 1000 + 15} s`);
  }
  if (exec.exitCode !== 0) {
    if (notInstalled(exec)) {
      throw new KubeError(
        'not-found',
        `psql is not installed in ${where} (the upstream ledger image has none; fact sheet §8): choose a pod that has it`,
      );
    }
    const err = exec.stderr.split('\n').find((l) => /ERROR|FATAL|error/.test(l)) ?? exec.stderr ?? exec.message;
    throw new KubeError(
      'other',
      oneLine(`ledger query in ${where} failed: ${err || exec.message || 'psql failed'}`, 500),
    );
  }
  if (exec.truncated) throw new KubeError('other', `ledger query in ${where}: output larger than 8 MiB`);
  const [header = [], ...data] = parseCsv(exec.stdout);
  const idx = (name: string): number => header.indexOf(name);
  const rows: UsageEventRow[] = data
    .filter((r) => r.length === header.length)
    .map((r) => ({
      id: r[idx('id')] ?? '',
      tenantId: r[idx('tenantId')] ?? '',
      cpuMs: num(r[idx('cpuMs')]),
      netBytes: num(r[idx('netBytes')]),
      ts: r[idx('ts')] ?? '',
      createdAt: r[idx('createdAt')] ?? '',
    }));
  const truncated = rows.length > limit;
  return { rows: rows.slice(0, limit), truncated, sql, exec };
}
