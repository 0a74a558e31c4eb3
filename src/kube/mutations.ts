// The playbook's cluster changes, each one: read the object (before) -> write with the server-side dry run
// (dryRun=All) or for real, with a resourceVersion precondition (the caller's preview, else what was just read) ->
// the server's answer (after) and the request that undoes it. A 409 (the object changed since the preview, or
// AlreadyExists on create) re-reads the object and resolves a `conflict` result the caller can re-diff; 403 is a
// forbidden KubeError naming the missing permission; 422 a KubeValidationError naming the fields. The pure builders
// of what to change (playbook steps, manifests) live in src/core; this module only does the Kubernetes I/O.
import crypto from 'node:crypto';
import type { KubeObject, MutationOptions, MutationRequest, MutationResult, MutationTarget } from './actionTypes';
import { apiAbsentError, enc, errorFor, isObjectNotFound, query } from './apiRequest';
import type { ApiClient, RawResponse } from './apiRequest';
import { permissionText } from './liveConnection';
import { KubeError } from './types';
import type { AccessCheck } from './types';

export const FIELD_MANAGER = 'pf-incident-response';
const ROLLBACK_GROUP = 'ops.prov-fabric.io';
const ROLLBACKS = `/apis/${ROLLBACK_GROUP}/v1alpha1/rollbacks`;
const PROM_GV = 'monitoring.coreos.com/v1';

const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';

/** A copy without metadata.managedFields (noise in a diff). */
export function stripObject(o: unknown): KubeObject | null {
  if (!o || typeof o !== 'object') return null;
  const c = structuredClone(o) as KubeObject;
  if (c.metadata) delete c.metadata.managedFields;
  return c;
}

const rvOf = (o: KubeObject | null): string | undefined => o?.metadata?.resourceVersion;

interface Ctx {
  api: ApiClient;
  req: MutationRequest;
  opts: MutationOptions;
  target: MutationTarget;
  path: string;
  what: string;
}

function writeQuery(opts: MutationOptions): string {
  return query({ dryRun: opts.dryRun ? 'All' : undefined, fieldManager: FIELD_MANAGER });
}

async function readObject(ctx: Ctx, permission: AccessCheck, absentHint?: string): Promise<KubeObject | null> {
  const r = await ctx.api.raw('GET', ctx.path, { what: `get ${ctx.what}` });
  if (r.status === 200) return stripObject(r.json);
  if (isObjectNotFound(r)) return null;
  const err = errorFor(r, `get ${ctx.what}`, permission);
  if (absentHint && r.status === 404) {
    const [gv, resource] = absentHint.split('|') as [string, string];
    throw await apiAbsentError(ctx.api, gv, resource, absentHint.split('|')[2] ?? '', err);
  }
  throw err;
}

/** Sends a write; a 409 becomes `null` (the caller turns it into a conflict result), other failures throw. */
async function send(
  ctx: Ctx,
  method: string,
  path: string,
  body: unknown,
  contentType: string,
  permission: AccessCheck,
): Promise<{ r: RawResponse; obj: KubeObject | null } | null> {
  const r = await ctx.api.raw(method, `${path}${writeQuery(ctx.opts)}`, {
    what: `${ctx.opts.dryRun ? 'dry run: ' : ''}${method.toLowerCase()} ${ctx.what}`,
    body,
    contentType,
  });
  if (r.status === 409) return null;
  if (r.status < 200 || r.status >= 300) {
    throw errorFor(r, `${ctx.opts.dryRun ? 'dry run: ' : ''}${permission.verb} ${ctx.what}`, permission);
  }
  return { r, obj: stripObject(r.json) };
}

async function conflict(ctx: Ctx, message: string): Promise<MutationResult> {
  const r = await ctx.api.raw('GET', ctx.path, { what: `get ${ctx.what}` });
  const current = r.status === 200 ? withReplicas(stripObject(r.json)) : null;
  if (r.status !== 200 && !isObjectNotFound(r)) throw errorFor(r, `get ${ctx.what}`);
  const res: MutationResult = { outcome: 'conflict', request: ctx.req, target: ctx.target, current, message };
  const rv = rvOf(current);
  if (rv) res.resourceVersion = rv;
  return res;
}

