import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LoadedBundle } from '../bundle/readBundle';
import { BundleError, readBundle } from '../bundle/readBundle';
import { Commands, DEMO_BUNDLE, Views } from '../constants';
import type { IncidentModel } from '../model/incidentModel';

export interface OpenBundleSummary {
  dir: string;
  incidents: number;
  rollbacks: number;
  metricsSnapshots: number;
  problems: string[];
}

/** Opens replay bundles (a live cluster's snapshot, an evidence folder, or the demo night) into the same tree. */
export class BundleOpener {
  /** The last bundle opened, for the triage panel's metrics. */
  current: LoadedBundle | undefined;
  private readonly changed = new vscode.EventEmitter<LoadedBundle | undefined>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly model: IncidentModel,
    private readonly log: vscode.LogOutputChannel,
    private readonly extensionUri: vscode.Uri,
  ) {
    model.onDidChange(() => {
      if (this.current && this.model.source?.uri?.fsPath !== this.current.dir) {
        this.current = undefined;
        this.changed.fire(undefined);
      }
    });
  }

  register(): vscode.Disposable[] {
    return [
      this.changed,
      vscode.commands.registerCommand(Commands.openBundle, async (uri?: unknown) => {
        const target =
          uri instanceof vscode.Uri
            ? uri
            : (
                await vscode.window.showOpenDialog({
                  canSelectFolders: true,
                  canSelectFiles: false,
                  openLabel: 'Open Bundle',
                  title: 'Open a replay bundle (a folder with manifest.json)',
                })
              )?.[0];
        return target ? this.open(target) : undefined;
      }),
      vscode.commands.registerCommand(Commands.openDemo, () =>
        this.open(vscode.Uri.joinPath(this.extensionUri, DEMO_BUNDLE)),
      ),
    ];
  }

  async open(uri: vscode.Uri): Promise<OpenBundleSummary | undefined> {
    if (uri.scheme !== 'file') {
      void vscode.window.showErrorMessage('Replay bundles must be local folders.');
      return undefined;
    }
    let b: LoadedBundle;
    try {
      b = readBundle(uri.fsPath);
    } catch (e) {
      const msg =
        e instanceof BundleError
          ? e.message
          : `Could not read the bundle: ${e instanceof Error ? e.message : String(e)}`;
      this.log.error(msg);
      void vscode.window.showErrorMessage(msg);
      return undefined;
    }
    const name = b.manifest.title ?? path.basename(uri.fsPath);
    this.model.replace(
      b.events,
      { label: name, uri },
      {
        live: false,
        rollbacks: b.rollbacks,
        k8sEvents: b.k8sEvents,
        botEnv: b.botEnv,
        configMap: b.configMap,
        botWarnings: [],
      },
    );
    this.current = b;
    this.changed.fire(b);
    for (const p of b.problems) this.log.warn(`${name}: ${p}`);
    const summary: OpenBundleSummary = {
      dir: uri.fsPath,
      incidents: this.model.size,
      rollbacks: b.rollbacks.length,
      metricsSnapshots: b.metrics.length,
      problems: b.problems,
    };
    this.log.info(
      `${name}: ${b.events.length} GuardTrips in ${summary.incidents} incidents, ${summary.rollbacks} Rollbacks, ${summary.metricsSnapshots} metrics snapshots`,
    );
    if (b.problems.length) {
      void vscode.window
        .showWarningMessage(
          `${name}: ${b.problems.length} file(s) failed the integrity check or could not be read.`,
          'Show Details',
        )
        .then((a) => a && this.log.show(true));
    }
    void vscode.commands.executeCommand(`${Views.incidents}.focus`).then(undefined, () => undefined);
    return summary;
  }
}
