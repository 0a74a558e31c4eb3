import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { HIGH_ROLLBACK_RATE, PLAYBOOK_RULES, ROLLBACK_LATENCY_HIGH, tuneRule } from '../../src/core/metrics/alerts';
import { prometheusRuleYaml, toYaml, yamlString } from '../../src/core/metrics/prometheusRule';

const GOLDEN = `apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: pf-incident-response
  namespace: monitoring
  labels:
    release: kube-prometheus-stack
    app.kubernetes.io/part-of: provability-fabric
spec:
  groups:
    - name: incident-response
      rules:
        - alert: HighRollbackRate
          expr: rate(incident_bot_rollbacks_total[5m]) > 0.1
          for: 2m
          labels:
            severity: warning
          annotations:
            summary: High rollback rate detected
        - alert: RollbackLatencyHigh
          expr: histogram_quantile(0.95, rate(incident_bot_decision_latency_seconds_bucket[5m])) > 30
          for: 5m
          labels:
            severity: critical
          annotations:
            summary: Rollback decision latency is high
`;

type Node = string | Node[] | { [key: string]: Node };

/**
 * A reader for the YAML subset the emitter writes: block mappings and sequences, plain scalars and double-quoted
 * scalars. It refuses any plain scalar a real YAML reader could take for something other than that string, so a
 * round trip through it proves the quoting is safe.
 */
