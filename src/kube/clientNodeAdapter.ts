// The KubeAdapter on top of @kubernetes/client-node 2.x: the ONLY module that imports it (ESLint enforces this for
// the pure core; keep it so everywhere). client-node 2.x needs Node >= 22.19 (undici 8), which VS Code's extension
// host has; the Node 20 unit tests never load this module.
//
// What client-node does here: kubeconfig parsing (KubeConfig.loadFromFile, paths made absolute per file), and
// authentication for every request (client certificates, tokens, exec/OIDC/cloud auth plugins, proxies, TLS server
// name) through KubeConfig.applyToHTTPSOptions(); the typed CoreV1Api/AuthorizationV1Api for listNamespaces() and
// canI(). The live connection's lists, watches and log streams are plain node:https requests carrying that
// authentication (see httpTransport.ts and informer.ts for why not client-node's Watch/Log/makeInformer).
//
// The kubeconfig files are only ever read. Selecting a context sets it on a fresh in-memory KubeConfig per call /
// connection; nothing is written back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type https from 'node:https';
import { AuthorizationV1Api, CoreV1Api, Exec, KubeConfig, PortForward } from '@kubernetes/client-node';
import type { Cluster, Context, User } from '@kubernetes/client-node';
import { createKubeActions } from './actions';
import type { ActionDeps } from './actions';
import type { ExecOpener } from './exec';
import { HttpTransport } from './httpTransport';
import { oneLine, toKubeError } from './kubeErrors';
import { FailedConnection, LiveConnection, permissionText } from './liveConnection';
import { scrapeBotMetricsVia } from './portForwardScrape';
import type { PortForwardStreams, PortForwardTunnel } from './portForwardScrape';
import { KubeError } from './types';
import type {
  AccessCheck,
  BotMetricsScrape,
  ClusterConnection,
  ContextInfo,
  KubeAdapter,
  KubeconfigInfo,
  LiveCallbacks,
  LiveSourceSettings,
} from './types';

export interface ClientNodeAdapterOptions {
  /** Kubeconfig files to merge instead of the default locations (KUBECONFIG, else ~/.kube/config). */
  kubeconfigPaths?: string[];
}

const API_TIMEOUT_MS = 20_000;

interface Loaded {
  kc: KubeConfig;
  files: string[];
}

function candidateFiles(opts: ClientNodeAdapterOptions): { files: string[]; where: string } {
  if (opts.kubeconfigPaths && opts.kubeconfigPaths.length) {
    return { files: opts.kubeconfigPaths, where: opts.kubeconfigPaths.join(path.delimiter) };
  }
  const env = process.env.KUBECONFIG;
  if (env && env.trim()) {
    return { files: env.split(path.delimiter).filter((f) => f.trim()), where: `KUBECONFIG=${env}` };
  }
  const def = path.join(os.homedir(), '.kube', 'config');
  return { files: [def], where: def };
}

function isFile(f: string): boolean {
  try {
    return fs.statSync(f).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads and merges the kubeconfig files the way kubectl does: files that do not exist are skipped; for clusters,
 * users and contexts the first file that defines a name wins; current-context comes from the first file that sets
 * one. (client-node's own loadFromDefault() throws on a name defined in two files and falls back to in-cluster or
 * http://localhost:8080 when nothing is found; neither is wanted in an editor.)
 */
function loadMerged(opts: ClientNodeAdapterOptions): Loaded {
  const { files, where } = candidateFiles(opts);
  const existing = [...new Set(files.map((f) => path.resolve(f)))].filter(isFile);
  if (!existing.length) throw new KubeError('no-kubeconfig', `No kubeconfig found (${where})`);
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let current = '';
  for (const file of existing) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new KubeError('invalid', oneLine(`${file}: ${e instanceof Error ? e.message : String(e)}`));
    }
    if (!text.trim()) continue;
    const kc = new KubeConfig();
    try {
      kc.loadFromString(text, { onInvalidEntry: 'filter' });
      kc.makePathsAbsolute(path.dirname(file));
    } catch (e) {
      throw new KubeError('invalid', oneLine(`${file}: ${e instanceof Error ? e.message : String(e)}`));
    }
    for (const c of kc.getClusters() ?? []) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.getUsers() ?? []) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of kc.getContexts() ?? []) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (!current && kc.getCurrentContext()) current = kc.getCurrentContext();
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext: current,
  });
  return { kc, files: existing };
}

