// Read-only playbook steps: plain data out, KubeError (with the missing permission for a 403) on failure.
import type {
  EndpointSliceSummary,
  EventSummary,
  HelmReleaseSummary,
  HelmRevision,
  KubeObject,
  NetworkPolicySummary,
  PodLogs,
  PodLogsRequest,
  PodSummary,
  RollbackSummary,
  TenantPod,
  TenantPodsOptions,
} from './actionTypes';
import { DEFAULT_TENANT_LABEL_KEYS } from './actionTypes';
import { apiAbsentError, enc, errorFor, query } from './apiRequest';
import type { ApiClient } from './apiRequest';
import { helmHistoryFromSecrets } from './helmSecrets';
import type { SecretLike } from './helmSecrets';
import { KubeError } from './types';

interface List<T> {
  items?: T[];
  metadata?: { continue?: string; resourceVersion?: string };
}

const PAGE = 500;

/** Lists every page of a collection. */
async function listAll<T>(
  api: ApiClient,
  path: string,
  params: Record<string, string | number | undefined>,
  what: string,
  permission: { verb: string; resource: string; group?: string; namespace?: string },
): Promise<T[]> {
  const out: T[] = [];
  let cont: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const { body } = await api.call<List<T>>('GET', `${path}${query({ ...params, limit: PAGE, continue: cont })}`, {
      what,
      permission,
      timeoutMs: 60_000,
    });
    out.push(...(body.items ?? []));
    cont = body.metadata?.continue || undefined;
    if (!cont) break;
  }
  return out;
}

const nsPath = (ns: string | undefined): string => (ns ? `/namespaces/${enc(ns)}` : '');
const str = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : String(v));

// --- pods ------------------------------------------------------------------------------------------------------------

interface PodObj extends KubeObject {
  spec?: { nodeName?: string; containers?: { name?: string; env?: { name?: string; value?: string }[] }[] };
  status?: {
    phase?: string;
    podIP?: string;
    reason?: string;
    containerStatuses?: { name?: string; ready?: boolean; restartCount?: number }[];
  };
}

export function podSummary(p: PodObj): PodSummary {
  const cs = p.status?.containerStatuses ?? [];
  const containers = (p.spec?.containers ?? []).map((c) => c.name ?? '');
  const owner = (p.metadata?.ownerReferences as { kind?: string; name?: string }[] | undefined)?.[0];
  return {
    namespace: p.metadata?.namespace ?? '',
    name: p.metadata?.name ?? '',
    phase: p.status?.reason ?? p.status?.phase ?? '',
    ready: `${cs.filter((c) => c.ready).length}/${containers.length}`,
    restarts: cs.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    node: p.spec?.nodeName ?? '',
    podIP: p.status?.podIP ?? '',
    labels: { ...(p.metadata?.labels ?? {}) },
    containers,
    createdAt: p.metadata?.creationTimestamp ?? '',
    owner: owner ? `${owner.kind ?? ''}/${owner.name ?? ''}` : '',
    deleting: !!p.metadata?.deletionTimestamp,
  };
}

const byNsName = (a: { namespace: string; name: string }, b: { namespace: string; name: string }): number =>
  a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);

export async function listPodsAllNamespaces(api: ApiClient, labelSelector?: string): Promise<PodSummary[]> {
  const pods = await listAll<PodObj>(api, '/api/v1/pods', { labelSelector }, 'list pods in all namespaces', {
    verb: 'list',
    resource: 'pods',
  });
  return pods.map(podSummary).sort(byNsName);
}

// --- HelmReleases / helm history ---------------------------------------------------------------------------------------

interface HelmReleaseObj extends KubeObject {
  spec?: { chart?: { spec?: { chart?: string; version?: string } }; chartRef?: { name?: string }; suspend?: boolean };
  status?: {
    conditions?: { type?: string; status?: string; message?: string }[];
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
    history?: {
      version?: number;
      chartVersion?: string;
      appVersion?: string;
      status?: string;
      lastDeployed?: string;
    }[];
  };
}