function readYaml(text: string): Node {
  const lines = text.split('\n').filter((l) => l !== '');
  let i = 0;
  const indentOf = (l: string) => l.length - l.trimStart().length;

  function scalar(raw: string): string {
    if (raw.startsWith('"')) {
      assert.ok(raw.endsWith('"') && raw.length >= 2, `unterminated ${raw}`);
      return raw.slice(1, -1).replace(/\\(u[0-9A-Fa-f]{4}|.)/g, (_, e: string) => {
        const simple: Record<string, string> = { '\\': '\\', '"': '"', n: '\n', t: '\t', r: '\r' };
        if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
        assert.ok(e in simple, `unknown escape \\${e}`);
        return simple[e]!;
      });
    }
    assert.ok(raw !== '' && !/^[-?:,[\]{}#&*!|>'"%@`\s]/.test(raw), `unsafe plain start: ${raw}`);
    assert.ok(!/: |:$| #|\s$/.test(raw), `unsafe plain: ${raw}`);
    assert.ok(!/^(?:y|n|yes|no|true|false|on|off|null|~)$/i.test(raw), `reserved plain: ${raw}`);
    assert.ok(!/^[-+.\d]/.test(raw) || /^(?:\d+(?:ms|[ywdhms]))+$/.test(raw), `number-like plain: ${raw}`);
    return raw;
  }

  /** Splits `key: value` (the key may be quoted). */
  function keyValue(s: string): [string, string | null] {
    let keyEnd: number;
    if (s.startsWith('"')) {
      let j = 1;
      while (s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      keyEnd = j + 1;
    } else {
      keyEnd = s.indexOf(':');
    }
    assert.equal(s[keyEnd], ':', `no key in ${s}`);
    const rest = s.slice(keyEnd + 1);
    return [scalar(s.slice(0, keyEnd)), rest === '' ? null : rest.slice(1)];
  }

  function block(indent: number): Node {
    const first = lines[i]!;
    if (first.slice(indent).startsWith('- ')) {
      const items: Node[] = [];
      while (i < lines.length && indentOf(lines[i]!) === indent && lines[i]!.slice(indent).startsWith('- ')) {
        // Turn "- key: v" into "  key: v" and read a mapping at indent + 2.
        lines[i] = ' '.repeat(indent + 2) + lines[i]!.slice(indent + 2);
        items.push(block(indent + 2));
      }
      return items;
    }
    const map: Record<string, Node> = {};
    while (i < lines.length && indentOf(lines[i]!) === indent) {
      const [k, v] = keyValue(lines[i]!.slice(indent));
      i++;
      assert.ok(!Object.hasOwn(map, k), `duplicate key ${k}`);
      const value = v === null ? block(indentOf(lines[i]!)) : v === '{}' ? {} : v === '[]' ? [] : scalar(v);
      Object.defineProperty(map, k, { value, enumerable: true, writable: true, configurable: true });
    }
    return map;
  }
  const root = block(0);
  assert.equal(i, lines.length, 'trailing lines');
  return root;
}

// js-yaml comes with mocha; when present it is an independent check of the same YAML.
let jsYaml: { load(text: string): unknown } | null = null;
try {
  jsYaml = createRequire(__filename)('js-yaml') as { load(text: string): unknown };
} catch {
  jsYaml = null;
}

describe('PrometheusRule export', () => {
  const options = {
    name: 'pf-incident-response',
    namespace: 'monitoring',
    labels: { release: 'kube-prometheus-stack', 'app.kubernetes.io/part-of': 'provability-fabric' },
  };

  test('the playbook rules give the golden manifest', () => {
    assert.equal(prometheusRuleYaml(options), GOLDEN);
  });

  test('it reads back as the same data', () => {
    const expected = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { ...options },
      spec: {
        groups: [
          {
            name: 'incident-response',
            rules: PLAYBOOK_RULES.map((r) => ({
              alert: r.name,
              expr: r.expr,
              for: r === HIGH_ROLLBACK_RATE ? '2m' : '5m',
              labels: { severity: r.severity },
              annotations: { summary: r.summary },
            })),
          },
        ],
      },
    };
    assert.deepEqual(readYaml(GOLDEN), expected);
    if (jsYaml) assert.deepEqual(jsYaml.load(GOLDEN), expected);
  });

  test('tuned thresholds and durations, several groups, no labels', () => {
    const yaml = prometheusRuleYaml({
      name: 'r',
      namespace: 'ns',
      rules: [
        tuneRule(HIGH_ROLLBACK_RATE, { threshold: 0.02, aggregation: 'sum', forMs: 90_000 }),
        tuneRule(ROLLBACK_LATENCY_HIGH, { threshold: 10, group: 'latency', forMs: 0 }),
      ],
    });
    const doc = readYaml(yaml) as {
      metadata: object;
      spec: { groups: { name: string; rules: Record<string, string>[] }[] };
    };
    assert.deepEqual(doc.metadata, { name: 'r', namespace: 'ns' });
    assert.deepEqual(
      doc.spec.groups.map((g) => [g.name, g.rules.map((r) => [r['expr'], r['for']])]),
      [
        ['incident-response', [['sum(rate(incident_bot_rollbacks_total[5m])) > 0.02', '1m30s']]],
        ['latency', [['histogram_quantile(0.95, rate(incident_bot_decision_latency_seconds_bucket[5m])) > 10', '0s']]],
      ],
    );
  });

  test('hostile names, summaries and labels stay data', () => {
    const hostile = [
      'Rate: high # not a comment',
      '{{ $labels.reason }} rolled back "twice"',
      "line one\nline two\r\n\ttabbed 'single'",
      '- starts like a list item',
      'yes',
      'No',
      'null',
      '~',
      '0.1',
      '1e3',
      '0x1F',
      '2025-08-05',
      '12:30',
      '@at',
      '`tick`',
      '*alias',
      '&anchor',
      '!tag',
      '| block',
      '> folded',
      '%directive',
      'trailing space ',
      ' leading space',
      '',
      '\u2028line separator\u0085next line\u0000nul\u007f',
      'emoji 🚨 and ünïcödé',
      '\ufeffbom',
      '__proto__',
    ];
    for (const s of hostile) {
      const rule = tuneRule(HIGH_ROLLBACK_RATE, { name: s, summary: s, severity: s, group: s });
      const yaml = prometheusRuleYaml({ name: s, namespace: s, labels: { [s]: s, other: s }, rules: [rule] });
      const doc = readYaml(yaml) as {
        metadata: Record<string, unknown>;
        spec: { groups: { name: string; rules: { alert: string; labels: object; annotations: object }[] }[] };
      };
      assert.equal(doc.metadata['name'], s);
      assert.equal(doc.metadata['namespace'], s);
      assert.deepEqual(Object.entries(doc.metadata['labels'] as object), [
        [s, s],
        ['other', s],
      ]);
      const [group] = doc.spec.groups;
      assert.equal(group!.name, s);
      assert.equal(group!.rules[0]!.alert, s);
      assert.deepEqual({ ...group!.rules[0]!.labels }, { severity: s });
      assert.deepEqual({ ...group!.rules[0]!.annotations }, { summary: s });
      if (jsYaml && s !== '__proto__') {
        const loaded = jsYaml.load(yaml) as typeof doc;
        assert.equal(loaded.spec.groups[0]!.rules[0]!.alert, s, `js-yaml reads ${JSON.stringify(s)} differently`);
        assert.equal(loaded.metadata['name'], s);
      }
    }
  });

  test('quoting only when needed', () => {
    assert.equal(yamlString('HighRollbackRate'), 'HighRollbackRate');
    assert.equal(yamlString('2m'), '2m');
    assert.equal(yamlString('1h30m'), '1h30m');
    assert.equal(yamlString('true'), '"true"');
    assert.equal(yamlString('30'), '"30"');
    assert.equal(yamlString('a: b'), '"a: b"');
    assert.equal(yamlString('say "hi"\n'), '"say \\"hi\\"\\n"');
    assert.equal(yamlString('\u2028'), '"\\u2028"');
    assert.equal(yamlString('\ud800'), '"\\uFFFD"', 'a lone surrogate cannot be written: it becomes U+FFFD');
    assert.equal(toYaml({ a: [], b: {}, c: ['x', { d: 'e' }] }), 'a: []\nb: {}\nc:\n  - x\n  - d: e\n');
  });

  test('property: any string survives as a name, summary, label key and value', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        (a, b) => {
          const rule = tuneRule(HIGH_ROLLBACK_RATE, { name: a, summary: b });
          const yaml = prometheusRuleYaml({ name: b, namespace: a, labels: { [a]: b }, rules: [rule] });
          const doc = readYaml(yaml) as {
            metadata: Record<string, unknown>;
            spec: { groups: { rules: { alert: string; annotations: { summary: string } }[] }[] };
          };
          assert.equal(doc.spec.groups[0]!.rules[0]!.alert, a);
          assert.equal(doc.spec.groups[0]!.rules[0]!.annotations.summary, b);
          assert.deepEqual(Object.entries(doc.metadata['labels'] as object), [[a, b]]);
          if (jsYaml && a !== '__proto__') {
            const loaded = jsYaml.load(yaml) as typeof doc;
            assert.equal(loaded.spec.groups[0]!.rules[0]!.alert, a);
            assert.equal(loaded.spec.groups[0]!.rules[0]!.annotations.summary, b);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
