import * as vscode from 'vscode';
import type { Incident } from '../core/incidents';
import type { IncidentModel } from '../model/incidentModel';
import { TriagePanel } from '../panel/triagePanel';
import { incidentPickItems } from '../tree/presentation';

/** The incidents the engineer is looking at: the one selected in the tree, then the triage panel's. */
export function currentIncidents(model: IncidentModel): { id: string; why: string }[] {
  const out: { id: string; why: string }[] = [];
  const selected = model.selectedIncidentId;
  if (selected && model.get(selected)) out.push({ id: selected, why: 'selected in the tree' });
  const panel = TriagePanel.active?.currentIncidentId;
  if (panel && panel !== selected && model.get(panel)) out.push({ id: panel, why: 'in the triage panel' });
  return out;
}

/**
 * Asks which incident a command from the palette is for. Every command lists them alike, with the incident the
 * engineer is looking at first. `extra` rows (e.g. "Enter a capsule hash…") come last; picking one resolves to
 * its `value`.
 */
export async function pickIncident<T = never>(
  model: IncidentModel,
  title: string,
  extra: (vscode.QuickPickItem & { value: T })[] = [],
): Promise<Incident | T | undefined> {
  const incidents = model.list();
  if (incidents.length === 0 && extra.length === 0) {
    void vscode.window.showInformationMessage(
      'No incidents are loaded: open an incident log or a replay bundle, or connect to a cluster.',
    );
    return undefined;
  }
  type Item = vscode.QuickPickItem & { id?: string; value?: T };
  const items: Item[] = incidentPickItems(incidents, {
    tenantOf: (i) => model.tenantOf(i),
    needsAttention: (i) => model.needsAttention(i),
    current: currentIncidents(model),
  });
  if (extra.length) items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, ...extra);
  const picked = await vscode.window.showQuickPick(items, { title, matchOnDescription: true, matchOnDetail: true });
  if (!picked) return undefined;
  if (picked.id !== undefined) return model.get(picked.id);
  return picked.value;
}
