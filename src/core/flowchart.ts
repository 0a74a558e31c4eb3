import type { Thresholds } from './thresholds';

/** Node ids of the playbook's mermaid triage chart (docs/playbooks/incident_response.md). */
export type NodeId = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M' | 'N' | 'O';

export interface FlowNode {
  id: NodeId;
  label: string;
  shape: 'box' | 'decision';
}

export interface FlowEdge {
  from: NodeId;
  to: NodeId;
  /** Edge label as the seed chart words it, with the configured thresholds. */
  label?: string;
}

export const FLOW_NODES: readonly FlowNode[] = [
  { id: 'A', label: 'GuardTrip Event Detected', shape: 'box' },
  { id: 'B', label: 'Is this a false positive?', shape: 'decision' },
  { id: 'C', label: 'Investigate Root Cause', shape: 'box' },
  { id: 'D', label: 'Proceed with Rollback', shape: 'box' },
  { id: 'E', label: 'Check Risk Score', shape: 'decision' },
  { id: 'F', label: 'False Positive - Adjust Thresholds', shape: 'box' },
  { id: 'G', label: 'Investigate Further', shape: 'box' },
  { id: 'H', label: 'Legitimate Incident', shape: 'box' },
  { id: 'I', label: 'Check Heartbeat Misses', shape: 'decision' },
  { id: 'J', label: 'False Positive - Network Issue', shape: 'box' },
  { id: 'K', label: 'Legitimate Incident', shape: 'box' },
  { id: 'L', label: 'Update Monitoring Rules', shape: 'box' },
  { id: 'M', label: 'Execute Rollback', shape: 'box' },
  { id: 'N', label: 'Monitor Recovery', shape: 'box' },
  { id: 'O', label: 'Post-Incident Review', shape: 'box' },
];

const NODE_BY_ID = new Map(FLOW_NODES.map((n) => [n.id, n]));

export function nodeLabel(id: NodeId): string {
  return NODE_BY_ID.get(id)?.label ?? id;
}

/** The seed chart's edges, in its order; threshold labels follow the configuration ("Low Risk < 0.5"). */
export function flowEdges(t: Pick<Thresholds, 'riskLow' | 'riskHigh' | 'missThreshold'>): FlowEdge[] {
  return [
    { from: 'A', to: 'B' },
    { from: 'B', to: 'C', label: 'Yes' },
    { from: 'B', to: 'D', label: 'No' },
    { from: 'C', to: 'E' },
    { from: 'E', to: 'F', label: `Low Risk < ${t.riskLow}` },
    { from: 'E', to: 'G', label: `Medium Risk ${t.riskLow}-${t.riskHigh}` },
    { from: 'E', to: 'H', label: `High Risk > ${t.riskHigh}` },
    { from: 'G', to: 'I' },
    { from: 'I', to: 'J', label: `< ${t.missThreshold} misses` },
    { from: 'I', to: 'K', label: `>= ${t.missThreshold} misses` },
    { from: 'F', to: 'L' },
    { from: 'J', to: 'L' },
    { from: 'H', to: 'D' },
    { from: 'K', to: 'D' },
    { from: 'D', to: 'M' },
    { from: 'M', to: 'N' },
    { from: 'N', to: 'O' },
  ];
}
