import * as vscode from 'vscode';
import type { Incident } from '../core/incidents';
import { sanitizeText } from '../core/parse/ansi';
import { latestRollback, rollbacksFor } from '../core/rollbacks';
import { HEARTBEAT_BAND_TEXT, RISK_BAND_TEXT, VERDICT_TITLES } from '../core/triage';
import type { IncidentModel, ModelChange } from '../model/incidentModel';
import { Disposable } from '../util/disposable';
import type { TreeNode } from './nodes';
import { groupNodeId, incidentNodeId } from './nodes';
import type { GroupDef, Grouping } from './grouping';
import { attentionGrouping, verdictGrouping } from './grouping';
import { effectiveVerdict, scoreText, timeText } from './presentation';
import { Commands } from '../constants';
import { groupMissingPermissions, permissionLabel } from './permissions';
import { botText, incidentTooltip, toTreeItem } from './treeItems';

const REFRESH_DEBOUNCE_MS = 150;

/** Incidents grouped by verdict or by what needs doing. Reads the model; refreshes only the groups that changed. */
export class IncidentTreeProvider extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  /** Nodes are cached by id: VS Code matches refreshed elements by object identity. */
  private readonly nodes = new Map<string, TreeNode>();
  private readonly lastGroup = new Map<string, string>();
  private pendingGroups = new Set<string>();
  private pendingAll = false;
  private timer: NodeJS.Timeout | undefined;
  private stepResults: ((incidentId: string) => number) | undefined;

  constructor(private readonly model: IncidentModel) {
    super();
    this.register(model.onDidChange((c) => this.onModelChange(c)));
  }

  private node<T extends TreeNode>(n: T): T {
    const existing = this.nodes.get(n.id);
    if (existing && existing.kind === n.kind) {
      Object.assign(existing, n);
      return existing as T;
    }
    this.nodes.set(n.id, n);
    return n;
  }

  private onModelChange(c: ModelChange): void {
    if (!c.changed) {
      this.pendingAll = true;
      this.lastGroup.clear();
      this.nodes.clear();
    } else {
      const grouping = this.grouping();
      for (const inc of c.changed) {
        const g = grouping.keyOf(inc);
        const before = this.lastGroup.get(inc.id);
        // A group change moves the row; the first incident of a group creates the group.
        if (before !== undefined && before !== g) this.pendingGroups.add(before);
        if (this.groupIsNew(g)) this.pendingAll = true;
        this.pendingGroups.add(g);
        this.lastGroup.set(inc.id, g);
      }
    }
    if (!this.timer) this.timer = setTimeout(() => this.flush(), REFRESH_DEBOUNCE_MS);
  }

  private grouping(): Grouping {
    const cd = this.model.cluster;
    return cd ? attentionGrouping(cd.rollbacks, this.model.windowMs) : verdictGrouping();
  }

  private groupIsNew(key: string): boolean {
    return !this.nodes.has(groupNodeId(key));
  }

  private flush(): void {
    this.timer = undefined;
    if (this.pendingAll || this.pendingGroups.size > 3) {
      this.changeEmitter.fire(undefined);
    } else {
      const groups = [...this.pendingGroups]
        .map((v) => this.nodes.get(groupNodeId(v)))
        .filter((n): n is TreeNode => !!n);
      // Emptied groups disappear, so a group that no longer has incidents needs the root refreshed.
      const grouping = this.grouping();
      const emptied = [...this.pendingGroups].some((k) => this.incidentsIn(k, grouping).length === 0);
      if (emptied || groups.length !== this.pendingGroups.size) this.changeEmitter.fire(undefined);
      else this.changeEmitter.fire(groups);
    }
    this.pendingAll = false;
    this.pendingGroups = new Set();
  }

  /** Applies pending refreshes now (tests and commands that must see the tree current). */
  flushNow(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.flush();
    }
  }

  private incidentsIn(key: string, grouping: Grouping): Incident[] {
    return this.model
      .list()
      .filter((i) => grouping.keyOf(i) === key)
      .sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? '') || a.id.localeCompare(b.id));
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const inc = 'incidentId' in node ? this.model.get(node.incidentId) : undefined;
    if (node.kind === 'group') {
      const grouping = this.grouping();
      const def = grouping.groups.find((g) => g.key === node.key);
      return toTreeItem(node, undefined, this.incidentsIn(node.key, grouping).length, def);
    }
    const hint = node.kind === 'incident' && inc ? this.model.tenantOf(inc) : undefined;
    return toTreeItem(node, inc, 0, undefined, hint);
  }

  /** Called by VS Code on hover: with 10,000 incidents, tooltips built up front would all sit in memory. */
  resolveTreeItem(item: vscode.TreeItem, node: TreeNode): vscode.TreeItem {
    if (node.kind === 'incident' && item.tooltip === undefined) {
      const inc = this.model.get(node.incidentId);
      if (inc) item.tooltip = incidentTooltip(inc);
    }
    return item;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    const grouping = this.grouping();
    if (!node) {
      const groups = grouping.groups
        .filter((g: GroupDef) => this.incidentsIn(g.key, grouping).length > 0)
        .map((g) => this.node({ kind: 'group', id: groupNodeId(g.key), key: g.key }));
      return [...this.stateNodes(), ...groups];
    }
    switch (node.kind) {
      case 'group':
        return this.incidentsIn(node.key, grouping).map((inc) => {
          this.lastGroup.set(inc.id, node.key);
          return this.node({ kind: 'incident', id: incidentNodeId(inc.id), incidentId: inc.id, group: node.key });
        });
      case 'incident': {
        const inc = this.model.get(node.incidentId);
        return inc ? this.details(inc) : [];
      }
      case 'lines': {
        const inc = this.model.get(node.incidentId);
        const o = inc?.latest.origin;
        if (!inc || !o?.lines) return [];
        return o.lines.map((text, i) =>
          this.node({
            kind: 'line',
            id: `${node.id}:${i}`,
            incidentId: inc.id,
            text,
            ...(o.firstLine !== undefined && o.lines && i === 0 ? { lineNo: o.firstLine } : {}),
          }),
        );
      }
      default:
        return [];
    }
  }

  /** Connection problems are rows above the incidents: the last known data stays visible below them. */
  private stateNodes(): TreeNode[] {
    const cd = this.model.cluster;
    const out: TreeNode[] = [];
    if (!cd) return out;
    const st = cd.connection;
    if (st?.kind === 'disconnected') {
      out.push({
        kind: 'state',
        id: 'state:disconnected',
        label: `Disconnected since ${timeText(st.since)}`,
        description: 'showing the last known data',
        icon: 'debug-disconnect',
        color: 'charts.orange',
        tooltip: st.error,
      });
    } else if (st?.kind === 'forbidden') {
      for (const g of groupMissingPermissions(st.missing)) {
        const what = permissionLabel(g);
        out.push({
          kind: 'state',
          id: `state:forbidden:${g.resource}`,
          label: `Missing permission: ${what}`,
          icon: 'lock',
          color: 'charts.red',
          tooltip: `Ask for RBAC access to ${what}; what is allowed is still shown.`,
        });
      }
    } else if (st?.kind === 'connected' && st.unavailable) {
      for (const u of st.unavailable) {
        out.push({
          kind: 'state',
          id: `state:unavailable:${u.what}`,
          label: `Not served by this cluster: ${u.what}`,
          description: 'is its CRD installed?',
          icon: 'warning',
          color: 'charts.yellow',
          tooltip: `${u.error}. Everything else is live; the cluster is asked again, less and less often (up to every 5 minutes).`,
        });
      }
    } else if (st?.kind === 'connecting') {
      out.push({ kind: 'state', id: 'state:connecting', label: 'Connecting…', icon: 'loading~spin' });
    }
    for (const w of cd.botWarnings) {
      out.push({ kind: 'state', id: `state:bot:${w}`, label: w, icon: 'warning', color: 'charts.yellow', tooltip: w });
    }
    return out.map((n) => this.node(n));
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node.kind === 'group' || node.kind === 'state') return undefined;
    const inc = this.model.get(node.incidentId);
    if (!inc) return undefined;
    if (node.kind === 'incident') return this.nodes.get(groupNodeId(this.grouping().keyOf(inc)));
    if (node.kind === 'line') return this.nodes.get(`lines:${inc.id}`);
    return this.nodes.get(incidentNodeId(inc.id));
  }

  private details(inc: Incident): TreeNode[] {
    const r = inc.latest;
    const id = (k: string): string => `detail:${inc.id}:${k}`;
    const out: TreeNode[] = [];
    const v = effectiveVerdict(inc);
    out.push({
      kind: 'detail',
      id: id('verdict'),
      incidentId: inc.id,
      label: VERDICT_TITLES[v] + (inc.override ? ' (set by hand)' : ''),
      description: `path ${r.path.join(' ')}`,
      icon: 'type-hierarchy',
    });
    if (r.verdict === 'invalid') {
      out.push({
        kind: 'detail',
        id: id('error'),
        incidentId: inc.id,
        label: 'Invalid input',
        description: sanitizeText(r.error ?? ''),
        icon: 'error',
        color: 'charts.orange',
      });
    } else {
      const rb = r.riskBand ? RISK_BAND_TEXT[r.riskBand] : undefined;
      out.push({
        kind: 'detail',
        id: id('risk'),
        incidentId: inc.id,
        label: `Risk ${scoreText(r.riskScore)}`,
        description: rb ? `${rb.action} · false-positive likelihood ${rb.fpLikelihood}` : '',
        icon: 'pulse',
      });
      out.push({
        kind: 'detail',
        id: id('misses'),
        incidentId: inc.id,
        label: `Heartbeat misses ${scoreText(r.heartbeatMisses)}`,
        description: r.heartbeatBand ? HEARTBEAT_BAND_TEXT[r.heartbeatBand] : '',
        icon: 'heart',
      });
    }
    out.push({
      kind: 'detail',
      id: id('bot'),
      incidentId: inc.id,
      label: 'Incident-bot',
      description: sanitizeText(botText(inc)),
      icon: 'hubot',
    });
    const cd = this.model.cluster;
    if (cd) {
      const rbs = rollbacksFor(inc, cd.rollbacks, this.model.windowMs);
      if (rbs.length === 0 && v === 'legitimate') {
        out.push({
          kind: 'detail',
          id: id('norb'),
          incidentId: inc.id,
          label: 'No Rollback in the cluster',
          description: 'the bot did not create one (or creating it failed)',
          icon: 'circle-slash',
          color: 'charts.red',
        });
      }
      for (const rb of rbs) {
        const when = rb.completedAt
          ? `completed ${timeText(rb.completedAt)}`
          : rb.startedAt
            ? `started ${timeText(rb.startedAt)}`
            : `created ${timeText(rb.createdAt)}`;
        out.push({
          kind: 'detail',
          id: id(`rb:${rb.name}`),
          incidentId: inc.id,
          label: `Rollback ${sanitizeText(rb.name)}`,
          description: `${rb.phase ?? 'no phase yet'} · ${when}${rb.message ? ` · ${sanitizeText(rb.message)}` : ''}`,
          icon: rb.phase === 'Failed' ? 'error' : rb.phase === 'Completed' ? 'check' : 'sync',
          ...(rb.phase === 'Failed' ? { color: 'charts.red' } : {}),
          tooltip: `${sanitizeText(rb.name)}\nreason ${sanitizeText(rb.reason ?? '?')}, target release ${sanitizeText(rb.targetRelease ?? '?')}${rb === latestRollback(rbs) ? '\n(latest)' : ''}`,
        });
      }
    }
    out.push({
      kind: 'detail',
      id: id('capsule'),
      incidentId: inc.id,
      label: 'Capsule',
      description: sanitizeText(inc.capsuleHash ?? 'unknown'),
      icon: 'package',
    });
    out.push({
      kind: 'detail',
      id: id('tenant'),
      incidentId: inc.id,
      label: 'Tenant',
      description: sanitizeText(this.model.tenantOf(inc) ?? 'unknown (the bot logs no tenant)'),
      icon: 'organization',
    });
    if (r.disagreement) {
      out.push({
        kind: 'detail',
        id: id('disagree'),
        incidentId: inc.id,
        label: 'Bot and playbook disagree',
        description: `bot: ${r.botDecision ?? 'no action'}, playbook: ${VERDICT_TITLES[r.verdict]}`,
        icon: 'alert',
        color: 'charts.red',
      });
    }
    r.warnings.forEach((w, i) =>
      out.push({
        kind: 'detail',
        id: id(`warn${i}`),
        incidentId: inc.id,
        label: sanitizeText(w),
        icon: 'warning',
        color: 'charts.yellow',
        tooltip: sanitizeText(w),
      }),
    );
    out.push({
      kind: 'detail',
      id: id('seen'),
      incidentId: inc.id,
      label: inc.count > 1 ? `Seen ${inc.count}×` : 'Seen once',
      description: inc.count > 1 ? `${timeText(inc.firstSeen)} → ${timeText(inc.lastSeen)}` : timeText(inc.firstSeen),
      icon: 'history',
    });
    const results = this.stepResults?.(inc.id) ?? 0;
    if (results > 0) {
      out.push({
        kind: 'detail',
        id: id('results'),
        incidentId: inc.id,
        label: `Playbook results (${results})`,
        description: 'read-only documents of the steps run',
        icon: 'output',
        command: { command: Commands.stepShowResults, arguments: [inc.id] },
      });
    }
    if (r.origin?.lines?.length) {
      out.push({ kind: 'lines', id: `lines:${inc.id}`, incidentId: inc.id, count: r.origin.lines.length });
    }
    return out.map((n) => this.node(n));
  }

  /** Playbook step results (src/playbook): a "Playbook results (n)" row under an incident that has some. */
  setStepResults(count: (incidentId: string) => number, onDidAdd: vscode.Event<string>): void {
    this.stepResults = count;
    this.register(
      onDidAdd((incidentId) => {
        const n = this.nodes.get(incidentNodeId(incidentId));
        if (n) this.changeEmitter.fire(n);
      }),
    );
  }

  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    super.dispose();
  }
}