function done(
  ctx: Ctx,
  before: KubeObject | null,
  after: KubeObject | null,
  undo: MutationRequest | null,
  r: RawResponse | null,
): MutationResult {
  const res: MutationResult = {
    outcome: ctx.opts.dryRun ? 'dry-run' : 'applied',
    request: ctx.req,
    target: ctx.target,
    before,
    after,
    undo,
    warnings: r ? ctx.api.warnings(r) : [],
  };
  const rv = rvOf(before);
  if (rv) res.resourceVersion = rv;
  return res;
}

function notFound(what: string): KubeError {
  return new KubeError('not-found', `${what} does not exist`, 404);
}

const CHANGED = (ctx: Ctx): string =>
  `${ctx.what} changed since ${ctx.opts.expectResourceVersion ? 'the preview' : 'it was read'} (resourceVersion ${
    ctx.opts.expectResourceVersion ?? '?'
  }): review the current object and try again`;

function precondition(ctx: Ctx, before: KubeObject | null): string | undefined {
  return ctx.opts.expectResourceVersion ?? rvOf(before);
}

function checkName(kind: string, name: string): void {
  if (!name || name.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
    throw new KubeError('invalid', `${kind} name ${JSON.stringify(name)} is not a valid Kubernetes name`);
  }
}

// --- the permissions each request needs -------------------------------------------------------------------------------

export function requiredPermissions(req: MutationRequest): AccessCheck[] {
  switch (req.op) {
    case 'scale-deployment':
      return ['get', 'patch'].map((verb) => ({
        verb,
        resource: 'deployments',
        subresource: 'scale',
        group: 'apps',
        namespace: req.namespace,
      }));
    case 'set-deployment-env':
      return ['get', 'patch'].map((verb) => ({
        verb,
        resource: 'deployments',
        group: 'apps',
        namespace: req.namespace,
      }));
    case 'create-rollback':
      return [{ verb: 'create', resource: 'rollbacks', group: ROLLBACK_GROUP }];
    case 'delete-rollback':
      return ['get', 'delete'].map((verb) => ({ verb, resource: 'rollbacks', group: ROLLBACK_GROUP }));
    case 'apply-prometheus-rule':
      return ['get', 'create', 'update'].map((verb) => ({
        verb,
        resource: 'prometheusrules',
        group: 'monitoring.coreos.com',
        namespace: req.namespace,
      }));
    case 'delete-prometheus-rule':
      return ['get', 'delete'].map((verb) => ({
        verb,
        resource: 'prometheusrules',
        group: 'monitoring.coreos.com',
        namespace: req.namespace,
      }));
    case 'patch-configmap':
      return [...['get', 'patch'], ...(req.createIfMissing ? ['create'] : [])].map((verb) => ({
        verb,
        resource: 'configmaps',
        namespace: req.namespace,
      }));
    case 'delete-configmap':
      return ['get', 'delete'].map((verb) => ({ verb, resource: 'configmaps', namespace: req.namespace }));
  }
}

/** Runs the access reviews; resolves the missing permissions as permissionText strings. */
export async function missingPermissions(
  canI: (c: AccessCheck) => Promise<{ allowed: boolean }>,
  checks: AccessCheck[],
): Promise<string[]> {
  const results = await Promise.all(checks.map((c) => canI(c).then((r) => r.allowed)));
  return checks.filter((_, i) => !results[i]).map(permissionText);
}

// --- the operations ------------------------------------------------------------------------------------------------------

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}
interface DeploymentObj extends KubeObject {
  spec?: { replicas?: number; template?: { spec?: { containers?: { name?: string; env?: EnvVar[] }[] } } };
}

/** autoscaling/v1 Scale omits spec.replicas when it is 0 (omitempty); put it back for the diff. */
function withReplicas(o: KubeObject | null): KubeObject | null {
  if (o && o.kind === 'Scale') o.spec = { replicas: 0, ...((o.spec as object | undefined) ?? {}) };
  return o;
}

