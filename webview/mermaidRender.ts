// Drawing the flowchart with mermaid and checking a drawn SVG against this machine's fonts. DOM only (no
// acquireVsCodeApi), so the prerender script (test/tools/prerender-chart.mjs) runs this very code in Chromium.
import type { ChartTheme } from '../src/shared/chartSvg';
import { mermaidConfig } from '../src/shared/chartSvg';

export interface Mermaid {
  initialize(config: Record<string, unknown>): void;
  parse(text: string): Promise<unknown>;
  render(
    id: string,
    text: string,
    container?: Element,
  ): Promise<{ svg: string; bindFunctions?: (el: Element) => void }>;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Renders the chart source with mermaid: initialize (strict), parse first, then render. Renders run one at a
 * time because initialize() sets global state that a render already under way would pick up halfway.
 * mermaid measures the labels in an out-of-view box rather than at the end of <body>, so a render in the
 * background (see chart.ts) neither flashes nor moves the page.
 */
export function renderChartSvg(
  mermaid: Mermaid,
  source: string,
  theme: ChartTheme,
  id: string,
): Promise<{ svg: string; bindFunctions?: (el: Element) => void }> {
  const run = async (): Promise<{ svg: string; bindFunctions?: (el: Element) => void }> => {
    mermaid.initialize(mermaidConfig(theme));
    await mermaid.parse(source);
    const box = document.createElement('div');
    box.setAttribute('aria-hidden', 'true');
    box.style.cssText = 'position:absolute;left:-20000px;top:0;width:1200px;visibility:hidden;pointer-events:none';
    document.body.appendChild(box);
    try {
      return await mermaid.render(id, source, box);
    } finally {
      box.remove();
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

export interface LabelFit {
  /** Labels measured. */
  labels: number;
  /** Labels whose text, laid out with this machine's fonts, no longer has the size the SVG was drawn for. */
  misfits: number;
  /** The largest difference, in SVG units. */
  worst: number;
}

/**
 * Measures every label of a displayed mermaid SVG with this machine's fonts and compares it with the box mermaid
 * sized for it when the SVG was drawn. Equal sizes mean mermaid would lay the chart out the same way here (node
 * labels wrap at a fixed width, so their height counts; edge labels do not wrap, so their width counts). Null
 * when nothing can be measured (the SVG is not laid out).
 */
export function labelFit(svg: SVGSVGElement, tolerance = 0.5): LabelFit | null {
  let labels = 0;
  let misfits = 0;
  let worst = 0;
  for (const fo of svg.querySelectorAll('foreignObject')) {
    const content = fo.firstElementChild;
    const ctm = (fo as SVGGraphicsElement).getScreenCTM();
    if (!content || !ctm || !(ctm.a > 0) || !(ctm.d > 0)) return null;
    const r = content.getBoundingClientRect();
    const fw = (fo as SVGForeignObjectElement).width.baseVal.value;
    const fh = (fo as SVGForeignObjectElement).height.baseVal.value;
    const d = Math.max(Math.abs(r.width / ctm.a - fw), Math.abs(r.height / ctm.d - fh));
    labels++;
    worst = Math.max(worst, d);
    if (d > tolerance) misfits++;
  }
  return labels ? { labels, misfits, worst } : null;
}
