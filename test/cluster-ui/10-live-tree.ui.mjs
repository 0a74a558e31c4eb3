// The live tree in the real VS Code against the cluster tier's real kube-apiserver (test/tools/test-cluster.mjs
// runs this file with code-server's KUBECONFIG listing the admin and the restricted user's kubeconfig):
// connect through the context and namespace pickers, a GuardTrip appended to the bot pod's log arrives as an
// incident, its Rollback's phase changes move it between groups, and the restricted user sees which permissions
// are missing.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { extensionReady } from '../ui/ready.mjs';
import { connect, guardTripLines as guardTrip, need, rowMenu, rpc } from './records-lib.mjs';

/** The group (level-1 row) each incident row sits under, by the row's label. */
async function groupOf(helpers, page, label) {
  const rows = await helpers.treeItems(page);
  let group = null;
  for (const r of rows) {
    if (r.level === 1) group = r.label;
    else if (r.level === 2 && r.label === label) return group;
  }
  return undefined;
}

export default async function ({ page, cs, outDir, helpers }) {
  const { waitFor, treeItems, screenshot } = helpers;
  await extensionReady(page, helpers, cs);
  await connect(page, helpers, cs);

  const hex = crypto.randomBytes(32).toString('hex');
  const hash = `sha256:${hex}`;
  const label = `sha256:${hex.slice(0, 8)}…${hex.slice(-4)}`;
  const appendedAt = Date.now();
  fs.appendFileSync(need('PF_TEST_LOGS_FILE'), `${guardTrip(hash, 0.93, 0).join('\n')}\n`);
  let rows = [];
  await waitFor(
    async () => {
      rows = await treeItems(page);
      return (await groupOf(helpers, page, label)) === 'Needs attention';
    },
    60_000,
    `the appended GuardTrip ${label} under "Needs attention"`,
    { cs },
  ).catch((e) => {
    throw new Error(`${e.message}; tree ${JSON.stringify(rows.map((r) => `${r.level}:${r.label}`))}`);
  });
  console.log(`    # GuardTrip appended -> tree row in ${Date.now() - appendedAt} ms`);

  const name = `rollback-ui-${hex.slice(0, 10)}`;
  await rpc('createRollback', { name, capsuleHash: hash, reason: 'high_risk', status: { phase: 'InProgress' } });
  await waitFor(
    async () => (await groupOf(helpers, page, label)) === 'Rolling back',
    60_000,
    `${label} under "Rolling back" once its Rollback is InProgress`,
    { cs },
  );
  await rpc('setRollbackPhase', name, 'Completed');
  await waitFor(
    async () => (await groupOf(helpers, page, label)) === 'Rolled back',
    60_000,
    `${label} under "Rolled back" once its Rollback is Completed`,
    { cs },
  );
  await screenshot(page, outDir, 'live-tree');
  console.log(`    # ${label}: Needs attention -> Rolling back -> Rolled back`);

  // Right-click -> Open Triage Panel on a live row, once, no retry: a live tree that redrew its rows on every
  // cluster update used to close the context menu under the pointer.
  await rowMenu(page, helpers, cs, label, 'Open Triage Panel');
  await waitFor(
    async () => {
      const hit = await helpers.findInFrames(page, 'body[data-chart-key] #title .hash');
      return hit !== null && (await hit.element.textContent()) === label;
    },
    60_000,
    `the triage panel for ${label}, opened from the live row's context menu`,
    { cs },
  );
  console.log(`    # right-click on the live row ${label} -> Open Triage Panel: the panel shows it`);
  await helpers.runCommand(page, 'View: Close All Editors', { cs });

  // The API server goes away for a few seconds mid-watch: the tree says so and keeps its data; a GuardTrip
  // logged meanwhile arrives once it is back, and nothing that was already there is counted twice.
  const total = async () =>
    (await treeItems(page)).filter((r) => r.level === 1).reduce((n, r) => n + (Number(r.description) || 0), 0);
  const before = await total();
  const down = rpc('restartApiServer', { downMs: 6000 });
  await waitFor(
    async () => (await treeItems(page)).some((r) => r.label.startsWith('Disconnected since')),
    30_000,
    'the "Disconnected since" row while the API server is down',
    { cs },
  );
  const hex2 = crypto.randomBytes(32).toString('hex');
  const label2 = `sha256:${hex2.slice(0, 8)}…${hex2.slice(-4)}`;
  fs.appendFileSync(need('PF_TEST_LOGS_FILE'), `${guardTrip(`sha256:${hex2}`, 0.91, 1).join('\n')}\n`);
  await down;
  await waitFor(
    async () => {
      const rows = await treeItems(page);
      return rows.some((r) => r.label === label2) && !rows.some((r) => r.label.startsWith('Disconnected since'));
    },
    90_000,
    `${label2}, logged while the API server was down, in the tree after it came back`,
    { cs },
  );
  const after = await total();
  const seen = (await treeItems(page)).filter((r) => r.label === label2).length;
  if (after !== before + 1 || seen !== 1) {
    throw new Error(`after the restart: ${after} incidents (expected ${before + 1}), ${label2} shown ${seen} times`);
  }
  console.log(`    # API server restart: disconnected row shown, ${before} -> ${after} incidents, none twice`);

  // The restricted user (authenticated, no RBAC bindings of its own) sees what it may not read, as tree rows.
  await connect(page, helpers, cs, { context: 'pf-test-restricted', canListNamespaces: false });
  let missing = [];
  const wanted = [
    'Missing permission: list, watch rollbacks.ops.prov-fabric.io',
    'Missing permission: get pods/log in monitoring',
  ];
  // The 403s name some permissions at once; the access reviews complete the list a moment later.
  await waitFor(
    async () => {
      missing = (await treeItems(page)).filter((r) => r.label.startsWith('Missing permission:')).map((r) => r.label);
      return wanted.every((w) => missing.includes(w));
    },
    60_000,
    'rows naming the missing permissions of the restricted user',
    { cs },
  ).catch((e) => {
    throw new Error(`${e.message}; rows ${JSON.stringify(missing)}`);
  });
  await screenshot(page, outDir, 'live-tree-forbidden');
  console.log(`    # restricted user: ${missing.join('; ')}`);
  // One row per resource with every verb it lacks: what to ask an admin for.
  for (const want of [
    'Missing permission: list, watch rollbacks.ops.prov-fabric.io',
    'Missing permission: get pods/log in monitoring',
  ]) {
    if (!missing.includes(want)) throw new Error(`no row "${want}" among ${JSON.stringify(missing)}`);
  }
  const resources = missing.map((m) => m.replace(/^Missing permission: (?:[a-z]+, )*[a-z]+ /, ''));
  if (new Set(resources).size !== resources.length) throw new Error(`a resource is listed twice: ${missing}`);
  await helpers.runCommand(page, 'PF Incident: Disconnect from Cluster', { cs });
}
