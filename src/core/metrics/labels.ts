/** A label set. Built with `labelsFrom` so that a label named `__proto__` stays an ordinary label. */
export type Labels = Readonly<Record<string, string>>;

export const NO_LABELS: Labels = Object.freeze({});

/**
 * Builds a label set from pairs. `Object.defineProperty` rather than assignment: `labels['__proto__'] = v` would
 * replace the prototype instead of adding a label, and `__proto__` is a valid Prometheus label name.
 */
export function labelsFrom(pairs: Iterable<readonly [string, string]>): Labels {
  const out: Record<string, string> = {};
  for (const [name, value] of pairs) {
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function labelEntries(labels: Labels): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function withoutLabels(labels: Labels, drop: readonly string[]): Labels {
  return labelsFrom(Object.entries(labels).filter(([name]) => !drop.includes(name)));
}

export function onlyLabels(labels: Labels, keep: readonly string[]): Labels {
  return labelsFrom(Object.entries(labels).filter(([name]) => keep.includes(name)));
}

/** Escapes a label value the way the exposition format and PromQL string literals both accept. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/**
 * The canonical text of a series, `name{a="x",b="y"}` with labels sorted by name: identical label sets give
 * identical keys whatever order the exposition used (prom-client puts `le` first), and escaping keeps it unambiguous.
 */
export function seriesKey(name: string, labels: Labels): string {
  const body = labelEntries(labels)
    .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
    .join(',');
  return `${name}{${body}}`;
}

export function labelsKey(labels: Labels): string {
  return seriesKey('', labels);
}
