import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { FLOW_NODES, flowEdges } from '../../src/core/flowchart';
import { chartLabelChanges, mermaidText, pathEdges, triageChartSource } from '../../src/core/mermaidChart';
import { DEFAULT_THRESHOLDS, withThresholds } from '../../src/core/thresholds';
import { PATHS, triage } from '../../src/core/triage';
import { ev } from './helpers';

/** Decodes mermaid's #<code>; entities back to text. */
const decode = (s: string): string => s.replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));

describe('the flowchart source', () => {
  test('has the seed chart nodes, labels and edges', () => {
    const src = triageChartSource(DEFAULT_THRESHOLDS);
    const lines = src.split('\n');
    assert.equal(lines[0], 'flowchart TD');
    for (const n of FLOW_NODES) {
      const open = n.shape === 'decision' ? '{"' : '["';
      const line = lines.find((l) => l.trim().startsWith(`${n.id}${open}`));
      assert.ok(line, `node ${n.id}`);
      assert.equal(decode(line.trim().slice(3, -2)), n.label);
    }
    const edges = lines.filter((l) => l.includes('-->')).map((l) => l.trim());
    assert.equal(edges.length, 17);
    assert.ok(edges.includes(`E -->|"Low Risk #60; 0.5"| F`));
    assert.ok(edges.includes(`E -->|"Medium Risk 0.5-0.8"| G`));
    assert.ok(edges.includes(`I -->|"#62;#61; 3 misses"| K`));
    assert.ok(edges.includes('B -->|"No"| D'));
  });
  test('edge labels follow the configured thresholds', () => {
    const src = decode(triageChartSource(withThresholds({ riskLow: 0.4, riskHigh: 0.9, missThreshold: 5 })));
    assert.match(src, /Low Risk < 0\.4/);
    assert.match(src, /High Risk > 0\.9/);
    assert.match(src, />= 5 misses/);
  });
  test('every verdict path walks along chart edges', () => {
    const edges = new Set(flowEdges(DEFAULT_THRESHOLDS).map((e) => `${e.from}-${e.to}`));
    for (const [name, path] of Object.entries(PATHS)) {
      for (let i = 1; i < path.length; i++) {
        assert.ok(edges.has(`${path[i - 1]}-${path[i]}`), `${name}: ${path[i - 1]}-${path[i]}`);
      }
      assert.equal(pathEdges(path, DEFAULT_THRESHOLDS).length, path.length - 1);
    }
  });
  test('the highlighted path equals the spec path for every verdict', () => {
    const cases: [number | string, number, string][] = [
      [0.92, 1, 'A B C E H D M N O'],
      [0.6, 4, 'A B C E G I K D M N O'],
      [0.8, 2, 'A B C E G I J L'],
      [0.2, 0, 'A B C E F L'],
      ['0.9', 0, 'A'],
    ];
    for (const [r, m, path] of cases) {
      const res = triage(ev(r, m));
      assert.equal(res.path.join(' '), path);
      assert.deepEqual(
        pathEdges(res.path, DEFAULT_THRESHOLDS),
        path
          .split(' ')
          .slice(1)
          .map((n, i) => `${path.split(' ')[i]}-${n}`),
      );
    }
  });
});

describe('label escaping', () => {
  test('hostile text cannot close a label or inject directives', () => {
    for (const hostile of [
      '"]; click A call x()',
      '<img src=x onerror=alert(1)>',
      '|x| --> Z',
      '%%{init: {"securityLevel":"loose"}}%%',
      '`a`\n B-->C',
    ]) {
      const out = mermaidText(hostile);
      // Only letters, digits, spaces, harmless punctuation and #<code>; entities remain.
      assert.match(out, /^(?:[A-Za-z0-9 .,?-]|#\d+;)*$/, out);
    }
  });
  test('the text survives (decodes back), minus control and bidi characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const clean = [...s].filter((c) => !/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(c)).join('');
        assert.equal(decode(mermaidText(s)), clean);
      }),
    );
  });
});

describe('chartLabelChanges', () => {
  const base = triageChartSource(DEFAULT_THRESHOLDS);

  test('lists exactly the labels that differ for other thresholds', () => {
    const t = withThresholds({ riskLow: 0.45, missThreshold: 5 });
    assert.deepEqual(chartLabelChanges(base, triageChartSource(t)), [
      { kind: 'edge', id: 'E-F', text: 'Low Risk < 0.45' },
      { kind: 'edge', id: 'E-G', text: 'Medium Risk 0.45-0.8' },
      { kind: 'edge', id: 'I-J', text: '< 5 misses' },
      { kind: 'edge', id: 'I-K', text: '>= 5 misses' },
    ]);
  });

  test('is empty for the same source, and finds a changed node label decoded', () => {
    assert.deepEqual(chartLabelChanges(base, base), []);
    const changed = base.replace('A["GuardTrip Event Detected"]', 'A["#60;b#62; #38; x"]');
    assert.deepEqual(chartLabelChanges(base, changed), [{ kind: 'node', id: 'A', text: '<b> & x' }]);
  });

  test('is null for a structural change', () => {
    const t = triageChartSource(DEFAULT_THRESHOLDS);
    assert.equal(chartLabelChanges(base, `${t}\n    O --> A`), null, 'an added edge');
    assert.equal(chartLabelChanges(base, t.replace('N --> O', 'N --> M')), null, 'another target');
    assert.equal(chartLabelChanges(base, t.replace('B{"', 'B["').replace('?"}', '?"]')), null, 'another shape');
    assert.equal(chartLabelChanges(base, t.replace('A -->', 'A -->|"x"|')), null, 'a label on an unlabelled edge');
    assert.equal(chartLabelChanges(base, t.replace('flowchart TD', 'flowchart LR')), null, 'another direction');
    assert.equal(chartLabelChanges(base, t.replace(/\n {4}O\[[^\n]*/, '')), null, 'a node fewer');
    assert.equal(chartLabelChanges(base, `${t}\n    click A call x()`), null, 'a line of another kind');
  });
});
