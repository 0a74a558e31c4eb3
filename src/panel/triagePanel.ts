import * as vscode from 'vscode';
import type { Incident } from '../core/incidents';
import { Commands } from '../constants';
import { fnv1a64 } from '../core/hash';
import { chartLabelChanges, triageChartSource } from '../core/mermaidChart';
import { DEFAULT_THRESHOLDS } from '../core/thresholds';
import type { NodeId } from '../core/flowchart';
import type { IncidentModel } from '../model/incidentModel';
import type { ChartTheme, PrerenderedChartFile } from '../shared/chartSvg';
import { chartSourceHash, parsePrerenderedChartFile } from '../shared/chartSvg';
import type { ChartLabel, ChartView, HostToWebview, MetricsView, WebviewToHost } from '../shared/protocol';
import { isPanelState, parseWebviewMessage } from '../shared/protocol';
import { Disposable } from '../util/disposable';
import { panelHtml } from './html';
import { incidentChoices, incidentView } from './incidentView';
import { STEP_COMMANDS } from './stepCommands';

export const TRIAGE_VIEW_TYPE = 'pfIncident.triagePanel';
const SVG_CACHE_KEY = 'pfIncident.chartSvgCache';
const PRERENDERED = ['media', 'prerendered', 'flowchart.json'] as const;

let prerenderedLoad: Promise<PrerenderedChartFile | null> | undefined;

/**
 * The flowcharts shipped prerendered for the default thresholds (`npm run prerender-chart`), read once per
 * extension host. Without them (a broken package) the panel still works: it renders with mermaid.
 */
function loadPrerendered(extensionUri: vscode.Uri, log: vscode.LogOutputChannel): Promise<PrerenderedChartFile | null> {
  prerenderedLoad ??= (async () => {
    const uri = vscode.Uri.joinPath(extensionUri, ...PRERENDERED);
    try {
      const file = parsePrerenderedChartFile(
        JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri))),
      );
      if (!file) log.warn(`${uri.fsPath} is not a prerendered flowchart file; the triage panel renders with mermaid.`);
      return file;
    } catch (e) {
      log.warn(
        `No prerendered flowchart (${e instanceof Error ? e.message : String(e)}); the triage panel renders with mermaid.`,
      );
      return null;
    }
  })();
  return prerenderedLoad;
}

/** VS Code's theme kinds as the mermaid theme the chart is drawn with. */
function chartTheme(kind: vscode.ColorThemeKind): ChartTheme {
  return kind === vscode.ColorThemeKind.Light || kind === vscode.ColorThemeKind.HighContrastLight ? 'default' : 'dark';
}

export interface PanelDeps {
  model: IncidentModel;
  extensionUri: vscode.Uri;
  /** Where rendered flowcharts are kept across panels and restarts (globalState). */
  memento: vscode.Memento;
  log: vscode.LogOutputChannel;
  /** Metrics for the panel; started while the panel is visible. */
  metrics?: { onDidUpdate: vscode.Event<MetricsView>; start(): void; stop(): void; current(): MetricsView | undefined };
}

/** Timings the webview reports (panel open → SVG, incident switch → highlight), kept for the benchmark. */
export const panelTimings: { name: string; ms: number }[] = [];

/** The triage panel: the playbook's flowchart with one incident's path, its explanation and the bot's metrics. */
export class TriagePanel extends Disposable {
  private static current: TriagePanel | undefined;
  private ready = false;
  private readonly queue: HostToWebview[] = [];
  private chartKey = '';
  private prerendered: PrerenderedChartFile | null = null;
  private readonly prerenderedReady: Promise<void>;

  static show(deps: PanelDeps, incidentId: string): TriagePanel {
    if (TriagePanel.current && !TriagePanel.current.isDisposed) {
      TriagePanel.current.setIncident(incidentId);
      TriagePanel.current.panel.reveal(undefined, false);
      return TriagePanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      TRIAGE_VIEW_TYPE,
      'Triage',
      vscode.ViewColumn.Active,
      TriagePanel.options(deps.extensionUri),
    );
    TriagePanel.current = new TriagePanel(panel, deps, incidentId);
    return TriagePanel.current;
  }

  static get active(): TriagePanel | undefined {
    return TriagePanel.current && !TriagePanel.current.isDisposed ? TriagePanel.current : undefined;
  }

  static options(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    // No retainContextWhenHidden: the state is rebuilt from the model and getState/setState.
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')] };
  }

