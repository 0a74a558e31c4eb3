/**
 * The real names and namespaces of Provability-Fabric objects (fact sheet §1, §3, §4, §12). They are defaults:
 * every step takes overrides, because upstream itself disagrees (the bot runs in `monitoring` per the docs and in
 * `default` in CI; the HelmRelease has no namespace anywhere).
 */
export interface ClusterNames {
  botNamespace: string;
  botDeployment: string;
  /** The container whose env the playbook patches (MAINTENANCE_MODE, RISK_SCORE_THRESHOLD). */
  botContainer: string;
  /** Selects every bot pod: `kubectl logs deployment/x` would read only one of them. */
  botSelector: string;
  attestorNamespace: string;
  attestorDeployment: string;
  attestorService: string;
  attestorPort: number;
  /** The sidecar-watcher is a container injected into workload pods (chart pf-enforce), not a Deployment. */
  sidecarNamespace: string;
  sidecarContainer: string;
  /** Pods opt in to enforcement with this label (charts/pf-enforce/values.yaml). */
  enforcedPodSelector: string;
  ledgerNamespace: string;
  ledgerDeployment: string;
  /** The ledger's Postgres; upstream only has a docker-compose service `postgres`, so this is a guess to override. */
  postgresNamespace: string;
  postgresTarget: string;
  postgresUser: string;
  postgresDatabase: string;
  helmRelease: string;
  /** Where `helm history` looks (the playbook's `-n flux-system`), i.e. where Helm keeps its release secrets. */
  helmStorageNamespace: string;
  maintenanceNamespace: string;
  maintenanceConfigMap: string;
  eventsNamespace: string;
  networkNamespace: string;
  rulesNamespace: string;
  rulesName: string;
}

export const DEFAULT_NAMES: Readonly<ClusterNames> = Object.freeze({
  botNamespace: 'monitoring',
  botDeployment: 'incident-bot',
  botContainer: 'incident-bot',
  botSelector: 'app=incident-bot',
  attestorNamespace: 'monitoring',
  attestorDeployment: 'attestor',
  attestorService: 'attestor-service',
  attestorPort: 8080,
  sidecarNamespace: 'production',
  sidecarContainer: 'sidecar-watcher',
  enforcedPodSelector: 'pf/enforce=true',
  ledgerNamespace: 'default',
  ledgerDeployment: 'ledger',
  postgresNamespace: 'default',
  postgresTarget: 'deployment/postgres',
  postgresUser: 'pf_user',
  postgresDatabase: 'provability_fabric',
  helmRelease: 'provability-fabric',
  helmStorageNamespace: 'flux-system',
  maintenanceNamespace: 'monitoring',
  maintenanceConfigMap: 'maintenance-status',
  eventsNamespace: 'monitoring',
  networkNamespace: 'monitoring',
  rulesNamespace: 'monitoring',
  rulesName: 'incident-response',
});

/** Fully qualified resource names: a bare `rollbacks` or `helmreleases` could resolve to another group's kind. */
export const RESOURCES = Object.freeze({
  rollbacks: 'rollbacks.ops.prov-fabric.io',
  helmReleases: 'helmreleases.helm.toolkit.fluxcd.io',
  prometheusRules: 'prometheusrules.monitoring.coreos.com',
});

export const ROLLBACK_API_VERSION = 'ops.prov-fabric.io/v1alpha1';
export const ROLLBACK_KIND = 'Rollback';

/** Env vars of the bot container that the changing steps touch (fact sheet §2.11, §12). */
export const BOT_ENV = Object.freeze({
  riskThreshold: 'RISK_SCORE_THRESHOLD',
  missThreshold: 'HEARTBEAT_MISSES_THRESHOLD',
  maintenanceMode: 'MAINTENANCE_MODE',
});

/** The bot's own default for RISK_SCORE_THRESHOLD when the env var is unset. */
export const BOT_DEFAULT_RISK_THRESHOLD = 0.8;
