import assert from 'node:assert/strict';
import path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/constants';
import type { PfIncidentApi } from '../../src/extension';
import type { TreeNode } from '../../src/tree/nodes';

export async function api(): Promise<PfIncidentApi> {
  const ext = vscode.extensions.getExtension<PfIncidentApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
  const exports = await ext.activate();
  assert.ok(exports, 'activate() returned no API (activation failed?)');
  return exports;
}

export function extensionPath(...parts: string[]): string {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext);
  return path.join(ext.extensionPath, ...parts);
}

export interface Row {
  label: string;
  description: string;
  icon?: string;
  color?: string;
  contextValue?: string;
  /** The Markdown source, as VS Code renders it (escapes included). */
  tooltip: string;
  /** The tooltip as a reader sees it: &nbsp; and Markdown escapes undone. */
  tooltipText: string;
  /** What a screen reader announces (incident rows). */
  ariaLabel?: string;
  node: TreeNode;
  children: Row[];
}

function labelOf(item: vscode.TreeItem): string {
  const l = item.label;
  return typeof l === 'string' ? l : (l?.label ?? '');
}

/** Resolves the tree the way the view does (getChildren + getTreeItem), to the given depth. */
export async function snapshot(a: PfIncidentApi, depth = 2, node?: TreeNode): Promise<Row[]> {
  a.tree.flushNow();
  const nodes = (await a.tree.getChildren(node)) ?? [];
  const rows: Row[] = [];
  for (const n of nodes) {
    const item = a.tree.resolveTreeItem(a.tree.getTreeItem(n), n);
    const icon = item.iconPath instanceof vscode.ThemeIcon ? item.iconPath : undefined;
    rows.push({
      label: labelOf(item),
      description: typeof item.description === 'string' ? item.description : '',
      ...(icon ? { icon: icon.id } : {}),
      ...(icon?.color ? { color: icon.color.id } : {}),
      ...(item.contextValue ? { contextValue: item.contextValue } : {}),
      ...(item.accessibilityInformation ? { ariaLabel: item.accessibilityInformation.label } : {}),
      tooltip: item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip ?? ''),
      tooltipText: (item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip ?? ''))
        .replace(/&nbsp;/g, ' ')
        .replace(/\\([\\`*_{}[\]()#+\-.!<>|~])/g, '$1'),
      node: n,
      children: depth > 1 ? await snapshot(a, depth - 1, n) : [],
    });
  }
  return rows;
}

export async function until<T>(
  fn: () => T | undefined | Promise<T | undefined>,
  what: string,
  ms = 10_000,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
