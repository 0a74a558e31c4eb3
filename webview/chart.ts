import type { NodeId } from '../src/core/flowchart';
import { edgeKeyOf, nodeIdOf, sameChartSvg } from '../src/shared/chartSvg';
import type { ChartLabel, ChartView, IncidentView } from '../src/shared/protocol';
import type { Mermaid } from './mermaidRender';
import { labelFit, renderChartSvg } from './mermaidRender';
import { post } from './vscodeApi';

const SVG_NS = 'http://www.w3.org/2000/svg';
let mermaidLoad: Promise<Mermaid> | null = null;
let renderSeq = 0;
// mermaid first removes any element that already has the id it renders with, and scopes its style rules by that
// id: an SVG cached by an earlier panel (rendered there as "pf-flow-1") and shown here would vanish, or share
// rules, when this panel renders. So render ids are unique to this page.
const renderIdPrefix = `pf-flow-${Math.random().toString(36).slice(2, 8)}`;
let renderIds = 0;

/** Where the SVG on show came from (body[data-chart-origin], for tests and the benchmark). */
type ChartOrigin = 'cached' | 'prerendered' | 'provisional' | 'rendered' | 'local-fonts';

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
  return mermaidLoad.catch((e: unknown) => {
    mermaidLoad = null;
    throw e;
  });
}

let currentKey = '';

/** An SVG the host already has for the chart: one this machine rendered before, or the one shipped prerendered. */
export interface GivenSvg {
  svg?: string;
  prerendered?: boolean;
  /** With prerendered: the labels that differ in this chart; the SVG is shown with them, then redrawn. */
  relabel?: ChartLabel[];
}

/**
 * Puts the flowchart in place: the SVG the host sent when it has one (no mermaid at all), else a fresh mermaid
 * render (parse first, strict security), which is then sent to the host to cache. `onReplaced` runs when a
 * prerendered SVG is later swapped for one laid out with this machine's fonts (see checkFonts).
 */
export async function showChart(
  container: HTMLElement,
  errorBox: HTMLElement,
  chart: ChartView,
  given: GivenSvg = {},
  onReplaced?: () => void,
): Promise<boolean> {
  if (chart.key === currentKey && container.querySelector('svg')) return true;
  const seq = ++renderSeq;
  errorBox.hidden = true;
  if (given.svg?.startsWith('<svg')) {
    container.innerHTML = given.svg;
    currentKey = chart.key;
    if (given.prerendered && given.relabel) {
      // Another threshold set: the same chart with other numbers in some labels. Shown at once with this chart's
      // label texts, then drawn exactly by mermaid in a quiet moment (the text may not fit its box exactly).
      writeLabels(container, given.relabel);
      setOrigin('provisional');
      // For tests and the benchmark: the chart was shown before any mermaid was in the page.
      document.body.dataset.provisionalBeforeMermaid = String(mermaidLoad === null);
      // The chart just changed under the user: the redraw waits for a quiet moment counted from now.
      noteActivity();
      void redrawProvisional(container, chart, seq, onReplaced);
      return true;
    }
    setOrigin(given.prerendered ? 'prerendered' : 'cached');
    if (given.prerendered) void checkFonts(container, chart, given.svg, seq, onReplaced);
    return true;
  }
  const t0 = performance.now();
  try {
    const mermaid = await loadMermaid();
    const { svg, bindFunctions } = await renderChartSvg(mermaid, chart.source, chart.theme, nextRenderId());
    // A newer chart was requested while this one rendered: drop this result.
    if (seq !== renderSeq) return false;
    container.innerHTML = svg;
    const el = container.querySelector('svg');
    if (el) bindFunctions?.(el);
    currentKey = chart.key;
    setOrigin('rendered');
    post({ type: 'svgRendered', key: chart.key, svg, ms: performance.now() - t0 });
    return true;
  } catch (e) {
    if (seq !== renderSeq) return false;
    errorBox.hidden = false;
    errorBox.textContent = `The flowchart could not be drawn: ${e instanceof Error ? e.message : String(e)}`;
    logError(errorBox.textContent);
    return false;
  }
}

function nextRenderId(): string {
  return `${renderIdPrefix}-${++renderIds}`;
}

function setOrigin(origin: ChartOrigin): void {
  document.body.dataset.chartOrigin = origin;
  if (origin !== 'prerendered') delete document.body.dataset.fontCheck;
  if (origin !== 'provisional' && origin !== 'rendered') {
    delete document.body.dataset.provisional;
    delete document.body.dataset.provisionalBeforeMermaid;
  }
}

/** The element holding a label's text: mermaid's <p> inside the label's span (or the span itself). */
function labelTextElement(label: Element | null): Element | null {
  const span = label?.querySelector('span.nodeLabel, span.edgeLabel') ?? null;
  return span?.querySelector(':scope > p') ?? span;
}

/**
 * Writes label texts into a drawn chart (textContent only: the texts are data, never markup). Node labels are
 * found by their node's group, edge labels by their edge's label group.
 */
function writeLabels(container: HTMLElement, labels: readonly ChartLabel[]): void {
  const svg = container.querySelector('svg');
  if (!svg) return;
  const nodes = new Map<string, Element>();
  for (const g of svg.querySelectorAll('g.node')) {
    const n = nodeOf(g);
    if (n) nodes.set(n, g);
  }
  const edges = new Map<string, Element>();
  for (const g of svg.querySelectorAll('g.edgeLabel g.label')) {
    const e = edgeOf(g);
    if (e) edges.set(e, g);
  }
  for (const l of labels) {
    const group = l.kind === 'node' ? nodes.get(l.id) : edges.get(l.id);
    // A node's label is its group's label group; an edge's is the label group itself.
    const label = l.kind === 'node' ? (group?.querySelector(':scope > g.label') ?? null) : (group ?? null);
    const target = labelTextElement(label);
    if (target) target.textContent = l.text;
  }
}

