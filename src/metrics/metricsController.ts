import * as vscode from 'vscode';
import type { LoadedBundle } from '../bundle/readBundle';
import { CONFIG_SECTION } from '../constants';
import type { MetricsView } from '../shared/protocol';
import { Disposable } from '../util/disposable';
import { BotMetricsTracker } from './botMetricsTracker';
import type { Fetcher } from './promApiMetrics';
import { PromApiMetrics } from './promApiMetrics';

/** Reads the bot's exposition text from the live cluster (a port-forward to the pod's port 3000). */
export interface LiveMetricsSource {
  readonly description: string;
  scrape(signal: AbortSignal): Promise<string>;
}

const nodeFetch: Fetcher = async (url, signal) => {
  const r = await fetch(url, { signal, headers: { accept: 'application/json' } });
  return { status: r.status, text: await r.text() };
};

/**
 * Feeds the triage panel's metrics section: a configured Prometheus (PromQL), else the live bot through a
 * port-forward, else the snapshots recorded in the open replay bundle. Scrapes only while a panel is visible.
 */
export class MetricsController extends Disposable {
  private readonly emitter = this.register(new vscode.EventEmitter<MetricsView>());
  readonly onDidUpdate = this.emitter.event;
  private tracker = new BotMetricsTracker();
  private prom: PromApiMetrics | undefined;
  private promUrl = '';
  private last: MetricsView | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  private running = false;
  private bundle: LoadedBundle | undefined;
  private liveSource: LiveMetricsSource | undefined;
  /** The latest live scrapes (exposition text), kept for "Save Cluster Snapshot as Bundle". */
  readonly recentScrapes: { at: string; text: string }[] = [];

  constructor(
    onBundle: vscode.Event<LoadedBundle | undefined>,
    private readonly log: vscode.LogOutputChannel,
    private readonly fetcher: Fetcher = nodeFetch,
  ) {
    super();
    this.register(onBundle((b) => this.replayBundle(b)));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${CONFIG_SECTION}.metrics`)) this.restart();
      }),
    );
  }

  /** Scrapes the live bot from now on (undefined: back to Prometheus or the open bundle's recording). */
  setLiveSource(src: LiveMetricsSource | undefined): void {
    this.liveSource = src;
    this.tracker.reset();
    this.recentScrapes.length = 0;
    this.last = undefined;
    this.restart();
  }

  current(): MetricsView | undefined {
    return this.last;
  }

  private intervalMs(): number {
    const s = vscode.workspace.getConfiguration(CONFIG_SECTION).get<number>('metrics.scrapeIntervalSeconds', 15);
    return Math.min(3600, Math.max(1, typeof s === 'number' && Number.isFinite(s) ? s : 15)) * 1000;
  }

  private prometheusUrl(): string {
    const u = vscode.workspace.getConfiguration(CONFIG_SECTION).get<string>('metrics.prometheusUrl', '').trim();
    return /^https?:\/\//.test(u) ? u : '';
  }

  private publish(v: MetricsView): void {
    this.last = v;
    this.emitter.fire(v);
  }

  /** A bundle's snapshots are history: ingested at their recorded times, shown as of the last one. */
  private replayBundle(b: LoadedBundle | undefined): void {
    this.bundle = b;
    if (this.prometheusUrl() || this.liveSource) return;
    this.tracker.reset();
    if (!b || b.metrics.length === 0) {
      this.last = undefined;
      return;
    }
    for (const s of b.metrics) {
      const at = Date.parse(s.at);
      const r = this.tracker.ingest(at, s.text);
      for (const e of r.errors) this.log.warn(`metrics snapshot ${s.at}: ${e}`);
    }
    const lastAt = this.tracker.lastScrapeAt ?? Date.now();
    this.publish(
      this.tracker.view(
        `recorded in ${b.manifest.title ?? b.dir} (${b.metrics.length} snapshots)`,
        lastAt,
        Number.POSITIVE_INFINITY,
      ),
    );
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort();
    this.inFlight = undefined;
  }

  private restart(): void {
    const wasRunning = this.running;
    this.stop();
    this.prom = undefined;
    if (!this.prometheusUrl() && !this.liveSource) this.replayBundle(this.bundle);
    if (wasRunning) this.start();
  }

  private schedule(delay: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delay);
  }

  /** One scrape now (also used by tests and the benchmark). */
  async tick(): Promise<MetricsView | undefined> {
    const url = this.prometheusUrl();
    const interval = this.intervalMs();
    const ctrl = new AbortController();
    this.inFlight = ctrl;
    const timeout = setTimeout(() => ctrl.abort(), Math.max(2000, interval));
    try {
      if (url) {
        if (!this.prom || this.promUrl !== url) {
          this.prom = new PromApiMetrics(url, this.fetcher);
          this.promUrl = url;
        }
        this.publish(await this.prom.scrape(Date.now(), ctrl.signal));
      } else if (this.liveSource) {
        const src = this.liveSource;
        try {
          const text = await src.scrape(ctrl.signal);
          const at = Date.now();
          const r = this.tracker.ingest(at, text);
          if (!r.ok || r.errors.length) this.log.warn(`${src.description}: ${r.errors.slice(0, 5).join('; ')}`);
          this.recentScrapes.push({ at: new Date(at).toISOString(), text });
          if (this.recentScrapes.length > 60) this.recentScrapes.shift();
        } catch (e) {
          const msg = `Scraping ${src.description} failed: ${e instanceof Error ? e.message : String(e)}`;
          this.log.warn(msg);
          this.tracker.fail(msg);
        }
        this.publish(this.tracker.view(src.description, Date.now(), 2 * interval));
      } else {
        return this.last;
      }
    } finally {
      clearTimeout(timeout);
      if (this.inFlight === ctrl) this.inFlight = undefined;
      this.schedule(interval);
    }
    return this.last;
  }

  override dispose(): void {
    this.stop();
    super.dispose();
  }
}
