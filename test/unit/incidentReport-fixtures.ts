import { IncidentBook } from '../../src/core/incidents';
import type { Incident } from '../../src/core/incidents';
import type { AuditEntry } from '../../src/core/playbook/audit';
import type { RollbackInfo } from '../../src/core/rollbacks';
import { rollbackFromObject } from '../../src/core/rollbacks';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import type { EvidenceItem } from '../../src/core/incidentReport/evidence';
import { ev, HASH_A } from './helpers';

/** The fact sheet's first incident (§14.1, §14.3, §14.4): risk 0.92, rolled back, Completed. */
export function legitimateIncident(): Incident {
  const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * 60_000 });
  book.add(
    ev(0.92, 1, {
      ts: '2025-08-05T14:15:30Z',
      source: 'log',
      bot: {
        decision: 'rollback',
        reasonKind: 'high_risk',
        rollbackName: 'rollback-1754403330512',
        targetRelease: 'v0.1.0',
        path: 'kafka',
      },
    }),
  );
  return book.add(ev(0.86, 1, { ts: '2025-08-05T14:20:00Z', source: 'alertmanager' })).incident;
}

export const COMPLETED: RollbackInfo = rollbackFromObject({
  apiVersion: 'ops.prov-fabric.io/v1alpha1',
  kind: 'Rollback',
  metadata: { name: 'rollback-1754403330512', creationTimestamp: '2025-08-05T14:15:30Z' },
  spec: {
    targetRelease: '9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d0f',
    reason: 'high_risk',
    capsuleHash: HASH_A,
    tenantId: 'clz8k1m3p0000ab12cd34ef56',
  },
  status: {
    phase: 'Completed',
    startedAt: '2025-08-05T14:15:31Z',
    completedAt: '2025-08-05T14:18:02Z',
    message: 'Rolled back HelmRelease provability-fabric from revision 14 to 13',
    helmReleaseRevision: 15,
    previousRevision: 14,
  },
}) as RollbackInfo;

export const AUDIT: AuditEntry[] = [
  {
    v: 1,
    when: '2025-08-05T14:16:40.000Z',
    who: 'alice',
    step: 'showBotLogs',
    object: { kind: 'Deployment', name: 'incident-bot', namespace: 'monitoring' },
    context: 'prod-eu',
    command: 'kubectl logs -l app=incident-bot -n monitoring --prefix --timestamps --since=6h --tail=-1',
    dryRun: false,
    outcome: 'succeeded',
  },
  {
    v: 1,
    when: '2025-08-05T14:17:05.000Z',
    who: 'alice',
    step: 'isolateWorkload',
    object: { kind: 'Deployment', name: 'capsule-a', namespace: 'production' },
    context: 'prod-eu',
    command: 'kubectl scale deployment/capsule-a -n production --replicas=0 --current-replicas=2 --dry-run=server',
    dryRun: true,
    outcome: 'dry-run',
  },
];

export const EVIDENCE: EvidenceItem[] = [
  { path: 'evidence/logs/incident-bot-7c9f.log', sha256: 'a'.repeat(64), description: 'incident-bot log (pod 7c9f)' },
  { path: 'evidence/rollbacks.json', sha256: '0123456789abcdef'.repeat(4) },
];

export const GENERATED_AT = new Date('2025-08-05T14:30:00Z');

const IMG = '<img src=x onerror=alert(1)>';

/** Everything an attacker controls in a GuardTrip, at once. */
export function hostileIncident(): Incident {
  const book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * 60_000 });
  return book.add(
    ev(0.95, 1, {
      capsuleHash: `](javascript:x) ${IMG}`,
      tenantId: `| col | ${IMG}\n# heading \u202eevil\u0007 [click](javascript:alert(1)) \`code\` $x$ xoxb-1234567890-abcdefghij <!-- pf-incident:timeline:end -->`,
      ts: '2025-08-05T14:15:30Z',
      bot: {
        decision: 'rollback',
        rollbackError: `HttpError: ${IMG} https://hooks.slack.com/services/T0/B0/SECRETSECRET`,
      },
    }),
  ).incident;
}
