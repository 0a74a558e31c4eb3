import * as vscode from 'vscode';
import { CONFIG_SECTION, Commands, ContextKeys, Views } from '../constants';
import type { ConnectionState, KubeAdapter, LiveSourceSettings } from '../kube/types';
import { DEFAULT_LIVE_SETTINGS, KubeError } from '../kube/types';
import type { IncidentModel } from '../model/incidentModel';
import { Disposable } from '../util/disposable';
import { LiveSession } from './liveSession';

export const ClusterCommands = { connect: Commands.connect, disconnect: Commands.disconnect } as const;

const SELECTION_KEY = 'pfIncident.cluster.selection';

export interface ClusterSelection {
  context: string;
  namespace: string;
}

/** Reads the live-source locations from settings (defaults from the facts sheet). */
export function liveSettings(namespace?: string): LiveSourceSettings {
  const c = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const str = (k: string, d: string): string => {
    const v = c.get<string>(k);
    return typeof v === 'string' && v.trim() ? v.trim() : d;
  };
  const rollbacks = str('cluster.rollbackResource', 'rollbacks.ops.prov-fabric.io/v1alpha1');
  const m = /^([a-z0-9-]+)\.([a-z0-9.-]+)\/([a-z0-9]+)$/.exec(rollbacks);
  const lookback = c.get<number>('cluster.logLookbackMinutes', 60);
  const botNamespace = namespace ?? str('cluster.botNamespace', DEFAULT_LIVE_SETTINGS.botNamespace);
  return {
    botNamespace,
    botDeployment: str('cluster.botDeployment', DEFAULT_LIVE_SETTINGS.botDeployment),
    botContainer: str('cluster.botContainer', DEFAULT_LIVE_SETTINGS.botContainer),
    rollbackPlural: m?.[1] ?? DEFAULT_LIVE_SETTINGS.rollbackPlural,
    rollbackGroup: m?.[2] ?? DEFAULT_LIVE_SETTINGS.rollbackGroup,
    rollbackVersion: m?.[3] ?? DEFAULT_LIVE_SETTINGS.rollbackVersion,
    maintenanceNamespace: botNamespace,
    maintenanceConfigMap: str('cluster.maintenanceConfigMap', DEFAULT_LIVE_SETTINGS.maintenanceConfigMap),
    eventsNamespace: c.get<string>('cluster.eventsNamespace') ?? botNamespace,
    logLookbackSeconds: Math.max(0, typeof lookback === 'number' && Number.isFinite(lookback) ? lookback : 60) * 60,
  };
}

function stateText(s: ConnectionState): { icon: string; text: string } {
  switch (s.kind) {
    case 'connecting':
      return { icon: '$(sync~spin)', text: 'connecting' };
    case 'connected':
      return s.unavailable?.length
        ? { icon: '$(warning)', text: `connected; not served: ${s.unavailable.map((u) => u.what).join(', ')}` }
        : { icon: '$(cloud)', text: 'connected' };
    case 'disconnected':
      return { icon: '$(debug-disconnect)', text: `disconnected since ${s.since.slice(11, 19)}` };
    case 'forbidden':
      return { icon: '$(lock)', text: `missing ${s.missing.length} permission${s.missing.length === 1 ? '' : 's'}` };
  }
}

/**
 * Picks a kubeconfig context and namespace (remembered per workspace; the kubeconfig's current-context is never
 * changed) and runs one live session against it.
 */
export class ClusterController extends Disposable {
  private session: LiveSession | undefined;
  private adapter: KubeAdapter | undefined;
  private readonly item: vscode.StatusBarItem;
  private readonly changed = this.register(new vscode.EventEmitter<LiveSession | undefined>());
  readonly onDidChangeSession = this.changed.event;

  constructor(
    private readonly loadAdapter: () => Promise<KubeAdapter>,
    private readonly model: IncidentModel,
    private readonly memento: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.item = this.register(
      vscode.window.createStatusBarItem('pfIncident.cluster', vscode.StatusBarAlignment.Left, 51),
    );
    this.item.name = 'PF Incident cluster';
    this.item.command = ClusterCommands.connect;
    this.register(
      vscode.commands.registerCommand(ClusterCommands.connect, (sel?: unknown) =>
        this.connect(isSelection(sel) ? sel : undefined),
      ),
    );
    this.register(vscode.commands.registerCommand(ClusterCommands.disconnect, () => this.disconnect()));
    void vscode.commands.executeCommand('setContext', ContextKeys.connected, false);
  }

  /** The context and namespace last connected to from this workspace, if any. */
  get lastSelection(): ClusterSelection | undefined {
    const v = this.memento.get<unknown>(SELECTION_KEY);
    return isSelection(v) ? v : undefined;
  }

  /** The loaded Kubernetes adapter (after the first connection). */
  get kube(): KubeAdapter | undefined {
    return this.adapter;
  }

  get current(): LiveSession | undefined {
    return this.session;
  }

  private async getAdapter(): Promise<KubeAdapter> {
    this.adapter ??= await this.loadAdapter();
    return this.adapter;
  }

