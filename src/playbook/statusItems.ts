import * as vscode from 'vscode';
import type { ChangeLocks } from './contextGuard';
import { formatCountdown } from './contextGuard';

export interface PausedBot {
  context: string;
  namespace: string;
  name: string;
  /** Replicas before the pause: what Resume restores. */
  replicas: number;
  /** When the reminder fires (ms since epoch). */
  remindAt: number;
}

export const PAUSED_KEY = 'pfIncident.playbook.pausedBot';

/** Status-bar countdowns: the paused bot's reminder and the unlocked contexts. One timer, ticking while needed. */
export class StatusItems implements vscode.Disposable {
  private readonly pauseItem = vscode.window.createStatusBarItem(
    'pfIncident.pausedBot',
    vscode.StatusBarAlignment.Left,
    49,
  );
  private readonly unlockItem = vscode.window.createStatusBarItem(
    'pfIncident.unlocked',
    vscode.StatusBarAlignment.Left,
    48,
  );
  private timer: NodeJS.Timeout | undefined;
  private reminded = false;

  constructor(
    private readonly memento: vscode.Memento,
    private readonly locks: ChangeLocks,
    private readonly resumeCommand: string,
  ) {
    this.pauseItem.name = 'PF Incident: paused incident-bot';
    this.pauseItem.command = resumeCommand;
    this.pauseItem.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    this.unlockItem.name = 'PF Incident: changes unlocked';
    this.unlockItem.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    this.refresh();
  }

  get paused(): PausedBot | undefined {
    return this.memento.get<PausedBot>(PAUSED_KEY);
  }

  async setPaused(p: PausedBot | undefined): Promise<void> {
    await this.memento.update(PAUSED_KEY, p);
    this.reminded = false;
    this.refresh();
  }

  refresh(): void {
    const p = this.paused;
    const now = Date.now();
    if (p) {
      const left = p.remindAt - now;
      this.pauseItem.text = `$(debug-pause) ${p.name} paused · ${left > 0 ? formatCountdown(left) : 'resume!'}`;
      this.pauseItem.tooltip = `${p.name} in ${p.context}/${p.namespace} is scaled to 0 (was ${p.replicas}). Click to resume.`;
      this.pauseItem.show();
      if (left <= 0 && !this.reminded) {
        this.reminded = true;
        void this.remind(p);
      }
    } else this.pauseItem.hide();
    const active = this.locks.active();
    if (active.length) {
      this.unlockItem.text = `$(unlock) ${active.map((a) => `${a.context} ${formatCountdown(a.remainingMs)}`).join(', ')}`;
      this.unlockItem.tooltip = 'Changes are unlocked for these read-only contexts';
      this.unlockItem.show();
    } else this.unlockItem.hide();
    const ticking = p !== undefined || active.length > 0;
    if (ticking && !this.timer) this.timer = setInterval(() => this.refresh(), 1000);
    if (!ticking && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private async remind(p: PausedBot): Promise<void> {
    const pick = await vscode.window.showWarningMessage(
      `The ${p.name} in ${p.context}/${p.namespace} is still paused: no automatic rollbacks happen. Resume it (${p.replicas} replicas)?`,
      'Resume Bot',
      'Remind Me Later',
    );
    if (pick === 'Resume Bot') await vscode.commands.executeCommand(this.resumeCommand);
    else if (pick === 'Remind Me Later' && this.paused) {
      const minutes = vscode.workspace.getConfiguration('pfIncident').get<number>('safety.pauseReminderMinutes', 15);
      await this.setPaused({ ...p, remindAt: Date.now() + minutes * 60_000 });
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.pauseItem.dispose();
    this.unlockItem.dispose();
  }
}
