/** Every id the manifest contributes, in one place; a unit test keeps this in sync with package.json. */
export const EXTENSION_ID = 'provability-fabric.pf-incident-response';

export const Commands = {
  openLog: 'pfIncident.log.open',
  openSample: 'pfIncident.sample.open',
  clearIncidents: 'pfIncident.incidents.clear',
  retriage: 'pfIncident.incidents.retriage',
  showSource: 'pfIncident.incident.showSource',
  copyJson: 'pfIncident.incident.copyJson',
  openTriage: 'pfIncident.triage.open',
  confirmLegitimate: 'pfIncident.incident.confirmLegitimate',
  markFalsePositive: 'pfIncident.incident.markFalsePositive',
  openBundle: 'pfIncident.bundle.open',
  openDemo: 'pfIncident.demo.open',
  exportRules: 'pfIncident.metrics.exportRules',
  connect: 'pfIncident.cluster.connect',
  disconnect: 'pfIncident.cluster.disconnect',
  saveSnapshot: 'pfIncident.bundle.saveSnapshot',
  // Playbook steps (src/playbook): one command per PLAYBOOK_STEPS entry, pfIncident.step.<id>.
  stepShowBotLogs: 'pfIncident.step.showBotLogs',
  stepShowBotDecisions: 'pfIncident.step.showBotDecisions',
  stepShowSystemStatus: 'pfIncident.step.showSystemStatus',
  stepShowHelmReleases: 'pfIncident.step.showHelmReleases',
  stepShowHelmHistory: 'pfIncident.step.showHelmHistory',
  stepShowCapsule: 'pfIncident.step.showCapsule',
  stepShowAttestorLiveness: 'pfIncident.step.showAttestorLiveness',
  stepShowTenantActivity: 'pfIncident.step.showTenantActivity',
  stepQueryTenantUsage: 'pfIncident.step.queryTenantUsage',
  stepShowEvents: 'pfIncident.step.showEvents',
  stepShowAttestorLogs: 'pfIncident.step.showAttestorLogs',
  stepShowSidecarLogs: 'pfIncident.step.showSidecarLogs',
  stepShowNetworkPolicies: 'pfIncident.step.showNetworkPolicies',
  stepShowRollbacks: 'pfIncident.step.showRollbacks',
  stepShowTenantPods: 'pfIncident.step.showTenantPods',
  stepProbeCapsuleEndpoint: 'pfIncident.step.probeCapsuleEndpoint',
  stepShowMaintenanceStatus: 'pfIncident.step.showMaintenanceStatus',
  stepPauseBot: 'pfIncident.step.pauseBot',
  stepResumeBot: 'pfIncident.step.resumeBot',
  stepEnableMaintenanceMode: 'pfIncident.step.enableMaintenanceMode',
  stepDisableMaintenanceMode: 'pfIncident.step.disableMaintenanceMode',
  stepSetRiskThreshold: 'pfIncident.step.setRiskThreshold',
  stepIsolateWorkload: 'pfIncident.step.isolateWorkload',
  stepCreateRollback: 'pfIncident.step.createRollback',
  stepApplyMonitoringRules: 'pfIncident.step.applyMonitoringRules',
  stepUndoLast: 'pfIncident.step.undoLast',
  stepCopyKubectl: 'pfIncident.step.copyKubectl',
  stepRunInTerminal: 'pfIncident.step.runInTerminal',
  stepShowResults: 'pfIncident.step.showResults',
  unlockChanges: 'pfIncident.safety.unlockChanges',
  evidenceCollect: 'pfIncident.evidence.collect',
  checkTenantUsage: 'pfIncident.evidence.checkTenantUsage',
  reportDraft: 'pfIncident.report.draft',
  reportUpdateTimeline: 'pfIncident.report.updateTimeline',
  slackNotify: 'pfIncident.slack.notify',
  slackSetWebhook: 'pfIncident.slack.setWebhook',
  slackClearWebhook: 'pfIncident.slack.clearWebhook',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

export const Views = {
  container: 'pfIncident',
  incidents: 'pfIncident.incidents',
} as const;

export const ContextKeys = {
  hasIncidents: 'pfIncident.hasIncidents',
  connected: 'pfIncident.connected',
  kubeconfigMissing: 'pfIncident.kubeconfigMissing',
} as const;

export const CONFIG_SECTION = 'pfIncident';

export const Settings = {
  riskLow: 'triage.riskLow',
  riskHigh: 'triage.riskHigh',
  riskMonitor: 'triage.riskMonitor',
  missThreshold: 'triage.missThreshold',
  botRiskThreshold: 'triage.botRiskThreshold',
  botMissThreshold: 'triage.botMissThreshold',
  groupWindowMinutes: 'incidents.groupWindowMinutes',
  startupOpenLog: 'startup.openLog',
} as const;

/** URI scheme for tree items' resourceUri, so a FileDecorationProvider can badge disagreements. */
export const INCIDENT_URI_SCHEME = 'pf-incident';

export const SAMPLE_LOG = 'media/samples/incident-bot.log';
export const DEMO_BUNDLE = 'media/demo-bundle';
