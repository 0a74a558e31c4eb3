// What the step definitions (readSteps.ts, changeSteps.ts) are built from: checked parameters, the fact-sheet
// names with their overrides, and the shapes of a built step.
import type { KubectlInvocation } from './invocation';
import type { ClusterNames } from './names';
import { DEFAULT_NAMES } from './names';
import type { PlaybookStep, StepCommand, StepParams } from './steps';
import type { Checked } from './validation';
import {
  checkCapsuleHash,
  checkDnsLabel,
  checkHost,
  checkLabelKey,
  checkLabelValue,
  checkNamespace,
  checkResourceName,
  checkTenantId,
} from './validation';

export type Names = ClusterNames;
export type Built = Checked<Omit<StepCommand, 'stepId' | 'commandId' | 'changing' | 'line'>>;
export type Target = StepCommand['target'];

export interface StepDef extends Omit<PlaybookStep, 'commandId'> {
  build(p: StepParams, n: Names): Built;
}

const SINCE = /^[1-9]\d{0,3}[smh]$/;

export function since(p: StepParams): Checked<string> {
  const s = p.since ?? '6h';
  return SINCE.test(s) ? { ok: true, value: s } : { ok: false, error: 'since: must look like 30m, 6h or 90s' };
}

export function dry(p: StepParams): string[] {
  return p.dryRun ? ['--dry-run=server'] : [];
}

/** Fact-sheet names merged with overrides, each override checked: they end up in argv and selectors. */
export function resolveNames(overrides: Partial<ClusterNames> = {}): Checked<Names> {
  const n: Names = { ...DEFAULT_NAMES };
  for (const [key, value] of Object.entries(overrides) as [keyof ClusterNames, unknown][]) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_NAMES)) return { ok: false, error: `names.${key}: unknown name` };
    let c: Checked<unknown>;
    if (key === 'attestorPort') {
      c =
        typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 65536
          ? { ok: true, value }
          : { ok: false, error: `names.${key}: must be a port number` };
    } else if (key.endsWith('Namespace')) c = checkNamespace(value, `names.${key}`);
    else if (key === 'botSelector' || key === 'enforcedPodSelector') c = checkSelector(value, `names.${key}`);
    else if (key === 'postgresTarget') c = checkTarget(value, `names.${key}`);
    else if (key === 'botContainer' || key === 'sidecarContainer') c = checkDnsLabel(value, `names.${key}`);
    else if (key === 'postgresUser' || key === 'postgresDatabase') c = checkSqlIdent(value, `names.${key}`);
    else c = checkResourceName(value, `names.${key}`);
    if (!c.ok) return c;
    (n as unknown as Record<string, unknown>)[key] = c.value;
  }
  return { ok: true, value: n };
}

/** `key=value[,key=value]`: the only selector form the steps need. */
function checkSelector(value: unknown, field: string): Checked<string> {
  if (typeof value !== 'string' || value === '') return { ok: false, error: `${field}: must be key=value` };
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, error: `${field}: must be key=value[,key=value]` };
    const k = checkLabelKey(part.slice(0, eq), field);
    if (!k.ok) return k;
    const v = checkLabelValue(part.slice(eq + 1), field);
    if (!v.ok) return v;
  }
  return { ok: true, value };
}

/** `deployment/name` or `pod/name`, as kubectl exec takes it. */
function checkTarget(value: unknown, field: string): Checked<string> {
  if (typeof value !== 'string') return { ok: false, error: `${field}: must be kind/name` };
  const m = /^(deployment|statefulset|pod)\/(.+)$/.exec(value);
  if (!m) return { ok: false, error: `${field}: must be deployment/<name>, statefulset/<name> or pod/<name>` };
  const name = checkResourceName(m[2], field);
  return name.ok ? { ok: true, value } : name;
}

function checkSqlIdent(value: unknown, field: string): Checked<string> {
  return typeof value === 'string' && /^[a-z_][a-z0-9_]{0,62}$/.test(value)
    ? { ok: true, value }
    : { ok: false, error: `${field}: must be a lowercase SQL identifier` };
}

export function need<T>(c: Checked<T>, into: (v: T) => Built): Built {
  return c.ok ? into(c.value) : c;
}

export function required(p: StepParams, name: 'capsuleHash' | 'tenantId' | 'endpoint'): Checked<string> {
  const v = p[name];
  const label = { capsuleHash: 'capsule hash', tenantId: 'tenant id', endpoint: 'capsule endpoint' }[name];
  if (v === undefined) return { ok: false, error: `${label}: required for this step` };
  if (name === 'capsuleHash') return checkCapsuleHash(v);
  if (name === 'tenantId') return checkTenantId(v);
  return checkHost(v);
}

/** A step that only reads: its kubectl runs, what it reads, and what the engineer should know. */
export function reads(invocations: KubectlInvocation[], target: Target, notes: string[] = []): Built {
  return { ok: true, value: { invocations, notes, target } };
}

export const botDeploymentTarget = (n: Names): Target => ({
  kind: 'Deployment',
  name: n.botDeployment,
  namespace: n.botNamespace,
});

/** Every bot pod's lines (not just one pod's, as `deployment/…` would read), with pod names and timestamps. */
export function botLogsArgv(n: Names, since: string): string[] {
  return [
    'kubectl',
    'logs',
    '-l',
    n.botSelector,
    '-n',
    n.botNamespace,
    '--prefix',
    '--timestamps',
    `--since=${since}`,
    '--tail=-1',
  ];
}
