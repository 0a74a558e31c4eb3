import type { NodeId } from '../core/flowchart';
import { Commands } from '../constants';

/**
 * The playbook step each flowchart node stands for, as the command that runs it for the incident. Nodes
 * without an entry are not clickable (their steps are decisions, not actions). Cluster steps are the
 * `pfIncident.step.*` commands of src/playbook (they say so when not connected).
 */
export const STEP_COMMANDS: Partial<Record<NodeId, { command: string; title: string }>> = {
  A: { command: Commands.showSource, title: "Show the incident-bot's log lines for this GuardTrip" },
  B: { command: Commands.stepShowBotDecisions, title: "Show the bot's rollback decisions" },
  C: { command: Commands.stepShowSystemStatus, title: 'Show system status (pods in all namespaces)' },
  D: { command: Commands.confirmLegitimate, title: 'Confirm as legitimate (proceed with rollback)' },
  E: { command: Commands.stepShowCapsule, title: 'Show capsule details' },
  F: { command: Commands.markFalsePositive, title: 'Mark as false positive (adjust thresholds)' },
  G: { command: Commands.stepShowTenantActivity, title: 'Show tenant activity in the ledger logs' },
  H: { command: Commands.stepShowTenantPods, title: "Check lateral movement (the tenant's pods)" },
  I: { command: Commands.stepShowAttestorLogs, title: 'Show attestor logs' },
  J: { command: Commands.markFalsePositive, title: 'Mark as false positive (network issue)' },
  K: { command: Commands.stepShowTenantPods, title: "Check lateral movement (the tenant's pods)" },
  L: { command: Commands.stepSetRiskThreshold, title: 'Tune the risk score threshold' },
  M: { command: Commands.stepShowHelmHistory, title: 'Show Helm history' },
  N: { command: Commands.stepShowRollbacks, title: 'Show Rollbacks' },
};
