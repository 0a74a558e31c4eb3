// Exec in a pod through the real API server and kwok's fake kubelet (ClusterExec runs the argv on this machine):
// argv is passed as is (no shell), exit codes, output cap, timeout; the attestor's endpoint probe (curl) against a
// local HTTP server; the ledger query with psql against a REAL PostgreSQL holding the ledger's "UsageEvent" table,
// with hostile tenant ids that must come back as data only.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { adapterFor, adminAdapter, kubeError } from './actionHelpers';
import { ADMIN, RESTRICTED, env, randomHex, rpc } from './helpers';

const adapter = adminAdapter();
const LEDGER = { namespace: 'default', deployment: 'ledger', container: 'ledger' };
const ATTESTOR = { namespace: 'monitoring', deployment: 'attestor', container: 'attestor' };

describe('cluster actions: exec', () => {
  test('argv reaches the program unchanged (no shell), with stdout, stderr and exit status', async () => {
    const r = await adapter.exec(ADMIN, { ...LEDGER, command: ['printf', '%s|', 'a b', '$(id)', "x'; --", '`uname`'] });
    assert.equal(r.stdout, "a b|$(id)|x'; --|`uname`|");
    assert.equal(r.exitCode, 0);
    assert.equal(r.status, 'Success');
    assert.match(r.pod, /^ledger-/);
    const f = await adapter.exec(ADMIN, { ...LEDGER, command: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    assert.equal(f.stdout, 'out\n');
    assert.equal(f.stderr, 'err\n');
    assert.equal(f.exitCode, 3);
    assert.equal(f.status, 'Failure');
  });

  test('output cap and timeout end the session', async () => {
    const big = await adapter.exec(ADMIN, {
      ...LEDGER,
      command: ['head', '-c', '5000000', '/dev/zero'],
      maxOutputBytes: 10_000,
    });
    assert.equal(big.truncated, true);
    assert.equal(big.stdout.length, 10_000);
    const t0 = Date.now();
    const slow = await adapter.exec(ADMIN, { ...LEDGER, command: ['sleep', '20'], timeoutMs: 1500 });
    assert.equal(slow.timedOut, true);
    assert.equal(slow.exitCode, null);
    assert.ok(Date.now() - t0 < 8000, `took ${Date.now() - t0} ms`);
    const bad = await kubeError(adapter.exec(ADMIN, { ...LEDGER, container: 'nope', command: ['true'] }));
    assert.equal(bad.kind, 'not-found');
    assert.match(bad.message, /container "nope" is not in pod default\/ledger-/);
  });

  test('forbidden: no exec permission is named exactly', async () => {
    const e = await kubeError(adapterFor(env.restrictedKubeconfig).exec(RESTRICTED, { ...LEDGER, command: ['true'] }));
    assert.equal(e.kind, 'forbidden');
    assert.equal(e.missing, 'get deployments.apps in default');
    // May read pods and the Deployment, but not exec.
    const user = `pf-noexec-${randomHex(2)}`;
    const kc = await rpc<string>('makeUserKubeconfig', user);
    await rpc('grantUser', user, {
      namespace: 'default',
      rules: [
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      ],
    });
    const e2 = await kubeError(adapterFor(kc).exec(RESTRICTED, { ...LEDGER, command: ['true'] }));
    assert.equal(e2.kind, 'forbidden', e2.message);
    assert.equal(e2.missing, 'create pods/exec in default');
  });

  describe('attestor endpoint probe', () => {
    let server: http.Server;
    let hits: string[] = [];
    before(async () => {
      server = http.createServer((req, res) => {
        hits.push(req.url ?? '');
        res.writeHead(req.url === '/health' ? 200 : 404);
        res.end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    });
    after(() => server.close());

    test('reachable endpoint: HTTP status from inside the attestor pod', async () => {
      hits = [];
      const port = (server.address() as AddressInfo).port;
      const r = await adapter.probeEndpoint(ADMIN, { from: ATTESTOR, endpoint: `http://127.0.0.1:${port}/health` });
      assert.equal(r.reachable, true, JSON.stringify(r));
      assert.equal(r.httpStatus, 200);
      assert.match(r.summary, /^HTTP 200 in [\d.]+ s$/);
      assert.deepEqual(hits, ['/health']);
      assert.match(r.exec.pod, /^attestor-/);
    });

    test('unreachable endpoint and a hostile endpoint string', async () => {
      const r = await adapter.probeEndpoint(ADMIN, { from: ATTESTOR, endpoint: '127.0.0.1:9', timeoutSeconds: 2 });
      assert.equal(r.reachable, false);
      assert.equal(r.httpStatus, 0);
      assert.ok(r.summary.length > 0);
      const e = await kubeError(adapter.probeEndpoint(ADMIN, { from: ATTESTOR, endpoint: 'file:///etc/passwd' }));
      assert.equal(e.kind, 'invalid');
      const p = await kubeError(
        adapter.probeEndpoint(ADMIN, { from: ATTESTOR, endpoint: '-f; touch /tmp/x', method: 'ping' }),
      );
      assert.equal(p.kind, 'invalid');
    });
  });

  describe('ledger query (psql in the ledger pod, real PostgreSQL)', () => {
    const skip = process.env.PF_TEST_PG_SKIP;
    const tenantA = 'clz8k1m3p0000ab12cd34ef56';
    const tenantB = 'clz8k1m3p0001ab12cd34ef57';
    const hostileSql = `x'; DROP TABLE "UsageEvent"; --`;
    const hostileShell = '$(touch /tmp/pwned)';
    const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

    before(async () => {
      if (skip) {
        process.stdout.write(`\n!!!!! SKIPPING the ledger tests: ${skip}\n\n`);
        return;
      }
      fs.rmSync('/tmp/pwned', { force: true });
      const tenants = [tenantA, tenantB, hostileSql, hostileShell];
      const rows: string[] = [];
      let n = 0;
      for (const t of tenants) {
        for (let i = 0; i < 3; i++) {
          n++;
          rows.push(
            `(${lit(`clz8kb1d7${String(n).padStart(4, '0')}ab12cd34ef60`)}, ${lit(t)}, ${100 * n}, ${1024 * n}, ` +
              `'2025-08-05 14:1${i}:00.000', '2025-08-05 14:1${i}:00.127')`,
          );
        }
      }
      await rpc(
        'ledgerSql',
        `INSERT INTO "Tenant" ("id", "name", "auth0Id") VALUES ${tenants.map((t, i) => `(${lit(t)}, 'tenant ${i}', 'auth0|${i}')`).join(', ')};\n` +
          `INSERT INTO "UsageEvent" ("id", "tenantId", "cpuMs", "netBytes", "ts", "createdAt") VALUES ${rows.join(', ')};\n`,
      );
    });

    test(
      'rows of one tenant, newest first, with the row cap',
      { skip: skip ? `SKIPPED: ${skip}` : false },
      async () => {
        const r = await adapter.ledgerUsageEvents(ADMIN, { tenantId: tenantA });
        assert.deepEqual(
          r.rows.map((x) => [x.tenantId, x.ts, x.cpuMs]),
          [
            [tenantA, '2025-08-05T14:12:00.000', 300],
            [tenantA, '2025-08-05T14:11:00.000', 200],
            [tenantA, '2025-08-05T14:10:00.000', 100],
          ],
        );
        assert.equal(r.truncated, false);
        assert.equal(r.rows[0]?.createdAt, '2025-08-05T14:12:00.127');
        assert.ok(!r.sql.includes(tenantA), 'the tenant id is not in the SQL text');
        assert.ok(r.exec.command.includes(`tenant=${tenantA}`));
        const capped = await adapter.ledgerUsageEvents(ADMIN, { tenantId: tenantB, limit: 2 });
        assert.equal(capped.rows.length, 2);
        assert.equal(capped.truncated, true);
        assert.deepEqual(await adapter.ledgerUsageEvents(ADMIN, { tenantId: 'clz-unknown' }).then((x) => x.rows), []);
      },
    );

    test(
      'hostile tenant ids are data: their own rows only, the table survives, nothing runs',
      {
        skip: skip ? `SKIPPED: ${skip}` : false,
      },
      async () => {
        for (const t of [hostileSql, hostileShell]) {
          const r = await adapter.ledgerUsageEvents(ADMIN, { tenantId: t });
          assert.equal(r.rows.length, 3, JSON.stringify(r.rows));
          assert.ok(r.rows.every((x) => x.tenantId === t));
        }
        const count = await rpc<string>('ledgerSql', 'SELECT count(*) FROM "UsageEvent";');
        assert.equal(count.trim(), '12', 'the table survived with every row');
        assert.equal(fs.existsSync('/tmp/pwned'), false, 'no shell ran the tenant id');
        // Nor can a tenant id be read as a psql option or meta-command.
        for (const t of ['-c', '--help', '\\! touch /tmp/pwned', ':tenant', "'; \\q"]) {
          assert.deepEqual((await adapter.ledgerUsageEvents(ADMIN, { tenantId: t })).rows, []);
        }
        assert.equal(fs.existsSync('/tmp/pwned'), false);
      },
    );

    test(
      "a failing query is a KubeError with psql's message; psql missing is named",
      {
        skip: skip ? `SKIPPED: ${skip}` : false,
      },
      async () => {
        const e = await kubeError(adapter.ledgerUsageEvents(ADMIN, { tenantId: tenantA, database: 'no_such_db' }));
        assert.equal(e.kind, 'other');
        assert.match(e.message, /no_such_db/);
        const bad = await kubeError(adapter.ledgerUsageEvents(ADMIN, { tenantId: tenantA, limit: 0 }));
        assert.equal(bad.kind, 'invalid');
      },
    );
  });
});
