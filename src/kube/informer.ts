// A list + watch loop for one collection (what client-go calls a reflector plus its store), written for the live
// connection instead of client-node's ListWatch/makeInformer (2.0.1), because that one: stops for good on any
// error other than 410/timeout (the caller has to restart it), reports its own stop() as an error, restarts every
// quiet watch after client-node's fixed 30 s inactivity timeout, does not ask for bookmarks (the resourceVersion of a
// quiet collection goes stale, so resumes hit 410 and relist more often), does not paginate lists and cannot count
// its requests (all read in its 2.0.1 code).
//
// Loop: LIST (paginated, limit 500) -> WATCH from the list's resourceVersion with allowWatchBookmarks and a
// server-side timeoutSeconds of 5-7 minutes (the only request in steady state) -> when the server ends the watch,
// WATCH again from the last resourceVersion seen; 410 Gone (HTTP or ERROR event) -> LIST again; a dropped connection
// -> WATCH again at once, then with exponential backoff (1 s doubling to 30 s, jittered) while it keeps failing;
// 403 -> report forbidden and retry slowly (15 s doubling to 5 min). A relist diffs against the store, so consumers
// get ADDED/MODIFIED/DELETED for what changed while the watch was down, then the full set.
import type { IncomingMessage } from 'node:http';
import type { HttpTransport } from './httpTransport';
import { errorFromStatusObject, toKubeError } from './kubeErrors';
import type { KubeError, WatchEventType } from './types';

export interface KObj {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export type Health =
  | { kind: 'ok' }
  | { kind: 'down'; error: KubeError }
  | { kind: 'forbidden'; error: KubeError; verb: string }
  /** The API server answers, but not this resource (a 404 on its collection: a CRD that is not installed). */
  | { kind: 'absent'; what: string; error: KubeError };

/** What informers and log followers need from their connection. */
export interface SourceHost {
  readonly transport: HttpTransport;
  readonly signal: AbortSignal;
  disposed(): boolean;
  /** Resolves after ms, or at once when the connection is disposed or `signal` aborts. */
  delay(ms: number, signal?: AbortSignal): Promise<void>;
  setHealth(id: string, h: Health | null): void;
  counters: { activeWatches: number; activeLogStreams: number; relists: number; logReconnects: number };
}

export class Backoff {
  private n = 0;
  constructor(
    private readonly baseMs = 1000,
    private readonly capMs = 30_000,
  ) {}

  next(): number {
    const d = Math.min(this.capMs, this.baseMs * 2 ** this.n);
    if (d < this.capMs) this.n++;
    // +-20 % jitter so reconnecting sources do not hit a recovering server in lockstep.
    return Math.round(Math.min(this.capMs, d * (0.8 + Math.random() * 0.4)));
  }

  reset(): void {
    this.n = 0;
  }
}

export const FORBIDDEN_BACKOFF: [number, number] = [15_000, 300_000];
/** A resource the server does not serve may be installed later: look again, rarely. */
export const ABSENT_BACKOFF: [number, number] = [10_000, 300_000];

export function objKey(o: KObj): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export interface InformerSpec {
  /** Health id, e.g. "rollbacks". */
  id: string;
  /** Collection path, e.g. /apis/ops.prov-fabric.io/v1alpha1/rollbacks. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** For messages and 403 fallbacks: "rollbacks.ops.prov-fabric.io", "pods in monitoring". */
  what: string;
  onEvent(type: WatchEventType, obj: KObj): void;
  /** After every (re)list, with the whole store. */
  onSync(all: KObj[]): void;
}

interface ListResponse {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KObj[];
}

type WatchEnd = 'closed' | 'gone' | 'dropped';

export const informerTuning = {
  /** Server-side watch timeout: 5-7 minutes, so a quiet watch costs about one request per 6 minutes. */
  watchTimeoutSeconds: (): number => 300 + Math.floor(Math.random() * 120),
};

export class Informer {
  private store = new Map<string, KObj>();
  private rv = '';
  private stopped = false;
  private readonly ctrl = new AbortController();
  /** A watch ending sooner than this after it opened counts as a failure for backoff purposes. */
  static minHealthyWatchMs = 1000;

  constructor(
    private readonly host: SourceHost,
    readonly spec: InformerSpec,
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.ctrl.abort();
    this.host.setHealth(this.spec.id, null);
  }

  list(): KObj[] {
    return [...this.store.values()];
  }

  private get live(): boolean {
    return !this.stopped && !this.host.disposed();
  }

  private async run(): Promise<void> {
    const backoff = new Backoff();
    const forbidden = new Backoff(...FORBIDDEN_BACKOFF);
    const absent = new Backoff(...ABSENT_BACKOFF);
    let notFound = 0;
    let restart = false;
    while (this.live) {
      if (restart) this.host.counters.relists++;
      restart = false;
      try {
        if (!this.rv) await this.relist();
        if (!this.live) return;
        this.host.setHealth(this.spec.id, { kind: 'ok' });
        forbidden.reset();
        absent.reset();
        notFound = 0;
        const opened = Date.now();
        const end = await this.watchOnce();
        if (!this.live) return;
        if (end === 'gone') {
          this.rv = '';
          restart = true;
          continue;
        }
        const short = Date.now() - opened < Informer.minHealthyWatchMs;
        if (end === 'dropped') restart = true;
        if (short) await this.host.delay(backoff.next(), this.ctrl.signal);
        else backoff.reset();
      } catch (e) {
        if (!this.live) return;
        const err = toKubeError(e, undefined, this.host.transport.server);
        restart = true;
        if (err.status === 410) {
          this.rv = '';
          continue;
        }
        if (err.kind === 'forbidden') {
          this.host.setHealth(this.spec.id, { kind: 'forbidden', error: err, verb: this.rv ? 'watch' : 'list' });
          await this.host.delay(forbidden.next(), this.ctrl.signal);
        } else if (err.kind === 'not-found' && ++notFound >= 2) {
          // A collection is never "not found" for an existing resource type (an empty namespace lists as empty):
          // the type is not served. The server is fine, so this is not an outage; what was listed stays shown.
          // Twice in a row, because a restarting API server serves CRDs a moment after the rest.
          this.rv = '';
          this.host.setHealth(this.spec.id, { kind: 'absent', what: this.spec.what, error: err });
          await this.host.delay(absent.next(), this.ctrl.signal);
        } else if (err.kind === 'not-found') {
          this.rv = '';
          await this.host.delay(backoff.next(), this.ctrl.signal);
        } else {
          this.host.setHealth(this.spec.id, { kind: 'down', error: err });
          await this.host.delay(backoff.next(), this.ctrl.signal);
        }
      }
    }
  }

