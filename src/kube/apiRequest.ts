// One-shot API requests for the cluster actions (read steps, mutations): plain node:http(s) with the authentication,
// TLS and agent that client-node's KubeConfig puts into the request options (the same way httpTransport.ts does for
// the live connection). Unlike HttpTransport.open() this keeps the whole error body, because the actions need more of
// it: the field causes of a 422 (schema validation), whether a 404 is "object absent" or "API not served", and the
// permission a 403 names. Every failure becomes a KubeError (KubeValidationError for 422).
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { KubeValidationError } from './actionTypes';
import type { FieldCause } from './actionTypes';
import { errorFromHttp, oneLine, toKubeError } from './kubeErrors';
import { permissionFromForbidden, permissionText } from './liveConnection';
import { KubeError } from './types';
import type { AccessCheck } from './types';

/** What the adapter hands to the action modules for one context. */
export interface ApiTarget {
  context: string;
  server: string;
  applyToRequestOptions(opts: https.RequestOptions): Promise<void>;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Parsed JSON body, undefined when the body is not JSON. */
  json: unknown;
  /** The response reached maxBytes and was cut. */
  truncated: boolean;
}

export interface CallOptions {
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  /** Cap on the response body (default 64 MiB; lists of a big cluster stay well below). */
  maxBytes?: number;
  /** For messages: "list pods in all namespaces". */
  what: string;
  /** The permission this request needs, named in a `forbidden` KubeError when the 403 message names none. */
  permission?: AccessCheck;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const enc = encodeURIComponent;

interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    kind?: string;
    group?: string;
    causes?: { field?: string; reason?: string; message?: string }[];
  };
}

export function statusBody(r: RawResponse): StatusBody | undefined {
  const j = r.json as StatusBody | undefined;
  return j && typeof j === 'object' && j.kind === 'Status' ? j : undefined;
}

/** A 404 whose body is a v1 Status naming an object (the API exists, the object does not). */
export function isObjectNotFound(r: RawResponse): boolean {
  const st = statusBody(r);
  return r.status === 404 && st?.reason === 'NotFound' && !!st.details?.name;
}

/** Maps a non-2xx response to a KubeError (forbidden with the missing permission, 422 with the field causes). */
export function errorFor(r: RawResponse, what: string, permission?: AccessCheck): KubeError {
  const st = statusBody(r);
  const message = st?.message ?? '';
  if (r.status === 403) {
    const missing = permissionFromForbidden(message) ?? (permission ? permissionText(permission) : undefined);
    return new KubeError('forbidden', oneLine(`${what}: ${message || 'Forbidden (HTTP 403)'}`), 403, missing);
  }
  if (r.status === 422 || (r.status === 400 && st?.details?.causes?.length)) {
    const causes: FieldCause[] = (st?.details?.causes ?? []).map((c) => ({
      field: c.field ?? '',
      reason: c.reason ?? '',
      message: c.message ?? '',
    }));
    const fields = [...new Set(causes.map((c) => c.field).filter(Boolean))];
    const text = fields.length
      ? `${what}: invalid ${fields.join(', ')}: ${causes.map((c) => c.message).join('; ')}`
      : `${what}: ${message || 'Invalid (HTTP 422)'}`;
    return new KubeValidationError(oneLine(text, 600), r.status, causes);
  }
  return errorFromHttp(r.status, st ?? r.text, what);
}

/** Warning headers ("299 - \"text\"") as plain texts. */
function warningsOf(headers: IncomingHttpHeaders): string[] {
  const raw = headers.warning;
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return list.map((w) => {
    const m = /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(w);
    return m?.[1] ? m[1].replace(/\\(.)/g, '$1') : w;
  });
}

export class ApiClient {
  requests = 0;
  private readonly base: URL;

  constructor(readonly target: ApiTarget) {
    this.base = new URL(target.server);
  }

  get context(): string {
    return this.target.context;
  }

