import * as vscode from 'vscode';
import { incidentIdOf } from '../commands/incidentCommands';
import { pickIncident } from '../commands/incidentPicker';
import type { Incident } from '../core/incidents';
import { incidentDir, isSafeIncidentId } from '../evidence/incidentFolder';
import type { IncidentModel } from '../model/incidentModel';

/** Where records are written: the first workspace folder (a message when there is none). */
export function workspaceRoot(): string | undefined {
  const ws = vscode.workspace.workspaceFolders?.[0];
  if (!ws || ws.uri.scheme !== 'file') {
    void vscode.window.showErrorMessage('Open a folder first: incident records are written to its incidents/ folder.');
    return undefined;
  }
  return ws.uri.fsPath;
}

/**
 * The incident a command is for: its argument (a tree node or an id), else one picked from the loaded incidents.
 * An argument that names no loaded incident (or is not a valid id) is refused with a message.
 */
export async function resolveIncident(model: IncidentModel, arg: unknown, verb: string): Promise<Incident | undefined> {
  if (arg !== undefined && arg !== null) {
    const id = incidentIdOf(arg);
    const inc = id !== undefined && isSafeIncidentId(id) ? model.get(id) : undefined;
    if (!inc) {
      void vscode.window.showErrorMessage(
        `No loaded incident matches ${JSON.stringify(id ?? typeof arg).slice(0, 60)}.`,
      );
    }
    return inc;
  }
  // One loaded incident needs no question; none is said by the picker.
  if (model.size === 1) return model.list()[0];
  return pickIncident(model, `Incident to ${verb}`);
}

/** Both at once, for commands that write into the incident's folder. */
export async function incidentTarget(
  model: IncidentModel,
  arg: unknown,
  verb: string,
): Promise<{ incident: Incident; root: string; dir: string } | undefined> {
  const root = workspaceRoot();
  if (!root) return undefined;
  const incident = await resolveIncident(model, arg, verb);
  if (!incident) return undefined;
  return { incident, root, dir: incidentDir(root, incident.id) };
}
