// Which kubeconfig contexts refuse changes (setting pfIncident.safety.readOnlyContexts, globs such as `*prod*`),
// and the time-limited unlock. Pure: no vscode import, the clock is injected.

/** `*` matches any run of characters, `?` one; everything else literally; case-insensitive, whole name. */
export function globToRegExp(glob: string): RegExp {
  const body = [...glob]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'is');
}

/** The first pattern that matches the context, or undefined. Blank and non-string patterns are ignored. */
export function readOnlyPatternFor(context: string, patterns: readonly unknown[]): string | undefined {
  for (const p of patterns) {
    if (typeof p !== 'string' || p.trim() === '') continue;
    if (globToRegExp(p.trim()).test(context)) return p;
  }
  return undefined;
}

export const DEFAULT_READ_ONLY_CONTEXTS: readonly string[] = Object.freeze(['*prod*']);
export const UNLOCK_MINUTES = 15;

/** Contexts unlocked until a time; an unlock covers one context only. */
export class ChangeLocks {
  private readonly unlocked = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  unlock(context: string, minutes = UNLOCK_MINUTES): number {
    const until = this.now() + minutes * 60_000;
    this.unlocked.set(context, until);
    return until;
  }

  lock(context?: string): void {
    if (context === undefined) this.unlocked.clear();
    else this.unlocked.delete(context);
  }

  /** Milliseconds left of the context's unlock, 0 when locked. */
  remainingMs(context: string): number {
    const until = this.unlocked.get(context);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left <= 0) {
      this.unlocked.delete(context);
      return 0;
    }
    return left;
  }

  /** Every context still unlocked, with the ms left. */
  active(): { context: string; remainingMs: number }[] {
    return [...this.unlocked.keys()]
      .map((context) => ({ context, remainingMs: this.remainingMs(context) }))
      .filter((u) => u.remainingMs > 0);
  }

  /** Why a change to the context is refused, or null when allowed. */
  refusal(context: string, patterns: readonly unknown[]): string | null {
    const p = readOnlyPatternFor(context, patterns);
    if (p === undefined || this.remainingMs(context) > 0) return null;
    return `context "${context}" is read-only (matches pfIncident.safety.readOnlyContexts pattern "${p}"); run "PF Incident: Unlock Changes for 15 Minutes…" first`;
  }
}

/** `m:ss` for a countdown. */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
