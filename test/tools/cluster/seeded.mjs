// Seeded objects that tests look for by name (no imports: test files bundle this).
// What the attestor and a capsule's sidecar-watcher print (fact sheet §14.6: tracing fmt, no ANSI), served by kwok as
// their container logs so that evidence gathering and the log steps read real component logs.
export const ATTESTOR_LOG_LINES = [
  '2025-08-05T14:15:00.000311Z  INFO attestor: Attestor service listening on 0.0.0.0:8080',
  '2025-08-05T14:15:25.004311Z  INFO attestor: Received heartbeat from sha256:4f8b2c1d9e7a6b5c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c',
  '2025-08-05T14:15:41.220087Z  WARN attestor: Failed to get Redis connection: Connection refused (os error 111)',
];
export const SIDECAR_LOG_LINES = [
  '2025-08-05T14:15:29.481602Z  WARN sidecar_watcher: Guard trip: Spam score too high: 0.93 > 0.80',
];
/** The seeded enforced capsule pod (pf/enforce=true, a sidecar-watcher container) and its tenant. */
export const SEEDED_CAPSULE = {
  name: 'capsule-seeded',
  namespace: 'production',
  tenantId: 'cseed0sidecar0pod00000000',
};