/** A KubeConfig of its own with `context` selected (in memory only). */
function configFor(opts: ClientNodeAdapterOptions, context: string): { kc: KubeConfig; server: string } {
  const { kc } = loadMerged(opts);
  const ctx = kc.getContextObject(context);
  if (!ctx) throw new KubeError('not-found', `Context "${context}" is not in the kubeconfig`);
  kc.setCurrentContext(context);
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new KubeError('invalid', `Context "${context}" refers to cluster "${ctx.cluster}", which is not defined`);
  }
  if (!cluster.server) throw new KubeError('invalid', `Cluster "${cluster.name}" has no server`);
  return { kc, server: cluster.server };
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new KubeError('timeout', `${what}: no answer within ${API_TIMEOUT_MS / 1000} s`)),
      API_TIMEOUT_MS,
    );
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** "deployments.apps" -> resource deployments, group apps; "pods/log" -> resource pods, subresource log. */
function normalizeCheck(check: AccessCheck): AccessCheck {
  let { resource, group, subresource } = check;
  if (!subresource && resource.includes('/')) {
    const [r, s] = resource.split('/', 2);
    resource = r ?? resource;
    subresource = s;
  }
  if (group === undefined && resource.includes('.')) {
    const i = resource.indexOf('.');
    group = resource.slice(i + 1);
    resource = resource.slice(0, i);
  }
  return { ...check, resource, group: group ?? '', subresource };
}

async function accessReview(
  kc: KubeConfig,
  server: string,
  check: AccessCheck,
): Promise<{ allowed: boolean; reason?: string }> {
  const c = normalizeCheck(check);
  const api = kc.makeApiClient(AuthorizationV1Api);
  try {
    const review = await withTimeout(
      api.createSelfSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            // `group` must always be sent (also "" for the core group): without it the server checks the core
            // group, so e.g. deployments (apps) come back denied for a user who may use them (Headlamp #1490).
            resourceAttributes: {
              verb: c.verb,
              group: c.group ?? '',
              resource: c.resource,
              ...(c.subresource ? { subresource: c.subresource } : {}),
              ...(c.namespace ? { namespace: c.namespace } : {}),
              ...(c.name ? { name: c.name } : {}),
            },
          },
        },
      }),
      `can-i ${permissionText(c)}`,
    );
    const st = review.status;
    const reason = st?.reason || st?.evaluationError || undefined;
    return reason ? { allowed: !!st?.allowed, reason } : { allowed: !!st?.allowed };
  } catch (e) {
    const err = toKubeError(e, `can-i ${permissionText(c)}`, server);
    if (err.kind === 'forbidden') {
      throw new KubeError('forbidden', err.message, err.status, 'create selfsubjectaccessreviews.authorization.k8s.io');
    }
    throw err;
  }
}

/** One client-node port-forward (WebSocket, v4.channel.k8s.io) to pod:port; see portForwardScrape.ts. */
async function openPortForward(
  kc: KubeConfig,
  namespace: string,
  pod: string,
  port: number,
  s: PortForwardStreams,
): Promise<PortForwardTunnel> {
  const r = await new PortForward(kc, true).portForward(namespace, pod, [port], s.output, s.error, s.input);
  const ws = typeof r === 'function' ? r() : r;
  if (!ws) throw new KubeError('unreachable', `port-forward to pod ${namespace}/${pod}:${port}: no connection`);
  return {
    close: () => ws.close(),
    onClose: (fn) => ws.addEventListener('close', () => fn(), { once: true }),
  };
}

