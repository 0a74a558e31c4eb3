import type { NodeId } from '../src/core/flowchart';
import type { ChartView, IncidentView } from '../src/shared/protocol';
import { post } from './vscodeApi';

interface Mermaid {
  initialize(config: Record<string, unknown>): void;
  parse(text: string): Promise<unknown>;
  render(id: string, text: string): Promise<{ svg: string; bindFunctions?: (el: Element) => void }>;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
let mermaidLoad: Promise<Mermaid> | null = null;
let renderSeq = 0;

function themeName(): string {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast') && !c.contains('vscode-high-contrast-light')) return 'dark';
  return c.contains('vscode-dark') ? 'dark' : 'default';
}

/** Loads mermaid's bundle as a second script carrying this page's nonce (the CSP allows nothing else). */
function loadMermaid(): Promise<Mermaid> {
  mermaidLoad ??= new Promise<Mermaid>((resolve, reject) => {
    const src = document.getElementById('app')?.dataset.mermaid;
    const nonce =
      (document.currentScript as HTMLScriptElement | null)?.nonce ||
      document.querySelector<HTMLScriptElement>('script[nonce]')?.nonce;
    if (!src || !nonce) {
      reject(new Error('the mermaid script location or the page nonce is missing'));
      return;
    }
    const s = document.createElement('script');
    s.nonce = nonce;
    s.src = src;
    s.onload = () => {
      const m = (globalThis as unknown as { pfMermaid?: Mermaid }).pfMermaid;
      if (m) resolve(m);
      else reject(new Error('mermaid did not load'));
    };
    s.onerror = () => reject(new Error('mermaid could not be loaded'));
    document.head.appendChild(s);
  });
  return mermaidLoad;
}

let currentKey = '';

/**
 * Puts the flowchart in place: the host's cached SVG when it has one (no mermaid at all), else a fresh
 * mermaid render (parse first, strict security), which is then sent to the host to cache.
 */
export async function showChart(
  container: HTMLElement,
  errorBox: HTMLElement,
  chart: ChartView,
  cachedSvg?: string,
): Promise<boolean> {
  if (chart.key === currentKey && container.querySelector('svg')) return true;
  const seq = ++renderSeq;
  errorBox.hidden = true;
  if (cachedSvg && cachedSvg.startsWith('<svg')) {
    container.innerHTML = cachedSvg;
    currentKey = chart.key;
    return true;
  }
  const t0 = performance.now();
  try {
    const mermaid = await loadMermaid();
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: themeName() });
    await mermaid.parse(chart.source);
    const { svg, bindFunctions } = await mermaid.render(`pf-flow-${seq}`, chart.source);
    // A newer chart was requested while this one rendered: drop this result.
    if (seq !== renderSeq) return false;
    container.innerHTML = svg;
    const el = container.querySelector('svg');
    if (el) bindFunctions?.(el);
    currentKey = chart.key;
    post({ type: 'svgRendered', key: chart.key, svg, ms: performance.now() - t0 });
    return true;
  } catch (e) {
    if (seq !== renderSeq) return false;
    errorBox.hidden = false;
    errorBox.textContent = `The flowchart could not be drawn: ${e instanceof Error ? e.message : String(e)}`;
    post({ type: 'log', level: 'error', message: errorBox.textContent });
    return false;
  }
}

function nodeOf(g: Element): NodeId | null {
  const id = g.getAttribute('data-id') ?? '';
  if (/^[A-O]$/.test(id)) return id as NodeId;
  const m = /flowchart-([A-O])-\d+$/.exec(g.id);
  return m ? (m[1] as NodeId) : null;
}

function edgeOf(p: Element): string | null {
  const m =
    /(?:^|[-_])L[-_]([A-O])[-_]([A-O])[-_]\d+$/.exec(p.id) ??
    /^L_([A-O])_([A-O])_\d+/.exec(p.getAttribute('data-id') ?? '');
  return m ? `${m[1]}-${m[2]}` : null;
}

/**
 * Highlights an incident's path on the rendered chart by classes only (no re-layout), and writes each path
 * node's rule and observed value under it as SVG text (textContent: data is never parsed as markup).
 */
export function highlight(
  container: HTMLElement,
  incident: IncidentView,
  clickable: ReadonlySet<NodeId>,
  onClick: (n: NodeId) => void,
): void {
  const svg = container.querySelector('svg');
  if (!svg) return;
  const onPath = new Set(incident.path);
  const edges = new Set(incident.pathEdges);
  const last = incident.path[incident.path.length - 1];
  const rules = new Map(incident.steps.filter((s) => s.rule).map((s) => [s.node, s.rule as string]));
  svg.classList.add('pf-chart');
  svg.querySelectorAll('.pf-annotation').forEach((e) => e.remove());
  for (const g of svg.querySelectorAll('g.node')) {
    const n = nodeOf(g);
    if (!n) continue;
    g.classList.toggle('pf-on-path', onPath.has(n));
    g.classList.toggle('pf-off-path', !onPath.has(n));
    g.classList.toggle('pf-end', n === last);
    g.setAttribute('data-pf-node', n);
    const canClick = clickable.has(n);
    g.classList.toggle('pf-clickable', canClick);
    if (canClick && !(g as SVGGElement & { pfBound?: boolean }).pfBound) {
      (g as SVGGElement & { pfBound?: boolean }).pfBound = true;
      g.setAttribute('role', 'button');
      g.setAttribute('tabindex', '0');
      g.addEventListener('click', () => onClick(n));
      g.addEventListener('keydown', (ev) => {
        if ((ev as KeyboardEvent).key === 'Enter' || (ev as KeyboardEvent).key === ' ') onClick(n);
      });
    }
    let title = g.querySelector(':scope > title');
    const rule = rules.get(n);
    if (rule) {
      title ??= g.insertBefore(document.createElementNS(SVG_NS, 'title'), g.firstChild);
      title.textContent = rule;
      const box = (g as SVGGraphicsElement).getBBox();
      const text = document.createElementNS(SVG_NS, 'text');
      text.setAttribute('class', 'pf-annotation');
      text.setAttribute('x', String(box.x + box.width / 2));
      text.setAttribute('y', String(box.y + box.height + 13));
      text.setAttribute('text-anchor', 'middle');
      text.textContent = rule;
      g.appendChild(text);
    } else if (title) {
      title.remove();
    }
  }
  for (const p of svg.querySelectorAll('path')) {
    const e = edgeOf(p);
    if (!e) continue;
    p.classList.toggle('pf-on-path', edges.has(e));
    p.classList.toggle('pf-off-path', !edges.has(e));
  }
}

/** The node ids currently highlighted (for tests and the benchmark). */
export function highlighted(container: HTMLElement): string[] {
  return [...container.querySelectorAll('g.node.pf-on-path')].map((g) => g.getAttribute('data-pf-node') ?? '');
}