  /** Serializer entry: a panel VS Code restored after a reload. */
  static revive(panel: vscode.WebviewPanel, deps: PanelDeps, state: unknown): TriagePanel {
    const id = isPanelState(state) ? state.incidentId : '';
    panel.webview.options = TriagePanel.options(deps.extensionUri);
    TriagePanel.current = new TriagePanel(panel, deps, id);
    // After a reload the incidents are usually loaded after the panel comes back: wait for this one.
    TriagePanel.current.restoring = id || undefined;
    return TriagePanel.current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: PanelDeps,
    private incidentId: string,
  ) {
    super();
    // Read while the webview starts, so the first "show" does not wait for it.
    this.prerenderedReady = loadPrerendered(deps.extensionUri, deps.log).then((f) => {
      this.prerendered = f;
    });
    this.register(panel);
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'icons', 'incidents.svg');
    panel.webview.html = panelHtml(panel.webview, vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webview'));
    this.register(panel.onDidDispose(() => this.dispose()));
    this.register(panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)));
    this.register(deps.model.onDidChange((c) => this.onModelChange(c.changed?.map((i) => i.id))));
    this.register(vscode.window.onDidChangeActiveColorTheme(() => this.postChart()));
    this.register(panel.onDidChangeViewState(() => this.updateMetricsActivity()));
    if (deps.metrics) {
      const m = deps.metrics;
      this.register(m.onDidUpdate((v) => this.post({ type: 'metrics', metrics: v })));
    }
    this.updateTitle();
  }

  /** The incident a revived panel showed before the reload, until it is loaded again or another is picked. */
  private restoring: string | undefined;

  /** Tenants as the tree shows them (a linked Rollback's when the events name none). */
  private readonly tenantOf = (inc: Incident): string | undefined => this.deps.model.tenantOf(inc);

  get currentIncidentId(): string {
    return this.incidentId;
  }

  setIncident(id: string): void {
    this.restoring = undefined;
    this.incidentId = id;
    this.updateTitle();
    const inc = this.deps.model.get(id);
    if (!inc) {
      this.post({
        type: 'gone',
        message: 'This incident is no longer loaded. Open an incident log or pick another incident.',
      });
      return;
    }
    this.post({
      type: 'incident',
      incident: incidentView(inc, this.deps.model.currentThresholds, this.tenantOf),
      incidents: incidentChoices(this.deps.model.list(), this.deps.model.currentThresholds, this.tenantOf),
    });
  }

  private updateTitle(): void {
    const inc = this.deps.model.get(this.incidentId);
    this.panel.title = inc ? `Triage: ${incidentView(inc, this.deps.model.currentThresholds).shortHash}` : 'Triage';
  }

  private chart(): ChartView {
    const t = this.deps.model.currentThresholds;
    const source = triageChartSource(t);
    const theme = chartTheme(vscode.window.activeColorTheme.kind);
    // The mermaid version is part of the key: SVGs cached by an older release (older mermaid) are not reused.
    const mermaidVersion = this.prerendered?.mermaidVersion ?? '';
    return {
      key: `chart-${fnv1a64(`${source}|${theme}|${mermaidVersion}`)}`,
      source,
      theme,
      thresholdsText: `risk < ${t.riskLow} low, ${t.riskLow}–${t.riskHigh} medium, > ${t.riskHigh} high; ${t.missThreshold} misses; bot: risk >= ${t.botRiskThreshold} or misses >= ${t.botMissThreshold}`,
    };
  }

  private cachedSvg(key: string): string | undefined {
    const cache = this.deps.memento.get<Record<string, string>>(SVG_CACHE_KEY) ?? {};
    return cache[key];
  }

  /**
   * The SVG sent with a chart: this machine's own render when it has one, else the prerendered one when the chart
   * is the prerendered chart (default thresholds), else the prerendered one with the labels to rewrite when the
   * chart differs from it in label texts only (other thresholds: the webview shows it provisionally and redraws
   * it with mermaid), else none (the webview renders with mermaid).
   */
  private svgFor(chart: ChartView): { cachedSvg?: string; prerendered?: boolean; relabel?: ChartLabel[] } {
    const cached = this.cachedSvg(chart.key);
    if (cached) return { cachedSvg: cached };
    const pre = this.prerendered?.charts[chart.theme];
    if (!pre) return {};
    if (pre.sourceHash === chartSourceHash(chart.source)) return { cachedSvg: pre.svg, prerendered: true };
    // The source the shipped SVG was drawn from: the default thresholds' chart, when its hash says so.
    const base = triageChartSource(DEFAULT_THRESHOLDS);
    if (pre.sourceHash !== chartSourceHash(base)) return {};
    const relabel = chartLabelChanges(base, chart.source);
    return relabel ? { cachedSvg: pre.svg, prerendered: true, relabel } : {};
  }

  private async storeSvg(key: string, svg: string): Promise<void> {
    const cache = { ...(this.deps.memento.get<Record<string, string>>(SVG_CACHE_KEY) ?? {}) };
    cache[key] = svg;
    // A few themes and threshold sets at most; drop the oldest beyond that.
    const keys = Object.keys(cache);
    for (const k of keys.slice(0, Math.max(0, keys.length - 6))) delete cache[k];
    await this.deps.memento.update(SVG_CACHE_KEY, cache);
  }

  private postChart(): void {
    const chart = this.chart();
    if (chart.key === this.chartKey) return;
    this.chartKey = chart.key;
    this.post({ type: 'chart', chart, ...this.svgFor(chart) });
  }

  private async clickable(): Promise<NodeId[]> {
    const registered = new Set(await vscode.commands.getCommands(true));
    return (Object.entries(STEP_COMMANDS) as [NodeId, { command: string }][])
      .filter(([, s]) => registered.has(s.command))
      .map(([n]) => n);
  }

  private async sendAll(): Promise<void> {
    await this.prerenderedReady;
    const inc = this.deps.model.get(this.incidentId) ?? this.deps.model.list()[0];
    const chart = this.chart();
    this.chartKey = chart.key;
    const svg = this.svgFor(chart);
    if (!inc) {
      this.post({ type: 'chart', chart, ...svg });
      this.post({ type: 'gone', message: 'No incidents are loaded. Open an incident log first.' });
      return;
    }
    this.incidentId = inc.id;
    this.updateTitle();
    this.post({
      type: 'show',
      incident: incidentView(inc, this.deps.model.currentThresholds, this.tenantOf),
      chart,
      ...svg,
      clickable: await this.clickable(),
      incidents: incidentChoices(this.deps.model.list(), this.deps.model.currentThresholds, this.tenantOf),
    });
    const m = this.deps.metrics?.current();
    if (m) this.post({ type: 'metrics', metrics: m });
  }

  private post(msg: HostToWebview): void {
    if (!this.ready) {
      // Replace an older message of the same type: only the latest state matters.
      const i = this.queue.findIndex((q) => q.type === msg.type);
      if (i >= 0) this.queue.splice(i, 1);
      this.queue.push(msg);
      return;
    }
    void this.panel.webview.postMessage(msg);
  }

  private onModelChange(changedIds: string[] | undefined): void {
    if (!this.ready) return;
    this.postChart();
    if (this.restoring && this.deps.model.get(this.restoring)) {
      this.setIncident(this.restoring);
      return;
    }
    if (!changedIds || changedIds.includes(this.incidentId)) this.setIncident(this.incidentId);
  }

  private updateMetricsActivity(): void {
    if (!this.deps.metrics) return;
    // No scraping while nobody looks at the panel.
    if (this.panel.visible) this.deps.metrics.start();
    else this.deps.metrics.stop();
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m: WebviewToHost | null = parseWebviewMessage(raw);
    if (!m) {
      this.deps.log.warn('Ignored a malformed message from the triage webview.');
      return;
    }
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (m.incidentId && !this.deps.model.get(this.incidentId)) {
          if (this.deps.model.get(m.incidentId)) this.incidentId = m.incidentId;
          else this.restoring ??= m.incidentId;
        }
        await this.sendAll();
        for (const q of this.queue.splice(0)) {
          if (q.type !== 'show' && q.type !== 'chart' && q.type !== 'incident') void this.panel.webview.postMessage(q);
        }
        this.updateMetricsActivity();
        return;
      case 'svgRendered':
        if (m.key === this.chartKey) await this.storeSvg(m.key, m.svg);
        panelTimings.push({ name: 'mermaid-render', ms: m.ms });
        return;
      case 'runStep': {
        const step = STEP_COMMANDS[m.node];
        if (step) await vscode.commands.executeCommand(step.command, this.incidentId, m.node);
        return;
      }
      case 'override':
        await vscode.commands.executeCommand(
          m.action === 'confirmLegitimate' ? Commands.confirmLegitimate : Commands.markFalsePositive,
          this.incidentId,
        );
        return;
      case 'selectIncident':
        if (this.deps.model.get(m.id)) this.setIncident(m.id);
        return;
      case 'timing':
        panelTimings.push({ name: m.name, ms: m.ms });
        if (panelTimings.length > 1000) panelTimings.splice(0, panelTimings.length - 1000);
        return;
      case 'log':
        if (m.level === 'error') this.deps.log.error(`triage webview: ${m.message}`);
        else this.deps.log.info(`triage webview: ${m.message}`);
        return;
    }
  }

  override dispose(): void {
    if (TriagePanel.current === this) TriagePanel.current = undefined;
    this.deps.metrics?.stop();
    super.dispose();
  }
}

export class TriagePanelSerializer implements vscode.WebviewPanelSerializer {
  constructor(private readonly deps: PanelDeps) {}

  deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    TriagePanel.revive(panel, this.deps, state);
    return Promise.resolve();
  }
}
