import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, SAMPLE_LOG, Views } from '../constants';
import { TriageInputReader } from '../core/parse/input';
import type { GuardTripInput } from '../core/guardTrip';
import type { IncidentBook } from '../core/incidents';
import { VERDICT_TITLES, VERDICTS } from '../core/triage';
import type { IncidentModel } from '../model/incidentModel';
import type { LoadResult } from '../model/loadIncidentFile';
import { LoadError, loadIncidentFile } from '../model/loadIncidentFile';

export interface OpenLogSummary {
  file: string;
  events: number;
  incidents: number;
  disagreements: number;
  skippedLines: number;
}

export class IncidentLogOpener {
  constructor(
    private readonly model: IncidentModel,
    private readonly log: vscode.LogOutputChannel,
    private readonly extensionUri: vscode.Uri,
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand(Commands.openLog, (uri?: unknown) =>
        this.openLog(uri instanceof vscode.Uri ? uri : undefined),
      ),
      vscode.commands.registerCommand(Commands.openSample, () =>
        this.open(vscode.Uri.joinPath(this.extensionUri, SAMPLE_LOG)),
      ),
    ];
  }

  async openLog(uri?: vscode.Uri): Promise<OpenLogSummary | undefined> {
    const target =
      uri ??
      (
        await vscode.window.showOpenDialog({
          canSelectMany: false,
          openLabel: 'Triage',
          title: 'Open an incident-bot log, GuardTrip events or an Alertmanager payload',
          filters: { 'Incident input': ['log', 'txt', 'jsonl', 'ndjson', 'json'], 'All files': ['*'] },
        })
      )?.[0];
    if (!target) return undefined;
    return this.open(target);
  }

  async open(uri: vscode.Uri): Promise<OpenLogSummary | undefined> {
    const name = path.basename(uri.path) || uri.toString();
    let result: LoadResult | undefined;
    const book = this.model.newBook();
    try {
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Triaging ${name}`, cancellable: true },
        async (progress, token) => {
          let last = 0;
          const onProgress = (f: number): void => {
            const pct = Math.floor(f * 100);
            if (pct > last) {
              progress.report({ increment: pct - last });
              last = pct;
            }
          };
          return uri.scheme === 'file'
            ? loadIncidentFile(uri.fsPath, name, book, token, onProgress)
            : this.loadRemote(uri, name, book);
        },
      );
    } catch (e) {
      const message =
        e instanceof LoadError ? e.message : `Could not triage ${name}: ${e instanceof Error ? e.message : String(e)}`;
      this.log.error(message);
      void vscode.window.showErrorMessage(message);
      return undefined;
    }
    if (!result) return undefined;
    this.model.replaceWithBook(book, { label: name, uri, stats: result.stats, notes: result.notes });
    const summary = this.summarize(name, result);
    this.report(name, result, summary);
    void vscode.commands.executeCommand(`${Views.incidents}.focus`).then(undefined, () => undefined);
    return summary;
  }

  /** Non-file URIs (remote or virtual workspaces) are read whole through the workspace file system. */
  private async loadRemote(uri: vscode.Uri, name: string, book: IncidentBook): Promise<LoadResult> {
    let bytes: Uint8Array;
    try {
      bytes = await vscode.workspace.fs.readFile(uri);
    } catch (e) {
      throw new LoadError(`Cannot read ${name}: ${e instanceof Error ? e.message : String(e)}.`);
    }
    const reader = new TriageInputReader('auto', { file: uri.toString() });
    const events: GuardTripInput[] = [...reader.pushBytes(bytes), ...reader.end()];
    if (reader.fatal) throw new LoadError(`${name}: ${reader.fatal}.`);
    events.sort((a, b) => (a.origin?.firstLine ?? 0) - (b.origin?.firstLine ?? 0));
    for (const e of events) book.add(e);
    return {
      events: events.length,
      stats: reader.stats,
      notes: reader.notes.map((n) => n.message),
      bytes: bytes.byteLength,
    };
  }

  private summarize(name: string, r: LoadResult): OpenLogSummary {
    const incidents = this.model.list();
    return {
      file: name,
      events: r.events,
      incidents: incidents.length,
      disagreements: incidents.filter((i) => i.latest.disagreement).length,
      skippedLines: r.stats.log.malformed + r.stats.log.oversized + r.stats.badEventLines,
    };
  }

  private report(name: string, r: LoadResult, s: OpenLogSummary): void {
    const counts = VERDICTS.map(
      (v) => [v, this.model.list().filter((i) => i.latest.verdict === v).length] as const,
    ).filter(([, n]) => n);
    this.log.info(
      `${name}: read ${r.bytes} bytes as ${r.stats.format}; ${s.events} GuardTrip events in ${s.incidents} incidents (${counts
        .map(([v, n]) => `${n} ${VERDICT_TITLES[v].toLowerCase()}`)
        .join(', ')}); ${s.disagreements} disagreements`,
    );
    const l = r.stats.log;
    if (l.lines) {
      this.log.info(
        `${name}: ${l.lines} lines: ${l.nestLines} NestJS, ${l.kafkajsLines} kafkajs, ${l.otherLines} other, ${l.malformed} malformed, ${l.oversized} oversized; ${l.unevaluated} GuardTrips never evaluated; ${l.alertsMissingHash} alerts without capsule_hash`,
      );
    }
    for (const n of r.notes) this.log.warn(`${name}: ${n}`);
    if (s.events === 0) {
      void vscode.window
        .showWarningMessage(`No GuardTrip events found in ${name}.`, 'Show Details')
        .then((a) => a && this.log.show(true));
      return;
    }
    const msg =
      `${name}: ${s.incidents} incident${s.incidents === 1 ? '' : 's'} from ${s.events} GuardTrip${s.events === 1 ? '' : 's'}` +
      (s.disagreements ? `, ${s.disagreements} where the bot and the playbook disagree` : '') +
      (s.skippedLines ? `; ${s.skippedLines} line${s.skippedLines === 1 ? '' : 's'} skipped` : '') +
      '.';
    void vscode.window.showInformationMessage(msg, 'Show Details').then((a) => a && this.log.show(true));
  }
}
