// The page side of test/tools/prerender-chart.mjs (never shipped): draws the flowchart for the default
// thresholds with the webview's own rendering code, in a page laid out like the panel, and measures it.
import { DEFAULT_THRESHOLDS } from '../src/core/thresholds';
import { triageChartSource } from '../src/core/mermaidChart';
import type { ChartTheme } from '../src/shared/chartSvg';
import { MERMAID_OPTIONS, chartSourceHash, prerenderedSvgId } from '../src/shared/chartSvg';
import type { LabelFit, Mermaid } from './mermaidRender';
import { labelFit, renderChartSvg } from './mermaidRender';

const source = triageChartSource(DEFAULT_THRESHOLDS);

function chart(): HTMLElement {
  const el = document.getElementById('chart');
  if (!el) throw new Error('the page has no #chart');
  return el;
}

(globalThis as unknown as { pfPrerender: unknown }).pfPrerender = {
  source,
  sourceHash: chartSourceHash(source),
  options: MERMAID_OPTIONS,
  async render(theme: ChartTheme): Promise<string> {
    const mermaid = (globalThis as unknown as { pfMermaid?: Mermaid }).pfMermaid;
    if (!mermaid) throw new Error('dist/webview/mermaid.js did not load');
    document.body.className = theme === 'dark' ? 'vscode-dark' : 'vscode-light';
    return (await renderChartSvg(mermaid, source, theme, prerenderedSvgId(theme))).svg;
  },
  /** Shows an SVG the way the panel shows a cached one, and measures its labels. */
  showAndMeasure(svg: string): LabelFit | null {
    chart().innerHTML = svg;
    const el = chart().querySelector('svg');
    return el ? labelFit(el) : null;
  },
};
