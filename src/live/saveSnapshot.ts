import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeBundle } from '../bundle/writeBundle';
import { Commands } from '../constants';
import type { LiveSession } from './liveSession';

export const SAVE_SNAPSHOT_COMMAND = Commands.saveSnapshot;

/** A Deployment object carrying what the bundle reader needs (selector, replicas and the bot container's env). */
export function deploymentObject(s: LiveSession): unknown {
  const d = s.record.deployment;
  if (!d) return undefined;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: d.name,
      namespace: d.namespace,
      ...(d.resourceVersion ? { resourceVersion: d.resourceVersion } : {}),
    },
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: d.selector },
      template: {
        spec: {
          containers: [
            { name: s.settings.botContainer, env: Object.entries(d.env).map(([name, value]) => ({ name, value })) },
          ],
        },
      },
    },
    status: { readyReplicas: d.readyReplicas },
  };
}

/** The maintenance ConfigMap as the live watch last saw it, as a bundle stores it. */
export function configMapObject(s: LiveSession): unknown {
  if (!s.record.configMap) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: s.settings.maintenanceConfigMap },
    data: s.record.configMap,
  };
}

/** "Save Cluster Snapshot as Bundle": what the live session has seen, as a replay bundle in a new folder. */
export function registerSaveSnapshot(
  current: () => LiveSession | undefined,
  scrapes: () => { at: string; text: string }[],
): vscode.Disposable {
  return vscode.commands.registerCommand(SAVE_SNAPSHOT_COMMAND, async (target?: unknown) => {
    const s = current();
    if (!s) {
      void vscode.window.showInformationMessage('Connect to a cluster first (PF Incident: Connect to Cluster…).');
      return undefined;
    }
    const ws = vscode.workspace.workspaceFolders?.[0];
    let parent: string | undefined = typeof target === 'string' ? target : undefined;
    if (!parent) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        openLabel: 'Save Bundle Here',
        title: 'Folder to save the cluster snapshot (a new sub-folder is created)',
        ...(ws ? { defaultUri: ws.uri } : {}),
      });
      parent = picked?.[0]?.fsPath;
    }
    if (!parent) return undefined;
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
    const dir = path.join(parent, `pf-snapshot-${s.context.replace(/[^A-Za-z0-9._-]/g, '_')}-${stamp}`);
    try {
      writeBundle(dir, {
        title: `Snapshot of ${s.context} · ${s.settings.botNamespace}`,
        source: { kind: 'cluster', context: s.context, namespace: s.settings.botNamespace },
        logs: [...s.record.logs.entries()].map(([pod, text]) => ({ pod, text })),
        rollbacks: [...s.record.rollbacks.values()],
        events: s.record.events,
        deployment: deploymentObject(s),
        configMap: configMapObject(s),
        metrics: scrapes(),
      });
    } catch (e) {
      void vscode.window.showErrorMessage(
        `The snapshot could not be saved: ${e instanceof Error ? e.message : String(e)}`,
      );
      return undefined;
    }
    void vscode.window.showInformationMessage(`Saved the cluster snapshot to ${dir}`);
    return dir;
  });
}
