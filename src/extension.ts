import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerExportRules } from './commands/exportRules';
import { BundleOpener } from './commands/openBundle';
import { IncidentLogOpener } from './commands/openIncidentLog';
import { registerIncidentCommands } from './commands/incidentCommands';
import { registerTriageCommands } from './commands/triageCommands';
import { affectsTriage, readTriageConfig, startupLog } from './config';
import { CONFIG_SECTION, Commands, ContextKeys, Views } from './constants';
import { MetricsController } from './metrics/metricsController';
import type { KubeAdapter } from './kube/types';
import { ClusterController } from './live/clusterController';
import { kubeconfigPresent } from './live/kubeconfigPresence';
import type { LiveSession } from './live/liveSession';
import { registerSaveSnapshot } from './live/saveSnapshot';
import { registerIncidentRecords } from './report/registerIncidentRecords';
import { IncidentModel } from './model/incidentModel';
import type { PlaybookApi } from './playbook/registerPlaybook';
import { registerPlaybook } from './playbook/registerPlaybook';
import type { PanelDeps } from './panel/triagePanel';
import { TRIAGE_VIEW_TYPE, TriagePanelSerializer } from './panel/triagePanel';
import { DisagreementDecorations } from './tree/disagreementDecorations';
import { IncidentTreeProvider } from './tree/incidentTreeProvider';
import type { TreeNode } from './tree/nodes';

/** What activate() returns: the integration tests inspect the live model and tree through it. */
export interface PfIncidentApi {
  model: IncidentModel;
  tree: IncidentTreeProvider;
  treeView: vscode.TreeView<TreeNode>;
  opener: IncidentLogOpener;
  bundles: BundleOpener;
  panelDeps: PanelDeps;
  metrics: MetricsController;
  cluster: ClusterController;
  /** Playbook steps: result documents, change locks, the change UI and test seams. */
  playbook: PlaybookApi;
  /** The extension's log folder (the integration tests check that no secret reaches any log). */
  logUri: vscode.Uri;
}

export function activate(context: vscode.ExtensionContext): PfIncidentApi | undefined {
  try {
    return wire(context);
  } catch (e) {
    // VS Code does not tell the user when activation fails; say it ourselves.
    void vscode.window.showErrorMessage(
      `PF Incident Response failed to start: ${e instanceof Error ? e.message : String(e)}`,
    );
    return undefined;
  }
}

