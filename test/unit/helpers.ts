import type { GuardTripInput } from '../../src/core/guardTrip';
import { LogOrigin } from '../../src/core/parse/keptLines';

export const HASH_A = 'sha256:4f8b2c1d9e7a6b5c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c';
export const HASH_B = 'sha256:0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c';
export const HASH_C = 'sha256:a3e1b2c4d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';

export function ev(riskScore: unknown, heartbeatMisses: unknown, extra: Partial<GuardTripInput> = {}): GuardTripInput {
  return {
    capsuleHash: HASH_A,
    tenantId: 'clz8k1m3p0000ab12cd34ef56',
    riskScore,
    heartbeatMisses,
    ts: '2025-08-05T14:15:29Z',
    source: 'event',
    ...extra,
  };
}

export const REPO_ROOT = new URL('../../../', `file://${__filename}`).pathname;

/**
 * `value` with every lazily decoded log origin replaced by a plain object that has its lines: `assert.deepEqual`
 * reads own properties only, and a LogOrigin's `lines` is on its prototype.
 */
export function withLines<T>(value: T): T {
  const walk = (v: unknown): unknown => {
    if (v instanceof LogOrigin) return { ...v, lines: v.lines };
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