export const HELMRELEASE_GV = 'helm.toolkit.fluxcd.io/v2';

export async function listHelmReleases(api: ApiClient, namespace?: string): Promise<HelmReleaseSummary[]> {
  const what = `list helmreleases.helm.toolkit.fluxcd.io${namespace ? ` in ${namespace}` : ' in all namespaces'}`;
  let items: HelmReleaseObj[];
  try {
    items = await listAll<HelmReleaseObj>(api, `/apis/${HELMRELEASE_GV}${nsPath(namespace)}/helmreleases`, {}, what, {
      verb: 'list',
      resource: 'helmreleases',
      group: 'helm.toolkit.fluxcd.io',
      namespace,
    });
  } catch (e) {
    throw await apiAbsentError(
      api,
      HELMRELEASE_GV,
      'helmreleases',
      'Flux (helm-controller with the v2 API) is not installed, so there are no HelmReleases; use the Helm history from the release Secrets instead',
      e as KubeError,
    );
  }
  return items
    .map((h): HelmReleaseSummary => {
      const ready = h.status?.conditions?.find((c) => c.type === 'Ready');
      return {
        namespace: h.metadata?.namespace ?? '',
        name: h.metadata?.name ?? '',
        chart: h.spec?.chart?.spec?.chart ?? h.spec?.chartRef?.name ?? '',
        chartVersion: h.spec?.chart?.spec?.version ?? '',
        ready: ready?.status ?? '',
        message: ready?.message ?? '',
        suspended: !!h.spec?.suspend,
        lastAppliedRevision: h.status?.lastAppliedRevision ?? '',
        history: (h.status?.history ?? []).map((x) => ({
          version: typeof x.version === 'number' ? x.version : 0,
          chartVersion: str(x.chartVersion),
          appVersion: str(x.appVersion),
          status: str(x.status),
          deployed: str(x.lastDeployed),
        })),
        createdAt: h.metadata?.creationTimestamp ?? '',
      };
    })
    .sort(byNsName);
}

export async function helmHistory(api: ApiClient, release: string, namespace: string): Promise<HelmRevision[]> {
  if (!release) throw new KubeError('invalid', 'helm history: no release name');
  const secrets = await listAll<SecretLike>(
    api,
    `/api/v1/namespaces/${enc(namespace)}/secrets`,
    { labelSelector: `owner=helm,name=${release}` },
    `list secrets in ${namespace} (helm history ${release})`,
    { verb: 'list', resource: 'secrets', namespace },
  ).catch((e: KubeError) => {
    // An invalid release name makes an invalid label selector (400).
    if (e.kind === 'invalid') throw new KubeError('invalid', `helm history: "${release}" is not a valid release name`);
    throw e;
  });
  return helmHistoryFromSecrets(secrets);
}

// --- events ------------------------------------------------------------------------------------------------------------

interface EventObj extends KubeObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  involvedObject?: { kind?: string; name?: string };
  lastTimestamp?: string;
  firstTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
}

export function eventTime(e: EventObj): string {
  return (
    e.series?.lastObservedTime ||
    e.lastTimestamp ||
    e.eventTime ||
    e.firstTimestamp ||
    e.metadata?.creationTimestamp ||
    ''
  );
}

export async function listEvents(api: ApiClient, namespace: string): Promise<EventSummary[]> {
  const items = await listAll<EventObj>(
    api,
    `/api/v1/namespaces/${enc(namespace)}/events`,
    {},
    `list events in ${namespace}`,
    { verb: 'list', resource: 'events', namespace },
  );
  return items
    .map((e): EventSummary => ({
      namespace: e.metadata?.namespace ?? namespace,
      name: e.metadata?.name ?? '',
      type: e.type ?? '',
      reason: e.reason ?? '',
      message: e.message ?? '',
      object: `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`,
      count: e.series?.count ?? e.count ?? 1,
      time: eventTime(e),
      source: e.source?.component || e.reportingComponent || '',
    }))
    .sort((a, b) => Date.parse(a.time || '0') - Date.parse(b.time || '0') || a.name.localeCompare(b.name));
}

