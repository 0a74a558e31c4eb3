// Scrapes the incident-bot's Prometheus text the way an on-call engineer does with `kubectl port-forward` and curl
// (playbook: `curl http://localhost:3000/metrics | grep incident_bot`), but without a local port: the HTTP request
// is written straight into a port-forward stream to a ready bot pod.
//   1. GET the bot Deployment (its selector), LIST its pods, pick a ready one (Running, Ready=True, not terminating);
//   2. open a port-forward to the pod's HTTP port (the container's PORT env, else its first containerPort, else 3000,
//      the bot's default: fact sheet §1) and send `GET /metrics` through it with node:http (createConnection = the
//      tunnel, so HTTP parsing, chunked bodies and keep-alive rules are node's own);
//   3. on 404 try `/api/v1/metrics` in a fresh tunnel (upstream has no metrics controller; with Nest's global prefix
//      `api/v1` one would sit there: fact sheet §2.10).
// The port-forward itself is opened by the adapter (clientNodeAdapter.ts: client-node's PortForward over WebSocket),
// so this module does not import @kubernetes/client-node. Every failure is a KubeError; a 403 names the missing
// permission (access reviews decide which verb on pods/portforward, see `forbiddenPortForward`).
import http from 'node:http';
import type { Socket } from 'node:net';
import { Duplex, PassThrough, Writable } from 'node:stream';
import type { Readable } from 'node:stream';
import type { HttpTransport } from './httpTransport';
import { labelSelectorString } from './informer';
import { errorFromHttp, oneLine, toKubeError } from './kubeErrors';
import { permissionText } from './liveConnection';
import { KubeError } from './types';
import type { AccessCheck, BotMetricsScrape, LiveSourceSettings } from './types';

/** Hands node:http the port-forward tunnel as the connection of one request. */
class TunnelAgent extends http.Agent {
  constructor(private readonly tunnel: Duplex) {
    super({ keepAlive: false, maxSockets: 1 });
  }

  override createConnection(): Socket {
    return this.tunnel as unknown as Socket;
  }
}

/** The streams of one port-forward: what the pod sends (data and error channel) and what we send it. */
export interface PortForwardStreams {
  output: Writable;
  error: Writable;
  input: Readable;
}

/** An open port-forward (one stream pair to one pod port). */
export interface PortForwardTunnel {
  close(): void;
  /** Called once when the tunnel closes from either side. */
  onClose(fn: () => void): void;
}

export type OpenPortForward = (
  namespace: string,
  pod: string,
  port: number,
  streams: PortForwardStreams,
) => Promise<PortForwardTunnel>;

export interface ScrapeDeps {
  transport: HttpTransport;
  openPortForward: OpenPortForward;
  /** SelfSubjectAccessReview, to name the missing permission after a 403 on the port-forward. */
  canI?(check: AccessCheck): Promise<{ allowed: boolean; reason?: string }>;
}

export interface ScrapeOptions {
  signal?: AbortSignal;
  /** Paths tried in order; the next one only after a 404. */
  paths?: readonly string[];
  /** Overrides the port read from the pod. */
  port?: number;
  /** Per HTTP request through the tunnel (default 15 s). */
  timeoutMs?: number;
  /** Largest exposition accepted (default 32 MiB: the rollbacks counter has one series per capsule). */
  maxBytes?: number;
}

export const METRICS_PATHS: readonly string[] = ['/metrics', '/api/v1/metrics'];
export const DEFAULT_BOT_PORT = 3000;
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

interface PodLike {
  metadata?: { name?: string; deletionTimestamp?: string; creationTimestamp?: string };
  spec?: {
    containers?: { name?: string; ports?: { containerPort?: number }[]; env?: { name?: string; value?: string }[] }[];
  };
  status?: { phase?: string; conditions?: { type?: string; status?: string }[] };
}

interface DeploymentLike {
  spec?: {
    selector?: {
      matchLabels?: Record<string, string>;
      matchExpressions?: { key: string; operator: string; values?: string[] }[];
    };
  };
}

