export const ATTESTOR_LOG_LINES: string[];
export const SIDECAR_LOG_LINES: string[];
export const SEEDED_CAPSULE: { name: string; namespace: string; tenantId: string };
