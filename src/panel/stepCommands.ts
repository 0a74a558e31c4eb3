import type { NodeId } from '../core/flowchart';
import { Commands } from '../constants';

/**
 * The playbook step each flowchart node stands for, as the command that runs it for the incident. Nodes
 * without an entry are not clickable (their steps are decisions, not actions).
 */
export const STEP_COMMANDS: Partial<Record<NodeId, { command: string; title: string }>> = {
  A: { command: Commands.showSource, title: "Show the incident-bot's log lines for this GuardTrip" },
  D: { command: Commands.confirmLegitimate, title: 'Confirm as legitimate (proceed with rollback)' },
  F: { command: Commands.markFalsePositive, title: 'Mark as false positive (adjust thresholds)' },
  J: { command: Commands.markFalsePositive, title: 'Mark as false positive (network issue)' },
};