/** Exec over client-node's WebSocket (exec.ts drives it: argv, stdin, timeout, output cap). */
function execOpener(kc: KubeConfig): ExecOpener {
  return async (a) => {
    const ws = await new Exec(kc).exec(
      a.namespace,
      a.pod,
      a.container,
      a.command,
      a.stdout,
      a.stderr,
      a.stdin,
      false,
      a.onStatus,
    );
    return {
      close: () => ws.close(),
      onClose: (fn) => ws.addEventListener('close', () => fn(), { once: true }),
      protocol: ws.protocol,
    };
  };
}

/** What the cluster actions (actions.ts) need for one context. */
function actionDeps(opts: ClientNodeAdapterOptions, context: string): ActionDeps {
  const { kc, server } = configFor(opts, context);
  return {
    context,
    server,
    applyToRequestOptions: (o: https.RequestOptions) => kc.applyToHTTPSOptions(o),
    canI: (check) => accessReview(kc, server, check),
    openExec: execOpener(kc),
  };
}

export function createClientNodeAdapter(opts: ClientNodeAdapterOptions = {}): KubeAdapter {
  return {
    ...createKubeActions((context) => actionDeps(opts, context)),
    loadKubeconfig(): KubeconfigInfo {
      const { kc, files } = loadMerged(opts);
      const contexts: ContextInfo[] = kc.getContexts().map((c) => {
        const info: ContextInfo = { name: c.name, cluster: c.cluster, user: c.user };
        if (c.namespace) info.namespace = c.namespace;
        const server = kc.getCluster(c.cluster)?.server;
        if (server) info.server = server;
        return info;
      });
      return { contexts, currentContext: kc.getCurrentContext() || null, files };
    },

    async listNamespaces(context: string): Promise<string[]> {
      const { kc, server } = configFor(opts, context);
      const api = kc.makeApiClient(CoreV1Api);
      try {
        const list = await withTimeout(api.listNamespace(), 'list namespaces');
        return list.items
          .map((n) => n.metadata?.name ?? '')
          .filter(Boolean)
          .sort();
      } catch (e) {
        const err = toKubeError(e, 'list namespaces', server);
        if (err.kind === 'forbidden') throw new KubeError('forbidden', err.message, err.status, 'list namespaces');
        throw err;
      }
    },

    async canI(context: string, check: AccessCheck): Promise<{ allowed: boolean; reason?: string }> {
      const { kc, server } = configFor(opts, context);
      return accessReview(kc, server, check);
    },

    async scrapeBotMetrics(
      context: string,
      settings: LiveSourceSettings,
      signal?: AbortSignal,
    ): Promise<BotMetricsScrape> {
      const { kc, server } = configFor(opts, context);
      const transport = new HttpTransport({
        server,
        applyToRequestOptions: (o: https.RequestOptions) => kc.applyToHTTPSOptions(o),
      });
      return scrapeBotMetricsVia(
        {
          transport,
          openPortForward: (ns, pod, port, streams) => openPortForward(kc, ns, pod, port, streams),
          canI: (check) => accessReview(kc, server, check),
        },
        settings,
        { signal },
      );
    },

    connect(context: string, settings: LiveSourceSettings, callbacks: LiveCallbacks): ClusterConnection {
      let kc: KubeConfig;
      let server: string;
      try {
        ({ kc, server } = configFor(opts, context));
      } catch (e) {
        return new FailedConnection(context, toKubeError(e), callbacks);
      }
      const transport = new HttpTransport({
        server,
        applyToRequestOptions: (o: https.RequestOptions) => kc.applyToHTTPSOptions(o),
      });
      return new LiveConnection({
        context,
        transport,
        settings,
        callbacks,
        canI: (check) => {
          transport.requests++;
          return accessReview(kc, server, check);
        },
      });
    },
  };
}
