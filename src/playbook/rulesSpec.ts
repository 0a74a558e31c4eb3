// The generated PrometheusRule as an object (what apply-prometheus-rule sends) and as YAML (what kubectl applies):
// both from the same rules, the way src/core/metrics/prometheusRule.ts renders them.
import { PLAYBOOK_RULES } from '../core/metrics/alerts';
import { prometheusRuleYaml } from '../core/metrics/prometheusRule';
import { formatDuration } from '../core/metrics/promql';

export const RULES_LABELS: Readonly<Record<string, string>> = Object.freeze({
  'app.kubernetes.io/part-of': 'provability-fabric',
});

export function generatedRules(name: string, namespace: string): { yaml: string; spec: unknown } {
  const groups = new Map<string, unknown[]>();
  for (const rule of PLAYBOOK_RULES) {
    const r = {
      alert: rule.name,
      expr: rule.expr,
      for: formatDuration(rule.forMs),
      labels: { severity: rule.severity },
      annotations: { summary: rule.summary },
    };
    const list = groups.get(rule.group);
    if (list) list.push(r);
    else groups.set(rule.group, [r]);
  }
  return {
    yaml: prometheusRuleYaml({ name, namespace, labels: { ...RULES_LABELS } }),
    spec: { groups: [...groups].map(([g, rules]) => ({ name: g, rules })) },
  };
}
