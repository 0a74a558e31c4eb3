// The one message protocol between the triage panel's host side (src/panel) and its webview (webview/).
// Type-only plus validators; no vscode and no DOM, so both sides import it.
import type { NodeId } from '../core/flowchart';
import type { ChartLabel } from '../core/mermaidChart';
import type { Verdict } from '../core/triage';
import type { ChartTheme } from './chartSvg';

export type { ChartLabel };

export const NODE_IDS: readonly NodeId[] = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O'];

export interface StepView {
  node: NodeId;
  label: string;
  /** The rule applied there with the observed value ("risk 0.82 > 0.8"). */
  rule?: string;
}

export interface IncidentView {
  id: string;
  capsuleHash: string | null;
  shortHash: string;
  tenantId: string | null;
  riskScore: string;
  heartbeatMisses: string;
  riskBandText: string;
  heartbeatBandText: string;
  count: number;
  firstSeen: string | null;
  lastSeen: string | null;
  /** The verdict shown: an engineer's override when there is one. */
  verdict: Verdict;
  verdictTitle: string;
  engineVerdict: Verdict;
  override?: { verdict: Verdict; reason?: string; at: string };
  path: NodeId[];
  /** Edge keys ("A-B") along the path. */
  pathEdges: string[];
  steps: StepView[];
  botText: string;
  disagreement: boolean;
  disagreementText?: string;
  warnings: string[];
}

export interface ChartView {
  /** Identifies the rendered SVG: a hash of the source, the mermaid theme and the mermaid version. */
  key: string;
  source: string;
  /** The mermaid theme for VS Code's current colour theme. */
  theme: ChartTheme;
  thresholdsText: string;
}

export interface IncidentChoice {
  id: string;
  label: string;
  /** For the most recent incidents: the whole view, so the webview switches without a round trip to the host. */
  view?: IncidentView;
}

export interface MetricCardView {
  title: string;
  value: string;
  detail?: string;
  /** Values for a small time-series chart, oldest first. */
  series?: { t: number; v: number }[];
  state?: 'ok' | 'warn' | 'error' | 'nodata';
}

export interface AlertView {
  name: string;
  expr: string;
  severity: string;
  state: 'inactive' | 'pending' | 'firing';
  value?: string;
  since?: string;
  neverFires?: string;
}

export interface MetricsView {
  source: string;
  /** When the last successful scrape happened (ISO), and whether that is older than two intervals. */
  lastScrape: string | null;
  stale: boolean;
  error?: string;
  cards: MetricCardView[];
  alerts: AlertView[];
}

export type HostToWebview =
  | {
      type: 'show';
      incident: IncidentView;
      chart: ChartView;
      cachedSvg?: string;
      /** cachedSvg is the one shipped with the extension (laid out with the build machine's fonts). */
      prerendered?: boolean;
      /**
       * With prerendered: the shipped SVG was drawn from a source differing from chart.source in these labels
       * only. The webview writes them in (as text), shows the chart as provisional and redraws it with mermaid.
       */
      relabel?: ChartLabel[];
      clickable: NodeId[];
      incidents: IncidentChoice[];
    }
  | { type: 'incident'; incident: IncidentView; incidents?: IncidentChoice[] }
  | { type: 'chart'; chart: ChartView; cachedSvg?: string; prerendered?: boolean; relabel?: ChartLabel[] }
  | { type: 'metrics'; metrics: MetricsView }
  | { type: 'gone'; message: string };

export type WebviewToHost =
  | { type: 'ready'; incidentId?: string }
  | { type: 'svgRendered'; key: string; svg: string; ms: number }
  | { type: 'runStep'; node: NodeId }
  | { type: 'override'; action: 'confirmLegitimate' | 'markFalsePositive' }
  | { type: 'selectIncident'; id: string }
  | { type: 'timing'; name: string; ms: number }
  | { type: 'log'; level: 'info' | 'error'; message: string };

/** What the webview keeps with setState, so a reload (or a restart, through the serializer) restores it. */
export interface PanelState {
  incidentId: string;
  chartKey?: string;
}

const MAX_SVG = 4 * 1024 * 1024;
const MAX_TEXT = 2000;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function shortString(v: unknown, max = 200): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max;
}

/**
 * Validates a message from the webview. The webview is untrusted input: anything malformed, oversized or
 * unknown is rejected (null) rather than half-handled.
 */
export function parseWebviewMessage(m: unknown): WebviewToHost | null {
  if (!isObj(m) || typeof m.type !== 'string') return null;
  switch (m.type) {
    case 'ready':
      if (m.incidentId === undefined) return { type: 'ready' };
      return shortString(m.incidentId) ? { type: 'ready', incidentId: m.incidentId } : null;
    case 'svgRendered':
      if (!shortString(m.key) || typeof m.svg !== 'string' || m.svg.length > MAX_SVG || !m.svg.startsWith('<svg')) {
        return null;
      }
      if (typeof m.ms !== 'number' || !Number.isFinite(m.ms)) return null;
      return { type: 'svgRendered', key: m.key, svg: m.svg, ms: m.ms };
    case 'runStep':
      return typeof m.node === 'string' && (NODE_IDS as readonly string[]).includes(m.node)
        ? { type: 'runStep', node: m.node as NodeId }
        : null;
    case 'override':
      return m.action === 'confirmLegitimate' || m.action === 'markFalsePositive'
        ? { type: 'override', action: m.action }
        : null;
    case 'selectIncident':
      return shortString(m.id) ? { type: 'selectIncident', id: m.id } : null;
    case 'timing':
      return shortString(m.name, 80) && typeof m.ms === 'number' && Number.isFinite(m.ms)
        ? { type: 'timing', name: m.name, ms: m.ms }
        : null;
    case 'log':
      return (m.level === 'info' || m.level === 'error') && typeof m.message === 'string'
        ? { type: 'log', level: m.level, message: m.message.slice(0, MAX_TEXT) }
        : null;
    default:
      return null;
  }
}

export function isPanelState(v: unknown): v is PanelState {
  return isObj(v) && shortString(v.incidentId) && (v.chartKey === undefined || shortString(v.chartKey));
}
