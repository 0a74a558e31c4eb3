import * as vscode from 'vscode';
import type { Incident } from '../core/incidents';
import { sanitizeText } from '../core/parse/ansi';
import { HEARTBEAT_BAND_TEXT, RISK_BAND_TEXT, VERDICT_TITLES, VERDICTS } from '../core/triage';
import type { Verdict } from '../core/triage';
import type { IncidentModel, ModelChange } from '../model/incidentModel';
import { Disposable } from '../util/disposable';
import type { TreeNode } from './nodes';
import { groupNodeId, incidentNodeId } from './nodes';
import { effectiveVerdict, scoreText, timeText } from './presentation';
import { botText, toTreeItem } from './treeItems';

const REFRESH_DEBOUNCE_MS = 150;

/** Incidents grouped by verdict. Reads the model; refreshes only the groups whose incidents changed. */
export class IncidentTreeProvider extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  /** Nodes are cached by id: VS Code matches refreshed elements by object identity. */
  private readonly nodes = new Map<string, TreeNode>();
  private readonly lastVerdict = new Map<string, Verdict>();
  private pendingGroups = new Set<Verdict>();
  private pendingAll = false;
  private timer: NodeJS.Timeout | undefined;

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
      this.lastVerdict.clear();
      this.nodes.clear();
    } else {
      for (const inc of c.changed) {
        const v = effectiveVerdict(inc);
        const before = this.lastVerdict.get(inc.id);
        // A verdict change moves the row between groups; a first incident of a verdict creates its group.
        if (before !== undefined && before !== v) this.pendingGroups.add(before);
        if (this.groupIsNew(v)) this.pendingAll = true;
        this.pendingGroups.add(v);
        this.lastVerdict.set(inc.id, v);
      }
    }
    if (!this.timer) this.timer = setTimeout(() => this.flush(), REFRESH_DEBOUNCE_MS);
  }

  private groupIsNew(v: Verdict): boolean {
    return !this.nodes.has(groupNodeId(v));
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
      const emptied = [...this.pendingGroups].some((v) => this.incidentsIn(v).length === 0);
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

  private incidentsIn(v: Verdict): Incident[] {
    return this.model
      .list()
      .filter((i) => effectiveVerdict(i) === v)
      .sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? '') || a.id.localeCompare(b.id));
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const inc = 'incidentId' in node ? this.model.get(node.incidentId) : undefined;
    const count = node.kind === 'group' ? this.incidentsIn(node.verdict).length : 0;
    return toTreeItem(node, inc, count);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) {
      return VERDICTS.filter((v) => this.incidentsIn(v).length > 0).map((v) =>
        this.node({ kind: 'group', id: groupNodeId(v), verdict: v }),
      );
    }
    switch (node.kind) {
      case 'group':
        return this.incidentsIn(node.verdict).map((inc) => {
          this.lastVerdict.set(inc.id, effectiveVerdict(inc));
          return this.node({ kind: 'incident', id: incidentNodeId(inc.id), incidentId: inc.id, verdict: node.verdict });
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

  getParent(node: TreeNode): TreeNode | undefined {
    if (node.kind === 'group') return undefined;
    const inc = this.model.get(node.incidentId);
    if (!inc) return undefined;
    if (node.kind === 'incident') return this.nodes.get(groupNodeId(effectiveVerdict(inc)));
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
    if (r.origin?.lines?.length) {
      out.push({ kind: 'lines', id: `lines:${inc.id}`, incidentId: inc.id, count: r.origin.lines.length });
    }
    return out.map((n) => this.node(n));
  }

  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    super.dispose();
  }
}
