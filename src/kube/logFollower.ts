// Follows one bot pod's container log (GET …/pods/<pod>/log?follow=true&timestamps=true) for as long as the pod
// exists, and delivers every complete line exactly once, in order:
//   - first request: sinceSeconds = the look-back (plus the time since this follower started, if the first request
//     failed and is retried, so the window does not slide past lines that were never read);
//   - every later request: sinceTime = the last delivered line's timestamp, and LogCursor drops the overlap;
//   - when the container restarted since the stream began (restartCount went up), the previous container's log from
//     the same point is read first (previous=true), so lines written while the stream was down are not lost;
//   - a dropped stream (API server restart, network) reconnects with exponential backoff (1 s doubling to 30 s);
//     a stream that ends because the container stopped waits for the pod to report it running again;
//   - 403 -> forbidden (get pods/log), retried slowly; 400/404 (container not started, pod going away) -> wait.
import type { IncomingMessage } from 'node:http';
import { Backoff, FORBIDDEN_BACKOFF, query } from './informer';
import type { KObj, SourceHost } from './informer';
import { LogCursor } from './logCursor';
import { toKubeError } from './kubeErrors';

interface ContainerStatus {
  name?: string;
  restartCount?: number;
  state?: { running?: unknown; terminated?: unknown; waiting?: unknown };
  lastState?: { terminated?: unknown };
}

interface PodLike extends KObj {
  spec?: { containers?: { name?: string }[] };
  status?: { phase?: string; containerStatuses?: ContainerStatus[] };
}

export class LogFollower {
  readonly cursor = new LogCursor();
  private readonly ctrl = new AbortController();
  private pod: PodLike;
  private running = false;
  private stopped = false;
  private streams = 0;
  private readonly createdAt = Date.now();
  /** restartCount of the container when the current/last stream began. */
  private restartsAtStart: number | null = null;
  /** Set by update(): the pod changed, a waiting loop should look again. */
  private wake: (() => void) | null = null;

  constructor(
    private readonly host: SourceHost,
    readonly namespace: string,
    readonly name: string,
    readonly container: string,
    private readonly lookbackSeconds: number,
    pod: KObj,
    private readonly emit: (pod: string, text: string) => void,
  ) {
    this.pod = pod as PodLike;
  }

  get id(): string {
    return `log:${this.namespace}/${this.name}`;
  }

  get uid(): string | undefined {
    return this.pod.metadata?.uid;
  }

