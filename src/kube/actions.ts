// The KubeActions part of the adapter: read steps, exec and mutations for one kubeconfig context per call. The
// adapter (clientNodeAdapter.ts) supplies, per context, the request target (server + client-node's authentication),
// the access review and the exec socket; nothing here imports @kubernetes/client-node.
import type { KubeActions } from './actionTypes';
import { ApiClient } from './apiRequest';
import type { ApiTarget } from './apiRequest';
import { execInPod, ledgerUsageEvents, probeEndpoint } from './exec';
import type { ExecOpener } from './exec';
import { missingPermissions, mutate, requiredPermissions } from './mutations';
import {
  helmHistory,
  listEndpointSlices,
  listEvents,
  listHelmReleases,
  listNetworkPolicies,
  listPodsAllNamespaces,
  listRollbacks,
  podLogs,
  tenantPods,
} from './readSteps';
import type { AccessCheck } from './types';

export interface ActionDeps extends ApiTarget {
  canI(check: AccessCheck): Promise<{ allowed: boolean; reason?: string }>;
  openExec: ExecOpener;
}

export function createKubeActions(depsFor: (context: string) => ActionDeps): KubeActions {
  const api = (context: string): ApiClient => new ApiClient(depsFor(context));
  const execDeps = (context: string): { api: ApiClient; openExec: ExecOpener; canI: ActionDeps['canI'] } => {
    const d = depsFor(context);
    return { api: new ApiClient(d), openExec: d.openExec, canI: d.canI };
  };
  return {
    listPodsAllNamespaces: async (context, opts) => listPodsAllNamespaces(api(context), opts?.labelSelector),
    listHelmReleases: async (context, namespace) => listHelmReleases(api(context), namespace),
    helmHistory: async (context, release, namespace) => helmHistory(api(context), release, namespace),
    listEvents: async (context, namespace) => listEvents(api(context), namespace),
    podLogs: async (context, req) => podLogs(api(context), req),
    listNetworkPolicies: async (context, namespace) => listNetworkPolicies(api(context), namespace),
    listEndpointSlices: async (context, namespace) => listEndpointSlices(api(context), namespace),
    tenantPods: async (context, tenantId, opts) => tenantPods(api(context), tenantId, opts),
    listRollbacks: async (context) => listRollbacks(api(context)),
    exec: async (context, req) => execInPod(execDeps(context), req),
    probeEndpoint: async (context, req) => probeEndpoint(execDeps(context), req),
    ledgerUsageEvents: async (context, req) => ledgerUsageEvents(execDeps(context), req),
    mutate: async (context, req, opts) => mutate(api(context), req, opts),
    missingPermissions: async (context, req) =>
      missingPermissions(depsFor(context).canI, Array.isArray(req) ? req : requiredPermissions(req)),
  };
}
