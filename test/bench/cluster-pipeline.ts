// Loaded by test/tools/bench-cluster.mjs (bundled with bundleAdapter(): client-node inlined, CJS, Node 24): the real
// cluster adapter, and the live data flow of src/live/liveSession.ts without VS Code: each bot pod's log chunks
// through its own IncidentLogParser into one IncidentBook (the model's grouping and triage).
import { IncidentBook } from '../../src/core/incidents';
import { IncidentLogParser } from '../../src/core/parse/logParser';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { createClientNodeAdapter } from '../../src/kube/clientNodeAdapter';
import type { BotDeploymentInfo, ConnectionState, LiveCallbacks, WatchEventType } from '../../src/kube/types';
import { DEFAULT_LIVE_SETTINGS } from '../../src/kube/types';
import { guardTripLines } from '../cluster/helpers';

export { createClientNodeAdapter, DEFAULT_LIVE_SETTINGS, guardTripLines };

export class LivePipeline implements LiveCallbacks {
  readonly book = new IncidentBook({ thresholds: DEFAULT_THRESHOLDS, windowMs: 15 * 60_000 });
  private readonly parsers = new Map<string, IncidentLogParser>();
  private readonly waiting = new Map<string, (at: number) => void>();
  state: ConnectionState = { kind: 'connecting' };
  rollbacks = 0;
  relists = 0;
  lastRelistSize = 0;
  logBytes = 0;
  /** Time spent in parse + book.add, in ms (performance.now()). */
  parseMs = 0;

  /** Resolves with performance.now() when an incident for `capsuleHash` is in the book. */
  incident(capsuleHash: string): Promise<number> {
    return new Promise((resolve) => this.waiting.set(capsuleHash, resolve));
  }

  onLogChunk(pod: string, text: string): void {
    const t0 = performance.now();
    this.logBytes += text.length;
    let p = this.parsers.get(pod);
    if (!p) {
      p = new IncidentLogParser();
      this.parsers.set(pod, p);
    }
    const events = p.push(text, pod);
    const done: string[] = [];
    for (const e of events) {
      this.book.add(e);
      if (e.capsuleHash) done.push(e.capsuleHash);
    }
    const t1 = performance.now();
    this.parseMs += t1 - t0;
    for (const h of done) {
      const w = this.waiting.get(h);
      if (w) {
        this.waiting.delete(h);
        w(t1);
      }
    }
  }
  onRollback(_type: WatchEventType, _obj: unknown): void {
    this.rollbacks++;
  }
  onRollbacksRelisted(all: unknown[]): void {
    this.relists++;
    this.lastRelistSize = all.length;
  }
  onEvent(): void {
    /* counted by the adapter's stats only */
  }
  onDeployment(_info: BotDeploymentInfo | null): void {
    /* not measured */
  }
  onConfigMap(): void {
    /* not measured */
  }
  onState(state: ConnectionState): void {
    this.state = state;
  }
}
