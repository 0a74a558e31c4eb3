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
