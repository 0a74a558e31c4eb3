import type { MetricsView } from '../src/shared/protocol';

const SVG_NS = 'http://www.w3.org/2000/svg';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A small line chart drawn with SVG elements (no library, no innerHTML). */
function sparkline(points: { t: number; v: number }[]): SVGSVGElement {
  const w = 160;
  const h = 36;
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.setAttribute('class', 'spark');
  svg.setAttribute('aria-hidden', 'true');
  const finite = points.filter((p) => Number.isFinite(p.v));
  if (finite.length < 2) return svg;
  const t0 = finite[0]!.t;
  const t1 = finite[finite.length - 1]!.t;
  const max = Math.max(...finite.map((p) => p.v), 1e-9);
  const pts = finite.map(
    (p) =>
      `${(((p.t - t0) / Math.max(1, t1 - t0)) * (w - 2) + 1).toFixed(1)},${(h - 2 - (p.v / max) * (h - 4)).toFixed(1)}`,
  );
  const line = document.createElementNS(SVG_NS, 'polyline');
  line.setAttribute('points', pts.join(' '));
  svg.appendChild(line);
  return svg;
}

export function renderMetrics(root: HTMLElement, m: MetricsView): void {
  root.replaceChildren();
  root.classList.remove('muted');
  const head = el('div', 'metrics-head');
  head.append(el('span', 'source', `Source: ${m.source}`));
  if (m.lastScrape) {
    head.append(
      el(
        'span',
        m.stale ? 'stale' : 'fresh',
        `${m.stale ? 'STALE — last scrape' : 'scraped'} ${m.lastScrape.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`,
      ),
    );
  }
  root.append(head);
  if (m.error) root.append(el('div', 'error', m.error));
  const cards = el('div', 'cards');
  for (const c of m.cards) {
    const card = el('div', `card ${c.state ?? 'ok'}`);
    card.append(el('div', 'card-title', c.title), el('div', 'card-value', c.value));
    if (c.detail) card.append(el('div', 'card-detail', c.detail));
    if (c.series) card.append(sparkline(c.series));
    cards.append(card);
  }
  root.append(cards);
  if (m.alerts.length) {
    const table = el('table', 'alerts');
    const hr = el('tr');
    for (const h of ['Alert', 'State', 'Value', 'Expression']) hr.append(el('th', undefined, h));
    table.append(hr);
    for (const a of m.alerts) {
      const tr = el('tr', `alert ${a.state}`);
      const name = el('td');
      name.append(el('strong', undefined, a.name), el('span', 'sev', ` ${a.severity}`));
      if (a.neverFires) name.append(el('div', 'never', a.neverFires));
      tr.append(
        name,
        el('td', `state ${a.state}`, a.state + (a.since ? ` since ${a.since}` : '')),
        el('td', undefined, a.value ?? '–'),
        el('td', 'expr', a.expr),
      );
      table.append(tr);
    }
    root.append(table);
  }
}
