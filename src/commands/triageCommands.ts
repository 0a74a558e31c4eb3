import * as os from 'node:os';
import * as vscode from 'vscode';
import { Commands } from '../constants';
import { VERDICT_TITLES } from '../core/triage';
import type { Verdict } from '../core/triage';
import type { IncidentModel } from '../model/incidentModel';
import type { PanelDeps } from '../panel/triagePanel';
import { TriagePanel } from '../panel/triagePanel';
import { incidentIdOf } from './incidentCommands';
import { pickIncident } from './incidentPicker';

async function pickIncidentId(model: IncidentModel, title: string): Promise<string | undefined> {
  return (await pickIncident(model, title))?.id;
}

function engineer(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Triage panel and manual verdicts: "Confirm as legitimate" (path A B D M N O) and "Mark false positive" with a reason. */
export function registerTriageCommands(model: IncidentModel, deps: PanelDeps): vscode.Disposable[] {
  const resolve = async (arg: unknown, placeHolder: string): Promise<string | undefined> =>
    incidentIdOf(arg) ?? TriagePanel.active?.currentIncidentId ?? (await pickIncidentId(model, placeHolder));
  return [
    vscode.commands.registerCommand(Commands.openTriage, async (arg?: unknown) => {
      const id = incidentIdOf(arg) ?? (await pickIncidentId(model, 'Open the triage panel for which incident?'));
      if (id) TriagePanel.show(deps, id);
    }),
    vscode.commands.registerCommand(Commands.confirmLegitimate, async (arg?: unknown) => {
      const id = await resolve(arg, 'Confirm which incident as legitimate?');
      if (!id || !model.get(id)) return;
      model.override(id, 'legitimate', undefined, engineer());
      deps.log.info(`${id}: confirmed as legitimate by ${engineer()}`);
    }),
    vscode.commands.registerCommand(Commands.markFalsePositive, async (arg?: unknown, node?: unknown) => {
      const id = await resolve(arg, 'Mark which incident as a false positive?');
      if (!id || !model.get(id)) return;
      let kind: Verdict | undefined =
        node === 'F' ? 'false-positive-thresholds' : node === 'J' ? 'false-positive-network' : undefined;
      if (!kind) {
        kind = (
          await vscode.window.showQuickPick(
            [
              {
                label: VERDICT_TITLES['false-positive-network'],
                verdict: 'false-positive-network' as Verdict,
                detail: 'Heartbeats were missed because of the network.',
              },
              {
                label: VERDICT_TITLES['false-positive-thresholds'],
                verdict: 'false-positive-thresholds' as Verdict,
                detail: 'The risk score was too low to act on; tune the thresholds.',
              },
            ],
            { placeHolder: 'What kind of false positive?' },
          )
        )?.verdict;
      }
      if (!kind) return;
      const reason = await vscode.window.showInputBox({
        title: 'Mark as false positive',
        prompt: 'Why is this a false positive? (recorded on the incident)',
        validateInput: (v) =>
          v.trim().length === 0
            ? 'A reason is required.'
            : v.length > 500
              ? 'Keep it under 500 characters.'
              : undefined,
      });
      if (reason === undefined) return;
      model.override(id, kind, reason.trim(), engineer());
      deps.log.info(`${id}: marked ${kind} by ${engineer()}: ${reason.trim()}`);
    }),
  ];
}
