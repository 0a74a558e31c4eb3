import type { Incident } from '../core/incidents';
import type { AttentionGroup, RollbackInfo } from '../core/rollbacks';
import { ATTENTION_GROUPS, ATTENTION_TITLES, attentionGroup, rollbacksFor } from '../core/rollbacks';
import { VERDICTS } from '../core/triage';
import { effectiveVerdict, VERDICT_STYLE } from './presentation';

export interface GroupDef {
  key: string;
  title: string;
  icon: string;
  color: string;
}

const ATTENTION_STYLE: Readonly<Record<AttentionGroup, { icon: string; color: string }>> = {
  'needs-attention': { icon: 'flame', color: 'charts.red' },
  'rolling-back': { icon: 'sync', color: 'charts.blue' },
  'rolled-back': { icon: 'history', color: 'charts.purple' },
  'false-positive': { icon: 'pass', color: 'charts.green' },
  invalid: { icon: 'warning', color: 'charts.orange' },
};

/**
 * How the tree groups incidents: by verdict when only the bot's output is known (a log file), by what needs doing
 * when the cluster's Rollbacks are known too (a live cluster or a replay bundle).
 */
export interface Grouping {
  groups: readonly GroupDef[];
  keyOf(inc: Incident): string;
}

export function verdictGrouping(): Grouping {
  return {
    groups: VERDICTS.map((v) => ({
      key: `v:${v}`,
      title: VERDICT_STYLE[v].group,
      icon: VERDICT_STYLE[v].icon,
      color: VERDICT_STYLE[v].color,
    })),
    keyOf: (inc) => `v:${effectiveVerdict(inc)}`,
  };
}

export function attentionGrouping(rollbacks: readonly RollbackInfo[], windowMs: number): Grouping {
  return {
    groups: ATTENTION_GROUPS.map((g) => ({ key: `a:${g}`, title: ATTENTION_TITLES[g], ...ATTENTION_STYLE[g] })),
    keyOf: (inc) =>
      `a:${attentionGroup(effectiveVerdict(inc), inc.latest.disagreement, rollbacksFor(inc, rollbacks, windowMs))}`,
  };
}