// --- logs --------------------------------------------------------------------------------------------------------------

const DEFAULT_LOG_BYTES = 1024 * 1024;

export async function podLogs(api: ApiClient, req: PodLogsRequest): Promise<PodLogs> {
  const limitBytes = req.limitBytes ?? DEFAULT_LOG_BYTES;
  const what = `logs of ${req.namespace}/${req.pod}${req.container ? ` (${req.container})` : ''}`;
  const r = await api.raw(
    'GET',
    `/api/v1/namespaces/${enc(req.namespace)}/pods/${enc(req.pod)}/log${query({
      container: req.container,
      tailLines: req.tailLines,
      sinceSeconds: req.sinceSeconds,
      timestamps: req.timestamps ? 'true' : undefined,
      previous: req.previous ? 'true' : undefined,
      limitBytes,
    })}`,
    { what, timeoutMs: 60_000, maxBytes: limitBytes + 64 * 1024 },
  );
  if (r.status !== 200) {
    throw errorFor(r, what, { verb: 'get', resource: 'pods', subresource: 'log', namespace: req.namespace });
  }
  return { text: r.text, truncated: Buffer.byteLength(r.text) >= limitBytes };
}

// --- network -----------------------------------------------------------------------------------------------------------

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key?: string; operator?: string; values?: string[] }[];
}

