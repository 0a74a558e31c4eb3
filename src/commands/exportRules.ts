import * as vscode from 'vscode';
import { Commands } from '../constants';
import { prometheusRuleYaml } from '../core/metrics/prometheusRule';

/** Opens the playbook's two alert rules as a PrometheusRule resource in a new (unsaved) YAML editor. */
export function registerExportRules(): vscode.Disposable {
  return vscode.commands.registerCommand(Commands.exportRules, async (namespace?: unknown) => {
    const ns =
      typeof namespace === 'string'
        ? namespace
        : await vscode.window.showInputBox({
            title: 'Export alert rules as a PrometheusRule',
            prompt: 'Namespace of the PrometheusRule (where prometheus-operator picks it up)',
            value: 'monitoring',
            validateInput: (v) =>
              /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v) ? undefined : 'A Kubernetes namespace name (DNS label).',
          });
    if (!ns) return undefined;
    const yaml = prometheusRuleYaml({
      name: 'incident-response',
      namespace: ns,
      labels: { 'app.kubernetes.io/part-of': 'provability-fabric' },
    });
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: yaml });
    await vscode.window.showTextDocument(doc, { preview: false });
    return yaml;
  });
}
