import type { Checked } from './validation';
import { checkTenantId } from './validation';

/**
 * The playbook's tenant query, corrected for the live ledger schema (fact sheet §8, §13.3): the table is
 * "UsageEvent" with a quoted camelCase "tenantId" column, not usage_events.tenant_id.
 */
export const USAGE_LIMIT = 100;

/**
 * The query with a psql variable: psql substitutes :'tenant' as a properly quoted literal when it reads the text
 * from stdin, so the tenant id never becomes SQL text at all (psql does not interpolate variables given with -c).
 */
export const TENANT_USAGE_SQL_PSQL = `SELECT * FROM "UsageEvent" WHERE "tenantId" = :'tenant' ORDER BY "ts" DESC LIMIT ${USAGE_LIMIT};`;

/** A SQL string literal: single quotes doubled; refuses NUL, which PostgreSQL text cannot hold. */
export function sqlLiteral(value: string): string {
  return `'${value.replace(/\u0000/g, '').replace(/'/g, "''")}'`;
}

/** The same query with the id inlined, for pasting into a SQL client; the id is validated first. */
export function tenantUsageSql(tenantId: unknown): Checked<string> {
  const t = checkTenantId(tenantId);
  if (!t.ok) return t;
  return {
    ok: true,
    value: `SELECT * FROM "UsageEvent" WHERE "tenantId" = ${sqlLiteral(t.value)} ORDER BY "ts" DESC LIMIT ${USAGE_LIMIT};`,
  };
}

/** The seed playbook's query (for the "what changed" note); wrong table and column for the deployed schema. */
export const SEED_TENANT_QUERY =
  "SELECT * FROM usage_events WHERE tenant_id = '<tenant-id>' ORDER BY ts DESC LIMIT 100;";