export function selectorText(s: LabelSelector | undefined): string {
  if (!s) return '';
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const op = e.operator ?? '';
    if (op === 'Exists') parts.push(`${e.key}`);
    else if (op === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${op.toLowerCase()} (${(e.values ?? []).join(',')})`);
  }
  return parts.join(',');
}

interface NetPolObj extends KubeObject {
  spec?: { podSelector?: LabelSelector; policyTypes?: string[]; ingress?: unknown[]; egress?: unknown[] };
}

export async function listNetworkPolicies(api: ApiClient, namespace: string): Promise<NetworkPolicySummary[]> {
  const items = await listAll<NetPolObj>(
    api,
    `/apis/networking.k8s.io/v1/namespaces/${enc(namespace)}/networkpolicies`,
    {},
    `list networkpolicies in ${namespace}`,
    { verb: 'list', resource: 'networkpolicies', group: 'networking.k8s.io', namespace },
  );
  return items
    .map((n) => ({
      namespace: n.metadata?.namespace ?? namespace,
      name: n.metadata?.name ?? '',
      podSelector: selectorText(n.spec?.podSelector) || '(all pods)',
      policyTypes: n.spec?.policyTypes ?? [],
      ingressRules: n.spec?.ingress?.length ?? 0,
      egressRules: n.spec?.egress?.length ?? 0,
      spec: n.spec ?? {},
    }))
    .sort(byNsName);
}

interface SliceObj extends KubeObject {
  addressType?: string;
  ports?: { name?: string; port?: number; protocol?: string }[];
  endpoints?: {
    addresses?: string[];
    conditions?: { ready?: boolean };
    targetRef?: { kind?: string; name?: string };
    nodeName?: string;
  }[];
}

export async function listEndpointSlices(api: ApiClient, namespace: string): Promise<EndpointSliceSummary[]> {
  const items = await listAll<SliceObj>(
    api,
    `/apis/discovery.k8s.io/v1/namespaces/${enc(namespace)}/endpointslices`,
    {},
    `list endpointslices in ${namespace}`,
    { verb: 'list', resource: 'endpointslices', group: 'discovery.k8s.io', namespace },
  );
  return items
    .map((s) => ({
      namespace: s.metadata?.namespace ?? namespace,
      name: s.metadata?.name ?? '',
      service: s.metadata?.labels?.['kubernetes.io/service-name'] ?? '',
      addressType: s.addressType ?? '',
      ports: (s.ports ?? []).map((p) => `${p.name ? `${p.name}:` : ''}${p.port ?? ''}/${p.protocol ?? 'TCP'}`),
      endpoints: (s.endpoints ?? []).map((e) => ({
        addresses: e.addresses ?? [],
        ready: e.conditions?.ready ?? null,
        pod: e.targetRef?.kind === 'Pod' ? (e.targetRef.name ?? '') : '',
        node: e.nodeName ?? '',
      })),
    }))
    .sort(byNsName);
}

// --- tenant pods -------------------------------------------------------------------------------------------------------

/** A valid label value (what a label selector can carry); other tenant ids can only match by env. */
export function isLabelValue(v: string): boolean {
  return v.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v) && v !== '';
}

export async function tenantPods(api: ApiClient, tenantId: string, opts: TenantPodsOptions = {}): Promise<TenantPod[]> {
  if (!tenantId) throw new KubeError('invalid', 'tenant pods: no tenant id');
  const labelKeys = opts.labelKeys ?? DEFAULT_TENANT_LABEL_KEYS;
  const envNames = new Set(opts.envNames ?? ['TENANT_ID']);
  const what = `list pods${opts.namespace ? ` in ${opts.namespace}` : ' in all namespaces'}`;
  const path = opts.namespace ? `/api/v1/namespaces/${enc(opts.namespace)}/pods` : '/api/v1/pods';
  // One list of all pods: label keys and env values are both matched here (one request instead of one per key, and
  // tenant ids that are no valid label value still match by env).
  const pods = await listAll<PodObj>(api, path, {}, what, {
    verb: 'list',
    resource: 'pods',
    namespace: opts.namespace || undefined,
  });
  const out: TenantPod[] = [];
  for (const p of pods) {
    const matchedBy: string[] = [];
    for (const k of labelKeys) if (p.metadata?.labels?.[k] === tenantId) matchedBy.push(`label ${k}`);
    for (const c of p.spec?.containers ?? []) {
      for (const e of c.env ?? []) {
        if (e.name && envNames.has(e.name) && e.value === tenantId) {
          matchedBy.push(`env ${e.name} of container ${c.name}`);
        }
      }
    }
    if (matchedBy.length) out.push({ ...podSummary(p), matchedBy });
  }
  return out.sort(byNsName);
}

// --- Rollbacks ---------------------------------------------------------------------------------------------------------

export const ROLLBACK_GV = 'ops.prov-fabric.io/v1alpha1';

interface RollbackObj extends KubeObject {
  spec?: { targetRelease?: unknown; reason?: unknown; capsuleHash?: unknown; tenantId?: unknown };
  status?: { phase?: unknown; message?: unknown };
}

export async function listRollbacks(api: ApiClient): Promise<RollbackSummary[]> {
  let items: RollbackObj[];
  try {
    items = await listAll<RollbackObj>(api, `/apis/${ROLLBACK_GV}/rollbacks`, {}, 'list rollbacks.ops.prov-fabric.io', {
      verb: 'list',
      resource: 'rollbacks',
      group: 'ops.prov-fabric.io',
    });
  } catch (e) {
    throw await apiAbsentError(
      api,
      ROLLBACK_GV,
      'rollbacks',
      'the Rollback CRD (ops/crd/rollback.yaml) is not installed',
      e as KubeError,
    );
  }
  return items
    .map((r) => ({
      name: r.metadata?.name ?? '',
      targetRelease: str(r.spec?.targetRelease),
      reason: str(r.spec?.reason),
      capsuleHash: str(r.spec?.capsuleHash),
      tenantId: str(r.spec?.tenantId),
      phase: str(r.status?.phase),
      message: str(r.status?.message),
      createdAt: r.metadata?.creationTimestamp ?? '',
      resourceVersion: r.metadata?.resourceVersion ?? '',
    }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
}