  /** Any status resolves; network failures, timeouts and credential failures reject with a KubeError. */
  async raw(method: string, path: string, opts: Omit<CallOptions, 'permission'>): Promise<RawResponse> {
    const prefix = this.base.pathname.replace(/\/+$/, '');
    const url = new URL(`${prefix}${path}`, this.base);
    const reqOpts: https.RequestOptions = { method, headers: { Accept: 'application/json' } };
    try {
      await this.target.applyToRequestOptions(reqOpts);
    } catch (e) {
      throw toKubeError(e, `${opts.what}: credentials`);
    }
    const payload =
      opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    if (payload !== undefined) {
      reqOpts.headers = {
        ...(reqOpts.headers as Record<string, string>),
        'Content-Type': opts.contentType ?? 'application/json',
        'Content-Length': String(Buffer.byteLength(payload)),
      };
    }
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    this.requests++;
    const mod = url.protocol === 'http:' ? http : https;
    return new Promise<RawResponse>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const req = mod.request(url, reqOpts, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (d: Buffer) => {
          if (truncated) return;
          if (size + d.length > maxBytes) {
            chunks.push(d.subarray(0, maxBytes - size));
            size = maxBytes;
            truncated = true;
            res.destroy();
            done();
            return;
          }
          chunks.push(d);
          size += d.length;
        });
        const done = (): void =>
          finish(() => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            const ct = String(res.headers['content-type'] ?? '');
            if (!truncated && (ct.includes('json') || /^\s*[{[]/.test(text))) {
              try {
                json = JSON.parse(text);
              } catch {
                json = undefined;
              }
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, truncated });
          });
        res.on('end', done);
        res.on('error', (e) => finish(() => reject(toKubeError(e, opts.what, this.target.server))));
        res.on('close', () => {
          if (!res.complete && !truncated) {
            finish(() =>
              reject(
                toKubeError(
                  Object.assign(new Error('connection closed before the response ended'), { code: 'ECONNRESET' }),
                  opts.what,
                  this.target.server,
                ),
              ),
            );
          }
        });
      });
      const timer = setTimeout(() => {
        req.destroy();
        finish(() => reject(new KubeError('timeout', oneLine(`${opts.what}: no answer within ${timeoutMs / 1000} s`))));
      }, timeoutMs);
      req.on('error', (e) => finish(() => reject(toKubeError(e, opts.what, this.target.server))));
      req.end(payload);
    });
  }

  /** 2xx -> parsed body and warnings; anything else -> KubeError (see errorFor). */
  async call<T>(method: string, path: string, opts: CallOptions): Promise<{ body: T; warnings: string[] }> {
    const r = await this.raw(method, path, opts);
    if (r.status < 200 || r.status >= 300) throw errorFor(r, opts.what, opts.permission);
    if (r.json === undefined) {
      throw new KubeError('other', `${opts.what}: response is not JSON${r.truncated ? ' (too large)' : ''}`, r.status);
    }
    return { body: r.json as T, warnings: warningsOf(r.headers) };
  }

  /** Like call() for a GET, but a 404 naming the object resolves null. A 404 without a Status (API absent) throws. */
  async getOrNull<T>(path: string, opts: CallOptions): Promise<T | null> {
    const r = await this.raw('GET', path, opts);
    if (isObjectNotFound(r)) return null;
    if (r.status < 200 || r.status >= 300) throw errorFor(r, opts.what, opts.permission);
    return r.json as T;
  }

  warnings(r: RawResponse): string[] {
    return warningsOf(r.headers);
  }
}

/**
 * A 404 from a collection of a custom resource usually means the CRD is not installed (the group/version is not
 * served). Resolves a not-found KubeError with a message saying so, or the original error when the API is served.
 */
export async function apiAbsentError(
  api: ApiClient,
  groupVersion: string,
  resource: string,
  hint: string,
  original: KubeError,
): Promise<KubeError> {
  if (original.kind !== 'not-found') return original;
  try {
    const r = await api.raw('GET', `/apis/${groupVersion}`, { what: `discover ${groupVersion}`, timeoutMs: 10_000 });
    const served =
      r.status === 200 &&
      Array.isArray((r.json as { resources?: { name?: string }[] } | undefined)?.resources) &&
      (r.json as { resources: { name?: string }[] }).resources.some((x) => x.name === resource);
    if (served) return original;
  } catch {
    return original;
  }
  const [group = groupVersion] = groupVersion.split('/');
  return new KubeError(
    'not-found',
    `${resource}.${group} (${groupVersion}) is not served by this cluster: ${hint}`,
    404,
  );
}
