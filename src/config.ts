import * as vscode from 'vscode';
import { CONFIG_SECTION, Settings } from './constants';
import type { Thresholds } from './core/thresholds';
import { DEFAULT_THRESHOLDS, validateThresholds } from './core/thresholds';

export interface TriageConfig {
  thresholds: Thresholds;
  windowMs: number;
  /** Problems found in the user's settings; the defaults were used instead. */
  problems: string[];
}

function num(cfg: vscode.WorkspaceConfiguration, key: string, fallback: number): number {
  const v = cfg.get<unknown>(key);
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** Reads the triage settings; an inconsistent set (e.g. riskLow > riskHigh) falls back to the defaults, with a reason. */
export function readTriageConfig(scope?: vscode.Uri): TriageConfig {
  const cfg = vscode.workspace.getConfiguration(CONFIG_SECTION, scope);
  const thresholds: Thresholds = {
    riskLow: num(cfg, Settings.riskLow, DEFAULT_THRESHOLDS.riskLow),
    riskHigh: num(cfg, Settings.riskHigh, DEFAULT_THRESHOLDS.riskHigh),
    riskMonitor: num(cfg, Settings.riskMonitor, DEFAULT_THRESHOLDS.riskMonitor),
    missThreshold: num(cfg, Settings.missThreshold, DEFAULT_THRESHOLDS.missThreshold),
    botRiskThreshold: num(cfg, Settings.botRiskThreshold, DEFAULT_THRESHOLDS.botRiskThreshold),
    botMissThreshold: num(cfg, Settings.botMissThreshold, DEFAULT_THRESHOLDS.botMissThreshold),
  };
  const problems = validateThresholds(thresholds);
  const minutes = num(cfg, Settings.groupWindowMinutes, 15);
  return {
    thresholds: problems.length ? { ...DEFAULT_THRESHOLDS } : thresholds,
    windowMs: Math.max(0, minutes) * 60_000,
    problems,
  };
}

export function affectsTriage(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(`${CONFIG_SECTION}.triage`) || e.affectsConfiguration(`${CONFIG_SECTION}.incidents`);
}

export function startupLog(): string | undefined {
  const v = vscode.workspace.getConfiguration(CONFIG_SECTION).get<string>(Settings.startupOpenLog);
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}