function isReady(p: PodLike): boolean {
  return (
    p.status?.phase === 'Running' &&
    !p.metadata?.deletionTimestamp &&
    !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** The port the bot listens on: its literal PORT env, else the container's first declared port, else 3000. */
export function botPort(pod: PodLike, container: string): number {
  const c = pod.spec?.containers?.find((x) => x.name === container) ?? pod.spec?.containers?.[0];
  const env = Number(c?.env?.find((e) => e.name === 'PORT')?.value);
  if (Number.isInteger(env) && env > 0 && env < 65536) return env;
  const declared = c?.ports?.[0]?.containerPort;
  return declared && declared > 0 ? declared : DEFAULT_BOT_PORT;
}

function forbidden(err: KubeError, missing: string): KubeError {
  return err.kind === 'forbidden' ? new KubeError('forbidden', err.message, err.status, missing) : err;
}

/** A ready pod of the bot Deployment (newest first when several are ready, so a rollout's new pod wins). */
export async function findReadyBotPod(
  transport: HttpTransport,
  s: LiveSourceSettings,
  signal?: AbortSignal,
): Promise<PodLike & { metadata: { name: string } }> {
  const ns = encodeURIComponent(s.botNamespace);
  let dep: DeploymentLike;
  try {
    dep = await transport.json<DeploymentLike>(
      `/apis/apps/v1/namespaces/${ns}/deployments/${encodeURIComponent(s.botDeployment)}`,
      { signal, what: `get deployment ${s.botNamespace}/${s.botDeployment}` },
    );
  } catch (e) {
    const err = toKubeError(e);
    if (err.kind === 'not-found') {
      throw new KubeError('not-found', `No Deployment ${s.botDeployment} in ${s.botNamespace}`, err.status);
    }
    throw forbidden(err, `get deployments.apps in ${s.botNamespace}`);
  }
  const sel = dep.spec?.selector;
  const selector = sel ? labelSelectorString(sel) : '';
  if (!selector) throw new KubeError('invalid', `Deployment ${s.botNamespace}/${s.botDeployment} has no selector`);
  let pods: PodLike[];
  try {
    const list = await transport.json<{ items?: PodLike[] }>(
      `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`,
      { signal, what: `list pods in ${s.botNamespace}` },
    );
    pods = list.items ?? [];
  } catch (e) {
    throw forbidden(toKubeError(e), `list pods in ${s.botNamespace}`);
  }
  const ready = pods
    .filter(isReady)
    .filter((p): p is PodLike & { metadata: { name: string } } => !!p.metadata?.name)
    .sort(
      (a, b) =>
        (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') ||
        a.metadata.name.localeCompare(b.metadata.name),
    );
  const pod = ready[0];
  if (!pod) {
    throw new KubeError(
      'not-found',
      `No ready pod of deployment ${s.botNamespace}/${s.botDeployment} (selector ${selector}: ${pods.length} pod${pods.length === 1 ? '' : 's'}, none ready)`,
    );
  }
  return pod;
}

/**
 * After a 403 on the port-forward: which verb on pods/portforward is missing. Since Kubernetes 1.30 a WebSocket
 * port-forward (what client-node opens) is an HTTP GET and is authorised as `get`; kubectl's SPDY port-forward is a
 * POST, authorised as `create` (and from 1.35 WebSocket upgrades may need `create` as well). The access reviews say
 * which of the two this user lacks; without them, both are named.
 */
async function forbiddenPortForward(deps: ScrapeDeps, err: KubeError, ns: string): Promise<KubeError> {
  const checks: AccessCheck[] = ['create', 'get'].map((verb) => ({
    verb,
    resource: 'pods',
    subresource: 'portforward',
    group: '',
    namespace: ns,
  }));
  let denied = checks;
  if (deps.canI) {
    const results = await Promise.all(
      checks.map((c) =>
        deps.canI!(c).then(
          (r) => r.allowed,
          () => false,
        ),
      ),
    );
    const d = checks.filter((_, i) => !results[i]);
    if (d.length) denied = d;
  }
  const missing = denied.map(permissionText).join(', ');
  return new KubeError('forbidden', oneLine(`${err.message} (missing: ${missing})`), err.status ?? 403, missing);
}

/** ws reports a refused upgrade as "Unexpected server response: 403". */
function upgradeError(e: unknown, what: string, server: string): KubeError {
  const msg =
    e instanceof Error
      ? e.message
      : typeof e === 'object' && e
        ? String((e as { message?: unknown }).message)
        : String(e);
  const m = /Unexpected server response: (\d{3})/.exec(msg);
  if (m) return errorFromHttp(Number(m[1]), undefined, what);
  return toKubeError(e, what, server);
}

interface TunnelResponse {
  status: number;
  body: string;
}

/** One HTTP GET through a fresh port-forward to pod:port. */
async function getThroughTunnel(
  deps: ScrapeDeps,
  ns: string,
  pod: string,
  port: number,
  path: string,
  opts: Required<Pick<ScrapeOptions, 'timeoutMs' | 'maxBytes'>> & { signal?: AbortSignal },
): Promise<TunnelResponse> {
  const what = `port-forward to pod ${ns}/${pod}:${port}`;
  const toPod = new PassThrough();
  const fromPod = new PassThrough();
  let errText = '';
  const errSink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (errText.length < 4096) errText += chunk.toString('utf8');
      cb();
    },
  });
  if (opts.signal?.aborted) throw new KubeError('other', 'aborted');
  let tunnel: PortForwardTunnel;
  try {
    deps.transport.requests++;
    tunnel = await deps.openPortForward(ns, pod, port, { output: fromPod, error: errSink, input: toPod });
  } catch (e) {
    const err = upgradeError(e, what, deps.transport.server);
    if (err.kind === 'forbidden') throw await forbiddenPortForward(deps, err, ns);
    throw err;
  }
  let closed = false;
  // The tunnel as a socket for node:http. Nothing ends `toPod`: client-node closes the WebSocket when its input
  // ends, which would cut the response short.
  const socket = new Duplex({
    read() {
      /* pushed from fromPod */
    },
    write(chunk: Buffer, _enc, cb) {
      if (closed) return cb(new Error('port-forward closed'));
      toPod.write(chunk, () => cb());
    },
    final(cb) {
      cb();
    },
  });
  fromPod.on('data', (d: Buffer) => socket.push(d));
  const endSocket = (): void => {
    if (closed) return;
    closed = true;
    socket.push(null);
  };
  fromPod.on('end', endSocket);
  tunnel.onClose(endSocket);
  try {
    return await new Promise<TunnelResponse>((resolve, reject) => {
      let settled = false;
      const finish = (err: KubeError | null, res?: TunnelResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(res!);
      };
      const req = http.request({
        method: 'GET',
        path,
        host: 'localhost',
        port,
        headers: {
          Accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1',
          Connection: 'close',
          'User-Agent': 'pf-incident-response',
        },
        // An agent of our own, not `createConnection`: VS Code's extension host patches node:http so that
        // requests without an explicit agent go through its proxy agent, which dials host:port itself (here
        // localhost:3000 on the engineer's machine) and never uses the tunnel.
        agent: new TunnelAgent(socket),
      });
      const lost = (how: string): KubeError =>
        new KubeError('unreachable', oneLine(`${what}: ${errText.trim() ? errText.trim() : how}`));
      const onAbort = (): void => {
        req.destroy();
        finish(new KubeError('other', 'aborted'));
      };
      const timer = setTimeout(() => {
        req.destroy();
        finish(
          new KubeError('timeout', `GET ${path} through ${what}: no complete answer within ${opts.timeoutMs / 1000} s`),
        );
      }, opts.timeoutMs);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          size += d.length;
          if (size > opts.maxBytes) {
            req.destroy();
            finish(new KubeError('other', `GET ${path} through ${what}: more than ${opts.maxBytes} bytes`));
            return;
          }
          chunks.push(d);
        });
        res.on('end', () =>
          finish(null, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('aborted', () => finish(lost('the connection closed before the response ended')));
        res.on('error', () => finish(lost('the connection closed before the response ended')));
      });
      req.on('error', (e) => finish(lost(e.message || 'no response')));
      req.end();
    });
  } finally {
    tunnel.close();
  }
}

