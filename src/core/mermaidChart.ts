import type { FlowEdge, NodeId } from './flowchart';
import { FLOW_NODES, flowEdges } from './flowchart';
import type { Thresholds } from './thresholds';

/**
 * Encodes text for a quoted mermaid label. Everything but letters, digits, spaces and a few harmless
 * punctuation marks becomes a `#<code>;` entity, so data such as `"]; click A call x()` or `<img onerror>` can
 * neither close the label nor inject directives: mermaid shows the characters, it never parses them.
 */
export function mermaidText(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (
      (cp >= 48 && cp <= 57) ||
      (cp >= 65 && cp <= 90) ||
      (cp >= 97 && cp <= 122) ||
      cp === 32 ||
      ch === '.' ||
      ch === ',' ||
      ch === '-' ||
      ch === '?'
    ) {
      out += ch;
    } else if (cp < 32 || cp === 0x7f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
      // Control and bidi characters carry no meaning in a label; dropping them keeps labels honest.
      continue;
    } else {
      out += `#${cp};`;
    }
  }
  return out;
}

/** Stable element ids for edges, in chart order: the webview highlights them without re-rendering. */
export function edgeKey(e: Pick<FlowEdge, 'from' | 'to'>): string {
  return `${e.from}-${e.to}`;
}

/**
 * The playbook's triage flowchart as mermaid source: the seed chart's nodes, labels and edges, with the
 * configured thresholds in the edge labels. Independent of any incident, so one render serves every incident;
 * the path is highlighted afterwards by classes on the rendered SVG.
 */
export function triageChartSource(t: Pick<Thresholds, 'riskLow' | 'riskHigh' | 'missThreshold'>): string {
  const lines = ['flowchart TD'];
  for (const n of FLOW_NODES) {
    const label = `"${mermaidText(n.label)}"`;
    lines.push(`    ${n.id}${n.shape === 'decision' ? `{${label}}` : `[${label}]`}`);
  }
  for (const e of flowEdges(t)) {
    lines.push(`    ${e.from} -->${e.label !== undefined ? `|"${mermaidText(e.label)}"|` : ''} ${e.to}`);
  }
  return lines.join('\n');
}

/** Edges along a path (consecutive node pairs that are edges of the chart). */
export function pathEdges(
  path: readonly NodeId[],
  t: Pick<Thresholds, 'riskLow' | 'riskHigh' | 'missThreshold'>,
): string[] {
  const edges = new Set(flowEdges(t).map(edgeKey));
  const out: string[] = [];
  for (let i = 1; i < path.length; i++) {
    const k = `${path[i - 1]}-${path[i]}`;
    if (edges.has(k)) out.push(k);
  }
  return out;
}

/** A label of the chart by the element it belongs to: a node (its id) or an edge (its key, "E-F"). */
export interface ChartLabel {
  kind: 'node' | 'edge';
  id: string;
  /** The label's text, decoded (shown as text, never parsed as markup). */
  text: string;
}

interface ParsedChart {
  header: string;
  nodes: { id: string; shape: string; label: string }[];
  edges: { key: string; label: string | undefined }[];
}

const NODE_LINE = /^ {4}([A-Za-z]\w*)(?:\{"([^"]*)"\}|\["([^"]*)"\])$/;
const EDGE_LINE = /^ {4}([A-Za-z]\w*) -->(?:\|"([^"]*)"\|)? ([A-Za-z]\w*)$/;

/** Reads back a source written by triageChartSource; null for anything else. */
function parseChartSource(source: string): ParsedChart | null {
  const [header, ...rest] = source.split('\n');
  if (header === undefined) return null;
  const out: ParsedChart = { header, nodes: [], edges: [] };
  for (const line of rest) {
    const n = NODE_LINE.exec(line);
    if (n) {
      out.nodes.push({ id: n[1] as string, shape: n[2] !== undefined ? 'decision' : 'box', label: n[2] ?? n[3] ?? '' });
      continue;
    }
    const e = EDGE_LINE.exec(line);
    if (!e) return null;
    out.edges.push({ key: `${e[1]}-${e[3]}`, label: e[2] });
  }
  return out;
}

const decodeMermaidText = (s: string): string =>
  s.replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));

/**
 * The labels of `current` that differ from `base` when the two chart sources differ in label texts only (same
 * header, same nodes with the same ids and shapes in the same order, same edges in the same order, labelled the
 * same way); null when they differ in anything else, or either is not a source triageChartSource writes. An SVG
 * drawn from `base` then shows `current` once these labels' texts are put in (the layout aside).
 */
export function chartLabelChanges(base: string, current: string): ChartLabel[] | null {
  const a = parseChartSource(base);
  const b = parseChartSource(current);
  if (!a || !b || a.header !== b.header) return null;
  if (a.nodes.length !== b.nodes.length || a.edges.length !== b.edges.length) return null;
  // Edge labels are found in the SVG by edge key: two edges between the same nodes would be ambiguous.
  if (new Set(b.edges.map((e) => e.key)).size !== b.edges.length) return null;
  const changes: ChartLabel[] = [];
  for (let i = 0; i < a.nodes.length; i++) {
    const x = a.nodes[i] as ParsedChart['nodes'][number];
    const y = b.nodes[i] as ParsedChart['nodes'][number];
    if (x.id !== y.id || x.shape !== y.shape) return null;
    if (x.label !== y.label) changes.push({ kind: 'node', id: y.id, text: decodeMermaidText(y.label) });
  }
  for (let i = 0; i < a.edges.length; i++) {
    const x = a.edges[i] as ParsedChart['edges'][number];
    const y = b.edges[i] as ParsedChart['edges'][number];
    if (x.key !== y.key || (x.label === undefined) !== (y.label === undefined)) return null;
    if (y.label !== undefined && x.label !== y.label) {
      changes.push({ kind: 'edge', id: y.key, text: decodeMermaidText(y.label) });
    }
  }
  return changes;
}
