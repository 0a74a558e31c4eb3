import * as vscode from 'vscode';

/** Read-only virtual documents for step results and dry-run diffs (a content provider's documents are read-only). */
export const RESULT_SCHEME = 'pf-incident-result';

export interface StepResultLink {
  incidentId: string;
  title: string;
  uri: vscode.Uri;
  when: string;
  summary: string;
}

const safeSegment = (s: string): string => s.replace(/[\\/:*?"<>|\u0000-\u001f\u007f]/g, '_').slice(0, 120);

export class ResultDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly links: StepResultLink[] = [];
  private seq = 0;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly added = new vscode.EventEmitter<string>();
  /** Fires the incident id when a result is linked to it. */
  readonly onDidAddResult = this.added.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '(this result is no longer available: run the step again)';
  }

  /** Stores text under a new URI whose file name is the tab title. */
  put(folder: string, fileName: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({
      scheme: RESULT_SCHEME,
      path: `/${safeSegment(folder)}/${++this.seq}/${safeSegment(fileName)}`,
    });
    this.texts.set(uri.toString(), text);
    return uri;
  }

  /** Opens a step result titled with the step and the incident, and links it to the incident. */
  async openResult(
    incidentId: string | undefined,
    title: string,
    text: string,
    language: string,
    summary: string,
  ): Promise<vscode.Uri> {
    const ext = language === 'yaml' ? 'yaml' : language === 'log' ? 'log' : 'txt';
    const inc = incidentId ?? 'no incident';
    const uri = this.put(inc, `${title} — ${inc}.${ext}`, text);
    this.links.push({ incidentId: inc, title, uri, when: new Date().toISOString(), summary });
    this.added.fire(inc);
    const doc = await vscode.workspace.openTextDocument(uri);
    if (language === 'log' || language === 'yaml') {
      await vscode.languages.setTextDocumentLanguage(doc, language).then(undefined, () => undefined);
    }
    await vscode.window.showTextDocument(doc, { preview: false });
    return uri;
  }

  resultsFor(incidentId: string | undefined): StepResultLink[] {
    return this.links.filter((l) => incidentId === undefined || l.incidentId === incidentId);
  }

  dispose(): void {
    this.changed.dispose();
    this.added.dispose();
    this.texts.clear();
  }
}
