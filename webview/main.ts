// The triage panel's client: renders what the host sends (protocol in src/shared/protocol.ts). All data goes
// into the page through textContent or SVG attributes, never as markup.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { NodeId } from '../src/core/flowchart';
import type { HostToWebview, IncidentChoice, IncidentView } from '../src/shared/protocol';
import { highlight, highlighted, noteActivity, showChart } from './chart';
import { renderMetrics } from './metricsView';
import { getState, post, setState } from './vscodeApi';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

let incident: IncidentView | null = null;
let clickable = new Set<NodeId>();
let chartReady = false;
let pendingSwitch: number | null = null;

function text(tag: string, cls: string, value: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = cls;
  e.textContent = value;
  return e;
}

function renderHeader(v: IncidentView): void {
  const h = $('header');
  h.replaceChildren();
  const title = document.createElement('div');
  title.id = 'title';
  title.append(text('span', `verdict ${v.verdict}`, v.verdictTitle), text('span', 'hash', v.shortHash));
  if (v.override) {
    title.append(text('span', 'override', `set by hand${v.override.reason ? `: ${v.override.reason}` : ''}`));
  }
  const facts = document.createElement('dl');
  facts.id = 'facts';
  const add = (k: string, val: string): void => {
    facts.append(text('dt', '', k), text('dd', '', val));
  };
  add('Capsule', v.capsuleHash ?? 'unknown');
  add('Tenant', v.tenantId ?? 'unknown');
  add('Risk', `${v.riskScore}${v.riskBandText ? ` — ${v.riskBandText}` : ''}`);
  add('Heartbeat misses', `${v.heartbeatMisses}${v.heartbeatBandText ? ` — ${v.heartbeatBandText}` : ''}`);
  add('Incident-bot', v.botText);
  add(
    'Seen',
    v.count > 1 ? `${v.count}× from ${v.firstSeen ?? '?'} to ${v.lastSeen ?? '?'}` : (v.firstSeen ?? 'unknown time'),
  );
  h.append(title, facts);
  const banner = $('banner');
  banner.hidden = !v.disagreement;
  banner.textContent = v.disagreementText ?? '';
}

function renderSteps(v: IncidentView): void {
  const ol = $('steps');
  ol.replaceChildren();
  for (const s of v.steps) {
    const li = document.createElement('li');
    li.dataset.node = s.node;
    li.append(text('span', 'node-id', s.node), text('span', 'node-label', s.label));
    if (s.rule) li.append(text('div', 'rule', s.rule));
    if (clickable.has(s.node)) {
      li.classList.add('clickable');
      li.title = 'Run this playbook step';
      li.addEventListener('click', () => post({ type: 'runStep', node: s.node }));
    }
    ol.append(li);
  }
  const w = $('warnings');
  w.replaceChildren(...v.warnings.map((x) => text('div', 'warning', x)));
}

/** Views the host sent along with the incident list: a switch to one of them needs no round trip. */
let prefetched = new Map<string, IncidentView>();

function renderChoices(choices: IncidentChoice[] | undefined, current: string): void {
  if (!choices) return;
  prefetched = new Map(choices.filter((c) => c.view).map((c) => [c.id, c.view as IncidentView]));
  const sel = $<HTMLSelectElement>('incident-select');
  sel.replaceChildren(
    ...choices.map((c) => {
      const o = document.createElement('option');
      o.value = c.id;
      o.textContent = c.label;
      o.selected = c.id === current;
      return o;
    }),
  );
}

function applyIncident(v: IncidentView): void {
  const t0 = performance.now();
  incident = v;
  setState({ incidentId: v.id });
  renderHeader(v);
  renderSteps(v);
  if (chartReady) highlight($('chart'), v, clickable, (n) => post({ type: 'runStep', node: n }));
  document.body.dataset.verdict = v.verdict;
  document.body.dataset.highlighted = chartReady ? highlighted($('chart')).join(' ') : '';
  if (pendingSwitch !== null) {
    post({ type: 'timing', name: 'incident-switch', ms: performance.now() - pendingSwitch });
    pendingSwitch = null;
  } else {
    post({ type: 'timing', name: 'incident-apply', ms: performance.now() - t0 });
  }
}

/** After the chart was swapped for one drawn with this machine's fonts: the same incident on the new SVG. */
function rehighlight(): void {
  if (chartReady && incident) applyIncident(incident);
}

/** Puts a message's chart in place (cached, shipped or drawn) and the current incident's path on it. */
async function placeChart(msg: Omit<Extract<HostToWebview, { type: 'chart' }>, 'type'>): Promise<void> {
  chartReady = await showChart(
    $('chart'),
    $('chart-error'),
    msg.chart,
    { svg: msg.cachedSvg, prerendered: msg.prerendered, relabel: msg.relabel },
    rehighlight,
  );
  if (chartReady && incident) applyIncident(incident);
  document.body.dataset.chartKey = msg.chart.key;
  $('chart-wrap').title = msg.chart.thresholdsText;
}

async function onMessage(msg: HostToWebview): Promise<void> {
  switch (msg.type) {
    case 'show': {
      const t0 = performance.now();
      clickable = new Set(msg.clickable);
      renderChoices(msg.incidents, msg.incident.id);
      applyIncident(msg.incident);
      await placeChart(msg);
      post({
        type: 'timing',
        name: msg.relabel
          ? 'show-provisional-svg'
          : msg.prerendered
            ? 'show-prerendered-svg'
            : msg.cachedSvg
              ? 'show-cached-svg'
              : 'show-rendered-svg',
        ms: performance.now() - t0,
      });
      post({ type: 'timing', name: 'open-to-svg', ms: performance.now() });
      return;
    }
    case 'incident':
      noteActivity();
      renderChoices(msg.incidents, msg.incident.id);
      applyIncident(msg.incident);
      return;
    case 'chart':
      await placeChart(msg);
      return;
    case 'metrics':
      renderMetrics($('metrics-body'), msg.metrics);
      return;
    case 'gone':
      $('header').replaceChildren(text('div', 'gone', msg.message));
      return;
  }
}

window.addEventListener('message', (ev: MessageEvent<HostToWebview>) => {
  void onMessage(ev.data);
});
$('confirm').addEventListener('click', () => post({ type: 'override', action: 'confirmLegitimate' }));
$('mark-fp').addEventListener('click', () => post({ type: 'override', action: 'markFalsePositive' }));
$<HTMLSelectElement>('incident-select').addEventListener('change', (ev) => {
  pendingSwitch = performance.now();
  const id = (ev.target as HTMLSelectElement).value;
  const view = prefetched.get(id);
  // Shown at once from the prefetched view; the host still hears of it (title, state, later updates).
  if (view) applyIncident(view);
  post({ type: 'selectIncident', id });
});

const saved = getState();
post(saved ? { type: 'ready', incidentId: saved.incidentId } : { type: 'ready' });