/** A provisional chart (the prerendered SVG with this chart's labels written in), redrawn by mermaid when quiet. */
async function redrawProvisional(
  container: HTMLElement,
  chart: ChartView,
  seq: number,
  onReplaced?: () => void,
): Promise<void> {
  const ds = document.body.dataset;
  ds.provisional = 'pending';
  const shown = container.querySelector('svg');
  try {
    const svg = await renderWhenQuiet(container, chart, seq, shown, () => (ds.provisional = 'redrawing'));
    if (svg === null) return;
    container.innerHTML = svg;
    setOrigin('rendered');
    ds.provisional = 'replaced';
    onReplaced?.();
  } catch (e) {
    if (seq !== renderSeq) return;
    // The provisional chart stays: its labels are right, only their boxes may be a little off.
    ds.provisional = 'failed';
    logError(`Drawing the flowchart for the current thresholds failed: ${errorText(e)}`);
  }
}

/**
 * Mermaid's exact render of `chart` once the user has left the panel alone, already sent to the host's cache;
 * null when a newer chart, or another SVG than `shown`, took the panel's place meanwhile.
 */
async function renderWhenQuiet(
  container: HTMLElement,
  chart: ChartView,
  seq: number,
  shown: Element | null,
  onStart?: () => void,
): Promise<string | null> {
  await quietMoment();
  if (seq !== renderSeq) return null;
  onStart?.();
  const t1 = performance.now();
  const mermaid = await loadMermaid();
  if (seq !== renderSeq) return null;
  const { svg } = await renderChartSvg(mermaid, chart.source, chart.theme, nextRenderId());
  if (seq !== renderSeq || container.querySelector('svg') !== shown) return null;
  post({ type: 'svgRendered', key: chart.key, svg, ms: performance.now() - t1 });
  return svg;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function logError(message: string): void {
  post({ type: 'log', level: 'error', message });
}

/*
 * Why the prerendered SVG is checked and maybe redrawn: it was laid out on the build machine, with that machine's
 * fonts. Where the labels' font is another one (Trebuchet MS on Windows and macOS, another sans-serif on Linux),
 * text could overflow its box or leave gaps, and an engineer would reasonably expect the chart to look like one
 * drawn here. Redrawing on every open would bring back what the prerendered SVG removes (5 MB of mermaid, about
 * a second of main thread). So the chart is shown at once, then its labels are measured with the local fonts (a
 * few milliseconds, no mermaid); only if one no longer fits is mermaid loaded, and only once the user has left
 * the panel alone for a moment, so the redraw's long tasks do not land on an incident switch. The result replaces
 * the SVG when it differs and goes to the host's cache either way, so that later panels show it directly and
 * never pay for a check that already failed once on this machine.
 */
const QUIET_MS = 1500;
let lastInput = 0;
for (const t of ['pointerdown', 'keydown', 'wheel', 'change']) {
  window.addEventListener(t, () => (lastInput = performance.now()), { capture: true, passive: true });
}

/** Counts as user activity for the background redraw (an incident switch the host asked for, for example). */
export function noteActivity(): void {
  lastInput = performance.now();
}

function idle(timeout = 1000): Promise<void> {
  return new Promise((resolve) => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(() => resolve(), { timeout });
    else setTimeout(resolve, 50);
  });
}

async function quietMoment(): Promise<void> {
  for (;;) {
    const wait = lastInput + QUIET_MS - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await idle();
    if (performance.now() - lastInput >= QUIET_MS) return;
  }
}

async function checkFonts(
  container: HTMLElement,
  chart: ChartView,
  shownSvg: string,
  seq: number,
  onReplaced?: () => void,
): Promise<void> {
  const ds = document.body.dataset;
  ds.fontCheck = 'pending';
  await document.fonts.ready;
  await idle();
  const shown = container.querySelector('svg');
  if (seq !== renderSeq || !shown) return;
  const t0 = performance.now();
  const fit = labelFit(shown);
  post({ type: 'timing', name: 'prerendered-font-check', ms: performance.now() - t0 });
  if (!fit) {
    ds.fontCheck = 'unmeasured';
    return;
  }
  if (fit.misfits === 0) {
    ds.fontCheck = 'fits';
    return;
  }
  ds.fontCheck = 'redrawing';
  post({
    type: 'log',
    level: 'info',
    message: `${fit.misfits} of ${fit.labels} flowchart labels measure up to ${fit.worst.toFixed(1)} px differently with this machine's fonts than the prerendered chart: redrawing it with mermaid in the background.`,
  });
  try {
    const svg = await renderWhenQuiet(container, chart, seq, shown);
    if (svg === null) return;
    if (sameChartSvg(svg, shownSvg)) {
      ds.fontCheck = 'unchanged';
      return;
    }
    container.innerHTML = svg;
    setOrigin('local-fonts');
    ds.fontCheck = 'replaced';
    onReplaced?.();
  } catch (e) {
    if (seq !== renderSeq) return;
    // The prerendered chart stays: slightly off labels beat no chart.
    ds.fontCheck = 'failed';
    logError(`Redrawing the flowchart failed: ${errorText(e)}`);
  }
}

function nodeOf(g: Element): NodeId | null {
  return nodeIdOf(g.id, g.getAttribute('data-id'));
}

function edgeOf(p: Element): string | null {
  return edgeKeyOf(p.id, p.getAttribute('data-id'));
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
