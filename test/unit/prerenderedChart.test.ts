import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FLOW_NODES, flowEdges } from '../../src/core/flowchart';
import { edgeKey, triageChartSource } from '../../src/core/mermaidChart';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import {
  CHART_THEMES,
  MERMAID_OPTIONS,
  chartSourceHash,
  edgeKeyOf,
  nodeIdOf,
  parsePrerenderedChartFile,
  prerenderedSvgId,
  sameChartSvg,
  svgRootId,
} from '../../src/shared/chartSvg';
import { REPO_ROOT } from './helpers';

const ASSET = path.join(REPO_ROOT, 'media', 'prerendered', 'flowchart.json');
const raw: unknown = JSON.parse(fs.readFileSync(ASSET, 'utf8'));
const mermaidVersion = (
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', 'mermaid', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

/** Fails with the one thing to do about a stale asset. */
function fresh(ok: boolean, why: string): void {
  assert.ok(ok, `media/prerendered/flowchart.json is stale: ${why}. Run npm run prerender-chart`);
}

const attr = (tag: string, name: string): string | null => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1] ?? null;

describe('the prerendered flowchart', () => {
  const file = parsePrerenderedChartFile(raw);

  test('is a prerendered flowchart file with a chart per mermaid theme', () => {
    fresh(file !== null, 'it is not a valid prerendered flowchart file');
  });

  test('was drawn by the bundled mermaid version with the webview options', () => {
    fresh(
      file?.mermaidVersion === mermaidVersion,
      `drawn by mermaid ${file?.mermaidVersion}, bundled is ${mermaidVersion}`,
    );
    fresh(
      JSON.stringify(file?.mermaidOptions) === JSON.stringify(MERMAID_OPTIONS),
      `drawn with mermaid options ${JSON.stringify(file?.mermaidOptions)}, the webview uses ${JSON.stringify(MERMAID_OPTIONS)}`,
    );
  });

  test('was drawn from the current chart source for the default thresholds', () => {
    const hash = chartSourceHash(triageChartSource(DEFAULT_THRESHOLDS));
    for (const theme of CHART_THEMES) {
      fresh(
        file?.charts[theme].sourceHash === hash,
        `its ${theme} chart was drawn from source ${file?.charts[theme].sourceHash}, the chart source is now ${hash}`,
      );
    }
  });

  test('keeps every node and edge id the panel highlights by, under its own root id', () => {
    const wantNodes = FLOW_NODES.map((n) => n.id).sort();
    const wantEdges = flowEdges(DEFAULT_THRESHOLDS).map(edgeKey).sort();
    for (const theme of CHART_THEMES) {
      const svg = file?.charts[theme].svg ?? '';
      assert.equal(svgRootId(svg), prerenderedSvgId(theme));
      // mermaid scopes its style rules by the root id: they must still apply to this SVG.
      assert.ok(svg.includes(`#${prerenderedSvgId(theme)} .node rect`), `${theme}: scoped node styles`);
      const nodes = [...svg.matchAll(/<g\b[^>]*>/g)]
        .map((m) => m[0])
        .filter((t) => /\sclass="node\b/.test(t))
        .map((t) => nodeIdOf(attr(t, 'id') ?? '', attr(t, 'data-id')));
      assert.deepEqual(nodes.sort(), wantNodes, `${theme}: nodes`);
      const edges = [...svg.matchAll(/<path\b[^>]*>/g)]
        .map((m) => edgeKeyOf(attr(m[0], 'id') ?? '', attr(m[0], 'data-id')))
        .filter((e) => e !== null);
      assert.deepEqual(edges.sort(), wantEdges, `${theme}: edges`);
    }
  });

  test('holds nothing that could run', () => {
    for (const theme of CHART_THEMES) {
      const svg = file?.charts[theme].svg ?? '';
      assert.doesNotMatch(svg, /<script|<iframe|\son[a-z]+=|javascript:/i, theme);
    }
  });
});

describe('chart SVG helpers', () => {
  test('node and edge ids with and without a render id prefix', () => {
    assert.equal(nodeIdOf('pf-flow-x1-3-flowchart-E-4', null), 'E');
    assert.equal(nodeIdOf('flowchart-O-14', null), 'O');
    assert.equal(nodeIdOf('whatever', 'K'), 'K');
    assert.equal(nodeIdOf('flowchart-Z-1', null), null);
    assert.equal(edgeKeyOf('pf-flow-pre-dark-L_E_G_0', 'L_E_G_0'), 'E-G');
    assert.equal(edgeKeyOf('L-A-B-0', null), 'A-B');
    assert.equal(edgeKeyOf('', 'L_I_K_0'), 'I-K');
    assert.equal(edgeKeyOf('pf-flow-pre-dark_flowchart-v2-pointEnd', null), null);
  });

  test('SVGs that differ only by render id are the same chart; other differences count', () => {
    const a =
      '<svg id="pf-flow-pre-dark"><style>#pf-flow-pre-dark .node{}</style><g id="pf-flow-pre-dark-flowchart-A-0" transform="translate(1, 2)"/></svg>';
    const b = a.split('pf-flow-pre-dark').join('pf-flow-k2j9x-1');
    assert.ok(sameChartSvg(a, b));
    assert.ok(!sameChartSvg(a, b.replace('translate(1, 2)', 'translate(1.5, 2)')));
  });

  test('a malformed prerendered file is refused', () => {
    const good = raw as { charts: Record<string, { svg: string }> };
    assert.equal(parsePrerenderedChartFile(null), null);
    assert.equal(parsePrerenderedChartFile({ ...good, version: 2 }), null);
    assert.equal(parsePrerenderedChartFile({ ...good, charts: { dark: good.charts.dark } }), null);
    assert.equal(
      parsePrerenderedChartFile({ ...good, charts: { ...good.charts, dark: { ...good.charts.dark, svg: '<div/>' } } }),
      null,
    );
  });
});
