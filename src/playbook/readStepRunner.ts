// Runs a read-only playbook step through the adapter and renders the result as text for a read-only document.
// No vscode import: the cluster tests can call it directly.
import type { ClusterNames } from '../core/playbook/names';
import { stableYaml } from '../core/playbook/diff';
import type { StepCommand, StepId } from '../core/playbook/steps';
import type { KubeActions, PodSummary } from '../kube/actionTypes';
import type { LiveSourceSettings } from '../kube/types';

export interface ReadStepInput {
  command: StepCommand;
  names: ClusterNames;
  capsuleHash?: string;
  tenantId?: string;
  endpoint?: string;
  /** Lookback of log steps, seconds. */
  sinceSeconds?: number;
  /** showMaintenanceStatus: the maintenance ConfigMap's data as the live connection watches it (null: absent). */
  maintenance?: Record<string, string> | null;
}

export interface ReadStepResult {
  text: string;
  language: 'log' | 'yaml' | 'plaintext';
  /** One line for the audit/notification. */
  summary: string;
}

/** The step-name overrides the live settings imply (where the bot and its ConfigMap are). */
export function namesFromSettings(s: LiveSourceSettings): Partial<ClusterNames> {
  return {
    botNamespace: s.botNamespace,
    botDeployment: s.botDeployment,
    botContainer: s.botContainer,
    maintenanceNamespace: s.maintenanceNamespace,
    maintenanceConfigMap: s.maintenanceConfigMap,
    ...(s.eventsNamespace ? { eventsNamespace: s.eventsNamespace } : {}),
  };
}

function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function podTable(pods: readonly PodSummary[]): string {
  return table([
    ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'NODE', 'IP'],
    ...pods.map((p) => [p.namespace, p.name, p.ready, p.phase, String(p.restarts), p.node, p.podIP]),
  ]);
}

type Kube = Pick<
  KubeActions,
  | 'listPodsAllNamespaces'
  | 'listHelmReleases'
  | 'helmHistory'
  | 'listEvents'
  | 'podLogs'
  | 'listNetworkPolicies'
  | 'listEndpointSlices'
  | 'tenantPods'
  | 'listRollbacks'
  | 'probeEndpoint'
  | 'ledgerUsageEvents'
>;

/** Logs of every pod matching the selector in the namespace, `--prefix`-style, optionally only lines containing grep. */
async function logs(
  kube: Kube,
  context: string,
  namespace: string,
  selector: string,
  container: string | undefined,
  sinceSeconds: number,
  grep?: string,
): Promise<{ text: string; pods: number; lines: number }> {
  const pods = (await kube.listPodsAllNamespaces(context, { labelSelector: selector })).filter(
    (p) => p.namespace === namespace,
  );
  const out: string[] = [];
  for (const p of pods) {
    const c = container && p.containers.includes(container) ? container : undefined;
    let l: { text: string; truncated: boolean };
    try {
      l = await kube.podLogs(context, {
        namespace,
        pod: p.name,
        ...(c ? { container: c } : {}),
        timestamps: true,
        sinceSeconds,
      });
    } catch (e) {
      // A missing permission is the step's answer; a pod that has no logs (Pending, gone) is one line of it.
      if ((e as { kind?: string }).kind === 'forbidden') throw e;
      out.push(`[pod/${p.name}] no logs (${p.phase}): ${(e as Error).message?.split('\n')[0] ?? String(e)}`);
      continue;
    }
    for (const line of l.text.split('\n')) {
      if (line === '' || (grep !== undefined && !line.includes(grep))) continue;
      out.push(`[pod/${p.name}/${c ?? p.containers[0] ?? ''}] ${line}`);
    }
    if (l.truncated) out.push(`[pod/${p.name}] … truncated by the API server (limitBytes)`);
  }
  return { text: out.join('\n') + (out.length ? '\n' : ''), pods: pods.length, lines: out.length };
}

const DECISION = /Rollback decision|Executing rollback|Failed to create rollback|Created rollback|rollback/i;

