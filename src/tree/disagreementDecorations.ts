import * as vscode from 'vscode';
import { INCIDENT_URI_SCHEME } from '../constants';
import type { IncidentModel } from '../model/incidentModel';
import { Disposable } from '../util/disposable';
import { incidentUri } from './treeItems';

/** Badges incident rows whose bot decision disagrees with the playbook (tree items can only be badged this way). */
export class DisagreementDecorations extends Disposable implements vscode.FileDecorationProvider {
  private readonly emitter = this.register(new vscode.EventEmitter<vscode.Uri | vscode.Uri[] | undefined>());
  readonly onDidChangeFileDecorations = this.emitter.event;

  constructor(private readonly model: IncidentModel) {
    super();
    this.register(
      model.onDidChange((c) => this.emitter.fire(c.changed ? c.changed.map((i) => incidentUri(i.id)) : undefined)),
    );
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== INCIDENT_URI_SCHEME) return undefined;
    const inc = this.model.get(uri.path.replace(/^\//, ''));
    if (!inc?.latest.disagreement) return undefined;
    const d = new vscode.FileDecoration(
      '≠',
      'The incident-bot and the playbook disagree',
      new vscode.ThemeColor('list.warningForeground'),
    );
    d.propagate = false;
    return d;
  }
}
