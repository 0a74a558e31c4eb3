import type { AlertRule } from './alerts';
import { PLAYBOOK_RULES } from './alerts';
import { labelsFrom } from './labels';
import { formatDuration } from './promql';

/** The alert rules as a prometheus-operator `PrometheusRule`, through a small YAML emitter that only writes data. */

export interface PrometheusRuleOptions {
  name: string;
  namespace: string;
  /** Usually what the Prometheus `ruleSelector` matches, e.g. `{ release: 'kube-prometheus-stack' }`. */
  labels?: Readonly<Record<string, string>>;
  /** Defaults to the playbook rules; pass `tuneRule` copies to export tuned thresholds. */
  rules?: readonly AlertRule[];
}

/** YAML 1.1 and 1.2 words that a plain scalar would turn into booleans or null. */
const RESERVED = /^(?:y|n|yes|no|true|false|on|off|null)$/i;
/** Safe unquoted: starts with a letter or `_`, no `:` or `#` (which can start a mapping value or a comment). */
const PLAIN = /^[A-Za-z_][A-Za-z0-9_ .,/()[\]<>=*+-]*$/;
/** A Prometheus duration (`2m`, `1h30m`) is a string in YAML although it starts with a digit. */
const DURATION = /^(?:\d+(?:ms|[ywdhms]))+$/;

function escapeChar(c: string): string {
  switch (c) {
    case '\\':
      return '\\\\';
    case '"':
      return '\\"';
    case '\n':
      return '\\n';
    case '\t':
      return '\\t';
    case '\r':
      return '\\r';
  }
  const code = c.codePointAt(0) ?? 0xfffd;
  // Lone surrogates cannot be written in YAML (or UTF-8) at all: they become U+FFFD.
  if (code >= 0xd800 && code <= 0xdfff) return '\\uFFFD';
  const unprintable =
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0xfeff ||
    code === 0xfffe ||
    code === 0xffff;
  return unprintable ? `\\u${code.toString(16).toUpperCase().padStart(4, '0')}` : c;
}

/** A string as a YAML scalar that every YAML 1.1/1.2 reader takes back as exactly that string. */
export function yamlString(s: string): string {
  const plain = (PLAIN.test(s) && !s.endsWith(' ') && !RESERVED.test(s)) || DURATION.test(s);
  if (plain) return s;
  let out = '"';
  for (const c of s) out += escapeChar(c);
  return `${out}"`;
}

type Yaml = string | readonly Yaml[] | { readonly [key: string]: Yaml };

function emit(value: Yaml, indent: string, lines: string[], prefix: string): void {
  if (typeof value === 'string') {
    lines.push(`${prefix}${yamlString(value)}`);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value as readonly Yaml[]) emitItem(item, indent, lines);
    return;
  }
  let first = true;
  for (const [key, child] of Object.entries(value)) {
    // The first key of a sequence item shares the "- " line.
    const lead = first && prefix ? prefix : indent;
    first = false;
    const k = `${lead}${yamlString(key)}:`;
    if (typeof child === 'string') lines.push(`${k} ${yamlString(child)}`);
    else if (isEmpty(child)) lines.push(`${k} ${Array.isArray(child) ? '[]' : '{}'}`);
    else {
      lines.push(k);
      emit(child, `${indent}  `, lines, '');
    }
  }
}

function emitItem(item: Yaml, indent: string, lines: string[]): void {
  if (typeof item === 'string' || Array.isArray(item) || isEmpty(item)) {
    lines.push(`${indent}- ${typeof item === 'string' ? yamlString(item) : Array.isArray(item) ? '[]' : '{}'}`);
    return;
  }
  emit(item, `${indent}  `, lines, `${indent}- `);
}

function isEmpty(v: Yaml): boolean {
  return typeof v !== 'string' && (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);
}

/** Block-style YAML for a tree of mappings, sequences and strings. */
export function toYaml(value: Yaml): string {
  const lines: string[] = [];
  emit(value, '', lines, '');
  return `${lines.join('\n')}\n`;
}

function ruleYaml(rule: AlertRule): Yaml {
  return {
    alert: rule.name,
    expr: rule.expr,
    for: formatDuration(rule.forMs),
    labels: { severity: rule.severity },
    annotations: { summary: rule.summary },
  };
}

/** The `PrometheusRule` manifest; rules are grouped by `rule.group` in order of first appearance. */
export function prometheusRuleYaml(options: PrometheusRuleOptions): string {
  const groups = new Map<string, AlertRule[]>();
  for (const rule of options.rules ?? PLAYBOOK_RULES) {
    const list = groups.get(rule.group);
    if (list) list.push(rule);
    else groups.set(rule.group, [rule]);
  }
  const metadata: Record<string, Yaml> = { name: options.name, namespace: options.namespace };
  const labels = Object.entries(options.labels ?? {});
  if (labels.length > 0) metadata['labels'] = labelsFrom(labels);
  return toYaml({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata,
    spec: {
      groups: [...groups].map(([name, rules]) => ({ name, rules: rules.map(ruleYaml) })),
    },
  });
}