export async function runReadStep(
  kube: Kube,
  context: string,
  id: StepId,
  input: ReadStepInput,
): Promise<ReadStepResult> {
  const n = input.names;
  const since = input.sinceSeconds ?? 6 * 3600;
  const header = `# ${input.command.line}\n# context: ${context}\n\n`;
  const y = (v: unknown, summary: string): ReadStepResult => ({
    text: header + stableYaml(v),
    language: 'yaml',
    summary,
  });
  const botSel = n.botSelector;
  switch (id) {
    case 'showBotLogs': {
      const r = await logs(kube, context, n.botNamespace, botSel, n.botContainer, since, input.capsuleHash ?? '');
      return { text: header + r.text, language: 'log', summary: `${r.lines} lines from ${r.pods} bot pods` };
    }
    case 'showBotDecisions': {
      const r = await logs(kube, context, n.botNamespace, botSel, n.botContainer, since);
      const lines = r.text.split('\n').filter((l) => DECISION.test(l));
      return {
        text: header + lines.join('\n') + '\n',
        language: 'log',
        summary: `${lines.length} decision lines from ${r.pods} bot pods`,
      };
    }
    case 'showSystemStatus': {
      const pods = await kube.listPodsAllNamespaces(context);
      return { text: header + podTable(pods), language: 'plaintext', summary: `${pods.length} pods` };
    }
    case 'showHelmReleases': {
      const r = await kube.listHelmReleases(context);
      return y(r, `${r.length} HelmReleases`);
    }
    case 'showHelmHistory': {
      const r = await kube.helmHistory(context, n.helmRelease, n.helmStorageNamespace);
      return y(r, `${r.length} revisions of ${n.helmRelease}`);
    }
    case 'showCapsule': {
      const hex = (input.capsuleHash ?? '').replace(/^sha256:/, '');
      const [k, v] = n.enforcedPodSelector.split('=');
      const pods = (await kube.listPodsAllNamespaces(context, { labelSelector: n.enforcedPodSelector })).filter((p) =>
        JSON.stringify(p).includes(hex),
      );
      return y(pods, `${pods.length} enforced pods (${k}=${v}) carry the capsule hash`);
    }
    case 'showTenantActivity': {
      const r = await logs(
        kube,
        context,
        n.ledgerNamespace,
        `app=${n.ledgerDeployment}`,
        undefined,
        since,
        input.tenantId ?? '',
      );
      return { text: header + r.text, language: 'log', summary: `${r.lines} ledger lines mention the tenant` };
    }
    case 'queryTenantUsage': {
      const r = await kube.ledgerUsageEvents(context, { tenantId: input.tenantId ?? '' });
      return y({ sql: r.sql, truncated: r.truncated, rows: r.rows }, `${r.rows.length} usage events`);
    }
    case 'showEvents': {
      const r = await kube.listEvents(context, n.eventsNamespace);
      return {
        text:
          header +
          table([
            ['TIME', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
            ...r.map((e) => [e.time, e.type, e.reason, e.object, e.message.replace(/\s+/g, ' ')]),
          ]),
        language: 'plaintext',
        summary: `${r.length} events in ${n.eventsNamespace}`,
      };
    }
    case 'showAttestorLogs': {
      const r = await logs(kube, context, n.attestorNamespace, `app=${n.attestorDeployment}`, undefined, since);
      return { text: header + r.text, language: 'log', summary: `${r.lines} lines from ${r.pods} attestor pods` };
    }
    case 'showSidecarLogs': {
      const r = await logs(kube, context, n.sidecarNamespace, n.enforcedPodSelector, n.sidecarContainer, since);
      return { text: header + r.text, language: 'log', summary: `${r.lines} lines from ${r.pods} pods` };
    }
    case 'showNetworkPolicies': {
      const policies = await kube.listNetworkPolicies(context, n.networkNamespace);
      const slices = await kube.listEndpointSlices(context, n.networkNamespace);
      return y(
        { networkPolicies: policies, endpointSlices: slices },
        `${policies.length} policies, ${slices.length} endpoint slices`,
      );
    }
    case 'showRollbacks': {
      const r = await kube.listRollbacks(context);
      return y(r, `${r.length} Rollbacks`);
    }
    case 'showTenantPods': {
      const r = await kube.tenantPods(context, input.tenantId ?? '');
      return y(r, `${r.length} pods of the tenant`);
    }
    case 'probeCapsuleEndpoint': {
      const r = await kube.probeEndpoint(context, { endpoint: input.endpoint ?? '' });
      return y(r, r.summary);
    }
    case 'showMaintenanceStatus':
      if (input.maintenance !== undefined) {
        return y(
          { configMap: `${n.maintenanceNamespace}/${n.maintenanceConfigMap}`, data: input.maintenance },
          input.maintenance
            ? `${Object.keys(input.maintenance).length} keys (as watched)`
            : 'the ConfigMap does not exist',
        );
      }
      return {
        text: `${header}Not watched on this connection; run the kubectl line above (Run in Terminal).\n`,
        language: 'plaintext',
        summary: 'kubectl only',
      };
    default:
      return {
        text: `${header}This step is not run through the API client; run the kubectl line above (Run in Terminal).\n`,
        language: 'plaintext',
        summary: 'kubectl only',
      };
  }
}
