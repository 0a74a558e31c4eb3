export type TreeNode =
  | {
      kind: 'state';
      id: string;
      label: string;
      description?: string;
      icon: string;
      color?: string;
      tooltip?: string;
      command?: string;
    }
  | { kind: 'group'; id: string; key: string }
  | { kind: 'incident'; id: string; incidentId: string; group: string }
  | {
      kind: 'detail';
      id: string;
      incidentId: string;
      label: string;
      description?: string;
      icon?: string;
      color?: string;
      tooltip?: string;
      /** Run on click (e.g. the incident's playbook results). */
      command?: { command: string; arguments: unknown[] };
    }
  | { kind: 'lines'; id: string; incidentId: string; count: number }
  | { kind: 'line'; id: string; incidentId: string; text: string; lineNo?: number };

export const groupNodeId = (key: string): string => `group:${key}`;
export const incidentNodeId = (incidentId: string): string => `incident:${incidentId}`;
