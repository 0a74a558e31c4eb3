import * as vscode from 'vscode';
import { Commands } from '../constants';
import { toJsonRecord } from '../core/report';
import type { IncidentModel } from '../model/incidentModel';
import type { TreeNode } from '../tree/nodes';

export function incidentIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (
    arg &&
    typeof arg === 'object' &&
    'incidentId' in arg &&
    typeof (arg as TreeNode & { incidentId: unknown }).incidentId === 'string'
  ) {
    return (arg as { incidentId: string }).incidentId;
  }
  return undefined;
}

/** Commands on incidents already in the tree: clear, re-triage, show the lines behind one, copy its triage. */
export function registerIncidentCommands(model: IncidentModel, retriage: () => void): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.clearIncidents, () => model.clear()),
    vscode.commands.registerCommand(Commands.retriage, () => retriage()),
    vscode.commands.registerCommand(Commands.showSource, async (arg?: unknown, lineNo?: unknown) => {
      const inc = model.get(incidentIdOf(arg) ?? '');
      const origin = inc?.latest.origin;
      if (!inc || !origin?.file || origin.firstLine === undefined) {
        void vscode.window.showInformationMessage('This incident has no source lines to show.');
        return;
      }
      const uri = origin.file.includes('://') ? vscode.Uri.parse(origin.file) : vscode.Uri.file(origin.file);
      const first = Math.max(0, (typeof lineNo === 'number' ? lineNo : origin.firstLine) - 1);
      const last = Math.max(first, (origin.lastLine ?? origin.firstLine) - 1);
      try {
        const doc = await vscode.workspace.openTextDocument(uri);
        const end = doc.lineAt(Math.min(last, doc.lineCount - 1)).range.end;
        await vscode.window.showTextDocument(doc, {
          selection: new vscode.Range(first, 0, end.line, end.character),
          preview: true,
        });
      } catch (e) {
        void vscode.window.showErrorMessage(
          `Cannot open the source of this incident: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }),
    vscode.commands.registerCommand(Commands.copyJson, async (arg?: unknown) => {
      const inc = model.get(incidentIdOf(arg) ?? '');
      if (!inc) return;
      const json = JSON.stringify(
        {
          id: inc.id,
          count: inc.count,
          firstSeen: inc.firstSeen,
          lastSeen: inc.lastSeen,
          override: inc.override ?? null,
          triage: toJsonRecord(inc.latest),
        },
        null,
        2,
      );
      await vscode.env.clipboard.writeText(json);
      void vscode.window.setStatusBarMessage('Triage copied as JSON', 3000);
    }),
  ];
}
