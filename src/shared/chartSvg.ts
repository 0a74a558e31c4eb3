// What the host, the webview and the prerender script (test/tools/prerender-chart.mjs) must agree on about the
// flowchart's SVG: the mermaid themes and options, the prerendered asset's shape, and how node and edge ids are
// read back from a rendered SVG. Pure: no vscode, no DOM, no node:*.
import type { NodeId } from '../core/flowchart';
import { fnv1a64 } from '../core/hash';

/** The mermaid themes the panel uses: 'default' for light (and light high-contrast) themes, else 'dark'. */
export type ChartTheme = 'default' | 'dark';
export const CHART_THEMES: readonly ChartTheme[] = ['default', 'dark'];

/**
 * mermaid.initialize() options besides the theme. The webview and the prerender script both take them from here,
 * so a prerendered SVG is what the webview would have drawn (with the build machine's fonts).
 */
export const MERMAID_OPTIONS = Object.freeze({ startOnLoad: false, securityLevel: 'strict' } as const);

export function mermaidConfig(theme: ChartTheme): Record<string, unknown> {
  return { ...MERMAID_OPTIONS, theme };
}

/** Identifies the chart source a prerendered SVG was drawn from. */
export function chartSourceHash(source: string): string {
  return fnv1a64(source);
}

/** The root id of a prerendered SVG. Never of the form the webview's own renders use (see webview/chart.ts). */
export function prerenderedSvgId(theme: ChartTheme): string {
  return `pf-flow-pre-${theme}`;
}

export const PRERENDERED_FORMAT = 'pf-prerendered-flowchart';

export interface PrerenderedChart {
  /** chartSourceHash() of the mermaid source it was drawn from. */
  sourceHash: string;
  svg: string;
}

/** media/prerendered/flowchart.json, written by `npm run prerender-chart`. */
export interface PrerenderedChartFile {
  format: typeof PRERENDERED_FORMAT;
  version: 1;
  /** The mermaid package version whose bundle drew the charts. */
  mermaidVersion: string;
  /** The options given to mermaid.initialize() besides the theme. */
  mermaidOptions: Record<string, unknown>;
  /** The browser that laid the charts out (its fonts measured the labels). */
  renderedWith: string;
  charts: Record<ChartTheme, PrerenderedChart>;
}

const MAX_PRERENDERED_SVG = 1024 * 1024;

/** Validates the prerendered asset; null when it is not one (the panel then renders with mermaid). */
export function parsePrerenderedChartFile(v: unknown): PrerenderedChartFile | null {
  if (typeof v !== 'object' || v === null) return null;
  const f = v as Partial<PrerenderedChartFile>;
  if (f.format !== PRERENDERED_FORMAT || f.version !== 1 || typeof f.mermaidVersion !== 'string') return null;
  if (typeof f.charts !== 'object' || f.charts === null) return null;
  for (const theme of CHART_THEMES) {
    const c = (f.charts as Partial<Record<ChartTheme, PrerenderedChart>>)[theme];
    if (!c || typeof c.sourceHash !== 'string' || typeof c.svg !== 'string') return null;
    if (svgRootId(c.svg) !== prerenderedSvgId(theme) || c.svg.length > MAX_PRERENDERED_SVG) return null;
  }
  return f as PrerenderedChartFile;
}

/** The id of the root <svg> element of mermaid's output. */
export function svgRootId(svg: string): string | null {
  return /^<svg id="([A-Za-z][\w-]*)"/.exec(svg)?.[1] ?? null;
}

/**
 * Whether two mermaid SVGs draw the same chart. mermaid prefixes every id and style selector with the render id,
 * which differs per render, so that is taken out before comparing; any layout difference (a label measured
 * wider with other fonts) still shows up in the coordinates.
 */
export function sameChartSvg(a: string, b: string): boolean {
  const norm = (s: string): string => {
    const id = svgRootId(s);
    return id ? s.split(id).join('\u0000') : s;
  };
  return norm(a) === norm(b);
}

/** The flowchart node of a mermaid node group, from its id (`<render id>-flowchart-E-4`) or data-id. */
export function nodeIdOf(id: string, dataId: string | null): NodeId | null {
  if (dataId && /^[A-O]$/.test(dataId)) return dataId as NodeId;
  const m = /flowchart-([A-O])-\d+$/.exec(id);
  return m ? (m[1] as NodeId) : null;
}

/** The edge key ("E-G") of a mermaid edge path, from its id (`<render id>-L_E_G_0`) or data-id (`L_E_G_0`). */
export function edgeKeyOf(id: string, dataId: string | null): string | null {
  const m = /(?:^|[-_])L[-_]([A-O])[-_]([A-O])[-_]\d+$/.exec(id) ?? /^L_([A-O])_([A-O])_\d+/.exec(dataId ?? '');
  return m ? `${m[1]}-${m[2]}` : null;
}
