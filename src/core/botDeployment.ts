import type { Thresholds } from './thresholds';

export interface BotEnvReading {
  /** The thresholds the live bot really applies, merged onto the configured ones. */
  thresholds: Thresholds;
  /** What is odd about the env (the bot reads strings and JS coerces them: '' means 0, 'abc' never fires). */
  warnings: string[];
  maintenanceMode: string | null;
}

/**
 * Reads RISK_SCORE_THRESHOLD / HEARTBEAT_MISSES_THRESHOLD the way the bot does (facts §2.5): env values are
 * strings compared with >=, so an empty string acts as 0 (every event rolls back) and a non-number as NaN (that
 * condition never triggers). MAINTENANCE_MODE is reported, with the fact that the bot never reads it.
 */
export function botThresholdsFromEnv(env: Record<string, string>, configured: Thresholds): BotEnvReading {
  const warnings: string[] = [];
  const t: Thresholds = { ...configured };
  const read = (name: string, key: 'botRiskThreshold' | 'botMissThreshold', fallback: number): void => {
    const raw = env[name];
    if (raw === undefined) {
      t[key] = fallback;
      return;
    }
    if (raw.trim() === '') {
      t[key] = 0;
      warnings.push(`${name} is set but empty: the bot compares with 0, so every event rolls back.`);
      return;
    }
    const n = Number(raw);
    if (!Number.isFinite(n)) {
      t[key] = Number.POSITIVE_INFINITY;
      warnings.push(
        `${name}=${JSON.stringify(raw)} is not a number: the bot's comparison is always false, so this condition never triggers.`,
      );
      return;
    }
    t[key] = n;
  };
  read('RISK_SCORE_THRESHOLD', 'botRiskThreshold', 0.8);
  read('HEARTBEAT_MISSES_THRESHOLD', 'botMissThreshold', 3);
  const maintenanceMode = env.MAINTENANCE_MODE ?? null;
  if (maintenanceMode !== null && maintenanceMode.toLowerCase() === 'true') {
    warnings.push(
      'MAINTENANCE_MODE=true is set, but the incident-bot never reads it: it still rolls back automatically. Pause it by scaling to 0.',
    );
  }
  return { thresholds: t, warnings, maintenanceMode };
}

/** The bot container's literal env from a Deployment object (valueFrom entries are named, not resolved). */
export function containerEnv(deployment: unknown, container: string): Record<string, string> | null {
  const d = deployment as {
    spec?: {
      template?: {
        spec?: { containers?: { name?: string; env?: { name?: string; value?: string; valueFrom?: unknown }[] }[] };
      };
    };
  };
  const c = d?.spec?.template?.spec?.containers?.find((x) => x?.name === container);
  if (!c) return null;
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (typeof e?.name !== 'string') continue;
    env[e.name] = typeof e.value === 'string' ? e.value : e.valueFrom ? '(from a reference)' : '';
  }
  return env;
}
