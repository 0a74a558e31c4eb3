import * as vscode from 'vscode';
import type { ChangeUi, ConfirmRequest, DiffView } from './changeFlow';
import type { ResultDocuments } from './resultDocuments';

/** The change flow's UI in VS Code: the diff editor on two read-only documents, and a modal confirmation. */
export class VscodeChangeUi implements ChangeUi {
  /** The last diff and confirmation shown, for tests and the output channel. */
  lastDiff: DiffView | undefined;
  lastConfirm: ConfirmRequest | undefined;

  constructor(private readonly docs: ResultDocuments) {}

  async showDiff(view: DiffView): Promise<void> {
    this.lastDiff = view;
    const name = view.title.split(' in ')[0] ?? 'object';
    const left = this.docs.put('diff', `${name} (before).yaml`, view.before);
    const right = this.docs.put('diff', `${name} (after, dry run).yaml`, view.after);
    await vscode.commands.executeCommand('vscode.diff', left, right, view.title, { preview: false });
  }

  async confirm(req: ConfirmRequest): Promise<boolean> {
    this.lastConfirm = req;
    const pick = await vscode.window.showWarningMessage(req.message, { modal: true, detail: req.detail }, req.action);
    return pick === req.action;
  }
}
