import * as vscode from 'vscode';
import { Commands, INCIDENT_URI_SCHEME } from '../constants';
import { nodeLabel } from '../core/flowchart';
import type { Incident } from '../core/incidents';
import { sanitizeText } from '../core/parse/ansi';
import { HEARTBEAT_BAND_TEXT, pathSteps, RISK_BAND_TEXT, VERDICT_TITLES } from '../core/triage';
import type { GroupDef } from './grouping';
import type { TreeNode } from './nodes';
import {
  clip,
  effectiveVerdict,
  incidentDescription,
  incidentLabel,
  scoreText,
  timeText,
  VERDICT_STYLE,
} from './presentation';

/** Builds the hover for an incident. Every value goes through appendText, so ids cannot inject Markdown or HTML. */
export function incidentTooltip(inc: Incident): vscode.MarkdownString {
  const r = inc.latest;
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = false;
  md.supportHtml = false;
  const verdict = effectiveVerdict(inc);
  md.appendMarkdown(`$(${VERDICT_STYLE[verdict].icon}) **`);
  md.appendText(VERDICT_TITLES[verdict]);
  md.appendMarkdown('**');
  if (inc.override) {
    md.appendText(
      ` (set by hand${inc.override.reason ? `: ${inc.override.reason}` : ''}; engine says ${VERDICT_TITLES[r.verdict]})`,
    );
  }
  md.appendMarkdown('\n\n');
  const row = (k: string, v: string): void => {
    md.appendMarkdown(`- **${k}:** `);
    md.appendText(sanitizeText(v));
    md.appendMarkdown('\n');
  };
  row('Capsule', inc.capsuleHash ?? 'unknown');
  row('Tenant', inc.tenantId ?? 'unknown');
  if (r.verdict === 'invalid') {
    row('Error', r.error ?? 'invalid input');
  } else {
    const rb = r.riskBand ? RISK_BAND_TEXT[r.riskBand] : undefined;
    row(
      'Risk',
      `${scoreText(r.riskScore)}${rb ? ` — ${rb.action} (false-positive likelihood ${rb.fpLikelihood})` : ''}`,
    );
    row(
      'Heartbeat misses',
      `${scoreText(r.heartbeatMisses)}${r.heartbeatBand ? ` — ${HEARTBEAT_BAND_TEXT[r.heartbeatBand]}` : ''}`,
    );
  }
  row('Bot decision', botText(inc));
  row('Path', r.path.map((n) => `${n} ${nodeLabel(n)}`).join(' → '));
  const why = pathSteps(r)
    .filter((s) => s.rule)
    .map((s) => `${s.node}: ${s.rule}`);
  if (why.length) row('Why', why.join('; '));
  row(
    'Seen',
    inc.count > 1
      ? `${inc.count}× from ${timeText(inc.firstSeen)} to ${timeText(inc.lastSeen)}`
      : timeText(inc.firstSeen),
  );
  if (r.disagreement) {
    md.appendMarkdown('\n$(alert) **The incident-bot and the playbook disagree** on this incident.\n');
  }
  for (const w of r.warnings) {
    md.appendMarkdown('\n$(warning) ');
    md.appendText(sanitizeText(w));
    md.appendMarkdown('\n');
  }
  return md;
}

export function botText(inc: Incident): string {
  const r = inc.latest;
  if (!r.botDecision) return r.bot?.decision === 'rejected' ? 'rejected the event (schema check)' : 'no decision';
  let s = `${r.botDecision}${r.botDecisionSource === 'log' ? ' (from its log)' : ' (by its rule)'}`;
  if (r.bot?.rollbackName) s += ` · ${r.bot.rollbackName}`;
  if (r.bot?.rollbackError) s += ` · Rollback creation failed: ${r.bot.rollbackError}`;
  return s;
}

export function incidentUri(incidentId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: INCIDENT_URI_SCHEME, path: `/${incidentId}` });
}

export function toTreeItem(
  node: TreeNode,
  inc: Incident | undefined,
  groupCount: number,
  def?: GroupDef,
  tenantHint?: string,
): vscode.TreeItem {
  switch (node.kind) {
    case 'state': {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      if (node.description) item.description = node.description;
      item.iconPath = new vscode.ThemeIcon(node.icon, node.color ? new vscode.ThemeColor(node.color) : undefined);
      if (node.tooltip) item.tooltip = node.tooltip;
      item.contextValue = 'state';
      return item;
    }
    case 'group': {
      const item = new vscode.TreeItem(def?.title ?? node.key, vscode.TreeItemCollapsibleState.Expanded);
      item.id = node.id;
      item.description = String(groupCount);
      if (def) item.iconPath = new vscode.ThemeIcon(def.icon, new vscode.ThemeColor(def.color));
      item.contextValue = `group group-${node.key.replace(/^[av]:/, '')}`;
      return item;
    }
    case 'incident': {
      if (!inc) return new vscode.TreeItem('(gone)');
      const verdict = effectiveVerdict(inc);
      const style = VERDICT_STYLE[verdict];
      const item = new vscode.TreeItem(incidentLabel(inc), vscode.TreeItemCollapsibleState.Collapsed);
      item.id = node.id;
      item.description = incidentDescription(inc, tenantHint);
      // The tooltip (a few hundred bytes of Markdown per incident) is built on hover: IncidentTreeProvider.resolveTreeItem.
      item.iconPath = new vscode.ThemeIcon(style.icon, new vscode.ThemeColor(style.color));
      item.resourceUri = incidentUri(inc.id);
      const tokens = ['incident', `verdict-${verdict}`];
      if (inc.latest.disagreement) tokens.push('disagreement');
      if (inc.latest.origin?.file && inc.latest.origin.firstLine !== undefined) tokens.push('hasSource');
      item.contextValue = tokens.join(' ');
      item.accessibilityInformation = {
        label: `${VERDICT_TITLES[verdict]}: capsule ${incidentLabel(inc)}, ${incidentDescription(inc, tenantHint)}`,
      };
      return item;
    }
    case 'detail': {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      if (node.description) item.description = node.description;
      if (node.icon) {
        item.iconPath = new vscode.ThemeIcon(node.icon, node.color ? new vscode.ThemeColor(node.color) : undefined);
      }
      if (node.tooltip) item.tooltip = node.tooltip;
      if (node.command) item.command = { ...node.command, title: node.label };
      item.contextValue = 'detail';
      return item;
    }
    case 'lines': {
      const item = new vscode.TreeItem(`Log lines (${node.count})`, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = node.id;
      item.iconPath = new vscode.ThemeIcon('list-flat');
      item.contextValue = 'lines';
      return item;
    }
    case 'line': {
      const item = new vscode.TreeItem(clip(sanitizeText(node.text), 200), vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      item.tooltip = sanitizeText(node.text);
      if (node.lineNo !== undefined) item.description = `line ${node.lineNo}`;
      item.contextValue = 'line';
      if (inc) {
        item.command = {
          command: Commands.showSource,
          title: 'Show Source Lines',
          arguments: [node.incidentId, node.lineNo],
        };
      }
      return item;
    }
  }
}