/** The exposition text of a ready incident-bot pod, through a port-forward (see the file comment). */
export async function scrapeBotMetricsVia(
  deps: ScrapeDeps,
  settings: LiveSourceSettings,
  options: ScrapeOptions = {},
): Promise<BotMetricsScrape> {
  const pod = await findReadyBotPod(deps.transport, settings, options.signal);
  const name = pod.metadata.name;
  const port = options.port ?? botPort(pod, settings.botContainer);
  const paths = options.paths ?? METRICS_PATHS;
  const opts = {
    signal: options.signal,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
  };
  const tried: string[] = [];
  for (const path of paths) {
    const r = await getThroughTunnel(deps, settings.botNamespace, name, port, path, opts);
    if (r.status >= 200 && r.status < 300) {
      return { text: r.body, pod: name, namespace: settings.botNamespace, port, path, tried: [...tried, path] };
    }
    tried.push(path);
    if (r.status === 404) continue;
    throw new KubeError(
      r.status >= 500 ? 'unreachable' : 'other',
      oneLine(`GET ${path} on pod ${settings.botNamespace}/${name}:${port}: HTTP ${r.status} ${r.body}`),
      r.status,
    );
  }
  throw new KubeError(
    'not-found',
    `pod ${settings.botNamespace}/${name}:${port} serves no metrics (${tried.join(' and ')}: HTTP 404)`,
    404,
  );
}
