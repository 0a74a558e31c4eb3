import { nodeLabel } from '../core/flowchart';
import type { Incident } from '../core/incidents';
import { pathEdges } from '../core/mermaidChart';
import { sanitizeText } from '../core/parse/ansi';
import { shortHash } from '../core/report';
import type { Thresholds } from '../core/thresholds';
import { HEARTBEAT_BAND_TEXT, PATHS, pathSteps, RISK_BAND_TEXT, VERDICT_TITLES } from '../core/triage';
import type { IncidentChoice, IncidentView } from '../shared/protocol';
import { effectiveVerdict, incidentDescription, scoreText } from '../tree/presentation';
import { botText } from '../tree/treeItems';

/** The path an engineer's override takes: "No" straight to rollback, or the playbook's false-positive ending. */
function overridePath(inc: Incident): IncidentView['path'] {
  const v = inc.override?.verdict;
  if (v === 'legitimate') return [...PATHS['manual-legitimate']];
  if (v === 'false-positive-network' || v === 'false-positive-thresholds') return [...PATHS[v]];
  return [...inc.latest.path];
}

/** Everything the panel shows about one incident, as plain data (texts are sanitized; the webview uses textContent). */
/** `tenantOf`: the tenant known from elsewhere (a linked Rollback) when the events name none. */
export function incidentView(
  inc: Incident,
  thresholds: Thresholds,
  tenantOf?: (inc: Incident) => string | undefined,
): IncidentView {
  const r = inc.latest;
  const tenant = inc.tenantId ?? tenantOf?.(inc) ?? null;
  const verdict = effectiveVerdict(inc);
  const path = overridePath(inc);
  const rules = new Map(pathSteps(r).map((s) => [s.node, s.rule]));
  const view: IncidentView = {
    id: inc.id,
    capsuleHash: inc.capsuleHash === null ? null : sanitizeText(inc.capsuleHash),
    shortHash: shortHash(inc.capsuleHash),
    tenantId: tenant === null ? null : sanitizeText(tenant),
    riskScore: scoreText(r.riskScore),
    heartbeatMisses: scoreText(r.heartbeatMisses),
    riskBandText: r.riskBand
      ? `${RISK_BAND_TEXT[r.riskBand].action} (false-positive likelihood ${RISK_BAND_TEXT[r.riskBand].fpLikelihood})`
      : '',
    heartbeatBandText: r.heartbeatBand ? HEARTBEAT_BAND_TEXT[r.heartbeatBand] : '',
    count: inc.count,
    firstSeen: inc.firstSeen,
    lastSeen: inc.lastSeen,
    verdict,
    verdictTitle: VERDICT_TITLES[verdict],
    engineVerdict: r.verdict,
    path,
    pathEdges: pathEdges(path, thresholds),
    steps: path.map((node) => {
      const rule = inc.override ? undefined : rules.get(node);
      return rule !== undefined ? { node, label: nodeLabel(node), rule } : { node, label: nodeLabel(node) };
    }),
    botText: sanitizeText(botText(inc)),
    disagreement: r.disagreement,
    warnings: r.warnings.map(sanitizeText),
  };
  if (inc.override) {
    view.override = {
      verdict: inc.override.verdict,
      at: inc.override.at,
      ...(inc.override.reason ? { reason: sanitizeText(inc.override.reason) } : {}),
    };
    view.steps[0] = { node: 'A', label: nodeLabel('A'), rule: `set by hand: ${VERDICT_TITLES[inc.override.verdict]}` };
  }
  if (r.disagreement) {
    view.disagreementText = `The incident-bot ${r.botDecision === 'rollback' ? 'rolled back' : r.botDecision === 'no-rollback' ? 'did not roll back' : 'took no action'}, but the playbook says: ${VERDICT_TITLES[r.verdict]}.`;
  }
  return view;
}

/** How many of the most recent incidents travel with their whole view (a few KB each) for instant switching. */
export const PREFETCHED_VIEWS = 200;

export function incidentChoices(
  incidents: Incident[],
  thresholds?: Thresholds,
  tenantOf?: (inc: Incident) => string | undefined,
): IncidentChoice[] {
  return incidents
    .slice()
    .sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''))
    .slice(0, 500)
    .map((i, n) => ({
      id: i.id,
      label: `${VERDICT_TITLES[effectiveVerdict(i)]} · ${shortHash(i.capsuleHash)} · ${incidentDescription(i, tenantOf?.(i))}`,
      ...(thresholds && n < PREFETCHED_VIEWS ? { view: incidentView(i, thresholds, tenantOf) } : {}),
    }));
}
