// The HTTP layer of a live connection: plain node:http(s) requests to the API server with the TLS material, auth
// headers and agent (proxy support included) that client-node's KubeConfig.applyToHTTPSOptions() puts into the
// request options. Used for lists, watches, log streams and access reviews of a connection, so that every request
// is counted, can be aborted, and fails with a KubeError.
//
// Why not client-node's own Watch/Log/fetch for these (2.0.1): its Watch aborts a watch after 30 s without data
// (a private, fixed inactivity timeout, so quiet watches reconnect twice a minute), its Log call wraps every network
// error into ApiException(500, "Error occurred in log request") and only hands out its AbortController after the
// response headers arrived, and its undici Agent keeps undici's default 300 s bodyTimeout, which would cut a
// `follow` log stream after 5 quiet minutes (read in the 2.0.1 and undici code, not measured). node:http has none
// of these.
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { errorFromHttp, toKubeError } from './kubeErrors';
import { KubeError } from './types';

/** What the adapter hands over: the server URL and a function that adds auth/TLS/agent to request options. */
export interface HttpTarget {
  server: string;
  applyToRequestOptions(opts: https.RequestOptions): Promise<void>;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Whole-request timeout for non-streaming requests (default 30 s). */
  timeoutMs?: number;
  /** What the request does, for error messages ("list pods in monitoring"). */
  what?: string;
}

const MAX_ERROR_BODY = 64 * 1024;

export class HttpTransport {
  requests = 0;
  private readonly base: URL;

  constructor(private readonly target: HttpTarget) {
    this.base = new URL(target.server);
  }

  get server(): string {
    return this.target.server;
  }

  private url(path: string): URL {
    // server may carry a path prefix (e.g. https://host/k8s/clusters/c-123 behind Rancher).
    const prefix = this.base.pathname.replace(/\/+$/, '');
    return new URL(`${prefix}${path}`, this.base);
  }

  /**
   * Starts a request and resolves with the response once its status is 2xx (the body not yet read), or rejects with
   * a KubeError (HTTP status and the Status message from the body, or the network error).
   */
  async open(path: string, opts: RequestOptions = {}): Promise<IncomingMessage> {
    const url = this.url(path);
    const reqOpts: https.RequestOptions = {
      method: opts.method ?? 'GET',
      headers: { Accept: 'application/json' },
    };
    try {
      await this.target.applyToRequestOptions(reqOpts);
    } catch (e) {
      throw toKubeError(e, opts.what ? `${opts.what}: credentials` : 'credentials');
    }
    if (opts.signal?.aborted) throw new KubeError('other', 'aborted');
    const payload =
      opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    if (payload !== undefined) {
      reqOpts.headers = {
        ...(reqOpts.headers as Record<string, string>),
        'Content-Type': opts.contentType ?? 'application/json',
        'Content-Length': String(Buffer.byteLength(payload)),
      };
    }
    this.requests++;
    const mod = url.protocol === 'http:' ? http : https;
    return new Promise<IncomingMessage>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(toKubeError(err, opts.what, this.target.server));
      };
      const req = mod.request(url, reqOpts, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          settled = true;
          cleanup();
          resolve(res);
          return;
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (body.length < MAX_ERROR_BODY) body += d;
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          cleanup();
          reject(errorFromHttp(status, body, opts.what));
        });
        res.on('error', fail);
      });
      const onAbort = (): void => {
        req.destroy();
        fail(new KubeError('other', 'aborted'));
      };
      // Until the response headers arrive; streams install their own inactivity handling afterwards.
      const timer = setTimeout(() => {
        req.destroy();
        fail(
          Object.assign(new Error(`no response within ${(opts.timeoutMs ?? 30_000) / 1000} s`), { code: 'ETIMEDOUT' }),
        );
      }, opts.timeoutMs ?? 30_000);
      const cleanup = (): void => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      req.on('socket', (s) => s.setKeepAlive(true, 30_000));
      req.end(payload);
    });
  }

  /** A request whose JSON body is read completely. */
  async json<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.open(path, opts);
    const text = await new Promise<string>((resolve, reject) => {
      let body = '';
      res.setEncoding('utf8');
      const timer = setTimeout(
        () => res.destroy(Object.assign(new Error('response body timed out'), { code: 'ETIMEDOUT' })),
        opts.timeoutMs ?? 60_000,
      );
      const onAbort = (): void => {
        res.destroy(new KubeError('other', 'aborted'));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(body);
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        reject(toKubeError(e, opts.what, this.target.server));
      });
      res.on('close', () => {
        if (!res.complete) {
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          reject(
            toKubeError(
              Object.assign(new Error('connection closed before the response ended'), { code: 'ECONNRESET' }),
              opts.what,
              this.target.server,
            ),
          );
        }
      });
    });
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new KubeError('other', `${opts.what ? `${opts.what}: ` : ''}response is not JSON`, res.statusCode);
    }
  }
}