  /** The latest state of the pod from the pod watch. Starts the stream once the container has logs. */
  update(pod: KObj): void {
    this.pod = pod as PodLike;
    this.wake?.();
    if (!this.running && !this.stopped && this.hasLogs()) {
      this.running = true;
      void this.run();
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.ctrl.abort();
    this.wake?.();
    this.host.setHealth(this.id, null);
  }

  private get live(): boolean {
    return !this.stopped && !this.host.disposed();
  }

  private status(): ContainerStatus | undefined {
    return this.pod.status?.containerStatuses?.find((c) => c.name === this.container);
  }

  /** The container has run at least once (a log exists to read). */
  private hasLogs(): boolean {
    const s = this.status();
    return !!(s && (s.state?.running || s.state?.terminated || s.lastState?.terminated));
  }

  private isRunning(): boolean {
    return !!this.status()?.state?.running;
  }

  private restarts(): number {
    return this.status()?.restartCount ?? 0;
  }

  /** Waits for ms, or until the pod changes / the follower stops. */
  private async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      void this.host.delay(ms, this.ctrl.signal).then(resolve);
    });
    this.wake = null;
  }

  /** Resolves on the next update() of the pod, or when the follower stops. */
  private async nextUpdate(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      if (!this.live) resolve();
    });
    this.wake = null;
  }

  private path(extra: Record<string, string | number | undefined>): string {
    return `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods/${encodeURIComponent(this.name)}/log${query({
      container: this.container,
      timestamps: 'true',
      ...extra,
    })}`;
  }

  private sinceParams(): Record<string, string | number> {
    const since = this.cursor.sinceTime();
    if (since) return { sinceTime: since };
    return { sinceSeconds: this.lookbackSeconds + Math.floor((Date.now() - this.createdAt) / 1000) };
  }

  private async run(): Promise<void> {
    const backoff = new Backoff();
    const forbidden = new Backoff(...FORBIDDEN_BACKOFF);
    while (this.live) {
      if (!this.hasLogs()) {
        // Not started yet (or the pod object lost its status): update() restarts the loop.
        this.running = false;
        this.host.setHealth(this.id, null);
        return;
      }
      const opened = Date.now();
      try {
        if (this.streams > 0) this.host.counters.logReconnects++;
        this.streams++;
        if (this.restartsAtStart !== null && this.restarts() > this.restartsAtStart && this.cursor.lastTs) {
          await this.readPrevious();
        }
        this.restartsAtStart = this.restarts();
        this.cursor.beginStream();
        const res = await this.host.transport.open(this.path({ follow: 'true', ...this.sinceParams() }), {
          signal: this.ctrl.signal,
          what: `get pods/log ${this.name}`,
        });
        this.host.setHealth(this.id, { kind: 'ok' });
        forbidden.reset();
        const end = await this.consume(res);
        if (!this.live) return;
        if (end === 'closed' && !this.isRunning()) {
          // The container stopped and its log was read to the end: nothing to ask for until the pod reports it
          // running again (a restart) - no polling of finished pods.
          const seen = this.restarts();
          while (this.live && !this.isRunning() && this.restarts() === seen) await this.nextUpdate();
          continue;
        }
        if (Date.now() - opened > 10_000) backoff.reset();
        else await this.pause(backoff.next());
      } catch (e) {
        if (!this.live) return;
        const err = toKubeError(e, undefined, this.host.transport.server);
        if (err.kind === 'forbidden') {
          this.host.setHealth(this.id, { kind: 'forbidden', error: err, verb: 'get' });
          await this.pause(forbidden.next());
        } else if (err.status === 400 || err.status === 404) {
          // "container … is waiting to start", or the pod is going away: not a connectivity problem.
          this.host.setHealth(this.id, null);
          await this.pause(backoff.next());
        } else {
          this.host.setHealth(this.id, { kind: 'down', error: err });
          await this.pause(backoff.next());
        }
      }
    }
  }

  /** The previous container instance's log from the resume point (not followed). */
  private async readPrevious(): Promise<void> {
    this.cursor.beginStream();
    try {
      const res = await this.host.transport.open(this.path({ previous: 'true', ...this.sinceParams() }), {
        signal: this.ctrl.signal,
        what: `get pods/log ${this.name} (previous)`,
      });
      await this.consume(res, false);
    } catch (e) {
      const err = toKubeError(e);
      if (err.kind === 'forbidden' || err.kind === 'unreachable' || err.kind === 'timeout') throw err;
      // 400: no previous instance (any more); carry on with the current one.
    }
  }

  private consume(res: IncomingMessage, counted = true): Promise<'closed' | 'dropped'> {
    if (counted) this.host.counters.activeLogStreams++;
    return new Promise((resolve) => {
      let done = false;
      const finish = (how: 'closed' | 'dropped'): void => {
        if (done) return;
        done = true;
        if (counted) this.host.counters.activeLogStreams--;
        this.ctrl.signal.removeEventListener('abort', onAbort);
        res.destroy();
        resolve(how);
      };
      const onAbort = (): void => finish('closed');
      this.ctrl.signal.addEventListener('abort', onAbort, { once: true });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (done || !this.live) return;
        const text = this.cursor.push(chunk);
        if (text) this.emit(this.name, text);
      });
      res.on('end', () => finish('closed'));
      res.on('error', () => finish('dropped'));
      res.on('close', () => finish(res.complete ? 'closed' : 'dropped'));
    });
  }
}