function wire(context: vscode.ExtensionContext): PfIncidentApi {
  const log = vscode.window.createOutputChannel('PF Incident Response', { log: true });
  const config = readTriageConfig();
  const model = new IncidentModel(config.thresholds, config.windowMs);
  const tree = new IncidentTreeProvider(model);
  const treeView = vscode.window.createTreeView(Views.incidents, { treeDataProvider: tree, showCollapseAll: true });
  const decorations = new DisagreementDecorations(model);
  const opener = new IncidentLogOpener(model, log, context.extensionUri);
  const bundles = new BundleOpener(model, log, context.extensionUri);
  context.subscriptions.push(
    log,
    model,
    tree,
    treeView,
    decorations,
    vscode.window.registerFileDecorationProvider(decorations),
  );

  const reportConfigProblems = (problems: string[]): void => {
    if (problems.length) {
      void vscode.window.showWarningMessage(
        `PF Incident triage settings are inconsistent (${problems.join('; ')}); using the playbook defaults.`,
      );
    }
  };
  reportConfigProblems(config.problems);
  const retriage = (): void => {
    const c = readTriageConfig();
    reportConfigProblems(c.problems);
    model.setTriageConfig(c.thresholds, c.windowMs);
  };

  const metrics = new MetricsController(bundles.onDidChange, log);
  const panelDeps: PanelDeps = {
    model,
    extensionUri: context.extensionUri,
    memento: context.globalState,
    log,
    metrics,
  };
  // The Kubernetes client is a separate bundle (dist/kube.js), loaded on the first connection.
  const loadAdapter = async (): Promise<KubeAdapter> => {
    const file = path.join(context.extensionPath, 'dist', 'kube.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a runtime path esbuild must not bundle
    const mod = require(file) as { createClientNodeAdapter(): KubeAdapter };
    return mod.createClientNodeAdapter();
  };
  const cluster = new ClusterController(loadAdapter, model, context.workspaceState, log);
  void vscode.commands.executeCommand('setContext', ContextKeys.kubeconfigMissing, !kubeconfigPresent());
  // While connected, the panel's metrics come from the bot itself (a port-forward to its port 3000).
  const followBotMetrics = (session: LiveSession | undefined): void => {
    const kube = cluster.kube;
    metrics.setLiveSource(
      session && kube
        ? {
            description: `incident-bot in ${session.context} · ${session.settings.botNamespace} (port-forward)`,
            scrape: async (signal) => (await kube.scrapeBotMetrics(session.context, session.settings, signal)).text,
          }
        : undefined,
    );
  };
  const playbook = registerPlaybook({ context, model, cluster, log, tree });
  context.subscriptions.push(...playbook.disposables);
  const status = vscode.window.createStatusBarItem('pfIncident.status', vscode.StatusBarAlignment.Left, 50);
  status.name = 'PF Incident Response';
  context.subscriptions.push(
    status,
    metrics,
    cluster,
    cluster.onDidChangeSession(followBotMetrics),
    registerSaveSnapshot(
      () => cluster.current,
      () => metrics.recentScrapes,
    ),
    registerExportRules(),
    registerIncidentRecords({ context, model, cluster, bundles, metrics, log }),
    ...opener.register(),
    ...bundles.register(),
    ...registerIncidentCommands(model, retriage),
    ...registerTriageCommands(model, panelDeps),
    vscode.window.registerWebviewPanelSerializer(TRIAGE_VIEW_TYPE, new TriagePanelSerializer(panelDeps)),
    vscode.workspace.onDidChangeConfiguration((e) => affectsTriage(e) && retriage()),
    model.onDidChange(() => updateViewState(model, treeView, status)),
    treeView.onDidChangeSelection((e) => {
      const node = e.selection[0];
      model.selectedIncidentId = node && 'incidentId' in node ? node.incidentId : undefined;
    }),
  );
  updateViewState(model, treeView, status);
  void openStartupLog(opener, bundles);
  if (vscode.workspace.getConfiguration(CONFIG_SECTION).get<boolean>('cluster.autoConnect')) {
    void cluster.autoConnect();
  }
  return {
    model,
    tree,
    treeView,
    opener,
    bundles,
    panelDeps,
    metrics,
    cluster,
    logUri: context.logUri,
    playbook: playbook.api,
  };
}

function updateViewState(model: IncidentModel, view: vscode.TreeView<TreeNode>, status: vscode.StatusBarItem): void {
  const incidents = model.list();
  void vscode.commands.executeCommand('setContext', ContextKeys.hasIncidents, incidents.length > 0);
  const needing = incidents
    .filter((i) => model.needsAttention(i))
    .sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''));
  const attention = needing.length;
  view.badge = attention
    ? { value: attention, tooltip: `${attention} incident${attention === 1 ? '' : 's'} need attention` }
    : undefined;
  view.description = model.source?.label;
  if (incidents.length === 0) {
    status.hide();
    return;
  }
  status.text = `$(shield) ${attention} need attention · ${incidents.length} incident${incidents.length === 1 ? '' : 's'}`;
  status.tooltip = `${model.source?.label ?? 'Incidents'}: click to triage ${attention ? 'the latest incident that needs attention' : 'an incident'}`;
  status.command = {
    command: Commands.openTriage,
    title: 'Open Triage Panel',
    arguments: needing[0] ? [needing[0].id] : [],
  };
  status.backgroundColor = attention ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  status.show();
}

/** `pfIncident.startup.openLog` names a workspace file to triage as soon as the extension starts (used by the demo). */
async function openStartupLog(opener: IncidentLogOpener, bundles: BundleOpener): Promise<void> {
  const rel = startupLog();
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!rel || !folder) return;
  const uri = path.isAbsolute(rel) ? vscode.Uri.file(rel) : vscode.Uri.joinPath(folder.uri, rel);
  // A folder is a replay bundle; a file is a log, events or Alertmanager input.
  let isDir = false;
  try {
    isDir = (await vscode.workspace.fs.stat(uri)).type === vscode.FileType.Directory;
  } catch {
    // Missing: opener.open reports it.
  }
  if (isDir) await bundles.open(uri);
  else await opener.open(uri);
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