async function scaleDeployment(
  api: ApiClient,
  req: Extract<MutationRequest, { op: 'scale-deployment' }>,
  opts: MutationOptions,
): Promise<MutationResult> {
  if (!Number.isInteger(req.replicas) || req.replicas < 0 || req.replicas > 10_000) {
    throw new KubeError('invalid', `replicas must be an integer >= 0, not ${req.replicas}`);
  }
  const ctx: Ctx = {
    api,
    req,
    opts,
    target: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: req.namespace,
      name: req.name,
      subresource: 'scale',
    },
    path: `/apis/apps/v1/namespaces/${enc(req.namespace)}/deployments/${enc(req.name)}/scale`,
    what: `deployment ${req.namespace}/${req.name} (scale)`,
  };
  const perm = (verb: string): AccessCheck => ({
    verb,
    resource: 'deployments',
    subresource: 'scale',
    group: 'apps',
    namespace: req.namespace,
  });
  const before = await readObject(ctx, perm('get'));
  if (!before) throw notFound(`deployment ${req.namespace}/${req.name}`);
  const previous = (before.spec as { replicas?: number } | undefined)?.replicas ?? 0;
  const sent = await send(
    ctx,
    'PATCH',
    ctx.path,
    { metadata: { resourceVersion: precondition(ctx, before) }, spec: { replicas: req.replicas } },
    MERGE,
    perm('patch'),
  );
  if (!sent) return conflict(ctx, CHANGED(ctx));
  return done(ctx, withReplicas(before), withReplicas(sent.obj), { ...req, replicas: previous }, sent.r);
}

async function setDeploymentEnv(
  api: ApiClient,
  req: Extract<MutationRequest, { op: 'set-deployment-env' }>,
  opts: MutationOptions,
): Promise<MutationResult> {
  if (!req.env || !/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(req.env)) {
    throw new KubeError('invalid', `${JSON.stringify(req.env)} is not a valid environment variable name`);
  }
  const ctx: Ctx = {
    api,
    req,
    opts,
    target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: req.namespace, name: req.name },
    path: `/apis/apps/v1/namespaces/${enc(req.namespace)}/deployments/${enc(req.name)}`,
    what: `deployment ${req.namespace}/${req.name}`,
  };
  const perm = (verb: string): AccessCheck => ({
    verb,
    resource: 'deployments',
    group: 'apps',
    namespace: req.namespace,
  });
  const before = (await readObject(ctx, perm('get'))) as DeploymentObj | null;
  if (!before) throw notFound(`deployment ${req.namespace}/${req.name}`);
  const containers = before.spec?.template?.spec?.containers ?? [];
  const c = containers.find((x) => x.name === req.container);
  if (!c) {
    throw new KubeError(
      'not-found',
      `container "${req.container}" is not in deployment ${req.namespace}/${req.name} (containers: ${containers
        .map((x) => x.name)
        .join(', ')})`,
      404,
    );
  }
  const prev = (c.env ?? []).find((e) => e.name === req.env) ?? null;
  let entry: Record<string, unknown>;
  if (req.valueFrom) {
    entry = { name: req.env, valueFrom: req.valueFrom, ...(prev?.value !== undefined ? { value: null } : {}) };
  } else if (req.value !== null) {
    if (typeof req.value !== 'string') throw new KubeError('invalid', 'an env value must be a string');
    entry = { name: req.env, value: req.value, ...(prev?.valueFrom ? { valueFrom: null } : {}) };
  } else entry = { name: req.env, $patch: 'delete' };
  const patch = {
    metadata: { resourceVersion: precondition(ctx, before) },
    spec: { template: { spec: { containers: [{ name: req.container, env: [entry] }] } } },
  };
  const sent = await send(ctx, 'PATCH', ctx.path, patch, STRATEGIC, perm('patch'));
  if (!sent) return conflict(ctx, CHANGED(ctx));
  let undo: MutationRequest | null;
  if (!prev) undo = req.value === null && !req.valueFrom ? null : { ...req, value: null, valueFrom: undefined };
  else if (prev.valueFrom) undo = { ...req, value: null, valueFrom: prev.valueFrom };
  else undo = { ...req, value: prev.value ?? '', valueFrom: undefined };
  if (undo && undo.op === 'set-deployment-env' && undo.valueFrom === undefined) delete undo.valueFrom;
  return done(ctx, before, sent.obj, undo, sent.r);
}

