import * as vscode from 'vscode';
import type { BundleOpener } from '../commands/openBundle';
import { registerEvidenceCommands } from '../evidence/evidenceCommands';
import type { ClusterController } from '../live/clusterController';
import type { MetricsController } from '../metrics/metricsController';
import type { IncidentModel } from '../model/incidentModel';
import { registerSlackCommands } from '../slack/slackCommands';
import { registerReportCommands } from './reportCommands';

export interface IncidentRecordsDeps {
  context: vscode.ExtensionContext;
  model: IncidentModel;
  cluster: ClusterController;
  bundles: BundleOpener;
  metrics: MetricsController;
  log: vscode.LogOutputChannel;
}

/** Evidence, the ledger check, incident reports and Slack: every command of the incident's records, registered once. */
export function registerIncidentRecords(d: IncidentRecordsDeps): vscode.Disposable {
  return vscode.Disposable.from(
    ...registerEvidenceCommands(d),
    ...registerReportCommands(d.model, d.log),
    ...registerSlackCommands(d.model, d.context.secrets, d.context.workspaceState, d.log),
  );
}