  /**
   * At startup (setting `cluster.autoConnect`): the last context and namespace of this workspace, else the
   * kubeconfig's current context and the configured bot namespace. Quiet when there is no kubeconfig.
   */
  async autoConnect(): Promise<LiveSession | undefined> {
    const last = this.lastSelection;
    if (last) return this.connect(last);
    let adapter: KubeAdapter;
    try {
      adapter = await this.getAdapter();
      const current = adapter.loadKubeconfig().currentContext;
      if (!current) return undefined;
      return this.connect({ context: current, namespace: liveSettings().botNamespace });
    } catch (e) {
      this.log.info(`auto-connect skipped: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  /** Connects to `sel`, or asks for a context and namespace. Returns the session, or undefined if cancelled. */
  async connect(sel?: ClusterSelection): Promise<LiveSession | undefined> {
    let adapter: KubeAdapter;
    try {
      adapter = await this.getAdapter();
    } catch (e) {
      void vscode.window.showErrorMessage(
        `The Kubernetes client could not be loaded: ${e instanceof Error ? e.message : String(e)}`,
      );
      return undefined;
    }
    let selection = sel;
    if (!selection) {
      selection = await this.pick(adapter);
      if (!selection) return undefined;
    }
    await this.memento.update(SELECTION_KEY, selection);
    this.disconnect();
    const session = new LiveSession(
      adapter,
      selection.context,
      liveSettings(selection.namespace),
      this.model,
      this.log,
      (s) => this.showState(s),
    );
    this.session = session;
    this.showState(session.state);
    void vscode.commands.executeCommand('setContext', ContextKeys.connected, true);
    void vscode.commands.executeCommand(`${Views.incidents}.focus`).then(undefined, () => undefined);
    this.changed.fire(session);
    return session;
  }

  private async pick(adapter: KubeAdapter): Promise<ClusterSelection | undefined> {
    let info;
    try {
      info = adapter.loadKubeconfig();
    } catch (e) {
      void vscode.commands.executeCommand('setContext', ContextKeys.kubeconfigMissing, true);
      const msg =
        e instanceof KubeError && e.kind === 'no-kubeconfig'
          ? 'No kubeconfig found (KUBECONFIG or ~/.kube/config).'
          : `The kubeconfig could not be read: ${e instanceof Error ? e.message : String(e)}`;
      const choice = await vscode.window.showWarningMessage(msg, 'Open Demo Incident');
      if (choice) await vscode.commands.executeCommand('pfIncident.demo.open');
      return undefined;
    }
    if (info.contexts.length === 0) {
      void vscode.window.showWarningMessage('The kubeconfig has no contexts.');
      return undefined;
    }
    const last = this.memento.get<ClusterSelection>(SELECTION_KEY);
    const ctx = await vscode.window.showQuickPick(
      info.contexts.map((c) => ({
        label: c.name,
        description: [
          c.name === info.currentContext ? 'current-context' : '',
          c.name === last?.context ? 'last used' : '',
        ]
          .filter(Boolean)
          .join(', '),
        detail: `${c.cluster}${c.server ? ` · ${c.server}` : ''} · user ${c.user}`,
        context: c,
      })),
      { title: 'Connect to cluster: context', placeHolder: 'The kubeconfig file is not changed' },
    );
    if (!ctx) return undefined;
    const defaultNs = last?.context === ctx.context.name ? last.namespace : liveSettings().botNamespace;
    let namespaces: string[] = [];
    try {
      namespaces = await adapter.listNamespaces(ctx.context.name);
    } catch (e) {
      this.log.warn(`listing namespaces in ${ctx.context.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (namespaces.length === 0) {
      const typed = await vscode.window.showInputBox({
        title: 'Namespace of the incident-bot',
        prompt: 'Namespaces could not be listed (forbidden or unreachable); type it',
        value: defaultNs,
        validateInput: (v) =>
          /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v) ? undefined : 'A namespace name (DNS label).',
      });
      return typed ? { context: ctx.context.name, namespace: typed } : undefined;
    }
    const ns = await vscode.window.showQuickPick(
      namespaces
        .map((n) => ({ label: n, description: n === defaultNs ? 'incident-bot (default)' : '' }))
        .sort((a, b) => Number(b.label === defaultNs) - Number(a.label === defaultNs)),
      { title: `Connect to ${ctx.context.name}: namespace of the incident-bot` },
    );
    return ns ? { context: ctx.context.name, namespace: ns.label } : undefined;
  }

  private showState(s: ConnectionState): void {
    if (!this.session) {
      this.item.hide();
      return;
    }
    const t = stateText(s);
    this.item.text = `${t.icon} ${this.session.context} · ${this.session.settings.botNamespace}`;
    this.item.tooltip = `PF Incident: ${this.session.context}, namespace ${this.session.settings.botNamespace}: ${t.text}. Click to switch.`;
    this.item.backgroundColor =
      s.kind === 'disconnected' || s.kind === 'forbidden'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : s.kind === 'connected' && s.unavailable?.length
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.item.show();
  }

  disconnect(): void {
    if (!this.session) return;
    this.session.dispose();
    this.session = undefined;
    this.item.hide();
    void vscode.commands.executeCommand('setContext', ContextKeys.connected, false);
    this.changed.fire(undefined);
  }

  override dispose(): void {
    this.disconnect();
    super.dispose();
  }
}

function isSelection(v: unknown): v is ClusterSelection {
  return (
    !!v &&
    typeof v === 'object' &&
    typeof (v as ClusterSelection).context === 'string' &&
    typeof (v as ClusterSelection).namespace === 'string'
  );
}
