// Maps whatever a Kubernetes request can fail with to a KubeError with a one-line message:
//  - client-node 2.x ApiException (`code` = HTTP status, `body` = the response text, usually a v1 Status as JSON;
//    its own message is a multi-line "HTTP-Code: …\nMessage: …\nBody: …\nHeaders: …" dump, never shown),
//  - undici fetch failures (TypeError "fetch failed" whose `cause` carries the system error code),
//  - node:http(s) socket errors (ECONNREFUSED, ECONNRESET, ETIMEDOUT, TLS certificate codes),
//  - v1 Status objects (HTTP error bodies and watch ERROR events).
// No import of @kubernetes/client-node here: ApiException is recognised by shape.
import { KubeError } from './types';
import type { KubeErrorKind } from './types';

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ENOTCONN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ABORT_ERR_TIMEOUT',
]);

/** First line, no stack, bounded length. */
export function oneLine(text: string, max = 300): string {
  const first =
    String(text)
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? '';
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}

export function kindForStatus(status: number): KubeErrorKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 400 || status === 422) return 'invalid';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 502 || status === 503) return 'unreachable';
  return 'other';
}

interface StatusLike {
  kind?: unknown;
  status?: unknown;
  message?: unknown;
  reason?: unknown;
  code?: unknown;
}

function asStatus(body: unknown): StatusLike | undefined {
  let b = body;
  if (typeof b === 'string') {
    const t = b.trim();
    if (!t.startsWith('{')) return undefined;
    try {
      b = JSON.parse(t);
    } catch {
      return undefined;
    }
  }
  if (b && typeof b === 'object') return b as StatusLike;
  return undefined;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** A KubeError from an HTTP status and the response body (a v1 Status JSON text or object, or plain text). */
export function errorFromHttp(status: number, body: unknown, what?: string): KubeError {
  const st = asStatus(body);
  let msg = '';
  if (st && typeof st.message === 'string' && st.message) msg = st.message;
  else if (typeof body === 'string' && body.trim() && !body.trim().startsWith('{')) msg = body;
  if (!msg) msg = `${STATUS_TEXT[status] ?? 'HTTP error'} (HTTP ${status})`;
  const text = what ? `${what}: ${msg}` : msg;
  return new KubeError(kindForStatus(status), oneLine(text), status);
}

/** A KubeError from a v1 Status object (a watch ERROR event). */
export function errorFromStatusObject(obj: unknown, what?: string): KubeError {
  const st = asStatus(obj) ?? {};
  const code = typeof st.code === 'number' ? st.code : 500;
  return errorFromHttp(code, st, what);
}

function systemCode(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > 4) return undefined;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown; name?: unknown };
  if (typeof e.code === 'string' && e.code) return e.code;
  if (e.name === 'TimeoutError') return 'ETIMEDOUT';
  const fromCause = systemCode(e.cause, depth + 1);
  if (fromCause) return fromCause;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const c = systemCode(inner, depth + 1);
      if (c) return c;
    }
  }
  return undefined;
}

function innermostMessage(err: unknown, depth = 0): string {
  if (!err || typeof err !== 'object' || depth > 4) return String(err ?? '');
  const e = err as { message?: unknown; cause?: unknown; errors?: unknown };
  if (e.cause && typeof e.cause === 'object') return innermostMessage(e.cause, depth + 1);
  if (Array.isArray(e.errors) && e.errors.length) return innermostMessage(e.errors[0], depth + 1);
  return typeof e.message === 'string' ? e.message : String(err);
}

function hostOf(server: string | undefined): string {
  if (!server) return '';
  try {
    return new URL(server).host;
  } catch {
    return server;
  }
}

function isApiException(err: unknown): err is { code: number; body?: unknown; message: string } {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: unknown };
  return typeof e.code === 'number' && e.code >= 100 && e.code < 600 && /^HTTP-Code: /.test(e.message);
}

/**
 * Any thrown value -> KubeError. `what` prefixes the message (e.g. "list rollbacks.ops.prov-fabric.io"), `server`
 * is appended to network errors so the user sees which endpoint did not answer.
 */
export function toKubeError(err: unknown, what?: string, server?: string): KubeError {
  if (err instanceof KubeError) return err;
  const prefix = what ? `${what}: ` : '';
  if (isApiException(err)) {
    const e = err;
    if (e.body !== undefined && e.body !== null && e.body !== '') return errorFromHttp(e.code, e.body, what);
    // Unauthorized/known codes come without a body; the second line of the dump is "Message: <text>".
    const m = /\nMessage: ([^\n]*)/.exec(e.message);
    const text = m?.[1] && m[1] !== 'Unknown API Status Code!' ? m[1] : undefined;
    return errorFromHttp(e.code, text, what);
  }
  const code = systemCode(err);
  const inner = innermostMessage(err);
  // "connect ECONNREFUSED 127.0.0.1:6443" names the endpoint already; "socket hang up" does not.
  const host = hostOf(server);
  const at = server && !(host && inner.includes(host)) ? ` (${server})` : '';
  if (code && UNREACHABLE_CODES.has(code)) {
    return new KubeError('unreachable', oneLine(`${prefix}${innermostMessage(err)}${at}`));
  }
  if (code && TIMEOUT_CODES.has(code)) {
    const m = innermostMessage(err);
    return new KubeError('timeout', oneLine(`${prefix}${/time/i.test(m) ? m : `timed out (${code})`}${at}`));
  }
  if (code && /^(CERT_|ERR_TLS_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_SSL_)/.test(code)) {
    return new KubeError('other', oneLine(`${prefix}TLS: ${innermostMessage(err)}${at}`));
  }
  const message = err instanceof Error ? innermostMessage(err) : String(err);
  return new KubeError('other', oneLine(`${prefix}${message || 'unknown error'}`));
}

/** Whether a failure means the API server could not be reached (as opposed to refusing or rejecting a request). */
export function isConnectivity(err: KubeError): boolean {
  return err.kind === 'unreachable' || err.kind === 'timeout';
}
