// Starts a REAL Kubernetes control plane as plain processes for the extension's cluster tests:
//   etcd -> kube-apiserver (RBAC, TLS, client-cert auth) -> kube-controller-manager + kube-scheduler + kwok controller.
//
// Why our own processes and not `kwokctl create cluster --runtime binary`: kwokctl works offline with local binaries,
// but (1) it has no way to restart only kube-apiserver on the same port and data (the watch-recovery tests need the
// server to go away and come back while etcd and the controllers keep running), (2) its pid/state files and generated
// flags are internal details that change between kwok releases, and (3) owning the flags keeps everything on
// loopback (the apiserver dials the fake kubelet at 127.0.0.1, never a hostname or a pod IP). The kwok controller is
// still the one from kwok (it marks nodes/pods Running and serves logs/exec/port-forward as a fake kubelet), and
// kwokctl is built alongside for anyone who wants to inspect the same binaries with kwok's own tooling.
//
// Everything listens on 127.0.0.1 only. Each process runs in its own process group with a parent-death signal, so a
// crashed test run does not leave a control plane behind.
import { spawn, execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureClusterBinaries } from './binaries.mjs';

export const ADMIN_CONTEXT = 'pf-test';
export const RESTRICTED_CONTEXT = 'pf-test-restricted';
// Nodes carrying this annotation are managed by our kwok controller (the convention kwok's docs use).
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
// kwok resources that are read from the API (so seeds/tests can create and change them at run time) instead of
// from kwok's --config files. Stages stay in config files (kwok's default node/pod lifecycle).
const KWOK_CRD_KINDS = [
  'Logs',
  'ClusterLogs',
  'Exec',
  'ClusterExec',
  'PortForward',
  'ClusterPortForward',
  'Attach',
  'ClusterAttach',
];

const t0 = Date.now();
function log(msg) {
  if (process.env.PF_CLUSTER_QUIET) return;
  process.stderr.write(`[cluster] +${((Date.now() - t0) / 1000).toFixed(1)}s ${msg}\n`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function execFileP(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, ...opts }, (err, stdout, stderr) => {
      if (err) {
        err.message = `${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`;
        reject(err);
      } else resolve({ stdout, stderr });
    });
  });
}

// --- PKI --------------------------------------------------------------------------------------------------------------
// Node can make keys but not X.509 certificates, so the certificates come from the openssl CLI (in the base image of
// this machine kind). EC P-256 keeps generation in the milliseconds. Minimal config files are written so the
// system's openssl.cnf defaults never add or duplicate extensions.
class Pki {
  constructor(dir) {
    this.dir = dir;
    fs.mkdirSync(dir, { recursive: true });
    this.caCert = path.join(dir, 'ca.crt');
    this.caKey = path.join(dir, 'ca.key');
  }

  file(name) {
    return path.join(this.dir, name);
  }

