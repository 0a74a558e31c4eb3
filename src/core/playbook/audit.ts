import type { KubectlInvocation } from './invocation';
import type { StepId } from './steps';
import { isStepId } from './steps';

/**
 * What an engineer did to the cluster during an incident, one JSON object per line. Append-only: entries are
 * frozen when added and never rewritten, so the file doubles as evidence; reading tolerates lines damaged by a
 * crash or a hand edit and reports them instead of failing.
 */
export const AUDIT_VERSION = 1;

export type AuditOutcome = 'dry-run' | 'succeeded' | 'failed' | 'cancelled';

export interface AuditEntry {
  v: typeof AUDIT_VERSION;
  /** ISO-8601 time the step ran. */
  when: string;
  /** Who ran it: the OS user and/or the kube user of the context. */
  who: string;
  step: StepId;
  object: { kind: string; name: string; namespace?: string };
  /** The kubeconfig context the step ran against. */
  context: string;
  /** The copyable command line that was run. */
  command: string;
  dryRun: boolean;
  outcome: AuditOutcome;
  /** Error or summary, one line. */
  message?: string;
  /** How to reverse it, when it can be reversed. */
  undo?: { description: string; invocations: KubectlInvocation[] };
  /** The incident this was done for. */
  incidentId?: string;
}

const OUTCOMES: readonly string[] = ['dry-run', 'succeeded', 'failed', 'cancelled'];
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

/**
 * One line: JSON escapes CR and LF, and NEL, U+2028 and U+2029 (which JSON leaves raw but some readers treat as
 * line breaks) are escaped here, so an entry can never split into two.
 */
export function auditLine(e: AuditEntry): string {
  return JSON.stringify(e).replace(
    /[\u0085\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function isInvocation(v: unknown): v is KubectlInvocation {
  return (
    isObj(v) &&
    Array.isArray(v.argv) &&
    v.argv.every(isStr) &&
    (v.stdin === undefined || isStr(v.stdin)) &&
    (v.grep === undefined || isStr(v.grep))
  );
}

/** Why a parsed value is not an audit entry, or null when it is one. */
export function auditEntryProblem(v: unknown): string | null {
  if (!isObj(v)) return 'not a JSON object';
  if (v.v !== AUDIT_VERSION) return `unsupported version ${JSON.stringify(v.v) ?? 'undefined'}`;
  if (!isStr(v.when) || !Number.isFinite(Date.parse(v.when))) return 'when is not an ISO time';
  if (!isStr(v.who) || v.who === '') return 'who is missing';
  if (!isStepId(v.step)) return 'step is not a known step id';
  const o = v.object;
  if (!isObj(o) || !isStr(o.kind) || !isStr(o.name) || (o.namespace !== undefined && !isStr(o.namespace))) {
    return 'object is not {kind, name, namespace?}';
  }
  if (!isStr(v.context)) return 'context is missing';
  if (!isStr(v.command)) return 'command is missing';
  if (typeof v.dryRun !== 'boolean') return 'dryRun is not a boolean';
  if (!isStr(v.outcome) || !OUTCOMES.includes(v.outcome)) return 'outcome is not one of ' + OUTCOMES.join(', ');
  if (v.message !== undefined && !isStr(v.message)) return 'message is not a string';
  if (v.incidentId !== undefined && !isStr(v.incidentId)) return 'incidentId is not a string';
  const u = v.undo;
  if (
    u !== undefined &&
    (!isObj(u) || !isStr(u.description) || !Array.isArray(u.invocations) || !u.invocations.every(isInvocation))
  ) {
    return 'undo is not {description, invocations}';
  }
  return null;
}

export interface ParsedAudit {
  entries: AuditEntry[];
  /** 1-based line numbers of lines that were not entries, and why. */
  bad: { line: number; error: string }[];
}

/** Reads JSON lines; blank lines are skipped, anything else that is not an entry is reported by line. */
export function parseAuditLines(text: string): ParsedAudit {
  const out: ParsedAudit = { entries: [], bad: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').replace(/\r$/, '');
    if (raw.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      out.bad.push({ line: i + 1, error: 'not valid JSON' });
      continue;
    }
    const problem = auditEntryProblem(v);
    if (problem) out.bad.push({ line: i + 1, error: problem });
    else out.entries.push(deepFreeze(v as AuditEntry));
  }
  return out;
}

/** The in-memory trail: append and read, never edit or remove. */
export class AuditTrail {
  private readonly list: AuditEntry[] = [];

  constructor(initial: readonly AuditEntry[] = []) {
    for (const e of initial) this.append(e);
  }

  get size(): number {
    return this.list.length;
  }

  /** Adds a copy of the entry (frozen); returns the one-line JSON to append to the file, or the problem. */
  append(entry: AuditEntry): { ok: true; line: string } | { ok: false; error: string } {
    const copy = JSON.parse(JSON.stringify(entry)) as unknown;
    const problem = auditEntryProblem(copy);
    if (problem) return { ok: false, error: `audit entry: ${problem}` };
    this.list.push(deepFreeze(copy as AuditEntry));
    return { ok: true, line: auditLine(copy as AuditEntry) };
  }

  entries(): readonly AuditEntry[] {
    return this.list.slice();
  }

  forIncident(id: string): AuditEntry[] {
    return this.list.filter((e) => e.incidentId === id);
  }

  /** The most recent successful, undoable, non-dry-run change: what an "Undo last step" command offers. */
  lastUndoable(): AuditEntry | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const e = this.list[i];
      if (e && e.outcome === 'succeeded' && !e.dryRun && e.undo) return e;
    }
    return undefined;
  }

  toJsonLines(): string {
    return this.list.map((e) => `${auditLine(e)}\n`).join('');
  }
}