async function createRollback(
  api: ApiClient,
  req0: Extract<MutationRequest, { op: 'create-rollback' }>,
  opts: MutationOptions,
): Promise<MutationResult> {
  // The bot's naming (rollback-<ms>) plus a random suffix: two Rollbacks in one millisecond collided upstream (C8).
  const req = { ...req0, name: req0.name || `rollback-${Date.now()}-${crypto.randomBytes(2).toString('hex')}` };
  const name = req.name;
  checkName('Rollback', name);
  const ctx: Ctx = {
    api,
    req,
    opts,
    target: { apiVersion: `${ROLLBACK_GROUP}/v1alpha1`, kind: 'Rollback', name },
    path: `${ROLLBACKS}/${enc(name)}`,
    what: `rollback ${name}`,
  };
  // Cluster-scoped (CRD scope Cluster): no metadata.namespace, whatever the bot/runbooks set (fact sheet C1).
  const obj = {
    apiVersion: `${ROLLBACK_GROUP}/v1alpha1`,
    kind: 'Rollback',
    metadata: { name, ...(req.labels ? { labels: req.labels } : {}) },
    spec: req.spec,
  };
  const r = await api.raw('POST', `${ROLLBACKS}${writeQuery(opts)}`, {
    what: `${opts.dryRun ? 'dry run: ' : ''}create ${ctx.what}`,
    body: obj,
  });
  if (r.status === 409) return conflict(ctx, `a Rollback named ${name} exists already`);
  if (r.status < 200 || r.status >= 300) {
    const err = errorFor(r, `${opts.dryRun ? 'dry run: ' : ''}create ${ctx.what}`, {
      verb: 'create',
      resource: 'rollbacks',
      group: ROLLBACK_GROUP,
    });
    if (r.status === 404) {
      throw await apiAbsentError(
        api,
        `${ROLLBACK_GROUP}/v1alpha1`,
        'rollbacks',
        'the Rollback CRD is not installed',
        err,
      );
    }
    throw err;
  }
  return done(ctx, null, stripObject(r.json), { op: 'delete-rollback', name }, r);
}

/** Shared by the deletes: read, DELETE with a resourceVersion precondition, undo from what was read. */
async function deleteObject(
  ctx: Ctx,
  perm: (verb: string) => AccessCheck,
  undoOf: (before: KubeObject) => MutationRequest,
  absentHint?: string,
): Promise<MutationResult> {
  const before = await readObject(ctx, perm('get'), absentHint);
  if (!before) return done(ctx, null, null, null, null);
  const body = {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    preconditions: { resourceVersion: precondition(ctx, before) },
  };
  const sent = await send(ctx, 'DELETE', ctx.path, body, 'application/json', perm('delete'));
  if (!sent) return conflict(ctx, CHANGED(ctx));
  // A delete answers with the deleted object or a Status; "after" is that nothing remains.
  return done(ctx, before, null, undoOf(before), sent.r);
}

function labelsOf(o: KubeObject): Record<string, string> | undefined {
  const l = o.metadata?.labels;
  return l && Object.keys(l).length ? { ...l } : undefined;
}

async function deleteRollback(
  api: ApiClient,
  req: Extract<MutationRequest, { op: 'delete-rollback' }>,
  opts: MutationOptions,
): Promise<MutationResult> {
  const ctx: Ctx = {
    api,
    req,
    opts,
    target: { apiVersion: `${ROLLBACK_GROUP}/v1alpha1`, kind: 'Rollback', name: req.name },
    path: `${ROLLBACKS}/${enc(req.name)}`,
    what: `rollback ${req.name}`,
  };
  return deleteObject(
    ctx,
    (verb) => ({ verb, resource: 'rollbacks', group: ROLLBACK_GROUP }),
    (b) => {
      const labels = labelsOf(b);
      return {
        op: 'create-rollback',
        name: req.name,
        spec: b.spec as Extract<MutationRequest, { op: 'create-rollback' }>['spec'],
        ...(labels ? { labels } : {}),
      };
    },
    `${ROLLBACK_GROUP}/v1alpha1|rollbacks|the Rollback CRD is not installed`,
  );
}

const PROM_HINT = `${PROM_GV}|prometheusrules|the Prometheus Operator CRDs are not installed, so PrometheusRules cannot be created (export the rule as YAML instead)`;

