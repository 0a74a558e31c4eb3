import { execFile } from 'node:child_process';
import * as os from 'node:os';
import * as vscode from 'vscode';
import { pickIncident } from '../commands/incidentPicker';
import { CONFIG_SECTION, Commands } from '../constants';
import type { Incident } from '../core/incidents';
import { AUDIT_VERSION } from '../core/playbook/audit';
import { invocationsLine } from '../core/playbook/invocation';
import { replicasOf } from '../core/playbook/patches';
import type { PlaybookStep, StepCommand, StepId } from '../core/playbook/steps';
import { PLAYBOOK_STEPS, buildStep, isStepId, resolveNames, stepById } from '../core/playbook/steps';
import type { MutationRequest } from '../kube/actionTypes';
import type { KubeAdapter, LiveSourceSettings } from '../kube/types';
import type { ClusterController } from '../live/clusterController';
import type { IncidentModel } from '../model/incidentModel';
import { appendAuditEntry } from './auditStore';
import type { ChangeEnv, ChangeOutcome, ChangeUi } from './changeFlow';
import { runChange } from './changeFlow';
import { ChangeLocks, DEFAULT_READ_ONLY_CONTEXTS, UNLOCK_MINUTES } from './contextGuard';
import { namesFromSettings, runReadStep } from './readStepRunner';
import { RESULT_SCHEME, ResultDocuments } from './resultDocuments';
import { generatedRules } from './rulesSpec';
import type { StepArgs } from './stepInputs';
import { gatherInputs } from './stepInputs';
import type { ChangeInput, PlannedChange } from './stepMutation';
import { objectLabel, oneLine, planChange } from './stepMutation';
import { StatusItems } from './statusItems';
import { VscodeChangeUi } from './vscodeChangeUi';

export interface PlaybookSession {
  context: string;
  settings: LiveSourceSettings;
  kube: KubeAdapter;
}

export type StepResult =
  | { ok: true; summary: string; uri?: string; outcome?: ChangeOutcome['status'] }
  | { ok: false; error: string; reason?: string; missing?: string[] };

interface UndoRecord {
  context: string;
  incidentId?: string;
  stepId: StepId;
  description: string;
  line: string;
  target: StepCommand['target'];
  undo: MutationRequest;
}

const UNDO_KEY = 'pfIncident.playbook.undo';

/** What the integration tests reach through the extension's API. */
export interface PlaybookApi {
  results: ResultDocuments;
  locks: ChangeLocks;
  ui: VscodeChangeUi;
  status: StatusItems;
  /** Test seams: a fake session, trust, or UI instead of the real ones. */
  overrides: { session?: PlaybookSession; trusted?: boolean; ui?: ChangeUi; auditRoot?: string };
  auditRoot(): string;
}

export interface PlaybookDeps {
  context: vscode.ExtensionContext;
  model: IncidentModel;
  cluster: ClusterController;
  log: vscode.LogOutputChannel;
  /** Shows "Playbook results (n)" under incidents. */
  tree?: { setStepResults(count: (incidentId: string) => number, onDidAdd: vscode.Event<string>): void };
}

let whoCache: Promise<string> | undefined;
function who(): Promise<string> {
  whoCache ??= new Promise((resolve) => {
    let user = 'unknown';
    try {
      user = os.userInfo().username || user;
    } catch {
      /* no passwd entry */
    }
    execFile('git', ['config', 'user.name'], { timeout: 3000 }, (err, out) => {
      const g = err ? '' : String(out).trim().split('\n')[0];
      resolve(g ? `${user} (git: ${g})` : user);
    });
  });
  return whoCache;
}

/** A step that reads the capsule or the tenant from an incident, when the caller gave neither. */
function wantsIncident(step: PlaybookStep, args: StepArgs): boolean {
  return (
    (step.needs.includes('capsuleHash') && args.capsuleHash === undefined) ||
    (step.needs.includes('tenantId') && args.tenantId === undefined)
  );
}

function incidentIdOf(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (typeof target === 'object' && target !== null && 'incidentId' in target) {
    const id = (target as { incidentId: unknown }).incidentId;
    return typeof id === 'string' ? id : undefined;
  }
  return undefined;
}

