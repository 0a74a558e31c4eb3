// Metrics from a Prometheus HTTP API: the rates and quantiles are PromQL (rate(), histogram_quantile()) run by
// Prometheus; the playbook rules' pending/firing states are stepped here from their expressions' values.
import type { RuleEvaluation } from '../core/metrics/alerts';
import { canNeverFire, PLAYBOOK_RULES, stepAlert } from '../core/metrics/alerts';
import { DECISION_LATENCY_BUCKETS } from '../core/metrics/names';
import type { PromApiResult } from '../core/metrics/promql';
import { BOT_QUERIES, histogramQuantileQuery, parsePromApiText, queryUrl, rateQuery } from '../core/metrics/promql';
import { toInstantVector } from '../core/metrics/promql';
import type { InstantVector } from '../core/metrics/vector';
import type { AlertView, MetricCardView, MetricsView } from '../shared/protocol';

export type Fetcher = (url: string, signal: AbortSignal) => Promise<{ status: number; text: string }>;

/** The left-hand side of each playbook rule, as Prometheus evaluates it. */
const RULE_QUERIES: Record<string, string> = {
  HighRollbackRate: rateQuery('incident_bot_rollbacks_total', 5 * 60_000),
  RollbackLatencyHigh: histogramQuantileQuery(0.95, 'incident_bot_decision_latency_seconds', 5 * 60_000, []),
};

const fmt = (n: number, d = 4): string => (Number.isFinite(n) ? Number(n.toFixed(d)).toString() : String(n));

export class PromApiMetrics {
  private evals = new Map<string, RuleEvaluation>();
  private history: { t: number; rate: number | null; p95: number | null }[] = [];
  private lastView: MetricsView | undefined;
  private lastOk: number | null = null;

  constructor(
    private readonly baseUrl: string,
    private readonly fetcher: Fetcher,
  ) {}

  private async query(q: string, signal: AbortSignal): Promise<InstantVector> {
    let r: { status: number; text: string };
    try {
      r = await this.fetcher(queryUrl(this.baseUrl, q), signal);
    } catch (e) {
      throw new Error(`Prometheus at ${this.baseUrl} is unreachable: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
    const res: PromApiResult = parsePromApiText(r.text);
    if (!res.ok) throw new Error(`Prometheus answered HTTP ${r.status}: ${res.error}`);
    return toInstantVector(res.series);
  }

  /** One scrape: every query at Prometheus' current time. A failure keeps the previous view, marked stale. */
  async scrape(now: number, signal: AbortSignal): Promise<MetricsView> {
    try {
      const [perCapsule, total, p95, tenants, active] = await Promise.all([
        this.query(BOT_QUERIES.rollbackRate, signal),
        this.query(BOT_QUERIES.rollbackRateSum, signal),
        this.query(BOT_QUERIES.decisionLatencyP95, signal),
        this.query(BOT_QUERIES.guardTripsByTenant, signal),
        this.query(BOT_QUERIES.activeRollbacks, signal),
      ]);
      for (const rule of PLAYBOOK_RULES) {
        const values =
          rule.name === 'HighRollbackRate'
            ? perCapsule
            : await this.query(RULE_QUERIES[rule.name] ?? rule.expr, signal);
        this.evals.set(rule.name, stepAlert(this.evals.get(rule.name) ?? null, rule, values, now));
      }
      const rate = total[0]?.value ?? null;
      const p = p95[0]?.value;
      const pv = p === undefined || Number.isNaN(p) ? null : p;
      this.history.push({ t: now, rate, p95: pv });
      if (this.history.length > 240) this.history.shift();
      this.lastOk = now;
      const cards: MetricCardView[] = [
        {
          title: 'Rollbacks per second (5m rate, all capsules)',
          value: rate === null ? 'no data' : `${fmt(rate)}/s`,
          detail: perCapsule.length
            ? `highest single capsule: ${fmt(Math.max(...perCapsule.map((s) => s.value)))}/s`
            : 'no rollback series in the last 5 minutes',
          series: this.history.filter((h) => h.rate !== null).map((h) => ({ t: h.t, v: h.rate as number })),
          state: rate === null ? 'nodata' : rate > 0.1 ? 'warn' : 'ok',
        },
        {
          title: 'Decision latency p95',
          value: pv === null ? 'no data' : `${fmt(pv, 3)} s`,
          ...(pv !== null && pv >= 30
            ? { detail: 'at the largest finite bucket (30 s): the real p95 may be anything above it' }
            : {}),
          series: this.history.filter((h) => h.p95 !== null).map((h) => ({ t: h.t, v: h.p95 as number })),
          state: pv === null ? 'nodata' : pv >= 30 ? 'warn' : 'ok',
        },
        {
          title: 'GuardTrips per tenant',
          value: tenants.length
            ? tenants.map((s) => `${s.labels['tenant_id'] ?? '?'}: ${fmt(s.value)}/s`).join(', ')
            : 'no data',
          ...(tenants.length ? {} : { detail: 'no data (the bot never increments this metric)' }),
          state: tenants.length ? 'ok' : 'nodata',
        },
        {
          title: 'Active rollbacks',
          value: active[0] ? fmt(active[0].value, 0) : 'no data',
          ...(active[0]?.value === 0 ? { detail: 'always 0: the bot never sets this gauge' } : {}),
          state: active[0] ? (active[0].value === 0 ? 'warn' : 'ok') : 'nodata',
        },
      ];
      this.lastView = {
        source: `Prometheus ${this.baseUrl}`,
        lastScrape: new Date(now).toISOString(),
        stale: false,
        cards,
        alerts: this.alertViews(),
      };
      return this.lastView;
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      return {
        ...(this.lastView ?? { source: `Prometheus ${this.baseUrl}`, cards: [], alerts: this.alertViews() }),
        lastScrape: this.lastOk === null ? null : new Date(this.lastOk).toISOString(),
        stale: true,
        error,
      };
    }
  }

  private alertViews(): AlertView[] {
    return PLAYBOOK_RULES.map((rule) => {
      const ev = this.evals.get(rule.name);
      const analysis = canNeverFire(rule, DECISION_LATENCY_BUCKETS);
      const a: AlertView = {
        name: rule.name,
        expr: rule.expr,
        severity: rule.severity,
        state: ev?.state ?? 'inactive',
      };
      const vals = ev?.values ?? [];
      if (vals.length) a.value = fmt(Math.max(...vals.map((v) => v.value)));
      if (ev?.activeSince) a.since = new Date(ev.activeSince).toISOString();
      if (analysis.explanation) {
        a.neverFires = `${analysis.neverFires ? 'Can never fire: ' : ''}${analysis.explanation}`;
      }
      return a;
    });
  }
}
