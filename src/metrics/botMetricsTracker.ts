// Turns scrapes of the incident-bot's /metrics (live, or a bundle's recorded snapshots) into what the triage
// panel shows: rates, p95, per-tenant GuardTrips, active rollbacks, the two playbook alert rules' states, and
// short histories for the charts. No vscode import: unit-tested in plain Node.
import type { RuleEvaluation } from '../core/metrics/alerts';
import { canNeverFire, evaluateRules, PLAYBOOK_RULES } from '../core/metrics/alerts';
import { parseExposition } from '../core/metrics/exposition';
import type { BotMetricsSnapshot } from '../core/metrics/incidentBot';
import { readBotMetrics } from '../core/metrics/incidentBot';
import { DECISION_LATENCY_BUCKETS } from '../core/metrics/names';
import { SeriesStore } from '../core/metrics/series';
import type { AlertView, MetricCardView, MetricsView } from '../shared/protocol';

const HISTORY = 240;

function num(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return String(n);
  return Number(n.toFixed(digits)).toString();
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export interface IngestResult {
  ok: boolean;
  /** Malformed exposition lines (skipped), as "line N: reason". */
  errors: string[];
}

export class BotMetricsTracker {
  private store = new SeriesStore();
  private evals = new Map<string, RuleEvaluation>();
  private history: { t: number; rate: number | null; p95: number | null; active: number | null }[] = [];
  private latest: BotMetricsSnapshot | null = null;
  private lastAt: number | null = null;
  private lastError: string | undefined;

  /** Adds one scrape of the exposition text taken at `at` (epoch ms); evaluates the rules at that time. */
  ingest(at: number, text: string): IngestResult {
    const exp = parseExposition(text);
    const report = this.store.ingest({ at, families: exp.families });
    if (report.rejected) {
      return { ok: false, errors: [`a scrape at ${iso(at)} is older than the previous one: ignored`] };
    }
    this.latest = readBotMetrics(this.store, at);
    this.evals = evaluateRules(this.evals, PLAYBOOK_RULES, this.store, at);
    this.history.push({
      t: at,
      rate: this.latest.rollbackRateSum,
      p95: this.latest.decisionLatencyP95.value,
      active: this.latest.activeRollbacks.value,
    });
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
    this.lastAt = at;
    this.lastError = undefined;
    return { ok: true, errors: exp.errors.map((e) => `line ${e.line}: ${e.reason}`) };
  }

  /** Records a failed scrape: the last data stays, marked stale by `view`. */
  fail(message: string): void {
    this.lastError = message;
  }

  reset(): void {
    this.store = new SeriesStore();
    this.evals = new Map();
    this.history = [];
    this.latest = null;
    this.lastAt = null;
    this.lastError = undefined;
  }

  get lastScrapeAt(): number | null {
    return this.lastAt;
  }

  ruleStates(): ReadonlyMap<string, RuleEvaluation> {
    return this.evals;
  }

  /**
   * The panel's view. `staleAfterMs`: data older than this (relative to `now`) is marked stale; recorded data
   * (a bundle) passes Infinity.
   */
  view(source: string, now: number, staleAfterMs: number): MetricsView {
    const m = this.latest;
    const stale = this.lastAt !== null && now - this.lastAt > staleAfterMs;
    const base: MetricsView = {
      source,
      lastScrape: this.lastAt === null ? null : iso(this.lastAt),
      stale,
      cards: [],
      alerts: [],
    };
    if (this.lastError) base.error = this.lastError;
    if (!m) return { ...base, cards: [{ title: 'Metrics', value: 'no scrape yet', state: 'nodata' }] };
    const series = (pick: (h: (typeof this.history)[number]) => number | null): { t: number; v: number }[] =>
      this.history.filter((h) => pick(h) !== null).map((h) => ({ t: h.t, v: pick(h) as number }));
    const top = m.rollbackRates[0];
    const cards: MetricCardView[] = [
      {
        title: 'Rollbacks per second (5m rate, all capsules)',
        value: m.rollbackRateSum === null ? 'no data' : `${num(m.rollbackRateSum, 4)}/s`,
        detail: top ? `highest single capsule: ${num(top.rate, 4)}/s (${top.kind})` : 'needs two scrapes in 5 minutes',
        series: series((h) => h.rate),
        state: m.rollbackRateSum === null ? 'nodata' : m.rollbackRateSum > 0.1 ? 'warn' : 'ok',
      },
      {
        title: 'Decision latency p95',
        value: m.decisionLatencyP95.value === null ? 'no data' : `${num(m.decisionLatencyP95.value)} s`,
        ...(m.decisionLatencyP95.note ? { detail: m.decisionLatencyP95.note } : {}),
        series: series((h) => h.p95),
        state: m.decisionLatencyP95.value === null ? 'nodata' : m.decisionLatencyP95.note ? 'warn' : 'ok',
      },
      {
        title: 'GuardTrips per tenant',
        value: m.guardTripsByTenant.value?.length
          ? m.guardTripsByTenant.value.map((x) => `${x.tenantId}: ${num(x.rate, 4)}/s`).join(', ')
          : 'no data',
        ...(m.guardTripsByTenant.note ? { detail: m.guardTripsByTenant.note } : {}),
        state: m.guardTripsByTenant.value?.length ? 'ok' : 'nodata',
      },
      {
        title: 'Active rollbacks',
        value: m.activeRollbacks.value === null ? 'no data' : String(m.activeRollbacks.value),
        ...(m.activeRollbacks.note ? { detail: m.activeRollbacks.note } : {}),
        series: series((h) => h.active),
        state: m.activeRollbacks.value === null ? 'nodata' : m.activeRollbacks.note ? 'warn' : 'ok',
      },
    ];
    const alerts: AlertView[] = PLAYBOOK_RULES.map((rule) => {
      const ev = this.evals.get(rule.name);
      const analysis = canNeverFire(rule, DECISION_LATENCY_BUCKETS);
      const best = ev?.instances[0] ?? null;
      const values = ev?.values ?? [];
      const maxValue = values.length ? Math.max(...values.map((v) => v.value)) : null;
      const a: AlertView = {
        name: rule.name,
        expr: rule.expr,
        severity: rule.severity,
        state: ev?.state ?? 'inactive',
      };
      const shown = best && ev?.state !== 'inactive' ? best.value : maxValue;
      if (shown !== null && shown !== undefined) a.value = num(shown, 4);
      if (ev?.activeSince) a.since = iso(ev.activeSince);
      if (analysis.explanation) {
        a.neverFires = `${analysis.neverFires ? 'Can never fire: ' : ''}${analysis.explanation}${analysis.suggestion ? ` Suggested: ${analysis.suggestion}` : ''}`;
      }
      return a;
    });
    return { ...base, cards, alerts };
  }
}