export function registerPlaybook(deps: PlaybookDeps): { disposables: vscode.Disposable[]; api: PlaybookApi } {
  const { context: ext, model, cluster, log } = deps;
  const results = new ResultDocuments();
  deps.tree?.setStepResults((id) => results.resultsFor(id).length, results.onDidAddResult);
  const locks = new ChangeLocks();
  const ui = new VscodeChangeUi(results);
  const status = new StatusItems(ext.workspaceState, locks, Commands.stepResumeBot);
  const cfg = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration(CONFIG_SECTION);
  const api: PlaybookApi = {
    results,
    locks,
    ui,
    status,
    overrides: {},
    auditRoot: () =>
      api.overrides.auditRoot ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? ext.globalStorageUri.fsPath,
  };
  const session = (): PlaybookSession | undefined => {
    if (api.overrides.session) return api.overrides.session;
    const s = cluster.current;
    const kube = cluster.kube;
    return s && kube ? { context: s.context, settings: s.settings, kube } : undefined;
  };
  const trusted = (): boolean => api.overrides.trusted ?? vscode.workspace.isTrusted;
  const readOnlyPatterns = (): readonly unknown[] =>
    cfg().get<unknown[]>('safety.readOnlyContexts', [...DEFAULT_READ_ONLY_CONTEXTS]) ?? [];
  const audit = async (entry: Parameters<ChangeEnv['audit']>[0]): Promise<void> => {
    const r = await appendAuditEntry(api.auditRoot(), entry);
    if (!r.ok) {
      log.error(r.error);
      void vscode.window.showErrorMessage(`PF Incident: could not write the audit trail: ${r.error}`);
    }
  };
  const fail = (error: string, extra: Partial<Extract<StepResult, { ok: false }>> = {}): StepResult => {
    const e = oneLine(error);
    if (e !== 'cancelled') {
      log.warn(e);
      void vscode.window.showErrorMessage(`PF Incident: ${e}`);
    }
    return { ok: false, error: e, ...extra };
  };
  const undoStack = (): UndoRecord[] => ext.workspaceState.get<UndoRecord[]>(UNDO_KEY, []);

  async function inputsFor(
    step: PlaybookStep,
    incident: Incident | undefined,
    args: StepArgs,
    s: PlaybookSession | undefined,
  ): Promise<{ ok: true; value: ChangeInput } | { ok: false; error: string }> {
    const names = s ? namesFromSettings(s.settings) : {};
    const resolved = resolveNames(names);
    const rules = resolved.ok ? generatedRules(resolved.value.rulesName, resolved.value.rulesNamespace) : undefined;
    const paused = status.paused;
    return gatherInputs({
      step,
      incident,
      args,
      names,
      incidents: model.list(),
      tenantOf: (i) => model.tenantOf(i),
      botRiskThreshold: cfg().get<number>('triage.botRiskThreshold', 0.8),
      botMissThreshold: cfg().get<number>('triage.botMissThreshold', 3),
      ...(paused && (!s || paused.context === s.context) ? { rememberedReplicas: paused.replicas } : {}),
      ...(rules ? { rules } : {}),
    });
  }

  async function change(
    s: PlaybookSession,
    stepId: StepId,
    input: ChangeInput,
    plan: PlannedChange,
    incidentId: string | undefined,
  ): Promise<StepResult> {
    const env: ChangeEnv = {
      kube: s.kube,
      ui: api.overrides.ui ?? ui,
      audit,
      who: await who(),
      refusal: (c) => locks.refusal(c, readOnlyPatterns()),
    };
    const replan = (before: unknown): PlannedChange | undefined => {
      const extra: ChangeInput = { ...input };
      if (stepId === 'pauseBot' || stepId === 'resumeBot' || stepId === 'isolateWorkload') {
        const r = replicasOf(before);
        if (r !== null) extra.currentReplicas = r;
      } else if (
        stepId === 'enableMaintenanceMode' ||
        stepId === 'disableMaintenanceMode' ||
        stepId === 'setRiskThreshold'
      ) {
        if (before) extra.botDeployment = before;
      }
      const p = planChange(stepId, extra);
      return p.ok ? p.value : undefined;
    };
    const out = await runChange(env, { stepId, context: s.context, incidentId, plan, replan });
    if (out.status === 'refused') {
      return fail(out.error, { reason: out.reason, ...(out.missing ? { missing: out.missing } : {}) });
    }
    if (out.status === 'failed') return fail(out.error, { reason: 'failed' });
    if (out.status === 'cancelled') return { ok: false, error: 'cancelled', reason: 'cancelled' };
    const target = plan.command.target;
    if (stepId === 'pauseBot') {
      const minutes = cfg().get<number>('safety.pauseReminderMinutes', 15);
      await status.setPaused({
        context: s.context,
        namespace: target.namespace ?? '',
        name: target.name,
        replicas: replicasOf(out.before) ?? 1,
        remindAt: Date.now() + minutes * 60_000,
      });
    } else if (stepId === 'resumeBot') {
      await status.setPaused(undefined);
    }
    if (out.undo) {
      const u = plan.command.undo;
      const rec: UndoRecord = {
        context: s.context,
        ...(incidentId ? { incidentId } : {}),
        stepId,
        description: typeof u === 'object' ? u.description : `undo ${stepById(stepId).title}`,
        line: typeof u === 'object' ? u.line : '',
        target,
        undo: out.undo,
      };
      await ext.workspaceState.update(UNDO_KEY, [...undoStack(), rec].slice(-50));
      void vscode.window
        .showInformationMessage(`${stepById(stepId).title}: applied to ${objectLabel(target)} in ${s.context}.`, 'Undo')
        .then((pick) => (pick === 'Undo' ? vscode.commands.executeCommand(Commands.stepUndoLast) : undefined));
    }
    return { ok: true, summary: out.auditEntry.message ?? 'applied', outcome: 'applied' };
  }

  async function runStep(id: StepId, target: unknown, extra: unknown): Promise<StepResult> {
    try {
      const step = stepById(id);
      const args: StepArgs = typeof extra === 'object' && extra !== null ? (extra as StepArgs) : {};
      let incidentId = incidentIdOf(target);
      let incident = incidentId ? model.get(incidentId) : undefined;
      if (!incidentId && !args.noPrompt && wantsIncident(step, args) && model.size > 0) {
        // From the palette: the loaded incidents (the one being looked at first) rather than typing a hash.
        const manual = step.needs.includes('capsuleHash') ? 'Enter a capsule hash…' : 'Enter a tenant id…';
        const picked = await pickIncident(model, `${step.title}: for which incident?`, [
          { label: `$(edit) ${manual}`, value: 'manual' as const },
        ]);
        if (picked === undefined) return fail('cancelled', { reason: 'cancelled' });
        if (picked !== 'manual') {
          incident = picked;
          incidentId = picked.id;
        }
      }
      if (step.changing && !trusted()) {
        return fail(`${step.title}: changing steps are disabled in Restricted Mode (trust the workspace first)`, {
          reason: 'untrusted',
        });
      }
      const s = session();
      const input = await inputsFor(step, incident, args, s);
      if (!input.ok) return fail(input.error, { reason: input.error === 'cancelled' ? 'cancelled' : 'invalid' });
      if (step.changing) {
        const plan = planChange(id, input.value);
        if (!plan.ok) return fail(plan.error, { reason: 'invalid' });
        if (!s) {
          return fail(`${step.title}: not connected; run "PF Incident: Connect to Cluster…" first`, {
            reason: 'disconnected',
          });
        }
        return await change(s, id, input.value, plan.value, incidentId);
      }
      const built = buildStep(id, input.value);
      if (!built.ok) return fail(built.error, { reason: 'invalid' });
      if (!s) {
        return fail(`${step.title}: not connected; run "PF Incident: Connect to Cluster…" first`, {
          reason: 'disconnected',
        });
      }
      const names = resolveNames(input.value.names);
      if (!names.ok) return fail(names.error, { reason: 'invalid' });
      const r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `${step.title} (${s.context})…` },
        () =>
          runReadStep(s.kube, s.context, id, {
            command: built.value,
            names: names.value,
            ...(input.value.capsuleHash ? { capsuleHash: input.value.capsuleHash } : {}),
            ...(input.value.tenantId ? { tenantId: input.value.tenantId } : {}),
            ...(input.value.endpoint ? { endpoint: input.value.endpoint } : {}),
            ...(id === 'showMaintenanceStatus' && model.cluster && !api.overrides.session
              ? { maintenance: model.cluster.configMap }
              : {}),
          }),
      );
      const uri = await results.openResult(incidentId, step.title, r.text, r.language, r.summary);
      await audit({
        v: AUDIT_VERSION,
        when: new Date().toISOString(),
        who: await who(),
        step: id,
        object: { ...built.value.target },
        context: s.context,
        command: built.value.line,
        dryRun: false,
        outcome: 'succeeded',
        message: oneLine(`${r.summary}; result ${uri.toString()}`),
        ...(incidentId ? { incidentId } : {}),
      });
      return { ok: true, summary: r.summary, uri: uri.toString() };
    } catch (e) {
      const k = e as { missing?: string; message?: string };
      return fail(k.missing ? `forbidden: missing permission ${k.missing}` : (k.message ?? String(e)), {
        reason: k.missing ? 'forbidden' : 'failed',
        ...(k.missing ? { missing: [k.missing] } : {}),
      });
    }
  }

  async function undoLast(): Promise<StepResult> {
    if (!trusted()) return fail('Undo: changing steps are disabled in Restricted Mode', { reason: 'untrusted' });
    const stack = undoStack();
    const rec = stack[stack.length - 1];
    if (!rec) return fail('Undo: nothing to undo in this workspace', { reason: 'empty' });
    const s = session();
    if (!s || s.context !== rec.context) {
      return fail(`Undo: connect to context "${rec.context}" first (the change was made there)`, {
        reason: 'disconnected',
      });
    }
    const command: StepCommand = {
      stepId: rec.stepId,
      commandId: Commands.stepUndoLast,
      changing: true,
      invocations: [],
      line: rec.line || `(undo of ${rec.stepId})`,
      notes: [],
      target: rec.target,
      undo: 'the undo of an undo is the original step',
    };
    const env: ChangeEnv = {
      kube: s.kube,
      ui: api.overrides.ui ?? ui,
      audit,
      who: await who(),
      refusal: (c) => locks.refusal(c, readOnlyPatterns()),
    };
    const out = await runChange(env, {
      stepId: rec.stepId,
      context: s.context,
      ...(rec.incidentId ? { incidentId: rec.incidentId } : {}),
      plan: { command, mutation: rec.undo },
    });
    if (out.status === 'refused') return fail(out.error, { reason: out.reason });
    if (out.status === 'failed') return fail(out.error, { reason: 'failed' });
    if (out.status === 'cancelled') return { ok: false, error: 'cancelled', reason: 'cancelled' };
    await ext.workspaceState.update(UNDO_KEY, stack.slice(0, -1));
    if (rec.stepId === 'pauseBot') await status.setPaused(undefined);
    void vscode.window.showInformationMessage(`Undone: ${rec.description} (${rec.context}).`);
    return { ok: true, summary: `undone: ${rec.description}`, outcome: 'applied' };
  }

  async function pickStep(arg: unknown): Promise<PlaybookStep | undefined> {
    if (isStepId(arg)) return stepById(arg);
    const pick = await vscode.window.showQuickPick(
      PLAYBOOK_STEPS.map((s) => ({
        label: s.title,
        description: s.changing ? 'changes the cluster' : 'read-only',
        step: s,
      })),
      { title: 'Playbook step' },
    );
    return pick?.step;
  }

  async function kubectlLine(
    target: unknown,
    stepArg: unknown,
    extra: unknown,
    /** Typing a changing step into a terminal is guarded like running it (trust, read-only contexts). */
    guardChanging = false,
  ): Promise<{ line: string; context?: string } | StepResult> {
    const step = await pickStep(stepArg);
    if (!step) return { ok: false, error: 'cancelled' };
    if (guardChanging && step.changing) {
      if (!trusted()) {
        return fail(`${step.title}: changing steps are disabled in Restricted Mode (trust the workspace first)`, {
          reason: 'untrusted',
        });
      }
      const ctx = session()?.context;
      const refused = ctx ? locks.refusal(ctx, readOnlyPatterns()) : null;
      if (refused) return fail(refused, { reason: 'read-only' });
    }
    const args: StepArgs = typeof extra === 'object' && extra !== null ? (extra as StepArgs) : {};
    const incidentId = incidentIdOf(target);
    const s = session();
    const input = await inputsFor(step, incidentId ? model.get(incidentId) : undefined, args, s);
    if (!input.ok) return fail(input.error, { reason: 'invalid' });
    const built = buildStep(step.id, input.value);
    if (!built.ok) return fail(built.error, { reason: 'invalid' });
    const invs = s
      ? built.value.invocations.map((i) => ({
          ...i,
          argv: [i.argv[0] ?? 'kubectl', `--context=${s.context}`, ...i.argv.slice(1)],
        }))
      : built.value.invocations;
    return { line: invocationsLine(invs, built.value.changing), ...(s ? { context: s.context } : {}) };
  }

  const disposables: vscode.Disposable[] = [
    results,
    status,
    vscode.workspace.registerTextDocumentContentProvider(RESULT_SCHEME, results),
    ...PLAYBOOK_STEPS.map((s) =>
      vscode.commands.registerCommand(s.commandId, (target?: unknown, extra?: unknown) => runStep(s.id, target, extra)),
    ),
    vscode.commands.registerCommand(Commands.stepUndoLast, () => undoLast()),
    vscode.commands.registerCommand(
      Commands.stepCopyKubectl,
      async (target?: unknown, step?: unknown, extra?: unknown) => {
        const r = await kubectlLine(target, step, extra);
        if (!('line' in r)) return r;
        await vscode.env.clipboard.writeText(r.line);
        void vscode.window.showInformationMessage(
          `Copied: ${r.line.length > 120 ? `${r.line.slice(0, 117)}…` : r.line}`,
        );
        return { ok: true, summary: r.line };
      },
    ),
    vscode.commands.registerCommand(
      Commands.stepRunInTerminal,
      async (target?: unknown, step?: unknown, extra?: unknown) => {
        const r = await kubectlLine(target, step, extra, true);
        if (!('line' in r)) return r;
        const name = `kubectl · ${r.context ?? 'current context'}`;
        const term = vscode.window.terminals.find((t) => t.name === name) ?? vscode.window.createTerminal({ name });
        term.show();
        // Typed, not run: the engineer reads it and presses Enter.
        term.sendText(r.line, false);
        return { ok: true, summary: r.line };
      },
    ),
    vscode.commands.registerCommand(Commands.stepShowResults, async (target?: unknown) => {
      const incidentId = incidentIdOf(target);
      const list = results.resultsFor(incidentId).reverse();
      if (list.length === 0) return fail('No step results yet for this incident', { reason: 'empty' });
      const pick = await vscode.window.showQuickPick(
        list.map((l) => ({ label: l.title, description: `${l.incidentId} · ${l.when}`, detail: l.summary, l })),
        { title: 'Playbook step results' },
      );
      if (pick) await vscode.window.showTextDocument(pick.l.uri, { preview: false });
      return { ok: true, summary: String(list.length) };
    }),
    vscode.commands.registerCommand(Commands.unlockChanges, async (ctxArg?: unknown) => {
      const ctx = typeof ctxArg === 'string' ? ctxArg : session()?.context;
      if (!ctx) return fail('Unlock: connect to a cluster first', { reason: 'disconnected' });
      const pick = await vscode.window.showWarningMessage(
        `Allow changes to context "${ctx}" for ${UNLOCK_MINUTES} minutes?`,
        {
          modal: true,
          detail: `"${ctx}" matches pfIncident.safety.readOnlyContexts. Every change still needs its dry run and confirmation.`,
        },
        'Unlock',
      );
      if (pick !== 'Unlock') return { ok: false, error: 'cancelled' };
      locks.unlock(ctx, UNLOCK_MINUTES);
      status.refresh();
      return { ok: true, summary: `${ctx} unlocked for ${UNLOCK_MINUTES} minutes` };
    }),
  ];
  return { disposables, api };
}
