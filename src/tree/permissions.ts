/**
 * "list rollbacks.ops.prov-fabric.io", "watch rollbacks.ops.prov-fabric.io" → one row per resource naming every
 * missing verb ("list, watch rollbacks.ops.prov-fabric.io"): what an engineer asks an admin for, in the order
 * first seen. Anything not shaped "verb resource…" stays a row of its own.
 */
export function groupMissingPermissions(missing: readonly string[]): { resource: string; verbs: string[] }[] {
  const out: { resource: string; verbs: string[] }[] = [];
  const byResource = new Map<string, { resource: string; verbs: string[] }>();
  for (const m of missing) {
    const sp = m.indexOf(' ');
    const verb = sp > 0 ? m.slice(0, sp) : '';
    const resource = sp > 0 ? m.slice(sp + 1) : m;
    let g = byResource.get(resource);
    if (!g) {
      g = { resource, verbs: [] };
      byResource.set(resource, g);
      out.push(g);
    }
    if (verb && !g.verbs.includes(verb)) g.verbs.push(verb);
  }
  return out;
}

export function permissionLabel(g: { resource: string; verbs: string[] }): string {
  return g.verbs.length ? `${g.verbs.join(', ')} ${g.resource}` : g.resource;
}