  private selectors(): Record<string, string | undefined> {
    return { labelSelector: this.spec.labelSelector, fieldSelector: this.spec.fieldSelector };
  }

  private async relist(): Promise<void> {
    const items: KObj[] = [];
    let cont = '';
    let rv: string;
    do {
      const page = await this.host.transport.json<ListResponse>(
        `${this.spec.path}${query({ ...this.selectors(), limit: 500, continue: cont })}`,
        { signal: this.ctrl.signal, what: `list ${this.spec.what}` },
      );
      // List items of built-in kinds come without apiVersion/kind; watch events carry them. Make both look alike.
      const itemKind = page.kind?.endsWith('List') ? page.kind.slice(0, -4) : undefined;
      for (const it of page.items ?? []) {
        if (!it.apiVersion && page.apiVersion) it.apiVersion = page.apiVersion;
        if (!it.kind && itemKind) it.kind = itemKind;
        items.push(it);
      }
      cont = page.metadata?.continue ?? '';
      rv = page.metadata?.resourceVersion ?? '';
    } while (cont && this.live);
    if (!this.live) return;
    const next = new Map<string, KObj>();
    for (const it of items) next.set(objKey(it), it);
    const old = this.store;
    this.store = next;
    this.rv = rv;
    for (const [k, o] of old) if (!next.has(k)) this.spec.onEvent('DELETED', o);
    for (const [k, o] of next) {
      const prev = old.get(k);
      if (!prev) this.spec.onEvent('ADDED', o);
      else if (prev.metadata?.resourceVersion !== o.metadata?.resourceVersion) this.spec.onEvent('MODIFIED', o);
    }
    this.spec.onSync(items);
  }

  private apply(type: string, obj: KObj): void {
    const k = objKey(obj);
    const prev = this.store.get(k);
    if (type === 'DELETED') {
      this.store.delete(k);
      this.spec.onEvent('DELETED', obj);
      return;
    }
    if (prev && prev.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    this.store.set(k, obj);
    this.spec.onEvent(prev ? 'MODIFIED' : 'ADDED', obj);
  }

  private async watchOnce(): Promise<WatchEnd> {
    const timeoutSeconds = informerTuning.watchTimeoutSeconds();
    const res: IncomingMessage = await this.host.transport.open(
      `${this.spec.path}${query({
        ...this.selectors(),
        watch: 1,
        resourceVersion: this.rv,
        allowWatchBookmarks: 'true',
        timeoutSeconds,
      })}`,
      { signal: this.ctrl.signal, what: `watch ${this.spec.what}` },
    );
    this.host.counters.activeWatches++;
    this.host.setHealth(this.spec.id, { kind: 'ok' });
    return new Promise<WatchEnd>((resolve, reject) => {
      let buf = '';
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (fn: () => void): void => {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        this.ctrl.signal.removeEventListener('abort', onAbort);
        this.host.counters.activeWatches--;
        res.destroy();
        fn();
      };
      // The server ends the watch after timeoutSeconds; silence well past that means a dead connection.
      const arm = (): void => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => finish(() => resolve('dropped')), (timeoutSeconds + 30) * 1000);
      };
      const onAbort = (): void => finish(() => resolve('closed'));
      this.ctrl.signal.addEventListener('abort', onAbort, { once: true });
      arm();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (done) return;
        arm();
        buf += chunk;
        let nl: number;
        while (!done && (nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          let ev: { type?: string; object?: KObj };
          try {
            ev = JSON.parse(line) as { type?: string; object?: KObj };
          } catch {
            continue;
          }
          const obj = ev.object;
          if (!obj) continue;
          if (ev.type === 'ERROR') {
            const code = (obj as { code?: unknown }).code;
            if (code === 410) finish(() => resolve('gone'));
            else {
              // Anything else the server reports inside a watch: start over from a fresh list.
              this.rv = '';
              finish(() => reject(errorFromStatusObject(obj, `watch ${this.spec.what}`)));
            }
            return;
          }
          const rv = obj.metadata?.resourceVersion;
          if (ev.type === 'BOOKMARK') {
            if (rv) this.rv = rv;
            continue;
          }
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED') {
            if (!this.live) return;
            this.apply(ev.type, obj);
            if (rv) this.rv = rv;
          }
        }
      });
      res.on('end', () => finish(() => resolve('closed')));
      res.on('error', () => finish(() => resolve('dropped')));
      res.on('close', () => finish(() => resolve(res.complete ? 'closed' : 'dropped')));
    });
  }
}

/** `matchLabels` + `matchExpressions` -> a label selector string. */
export function labelSelectorString(sel: {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}): string {
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const vals = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
