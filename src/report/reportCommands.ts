import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../constants';
import { reportFileName } from '../core/incidentReport/fileName';
import { buildIncidentReport } from '../core/incidentReport/report';
import { updateTimeline } from '../core/incidentReport/timeline';
import { errText } from '../evidence/gather';
import { REPORT_NAME, incidentDir, incidentIdOfFile, listReports, writeNewFile } from '../evidence/incidentFolder';
import { appendRecord } from '../evidence/records';
import type { IncidentModel } from '../model/incidentModel';
import { auditFilePath } from '../playbook/auditStore';
import { incidentTarget, resolveIncident, workspaceRoot } from './incidentTarget';
import { readReportInputs, timelineEntries, withTenant } from './reportInputs';

export interface TimelineUpdateResult {
  file: string;
  added: number;
}

/** The report file a command means: a Uri argument, the active editor's report, else the incident's latest. */
async function targetReport(
  model: IncidentModel,
  root: string,
  arg: unknown,
): Promise<{ file: string; id: string } | undefined> {
  const fromFile = (f: string): { file: string; id: string } | undefined => {
    const id = incidentIdOfFile(root, f);
    return id && REPORT_NAME.test(path.basename(f)) ? { file: f, id } : undefined;
  };
  if (arg instanceof vscode.Uri) {
    const r = fromFile(arg.fsPath);
    if (!r) void vscode.window.showErrorMessage('That file is not an incident report in incidents/<incident>/.');
    return r;
  }
  if (arg === undefined) {
    const active = vscode.window.activeTextEditor?.document.uri;
    const r = active?.scheme === 'file' ? fromFile(active.fsPath) : undefined;
    if (r) return r;
  }
  const inc = await resolveIncident(model, arg, 'update the report timeline of');
  if (!inc) return undefined;
  const latest = listReports(incidentDir(root, inc.id)).at(-1);
  if (!latest) {
    void vscode.window.showInformationMessage('This incident has no report yet: use Draft Incident Report first.');
    return undefined;
  }
  return { file: latest, id: inc.id };
}

export function registerReportCommands(model: IncidentModel, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const draft = async (arg?: unknown): Promise<string | undefined> => {
    const t = await incidentTarget(model, arg, 'draft a report for');
    if (!t) return undefined;
    try {
      const now = new Date();
      const inputs = readReportInputs(
        model,
        t.incident,
        t.dir,
        auditFilePath(t.root, t.incident.id),
        auditFilePath(t.root, undefined),
      );
      const base = buildIncidentReport({
        incident: withTenant(model, t.incident),
        rollbacks: inputs.rollbacks,
        audit: inputs.audit,
        evidence: inputs.evidence,
        generatedAt: now,
      });
      const md = updateTimeline(base, inputs.records);
      // Never over an existing file: a second draft in the same second gets -2, -3, ….
      const file = writeNewFile(t.dir, reportFileName(now).replace(/\.md$/, ''), '.md', md);
      appendRecord(t.dir, {
        action: 'report-drafted',
        incidentId: t.incident.id,
        summary: `drafted the incident report ${path.basename(file)}`,
      });
      if (inputs.badLines) log.warn(`${inputs.badLines} damaged line(s) in the incident's audit/records were skipped`);
      log.info(`Drafted ${file}`);
      try {
        await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
      } catch (e) {
        log.warn(`The report ${file} was written but could not be opened: ${errText(e)}`);
      }
      return file;
    } catch (e) {
      log.error(`Drafting the report for ${t.incident.id} failed: ${errText(e)}`);
      void vscode.window.showErrorMessage(`The report could not be drafted: ${errText(e)}`);
      return undefined;
    }
  };

  const update = async (arg?: unknown): Promise<TimelineUpdateResult | undefined> => {
    const root = workspaceRoot();
    if (!root) return undefined;
    const target = await targetReport(model, root, arg);
    if (!target) return undefined;
    try {
      const inc = model.get(target.id);
      const entries = timelineEntries(
        inc,
        readReportInputs(
          model,
          inc,
          path.dirname(target.file),
          auditFilePath(root, target.id),
          auditFilePath(root, undefined),
        ),
      );
      const uri = vscode.Uri.file(target.file);
      // Unsaved edits of the engineer live in the editor: update the buffer there and leave saving to them.
      // Otherwise the file on disk is the truth (a clean editor reloads it), never a possibly stale model.
      const dirty = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath && d.isDirty);
      const before = dirty ? dirty.getText() : fs.readFileSync(target.file, 'utf8');
      const after = updateTimeline(before, entries);
      const added = after === before ? 0 : after.split(/\r\n|\r|\n/).length - before.split(/\r\n|\r|\n/).length;
      if (after !== before) {
        if (dirty) {
          const edit = new vscode.WorkspaceEdit();
          edit.replace(uri, new vscode.Range(dirty.positionAt(0), dirty.positionAt(before.length)), after);
          if (!(await vscode.workspace.applyEdit(edit))) throw new Error('the editor refused the edit');
        } else {
          fs.writeFileSync(target.file, after);
        }
      }
      log.info(`Timeline of ${target.file}: ${added} new entr${added === 1 ? 'y' : 'ies'}`);
      void vscode.window.setStatusBarMessage(
        added
          ? `Incident report timeline: ${added} new entr${added === 1 ? 'y' : 'ies'}`
          : 'Incident report timeline is up to date',
        4000,
      );
      return { file: target.file, added };
    } catch (e) {
      log.error(`Updating the timeline of ${target.file} failed: ${errText(e)}`);
      void vscode.window.showErrorMessage(`The timeline could not be updated: ${errText(e)}`);
      return undefined;
    }
  };

  return [
    vscode.commands.registerCommand(Commands.reportDraft, draft),
    vscode.commands.registerCommand(Commands.reportUpdateTimeline, update),
  ];
}