async function applyPrometheusRule(
  api: ApiClient,
  req: Extract<MutationRequest, { op: 'apply-prometheus-rule' }>,
  opts: MutationOptions,
): Promise<MutationResult> {
  checkName('PrometheusRule', req.name);
  const collection = `/apis/${PROM_GV}/namespaces/${enc(req.namespace)}/prometheusrules`;
  const ctx: Ctx = {
    api,
    req,
    opts,
    target: { apiVersion: PROM_GV, kind: 'PrometheusRule', namespace: req.namespace, name: req.name },
    path: `${collection}/${enc(req.name)}`,
    what: `prometheusrule ${req.namespace}/${req.name}`,
  };
  const perm = (verb: string): AccessCheck => ({
    verb,
    resource: 'prometheusrules',
    group: 'monitoring.coreos.com',
    namespace: req.namespace,
  });
  const before = await readObject(ctx, perm('get'), PROM_HINT);
  if (!before) {
    if (opts.expectResourceVersion) return conflict(ctx, `${ctx.what} was deleted since the preview`);
    const obj = {
      apiVersion: PROM_GV,
      kind: 'PrometheusRule',
      metadata: { name: req.name, namespace: req.namespace, ...(req.labels ? { labels: req.labels } : {}) },
      spec: req.spec,
    };
    const sent = await send(ctx, 'POST', collection, obj, 'application/json', perm('create'));
    if (!sent) return conflict(ctx, `${ctx.what} was created by someone else meanwhile`);
    return done(
      ctx,
      null,
      sent.obj,
      { op: 'delete-prometheus-rule', namespace: req.namespace, name: req.name },
      sent.r,
    );
  }
  const next = structuredClone(before);
  next.metadata = { ...next.metadata, resourceVersion: precondition(ctx, before) };
  if (req.labels) next.metadata.labels = { ...(before.metadata?.labels ?? {}), ...req.labels };
  next.spec = req.spec;
  const sent = await send(ctx, 'PUT', ctx.path, next, 'application/json', perm('update'));
  if (!sent) return conflict(ctx, CHANGED(ctx));
  const labels = labelsOf(before);
  return done(
    ctx,
    before,
    sent.obj,
    {
      op: 'apply-prometheus-rule',
      namespace: req.namespace,
      name: req.name,
      spec: before.spec,
      ...(labels ? { labels } : {}),
    },
    sent.r,
  );
}

async function deletePrometheusRule(
  api: ApiClient,
  req: Extract<MutationRequest, { op: 'delete-prometheus-rule' }>,
  opts: MutationOptions,
): Promise<MutationResult> {
  const ctx: Ctx = {
    api,
    req,
    opts,
    target: { apiVersion: PROM_GV, kind: 'PrometheusRule', namespace: req.namespace, name: req.name },
    path: `/apis/${PROM_GV}/namespaces/${enc(req.namespace)}/prometheusrules/${enc(req.name)}`,
    what: `prometheusrule ${req.namespace}/${req.name}`,
  };
  return deleteObject(
    ctx,
    (verb) => ({ verb, resource: 'prometheusrules', group: 'monitoring.coreos.com', namespace: req.namespace }),
    (b) => {
      const labels = labelsOf(b);
      return {
        op: 'apply-prometheus-rule',
        namespace: req.namespace,
        name: req.name,
        spec: b.spec,
        ...(labels ? { labels } : {}),
      };
    },
    PROM_HINT,
  );
}

