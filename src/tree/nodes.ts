import type { Verdict } from '../core/triage';

export type TreeNode =
  | { kind: 'group'; id: string; verdict: Verdict }
  | { kind: 'incident'; id: string; incidentId: string; verdict: Verdict }
  | {
      kind: 'detail';
      id: string;
      incidentId: string;
      label: string;
      description?: string;
      icon?: string;
      color?: string;
      tooltip?: string;
    }
  | { kind: 'lines'; id: string; incidentId: string; count: number }
  | { kind: 'line'; id: string; incidentId: string; text: string; lineNo?: number };

export const groupNodeId = (v: Verdict): string => `group:${v}`;
export const incidentNodeId = (incidentId: string): string => `incident:${incidentId}`;