  async init() {
    if (!['/usr/bin/openssl', '/usr/local/bin/openssl'].some((f) => fs.existsSync(f))) {
      throw new Error('the openssl CLI is needed to issue the test cluster certificates: apt-get install openssl');
    }
    const cnf = this.file('ca.cnf');
    fs.writeFileSync(
      cnf,
      [
        '[req]',
        'distinguished_name = dn',
        'prompt = no',
        '[dn]',
        'CN = pf-test-ca',
        '[v3_ca]',
        'basicConstraints = critical,CA:TRUE',
        'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
        'subjectKeyIdentifier = hash',
        '',
      ].join('\n'),
    );
    // prettier-ignore
    await execFileP('openssl', [
      'req', '-x509', '-new', '-config', cnf, '-extensions', 'v3_ca',
      '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', this.caKey, '-out', this.caCert, '-days', '3650',
    ]);
    // Service-account token signing key pair (ES256); Node can make this one itself.
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    fs.writeFileSync(this.file('sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    fs.writeFileSync(this.file('sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  }

  /**
   * Issues a certificate signed by the test CA. `usage` is 'client' or 'server'. For client certificates the API
   * server maps CN to the user name and each O to a group.
   */
  async issue(name, { cn, groups = [], usage, ips = [], dns = [] }) {
    const key = this.file(`${name}.key`);
    const csr = this.file(`${name}.csr`);
    const crt = this.file(`${name}.crt`);
    const cnf = this.file(`${name}.cnf`);
    const san = [...ips.map((i) => `IP:${i}`), ...dns.map((d) => `DNS:${d}`)].join(',');
    fs.writeFileSync(
      cnf,
      [
        '[req]',
        'distinguished_name = dn',
        'prompt = no',
        '[dn]',
        // openssl's config syntax allows repeated O entries via numbered prefixes ("0.O", "1.O", ...).
        ...groups.map((g, i) => `${i}.O = ${g}`),
        `CN = ${cn}`,
        '[v3]',
        'basicConstraints = critical,CA:FALSE',
        'keyUsage = critical,digitalSignature,keyEncipherment',
        `extendedKeyUsage = ${usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
        'authorityKeyIdentifier = keyid',
        ...(san ? [`subjectAltName = ${san}`] : []),
        '',
      ].join('\n'),
    );
    // prettier-ignore
    await execFileP('openssl', [
      'req', '-new', '-config', cnf, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', csr,
    ]);
    // prettier-ignore
    await execFileP('openssl', [
      'x509', '-req', '-in', csr, '-CA', this.caCert, '-CAkey', this.caKey,
      '-set_serial', `0x${crypto.randomBytes(12).toString('hex')}`,
      '-days', '3650', '-extfile', cnf, '-extensions', 'v3', '-out', crt,
    ]);
    fs.chmodSync(key, 0o600);
    fs.rmSync(csr, { force: true });
    return { cert: crt, key };
  }
}

function kubeconfigYaml({ server, caFile, certFile, keyFile, user, context }) {
  // Certificates are embedded (the *-data fields) so a kubeconfig can be copied or handed to client-node as is.
  const b64 = (f) => fs.readFileSync(f).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: pf-test',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(caFile)}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    `    client-certificate-data: ${b64(certFile)}`,
    `    client-key-data: ${b64(keyFile)}`,
    'contexts:',
    `- name: ${context}`,
    '  context:',
    '    cluster: pf-test',
    `    user: ${user}`,
    `current-context: ${context}`,
    'preferences: {}',
    '',
  ].join('\n');
}

// --- processes ----------------------------------------------------------------------------------------------------------
const hasSetpriv = fs.existsSync('/usr/bin/setpriv');

class Proc {
  constructor(name, bin, args, { logDir, env, cwd }) {
    Object.assign(this, { name, bin, args, logDir, env, cwd });
    this.child = null;
    this.exited = null;
  }

  get logFile() {
    return path.join(this.logDir, `${this.name}.log`);
  }

  start() {
    const out = fs.openSync(this.logFile, 'a');
    fs.writeSync(out, `\n=== ${new Date().toISOString()} start: ${this.bin} ${this.args.join(' ')}\n`);
    // setpriv --pdeathsig: the kernel kills the process when the Node process that started it dies, even by
    // SIGKILL, so no control plane outlives a crashed test run. detached: own process group for stop().
    const [cmd, argv] = hasSetpriv
      ? ['/usr/bin/setpriv', ['--pdeathsig', 'SIGKILL', '--', this.bin, ...this.args]]
      : [this.bin, this.args];
    const child = spawn(cmd, argv, {
      detached: true,
      stdio: ['ignore', out, out],
      env: this.env || process.env,
      cwd: this.cwd,
    });
    fs.closeSync(out);
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
      child.on('error', (err) => resolve({ code: -1, signal: null, error: err }));
    });
    this.exitInfo = null;
    this.exited.then((info) => {
      this.exitInfo = info;
    });
    return this;
  }

  get running() {
    return this.child && !this.exitInfo;
  }

  logTail(lines = 30) {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** `signal` (SIGTERM) to the whole process group, SIGKILL after `graceMs`. */
  async stop(graceMs = 5000, signal = 'SIGTERM') {
    if (!this.running) return;
    const pid = this.child.pid;
    const kill = (sig) => {
      try {
        process.kill(-pid, sig);
      } catch {
        try {
          process.kill(pid, sig);
        } catch {
          /* already gone */
        }
      }
    };
    const started = Date.now();
    kill(signal);
    const timer = setTimeout(() => {
      if (process.env.PF_CLUSTER_DEBUG) log(`${this.name} still running ${graceMs} ms after ${signal}: SIGKILL`);
      kill('SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
    if (process.env.PF_CLUSTER_DEBUG) log(`${this.name} stopped in ${Date.now() - started} ms`);
  }

  killSync() {
    if (!this.running) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

// Every live cluster, so an unexpected process exit still kills the control planes (belt and braces with pdeathsig).
const liveClusters = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of liveClusters) c._killSync();
  });
}

// --- HTTP helpers -------------------------------------------------------------------------------------------------------
function httpGetStatus(url, tlsOpts) {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { ...tlsOpts, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', (err) => resolve({ status: 0, body: err.message }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

async function waitFor(what, proc, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc && proc.exitInfo) {
      throw new Error(
        `${what}: ${proc.name} exited (${JSON.stringify(proc.exitInfo)}) before it was ready. Log tail (${proc.logFile}):\n${proc.logTail()}`,
      );
    }
    const r = await check();
    if (r === true) return;
    last = r;
    await sleep(200);
  }
  throw new Error(
    `${what}: not ready after ${timeoutMs} ms (last: ${last})${proc ? `. Log tail (${proc.logFile}):\n${proc.logTail()}` : ''}`,
  );
}

// --- the cluster ----------------------------------------------------------------------------------------------------------
/**
 * Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and the kwok controller on loopback ports.
 *
 * Options:
 *   workDir        directory for data, certificates, kubeconfigs and logs (default: a new temp dir, removed by stop())
 *   keep           keep workDir on stop() (for debugging; the logs are in <workDir>/logs)
 *   logsFile, metricsTarget, execWorkDir
 *                  defaults remembered on the handle for seedProvabilityFabric() (seed.mjs), which creates the kwok
 *                  ClusterLogs/ClusterPortForward/ClusterExec objects from them
 *   binaries       result of ensureClusterBinaries() (computed if absent)
 *   readyTimeoutMs per component (default 90 s, generous for a loaded 2-core CI machine; warm starts take ~2-3 s)
 */
export async function startCluster(opts = {}) {
  const started = Date.now();
  const binaries = opts.binaries || (await ensureClusterBinaries());
  const ownWorkDir = !opts.workDir;
  if (ownWorkDir) removeStaleWorkDirs();
  const workDir = opts.workDir || fs.mkdtempSync(path.join(os.tmpdir(), 'pf-cluster-'));
  fs.mkdirSync(workDir, { recursive: true });
  if (ownWorkDir) fs.writeFileSync(path.join(workDir, OWNER_FILE), String(process.pid));
  const cluster = new Cluster({ ...opts, binaries, workDir, ownWorkDir });
  installExitHook();
  liveClusters.add(cluster);
  try {
    await cluster._boot();
  } catch (err) {
    await cluster.stop({ keep: true });
    err.message += `\n(cluster work dir kept for inspection: ${workDir})`;
    throw err;
  }
  log(
    `cluster up in ${((Date.now() - started) / 1000).toFixed(1)}s: ${cluster.apiserverUrl} (kubeconfig ${cluster.kubeconfig})`,
  );
  return cluster;
}

// A temp work dir records the pid of the process that made it. A run killed hard (SIGKILL, OOM) cannot clean up;
// the next startCluster() removes such dirs once their owner is gone, except ones kept on purpose (`keep`).
const OWNER_FILE = '.pf-cluster-owner';
const KEEP_FILE = '.pf-cluster-keep';
function removeStaleWorkDirs() {
  let entries;
  try {
    entries = fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith('pf-cluster-'));
  } catch {
    return;
  }
  for (const d of entries) {
    const dir = path.join(os.tmpdir(), d);
    try {
      if (fs.existsSync(path.join(dir, KEEP_FILE))) continue;
      const pid = Number(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
      if (!pid || pid === process.pid) continue;
      try {
        process.kill(pid, 0);
        continue; // owner alive
      } catch {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    } catch {
      /* not ours or already gone */
    }
  }
}

class Cluster {
  constructor(opts) {
    this.opts = opts;
    this.binaries = opts.binaries;
    this.workDir = opts.workDir;
    this.logDir = path.join(this.workDir, 'logs');
    this.pkiDir = path.join(this.workDir, 'pki');
    this.defaults = {
      logsFile: opts.logsFile,
      metricsTarget: opts.metricsTarget,
      execWorkDir: opts.execWorkDir,
    };
    this.procs = {};
    this.children = new Set();
    this.stopHooks = [];
    this.stopped = false;
  }

  async _boot() {
    fs.mkdirSync(this.logDir, { recursive: true });
    const [etcdPort, etcdPeerPort, apiPort, kwokPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    this.ports = { etcd: etcdPort, etcdPeer: etcdPeerPort, apiserver: apiPort, kwok: kwokPort };
    this.apiserverUrl = `https://127.0.0.1:${apiPort}`;

    // Certificates: one CA for serving and client auth. The admin is in system:masters (like envtest's user).
    const pki = new Pki(this.pkiDir);
    this.pki = pki;
    await pki.init();
    const serving = await pki.issue('apiserver', {
      cn: 'kube-apiserver',
      usage: 'server',
      ips: ['127.0.0.1', '10.0.0.1'],
      dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    });
    const admin = await pki.issue('admin', { cn: 'pf-admin', groups: ['system:masters'], usage: 'client' });
    const kubeletClient = await pki.issue('apiserver-kubelet-client', {
      cn: 'kube-apiserver-kubelet-client',
      groups: ['system:masters'],
      usage: 'client',
    });
    const kwokServing = await pki.issue('kwok-serving', {
      cn: 'kwok-kubelet',
      usage: 'server',
      ips: ['127.0.0.1'],
      dns: ['localhost'],
    });
    // With --use-service-account-credentials=false every controller acts as this one identity, and the bootstrap
    // ClusterRole system:kube-controller-manager only covers the per-controller service accounts' set-up, so it
    // gets Forbidden on configmaps/clusterroles/... (seen). system:masters keeps it working without token issuance.
    const kcm = await pki.issue('kube-controller-manager', {
      cn: 'system:kube-controller-manager',
      groups: ['system:masters'],
      usage: 'client',
    });
    const sched = await pki.issue('kube-scheduler', { cn: 'system:kube-scheduler', usage: 'client' });
    const kwokClient = await pki.issue('kwok-controller', {
      cn: 'kwok-controller',
      groups: ['system:masters'],
      usage: 'client',
    });
    this.caFile = pki.caCert;
    this.adminCertFile = admin.cert;
    this.adminKeyFile = admin.key;
    this.tls = {
      ca: fs.readFileSync(pki.caCert),
      cert: fs.readFileSync(admin.cert),
      key: fs.readFileSync(admin.key),
    };

    const kc = (name, cert, user, context = ADMIN_CONTEXT) => {
      const file = path.join(this.workDir, `${name}.kubeconfig`);
      fs.writeFileSync(
        file,
        kubeconfigYaml({
          server: this.apiserverUrl,
          caFile: pki.caCert,
          certFile: cert.cert,
          keyFile: cert.key,
          user,
          context,
        }),
        { mode: 0o600 },
      );
      return file;
    };
    this.kubeconfig = kc('admin', admin, 'pf-admin');
    const kcmKubeconfig = kc('kube-controller-manager', kcm, 'system:kube-controller-manager');
    const schedKubeconfig = kc('kube-scheduler', sched, 'system:kube-scheduler');
    const kwokKubeconfig = kc('kwok-controller', kwokClient, 'kwok-controller');

    // etcd: envtest's flags; --unsafe-no-fsync because durability is irrelevant for tests and fsync dominates on VMs.
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    this.procs.etcd = new Proc(
      'etcd',
      this.binaries.etcd,
      [
        '--name=pf-test',
        `--data-dir=${path.join(this.workDir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=pf-test=${peerUrl}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
        '--quota-backend-bytes=2147483648',
      ],
      { logDir: this.logDir },
    ).start();
    await waitFor(
      'etcd',
      this.procs.etcd,
      async () => {
        const r = await httpGetStatus(`${etcdUrl}/health`);
        return r.status === 200 && r.body.includes('true') ? true : `${r.status} ${r.body}`;
      },
      this.readyTimeout,
    );

    // kube-apiserver: envtest-style (RBAC, ServiceAccount admission off, service-account issuer on loopback) plus the
    // settings the fake kubelet needs: dial nodes by InternalIP (kwok sets 127.0.0.1) and verify kwok's serving cert.
    this.apiserverArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      '--advertise-address=127.0.0.1',
      // The "kubernetes" Service endpoints would be 127.0.0.1, which endpoint validation rejects (loopback); envtest
      // turns the reconciler off for the same reason.
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${serving.cert}`,
      `--tls-private-key-file=${serving.key}`,
      `--client-ca-file=${pki.caCert}`,
      `--cert-dir=${path.join(this.workDir, 'apiserver-certs')}`,
      '--authorization-mode=RBAC',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      '--disable-admission-plugins=ServiceAccount',
      `--service-account-issuer=https://127.0.0.1:${apiPort}/`,
      `--service-account-key-file=${pki.file('sa.pub')}`,
      `--service-account-signing-key-file=${pki.file('sa.key')}`,
      `--kubelet-client-certificate=${kubeletClient.cert}`,
      `--kubelet-client-key=${kubeletClient.key}`,
      `--kubelet-certificate-authority=${pki.caCert}`,
      '--kubelet-preferred-address-types=InternalIP',
      '--profiling=false',
      '--v=1',
    ];
    await this.startApiServer();

    // kwok's own CRDs (Logs, Exec, PortForward, ...) must exist before the kwok controller starts watching them. They
    // are large: server-side apply avoids the 256 KiB last-applied-configuration annotation limit.
    await this.kubectl(['apply', '--server-side', '--force-conflicts', '-f', this.binaries.kwokCrdDir]);
    await this.kubectl(['wait', '--for=condition=Established', '--timeout=60s', '-f', this.binaries.kwokCrdDir]);

    // kube-controller-manager: Deployments -> ReplicaSets -> Pods, namespace deletion, garbage collection.
    // --secure-port=0: no serving port to collide with other clusters/test runs on this machine.
    this.procs.kcm = new Proc(
      'kube-controller-manager',
      this.binaries.kubeControllerManager,
      [
        `--kubeconfig=${kcmKubeconfig}`,
        '--secure-port=0',
        '--leader-elect=false',
        '--use-service-account-credentials=false',
        `--service-account-private-key-file=${pki.file('sa.key')}`,
        `--root-ca-file=${pki.caCert}`,
        `--cluster-signing-cert-file=${pki.caCert}`,
        `--cluster-signing-key-file=${pki.caKey}`,
        '--v=1',
      ],
      { logDir: this.logDir },
    ).start();
    this.procs.scheduler = new Proc(
      'kube-scheduler',
      this.binaries.kubeScheduler,
      [`--kubeconfig=${schedKubeconfig}`, '--secure-port=0', '--leader-elect=false', '--v=1'],
      { logDir: this.logDir },
    ).start();

    // kwok controller: manages nodes annotated kwok.x-k8s.io/node=fake and their pods (default kwokctl stages), and
    // serves the kubelet API (logs/exec/port-forward/attach) on 127.0.0.1 with a cert from our CA.
    const stageFiles = fs
      .readdirSync(this.binaries.kwokStageDir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => path.join(this.binaries.kwokStageDir, f));
    this.procs.kwok = new Proc(
      'kwok-controller',
      this.binaries.kwok,
      [
        `--kubeconfig=${kwokKubeconfig}`,
        ...stageFiles.flatMap((f) => ['--config', f]),
        '--manage-all-nodes=false',
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
        '--node-ip=127.0.0.1',
        '--node-name=localhost',
        `--node-port=${kwokPort}`,
        `--server-address=127.0.0.1:${kwokPort}`,
        `--tls-cert-file=${kwokServing.cert}`,
        `--tls-private-key-file=${kwokServing.key}`,
        '--cidr=10.244.0.1/24',
        // The default heartbeat stage (node-heartbeat-with-lease) patches node status only every ~10 min and leaves
        // liveness to the node Lease. Without a lease duration kwok keeps no Lease, so the node lifecycle controller
        // marked the node NotReady (and every pod on it Ready=False) about a minute after start, over and over
        // (seen: deployments losing availability, scale-ups never rolling out). kwokctl's default is 40 s.
        '--node-lease-duration-seconds=40',
        `--enable-crds=${KWOK_CRD_KINDS.join(',')}`,
      ],
      // HOME is where kwok looks for ~/.kwok/kwok.yaml by default; point it at the work dir so a developer's own kwok
      // configuration never leaks in. Exec'd commands inherit this environment (plus ClusterExec envs).
      { logDir: this.logDir, env: { ...process.env, HOME: this.workDir }, cwd: this.workDir },
    ).start();
    await waitFor(
      'kwok-controller',
      this.procs.kwok,
      async () => {
        const r = await httpGetStatus(`http://127.0.0.1:${kwokPort}/healthz`);
        return r.status === 200 ? true : `${r.status} ${r.body}`;
      },
      this.readyTimeout,
    );
    for (const p of [this.procs.kcm, this.procs.scheduler]) {
      if (p.exitInfo) throw new Error(`${p.name} exited early (${JSON.stringify(p.exitInfo)}):\n${p.logTail()}`);
    }
  }

  get readyTimeout() {
    return this.opts.readyTimeoutMs || 90_000;
  }

  /** Starts kube-apiserver (again) with the same flags, port and etcd data, and waits for /readyz. */
  async startApiServer() {
    if (this.procs.apiserver?.running) return;
    const started = Date.now();
    this.procs.apiserver = new Proc('kube-apiserver', this.binaries.kubeApiserver, this.apiserverArgs, {
      logDir: this.logDir,
    }).start();
    await waitFor(
      'kube-apiserver',
      this.procs.apiserver,
      async () => {
        const r = await httpGetStatus(`${this.apiserverUrl}/readyz`, this.tls);
        return r.status === 200 ? true : `${r.status} ${r.body.slice(0, 300)}`;
      },
      this.readyTimeout,
    );
    log(`kube-apiserver ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }

  /**
   * Stops kube-apiserver only (etcd, controllers and kwok keep running and retry). SIGTERM by default: the server
   * stops listening within milliseconds, but 1.33 then lingers in its graceful-termination path for many seconds
   * (seen: still alive 5 s later, after "quota evaluator worker shutdown"), so it is SIGKILLed after `graceMs`.
   * `signal: 'SIGKILL'` simulates a crash instead.
   */
  async stopApiServer({ signal = 'SIGTERM', graceMs = 1500 } = {}) {
    await this.procs.apiserver?.stop(graceMs, signal);
  }

  /**
   * Stops and starts kube-apiserver on the same port with the same data. Clients see connections refused/reset, then
   * the server back with the same objects and a continuing resourceVersion sequence. `downMs` keeps it down longer.
   */
  async restartApiServer({ downMs = 0, signal, graceMs } = {}) {
    await this.stopApiServer({ signal, graceMs });
    if (downMs) await sleep(downMs);
    await this.startApiServer();
  }

  /**
   * Runs kubectl (admin kubeconfig unless `kubeconfig` is given). Resolves { code, stdout, stderr }; rejects on a
   * non-zero exit unless `allowFail`. `input` is written to stdin.
   */
  kubectl(args, { kubeconfig = this.kubeconfig, input, allowFail = false, timeoutMs = 60_000, env } = {}) {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binaries.kubectl, [`--kubeconfig=${kubeconfig}`, ...args], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, ...env, KUBECONFIG: kubeconfig },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const res = { code: code ?? -1, signal, stdout, stderr };
        if (code !== 0 && !allowFail) {
          reject(
            Object.assign(new Error(`kubectl ${args.join(' ')} failed (${signal || code}): ${stderr.trim()}`), res),
          );
        } else resolve(res);
      });
      child.stdin.end(input ?? '');
    });
  }

  /** Starts a long-running kubectl (logs -f, port-forward, get -w); the process is killed by stop(). */
  spawnKubectl(args, { kubeconfig = this.kubeconfig } = {}) {
    const child = spawn(this.binaries.kubectl, [`--kubeconfig=${kubeconfig}`, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /**
   * Raw API request as the admin (client certificate). `body` objects are sent as JSON; `contentType` overrides
   * (e.g. 'application/merge-patch+json'). Resolves { status, headers, body, json } and never rejects on HTTP errors.
   */
  request(method, apiPath, body, { contentType = 'application/json', timeoutMs = 30_000 } = {}) {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = https.request(
        `${this.apiserverUrl}${apiPath}`,
        {
          method,
          ...this.tls,
          headers: { Accept: 'application/json', ...(data !== undefined ? { 'Content-Type': contentType } : {}) },
          timeout: timeoutMs,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (text += d));
          res.on('end', () => {
            let json;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode, headers: res.headers, body: text, json });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${apiPath}: timeout after ${timeoutMs} ms`)));
      req.on('error', reject);
      if (data !== undefined) req.write(data);
      req.end();
    });
  }

  /** TLS options (ca/cert/key buffers) of the admin user, for hand-made https requests or watches. */
  get adminTls() {
    return { ...this.tls };
  }

  /**
   * Creates a user with a client certificate (CN=name, O=groups) and NO RBAC bindings, and writes a kubeconfig whose
   * only context is `pf-test-restricted`. Every request of that user is authenticated and then Forbidden (403) until
   * grantUser() binds a role. Resolves the kubeconfig path.
   */
  async makeUserKubeconfig(name = 'pf-restricted', groups = []) {
    const safe = name.replace(/[^a-zA-Z0-9_.-]/g, '_');
    const cert = await this.pki.issue(`user-${safe}`, { cn: name, groups, usage: 'client' });
    const file = path.join(this.workDir, `user-${safe}.kubeconfig`);
    fs.writeFileSync(
      file,
      kubeconfigYaml({
        server: this.apiserverUrl,
        caFile: this.caFile,
        certFile: cert.cert,
        keyFile: cert.key,
        user: name,
        context: RESTRICTED_CONTEXT,
      }),
      { mode: 0o600 },
    );
    return file;
  }

  /**
   * Binds a role to a user (subject kind User, or Group with `subjectKind: 'Group'`).
   *   { clusterRole: 'view' }                         ClusterRoleBinding to an existing ClusterRole
   *   { clusterRole: 'view', namespace: 'monitoring' } RoleBinding in that namespace to the ClusterRole
   *   { role: 'r', namespace: 'ns' }                  RoleBinding to an existing Role
   *   { rules: [...], namespace? }                    creates a Role (or ClusterRole without namespace) from rules, then binds it
   * Resolves the binding's name.
   */
  async grantUser(name, { clusterRole, role, namespace, rules, subjectKind = 'User', bindingName } = {}) {
    const safe = name.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
    const objs = [];
    if (rules) {
      const roleName = `pf-test-${safe}-${crypto.randomBytes(3).toString('hex')}`;
      objs.push({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: namespace ? 'Role' : 'ClusterRole',
        metadata: { name: roleName, ...(namespace ? { namespace } : {}) },
        rules,
      });
      if (namespace) role = roleName;
      else clusterRole = roleName;
    }
    if (!clusterRole && !role) throw new Error('grantUser: give clusterRole, role or rules');
    const bName = bindingName || `pf-test-${safe}-${(clusterRole || role).replace(/[^a-z0-9.-]/g, '-')}`;
    objs.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding',
      metadata: { name: bName, ...(namespace ? { namespace } : {}) },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: role ? 'Role' : 'ClusterRole',
        name: role || clusterRole,
      },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: subjectKind, name }],
    });
    await this.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }),
    });
    return bName;
  }

  /** Registers a function run by stop() (before the processes are killed), e.g. the log mirror of seed.mjs. */
  onStop(fn) {
    this.stopHooks.push(fn);
  }

  /** Kills every process this cluster started (process groups) and removes the work dir unless `keep`. */
  async stop({ keep = this.opts.keep } = {}) {
    if (this.stopped) return;
    this.stopped = true;
    for (const fn of this.stopHooks.splice(0)) {
      try {
        await fn();
      } catch {
        /* best effort */
      }
    }
    for (const c of this.children) c.kill('SIGKILL');
    // Clients first, then the apiserver, then etcd: fewer error lines in the component logs.
    const order = ['kwok', 'scheduler', 'kcm', 'apiserver', 'etcd'];
    await Promise.all(order.slice(0, 3).map((n) => this.procs[n]?.stop()));
    // Its clients are gone already; nothing is gained by waiting out its graceful-termination path.
    await this.stopApiServer({ graceMs: 500 });
    await this.procs.etcd?.stop();
    liveClusters.delete(this);
    if (!keep && this.opts.ownWorkDir) fs.rmSync(this.workDir, { recursive: true, force: true });
    else if (keep) {
      fs.writeFileSync(path.join(this.workDir, KEEP_FILE), '');
      log(`kept cluster work dir ${this.workDir}`);
    }
  }

  _killSync() {
    for (const c of this.children) c.kill('SIGKILL');
    for (const p of Object.values(this.procs)) p.killSync();
  }
}