async function patchConfigMap(
  api: ApiClient,
  req: Extract<MutationRequest, { op: 'patch-configmap' }>,
  opts: MutationOptions,
): Promise<MutationResult> {
  for (const [k, v] of Object.entries(req.data)) {
    if (!/^[-._a-zA-Z0-9]+$/.test(k) || k.length > 253) {
      throw new KubeError('invalid', `invalid ConfigMap key ${JSON.stringify(k)}`);
    }
    if (v !== null && typeof v !== 'string') throw new KubeError('invalid', `ConfigMap value of ${k} must be a string`);
  }
  const collection = `/api/v1/namespaces/${enc(req.namespace)}/configmaps`;
  const ctx: Ctx = {
    api,
    req,
    opts,
    target: { apiVersion: 'v1', kind: 'ConfigMap', namespace: req.namespace, name: req.name },
    path: `${collection}/${enc(req.name)}`,
    what: `configmap ${req.namespace}/${req.name}`,
  };
  const perm = (verb: string): AccessCheck => ({ verb, resource: 'configmaps', namespace: req.namespace });
  const before = await readObject(ctx, perm('get'));
  if (!before) {
    if (opts.expectResourceVersion) return conflict(ctx, `${ctx.what} was deleted since the preview`);
    if (!req.createIfMissing) throw notFound(ctx.what);
    checkName('ConfigMap', req.name);
    const data = Object.fromEntries(Object.entries(req.data).filter(([, v]) => v !== null));
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: req.name, namespace: req.namespace }, data };
    const sent = await send(ctx, 'POST', collection, obj, 'application/json', perm('create'));
    if (!sent) return conflict(ctx, `${ctx.what} was created by someone else meanwhile`);
    return done(ctx, null, sent.obj, { op: 'delete-configmap', namespace: req.namespace, name: req.name }, sent.r);
  }
  const prevData = (before.data as Record<string, string> | undefined) ?? {};
  const sent = await send(
    ctx,
    'PATCH',
    ctx.path,
    { metadata: { resourceVersion: precondition(ctx, before) }, data: req.data },
    MERGE,
    perm('patch'),
  );
  if (!sent) return conflict(ctx, CHANGED(ctx));
  const undoData: Record<string, string | null> = {};
  for (const k of Object.keys(req.data)) undoData[k] = k in prevData ? (prevData[k] ?? '') : null;
  return done(
    ctx,
    before,
    sent.obj,
    { op: 'patch-configmap', namespace: req.namespace, name: req.name, data: undoData },
    sent.r,
  );
}

async function deleteConfigMap(
  api: ApiClient,
  req: Extract<MutationRequest, { op: 'delete-configmap' }>,
  opts: MutationOptions,
): Promise<MutationResult> {
  const ctx: Ctx = {
    api,
    req,
    opts,
    target: { apiVersion: 'v1', kind: 'ConfigMap', namespace: req.namespace, name: req.name },
    path: `/api/v1/namespaces/${enc(req.namespace)}/configmaps/${enc(req.name)}`,
    what: `configmap ${req.namespace}/${req.name}`,
  };
  return deleteObject(
    ctx,
    (verb) => ({ verb, resource: 'configmaps', namespace: req.namespace }),
    (b) => ({
      op: 'patch-configmap',
      namespace: req.namespace,
      name: req.name,
      data: { ...((b.data as Record<string, string> | undefined) ?? {}) },
      createIfMissing: true,
    }),
  );
}

/**
 * Runs one request. Without expectResourceVersion the precondition is the object as just read, and a 409 means a
 * controller wrote in between (a Deployment's status after a rollout): read again and retry, up to 3 times. With
 * expectResourceVersion the conflict goes back to the caller (what it previewed is no longer what is stored).
 */
export async function mutate(api: ApiClient, req: MutationRequest, opts: MutationOptions): Promise<MutationResult> {
  if (!req || typeof req !== 'object') throw new KubeError('invalid', 'no mutation request');
  let res = await mutateOnce(api, req, opts);
  for (
    let i = 0;
    i < 3 && res.outcome === 'conflict' && !opts.expectResourceVersion && req.op !== 'create-rollback';
    i++
  ) {
    res = await mutateOnce(api, req, opts);
  }
  return res;
}

async function mutateOnce(api: ApiClient, req: MutationRequest, opts: MutationOptions): Promise<MutationResult> {
  switch (req.op) {
    case 'scale-deployment':
      return scaleDeployment(api, req, opts);
    case 'set-deployment-env':
      return setDeploymentEnv(api, req, opts);
    case 'create-rollback':
      return createRollback(api, req, opts);
    case 'delete-rollback':
      return deleteRollback(api, req, opts);
    case 'apply-prometheus-rule':
      return applyPrometheusRule(api, req, opts);
    case 'delete-prometheus-rule':
      return deletePrometheusRule(api, req, opts);
    case 'patch-configmap':
      return patchConfigMap(api, req, opts);
    case 'delete-configmap':
      return deleteConfigMap(api, req, opts);
    default:
      throw new KubeError('invalid', `unknown mutation ${JSON.stringify((req as { op?: unknown }).op)}`);
  }
}
