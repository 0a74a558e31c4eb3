import * as path from 'node:path';
import { IncomingWebhook } from '@slack/webhook';
import * as vscode from 'vscode';
import { Commands } from '../constants';
import type { SlackMessage } from '../core/incidentReport/slack';
import { buildSlackMessage } from '../core/incidentReport/slack';
import { errText } from '../evidence/gather';
import { incidentDir, listReports } from '../evidence/incidentFolder';
import { appendRecord } from '../evidence/records';
import type { IncidentModel } from '../model/incidentModel';
import { resolveIncident } from '../report/incidentTarget';
import { incidentRollbacks, withTenant } from '../report/reportInputs';
import { previewText, scrubUrl, webhookUrlProblem } from './webhookUrl';

/** SecretStorage key of the webhook URL; the URL is never put in settings, logs, reports or workspaceState. */
export const WEBHOOK_SECRET_KEY = 'pfIncident.slack.webhookUrl';
/** workspaceState key of a message whose post failed, kept for Retry. */
export const PENDING_KEY = 'pfIncident.slack.pending';

export interface PendingSlackMessage {
  incidentId: string;
  message: SlackMessage;
  failedAt: string;
  error: string;
}

export interface NotifyOptions {
  /** false: send without the modal preview (the test seam; the palette always previews). */
  preview?: boolean;
  /** Resend the kept message of a failed post instead of building a new one. */
  retry?: boolean;
}

export interface NotifyResult {
  status: 'sent' | 'failed' | 'cancelled' | 'no-webhook';
  error?: string;
}

export function registerSlackCommands(
  model: IncidentModel,
  secrets: vscode.SecretStorage,
  state: vscode.Memento,
  log: vscode.LogOutputChannel,
): vscode.Disposable[] {
  const pending = (): PendingSlackMessage | undefined => state.get<PendingSlackMessage>(PENDING_KEY);

  const record = (incidentId: string, ok: boolean, what: string): void => {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (root?.scheme !== 'file') return;
    try {
      appendRecord(incidentDir(root.fsPath, incidentId), {
        action: ok ? 'slack-posted' : 'slack-failed',
        incidentId,
        summary: what,
      });
    } catch (e) {
      log.warn(`Slack post not recorded: ${errText(e)}`);
    }
  };

  const send = async (url: string, incidentId: string, message: SlackMessage): Promise<NotifyResult> => {
    try {
      await new IncomingWebhook(url, { timeout: 15_000 }).send(message);
    } catch (e) {
      const status = (e as { statusCode?: unknown }).statusCode;
      const raw = `${typeof status === 'number' ? `HTTP ${status}: ` : ''}${errText(e)}`;
      const error = scrubUrl(raw, url).slice(0, 300);
      await state.update(PENDING_KEY, { incidentId, message, failedAt: new Date().toISOString(), error });
      record(incidentId, false, `Slack post failed (${error}); message kept for retry`);
      log.error(`Slack post for ${incidentId} failed: ${error}. The message is kept; use Retry.`);
      void vscode.window
        .showErrorMessage(`Posting to Slack failed: ${error}. The message is kept.`, 'Retry')
        .then((c) => {
          if (c === 'Retry') {
            void vscode.commands.executeCommand(Commands.slackNotify, undefined, { retry: true, preview: false });
          }
        });
      return { status: 'failed', error };
    }
    await state.update(PENDING_KEY, undefined);
    record(incidentId, true, 'posted the incident summary to Slack');
    log.info(`Slack: posted the summary of ${incidentId}`);
    void vscode.window.setStatusBarMessage('Incident summary posted to Slack', 4000);
    return { status: 'sent' };
  };

  const confirm = async (message: SlackMessage): Promise<boolean> => {
    for (;;) {
      const c = await vscode.window.showInformationMessage(
        'Send this incident summary to Slack?',
        { modal: true, detail: previewText(message) },
        'Send',
        'Show Payload',
      );
      if (c === 'Send') return true;
      if (c !== 'Show Payload') return false;
      const doc = await vscode.workspace.openTextDocument({
        language: 'json',
        content: JSON.stringify(message, null, 2),
      });
      await vscode.window.showTextDocument(doc, { preview: true });
    }
  };

  const notify = async (arg?: unknown, opts?: NotifyOptions): Promise<NotifyResult> => {
    const url = await secrets.get(WEBHOOK_SECRET_KEY);
    if (!url) {
      void vscode.window
        .showWarningMessage('No Slack webhook URL is set.', 'Set Slack Webhook URL…')
        .then((c) => c && vscode.commands.executeCommand(Commands.slackSetWebhook));
      return { status: 'no-webhook' };
    }
    let kept = pending();
    if (kept && !opts?.retry && arg === undefined) {
      const c = await vscode.window.showWarningMessage(
        `A Slack message from ${kept.failedAt} was not sent (${kept.error}).`,
        'Retry Unsent Message',
        'Write a New One',
      );
      if (!c) return { status: 'cancelled' };
      if (c !== 'Retry Unsent Message') kept = undefined;
    } else if (!opts?.retry) {
      kept = undefined;
    }
    let incidentId: string;
    let message: SlackMessage;
    if (kept) {
      incidentId = kept.incidentId;
      message = kept.message;
    } else {
      if (opts?.retry) {
        void vscode.window.showInformationMessage('There is no unsent Slack message to retry.');
        return { status: 'cancelled' };
      }
      const inc = await resolveIncident(model, arg, 'post to Slack');
      if (!inc) return { status: 'cancelled' };
      const root = vscode.workspace.workspaceFolders?.[0]?.uri;
      const report = root?.scheme === 'file' ? listReports(incidentDir(root.fsPath, inc.id)).at(-1) : undefined;
      incidentId = inc.id;
      message = buildSlackMessage({
        incident: withTenant(model, inc),
        rollbacks: incidentRollbacks(model, inc),
        ...(report ? { reportName: path.basename(report) } : {}),
      });
    }
    if (opts?.preview !== false && !(await confirm(message))) return { status: 'cancelled' };
    return send(url, incidentId, message);
  };

  const setWebhook = async (arg?: unknown): Promise<boolean> => {
    let url = typeof arg === 'string' ? arg : undefined;
    if (url === undefined) {
      url = await vscode.window.showInputBox({
        title: 'Slack incoming webhook URL',
        prompt: "Kept in VS Code's secret storage only (never in settings, logs or reports).",
        placeHolder: 'https://hooks.slack.com/services/…',
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => webhookUrlProblem(v),
      });
      if (url === undefined) return false;
    }
    const problem = webhookUrlProblem(url);
    if (problem) {
      void vscode.window.showErrorMessage(`Slack webhook URL not saved: ${problem}`);
      return false;
    }
    await secrets.store(WEBHOOK_SECRET_KEY, url);
    log.info('Slack webhook URL saved in secret storage');
    void vscode.window.showInformationMessage("Slack webhook URL saved in VS Code's secret storage.");
    return true;
  };

  const clearWebhook = async (): Promise<void> => {
    await secrets.delete(WEBHOOK_SECRET_KEY);
    log.info('Slack webhook URL removed from secret storage');
    void vscode.window.showInformationMessage('Slack webhook URL cleared.');
  };

  return [
    vscode.commands.registerCommand(Commands.slackNotify, notify),
    vscode.commands.registerCommand(Commands.slackSetWebhook, setWebhook),
    vscode.commands.registerCommand(Commands.slackClearWebhook, clearWebhook),
  ];
}
