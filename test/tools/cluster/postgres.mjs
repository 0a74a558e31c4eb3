// A real PostgreSQL for the cluster tier: the ledger's database (fact sheet §8) on a loopback port in a temp dir, so
// that `psql` exec'd "in the ledger pod" (kwok's ClusterExec runs it on this machine, seed.mjs) reads a real
// "UsageEvent" table. Uses the machine's PostgreSQL binaries (initdb, postgres; psql for the client); when they are
// missing, postgresAvailable() says why and the tests that need them skip loudly.
//
// As root (initdb/postgres refuse to run as root) the server runs as the `postgres` user (else `nobody`) via setpriv.
// Authentication is `trust` on 127.0.0.1 only; the server lives in its own process group with a parent-death signal.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const LEDGER_DB = 'provability_fabric';
export const LEDGER_USER = 'pf_user';

/** The migration 20250804204349_provability_fabric as far as the ledger query needs it: "Tenant" and "UsageEvent". */
export const LEDGER_SCHEMA_SQL = `
CREATE TABLE "Tenant" (
  "id" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "auth0Id" TEXT NOT NULL,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "Tenant_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Tenant_auth0Id_key" ON "Tenant"("auth0Id");
CREATE TABLE "UsageEvent" (
  "id" TEXT NOT NULL,
  "tenantId" TEXT NOT NULL,
  "cpuMs" INTEGER NOT NULL,
  "netBytes" INTEGER NOT NULL,
  "ts" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "UsageEvent_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "UsageEvent_tenantId_ts_idx" ON "UsageEvent"("tenantId", "ts");
CREATE INDEX "UsageEvent_ts_idx" ON "UsageEvent"("ts");
ALTER TABLE "UsageEvent" ADD CONSTRAINT "UsageEvent_tenantId_fkey" FOREIGN KEY ("tenantId")
  REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
`;

function findBin(name) {
  const candidates = [`/usr/local/bin/${name}`, `/usr/bin/${name}`];
  try {
    for (const v of fs.readdirSync('/usr/lib/postgresql').sort().reverse()) {
      candidates.push(`/usr/lib/postgresql/${v}/bin/${name}`);
    }
  } catch {
    /* no Debian layout */
  }
  return candidates.find((f) => fs.existsSync(f)) ?? null;
}

/** { ok: true, bins } or { ok: false, reason }. */
export function postgresAvailable() {
  const bins = { initdb: findBin('initdb'), postgres: findBin('postgres'), psql: findBin('psql') };
  const missing = Object.entries(bins)
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length) {
    return { ok: false, reason: `PostgreSQL binaries not found: ${missing.join(', ')} (apt-get install postgresql)` };
  }
  return { ok: true, bins };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024, ...opts }, (err, stdout, stderr) => {
      if (err)
        reject(Object.assign(new Error(`${path.basename(cmd)} failed: ${stderr || err.message}`), { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

/** Runs `argv` as an unprivileged user when we are root. */
function asServerUser(argv) {
  if (process.getuid?.() !== 0) return argv;
  const user = ['postgres', 'nobody'].find((u) => {
    try {
      return fs
        .readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .some((l) => l.startsWith(`${u}:`));
    } catch {
      return false;
    }
  });
  if (!user || !fs.existsSync('/usr/bin/setpriv'))
    throw new Error('running as root without a postgres user or setpriv');
  return ['/usr/bin/setpriv', `--reuid=${user}`, `--regid=${user}`, '--clear-groups', '--', ...argv];
}

function serverUid() {
  if (process.getuid?.() !== 0) return null;
  for (const u of ['postgres', 'nobody']) {
    const line = fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${u}:`));
    if (line) {
      const [, , uid, gid] = line.split(':');
      return { uid: Number(uid), gid: Number(gid) };
    }
  }
  return null;
}

/**
 * Starts PostgreSQL with the ledger database and schema. Resolves
 *   { host, port, user, database, env: {PGHOST, PGPORT, PGUSER, PGDATABASE}, sql(text), stop() }
 * `sql(text)` runs a script with psql (ON_ERROR_STOP) as the ledger user and resolves its stdout.
 */
export async function startPostgres({ dir } = {}) {
  const avail = postgresAvailable();
  if (!avail.ok) throw new Error(avail.reason);
  const { bins } = avail;
  const base = dir || fs.mkdtempSync(path.join(os.tmpdir(), 'pf-ledger-pg-'));
  const data = path.join(base, 'data');
  const sock = path.join(base, 'sock');
  fs.mkdirSync(sock, { recursive: true });
  const owner = serverUid();
  if (owner) {
    fs.chownSync(base, owner.uid, owner.gid);
    fs.chownSync(sock, owner.uid, owner.gid);
  }
  const [initCmd, ...initArgs] = asServerUser([
    bins.initdb,
    '-D',
    data,
    '-U',
    LEDGER_USER,
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  await run(initCmd, initArgs, { cwd: base });
  const port = await freePort();
  const logFile = path.join(base, 'postgres.log');
  const out = fs.openSync(logFile, 'a');
  if (owner) fs.fchownSync(out, owner.uid, owner.gid);
  const argv = asServerUser([
    bins.postgres,
    '-D',
    data,
    '-p',
    String(port),
    '-h',
    '127.0.0.1',
    '-k',
    sock,
    '-c',
    'fsync=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'synchronous_commit=off',
  ]);
  const withDeath = fs.existsSync('/usr/bin/setpriv')
    ? ['/usr/bin/setpriv', '--pdeathsig', 'SIGKILL', '--', ...argv]
    : argv;
  const child = spawn(withDeath[0], withDeath.slice(1), { detached: true, stdio: ['ignore', out, out], cwd: base });
  fs.closeSync(out);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const env = { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: LEDGER_USER, PGDATABASE: LEDGER_DB };
  const psqlEnv = { ...process.env, ...env, PGDATABASE: 'postgres' };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited)
      throw new Error(`postgres exited ${JSON.stringify(exited)}: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    try {
      await run(bins.psql, ['-X', '-q', '-c', 'SELECT 1'], { env: psqlEnv });
      break;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`postgres not ready after 30 s: ${e.message}`, { cause: e });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await run(bins.psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE ${LEDGER_DB}`], { env: psqlEnv });
  const sql = (text) =>
    runWithInput(bins.psql, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-f', '-'], text, {
      ...process.env,
      ...env,
    });
  await sql(LEDGER_SCHEMA_SQL);
  return {
    host: '127.0.0.1',
    port,
    user: LEDGER_USER,
    database: LEDGER_DB,
    env,
    dir: base,
    psqlBin: bins.psql,
    sql,
    async stop({ keep = false } = {}) {
      if (!exited) {
        try {
          process.kill(-child.pid, 'SIGINT'); // fast shutdown
        } catch {
          /* gone */
        }
        const t = setTimeout(() => {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }, 5000);
        await new Promise((r) => (exited ? r() : child.once('exit', r)));
        clearTimeout(t);
      }
      if (!keep && !dir) fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

function runWithInput(cmd, args, input, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`psql exit ${code}: ${stderr.trim()}`)),
    );
    child.stdin.end(input);
  });
}
